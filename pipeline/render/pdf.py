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
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import markupsafe
import weasyprint
from weasyprint import CSS, HTML, Document
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


def in_cmyk(settings: Settings, screen: bool) -> bool:
    """Whether this PDF is the PDF/X-3 print file with CMYK colours and images."""
    return not screen and settings.print.color == "cmyk"


def edition_html(edition: Edition, views: list[ArticleView], settings: Settings,
                 layouts: Path, screen: bool, proof_note: str = "") -> str:
    """The whole edition as one HTML document for the print or screen stylesheet;
    `proof_note` (a build forced past gate errors) is printed at the foot of every page.

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
    env = environment(layouts / "print", settings.root)
    env.filters["drop_cap"] = drop_cap
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


def render(edition: Edition, views: list[ArticleView], settings: Settings,
           layouts: Path, proof_note: str = "") -> Rendered:
    """Lay out the edition, pad it to a multiple of 4 pages with house ads, write both PDFs."""
    try:
        with _collected() as collector:
            pdfs = {}
            pages = fillers = 0
            starts: dict[str, int] = {}
            for screen in (False, True):
                fonts = FontConfiguration()
                html = edition_html(edition, views, settings, layouts, screen, proof_note)
                document = _document(html, edition.folder, settings, layouts, screen, fonts)
                missing = -len(document.pages) % PAGES_PER_SIGNATURE
                if missing and not screen:
                    padding = _fillers(missing, len(document.pages) + 1, settings, layouts,
                                       screen, fonts)
                    document = document.copy([*document.pages, *padding.pages])
                if not screen:
                    pages, fillers, starts = len(document.pages), missing, _starts(document)
                pdfs[screen] = document.write_pdf(**write_options(settings, screen))
    except PipelineError:
        raise  # already one clear sentence (a missing CMYK profile)
    except Exception as exc:  # WeasyPrint raises many types; the user needs one sentence.
        raise BuildError(f"{edition.id}: the PDF could not be rendered: {exc}") from exc
    return Rendered(pdfs[False], pdfs[True], pages, starts, fillers, collector.messages)


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
    env = environment(layouts / "print", settings.root)
    env.filters["drop_cap"] = drop_cap
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
