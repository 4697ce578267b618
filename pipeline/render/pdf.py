"""The print and screen PDFs of an edition, and each article's PDF download, with WeasyPrint.
The only module importing it."""

from __future__ import annotations

import hashlib
import logging
import mimetypes
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html import escape, unescape
from itertools import pairwise
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import jinja2
import markupsafe
import weasyprint
from weasyprint import CSS, HTML, Document
from weasyprint.document import Page
from weasyprint.formatting_structure.boxes import LineBox, ReplacedBox
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from pipeline.content import project_file
from pipeline.errors import BuildError, PipelineError
from pipeline.model import Edition
from pipeline.render import ArticleView, colour, cover_lines, environment, marks
from pipeline.schema import Ad
from pipeline.settings import Settings

PAGES_PER_SIGNATURE = 4
"""Saddle-stitched magazines are printed in sheets of four pages."""


PROJECT_URL = "https://project.invalid/"
"""The project's files as WeasyPrint sees them, at addresses that do not depend on the folder
the project is in: the PDF names each image by a digest of its URL, so file:// URLs made one
commit's PDFs differ from checkout to checkout. (`.invalid` is reserved: no host has it.)"""


def project_url(path: Path, root: Path) -> str:
    """The PROJECT_URL address of a file or folder inside the project (its file: URL if it
    is elsewhere, which the fetcher refuses unless it is the colour profile)."""
    for inside, base in ((path, root), (path.resolve(), root.resolve())):
        if inside.is_relative_to(base):
            return PROJECT_URL + quote(inside.relative_to(base).as_posix())
    return path.resolve().as_uri()


class _ProjectFile(URLFetcherResponse):  # type: ignore[misc]
    """A file of the project, answered under its PROJECT_URL address (so the URLs inside it
    resolve to such addresses too) and read from its place on disk."""

    def __init__(self, url: str, path: Path) -> None:
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        super().__init__(url, path.read_bytes(), {"Content-Type": kind})


class ProjectFetcher(URLFetcher):  # type: ignore[misc]
    """Lets WeasyPrint read files inside the project (at PROJECT_URL or file: addresses),
    data: URIs and the configured colour profile, and nothing else."""

    def __init__(self, root: Path, profile: Path | None = None) -> None:
        super().__init__(allowed_protocols={"file", "data"}, fail_on_errors=False)
        self.root = root.resolve()
        self.profile = profile.resolve() if profile else None

    def fetch(self, url: str, headers: Any = None) -> Any:
        parts = urlsplit(url)
        if url.startswith(PROJECT_URL):
            return _ProjectFile(url.split("?")[0].split("#")[0],
                                self._inside(self.root / unquote(parts.path).lstrip("/")))
        if parts.scheme == "file":
            path = Path(unquote(parts.path))
            if path.resolve() == self.profile:
                return super().fetch(url, headers)
            self._inside(path)
        elif parts.scheme != "data":
            raise ValueError(f"network access is disabled: {url}")
        return super().fetch(url, headers)

    def _inside(self, path: Path) -> Path:
        """The file, resolved, if it is one inside the project; else WeasyPrint gets an error
        (and leaves the resource out)."""
        found = project_file(path, self.root)
        if found is None:
            raise ValueError(f"outside the project or not a file: {path.resolve()}")
        return found


@dataclass
class Rendered:
    print_pdf: bytes
    screen_pdf: bytes
    pages: int
    """Page count of the print PDF (a multiple of 4)."""
    starts: dict[str, int] = field(default_factory=dict)
    """Page number where each article starts, by slug."""
    fillers: int = 0
    warnings: list[str] = field(default_factory=list)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def _collected() -> Iterator[_Collect]:
    """WeasyPrint's warnings while the block runs, collected."""
    collector = _Collect()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(collector)
    try:
        yield collector
    finally:
        logger.removeHandler(collector)


_FIRST_LETTER = re.compile(r"<p>([\"'“‘(]*\w)")


def drop_cap(html: str) -> str:
    """Wrap the first letter of the first paragraph in a span styled as a drop cap.

    A floated span, not ::first-letter: WeasyPrint 70 asserts on floated first letters.
    """
    return markupsafe.Markup(
        _FIRST_LETTER.sub(r'<p class="lead"><span class="dropcap">\1</span>', html, count=1)
    )


_WEEK = re.compile(r"<h2\b[^<>]*>([^<]*(?:<(?!/h2>)[^<]*)*)</h2>\s*<ul>")
_TAG = re.compile(r"<[^>]+>")


def week_labels(html: str) -> str:
    """Each list under a heading of a calendar (a week's events) marked with the heading's
    text (`data-week`): the running head names the week on a page the list runs on to."""
    def labelled(found: re.Match[str]) -> str:
        label = " ".join(unescape(_TAG.sub("", found.group(1))).split())
        return f'{found.group(0)[:-len("<ul>")]}<ul data-week="{escape(label)}">'

    return markupsafe.Markup(_WEEK.sub(labelled, html))


def _print_environment(layouts: Path, settings: Settings) -> jinja2.Environment:
    """The print templates' Jinja environment, with the filters they use."""
    env = environment(layouts / "print", settings.root)
    env.filters["drop_cap"] = drop_cap
    env.filters["week_labels"] = week_labels
    return env


def in_cmyk(settings: Settings, screen: bool) -> bool:
    """Whether this PDF is the PDF/X-3 print file with CMYK colours and images."""
    return not screen and settings.print.color == "cmyk"


def edition_html(edition: Edition, views: list[ArticleView], settings: Settings,
                 layouts: Path, screen: bool, proof_note: str = "",
                 fillers: dict[str, Filler] | None = None) -> str:
    """The whole edition as one HTML document for the print or screen stylesheet;
    `proof_note` (a build forced past gate errors) is printed at the foot of every page,
    `fillers` at the end of the articles they are keyed by (`place_fillers`).

    In CMYK (the PDF/X print file) its images point at CMYK copies, converted on first use
    and cached, and its links are inert.
    """
    assert edition.manifest is not None
    sections: list[tuple[str, list[ArticleView]]] = []
    for view in views:
        if sections and sections[-1][0] == view.meta.section:
            sections[-1][1].append(view)
        else:
            sections.append((view.meta.section, [view]))
    env = _print_environment(layouts, settings)
    document = env.get_template("edition.html.j2").render(
        site=settings.site,
        edition=edition,
        manifest=edition.manifest,
        cover_lines=cover_lines(edition, settings),
        sections=sections,
        views=views,
        screen=screen,
        sponsor_label=settings.sponsor_label.text,
        bleed="0in" if screen else settings.print.bleed,
        proof_note=proof_note,
        ads=placed_ads(edition.manifest.ads, {v.slug for v in views}),
        fillers=fillers or {},
    )
    if not in_cmyk(settings, screen):
        return colour.embeddable_images(document, edition.folder, settings.root)
    profile = colour.load_profile(profile_path(settings))
    return inert_links(colour.cmyk_images(document, edition.folder, settings.root, profile))


_LINK = re.compile(r'(<a\b[^>]*?)\bhref="')


def inert_links(document: str) -> str:
    """Links renamed to data-href, so WeasyPrint writes no link annotations: PDF/X allows no
    annotations on the printed area, and paper cannot be clicked. pdfx.css reads data-href."""
    return _LINK.sub(r'\1data-href="', document)


def profile_path(settings: Settings) -> Path:
    """The CMYK profile; a relative path in publication.toml is relative to the project."""
    return settings.root / settings.print.cmyk_profile


def placed_ads(ads: list[Ad], slugs: set[str]) -> dict[str | None, list[tuple[int, Ad]]]:
    """Ads by the article they follow (None: the back of the book), with their index in
    edition.toml (their anchor). An ad after an article that is not printed goes to the back."""
    placed: dict[str | None, list[tuple[int, Ad]]] = {}
    for index, ad in enumerate(ads, 1):
        placed.setdefault(ad.after if ad.after in slugs else None, []).append((index, ad))
    return placed


def page_css(settings: Settings, screen: bool) -> str:
    """The @page size and bleed from publication.toml, and the CMYK output profile. The crop
    marks are not WeasyPrint's (in the bleed, under a full-bleed photo, and in RGB): the print
    PDF's finisher draws them in a slug outside the bleed (`marks.print_finisher`)."""
    p = settings.print
    if screen:
        return f"@page {{ size: {p.trim_width} {p.trim_height}; }}"
    page = f"@page {{ size: {p.trim_width} {p.trim_height}; bleed: {p.bleed}; marks: none; }}"
    if in_cmyk(settings, screen):
        return colour.color_profile_rule(profile_path(settings)) + "\n" + page
    return page


def stylesheets(settings: Settings, layouts: Path, screen: bool) -> list[Path]:
    """The house design's files, in cascade order: the CMYK palette overrides the sRGB one."""
    sheets = [layouts / "print" / "magazine.css"]
    if in_cmyk(settings, screen):
        sheets.append(layouts / "print" / "pdfx.css")
    return sheets


def write_options(settings: Settings, screen: bool) -> dict[str, Any]:
    """WeasyPrint's write_pdf options. PDF/X-3, not X-4: X-4 writes a random DocumentID, so
    its files are never byte-identical; X-3 forbids transparency, which pdfx.css avoids."""
    options: dict[str, Any] = {"pdf_identifier": True}
    if screen:
        options.update(pdf_variant="pdf/ua-1", pdf_tags=True)
        return options
    if in_cmyk(settings, screen):
        options.update(pdf_variant="pdf/x-3")
    options.update(finisher=marks.print_finisher(in_cmyk(settings, screen),
                                                 settings.print.crop_marks))
    return options


def _document(html: str, base: Path, settings: Settings, layouts: Path, screen: bool,
              fonts: FontConfiguration, extra_css: str = "") -> Document:
    profile = profile_path(settings) if in_cmyk(settings, screen) else None
    fetcher = ProjectFetcher(settings.root, profile)
    # filled by the stylesheets' @color-profile rules; the document writes them as the intent
    profiles: dict[str, Any] = {}
    root = settings.root
    sheets = [CSS(url=project_url(sheet, root), font_config=fonts, url_fetcher=fetcher,
                  color_profiles=profiles)
              for sheet in stylesheets(settings, layouts, screen)]
    sheets.append(CSS(string=page_css(settings, screen) + extra_css, font_config=fonts,
                      url_fetcher=fetcher, color_profiles=profiles))
    return HTML(string=html, base_url=project_url(base, root) + "/", url_fetcher=fetcher,
                media_type="print").render(stylesheets=sheets, font_config=fonts,
                                           color_profiles=profiles)


PX_PER_PT = 4 / 3
"""WeasyPrint lays out in CSS pixels."""

JUSTIFY_AT_MOST = 90 * PX_PER_PT
"""The most space a column's foot may lack and still be filled by spacing out its blocks
(about six lines); more than that is the end of a piece, not a column that came up short."""

_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_APART = frozenset({"figure", "aside", "blockquote", "table", "pre", "hr"})
"""Blocks set off from the text around them."""

_LISTS = frozenset({"ul", "ol", "section"})
"""Containers whose items are the units a column is spaced out by (a calendar's listings,
a references list), when nothing (border, background) is drawn for the container itself."""


def _joint_room(before: Any, after: Any) -> float:
    """The most space (px) a column's joint between two of its units may gain; the joints of
    larger room are filled first. None after a heading (it stays with its text); most above
    a heading, then beside a figure or a quote, then between listings, least between two
    paragraphs (whose run a reader sees as one)."""
    if before.element_tag in _HEADINGS or after.margin_height() == 0:
        return 0  # (an empty ::after only carries the space below a block)
    if after.element_tag in _HEADINGS:
        return 12 * PX_PER_PT
    if {before.element_tag, after.element_tag} & _APART:
        return 8 * PX_PER_PT
    if "li" in (before.element_tag, after.element_tag):
        return 5 * PX_PER_PT
    return 3 * PX_PER_PT


def _drawn(box: Any) -> bool:
    """Whether the box paints a border or background of its own."""
    style = box.style
    return bool(style["background_color"].alpha
                or any(kind != "none" for kind, _ in style["background_image"])
                or any(style[f"border_{side}_width"] for side in
                       ("top", "right", "bottom", "left")))


def _units(box: Any) -> Iterator[Any]:
    """The blocks a column is spaced out by, top to bottom: its blocks, and the items of its
    lists (never the lines of a paragraph, nor a figure's caption away from its picture)."""
    for child in box.children:
        if not child.is_in_normal_flow():
            continue
        if child.element_tag in _LISTS and not _drawn(child) and child.children and all(
                not isinstance(grand, LineBox) for grand in child.children):
            yield from _units(child)
        else:
            yield child


def _ink_bottom(box: Any) -> float:
    """The lowest point the box draws: its last line, picture, border or background."""
    bottom = 0.0
    for inner in (box, *box.descendants()):
        if isinstance(inner, LineBox | ReplacedBox) or _drawn(inner):
            bottom = max(bottom, inner.border_box_y() + inner.border_height())
    return bottom


def _columns_by_container(page_box: Any) -> dict[Any, list[Any]]:
    """The column boxes of a page, by the element set in columns."""
    found: dict[Any, list[Any]] = {}

    def walk(box: Any, parent: Any) -> None:
        if getattr(box, "is_column", False):
            found.setdefault(parent.element, []).append(box)
            return
        for child in getattr(box, "children", []):
            walk(child, box)

    walk(page_box, None)
    return found


def justify_columns(document: Document) -> None:
    """Bottom-align the columns of each page, as a magazine's text frames are (vertical
    justification): a column that stops short because what follows may not be split (a
    heading with its first lines, a listing, a paragraph's last two lines) gets the space
    it lacks spread over the joints between its blocks, each up to its room (`_joint_room`).
    Where the columns go on overleaf, each column reaches the foot of the page; on their last
    page (balanced by WeasyPrint) each reaches the longest. WeasyPrint 70 only balances the
    last page's columns and has no vertical justification of its own."""
    boxes = [page._page_box for page in document.pages]
    by_page = [_columns_by_container(box) for box in boxes]
    for number, (page_box, containers) in enumerate(zip(boxes, by_page, strict=True)):
        later = by_page[number + 1] if number + 1 < len(by_page) else {}
        moved = False
        for element, columns in containers.items():
            units = [list(_units(column)) for column in columns]
            bottoms = [max((_ink_bottom(u) for u in column), default=0.0) for column in units]
            if element in later:  # the columns go on overleaf: fill to the foot of the page
                target = page_box.content_box_y() + page_box.height
            else:
                target = max(bottoms)
            for column, bottom in zip(units, bottoms, strict=True):
                moved |= _spread(column, target - bottom)
        if moved:  # links, anchors and bookmarks where the boxes now are
            document.pages[number] = Page(page_box)


def _spread(units: list[Any], spare: float) -> bool:
    """Move a column's units down to use up `spare` at its foot, the joints of most room
    first (`_joint_room`); whether any moved."""
    if not 1 < spare <= JUSTIFY_AT_MOST or len(units) < 2:
        return False
    rooms = [_joint_room(before, after) for before, after in pairwise(units)]
    added = [0.0] * len(rooms)
    for room in sorted(set(rooms) - {0}, reverse=True):
        joints = [index for index, own in enumerate(rooms) if own == room]
        each = min(room, spare / len(joints))
        for index in joints:
            added[index] = each
        spare -= each * len(joints)
        if spare <= 0:
            break
    shift = 0.0
    for unit, more in zip(units[1:], added, strict=True):
        shift += more
        unit.translate(0, shift)
    return shift > 0


FILLER_AT_LEAST = 1.75 * 72
"""The least height (pt) of an article's foot worth filling: a house ad's headline, a line
of text and its address. Less is left white."""

FILLER_ABOVE = 18.0
"""The space (pt) between an article's text and the filler below it."""


@dataclass(frozen=True)
class Filler:
    """What fills the white at the foot of an article's last page: one of the house ads
    (`_house_ads.html.j2`), or, with `teaser`, the edition's other pieces and their pages."""

    slot: int
    """Its number in the edition, from 1 (its anchor: filler-N)."""
    height: float
    """In pt: the space it fills, less `FILLER_ABOVE`."""
    ad: int = 0
    teaser: tuple[tuple[str, int], ...] = ()


FILLER_SEQUENCE: tuple[int | None, ...] = (2, 0, None, 1)
"""The fillers in the order the edition's article ends get them (cycling): the house ads by
their index in `_house_ads.html.j2` (letters, subscribe, advertise), None for "In this
issue", so no two fillers of an edition say the same unless it has more than four."""

TEASER_LINES = (60.0, 20.0)
"""An "In this issue" filler's height (pt) besides its list (label, padding, rules), and that
of one line of its list (`.in-this-issue` in magazine.css): it lists what fits."""


def _body_children(page_box: Any) -> list[Any]:
    """The top-level blocks (cover, contents, articles, ads) that have a part on the page."""
    html = page_box.children[0]
    body = next(child for child in html.children if child.element_tag == "body")
    return [child for child in body.children if child.element is not None]


def place_fillers(document: Document, views: list[ArticleView]) -> dict[str, Filler]:
    """Where an article's last page keeps white below its text (its columns balanced) at
    least `FILLER_AT_LEAST` high, the next piece starting overleaf, a filler as high as that
    white, by the article's slug. Not in an advertorial, whose pages belong to its sponsor."""
    pages = [_body_children(page._page_box) for page in document.pages]
    last_page: dict[str, int] = {}
    first_page: dict[str, int] = {}
    for number, children in enumerate(pages):
        for child in children:
            anchor = child.element.get("id", "")
            first_page.setdefault(anchor, number)
            last_page[anchor] = number
    starts = _starts(document)
    fillers: dict[str, Filler] = {}
    for view in views:
        anchor = f"article-{view.slug}"
        if view.sponsored or anchor not in last_page:
            continue
        number = last_page[anchor]
        if any(first_page[child.element.get("id", "")] == number
               and child.element.get("id") != anchor for child in pages[number]):
            continue  # the next piece starts below it
        page_box = document.pages[number]._page_box
        white = (page_box.content_box_y() + page_box.height
                 - max(_ink_bottom(child) for child in pages[number])) / PX_PER_PT
        height = white - FILLER_ABOVE - 1  # a point to spare against rounding
        if height < FILLER_AT_LEAST:
            continue
        slot = len(fillers) + 1
        ad = FILLER_SEQUENCE[(slot - 1) % len(FILLER_SEQUENCE)]
        # the pieces that follow first, then from the front of the book, in page order; no
        # advertorial (the contents page lists it under its sponsor label)
        at = views.index(view)
        others = [other for other in views[at + 1:] + views[:at]
                  if other.meta.kind != "brief" and not other.sponsored
                  and other.slug in starts]
        fits = int((height - TEASER_LINES[0]) // TEASER_LINES[1])
        if ad is None and min(fits, len(others)) >= 2:
            teaser = tuple(sorted(((other.meta.title, starts[other.slug])
                                   for other in others[:fits]), key=lambda item: item[1]))
            fillers[view.slug] = Filler(slot, height, teaser=teaser)
        else:
            # no room for a list (or nothing to list): the house ad the sequence gives next
            fallback = FILLER_SEQUENCE[slot % len(FILLER_SEQUENCE)] or 0
            fillers[view.slug] = Filler(slot, height, ad=fallback if ad is None else ad)
    return fillers


def _fillers(count: int, first_page: int, settings: Settings, layouts: Path,
             screen: bool, fonts: FontConfiguration) -> Document:
    html = environment(layouts / "print", settings.root).get_template("fillers.html.j2") \
        .render(site=settings.site, count=count)
    reset = f"@page {{ counter-reset: page {first_page - 1}; }}"
    return _document(html, layouts / "print", settings, layouts, screen, fonts, reset)


def _starts(document: Document) -> dict[str, int]:
    starts: dict[str, int] = {}
    for number, page in enumerate(document.pages, 1):
        for anchor in page.anchors:
            if anchor.startswith("article-") and anchor[8:] not in starts:
                starts[anchor[8:]] = number
    return starts


def _laid_out(edition: Edition, views: list[ArticleView], settings: Settings, layouts: Path,
              screen: bool, fonts: FontConfiguration, proof_note: str,
              fillers: dict[str, Filler]) -> Document:
    """The edition's pages, columns bottom-aligned (`justify_columns`)."""
    html = edition_html(edition, views, settings, layouts, screen, proof_note, fillers)
    document = _document(html, edition.folder, settings, layouts, screen, fonts)
    justify_columns(document)
    return document


def render(edition: Edition, views: list[ArticleView], settings: Settings,
           layouts: Path, proof_note: str = "") -> Rendered:
    """Lay out the edition, fill the white at articles' ends (`place_fillers`), pad it to a
    multiple of 4 pages with house ads, write both PDFs.

    The screen edition is laid out first and shows where the print one leaves white: the two
    share their type area, so their pages break alike (checked: when the print pages differ
    after all, they are laid out again without fillers). The screen edition keeps its white,
    which costs a reader scrolling nothing; a third layout of the print pages would cost a
    quarter of the build."""
    try:
        with _collected() as collector:
            screen, feet = _screen_and_fillers(edition, views, settings, layouts, proof_note)
            fonts = FontConfiguration()
            document = _laid_out(edition, views, settings, layouts, False, fonts, proof_note,
                                 feet)
            if feet and (len(document.pages) != len(screen.pages)
                         or _starts(document) != _starts(screen)):
                document = _laid_out(edition, views, settings, layouts, False, fonts,
                                     proof_note, {})
            missing = -len(document.pages) % PAGES_PER_SIGNATURE
            if missing:
                padding = _fillers(missing, len(document.pages) + 1, settings, layouts, False,
                                   fonts)
                document = document.copy([*document.pages, *padding.pages])
            pdfs = {False: document.write_pdf(**write_options(settings, False)),
                    True: screen.write_pdf(**write_options(settings, True))}
    except PipelineError:
        raise  # already one clear sentence (a missing CMYK profile)
    except Exception as exc:  # WeasyPrint raises many types; the user needs one sentence.
        raise BuildError(f"{edition.id}: the PDF could not be rendered: {exc}") from exc
    return Rendered(pdfs[False], pdfs[True], len(document.pages), _starts(document), missing,
                    collector.messages)


def _screen_and_fillers(edition: Edition, views: list[ArticleView], settings: Settings,
                        layouts: Path, proof_note: str) -> tuple[Document, dict[str, Filler]]:
    """The screen edition's pages, and the fillers they show the print edition's article ends
    need (`place_fillers`)."""
    screen = _laid_out(edition, views, settings, layouts, True, FontConfiguration(), proof_note,
                       {})
    return screen, place_fillers(screen, views)


def print_fillers(edition: Edition, views: list[ArticleView], settings: Settings,
                  layouts: Path, proof_note: str = "") -> dict[str, Filler]:
    """The fillers `render` gives the print edition's article ends (for the bench's floor)."""
    with _collected():
        return _screen_and_fillers(edition, views, settings, layouts, proof_note)[1]


def fingerprint(edition: Edition, views: list[ArticleView], settings: Settings,
                layouts: Path, proof_note: str = "") -> str:
    """A hash of everything the PDFs are made from: both final HTML documents, the print
    settings, the house design (templates, CSS, fonts), the edition's files (images), the CMYK
    profile, the WeasyPrint version, the finisher that draws the crop marks (`marks`) and
    this module, which lays the pages out. Equal fingerprints give byte-identical PDFs, so
    rendering can be skipped.
    """
    digest = hashlib.sha256(design_digest(layouts).encode())
    digest.update(Path(marks.__file__).read_bytes())
    digest.update(Path(__file__).read_bytes())
    if in_cmyk(settings, screen=False):
        digest.update(colour.load_profile(profile_path(settings)).data)
    for screen in (False, True):
        digest.update(
            edition_html(edition, views, settings, layouts, screen, proof_note).encode())
        digest.update(page_css(settings, screen).encode())
    _digest_files(digest, edition.folder)
    return digest.hexdigest()


def design_digest(layouts: Path) -> str:
    """A hash of the house design (print templates, CSS, fonts) and the WeasyPrint version."""
    digest = hashlib.sha256(weasyprint.__version__.encode())
    for folder in (layouts / "print", layouts / "fonts"):
        _digest_files(digest, folder)
    return digest.hexdigest()


def _digest_files(digest: Any, folder: Path) -> None:
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode())
        digest.update(path.read_bytes())


def article_documents(views: list[ArticleView], settings: Settings, layouts: Path,
                      issues: list[str], proof_note: str = "") -> Iterator[str]:
    """Each article alone as an HTML document for the screen stylesheet (its PDF download);
    `issues` name where each appeared ("October 2022"), in its folios and source line."""
    env = _print_environment(layouts, settings)
    template = env.get_template("article.html.j2")
    for view, issue in zip(views, issues, strict=True):
        yield template.render(
            site=settings.site, view=view, issue=issue,
            url=f"{settings.site.base_url}/articles/{view.slug}/",
            sponsor_label=settings.sponsor_label.text, proof_note=proof_note)


def render_article(job: tuple[str, str, Path], settings: Settings, layouts: Path) -> bytes:
    """The tagged screen PDF of one article's document (`article_documents`); `job`: how it
    is named, the document and the folder its images are relative to."""
    name, html, base = job
    try:
        with _collected():  # its warnings (a missing image) are the rules' findings
            data: bytes = _document(html, base, settings, layouts, True, FontConfiguration()) \
                .write_pdf(**write_options(settings, screen=True))
        return data
    except PipelineError:
        raise  # already one clear sentence
    except Exception as exc:  # WeasyPrint raises many types; the user needs one sentence.
        raise BuildError(f"{name}: the PDF download could not be rendered: {exc}") from exc
