"""Preflight of a print PDF with pypdf: what a printer checks before accepting a file.

PRN001 page count, PRN002 trim and bleed boxes, PRN003 fonts embedded, PRN004 image resolution
at placed size, PRN005 page budget; for a file that claims PDF/X, PRN006 colour (a CMYK output
intent, no device RGB, no transparency in PDF/X-1a and X-3) and PRN007 annotations on the
printed area. Works on any PDF, not only ours: the printer's checklist does not care who made
the file. A finding's `line` is the page number (1-based).
"""

from __future__ import annotations

import logging
import math
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.parsers.expat import ExpatError

from pypdf import PdfReader
from pypdf.errors import PdfReadError, PyPdfError
from pypdf.generic import (
    ArrayObject,
    ContentStream,
    DictionaryObject,
    IndirectObject,
    PdfObject,
)

from pipeline.checks import Explanation, Rule
from pipeline.content import load_edition
from pipeline.errors import ContentError
from pipeline.findings import Finding, Severity
from pipeline.schema import PageBudget
from pipeline.settings import Print, inches

# pypdf logs what it repairs (a wrong xref offset) as warnings; without a handler Python
# printed them on stderr before our one sentence. The findings say what matters.
logging.getLogger("pypdf").addHandler(logging.NullHandler())

PAGES_PER_SIGNATURE = 4
"""Saddle-stitched magazines are printed in sheets of four pages."""
MIN_PPI = 300
"""The print minimum at placed size, as MED003 checks for source images."""
PAGE_TOP = 0.8
"""A piece whose destination is in the top fifth of its page opens that page."""
TOLERANCE = 0.5
"""Points of slack when comparing boxes: PDF writers round coordinates."""
EMBEDDED = ("/FontFile", "/FontFile2", "/FontFile3")

Matrix = tuple[float, float, float, float, float, float]
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


@dataclass(frozen=True)
class PrintSpec:
    """What the file must match: trim size and bleed in points, and the page budget."""

    trim_width: float
    trim_height: float
    bleed: float
    page_budget: int | None = None
    article_budgets: dict[str, int] = field(default_factory=dict)
    """Pages each article may fill, by slug; found in the file by its `article-<slug>`
    destination (our PDFs have one where each article starts)."""

    @classmethod
    def from_settings(cls, settings: Print, page_budget: int | None = None,
                      article_budgets: dict[str, int] | None = None) -> PrintSpec:
        return cls(inches(settings.trim_width) * 72, inches(settings.trim_height) * 72,
                   inches(settings.bleed) * 72, page_budget, dict(article_budgets or {}))


def preflight(path: Path, spec: PrintSpec, display: str | None = None) -> list[Finding]:
    """Every PRN finding for the PDF at `path`; ContentError if it is not a readable PDF."""
    reader = _open(path)
    shown = display or str(path)
    where = "its page tree"
    try:
        found = list(_page_count(reader, spec, shown))
        fonts_reported: set[str] = set()
        for number, page in enumerate(reader.pages, 1):
            where = f"page {number}"
            found += _boxes(page, number, spec, shown)
            found += _fonts(page, number, shown, fonts_reported)
            found += _images(page, number, shown)
        where = "its colour settings or annotations"
        found += _colour(reader, shown)
        found += _annotations(reader, shown)
    except _DAMAGE as exc:
        # pypdf reads lazily: a damaged object is met only when a check reaches it.
        raise ContentError(f"{path}: not a readable PDF: {where} is damaged "
                           f"({type(exc).__name__}: {str(exc)[:100]})") from None
    return found


_DAMAGE = (PyPdfError, OSError, ValueError, zlib.error, RecursionError)
"""What pypdf raises on damaged objects: its own errors, bad numbers, broken compression,
objects nested without end. Not TypeError or KeyError: those would hide our own bugs."""


def edition_budget(root: Path, pdf: Path) -> PageBudget:
    """The page budget of the edition a file named `<edition>-print.pdf` belongs to (an empty
    one if it is no edition's)."""
    edition_id = pdf.name.removesuffix("-print.pdf")
    folder = root / "articles" / edition_id
    if edition_id == pdf.name or not (folder / "edition.toml").is_file():
        return PageBudget()
    manifest = load_edition(folder, root).manifest
    return manifest.budget() if manifest else PageBudget()


def _open(path: Path) -> PdfReader:
    try:
        with path.open("rb") as stream:
            if not stream.read(1024).lstrip().startswith(b"%PDF-"):
                raise ContentError(f"{path}: not a PDF file (no %PDF- header)")
        reader = PdfReader(path, strict=False)
        len(reader.pages)  # pypdf reads lazily; a broken page tree fails here, not later
    except FileNotFoundError:
        raise ContentError(f"{path}: no such file") from None
    except (OSError, PdfReadError, ValueError, KeyError) as exc:
        raise ContentError(f"{path}: not a readable PDF ({exc})") from None
    return reader


def _finding(code: str, message: str, path: str, page: int, hint: str) -> Finding:
    return Finding(code, Severity.ERROR, message, path, page, hint=hint)


def _page_count(reader: PdfReader, spec: PrintSpec, path: str) -> Iterator[Finding]:
    pages = len(reader.pages)
    if pages % PAGES_PER_SIGNATURE:
        yield _finding("PRN001", f"{pages} pages is not a multiple of {PAGES_PER_SIGNATURE}",
                       path, 1, "add house ads or fillers, or cut pages; never blank pages")
    if spec.page_budget is not None and pages > spec.page_budget:
        yield _finding("PRN005", f"{pages} pages is over the edition's budget of "
                       f"{spec.page_budget}", path, 1,
                       "cut or hold an article, or raise page_budget in edition.toml")
    if not spec.article_budgets:
        return
    spans = _article_spans(reader)
    for slug, budget in spec.article_budgets.items():
        if slug not in spans:
            continue  # not in this file (held, or not one of our PDFs)
        first, filled = spans[slug]
        if filled > budget:
            yield _finding("PRN005", f"`{slug}` fills {filled} pages, over its budget of "
                           f"{budget}", path, first,
                           "cut the article or its pictures, or raise its page_budget in "
                           "edition.toml")


def _article_spans(reader: PdfReader) -> dict[str, tuple[int, int]]:
    """(first page, pages filled) of each article, from the named destinations where the
    pieces start (`article-`, `ad-` and `house-ad-`). An article ends where the next piece
    starts: on the page before, if that piece opens at the top of its page, else on that
    page (a half-page ad or a brief below the end of the article)."""
    pieces: list[tuple[int, float, str]] = []
    try:
        for name, destination in reader.named_destinations.items():
            if name.startswith(("article-", "ad-", "house-ad-")):
                number = reader.get_destination_page_number(destination)
                if number is None:
                    continue
                trim = reader.pages[number].trimbox  # the page as read, without bleed or slug
                height = float(trim.height)
                top = float(destination.get("/Top") or trim.top) - float(trim.bottom)
                pieces.append((number + 1, -top / height, name))
    except (PdfReadError, KeyError, ValueError, TypeError, IndexError):
        return {}  # destinations this reader cannot follow: no article to judge
    pieces.sort()
    spans = {}
    for index, (first, _, name) in enumerate(pieces):
        if not name.startswith("article-"):
            continue
        if index + 1 < len(pieces):
            page, top, _ = pieces[index + 1]
            last = page - 1 if -top >= PAGE_TOP else page
        else:
            last = len(reader.pages)
        spans[name.removeprefix("article-")] = (first, max(1, last - first + 1))
    return spans


def _box(page: DictionaryObject, name: str) -> tuple[float, float, float, float] | None:
    value = page.get(name)
    if value is None:
        return None
    x0, y0, x1, y1 = (float(v) for v in value.get_object())
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def _boxes(page: DictionaryObject, number: int, spec: PrintSpec, path: str) -> Iterator[Finding]:
    trim, bleed = _box(page, "/TrimBox"), _box(page, "/BleedBox")
    if trim is None or bleed is None:
        missing = " and ".join(n for n, b in (("TrimBox", trim), ("BleedBox", bleed)) if b is None)
        yield _finding("PRN002", f"page {number} has no {missing}", path, number,
                       "export with trim and bleed boxes (print settings: bleed and marks)")
        return
    width, height = trim[2] - trim[0], trim[3] - trim[1]
    if abs(width - spec.trim_width) > TOLERANCE or abs(height - spec.trim_height) > TOLERANCE:
        yield _finding("PRN002", f"page {number} is trimmed to {_inch(width)} x {_inch(height)} "
                       f"in, not {_inch(spec.trim_width)} x {_inch(spec.trim_height)} in",
                       path, number, "set [print] trim_width and trim_height to the ordered size")
    margins = (trim[0] - bleed[0], trim[1] - bleed[1], bleed[2] - trim[2], bleed[3] - trim[3])
    if min(margins) < spec.bleed - TOLERANCE:
        yield _finding("PRN002", f"page {number} has {min(margins) / 72:.3f} in of bleed, "
                       f"not {spec.bleed / 72:.3f} in on every side", path, number,
                       "set [print] bleed; backgrounds and images must run into it")


def _inch(points: float) -> str:
    return f"{points / 72:.3f}".rstrip("0").rstrip(".")


def _resolve(value: PdfObject | None) -> PdfObject | None:
    return value.get_object() if isinstance(value, IndirectObject) else value


def _resources(owner: DictionaryObject, kind: str) -> dict[str, DictionaryObject]:
    resources = _resolve(owner.get("/Resources"))
    if not isinstance(resources, DictionaryObject):
        return {}
    table = _resolve(resources.get(kind))
    if not isinstance(table, DictionaryObject):
        return {}
    return {str(k): v for k, v in ((k, _resolve(v)) for k, v in table.items())
            if isinstance(v, DictionaryObject)}


def _all_fonts(owner: DictionaryObject, seen: set[int]) -> Iterator[DictionaryObject]:
    """Fonts of a page or form, and of the forms it draws, each object once."""
    yield from _resources(owner, "/Font").values()
    for xobject in _resources(owner, "/XObject").values():
        if xobject.get("/Subtype") == "/Form" and id(xobject) not in seen:
            seen.add(id(xobject))
            yield from _all_fonts(xobject, seen)


def _fonts(page: DictionaryObject, number: int, path: str,
           reported: set[str]) -> Iterator[Finding]:
    """Fonts not embedded, each reported on the first page that uses it."""
    for font in _all_fonts(page, set()):
        name = str(font.get("/BaseFont", "unnamed font")).lstrip("/")
        if name not in reported and not _is_embedded(font):
            reported.add(name)
            yield _finding("PRN003", f"font {name} is not embedded", path, number,
                           "embed every font (subset) when exporting the PDF")


def _is_embedded(font: DictionaryObject) -> bool:
    if font.get("/Subtype") == "/Type3":
        return True  # glyphs are drawn by the font's own content streams
    descendants = _resolve(font.get("/DescendantFonts"))
    if isinstance(descendants, ArrayObject) and descendants:
        font = descendants[0].get_object()
    descriptor = _resolve(font.get("/FontDescriptor"))
    return isinstance(descriptor, DictionaryObject) and any(k in descriptor for k in EMBEDDED)


def _multiply(m: Matrix, n: Matrix) -> Matrix:
    a, b, c, d, e, f = m
    p, q, r, s, t, u = n
    return (a * p + b * r, a * q + b * s, c * p + d * r, c * q + d * s,
            e * p + f * r + t, e * q + f * s + u)


def _images(page: DictionaryObject, number: int, path: str) -> Iterator[Finding]:
    for name, ppi in _placed_images(page, IDENTITY, 0):
        if ppi < MIN_PPI - 0.5:
            yield _finding("PRN004", f"image {name} on page {number} prints at {ppi:.0f} ppi, "
                           f"below {MIN_PPI}", path, number,
                           "place it smaller or use a larger original")


MAX_FORM_DEPTH = 8
"""Forms drawing forms: deep enough for any real file, shallow enough to stop a loop."""


def _placed_images(owner: DictionaryObject, ctm: Matrix, depth: int) -> Iterator[tuple[str, float]]:
    """(name, effective ppi) of each image drawn, following the transformation matrix."""
    xobjects = _resources(owner, "/XObject")
    if not xobjects or depth > MAX_FORM_DEPTH:
        return
    contents = owner.get_contents() if hasattr(owner, "get_contents") else owner
    if contents is None:
        return
    stack: list[Matrix] = []
    for operands, operator in ContentStream(contents, None).operations:
        if operator == b"q":
            stack.append(ctm)
        elif operator == b"Q" and stack:
            ctm = stack.pop()
        elif operator == b"cm":
            ctm = _multiply(tuple(float(v) for v in operands), ctm)  # type: ignore[arg-type]
        elif operator == b"Do":
            xobject = xobjects.get(str(operands[0]))
            if xobject is None:
                continue
            if xobject.get("/Subtype") == "/Image":
                yield str(operands[0]).lstrip("/"), _ppi(xobject, ctm)
            elif xobject.get("/Subtype") == "/Form":
                matrix = tuple(float(v) for v in xobject.get("/Matrix", IDENTITY))
                yield from _placed_images(xobject, _multiply(matrix, ctm),  # type: ignore[arg-type]
                                          depth + 1)


def _ppi(image: DictionaryObject, ctm: Matrix) -> float:
    """Pixels per inch of an image drawn into the unit square under `ctm`."""
    a, b, c, d, _, _ = ctm
    width_in, height_in = math.hypot(a, b) / 72, math.hypot(c, d) / 72
    if not width_in or not height_in:
        return math.inf
    return min(int(image.get("/Width", 0)) / width_in, int(image.get("/Height", 0)) / height_in)


RGB_SPACES = ("/DeviceRGB", "/RGB")
"""Device RGB as a colour space name; /RGB is its abbreviation in inline images."""
COLOUR_OPERATORS = {b"cs", b"CS"}
RGB_OPERATORS = {b"rg", b"RG"}


def _colour(reader: PdfReader, path: str) -> Iterator[Finding]:
    """PRN006: a file that claims PDF/X has a CMYK output intent, no device RGB and, for
    PDF/X-1a and X-3, no transparency. Files that do not claim PDF/X are not judged."""
    version = _pdfx_version(reader)
    if version is None:
        return
    hint = "convert colours and images to CMYK for the printer's profile when exporting"
    components = _intent_components(reader)
    if components is None:
        yield _finding("PRN006", f"the file claims {version} but has no PDF/X output intent "
                       "with a destination profile", path, 1,
                       "export with the printer's CMYK ICC profile as output intent")
        return
    if components != 4:
        yield _finding("PRN006", f"the PDF/X output intent's profile has {components} "
                       "components, not the 4 of a CMYK profile", path, 1,
                       "use the printer's CMYK ICC profile as output intent")
        return
    painted = [list(_painting(page, set(), 0)) for page in reader.pages]
    pages = [n for n, drawn in enumerate(painted, 1) if _uses_device_rgb(drawn)]
    if pages:
        yield _finding("PRN006", f"device RGB colour on {_pages(pages)} of a {version} file "
                       "with a CMYK output intent", path, pages[0], hint)
    if version.startswith(("PDF/X-1", "PDF/X-3")):
        pages = [n for n, drawn in enumerate(painted, 1) if _transparent(drawn)]
        if pages:
            yield _finding("PRN006", f"transparency on {_pages(pages)}, which {version} "
                           "forbids", path, pages[0], "flatten transparency or use opaque colours")


def _pages(numbers: list[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:5]) + (", ..." if len(numbers) > 5 else "")
    return f"{len(numbers)} page{'s' if len(numbers) > 1 else ''} ({shown})"


def _pdfx_version(reader: PdfReader) -> str | None:
    """The PDF/X version the file claims (Info for X-1a and X-3, XMP for X-4), if any."""
    info = _resolve(reader.trailer.get("/Info"))
    claimed = info.get("/GTS_PDFXVersion") if isinstance(info, DictionaryObject) else None
    if claimed is None:
        claimed = _xmp_properties(reader).get("GTS_PDFXVersion")
    if claimed is None and _intent(reader) is not None:
        return "PDF/X"  # a GTS_PDFX output intent is a claim too
    return None if claimed is None else str(claimed)


def _xmp_properties(reader: PdfReader) -> dict[str, str]:
    try:
        metadata = reader.xmp_metadata
        return dict(metadata.custom_properties) if metadata else {}
    except (PdfReadError, ExpatError):
        return {}  # unreadable metadata claims nothing


def _intent(reader: PdfReader) -> DictionaryObject | None:
    catalog = _resolve(reader.trailer.get("/Root"))
    intents = _resolve(catalog.get("/OutputIntents")) \
        if isinstance(catalog, DictionaryObject) else None
    for intent in intents if isinstance(intents, ArrayObject) else []:
        intent = _resolve(intent)
        if isinstance(intent, DictionaryObject) and intent.get("/S") == "/GTS_PDFX":
            return intent
    return None


def _intent_components(reader: PdfReader) -> int | None:
    intent = _intent(reader)
    profile = _resolve(intent.get("/DestOutputProfile")) if intent is not None else None
    if not isinstance(profile, DictionaryObject):
        return None
    return int(profile.get("/N", 0))


def _colour_spaces(owner: DictionaryObject) -> dict[str, PdfObject | None]:
    """The named colour spaces of a page or form (names or arrays, unlike other resources)."""
    resources = _resolve(owner.get("/Resources"))
    table = _resolve(resources.get("/ColorSpace")) \
        if isinstance(resources, DictionaryObject) else None
    if not isinstance(table, DictionaryObject):
        return {}
    return {str(name): _resolve(space) for name, space in table.items()}


def _is_rgb_space(space: PdfObject | None, named: dict[str, PdfObject | None]) -> bool:
    """Device RGB, directly, by resource name or as the base of an indexed colour space."""
    space = _resolve(space)
    if str(space) in named:
        space = named[str(space)]
    if isinstance(space, ArrayObject) and len(space) > 1 and space[0] == "/Indexed":
        return str(_resolve(space[1])) in RGB_SPACES
    return str(space) in RGB_SPACES


def _uses_device_rgb(painted: list[Painted]) -> bool:
    """Whether a page paints anything in device RGB: colours, images, shadings."""
    for kind, value, spaces in painted:
        if kind == "rgb":
            return True
        if kind in ("space", "inline") and _is_rgb_space(value, spaces):
            return True
        if kind in ("image", "shading") and isinstance(value, DictionaryObject) and \
                _is_rgb_space(value.get("/ColorSpace"), spaces):
            return True
    return False


def _transparent(painted: list[Painted]) -> bool:
    """Whether a page paints with constant alpha, a soft mask or an image with a soft mask."""
    for kind, value, _ in painted:
        if not isinstance(value, DictionaryObject):
            continue
        if kind == "state" and (float(value.get("/CA", 1)) < 1 or float(value.get("/ca", 1)) < 1
                                or value.get("/SMask", "/None") != "/None"):
            return True
        if kind == "image" and "/SMask" in value:
            return True
    return False


Painted = tuple[str, PdfObject | None, dict[str, PdfObject | None]]
"""(what, the object or operand, the named colour spaces it is read with)."""


def _painting(owner: DictionaryObject, seen: set[int], depth: int) -> Iterator[Painted]:
    """What a page or form draws, in its content stream and the forms it draws, each form once.

    Only what is drawn counts: WeasyPrint shares one resource dictionary between all pages.
    """
    contents = owner.get_contents() if hasattr(owner, "get_contents") else owner
    if contents is None or id(owner) in seen or depth > MAX_FORM_DEPTH:
        return
    seen.add(id(owner))
    spaces = _colour_spaces(owner)
    named = {"Do": _resources(owner, "/XObject"), "sh": _resources(owner, "/Shading"),
             "gs": _resources(owner, "/ExtGState")}
    for operands, operator in ContentStream(contents, None).operations:
        if operator in RGB_OPERATORS:
            yield "rgb", None, spaces
        elif operator in COLOUR_OPERATORS:
            yield "space", operands[0], spaces
        elif operator == b"INLINE IMAGE":
            settings = operands.get("settings", {})
            yield "inline", settings.get("/CS", settings.get("/ColorSpace")), spaces
        elif operator in (b"Do", b"sh", b"gs"):
            used = named[operator.decode()].get(str(operands[0]))
            kind = {b"sh": "shading", b"gs": "state"}.get(operator, "image")
            if used is not None and used.get("/Subtype") == "/Form":
                yield from _painting(used, seen, depth + 1)
            elif used is not None:
                yield kind, used, spaces


PRINTING_ANNOTATIONS = ("/TrapNet", "/PrinterMark")
"""The only annotations PDF/X allows on the printed area (the BleedBox, else the TrimBox)."""


def _annotations(reader: PdfReader, path: str) -> Iterator[Finding]:
    """PRN007: links, notes or form fields on the printed area of a file that claims PDF/X."""
    if _pdfx_version(reader) is None:
        return
    pages = [n for n, page in enumerate(reader.pages, 1) if _annotated(page)]
    if pages:
        yield _finding("PRN007", f"annotations (links, notes or fields) on the printed area of "
                       f"{_pages(pages)}", path, pages[0],
                       "export the print file without links or comments")


def _annotated(page: DictionaryObject) -> bool:
    area = _box(page, "/BleedBox") or _box(page, "/TrimBox") or _box(page, "/MediaBox")
    annotations = _resolve(page.get("/Annots"))
    if area is None or not isinstance(annotations, ArrayObject):
        return False
    for annotation in annotations:
        annotation = _resolve(annotation)
        if not isinstance(annotation, DictionaryObject) or \
                annotation.get("/Subtype") in PRINTING_ANNOTATIONS:
            continue
        rect = _box(annotation, "/Rect")
        if rect and rect[0] < area[2] and rect[2] > area[0] and rect[1] < area[3] \
                and rect[3] > area[1]:
            return True
    return False


def _print_rule(code: str, name: str, function: Callable[..., Iterator[Finding]], what: str,
                why: str, example: str, fix: str) -> Rule:
    return Rule(code, name, Severity.ERROR, "pdf", function, Explanation(what, why, example, fix))


PRINT_RULES = [
    _print_rule(
        "PRN001", "page-count", _page_count,
        "The page count is not a multiple of 4.",
        "A saddle-stitched magazine is printed on sheets of four pages; any other count leaves "
        "the printer to add blank pages or refuse the file.",
        "A 22-page edition.",
        "Add house ads or fillers (the build does), place an ad, or cut pages; never blank ones.",
    ),
    _print_rule(
        "PRN002", "page-boxes", _boxes,
        "A page lacks a TrimBox or BleedBox, or they do not match the trim size and bleed in "
        "publication.toml.",
        "The printer trims along the TrimBox and expects artwork to run into the BleedBox; a "
        "missing or wrong box gives white edges or cut-off text.",
        "A letter-size PDF sent for an 8.375 x 10.875 in magazine.",
        "Build with the trim and bleed set in publication.toml `[print]`.",
    ),
    _print_rule(
        "PRN003", "font-not-embedded", _fonts,
        "A font is used but not embedded in the file.",
        "The printer's machine substitutes a font it has, changing line breaks and page count.",
        "Helvetica referenced by name only.",
        "Use the fonts in layouts/fonts (the build embeds and subsets them), or re-export the "
        "file with fonts embedded.",
    ),
    _print_rule(
        "PRN004", "image-resolution", _images,
        "An image prints below 300 ppi at the size it is placed.",
        "Below 300 ppi photographs print soft or pixelated on coated paper.",
        "A 1200 px wide photo placed 6 in wide (200 ppi).",
        "Use a larger original or place the image smaller.",
    ),
    _print_rule(
        "PRN005", "over-page-budget", _page_count,
        "The edition has more pages than the `page_budget` in edition.toml, or an article fills "
        "more pages than its own budget there (`[page_budget] articles = {slug = 3}`).",
        "Paper, postage and the printer's quote are set by the page count, and the flatplan gives "
        "each article its pages; an overrun costs money or pushes the pieces after it.",
        "A 28-page file for a budget of 24; a feature budgeted at 2 pages that fills 3.",
        "Cut or hold an article, shrink an ad, or raise `page_budget` with the publisher.",
    ),
    _print_rule(
        "PRN006", "colour-not-print-ready", _colour,
        "A file that claims PDF/X lacks a CMYK output intent, paints in device RGB, or uses "
        "transparency where its PDF/X level forbids it.",
        "PDF/X promises the printer predictable colour; RGB or transparency leaves the "
        "conversion to the printer's defaults.",
        "A PDF/X-3 file whose photos are RGB JPEGs.",
        "Build with `[print] color = \"cmyk\"` (the default), which converts colours and images.",
    ),
    _print_rule(
        "PRN007", "annotations-on-page", _annotations,
        "A file that claims PDF/X carries links, notes or form fields on the printed area.",
        "PDF/X forbids annotations on the printed area: they are not part of the printed page "
        "and some workflows print or reject them.",
        "Clickable links left in a print PDF/X file.",
        "Build the print file with the pipeline, which makes links inert in print.",
    ),
]
"""The preflight's rules, for `pipeline rules` and `pipeline rule CODE`."""
