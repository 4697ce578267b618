"""The print edition, asserted on the real PDF built once per session, and the preflight."""

from __future__ import annotations

import io
import json
import random
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageChops, ImageStat
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DictionaryObject, NameObject
from typer.testing import CliRunner
from weasyprint.text.fonts import FontConfiguration

from pipeline import stamp
from pipeline.build import BuildResult, build, proof
from pipeline.cli import app
from pipeline.content import load_project
from pipeline.preflight import PrintSpec, preflight
from pipeline.render import ArticleView, marks, pdf
from pipeline.render.proof import _spreads
from pipeline.settings import Settings, load
from tests.conftest import ROOT, SAMPLE

pytestmark = pytest.mark.slow
HEAD_ZONE = 0.8 * 72
"""The top page margin in points: text above it is the running head."""


@pytest.fixture(scope="module")
def print_pdf(built: tuple[BuildResult, Path]) -> Path:
    return built[1] / SAMPLE / f"{SAMPLE}-print.pdf"


@pytest.fixture(scope="module")
def reader(print_pdf: Path) -> PdfReader:
    return PdfReader(print_pdf)


@pytest.fixture(scope="module")
def texts(reader: PdfReader) -> list[str]:
    return [_flat(page.extract_text()) for page in reader.pages]


@pytest.fixture(scope="module")
def views(settings: Settings) -> list[ArticleView]:
    edition = load_project(ROOT).editions[SAMPLE]
    return [ArticleView(a, settings) for a in edition.in_order() if a.published]


def _flat(text: str) -> str:
    """Extracted text with hyphenated line ends joined and whitespace collapsed."""
    return " ".join(re.sub(r"[‐-]\n", "", text).split())


def _running_head(reader: PdfReader, number: int) -> str:
    top = float(reader.pages[number - 1].trimbox.top) - HEAD_ZONE
    found: list[str] = []

    def keep(text: str, cm: list[float], tm: list[float], *_: object) -> None:
        if tm[4] * cm[1] + tm[5] * cm[3] + cm[5] > top:
            found.append(text)

    reader.pages[number - 1].extract_text(visitor_text=keep)
    return " ".join("".join(found).split())


def _starts(texts: list[str], views: list[ArticleView]) -> dict[str, int]:
    """The page each article's title first appears on after the contents (1-based); not
    where a page number follows it: a list of the issue's pieces at another article's end."""
    starts = {}
    for view in views:
        title = re.compile(re.escape(" ".join(view.meta.title.split())) + r"(?![ .]*\d)")
        starts[view.slug] = next(n for n, t in enumerate(texts, 1)
                                 if n > 2 and title.search(t))
    return starts


def _pages_of(slug: str, starts: dict[str, int], reader: PdfReader) -> range:
    """Pages from the article's start up to the next piece (article, ad or house ad)."""
    pieces = {reader.get_destination_page_number(dest) + 1
              for name, dest in reader.named_destinations.items()
              if name.startswith(("article-", "ad-", "house-ad-"))}
    later = sorted(n for n in pieces | set(starts.values()) if n > starts[slug])
    return range(starts[slug], later[0] if later else len(reader.pages) + 1)


def test_page_count_is_a_multiple_of_four(reader: PdfReader,
                                          built: tuple[BuildResult, Path]) -> None:
    assert len(reader.pages) % 4 == 0
    assert built[0].pages == len(reader.pages)


def test_every_page_has_the_trim_size_and_bleed(reader: PdfReader, settings: Settings) -> None:
    spec = PrintSpec.from_settings(settings.print)
    for page in reader.pages:
        assert "/TrimBox" in page and "/BleedBox" in page
        trim, bleed = page.trimbox, page.bleedbox
        assert float(trim.width) == pytest.approx(spec.trim_width, abs=0.5)
        assert float(trim.height) == pytest.approx(spec.trim_height, abs=0.5)
        assert float(trim.left) - float(bleed.left) == pytest.approx(spec.bleed, abs=0.5)
        assert float(bleed.top) - float(trim.top) == pytest.approx(spec.bleed, abs=0.5)


def _pdf_fonts(reader: PdfReader) -> dict[str, DictionaryObject]:
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            fonts[str(font["/BaseFont"])] = font
    return fonts


def test_every_font_is_embedded_and_from_the_house_fonts(reader: PdfReader) -> None:
    _assert_house_fonts_embedded(reader)


def _assert_house_fonts_embedded(reader: PdfReader) -> None:
    # WeasyPrint names an embedded font after its @font-face family; a system fallback font
    # would appear under its own name (DejaVu, Liberation...).
    css = (ROOT / "layouts" / "print" / "magazine.css").read_text()
    faces = re.findall(r'@font-face \{ font-family: "([^"]+)"; src: url\("\.\./fonts/', css)
    house = {face.replace(" ", "-") for face in faces}
    assert house
    fonts = _pdf_fonts(reader)
    assert fonts
    for name, font in fonts.items():
        descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"] \
            if "/DescendantFonts" in font else font["/FontDescriptor"]
        assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), name
        family = name.split("+", 1)[-1]
        assert any(family.startswith(face) for face in house), f"{name} is not a house font"


def test_every_house_face_has_every_character_of_the_edition() -> None:
    """A face that lacks letters is not only a fallback risk: fontconfig ranks a face that does
    not cover the document's language below any that does, so WeasyPrint set all bold text in
    the regular face when the bold was Debian's 127-glyph EB Garamond 12 Bold."""
    from fontTools.ttLib import TTFont

    css = (ROOT / "layouts" / "print" / "magazine.css").read_text()
    files = re.findall(r'@font-face \{[^}]*src: url\("\.\./fonts/([^"]+)"', css)
    assert len(files) >= 4
    text = "".join(path.read_text(encoding="utf-8")
                   for path in (ROOT / "articles" / SAMPLE).glob("*.md"))
    # and what English typesetting needs besides: curly quotes, dashes, an ellipsis, café
    used = {char for char in text + "‘’“”–—…éï" if not char.isspace()}
    for name in files:
        with TTFont(ROOT / "layouts" / "fonts" / name) as font:
            missing = used - {chr(code) for code in font.getBestCmap()}
        assert not missing, f"{name} lacks {''.join(sorted(missing))}"


def test_contents_page_numbers_match_where_articles_start(
        texts: list[str], views: list[ArticleView]) -> None:
    contents = texts[1]
    for view, start in zip(views, _starts(texts, views).values(), strict=True):
        title = re.escape(" ".join(view.meta.title.split()))
        listed = re.search(title + r"[ .]*?(\d+)", contents)
        assert listed, f"{view.slug} missing from contents"
        assert int(listed.group(1)) == start, view.slug


def test_running_head_of_each_article_page_names_its_section(
        reader: PdfReader, texts: list[str], views: list[ArticleView]) -> None:
    """An opening page names the section in its kicker above the title (no running head
    there, as in print magazines); every following page in its running head."""
    starts = _starts(texts, views)
    for view in views:
        opener, *following = _pages_of(view.slug, starts, reader)
        flat = " ".join(texts[opener - 1].split()).upper()
        title_at = flat.find(" ".join(view.meta.title.split()[:3]).upper())
        assert view.meta.section.upper() in flat[:title_at], f"opening page {opener}"
        for number in following:
            assert view.meta.section.upper() in _running_head(reader, number).upper(), \
                f"page {number} ({view.slug})"


def test_a_calendar_week_run_on_to_a_page_is_named_in_its_running_head(
        reader: PdfReader, texts: list[str], views: list[ArticleView]) -> None:
    """A page of the calendar that opens in the middle of a week's list names the week in its
    running head ("Calendar · October 17–23, continued"); one that opens on a week's heading,
    and every page of the other articles, says no such thing."""
    starts = _starts(texts, views)
    calendar = next(v for v in views if v.meta.kind == "calendar")
    weeks = [w.strip() for w in re.findall(r"^## (.+)$", calendar.article.body, re.MULTILINE)]
    opener, *following = _pages_of(calendar.slug, starts, reader)
    in_force = None  # the week whose entries run at the foot of the page before
    run_on = []
    for number in range(1, len(reader.pages) + 1):
        head = _running_head(reader, number)
        body = " ".join(texts[number - 1].replace(head, "", 1).split())
        if number not in following:
            assert "continued" not in head.lower(), f"page {number}"
        elif any(body.startswith(week) for week in weeks):
            assert "continued" not in head.lower(), f"page {number} opens on a heading"
        else:
            assert f"{in_force}, continued".upper() in head.upper(), f"page {number}: {head}"
            run_on.append(number)
        if number == opener or number in following:
            in_force = max(weeks, key=lambda w: body.rfind(w)) \
                if any(w in body for w in weeks) else in_force
    assert run_on, "the sample calendar runs a week on to its second page"


def _columns(box: Any) -> Iterator[Any]:
    """The column boxes under a laid-out WeasyPrint box, in order."""
    if getattr(box, "is_column", False):
        yield box
        return
    for child in getattr(box, "children", []):
        yield from _columns(child)


def test_a_heading_that_opens_a_column_is_level_with_the_column_beside_it(
        settings: Settings, views: list[ArticleView]) -> None:
    """Every column's first block starts at the column's top, where the first line of the
    column beside it starts: WeasyPrint keeps a top margin at a column break (it truncates them
    at page breaks only), and a heading opening a column stood 12pt below the next column's
    first line. The sample has headings opening a column on a continuation page (8), beside an
    opener's first column (13, 16) and in the calendar (18)."""
    edition = load_project(ROOT).editions[SAMPLE]
    html = pdf.edition_html(edition, views, settings, ROOT / "layouts", screen=False)
    document = pdf._document(html, edition.folder, settings, ROOT / "layouts", False,
                             FontConfiguration())
    openers: dict[str, list[int]] = {}
    for number, page in enumerate(document.pages, 1):
        for column in _columns(page._page_box):
            first = next(child for child in column.children if child.is_in_normal_flow())
            openers.setdefault(first.element_tag, []).append(number)
            lower = (first.border_box_y() - column.content_box_y()) * 0.75  # px to pt
            assert lower == pytest.approx(0, abs=0.5), \
                f"page {number}: a column opens with <{first.element_tag}> {lower:.1f}pt low"
    assert len(openers.get("h2", [])) >= 3, openers  # the case is in the sample


@pytest.fixture(scope="module")
def laid_out(settings: Settings, views: list[ArticleView]) -> Any:
    """The print edition's pages as WeasyPrint laid them out, before they are written."""
    edition = load_project(ROOT).editions[SAMPLE]
    return pdf._laid_out(edition, views, settings, ROOT / "layouts", False,
                         FontConfiguration(), "", {})


def _foot(page: Any) -> float:
    """The foot of the page's text area, in pt."""
    box = page._page_box
    return float(box.content_box_y() + box.height) / pdf.PX_PER_PT


def test_columns_that_go_on_overleaf_reach_the_foot_of_the_page(laid_out: Any) -> None:
    """On a page whose columns go on overleaf every column reaches the foot (within a line),
    as a magazine's text frames do: what follows a short column could not be split (a
    heading with its first lines, a listing, a paragraph's last lines) and the space it left
    is spread over the column's joints. Before, pages 7, 13 and 18 had a column 47-54pt short
    beside a full one. The one exception is a column whose next one opens with a heading that
    with its two first lines is taller than the whole space: nothing to spread (the opener's
    first column on page 13, two paragraphs)."""
    pages = laid_out.pages
    by_page = [pdf._columns_by_container(page._page_box) for page in pages]
    checked = 0
    for number, containers in enumerate(by_page, 1):
        later = by_page[number] if number < len(by_page) else {}
        for element, columns in containers.items():
            if element not in later:  # their last page
                continue
            for index, column in enumerate(columns):
                units = list(pdf._units(column))
                short = _foot(pages[number - 1]) \
                    - max(map(pdf._ink_bottom, units)) / pdf.PX_PER_PT
                checked += 1
                if short <= 20:
                    continue
                after = columns[index + 1] if index + 1 < len(columns) \
                    else next(iter(later[element]))
                first, text = list(pdf._units(after))[:2]
                lines = [line for line in text.descendants() if type(line).__name__ == "LineBox"]
                # and the space the heading asks above it (the last block's empty ::after)
                above = max((child.margin_bottom for child in units[-1].children
                             if child.element_tag.endswith("::after")), default=0)
                needed = (lines[1].position_y + lines[1].height - first.position_y
                          + above) / pdf.PX_PER_PT
                assert first.element_tag in ("h2", "h3") and needed > short, \
                    f"page {number}: a column ends {short:.0f}pt above the foot"
    assert checked >= 10


def test_a_reference_is_never_split_between_columns(laid_out: Any) -> None:
    """A reference is read and typed from whole: before, page 8 split the first one after its
    DOI prefix, the rest of the address at the head of the next column."""
    seen: dict[str, int] = {}
    for number, page in enumerate(laid_out.pages, 1):
        for column in _columns(page._page_box):
            items = {box.element.get("id") for box in column.descendants()
                     if box.element_tag == "li" and "footnote-item" in
                     (box.element.get("class") or "")}
            for item in items:
                assert item not in seen, f"{item} on page {seen[item]} and {number}"
                seen[item] = number
    assert len(seen) >= 10  # the case is in the sample


def _white_feet(document: Any, views: list[ArticleView]) -> dict[str, float]:
    """The white (pt) below the last of each article's text on its last page, where the
    next piece starts overleaf; advertorials left out (their pages are the sponsor's)."""
    pages = [pdf._body_children(page._page_box) for page in document.pages]
    white = {}
    for view in views:
        anchor = f"article-{view.slug}"
        number = max(n for n, children in enumerate(pages)
                     if any(child.element.get("id") == anchor for child in children))
        ids = [child.element.get("id") for child in pages[number]]
        if view.sponsored or ids[-1] != anchor or (number + 1 < len(pages) and any(
                child.element.get("id") == anchor for child in pages[number + 1])):
            continue
        lowest = max(pdf._ink_bottom(child) for child in pages[number]) / pdf.PX_PER_PT
        white[view.slug] = _foot(document.pages[number]) - lowest
    return white


def test_no_article_leaves_a_white_foot_on_its_last_page(
        laid_out: Any, settings: Settings, views: list[ArticleView], reader: PdfReader,
        texts: list[str]) -> None:
    """An article whose last page its text leaves partly white (before: pages 12, 15, 17 and 19,
    a quarter to two thirds of the page) is followed there by a house ad or an "In this issue"
    list as high as the white, each filler different; the pages stay where they were."""
    before = _white_feet(laid_out, views)
    assert sum(white > pdf.FILLER_AT_LEAST for white in before.values()) >= 3  # the case
    fillers = pdf.place_fillers(laid_out, views)
    edition = load_project(ROOT).editions[SAMPLE]
    filled = pdf._laid_out(edition, views, settings, ROOT / "layouts", False,
                           FontConfiguration(), "", fillers)
    assert len(filled.pages) == len(laid_out.pages)
    assert pdf._starts(filled) == pdf._starts(laid_out)
    for slug, white in _white_feet(filled, views).items():
        assert white < pdf.FILLER_AT_LEAST + pdf.FILLER_ABOVE + 2, f"{slug}: {white:.0f}pt"
    # the print PDF has them, on the pages the layout put them, no two alike
    printed = {name: reader.get_destination_page_number(dest) + 1
               for name, dest in reader.named_destinations.items()
               if name.startswith("filler-")}
    assert len(printed) == len(fillers) >= 3
    assert len({(filler.ad, filler.teaser) for filler in fillers.values()}) == len(fillers)
    for slug, filler in fillers.items():
        assert printed[f"filler-{filler.slot}"] == max(_pages_of(slug, _starts(texts, views),
                                                                 reader)), slug


def test_sponsor_label_heads_every_advertorial_page(
        reader: PdfReader, texts: list[str], views: list[ArticleView], settings: Settings) -> None:
    starts = _starts(texts, views)
    sponsored = [v for v in views if v.sponsored]
    assert sponsored, "the sample edition should carry an advertorial"
    for view in sponsored:
        for number in _pages_of(view.slug, starts, reader):
            assert settings.sponsor_label.text.upper() in _running_head(reader, number).upper(), \
                f"page {number} of {view.slug} lacks the sponsor label"


def test_declared_disclaimers_are_printed_with_their_article(
        reader: PdfReader, texts: list[str], views: list[ArticleView]) -> None:
    starts = _starts(texts, views)
    declared = [v for v in views if v.notices]
    assert declared
    for view in declared:
        text = " ".join(texts[n - 1] for n in _pages_of(view.slug, starts, reader))
        for notice in view.notices:
            assert " ".join(notice.text.split()) in text, f"{view.slug}: {notice.id}"


def test_no_address_is_hyphenated_where_it_breaks(reader: PdfReader) -> None:
    """A web or email address broken at a line's end gets no hyphen (WeasyPrint's is U+2010; an
    ASCII one there is the address's own), which a reader would type: also a linked address in
    the print file, whose links are inert (data-href, which magazine.css does not know)."""
    broken = [found for page in reader.pages for found in re.findall(
        r"\S*(?:https?://|www\.|@)\S*‐\n", page.extract_text())]
    assert not broken


def test_crop_marks_stand_in_a_slug_that_no_photo_covers(reader: PdfReader, print_pdf: Path,
                                                         tmp_path: Path) -> None:
    """On every page the MediaBox leaves a slug around the bleed, and the marks drawn there, in
    registration colour, are seen on the cover, whose photo fills the bleed: the photo stops at
    the bleed, the marks stand on white."""
    for page in reader.pages:
        media, bleed = page.mediabox, page.bleedbox
        assert float(bleed.left) - float(media.left) == pytest.approx(marks.SLUG)
        assert float(media.top) - float(bleed.top) == pytest.approx(marks.SLUG)
        assert b"1 1 1 1 K" in page.get_contents().get_data()  # type: ignore[union-attr]
    scale = 2  # pixels per point at 144 dpi
    subprocess.run(["pdftoppm", "-r", "144", "-f", "1", "-l", "1", "-png", str(print_pdf),
                    str(tmp_path / "cover")], check=True)
    image = Image.open(next(tmp_path.glob("cover*.png"))).convert("L")
    cover = reader.pages[0]
    media, trim = cover.mediabox, cover.trimbox
    bleed = float(trim.left) - float(cover.bleedbox.left)

    def pixel(x: float, y: float) -> tuple[int, int]:
        return round((x - float(media.left)) * scale), round((float(media.top) - y) * scale)

    box = (float(trim.left), float(trim.bottom), float(trim.right), float(trim.top))
    for x0, y0, x1, y1 in marks.mark_lines(box, bleed):
        px, py = pixel((x0 + x1) / 2, (y0 + y1) / 2)
        darkest = min(image.getpixel((px + dx, py + dy)) for dx in (-1, 0, 1)
                      for dy in (-1, 0, 1))
        assert darkest < 100, ((x0, y0, x1, y1), darkest)
    corner = image.crop((0, 0, round(marks.SLUG * scale) - 2, round(marks.SLUG * scale) - 2))
    assert ImageStat.Stat(corner).extrema[0][0] > 250  # nothing of the photo in the slug


def test_print_pdf_is_pdfx3_in_cmyk(reader: PdfReader) -> None:
    assert reader.metadata is not None
    assert reader.metadata["/GTS_PDFXVersion"] == "PDF/X-3:2003"
    (intent,) = reader.trailer["/Root"]["/OutputIntents"]
    intent = intent.get_object()
    assert intent["/S"] == "/GTS_PDFX"
    assert intent["/DestOutputProfile"].get_object()["/N"] == 4
    images = {name: xobject.get_object()
              for page in reader.pages
              for name, xobject in page["/Resources"].get("/XObject", {}).items()
              if xobject.get_object()["/Subtype"] == "/Image"}
    assert len(images) >= 5  # the cover and the heroes
    assert {str(image["/ColorSpace"]) for image in images.values()} == {"/DeviceCMYK"}


def test_preflight_passes_on_our_print_pdf(print_pdf: Path, settings: Settings) -> None:
    spec = PrintSpec.from_settings(settings.print, page_budget=24)
    assert preflight(print_pdf, spec) == []


def test_preflight_cli_exit_codes(print_pdf: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    ours = runner.invoke(app, ["preflight", str(print_pdf), "--format", "json"])
    assert ours.exit_code == 0, ours.output
    assert json.loads(ours.output)["counts"]["error"] == 0
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(_three_bare_pages())
    failed = runner.invoke(app, ["preflight", str(bad), "--format", "json"])
    assert failed.exit_code == 1
    codes = {f["code"] for f in json.loads(failed.output)["findings"]}
    assert codes == {"PRN001", "PRN002"}
    text = tmp_path / "notes.pdf"
    text.write_text("not a pdf at all")
    refused = runner.invoke(app, ["preflight", str(text)])
    assert refused.exit_code == 2
    assert "not a PDF" in refused.output
    # Damage past the header: pypdf reads lazily, so it is met only when a check reaches it.
    data = bytearray(print_pdf.read_bytes())
    noise = random.Random(1)
    for _ in range(2000):
        data[noise.randrange(1000, len(data))] = noise.randrange(256)
    damaged = tmp_path / "damaged.pdf"
    damaged.write_bytes(bytes(data))
    broken = runner.invoke(app, ["preflight", str(damaged)])
    assert broken.exit_code == 2, broken.output
    assert "not a readable PDF" in broken.output and "is damaged" in broken.output


def _three_bare_pages() -> bytes:
    writer = PdfWriter()
    for _ in range(3):
        writer.add_blank_page(612, 792)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def test_preflight_finds_unembedded_fonts_low_resolution_and_over_budget(
        tmp_path: Path, settings: Settings) -> None:
    image = tmp_path / "low.pdf"
    Image.new("RGB", (600, 780), "white").save(image, resolution=72.0)  # placed at 72 ppi
    writer = PdfWriter(clone_from=image)
    page = writer.pages[0]
    font = DictionaryObject({NameObject("/Type"): NameObject("/Font"),
                             NameObject("/Subtype"): NameObject("/Type1"),
                             NameObject("/BaseFont"): NameObject("/Helvetica")})
    page["/Resources"][NameObject("/Font")] = DictionaryObject({NameObject("/F1"): font})
    for _ in range(3):
        writer.add_page(page)
    crafted = tmp_path / "crafted.pdf"
    with crafted.open("wb") as stream:
        writer.write(stream)
    spec = PrintSpec.from_settings(settings.print, page_budget=3)
    codes = [f.code for f in preflight(crafted, spec)]
    assert codes.count("PRN003") == 1  # one font, reported once
    assert codes.count("PRN004") == 4
    assert "PRN005" in codes and "PRN001" not in codes


def test_preflight_judges_each_article_against_its_page_budget(
        print_pdf: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`[page_budget] articles = {slug = n}` in edition.toml: an article filling more pages
    than its budget (from its first page to where the next piece starts) is PRN005, on its
    first page. The sample sets the naltrexone feature on pages 6 to 8."""
    project = tmp_path / "project"
    shutil.copytree(ROOT / "articles", project / "articles")
    shutil.copy(ROOT / "publication.toml", project)
    manifest = project / "articles" / SAMPLE / "edition.toml"
    text = manifest.read_text().replace("page_budget = 24\n", "")
    manifest.write_text(text + '\n[page_budget]\nedition = 24\narticles = '
                        '{low-dose-naltrexone = 2, walk-into-autumn = 3, calendar = 2}\n')
    pdf = project / "build" / SAMPLE / print_pdf.name
    pdf.parent.mkdir(parents=True)
    shutil.copy(print_pdf, pdf)
    monkeypatch.chdir(project)
    result = CliRunner().invoke(app, ["preflight", str(pdf), "--format", "json"])
    over = [f for f in json.loads(result.stdout)["findings"] if f["code"] == "PRN005"]
    assert [(f["line"], f["message"]) for f in over] == [
        (6, "`low-dose-naltrexone` fills 3 pages, over its budget of 2")]
    assert result.exit_code == 1


def test_print_pdf_is_byte_identical_across_builds_and_checkouts(
        print_pdf: Path, tmp_path: Path) -> None:
    """The same sources give the same bytes, also in another folder (a CI checkout and an
    editor's): nothing in the PDFs may depend on where the project is."""
    for name in ("articles", "layouts"):
        shutil.copytree(ROOT / name, tmp_path / name)
    shutil.copy(ROOT / "publication.toml", tmp_path)
    again = build(load(tmp_path / "publication.toml"), SAMPLE, only={"pdf"})
    assert not again.blocked
    for kind in ("print", "screen"):
        assert (tmp_path / "build" / SAMPLE / f"{SAMPLE}-{kind}.pdf").read_bytes() == \
            (print_pdf.parent / f"{SAMPLE}-{kind}.pdf").read_bytes(), kind
    # The first build of a fresh checkout is kept too: what it made in the project (.cache,
    # the CMYK copies) did not count as a change under it
    assert build(load(tmp_path / "publication.toml"), SAMPLE, only={"pdf"}).pdf_cached


def test_proof_sheet_shows_every_spread(settings: Settings,
                                        built: tuple[BuildResult, Path]) -> None:
    sheet = proof(settings, SAMPLE, built[1])
    with Image.open(sheet) as image:
        assert image.format == "PNG"
        assert image.width > image.height / 2


def test_spreads_pair_left_and_right_pages() -> None:
    assert _spreads(8) == [(None, 1), (2, 3), (4, 5), (6, 7), (8, None)]


def test_rebuild_with_nothing_changed_does_not_render(settings: Settings,
                                                      built: tuple[BuildResult, Path]) -> None:
    again = build(settings, SAMPLE, only={"pdf"}, out=built[1])
    # If not: a source may have changed during the first build, or its time may not be
    # settled by the file clock (the times show which)
    assert again.pdf_cached, (stamp.file_clock(ROOT), _newest_sources(ROOT))
    assert again.pages == built[0].pages
    assert not [path for path in again.written if path.suffix == ".pdf"]


def _newest_sources(root: Path) -> list[tuple[str, int]]:
    files = [root / "publication.toml", *(root / "articles").rglob("*"),
             *(root / "layouts").rglob("*")]
    return sorted(((str(f), f.stat().st_mtime_ns) for f in files), key=lambda f: -f[1])[:3]


def test_cover_photo_runs_into_the_bleed(print_pdf: Path, tmp_path: Path,
                                         settings: Settings) -> None:
    """The bleed strips of the cover show the photo, not the page's fallback colour: each
    strip outside the trim looks like the strip of the same width just inside it."""
    subprocess.run(["pdftoppm", "-r", "72", "-f", "1", "-l", "1", "-png", str(print_pdf),
                    str(tmp_path / "cover")], check=True)
    slug = round(marks.SLUG)  # outside the bleed: the crop marks
    image = Image.open(next(tmp_path.glob("cover*.png"))).convert("L")
    image = image.crop((slug, slug, image.width - slug, image.height - slug))
    bleed = round(float(settings.print.bleed.removesuffix("in")) * 72)
    width, height = image.size

    def mean(box: tuple[int, int, int, int]) -> float:
        return float(ImageStat.Stat(image.crop(box)).mean[0])

    strips = [  # (outside the trim, just inside it) for the left, right, top and bottom edges
        ((0, 0, bleed, height), (bleed, 0, 2 * bleed, height)),
        ((width - bleed, 0, width, height), (width - 2 * bleed, 0, width - bleed, height)),
        ((0, 0, width, bleed), (0, bleed, width, 2 * bleed)),
        ((0, height - bleed, width, height), (0, height - 2 * bleed, width, height - bleed)),
    ]
    for outside, inside in strips:
        assert abs(mean(outside) - mean(inside)) < 25, (outside, mean(outside), mean(inside))


def test_each_article_is_a_tagged_pdf_download_of_that_article_alone(
        built: tuple[BuildResult, Path], views: list[ArticleView], settings: Settings) -> None:
    """publication.toml enables the downloads: each article's PDF sits beside its page, holds
    the article alone in the house design, and is tagged and titled like the screen edition."""
    assert settings.web.article_pdfs
    site = built[1] / "site"
    spec = PrintSpec.from_settings(settings.print)
    for view in views:
        folder = site / "articles" / view.slug
        assert f'href="{view.slug}.pdf"' in (folder / "index.html").read_text()
        reader = PdfReader(folder / f"{view.slug}.pdf")
        assert reader.metadata is not None
        assert reader.metadata.title == view.meta.title
        assert reader.metadata.author == view.byline
        root = reader.trailer["/Root"]
        assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]
        assert str(root["/Lang"]) == settings.site.language
        for page in reader.pages:
            assert float(page.mediabox.width) == pytest.approx(spec.trim_width, abs=0.5)
            assert float(page.mediabox.height) == pytest.approx(spec.trim_height, abs=0.5)
        text = _flat(" ".join(page.extract_text() for page in reader.pages))
        assert _flat(view.meta.title) in text
        others = [v.meta.title for v in views if v.slug != view.slug]
        assert not [title for title in others if _flat(title) in text]
        for notice in view.notices:
            assert notice.title.casefold() in text.casefold()
        assert f"{settings.site.base_url}/articles/{view.slug}/" in text
        _assert_house_fonts_embedded(reader)


def test_article_pdfs_are_made_only_where_enabled(project: Path) -> None:
    config = load(project / "publication.toml")
    assert not config.web.article_pdfs  # as the fixture leaves it
    result = build(config, SAMPLE, only={"web"})
    assert not result.blocked
    site = project / "build" / "site"
    assert not list(site.rglob("*.pdf"))
    assert "pdf-link" not in (site / "articles" / "low-dose-naltrexone" / "index.html").read_text()


def test_a_16_bit_grey_photo_prints_as_a_photo_in_both_pdfs(tmp_path: Path) -> None:
    """A scanner's 16-bit grey PNG in a real build: WeasyPrint would embed it in the screen PDF
    as noise and the CMYK conversion would clip it to white; both PDFs show the photo."""
    for name in ("articles", "layouts"):
        shutil.copytree(ROOT / name, tmp_path / name)
    shutil.copy(ROOT / "publication.toml", tmp_path)
    images = tmp_path / "articles" / SAMPLE / "images"
    with Image.open(images / "forest-path-hero.jpg") as photo:
        grey = photo.convert("L")
    wide = Image.new("I;16", grey.size)
    wide.putdata([value * 257 for value in grey.get_flattened_data()])
    wide.save(images / "forest-path-hero.png")
    article = tmp_path / "articles" / SAMPLE / "walk-into-autumn.md"
    article.write_text(article.read_text().replace("forest-path-hero.jpg", "forest-path-hero.png"))
    result = build(load(tmp_path / "publication.toml"), SAMPLE, only={"pdf"})
    assert not result.blocked
    small = grey.resize((68, 42))
    for kind in ("screen", "print"):
        reader = PdfReader(tmp_path / "build" / SAMPLE / f"{SAMPLE}-{kind}.pdf")
        placed = {image.indirect_reference.idnum: image.image for page in reader.pages
                  for image in page.images if image.indirect_reference is not None}
        # The placed image most like the photo (CMYK read as a rough grey): near it, and a
        # photograph's spread of tones, not a white box or noise.
        differences = [ImageStat.Stat(ImageChops.difference(
            image.convert("L").resize(small.size), small)).mean[0] for image in placed.values()]
        assert min(differences) < 25, (kind, sorted(differences))
