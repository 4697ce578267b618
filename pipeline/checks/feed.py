"""Feed rules: compared with the previously published feed, no item changes GUID or vanishes.

A feed reader keys items by GUID: a new GUID re-delivers an old article as new, and a missing
item disappears from readers' lists. The previous feed is `[rules.FED001] previous` in
publication.toml (a path in the project), else the last build's build/site/feed.xml.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from xml.etree import ElementTree

from pipeline.checks import Context, Hit, Parameters, rule
from pipeline.checks.edition import order_line
from pipeline.model import Article, Edition, Position

DEFAULT_PREVIOUS = "build/site/feed.xml"


class _FeedParameters(Parameters):
    previous: str = DEFAULT_PREVIOUS
    """The published RSS feed to compare with, relative to the project."""


@dataclass(frozen=True)
class PublishedItem:
    guid: str
    link: str
    title: str


@lru_cache(maxsize=4)
def _read_feed(path: Path, mtime: float) -> tuple[PublishedItem, ...]:
    """Items of an RSS 2.0 file; unreadable or malformed feeds count as no previous feed."""
    try:
        root = ElementTree.parse(path).getroot()
    except (OSError, ElementTree.ParseError):
        return ()
    return tuple(PublishedItem(item.findtext("guid", ""), item.findtext("link", ""),
                               item.findtext("title", "")) for item in root.iter("item"))


def previous_path(ctx: Context) -> Path:
    """The previously published feed FED001 compares with (an input of the edition checks)."""
    root = ctx.settings.root.resolve()
    previous: str = ctx.param("FED001", "previous")
    return (root / previous).resolve()


def previous_items(ctx: Context) -> tuple[PublishedItem, ...]:
    root = ctx.settings.root.resolve()
    path = previous_path(ctx)
    if not path.is_relative_to(root) or not path.is_file():
        return ()  # nothing published yet, or a path outside the project (never read)
    return _read_feed(path, path.stat().st_mtime)


def _current(ctx: Context) -> dict[str, Article]:
    """Published articles by GUID, across the project."""
    from pipeline.render import ArticleView
    from pipeline.render.feed import guid

    if ctx.project is None:
        return {}
    found = {}
    for article in ctx.project.all_articles():
        if article.published:
            found[guid(ArticleView(article, ctx.settings), ctx.settings)] = article
    return found


@rule(
    "FED001", "feed-item-changed", "error", scope="edition", params=_FeedParameters,
    why="Feed readers identify items by GUID: a changed GUID re-delivers the article to every "
        "subscriber as new, and a vanished item silently disappears from their lists.",
    example="id: \"7d1f0c5e-...\" edited to a new value after the article was published",
    fix="Restore the article's previous `id` (the message shows it), or restore the article; "
        "to withdraw one on purpose, point `[rules.FED001] previous` at the new feed.",
)
def feed_item_changed(edition: Edition, ctx: Context) -> Iterator[Hit]:
    """An item of the previously published feed changed GUID or vanished (reported once, on
    the newest edition's edition.toml)."""
    if ctx.project is None or ctx.project.latest_edition() is not edition:
        return
    previous = previous_items(ctx)
    if not previous:
        return
    # The renderers (feedgen, Jinja) are loaded only when there is a published feed to compare.
    from pipeline.render import ArticleView
    from pipeline.render.feed import guid
    from pipeline.render.web import article_url

    current = _current(ctx)
    by_url = {article_url(ctx.settings, a.slug): a for a in ctx.project.all_articles()}
    for item in previous:
        if item.guid in current:
            continue
        article = by_url.get(item.link)
        if article is None:
            yield Hit(f"feed item “{item.title}” ({item.guid}) is no longer published: it "
                      "vanishes from readers' feeds", Position(1, 1),
                      hint=f"It linked to {item.link}; restore the article or its slug.")
        elif article.published:
            now = guid(ArticleView(article, ctx.settings), ctx.settings)
            yield Hit(f"{article.display}: feed GUID changed from {item.guid} to {now}, so "
                      "readers get the article again", order_line(edition, article.slug),
                      hint=f"Restore the previous id in {article.display}.")
        elif article.meta is not None:
            yield Hit(f"{article.display}: “{item.title}” is in the published feed; as a draft "
                      "it vanishes from readers' feeds", order_line(edition, article.slug),
                      hint="Keep it published, or withdraw it on purpose.")
