"""Figure 3: the sample edition's print and screen PDFs, our wall time over WeasyPrint's own.

The floor is WeasyPrint alone, in a fresh process, rendering the same two final HTML documents
with the same stylesheets and options (the pipeline's gate, templating and house-ad padding
are our overhead). Then a rebuild with nothing changed, which must not render at all.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from tests.bench.common import BIN, ROOT, Row, timed

EDITION = "2022-10"
TARGET_OVERHEAD = 1.15
REPEATS = 2

_FLOOR = """
import sys
from pathlib import Path
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
out = Path(sys.argv[1])
for name, options in (("print", {"pdf_identifier": True}),
                      ("screen", {"pdf_identifier": True, "pdf_variant": "pdf/ua-1",
                                  "pdf_tags": True})):
    fonts = FontConfiguration()
    sheets = [CSS(filename=sys.argv[2], font_config=fonts),
              CSS(string=(out / f"{name}.css").read_text(), font_config=fonts)]
    HTML(string=(out / f"{name}.html").read_text(), base_url=sys.argv[3],
         media_type="print").render(stylesheets=sheets, font_config=fonts).write_pdf(
        out / f"{name}.pdf", **options)
"""


def _final_html(folder: Path) -> None:
    """Write the pipeline's final HTML and page CSS for both editions into `folder`."""
    from pipeline import settings as settings_module
    from pipeline.build import publishable
    from pipeline.content import load_project
    from pipeline.render import pdf

    settings = settings_module.load(ROOT / "publication.toml")
    edition = load_project(ROOT).editions[EDITION]
    views = publishable(edition.in_order(), settings)
    for name, screen in (("print", False), ("screen", True)):
        html = pdf.edition_html(edition, views, settings, ROOT / "layouts", screen)
        (folder / f"{name}.html").write_text(html)
        (folder / f"{name}.css").write_text(pdf.page_css(settings, screen))


def _build(out: Path) -> list[str]:
    return [str(BIN / "pipeline"), "build", EDITION, "--only", "pdf", "--out", str(out)]


def run() -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="bench-print-") as temp:
        folder = Path(temp)
        _final_html(folder)
        base = str(ROOT / "articles" / EDITION) + "/"
        css = str(ROOT / "layouts" / "print" / "magazine.css")
        floor_command = [str(BIN / "python"), "-c", _FLOOR, temp, css, base]
        # alternate the two, best of REPEATS each: the machine is shared, noise is large
        floors, colds = [], []
        for attempt in range(REPEATS):
            floors.append(timed(floor_command, check=True))
            colds.append(timed(_build(folder / f"out{attempt}"), check=True))
        floor, cold_rss, cold = min(floors)[0], min(colds)[1], min(colds)[0]
        unchanged, unchanged_rss = timed(_build(folder / "out0"), check=True)
    return [
        Row("print PDFs, cold", cold, "WeasyPrint alone", floor,
            f"ratio <= {TARGET_OVERHEAD}", cold_rss),
        Row("print PDFs, nothing changed", unchanged, "WeasyPrint alone", floor,
            "no re-render", unchanged_rss),
    ]
