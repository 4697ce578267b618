"""RSS 2.0 feed of published articles, with feedgen. The only module importing it."""

from __future__ import annotations

import datetime as dt
import uuid
from html import escape

from feedgen.feed import FeedGenerator

from pipeline.render import ArticleView
from pipeline.render.web import article_url
from pipeline.settings import Settings

FEED_SIZE = 50
"""Newest items kept in the feed."""


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


def rss(views: list[ArticleView], settings: Settings) -> bytes:
    """RSS 2.0 with full content; byte-identical for the same sources (no clock time)."""
    site = settings.site
    items = sorted(views, key=lambda v: (v.meta.date, v.slug), reverse=True)[:FEED_SIZE]
    fg = FeedGenerator()
    fg.load_extension("dc")
    fg.title(site.title)
    fg.description(site.tagline or site.title)
    fg.language(site.language)
    # The RSS <link> is the last link added (feedgen), so the self link goes first.
    fg.link(href=f"{site.base_url}/feed.xml", rel="self")
    fg.link(href=f"{site.base_url}/", rel="alternate")
    fg.generator("pipeline")
    if items:
        fg.lastBuildDate(_moment(max(v.meta.date for v in items)))
    for view in items:
        meta = view.meta
        url = article_url(settings, view.slug)
        entry = fg.add_entry(order="append")
        entry.title(meta.title)
        entry.link(href=url)
        entry.guid(guid(view, settings), permalink=False)
        entry.description(meta.summary or meta.dek or meta.title)
        entry.content(_full_content(view, url), type="html")
        entry.published(_moment(meta.date))
        entry.updated(_moment(meta.date))
        entry.dc.dc_creator(view.byline)
        for tag in [meta.section, *meta.tags]:
            entry.category(term=tag)
    return bytes(fg.rss_str(pretty=True))


def _full_content(view: ArticleView, url: str) -> str:
    """Body HTML with absolute image URLs, the sponsor label first and the notices last."""
    parts = []
    if view.sponsored:
        parts.append(f"<p><strong>{escape(view.sponsor_label)}</strong> {escape(view.paid_by)}</p>")
    parts.append(view.body_html(image_prefix=url))
    parts.extend(
        f"<p><strong>{escape(n.title)}:</strong> {escape(n.text)}</p>" for n in view.notices
    )
    return "\n".join(parts)
