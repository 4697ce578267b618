"""The static web site (Jinja2): home, editions, articles, sections, tags, archive, 404,
sitemap and robots.txt. Returns files in memory; `build` writes them."""

from __future__ import annotations

import hashlib
import html
import json
import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import markupsafe
from PIL import Image

from pipeline import markdown
from pipeline.cache import rules_key
from pipeline.content import image_size, project_file
from pipeline.model import Edition
from pipeline.parallel import map_in_processes
from pipeline.render import ArticleView, cover_lines, environment, read_layouts
from pipeline.settings import Settings
from pipeline.stamp import size_and_mtime

ARCHIVE_PAGE_SIZE = 20
RECENT_ON_HOME = 12
RELATED_COUNT = 3
IMAGE_WIDTHS = (480, 960, 1600)
"""Widths of the responsive variants; a source narrower than one is not enlarged."""
HERO_SIZES = "(min-width: 46rem) 42rem, 100vw"
COVER_SIZES = "(min-width: 46rem) 22rem, 100vw"
FONTS = ("ebgaramond/EBGaramond12-Regular.otf", "ebgaramond/EBGaramond12-Italic.otf",
         "ebgaramond/EBGaramond-Bold.ttf", "inter/Inter-Regular.otf", "inter/Inter-Bold.otf")
"""The house faces (OFL) the stylesheet uses, copied to fonts/."""
RESERVED = {"fonts", "articles", "editions", "tags", "archive", "feed.xml", "atom.xml",
            "sitemap.xml", "robots.txt", "404.html", "index.html", "style.css", "favicon.svg"}
"""Top-level names of the site that a section slug must not take."""


@dataclass(frozen=True)
class SiteFile:
    path: str
    """Path under build/site/, with forward slashes."""
    content: bytes | None = None
    source: Path | None = None
    """A file to copy (images, CSS), or the source that `make` derives this file from."""
    make: Callable[[], bytes] | None = None
    """Produces the file from `source`; called only when the source changed (`build.Made`)."""
    key: str | None = None
    """For a page: digest of everything it is rendered from, so a rebuild can keep it."""
    kept: bool = False
    """A page of the last build, rendered from the same inputs: left as it is on disk."""


Previous = Callable[[str, str], bool]
"""Whether the page at a path is on disk as an earlier build rendered it from `key`."""


@dataclass(frozen=True)
class Picture:
    """A responsive image: variants by width (paths under build/site/) and its intrinsic size."""

    variants: tuple[tuple[str, int], ...]
    width: int
    height: int
    sizes: str

    @property
    def src(self) -> str:
        return self.variants[-1][0]

    def srcset(self, root: str) -> str:
        return ", ".join(f"{root}{path} {width}w" for path, width in self.variants)


SLUG_LENGTH = 80
"""Longest slug: a folder name, well under the file systems' 255 bytes."""


def slugify(text: str) -> str:
    """URL-safe ASCII slug: 'Healing Ways' -> 'healing-ways', "crohn's" -> 'crohns'. Text
    without Latin letters or digits ('тег', '🙂') is named by a digest of it, so two such tags
    never share a page."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    ascii_text = re.sub(r"['’]", "", ascii_text.lower())
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:SLUG_LENGTH].rstrip("-")
    return slug or f"t-{hashlib.sha256(text.strip().encode()).hexdigest()[:12]}"


def section_slug(section: str) -> str:
    slug = slugify(section)
    return f"section-{slug}" if slug in RESERVED else slug


def article_url(settings: Settings, slug: str) -> str:
    return f"{settings.site.base_url}/articles/{slug}/"


class Related:
    """Articles sharing the most tags (then the section), newest first among equals; topped up
    with the newest articles so every page leads somewhere. Indexed once: a site of thousands
    of articles must not compare every pair."""

    def __init__(self, recent: list[ArticleView]) -> None:
        self.recent = recent
        self.by_tag: dict[str, list[ArticleView]] = defaultdict(list)
        self.by_section: dict[str, list[ArticleView]] = defaultdict(list)
        for view in recent:
            for tag in set(view.meta.tags):
                self.by_tag[tag].append(view)
            self.by_section[view.meta.section].append(view)
        for views in self.by_section.values():
            views.sort(key=_newest_first)

    def of(self, view: ArticleView) -> list[ArticleView]:
        """Two points a shared tag, one for the same section. Articles that share only the
        section all score one, so they come newest first from the section's list, which is
        already in that order: a large section is never scored article by article."""
        section = view.meta.section
        scores: dict[str, int] = defaultdict(int)
        others: dict[str, ArticleView] = {}
        for tag in set(view.meta.tags):
            for other in self.by_tag[tag]:
                scores[other.slug] += 2 + (scores[other.slug] == 0 and
                                           other.meta.section == section)
                others[other.slug] = other
        scores.pop(view.slug, None)
        ranked = sorted(scores, key=lambda slug: (-scores[slug], *_newest_first(others[slug])))
        chosen = [others[slug] for slug in ranked[:RELATED_COUNT]]
        for pool, wanted in ((self.by_section[section], True), (self.recent, False)):
            for other in pool:
                if len(chosen) >= RELATED_COUNT:
                    return chosen
                if other.slug != view.slug and other.slug not in scores and \
                        (other.meta.section == section) == wanted:
                    chosen.append(other)
        return chosen


def _newest_first(view: ArticleView) -> tuple[int, str]:
    return (-view.meta.date.toordinal(), view.slug)


def json_ld(data: dict[str, Any]) -> markupsafe.Markup:
    """JSON for a <script type="application/ld+json"> that cannot close the element."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    return markupsafe.Markup(text.replace("<", "\\u003c").replace(">", "\\u003e"))


def article_ld(view: ArticleView, settings: Settings, image_url: str | None) -> dict[str, Any]:
    """schema.org NewsArticle; advertorials are AdvertiserContentArticle with their sponsor."""
    meta, site = view.meta, settings.site
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "AdvertiserContentArticle" if view.sponsored else "NewsArticle",
        "headline": meta.title,
        "description": meta.summary or meta.dek,
        "datePublished": meta.date.isoformat(),
        "author": [{"@type": "Person", "name": name} for name in meta.authors],
        "publisher": {"@type": "Organization", "name": site.publisher or site.title},
        "articleSection": meta.section,
        "keywords": meta.tags,
        "inLanguage": site.language,
        "mainEntityOfPage": article_url(settings, view.slug),
        "wordCount": view.word_count,
    }
    if image_url:
        data["image"] = [image_url]
    if view.sponsored and meta.sponsor:
        data["sponsor"] = {"@type": "Organization", "name": meta.sponsor.name}
    return data


def picture(source: Path, folder: str, sizes: str, files: list[SiteFile],
            root: Path) -> Picture | None:
    """Plan resized JPEG variants of `source` (made lazily by `build`) and describe them.
    A source outside the project `root` is never read (MED002 reports it)."""
    if project_file(source, root) is None:
        return None
    size = image_size(source)
    if isinstance(size, str):
        return None  # a broken image is MED002's finding; the page renders without it
    width, height = size
    widths = sorted({w for w in IMAGE_WIDTHS if w < width} | {min(width, IMAGE_WIDTHS[-1])})
    variants = []
    for target_width in widths:
        path = f"{folder}{source.stem}-{target_width}w.jpg"
        files.append(SiteFile(path, source=source,
                              make=partial(resized_jpeg, source, target_width)))
        variants.append((path, target_width))
    largest = widths[-1]
    return Picture(tuple(variants), largest, round(height * largest / width), sizes)


def resized_jpeg(source: Path, width: int) -> bytes:
    """A progressive JPEG of `source` at `width` pixels, EXIF stripped, deterministic bytes."""
    with Image.open(source) as image:
        rgb = image.convert("RGB")
        height = round(rgb.height * width / rgb.width)
        if width != rgb.width:
            rgb = rgb.resize((width, height), Image.Resampling.LANCZOS)
        out = BytesIO()
        rgb.save(out, "JPEG", quality=82, optimize=True, progressive=True)
        return out.getvalue()


def body_key(view: ArticleView) -> str:
    """The body cache's key: the Markdown source (the renderer's version keys the whole file)."""
    return markdown.source_key(view.article.body)


class Site:
    """Renders every page of the site with one Jinja2 environment and shared context."""

    def __init__(self, settings: Settings, layouts: Path,
                 body_cache: dict[str, str] | None = None,
                 previous: Previous | None = None) -> None:
        self.settings = settings
        self.templates = read_layouts(layouts / "web")
        """layouts/web as read once: rendered from and digested (`_shared_inputs`)."""
        self.env = environment(layouts / "web", settings.root, self.templates)
        self.env.filters["slugify"] = slugify
        self.env.filters["section_slug"] = section_slug
        self.env.globals["site"] = settings.site
        self.body_cache = body_cache if body_cache is not None else {}
        """Rendered body HTML by source hash, kept between builds by `build`."""
        self.files: list[SiteFile] = []
        self.previous = previous
        self.rendered: list[str] = []
        """Pages rendered by this build (the rest were kept from the previous one)."""
        self.shared = ""
        """Digest of what every page is rendered from besides its articles (`_shared_inputs`)."""
        self.own: dict[str, str] = {}
        """Digest of what each article (by slug) contributes to the pages that show it."""

    def inputs(self, views: Iterable[ArticleView], *extra: str) -> str:
        """Digest of what a page showing `views` (and `extra`, its other parameters) is
        rendered from, for `keep`."""
        parts = [self.shared, *extra, *(self.own[view.slug] for view in views)]
        return hashlib.sha256("\0".join(parts).encode()).hexdigest()

    def keep(self, path: str, inputs: str) -> bool:
        """Take the earlier build's page at `path` if it was rendered from the same `inputs`."""
        kept = self.previous is not None and self.previous(path, inputs)
        if kept:
            self.files.append(SiteFile(path, key=inputs, kept=True))
        return kept

    def page(self, path: str, template: str, inputs: str | None = None, **context: Any) -> None:
        """Render `template` to `path`; `inputs` digests what it is made from, for `keep`."""
        self.rendered.append(path)
        root = context.pop("root", "../" * path.count("/"))
        canonical_path = path.removesuffix("index.html")
        html = self.env.get_template(template).render(
            root=root, canonical=f"{self.settings.site.base_url}/{canonical_path}", **context)
        self.files.append(SiteFile(path, html.encode(), key=inputs))

    def body(self, view: ArticleView) -> str:
        key = body_key(view)
        if key in self.body_cache:
            view.rendered_body = self.body_cache[key]
        else:
            self.body_cache[key] = view.plain_body()
        return self.body_cache[key]


def render(
    settings: Settings,
    editions: list[tuple[Edition, list[ArticleView]]],
    web_only: list[ArticleView],
    layouts: Path,
    body_cache: dict[str, str] | None = None,
    proof_note: str = "",
    previous: Previous | None = None,
) -> Site:
    """Every page and asset of the site (in `.files`). `editions` newest first; views already
    filtered. `proof_note` (a build forced past gate errors) heads every page, which is not
    indexed. `previous` offers an earlier build's pages (articles, listings) for reuse."""
    site = Site(settings, layouts, body_cache, previous)
    site.env.globals["proof_note"] = proof_note
    everything = [v for _, views in editions for v in views] + web_only
    recent = sorted(everything, key=lambda v: (v.meta.date, v.slug), reverse=True)
    nav_sections = sorted({v.meta.section for v in recent})
    site.env.globals["nav_sections"] = nav_sections
    teasers = {v.slug: _hero(v, site.files) for v in recent}
    site.shared = _shared_inputs(settings, site.templates, [proof_note, *nav_sections])
    site.own = {v.slug: _own_inputs(v, teasers) for v in recent}

    for edition, views in editions:
        _edition_page(site, edition, views, teasers)
    for view in everything:
        site.body(view)  # cached bodies first: listings show reading times
    related = Related(recent)
    for view in recent:
        page = [view, *related.of(view)]
        _article_page(site, view, page[1:], teasers, site.inputs(page))
    if settings.web.article_pdfs:
        _article_pdfs(site, recent, layouts, proof_note, {
            view.slug: edition.manifest.title for edition, views in editions
            if edition.manifest is not None for view in views})
    _listing_pages(site, recent, teasers)
    _home(site, editions, recent, teasers)
    # Served for any missing path, so its links cannot be relative.
    site.page("404.html", "404.html.j2", root=f"{urlsplit(settings.site.base_url).path}/")
    for asset in ("style.css", "favicon.svg"):
        site.files.append(SiteFile(asset, source=layouts / "web" / asset))
    for font in FONTS:
        site.files.append(SiteFile(f"fonts/{Path(font).name}", source=layouts / "fonts" / font))
    site.files.append(SiteFile("robots.txt", robots(settings).encode()))
    site.files.append(SiteFile("sitemap.xml", sitemap(settings, site.files, recent)))
    return site


def _shared_inputs(settings: Settings, templates: dict[str, bytes], extra: list[str]) -> str:
    """What every kept page is rendered from besides its own articles: the pipeline's code
    and the settings, the web templates, the proof note and the navigation."""
    digest = hashlib.sha256(rules_key(settings).encode())
    for name, data in sorted(templates.items()):
        # every file Jinja's loader may serve: includes in sub-folders, macros, any suffix
        digest.update(name.encode() + b"\0")
        digest.update(data)
    digest.update(json.dumps(extra).encode())
    return digest.hexdigest()


def _own_inputs(view: ArticleView, teasers: dict[str, Picture | None]) -> str:
    """What an article contributes to the pages that show it: its text, where it is (its file
    name makes its URL), its edition and its hero."""
    return hashlib.sha256("\0".join([view.article.text, view.article.display, view.slug,
                                     view.article.edition or "", repr(teasers.get(view.slug))])
                          .encode()).hexdigest()


def _hero(view: ArticleView, files: list[SiteFile]) -> Picture | None:
    """The article's hero as responsive variants beside its page (None without a local image)."""
    image = view.meta.image
    if image is None or "://" in image.src:
        return None
    return picture(view.article.path.parent / image.src,
                   _folder(f"articles/{view.slug}", image.src), HERO_SIZES, files,
                   view.settings.root)


def _folder(base: str, relative_src: str) -> str:
    """The site folder for an image written relative to its article or edition folder."""
    parent = Path(relative_src).parent.as_posix()
    return f"{base}/" if parent == "." else f"{base}/{parent}/"


def _edition_page(site: Site, edition: Edition, views: list[ArticleView],
                  teasers: dict[str, Picture | None]) -> None:
    assert edition.manifest is not None
    cover_src = edition.manifest.cover.image
    cover = picture(edition.folder / cover_src, _folder(f"editions/{edition.id}", cover_src),
                    COVER_SIZES, site.files, site.settings.root)
    sections: dict[str, list[ArticleView]] = defaultdict(list)
    for view in views:
        sections[view.meta.section].append(view)
    site.page(f"editions/{edition.id}/index.html", "edition.html.j2", edition=edition,
              manifest=edition.manifest, sections=sections, cover=cover, teasers=teasers,
              cover_lines=cover_lines(edition, site.settings))


def _article_page(site: Site, view: ArticleView, related_views: list[ArticleView],
                  teasers: dict[str, Picture | None], inputs: str) -> None:
    """The article's page; `inputs` digests what it is made from (the shared inputs, the
    article and its related ones), so an unchanged page is kept from the last build."""
    settings = site.settings
    folder = f"articles/{view.slug}/"
    hero = teasers.get(view.slug)
    if hero is not None and view.meta.image is not None:
        # The original stays beside the page: the feeds enclose it with its exact length.
        site.files.append(SiteFile(folder + view.meta.image.src,
                                   source=view.article.path.parent / view.meta.image.src))
    body = site.body(view)
    for src in _body_images(body):
        site.files.append(SiteFile(folder + src, source=view.article.path.parent / src))
    if site.keep(f"{folder}index.html", inputs):
        return
    image_url = f"{settings.site.base_url}/{hero.src}" if hero else None
    site.page(f"{folder}index.html", "article.html.j2", inputs, view=view, meta=view.meta,
              body=markupsafe.Markup(body), hero=hero, image_url=image_url,
              pdf=pdf_name(view) if settings.web.article_pdfs else None,
              related=related_views, teasers=teasers,
              ld=json_ld(article_ld(view, settings, image_url)))


def pdf_name(view: ArticleView) -> str:
    """The file name of an article's PDF download, beside its page."""
    return f"{view.slug}.pdf"


def _article_pdfs(site: Site, views: list[ArticleView], layouts: Path, proof_note: str,
                  issues: dict[str, str]) -> None:
    """Each article as a PDF download beside its page, kept from the last build when made from
    the same document and design, and its images in the same state (size and mtime).
    `issues`: the edition title of each article by slug (a web-only article is named by its
    date)."""
    from pipeline.render import pdf

    settings = site.settings
    design = pdf.design_digest(layouts) + pdf.page_css(settings, screen=True)
    pending: list[tuple[str, str, tuple[str, str, Path]]] = []
    named = [issues.get(view.slug) or view.meta.date.strftime("%B %-d, %Y") for view in views]
    documents = pdf.article_documents(views, settings, layouts, named, proof_note)
    for view, document in zip(views, documents, strict=True):
        path = f"articles/{view.slug}/{pdf_name(view)}"
        base = view.article.path.parent
        images = [project_file(base / html.unescape(src), settings.root)
                  for src in sorted(set(_IMG_SRC.findall(document)))]
        states = [size_and_mtime(image) if image is not None else None for image in images]
        key = hashlib.sha256(f"{design}\0{document}\0{states}".encode()).hexdigest()
        if not site.keep(path, key):
            pending.append((path, key, (view.article.display, document, base)))
    made = map_in_processes(partial(pdf.render_article, settings=settings, layouts=layouts),
                            [job for _, _, job in pending], parallel_from=2)
    for (path, key, _), data in zip(pending, made, strict=True):
        site.files.append(SiteFile(path, data, key=key))


def _listing_pages(site: Site, recent: list[ArticleView],
                   teasers: dict[str, Picture | None]) -> None:
    """Section pages, tag pages, the tag index and the paginated archive."""
    by_section: dict[str, list[ArticleView]] = defaultdict(list)
    by_tag: dict[str, list[ArticleView]] = defaultdict(list)
    tag_names: dict[str, str] = {}
    for view in recent:
        by_section[view.meta.section].append(view)
        for tag in view.meta.tags:
            by_tag[slugify(tag)].append(view)
            tag_names.setdefault(slugify(tag), tag)
    for section, views in sorted(by_section.items()):
        slug = section_slug(section)
        _listing(site, f"{slug}/index.html", views, teasers, heading=section, kicker="Section",
                 pager=None, section_feed=f"{slug}/feed.xml")
    for tag_slug, views in sorted(by_tag.items()):
        _listing(site, f"tags/{tag_slug}/index.html", views, teasers,
                 heading=tag_names[tag_slug], kicker="Topic", pager=None, section_feed=None)
    tags = sorted(((tag_names[s], s, len(v)) for s, v in by_tag.items()),
                  key=lambda t: t[0].lower())
    site.page("tags/index.html", "tags.html.j2", tags=tags)
    pages = max(1, math.ceil(len(recent) / ARCHIVE_PAGE_SIZE))
    for number in range(1, pages + 1):
        chunk = recent[(number - 1) * ARCHIVE_PAGE_SIZE: number * ARCHIVE_PAGE_SIZE]
        path = "archive/index.html" if number == 1 else f"archive/page/{number}/index.html"
        _listing(site, path, chunk, teasers, heading="Archive", kicker="All articles",
                 section_feed=None, pager={"number": number, "pages": pages})


def _listing(site: Site, path: str, views: list[ArticleView],
             teasers: dict[str, Picture | None], **context: Any) -> None:
    """A list of articles, kept from the last build when they and its parameters (heading,
    pager, feed) are unchanged."""
    inputs = site.inputs(views, json.dumps(context, sort_keys=True))
    if not site.keep(path, inputs):
        site.page(path, "listing.html.j2", inputs, views=views, teasers=teasers, **context)


def _home(site: Site, editions: list[tuple[Edition, list[ArticleView]]],
          recent: list[ArticleView], teasers: dict[str, Picture | None]) -> None:
    latest = editions[0] if editions else None
    cover = None
    if latest is not None and latest[0].manifest is not None:
        cover_src = latest[0].manifest.cover.image
        # The edition page already plans these variants; here they are only referenced.
        cover = picture(latest[0].folder / cover_src,
                        _folder(f"editions/{latest[0].id}", cover_src), COVER_SIZES, [],
                        site.settings.root)
    lead = next((v for v in recent if teasers.get(v.slug)), recent[0] if recent else None)
    site.page("index.html", "index.html.j2", latest=latest[0].manifest if latest else None,
              latest_id=latest[0].id if latest else None,
              latest_lines=cover_lines(latest[0], site.settings)
              if latest and latest[0].manifest else [],
              latest_views=latest[1] if latest else [], cover=cover, lead=lead,
              recent=[v for v in recent if v is not lead][:RECENT_ON_HOME], teasers=teasers)


def robots(settings: Settings) -> str:
    return f"User-agent: *\nAllow: /\n\nSitemap: {settings.site.base_url}/sitemap.xml\n"


def sitemap(settings: Settings, files: Iterable[SiteFile], recent: list[ArticleView]) -> bytes:
    """sitemaps.org XML of every HTML page; articles carry their date as lastmod."""
    base = settings.site.base_url
    dates = {f"articles/{v.slug}/index.html": v.meta.date.isoformat() for v in recent}
    rows = []
    for file in sorted(files, key=lambda f: f.path):
        if not file.path.endswith("index.html") or (file.content is None and not file.kept):
            continue
        loc = markupsafe.escape(f"{base}/{file.path.removesuffix('index.html')}")
        lastmod = f"<lastmod>{dates[file.path]}</lastmod>" if file.path in dates else ""
        rows.append(f"  <url><loc>{loc}</loc>{lastmod}</url>")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            + "\n".join(rows) + "\n</urlset>\n").encode()


_IMG_SRC = re.compile(r'<img\b[^>]*?\ssrc="([^"]+)"')


def _body_images(body_html: str) -> list[str]:
    """Relative image paths the body uses (copied beside the page), read from the rendered
    body, which is cached, so an unchanged article is never parsed again."""
    found = [html.unescape(src) for src in _IMG_SRC.findall(body_html)]
    return list(dict.fromkeys(s for s in found if "://" not in s and not s.startswith("/")))
