"""RSS 2.0 and Atom feeds of published articles, with feedgen. The only module importing it.

Output is byte-identical for the same sources: every date comes from the articles, never the
clock. feedgen 1.0.0 bugs worked around here (see shared/domain/rendering-facts.md C):
Atom entry links lose rel/type/length (fixed after rendering), CDATA content is invalid Atom
(we use type="html"), `add_entry` prepends and dates default to now (set explicitly).
"""

from __future__ import annotations

import datetime as dt
import mimetypes
import uuid
from dataclasses import dataclass
from html import escape
from pathlib import Path

from feedgen.entry import FeedEntry
from feedgen.feed import FeedGenerator
from lxml import etree

from pipeline.content import project_file
from pipeline.render import PROOF, ArticleView
from pipeline.render.web import article_url, section_slug
from pipeline.settings import Settings

FEED_SIZE = 50
"""Newest items kept in the feed."""
ATOM_NS = "http://www.w3.org/2005/Atom"


def guid(view: ArticleView, settings: Settings) -> str:
    """The item's permanent GUID: the article's `id`, else a UUID derived from its URL."""
    if view.meta.id:
        return f"urn:uuid:{view.meta.id}" if _is_uuid(view.meta.id) else view.meta.id
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, article_url(settings, view.slug))}"


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _moment(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12, 0), tzinfo=dt.UTC)


@dataclass(frozen=True)
class Enclosure:
    url: str
    length: int
    mime: str


def hero_enclosure(view: ArticleView, settings: Settings) -> Enclosure | None:
    """The original hero image, copied beside the article page by the web build."""
    image = view.meta.image
    if image is None or "://" in image.src:
        return None
    source = view.article.path.parent / image.src
    local = project_file(source, settings.root)
    if local is None:
        return None  # missing or outside the project: MED002 reports it; never read
    length = local.stat().st_size
    mime = mimetypes.guess_type(source.name)[0] or "application/octet-stream"
    return Enclosure(f"{article_url(settings, view.slug)}{Path(image.src).as_posix()}",
                     length, mime)


def feed_path(section: str | None) -> str:
    """Where a feed lives under build/site/: the site feed, or `<section-slug>/feed.xml`."""
    return "feed.xml" if section is None else f"{section_slug(section)}/feed.xml"


def _generator(views: list[ArticleView], settings: Settings, section: str | None,
               self_path: str, proof_note: str = "",
               ) -> tuple[FeedGenerator, list[ArticleView]]:
    site = settings.site
    items = sorted(views, key=lambda v: (v.meta.date, v.slug), reverse=True)[:FEED_SIZE]
    fg = FeedGenerator()
    fg.load_extension("dc")
    fg.id(f"{site.base_url}/{self_path}")
    fg.title(site.title if section is None else f"{site.title}: {section}")
    fg.subtitle(site.tagline or site.title)
    fg.language(site.language)
    fg.author(name=site.publisher or site.title, email=site.editor_email or None)
    if site.editor_email:
        fg.managingEditor(f"{site.editor_email} ({site.publisher or site.title})")
    if site.publisher:
        fg.rights(f"© {site.publisher}")
    # The RSS <link> is the last link added (feedgen), so the self link goes first.
    fg.link(href=f"{site.base_url}/{self_path}", rel="self")
    home = "" if section is None else f"{section_slug(section)}/"
    fg.link(href=f"{site.base_url}/{home}", rel="alternate")
    fg.generator("pipeline")
    newest = max((v.meta.date for v in items), default=dt.date(2000, 1, 1))
    fg.lastBuildDate(_moment(newest))
    for view in items:
        _entry(fg.add_entry(order="append"), view, settings, proof_note)
    return fg, items


def _entry(entry: FeedEntry, view: ArticleView, settings: Settings, proof_note: str) -> None:
    meta = view.meta
    url = article_url(settings, view.slug)
    summary = meta.summary or meta.dek or meta.title
    title = f"{view.sponsor_label}: {meta.title}" if view.sponsored else meta.title
    # A forced build is a proof: its items say so in every reader, like its pages.
    entry.title(f"[{PROOF}] {title}" if proof_note else title)
    entry.link(href=url, rel="alternate")
    entry.guid(guid(view, settings), permalink=False)
    entry.description(f"{view.sponsor_label} ({view.paid_by}). {summary}"
                      if view.sponsored else summary)
    proof = f"<p><strong>{escape(proof_note)}</strong></p>\n" if proof_note else ""
    entry.content(proof + full_content(view, url), type="html")
    entry.published(_moment(meta.date))
    entry.updated(_moment(meta.date))
    entry.author([{"name": name} for name in meta.authors])
    entry.dc.dc_creator(view.byline)
    for tag in [meta.section, *meta.tags]:
        entry.category(term=tag)
    if view.sponsored:
        entry.category(term=view.sponsor_label)
    enclosure = hero_enclosure(view, settings)
    if enclosure is not None:
        entry.enclosure(enclosure.url, str(enclosure.length), enclosure.mime)


def rss(views: list[ArticleView], settings: Settings, section: str | None = None,
        proof_note: str = "") -> bytes:
    """RSS 2.0 with full content (content:encoded); byte-identical for the same sources."""
    fg, _ = _generator(views, settings, section, feed_path(section), proof_note)
    return bytes(fg.rss_str(pretty=True))


def atom(views: list[ArticleView], settings: Settings, proof_note: str = "") -> bytes:
    """Atom 1.0 of the same items, with entry links repaired (feedgen bug #135)."""
    fg, items = _generator(views, settings, None, "atom.xml", proof_note)
    tree = etree.fromstring(fg.atom_str(pretty=False))
    _repair_atom_links(tree, items, settings)
    etree.indent(tree)
    return bytes(etree.tostring(tree, xml_declaration=True, encoding="UTF-8"))


def _repair_atom_links(tree: etree._Element, items: list[ArticleView],
                       settings: Settings) -> None:
    """Give each entry's links back the rel, type and length feedgen drops."""
    entries = tree.findall(f"{{{ATOM_NS}}}entry")
    for element, view in zip(entries, items, strict=True):
        enclosure = hero_enclosure(view, settings)
        for link in element.findall(f"{{{ATOM_NS}}}link"):
            if enclosure is not None and link.get("href") == enclosure.url:
                link.set("rel", "enclosure")
                link.set("type", enclosure.mime)
                link.set("length", str(enclosure.length))
            else:
                link.set("rel", "alternate")
                link.set("type", "text/html")


def full_content(view: ArticleView, url: str) -> str:
    """Body HTML with absolute image URLs, the sponsor label first and the notices last."""
    parts = []
    if view.sponsored:
        parts.append(f"<p><strong>{escape(view.sponsor_label)}</strong> {escape(view.paid_by)}</p>")
    parts.append(view.body_html(image_prefix=url))
    parts.extend(
        f"<p><strong>{escape(n.title)}:</strong> {escape(n.text)}</p>" for n in view.notices
    )
    return "\n".join(parts)
