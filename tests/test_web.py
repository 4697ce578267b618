"""The web site by structure: the pages SPEC.md promises, metadata, JSON-LD, responsive heroes,
and image variants that are not regenerated when their source is unchanged."""

from __future__ import annotations

import json
import os
import re
import shutil
import threading
import time
import urllib.error
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

import pytest

from pipeline import settings as settings_module
from pipeline.build import BuildResult, build
from pipeline.render.web import slugify
from pipeline.serve import serve

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = "articles/low-dose-naltrexone/index.html"


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _tags(path: Path) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.tags


def test_site_pages_exist(built: tuple[BuildResult, Path]) -> None:
    site = built[1] / "site"
    for path in ("index.html", "editions/2022-10/index.html", ARTICLE, "healing-ways/index.html",
                 "tags/chronic-pain/index.html", "tags/index.html", "archive/index.html",
                 "404.html", "sitemap.xml", "robots.txt", "feed.xml", "atom.xml", "style.css"):
        assert (site / path).is_file(), path
    robots = (site / "robots.txt").read_text()
    assert "Sitemap: https://lakeshoreliving.example/sitemap.xml" in robots
    urls = [u.text for u in ElementTree.parse(site / "sitemap.xml").getroot().iter(
        "{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert "https://lakeshoreliving.example/articles/low-dose-naltrexone/" in urls
    assert len(urls) == len(set(urls))


def test_article_metadata(built: tuple[BuildResult, Path]) -> None:
    page = built[1] / "site" / ARTICLE
    tags = _tags(page)
    meta = {(a.get("property") or a.get("name")): a.get("content") for t, a in tags if t == "meta"}
    assert meta["og:type"] == "article" and meta["og:image"]
    assert meta["twitter:card"] == "summary_large_image"
    links = {a.get("rel"): a.get("href") for t, a in tags if t == "link"}
    assert links["canonical"] == "https://lakeshoreliving.example/articles/low-dose-naltrexone/"
    assert ("html", {"lang": "en-US"}) in tags
    assert any(a.get("type") == "application/atom+xml" for t, a in tags if t == "link")
    html = page.read_text()
    ld = json.loads(re.search(r'application/ld\+json">(.*?)</script>', html, re.S)[1])  # type: ignore[index]
    assert ld["@type"] == "AdvertiserContentArticle"
    assert ld["sponsor"]["name"] == "Welltopia Pharmacy"
    # The sponsor label comes before the title; the declared disclaimers are rendered.
    assert html.index("Sponsored Advertising Content") < html.index("<h1>")
    assert "Medical disclaimer" in html and "min read" in html
    assert 'class="related"' in html and 'class="footnotes references"' in html


def test_responsive_hero(built: tuple[BuildResult, Path]) -> None:
    site = built[1] / "site"
    hero = next(a for t, a in _tags(site / ARTICLE) if t == "img")
    assert hero["width"] and hero["height"] and hero["alt"] and hero["sizes"]
    candidates = [c.split()[0] for c in (hero["srcset"] or "").split(", ")]
    assert len(candidates) == 3
    for candidate in candidates:
        assert (site / "articles/low-dose-naltrexone" / candidate).is_file()


def test_every_image_has_alt_and_size(built: tuple[BuildResult, Path]) -> None:
    site = built[1] / "site"
    for page in site.rglob("*.html"):
        for tag, attrs in _tags(page):
            if tag == "img":
                assert attrs.get("alt") is not None, page
                if attrs.get("srcset"):
                    assert attrs.get("width") and attrs.get("height"), page


def test_body_typography() -> None:
    """What readers see set as a magazine sets it: curly quotes (not in code), footnote marks
    as bare numbers, and web addresses and DOIs marked so print keeps hyphens out of them."""
    from pipeline.markdown import render_source, typographic

    html = render_source(
        "\"Plant it,\" she said; it's `a \"b\"`.[^1] Again.[^1] See https://example.org/a-b, "
        "[https://example.org/c](https://example.org/c) and doi:10.1000/xyz123.\n\n"
        "[^1]: A source.\n")
    assert "“Plant it,” she said; it’s <code>a \"b\"</code>" in html
    marks = re.findall(r'<sup class="footnote-ref"><a href="#fn1" id="([^"]+)"[^>]*>([^<]*)</a>',
                       html)
    assert [mark for _, mark in marks] == ["1", "1"]
    assert len({ident for ident, _ in marks}) == 2
    assert '<span class="url">https://example.org/a-b</span>,' in html
    assert '<a href="https://example.org/c" rel="noopener noreferrer"><span class="url">' in html
    assert 'doi:<span class="url">10.1000/xyz123</span>.' in html
    assert typographic("Milwaukee's \"best\"") == "Milwaukee’s “best”"
    # An address keeps its straight quotes (a reader types it), and no entity is cut in two.
    html = render_source("See https://en.wikipedia.org/wiki/Ender's_Game, <https://a.org/it's>"
                         " and https://example.com/?q=a&b>c.")
    assert '<span class="url">https://en.wikipedia.org/wiki/Ender\'s_Game</span>,' in html
    assert ">https://a.org/it's</a>" in html
    assert '<span class="url">https://example.com/?q=a&amp;b</span>&gt;c.' in html
    # An email address too; marks side by side are parted by a comma (1 and 8, not a note 18).
    html = render_source("Write to editor@example.org. Effects:[^1][^2]\n\n[^1]: A.\n[^2]: B.\n")
    assert 'to <span class="email">editor@example.org</span>.' in html
    assert '</sup><sup class="footnote-sep">,</sup><sup class="footnote-ref">' in html


def test_titles_and_deks_are_shown_with_curly_quotes(built: tuple[BuildResult, Path]) -> None:
    page = built[1] / "site" / "articles" / "growing-together-garden" / "index.html"
    html = page.read_text(encoding="utf-8")
    assert '<p class="dek">Six seasons after the first raised bed went in, a corner lot on ' \
        "Milwaukee’s north side" in html
    source = ROOT / "articles" / "2022-10" / "growing-together-garden.md"
    assert "Milwaukee's north side" in source.read_text(encoding="utf-8")


def test_slugs() -> None:
    assert slugify("Crohn's disease") == "crohns-disease"
    assert slugify("Café & Co.") == "cafe-co"
    # tags of other scripts or symbols get distinct, stable, short names: no shared page
    names = {slugify(tag) for tag in ("тег", "标签", "🙂", "..", "/")}
    assert len(names) == 5 and all(re.fullmatch(r"t-[0-9a-f]{12}", n) for n in names)
    assert slugify("тег") == slugify(" тег ") and len(slugify("word " * 100)) <= 80


def test_unchanged_build_skips_images_and_pages(tmp_path: Path) -> None:
    for name in ("articles", "layouts"):
        shutil.copytree(ROOT / name, tmp_path / name)
    shutil.copy(ROOT / "publication.toml", tmp_path / "publication.toml")
    settings = settings_module.load(tmp_path / "publication.toml")
    first = build(settings, "2022-10", only={"web", "feed"})
    assert any(p.name.endswith("w.jpg") for p in first.written)
    again = build(settings, "2022-10", only={"web", "feed"})
    assert again.written == []
    article = tmp_path / "articles/2022-10/walk-into-autumn.md"
    article.write_text(article.read_text() + "\nOne more paragraph for the web.\n")
    edited = build(settings, "2022-10", only={"web", "feed"})
    assert tmp_path / "build/site/articles/walk-into-autumn/index.html" in edited.written
    assert not any(p.suffix == ".jpg" for p in edited.written)
    # only the edited article's PDF download is rendered again
    assert [p.name for p in edited.written if p.suffix == ".pdf"] == ["walk-into-autumn.pdf"]

    # Another photo put in the hero's place with the same time (as from an unzipped set):
    # copied and resized again all the same, its size differs from the record's.
    hero = tmp_path / "articles/2022-10/images/forest-path-hero.jpg"
    other = tmp_path / "articles/2022-10/images/leaves-hero.jpg"
    dated = hero.stat().st_mtime_ns
    hero.write_bytes(other.read_bytes())
    os.utime(hero, ns=(dated, dated))
    replaced = build(settings, "2022-10", only={"web", "feed"})
    folder = tmp_path / "build/site/articles/walk-into-autumn/images"
    assert folder / "forest-path-hero.jpg" in replaced.written
    assert (folder / "forest-path-hero.jpg").read_bytes() == other.read_bytes()
    assert folder / "forest-path-hero-480w.jpg" in replaced.written
    assert [p.name for p in replaced.written if p.suffix == ".pdf"] == ["walk-into-autumn.pdf"]

    # The print design changed: every PDF download again, no page
    css = tmp_path / "layouts/print/magazine.css"
    css.write_text(css.read_text() + "\n.source-line { color: #333; }\n")
    restyled = build(settings, "2022-10", only={"web", "feed"})
    pdfs = sorted(p for p in first.written if p.suffix == ".pdf")
    assert len(pdfs) == 9 and sorted(restyled.written) == pdfs


def test_serve_rebuilds_on_change_and_answers_missing_pages_with_404(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<h1>home</h1>")
    (site / "404.html").write_text("<h1>Not here</h1>")
    (tmp_path / "publication.toml").write_text("")
    rebuilt = threading.Event()
    ready: list[int] = []
    stop = threading.Event()
    thread = threading.Thread(target=serve, args=(tmp_path, site, 0, rebuilt.set),
                              kwargs={"interval": 0.05, "stop": stop, "started": ready.append})
    thread.start()
    try:
        for _ in range(100):
            if ready:
                break
            time.sleep(0.05)
        base = f"http://127.0.0.1:{ready[0]}"
        with urllib.request.urlopen(f"{base}/index.html") as response:
            assert b"home" in response.read()
        try:
            urllib.request.urlopen(f"{base}/nowhere/")
            raise AssertionError("a missing page must answer 404")
        except urllib.error.HTTPError as error:
            assert error.code == 404 and b"Not here" in error.read()
        time.sleep(0.1)
        (tmp_path / "publication.toml").write_text("# edited\n")
        assert rebuilt.wait(5), "an edit under the project must trigger a rebuild"
    finally:
        stop.set()
        thread.join(5)
    assert not thread.is_alive()


def test_bodies_rendered_by_the_gate_match_a_fresh_render(project: Path) -> None:
    """The build takes body HTML from the gate's parse (kept in its result cache): the rules
    must leave tokens as parsed."""
    from pipeline import gate, markdown
    from pipeline.content import load_project

    config = settings_module.load(project / "publication.toml")
    loaded = load_project(project)
    report = gate.check(config, project=loaded)
    published = [a for a in loaded.all_articles() if a.published]
    assert len(report.bodies) == len(published) >= 9
    for article in published:
        assert report.body(markdown.source_key(article.body)) == \
            markdown.render_source(article.body)
    again = gate.check(config, project=loaded)  # from the result cache
    assert again.bodies == report.bodies
    assert all(again.body(key) == report.body(key) for key in report.bodies)


def test_the_gate_keeps_bodies_only_of_articles_a_build_may_publish(
        project: Path, tmp_path: Path) -> None:
    """Articles checked from outside the project are never published by its build: rendering
    their bodies would only slow the check."""
    from pipeline import gate
    from pipeline.content import load_project

    config = settings_module.load(project / "publication.toml")
    loaded = load_project(project)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    published = [a for a in loaded.all_articles() if a.published]
    for article in published:
        (outside / article.path.name).write_bytes(article.path.read_bytes())
    assert gate.check(config, [outside], project=loaded).bodies == set()
    named = gate.check(config, [published[0].path], project=loaded)
    assert len(named.bodies) == 1


def test_compiled_templates_are_kept_per_jinja_version_and_checked_against_their_source(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Templates are compiled once into the project's .cache; a template edited since, a
    damaged file or one of another Jinja version or option set is compiled again."""
    import jinja2

    from pipeline.render import TEMPLATE_CACHE, environment

    layouts = tmp_path / "layouts"
    layouts.mkdir()
    (layouts / "page.html.j2").write_text("<p>{{ name }}</p>")
    compiled: list[str] = []
    compile_ = jinja2.Environment.compile

    def counted(self: jinja2.Environment, source: str, *args: object, **kwargs: object) -> object:
        compiled.append(source)
        return compile_(self, source, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(jinja2.Environment, "compile", counted)

    def render() -> str:
        return environment(layouts, tmp_path).get_template("page.html.j2").render(name="<x>")

    assert render() == "<p>&lt;x&gt;</p>" and len(compiled) == 1
    folder = tmp_path / TEMPLATE_CACHE
    [kept] = folder.glob("*.cache")
    assert render() == "<p>&lt;x&gt;</p>" and len(compiled) == 1  # from the cache
    (layouts / "page.html.j2").write_text("<b>{{ name }}</b>")
    assert render() == "<b>&lt;x&gt;</b>" and len(compiled) == 2
    kept.write_bytes(b"damaged")
    assert render() == "<b>&lt;x&gt;</b>" and len(compiled) == 3
    other = folder / ("0" * 16 + "-" + kept.name.split("-", 1)[1])
    kept.rename(other)  # as named by another Jinja version or another render module
    assert render() == "<b>&lt;x&gt;</b>" and len(compiled) == 4
    assert not other.exists() and len(list(folder.glob("*.cache"))) == 1


def test_templates_read_once_are_found_by_any_spelling_of_their_name(tmp_path: Path) -> None:
    from pipeline.render import environment

    env = environment(tmp_path, files={"parts/a.j2": b"A"})
    assert env.get_template("./parts/a.j2").render() == "A"
    assert env.get_template("parts//a.j2").render() == "A"


def test_a_section_spelt_two_ways_is_one_section(project: Path) -> None:
    """"News briefs" and "News Briefs" lead to one address: one page listing all four briefs
    under the spelling most articles use, one feed, one sitemap entry."""
    brief = (project / "articles" / "2022-10" / "briefs-seed-library.md").read_text()
    assert 'section: "News Briefs"' in brief
    web = project / "articles" / "web"
    web.mkdir()
    (web / "fourth-brief.md").write_text(
        re.sub(r"^id: .*\n", "", brief.replace('section: "News Briefs"',
                                               'section: "News briefs"'), flags=re.M)
        .replace('title: "', 'title: "Fourth: ', 1), encoding="utf-8")
    settings = settings_module.load(project / "publication.toml")
    result = build(settings, "2022-10", only={"web", "feed"})
    assert not result.blocked, [f for f in result.findings if f.severity.value == "error"]
    site = project / "build" / "site"
    page = (site / "news-briefs" / "index.html").read_text(encoding="utf-8")
    assert page.count('class="card-title"') == 4 and "<h1>News Briefs</h1>" in page
    assert "News briefs" not in page
    assert (site / "news-briefs" / "feed.xml").read_text().count("<item>") == 4
    assert (site / "sitemap.xml").read_text().count("/news-briefs/</loc>") == 1
    article = (site / "articles" / "fourth-brief" / "index.html").read_text(encoding="utf-8")
    assert ">News Briefs</a>" in article
