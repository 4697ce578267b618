"""The foundation's outputs, inspected with a reader's tools: pypdf, feedparser, an HTML parser."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser
from pathlib import Path

import feedparser
import pytest
from pypdf import PdfReader

from pipeline.build import BuildResult, build
from pipeline.content import load_project
from pipeline.settings import Settings, inches
from tests.conftest import SAMPLE

pytestmark = pytest.mark.slow


def flat(text: str) -> str:
    """Page text with automatic hyphenation undone and whitespace collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"[\u2010\u00ad]\s*\n?\s*", "", text))


def _points(length: str) -> float:
    return inches(length) * 72


@pytest.fixture(scope="module")
def print_pdf(built: tuple[BuildResult, Path]) -> PdfReader:
    return PdfReader(built[1] / SAMPLE / f"{SAMPLE}-print.pdf")


@pytest.fixture(scope="module")
def screen_pdf(built: tuple[BuildResult, Path]) -> PdfReader:
    return PdfReader(built[1] / SAMPLE / f"{SAMPLE}-screen.pdf")


@pytest.fixture(scope="module")
def published(settings: Settings) -> list:
    edition = load_project(settings.root).editions[SAMPLE]
    return [a for a in edition.in_order() if a.published]


def test_print_pdf_pages_fill_whole_sheets(print_pdf: PdfReader) -> None:
    assert len(print_pdf.pages) >= 16
    assert len(print_pdf.pages) % 4 == 0


def test_print_pdf_trim_and_bleed(print_pdf: PdfReader, settings: Settings) -> None:
    width, height = _points(settings.print.trim_width), _points(settings.print.trim_height)
    bleed = _points(settings.print.bleed)
    for page in print_pdf.pages:
        trim, bleed_box = page.trimbox, page.bleedbox
        assert float(trim.width) == pytest.approx(width, abs=0.5)
        assert float(trim.height) == pytest.approx(height, abs=0.5)
        assert float(bleed_box.width) == pytest.approx(width + 2 * bleed, abs=0.5)
        assert float(page.mediabox.width) >= float(bleed_box.width)


def _fonts(reader: PdfReader) -> dict[str, bool]:
    """Font base names and whether each has an embedded font file."""
    found: dict[str, bool] = {}
    for page in reader.pages:
        resources = page.get("/Resources") or {}
        for font in (resources.get("/Font") or {}).values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            target = descendants[0].get_object() if descendants else font
            descriptor = target.get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor else {}
            embedded = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
            found[str(font["/BaseFont"])] = embedded
    return found


def test_every_font_is_embedded_and_ours(print_pdf: PdfReader) -> None:
    fonts = _fonts(print_pdf)
    assert fonts and all(fonts.values()), fonts
    # WeasyPrint names subsets after the @font-face family (ABCDEF+House-Serif-Italic); a
    # system fallback font would appear under its own name (DejaVuSans...).
    strays = [name for name in fonts if not name.split("+")[-1].startswith("House-")]
    assert not strays, strays


def test_titles_and_disclaimers_are_printed(print_pdf: PdfReader, published: list,
                                           settings: Settings) -> None:
    text = flat(" ".join(p.extract_text() for p in print_pdf.pages))
    for article in published:
        words = article.meta.title.split()[:3]
        assert " ".join(words) in text, article.meta.title
    medical = settings.disclaimers["medical"].text
    assert flat(medical) in text


def test_contents_page_numbers_match_article_starts(
    print_pdf: PdfReader, built: tuple[BuildResult, Path], published: list
) -> None:
    contents = flat(print_pdf.pages[1].extract_text())
    for article in published:
        start = next(i for i, page in enumerate(print_pdf.pages, 1)
                     if article.meta.title.split()[0] in page.extract_text()
                     and i > 2 and _starts_on(page.extract_text(), article.meta.title))
        title = re.escape(" ".join(article.meta.title.split()[-2:]))
        match = re.search(title + r"[ .…]*(\d+)", contents)
        assert match, f"{article.meta.title} not in contents"
        assert int(match.group(1)) == start, article.meta.title


def _starts_on(page_text: str, title: str) -> bool:
    """The title stands on the page, not only as an entry of an "In this issue" list (the title,
    a dot leader and its page number)."""
    entry = re.compile(re.escape(" ".join(title.split())) + r"\s*[.…]{3,}\s*\d+")
    return " ".join(title.split()[:4]) in entry.sub("", flat(page_text))


def test_screen_pdf_is_tagged_with_bookmarks_and_no_bleed(screen_pdf: PdfReader,
                                                          settings: Settings) -> None:
    root = screen_pdf.trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert root["/MarkInfo"]["/Marked"]
    assert str(root["/Lang"]).startswith("en")
    assert len(screen_pdf.outline) >= 5
    page = screen_pdf.pages[0]
    assert float(page.mediabox.width) == pytest.approx(_points(settings.print.trim_width), abs=0.5)


def _feed(out: Path) -> feedparser.FeedParserDict:
    return feedparser.parse(io.BytesIO((out / "site" / "feed.xml").read_bytes()))


def test_feed_has_one_item_per_published_article(built: tuple[BuildResult, Path],
                                                 published: list) -> None:
    feed = _feed(built[1])
    assert not feed.bozo
    assert feed.version == "rss20"
    # Sponsored items carry the label in their title (see test_feeds.py).
    titles = sorted(e.title.split(": ", 1)[-1] if e.title.startswith("Sponsored") else e.title
                    for e in feed.entries)
    assert titles == sorted(a.meta.title for a in published)
    for entry in feed.entries:
        assert entry.id and entry.summary and entry.content[0].value


def test_feed_guids_and_bytes_are_stable_across_builds(
    built: tuple[BuildResult, Path], settings: Settings, tmp_path: Path
) -> None:
    again = build(settings, SAMPLE, only={"feed"}, out=tmp_path)
    assert not again.blocked
    first, second = _feed(built[1]), _feed(tmp_path)
    assert [e.id for e in first.entries] == [e.id for e in second.entries]
    feed_bytes = [(out / "site" / "feed.xml").read_bytes() for out in (built[1], tmp_path)]
    assert feed_bytes[0] == feed_bytes[1]
    ldn = next(e for e in first.entries if "Naltrexone" in e.title)
    assert ldn.id == "urn:uuid:483165c9-f0ad-4315-8079-e121312d2252"


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self._stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self._stack:
            self._stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def test_article_page_has_title_h1_disclaimer_and_sponsor_label(
    built: tuple[BuildResult, Path], settings: Settings
) -> None:
    page = _parse(built[1] / "site" / "articles" / "low-dose-naltrexone" / "index.html")
    text = " ".join(" ".join(page.text).split())
    assert [t for t, _ in page.tags].count("h1") == 1
    assert "Can Low-Dose Naltrexone Relieve Pain and Inflammation?" in text
    assert settings.sponsor_label.text in text
    assert " ".join(settings.disclaimers["medical"].text.split()) in text
    assert ("html", {"lang": settings.site.language}) in page.tags


def test_site_has_home_and_edition_pages(built: tuple[BuildResult, Path], published: list) -> None:
    site = built[1] / "site"
    home = " ".join(_parse(site / "index.html").text)
    edition = " ".join(_parse(site / "editions" / SAMPLE / "index.html").text)
    for article in published:
        assert article.meta.title in edition
        assert (site / "articles" / article.slug / "index.html").is_file()
    assert "October 2022" in home
