"""A contact sheet of a print PDF's spreads, so an editor sees the whole issue at a glance.

pdftoppm (poppler-utils) rasterises the trimmed pages; Pillow lays them out as reader spreads:
the cover alone on the right, then left-right pairs, the back cover alone on the left.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from pathlib import Path

from PIL import Image, ImageDraw
from pypdf import PdfReader

from pipeline.errors import BuildError, EnvironmentProblem

RESOLUTION = 36
"""Pixels per inch of each page thumbnail: legible headlines, small sheet."""
SPREADS_PER_ROW = 4
GAP = 24
LABEL_HEIGHT = 18
PAPER = (236, 236, 232)


def contact_sheet(pdf: Path) -> bytes:
    """The PNG bytes of a sheet showing every spread of `pdf`, labelled with page numbers."""
    pages = _rasterise(pdf)
    spreads = _spreads(len(pages))
    page_w, page_h = pages[0].size
    rows = -(-len(spreads) // SPREADS_PER_ROW)
    cell_w, cell_h = 2 * page_w + GAP, page_h + LABEL_HEIGHT + GAP
    sheet = Image.new("RGB", (SPREADS_PER_ROW * cell_w + GAP, rows * cell_h + GAP), PAPER)
    draw = ImageDraw.Draw(sheet)
    for index, (left, right) in enumerate(spreads):
        x = GAP + (index % SPREADS_PER_ROW) * cell_w
        y = GAP + (index // SPREADS_PER_ROW) * cell_h
        for offset, number in ((0, left), (page_w, right)):
            if number is not None:
                sheet.paste(pages[number - 1], (x + offset, y))
        label = "-".join(str(n) for n in (left, right) if n is not None)
        draw.text((x, y + page_h + 3), label, fill=(60, 60, 60))
    buffer = io.BytesIO()
    sheet.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _spreads(count: int) -> list[tuple[int | None, int | None]]:
    """Reader spreads as (left, right) page numbers: 1 is a right page, even pages are left."""
    spreads: list[tuple[int | None, int | None]] = [(None, 1)]
    for left in range(2, count + 1, 2):
        spreads.append((left, left + 1 if left + 1 <= count else None))
    return spreads


def _rasterise(pdf: Path) -> list[Image.Image]:
    tool = shutil.which("pdftoppm")
    if tool is None:
        raise EnvironmentProblem("pdftoppm is not installed; run scripts/system-deps.sh "
                                 "(Debian package poppler-utils)")
    with tempfile.TemporaryDirectory(prefix="proof-") as folder:
        command = [tool, "-r", str(RESOLUTION), "-png", str(pdf), f"{folder}/p"]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise BuildError(f"{pdf}: pdftoppm failed: {done.stderr.strip()}")
        files = sorted(Path(folder).glob("p-*.png"))
        if not files:
            raise BuildError(f"{pdf}: pdftoppm produced no pages")
        trim = _trim_fraction(pdf)
        return [_load(file, trim) for file in files]


def _trim_fraction(pdf: Path) -> tuple[float, float, float, float]:
    """The first page's TrimBox as fractions of its MediaBox (left, top, right, bottom)."""
    page = PdfReader(pdf).pages[0]
    media, trim = page.mediabox, page.trimbox
    width, height = float(media.width), float(media.height)
    return ((float(trim.left) - float(media.left)) / width,
            (float(media.top) - float(trim.top)) / height,
            (float(trim.right) - float(media.left)) / width,
            (float(media.top) - float(trim.bottom)) / height)


def _load(file: Path, trim: tuple[float, float, float, float]) -> Image.Image:
    """A page thumbnail cut to the trim, as the reader will hold it."""
    with Image.open(file) as image:
        width, height = image.size
        left, top, right, bottom = trim
        box = (round(left * width), round(top * height), round(right * width),
               round(bottom * height))
        return image.convert("RGB").crop(box)
