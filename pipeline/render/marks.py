"""Crop marks in a slug outside the bleed, and the page boxes a printer reads.

WeasyPrint's page is the trim plus the bleed, so its crop marks (and any drawn as a page
background) lie in the bleed, where a full-bleed photograph covers them: the cover had none.
Printers want the marks outside the bleed, in a slug that the press sheet has room for. This
module finishes WeasyPrint's PDF before it is written (`write_pdf(finisher=...)`): every page's
MediaBox grows by the slug, the BleedBox becomes the whole CSS bleed (WeasyPrint caps it at
10 pt), the page's own drawing is clipped to that bleed as before, and the marks are stroked
in the slug, on top, in registration colour on a CMYK page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pydyf

MARK_LENGTH = 18.0
"""Crop mark length in points (a quarter inch)."""
SLUG = MARK_LENGTH + 6.0
"""How far the MediaBox reaches beyond the bleed, in points: the marks and a margin."""
MARK_WIDTH = 0.5
"""Crop mark line width in points: a hairline that survives the press."""

Finisher = Callable[[Any, pydyf.PDF], None]


def mark_lines(trim: tuple[float, float, float, float], bleed: float) -> list[tuple[float, ...]]:
    """The eight crop marks of a page trimmed to (left, bottom, right, top), as line segments
    (x0, y0, x1, y1) in PDF points: each continues a trim line outwards, from the bleed's edge
    for MARK_LENGTH, so nothing is drawn inside the bleed."""
    left, bottom, right, top = trim
    near, far = bleed, bleed + MARK_LENGTH
    lines: list[tuple[float, ...]] = []
    for y in (bottom, top):
        lines += [(left - far, y, left - near, y), (right + near, y, right + far, y)]
    for x in (left, right):
        lines += [(x, bottom - far, x, bottom - near), (x, top + near, x, top + far)]
    return lines


def print_finisher(cmyk: bool, crop_marks: bool) -> Finisher:
    """A WeasyPrint finisher for a print PDF (its @page has a bleed; WeasyPrint's own marks
    are off): every page's BleedBox is the whole bleed, and with crop marks the page gets the
    slug and the marks in it."""
    colour = b"1 1 1 1 K" if cmyk else b"0 G"  # registration: every plate, so sheets align

    def finish(document: Any, pdf: pydyf.PDF) -> None:
        for page in [o for o in pdf.objects if isinstance(o, pydyf.Dictionary)
                     and o.get("Type") == "/Page"]:
            x0, y0, x1, y1 = (float(v) for v in page["MediaBox"])
            tx0, ty0, tx1, ty1 = (float(v) for v in page["TrimBox"])
            trim = (min(tx0, tx1), min(ty0, ty1), max(tx0, tx1), max(ty0, ty1))
            page["BleedBox"] = pydyf.Array([x0, y0, x1, y1])
            if not crop_marks:
                continue
            bleed = min(trim[0] - min(x0, x1), trim[1] - min(y0, y1))
            clip = pydyf.Stream([b"q", f"{x0:g} {y0:g} {x1 - x0:g} {y1 - y0:g} re W n".encode()])
            strokes = [b"Q q", colour, f"{MARK_WIDTH:g} w 0 J".encode()]
            strokes += [f"{a:g} {b:g} m {c:g} {d:g} l S".encode()
                        for a, b, c, d in mark_lines(trim, bleed)]
            drawn = pydyf.Stream([*strokes, b"Q"])
            for stream in (clip, drawn):
                pdf.add_object(stream)
            page["MediaBox"] = pydyf.Array([x0 - SLUG, y0 - SLUG, x1 + SLUG, y1 + SLUG])
            page["Contents"] = pydyf.Array([clip.reference, page["Contents"], drawn.reference])

    return finish
