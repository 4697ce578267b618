"""The static web site (Jinja2): home, edition, article pages. Returns files in memory."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.model import Edition
from pipeline.render import ArticleView, environment
from pipeline.settings import Settings


@dataclass(frozen=True)
class SiteFile:
    path: str
    """Path under build/site/, with forward slashes."""
    content: bytes | None = None
    source: Path | None = None
    """A file to copy instead of content (images, fonts, CSS)."""


def article_url(settings: Settings, slug: str) -> str:
    return f"{settings.site.base_url}/articles/{slug}/"


def render(
    settings: Settings,
    editions: list[tuple[Edition, list[ArticleView]]],
    web_only: list[ArticleView],
    layouts: Path,
) -> list[SiteFile]:
    """Every page and asset of the site. `editions` newest first."""
    env = environment(layouts / "web")
    files: list[SiteFile] = []
    everything = [v for _, views in editions for v in views] + web_only
    recent = sorted(everything, key=lambda v: (v.meta.date, v.slug), reverse=True)
    common = {"site": settings.site, "root": "../../"}

    for edition, views in editions:
        assert edition.manifest is not None
        page = env.get_template("edition.html.j2").render(
            **common, edition=edition, manifest=edition.manifest, views=views,
            canonical=f"{settings.site.base_url}/editions/{edition.id}/",
        )
        files.append(SiteFile(f"editions/{edition.id}/index.html", page.encode()))
        cover = edition.folder / edition.manifest.cover.image
        files.append(SiteFile(f"editions/{edition.id}/{edition.manifest.cover.image}",
                              source=cover))

    for view in everything:
        page = env.get_template("article.html.j2").render(
            **common, view=view, meta=view.meta, body=view.body_html(),
            canonical=article_url(settings, view.slug),
        )
        files.append(SiteFile(f"articles/{view.slug}/index.html", page.encode()))
        for src in _images(view):
            files.append(SiteFile(f"articles/{view.slug}/{src}",
                                  source=view.article.path.parent / src))

    latest = editions[0] if editions else None
    home = env.get_template("index.html.j2").render(
        site=settings.site, root="", latest=latest[0].manifest if latest else None,
        latest_id=latest[0].id if latest else None, latest_views=latest[1] if latest else [],
        recent=recent[:12], canonical=f"{settings.site.base_url}/",
    )
    files.append(SiteFile("index.html", home.encode()))
    files.append(SiteFile("style.css", source=layouts / "web" / "style.css"))
    return files


def _images(view: ArticleView) -> list[str]:
    """Relative image paths the article uses (hero and body), as written."""
    found = []
    if view.meta.image and "://" not in view.meta.image.src:
        found.append(view.meta.image.src)
    for token in view.article.tokens:
        for child in token.children or []:
            src = str(child.attrs.get("src", "")) if child.type == "image" else ""
            if src and "://" not in src and not src.startswith("/"):
                found.append(src)
    return list(dict.fromkeys(found))
