"""Feeds by structure: RSS 2.0 and Atom required elements (parsed with feedparser), full content,
enclosures, sponsor marking, stable GUIDs, byte-identical rebuilds, and FED001."""

from __future__ import annotations

import re
import shutil
from io import BytesIO
from pathlib import Path
from xml.etree import ElementTree

import feedparser

from pipeline import gate
from pipeline import settings as settings_module
from pipeline.build import BuildResult, build

ROOT = Path(__file__).resolve().parent.parent
ATOM = "{http://www.w3.org/2005/Atom}"
ARTICLES = 9


def _parse(path: Path) -> feedparser.FeedParserDict:
    parsed = feedparser.parse(BytesIO(path.read_bytes()))
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


def test_rss_required_elements(built: tuple[BuildResult, Path]) -> None:
    site = built[1] / "site"
    parsed = _parse(site / "feed.xml")
    assert parsed.version == "rss20"
    assert parsed.feed.title and parsed.feed.link and parsed.feed.subtitle  # description
    assert len(parsed.entries) == ARTICLES
    assert len({e.id for e in parsed.entries}) == ARTICLES  # every article once
    for entry in parsed.entries:
        assert entry.title and entry.link.startswith("https://lakeshoreliving.example/articles/")
        assert entry.summary and entry.content[0].value  # description + content:encoded
        assert entry.author and entry.tags and entry.published
    channel = ElementTree.parse(site / "feed.xml").getroot().find("channel")
    assert channel is not None
    enclosures = channel.findall("item/enclosure")
    assert enclosures and all(int(e.get("length", "0")) > 0 and e.get("type") == "image/jpeg"
                              for e in enclosures)


def test_atom_required_elements(built: tuple[BuildResult, Path]) -> None:
    site = built[1] / "site"
    parsed = _parse(site / "atom.xml")
    assert parsed.version == "atom10"
    assert parsed.feed.id and parsed.feed.title and parsed.feed.updated
    tree = ElementTree.parse(site / "atom.xml").getroot()
    assert tree.find(f"{ATOM}link[@rel='self']") is not None
    assert tree.find(f"{ATOM}author/{ATOM}name") is not None
    entries = tree.findall(f"{ATOM}entry")
    assert len(entries) == ARTICLES
    for entry in entries:
        for required in ("id", "title", "updated"):
            assert entry.findtext(f"{ATOM}{required}"), required
        assert entry.find(f"{ATOM}content").get("type") == "html"  # type: ignore[union-attr]
        links = entry.findall(f"{ATOM}link")
        assert [link.get("rel") for link in links].count("alternate") == 1
        for link in links:
            if link.get("rel") == "enclosure":  # feedgen bug #135 repaired
                assert int(link.get("length", "0")) > 0 and link.get("type") == "image/jpeg"


def test_ids_match_between_formats_and_stay_stable(built: tuple[BuildResult, Path]) -> None:
    site = built[1] / "site"
    rss_ids = {e.link: e.id for e in _parse(site / "feed.xml").entries}
    atom_ids = {e.link: e.id for e in _parse(site / "atom.xml").entries}
    assert rss_ids == atom_ids
    naltrexone = "https://lakeshoreliving.example/articles/low-dose-naltrexone/"
    assert rss_ids[naltrexone] == "urn:uuid:483165c9-f0ad-4315-8079-e121312d2252"


def test_sponsored_item_is_marked(built: tuple[BuildResult, Path]) -> None:
    entries = _parse(built[1] / "site" / "feed.xml").entries
    sponsored = [e for e in entries if "low-dose-naltrexone" in e.link]
    assert sponsored[0].title.startswith("Sponsored Advertising Content:")
    assert "Paid for by Welltopia Pharmacy" in sponsored[0].summary
    assert "Paid for by Welltopia Pharmacy" in sponsored[0].content[0].value
    others = [e for e in entries if "low-dose-naltrexone" not in e.link]
    assert not any("Sponsored" in e.title for e in others)


def test_section_feeds(built: tuple[BuildResult, Path]) -> None:
    site = built[1] / "site"
    briefs = _parse(site / "news-briefs" / "feed.xml")
    assert briefs.feed.title == "Lakeshore Living: News Briefs"
    assert len(briefs.entries) == 3


def _build(project: Path) -> BuildResult:
    result = build(settings_module.load(project / "publication.toml"), "2022-10",
                   only={"web", "feed"})
    assert not result.blocked, [f"{f.code} {f.message}" for f in result.findings]
    return result


def test_feeds_are_byte_identical_and_leave_out_drafts_and_future(project: Path) -> None:
    _build(project)
    first = {p: (project / "build/site" / p).read_bytes() for p in ("feed.xml", "atom.xml")}
    shutil.rmtree(project / "build/.cache")  # no stamps: the second build renders again
    assert not _build(project).site_cached
    assert first == {p: (project / "build/site" / p).read_bytes() for p in first}
    calendar = project / "articles/2022-10/calendar.md"
    calendar.write_text(calendar.read_text().replace("draft: false", "draft: true"))
    walk = project / "articles/2022-10/walk-into-autumn.md"
    walk.write_text(walk.read_text().replace("date: 2022-10-01", "date: 2999-11-02"))
    (project / "build").rename(project / "old-build")  # no previous feed: FED001 stays quiet
    _build(project)
    links = [e.link for e in _parse(project / "build/site/feed.xml").entries]
    assert len(links) == ARTICLES - 2
    assert not any("calendar" in link or "walk-into-autumn" in link for link in links)


def test_fed001_fires_when_an_id_changes(project: Path) -> None:
    _build(project)  # publishes build/site/feed.xml: the previous feed
    article = project / "articles/2022-10/leave-some-leaves.md"
    article.write_text(re.sub(r'id: "[^"]+"', 'id: "0a0a0a0a-1111-2222-3333-444444444444"',
                              article.read_text()))
    settings = settings_module.load(project / "publication.toml")
    findings = [f for f in gate.check(settings).findings if f.code == "FED001"]
    assert len(findings) == 1
    assert findings[0].path == "articles/2022-10/edition.toml"
    assert "leave-some-leaves" in findings[0].message
    assert "7161f995-cca9-4bb0-9a36-e1f77a1ca633" in findings[0].message
    assert build(settings, "2022-10", only={"feed"}).blocked


def test_fed001_reports_a_vanished_item(project: Path) -> None:
    _build(project)
    (project / "articles/2022-10/briefs-seed-library.md").unlink()
    edition = project / "articles/2022-10/edition.toml"
    edition.write_text(edition.read_text().replace('  "briefs-seed-library",\n', ""))
    settings = settings_module.load(project / "publication.toml")
    messages = [f.message for f in gate.check(settings).findings if f.code == "FED001"]
    assert len(messages) == 1 and "Seed Library" in messages[0]
