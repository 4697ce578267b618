"""Figure 2: the site and feeds for the 750-post corpus, cold, unchanged and one post edited.

Peers build the same posts with minimal templates: Hugo (Debian `hugo`) and Pelican (PyPI,
the `bench` extra). Each run happens in a temporary project so nothing in the repo changes.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

from tests.bench.common import BIN, CORPUS, ROOT, Row, timed
from tests.conftest import settings_without_pdfs

HUGO_TEMPLATE = ('<!DOCTYPE html><html><head><title>{{ .Title }}</title></head><body>'
                 '<h1>{{ .Title }}</h1>{{ .Content }}'
                 '{{ range .Pages }}<a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}'
                 '</body></html>')
PELICAN_TEMPLATE = ('<!DOCTYPE html><html><head><title>{{ article.title }}</title></head>'
                    '<body><h1>{{ article.title }}</h1>{{ article.content }}</body></html>')
PELICAN_INDEX = ('<!DOCTYPE html><html><body>{% for a in articles %}'
                 '<a href="{{ a.url }}">{{ a.title }}</a>{% endfor %}</body></html>')


def _our_project(folder: Path) -> Path:
    """The same 750 posts as web-only articles: no edition, so no print images to resize, and
    no PDF downloads (the peers make none)."""
    shutil.copytree(ROOT / "layouts", folder / "layouts")
    (folder / "publication.toml").write_text(settings_without_pdfs(), encoding="utf-8")
    shutil.copytree(CORPUS, folder / "articles" / "web")
    return folder


def _hugo_project(folder: Path) -> Path:
    (folder / "content" / "posts").mkdir(parents=True)
    for post in CORPUS.glob("*.md"):
        shutil.copy(post, folder / "content" / "posts" / post.name)
    layouts = folder / "layouts" / "_default"
    layouts.mkdir(parents=True)
    for name in ("single.html", "list.html", "index.html"):
        (layouts / name).write_text(HUGO_TEMPLATE)
    (folder / "hugo.toml").write_text('baseURL = "https://example.org/"\ntitle = "Bench"\n')
    return folder


def _pelican_project(folder: Path) -> Path:
    """Pelican's Markdown reader wants `Key: value` metadata, not YAML front matter."""
    content = folder / "content"
    content.mkdir(parents=True)
    for post in CORPUS.glob("*.md"):
        text = post.read_text(encoding="utf-8")
        _, front, body = text.split("---", 2)
        title = re.search(r'^title:\s*"?(.*?)"?\s*$', front, re.M)
        date = re.search(r'^date:\s*"?([\d-]+)', front, re.M)
        day = date[1] if date else "2020-01-01"
        head = f"Title: {title[1] if title else post.stem}\nDate: {day}\n"
        (content / post.name).write_text(head + "\n" + body, encoding="utf-8")
    theme = folder / "theme" / "templates"
    theme.mkdir(parents=True)
    for name in ("article.html", "page.html"):
        (theme / name).write_text(PELICAN_TEMPLATE)
    for name in ("index.html", "archives.html", "tags.html", "categories.html", "authors.html",
                 "tag.html", "category.html", "author.html", "period_archives.html"):
        (theme / name).write_text(PELICAN_INDEX)
    (folder / "pelicanconf.py").write_text(
        'SITENAME = "Bench"\nTHEME = "theme"\nTIMEZONE = "UTC"\nFEED_ALL_RSS = "feed.xml"\n'
        'FEED_ALL_ATOM = "atom.xml"\nRELATIVE_URLS = True\nTHEME_STATIC_PATHS = []\n'
        'STATIC_PATHS = []\nSLUGIFY_SOURCE = "basename"\n')
    return folder


def run() -> list[Row]:
    with tempfile.TemporaryDirectory() as temp:
        base = Path(temp)
        hugo = shutil.which("hugo")
        hugo_s = None
        if hugo:
            project = _hugo_project(base / "hugo")
            hugo_s, _ = timed([hugo, "--quiet", "-d", str(base / "hugo-out")], cwd=project,
                              check=True)
        pelican = BIN / "pelican"
        pelican_s = None
        if pelican.exists():
            project = _pelican_project(base / "pelican")
            pelican_s, _ = timed([str(pelican), "content", "-o", str(base / "pelican-out"), "-s",
                                  "pelicanconf.py", "-q"], cwd=project, check=True)
        ours = _our_project(base / "ours")
        command = [str(BIN / "pipeline"), "build", "--only", "web,feed", "--force"]
        cold, cold_rss = timed(command, cwd=ours, check=True)
        unchanged, unchanged_rss = timed(command, cwd=ours, check=True)
        # The same cold render with the gate's results already cached (as after a CI run of
        # `pipeline check`): the rendering alone, comparable to peers that check nothing.
        shutil.rmtree(ours / "build")
        rendered, rendered_rss = timed(command, cwd=ours, check=True)
        post = next(iter(sorted((ours / "articles" / "web").glob("*.md"))))
        post.write_text(post.read_text(encoding="utf-8") + "\nEdited for the benchmark.\n",
                        encoding="utf-8")
        edited, edited_rss = timed(command, cwd=ours, check=True)
    return [
        Row("web+feeds cold vs Hugo", cold, "hugo", hugo_s, "< 2x", cold_rss),
        Row("web+feeds cold vs Pelican", cold, "pelican", pelican_s, "<= 0.25x", cold_rss),
        Row("web+feeds cold, gate cached", rendered, "hugo", hugo_s, "< 2x", rendered_rss),
        Row("web+feeds cold, gate cached", rendered, "pelican", pelican_s, "<= 0.25x",
            rendered_rss),
        Row("web+feeds unchanged", unchanged, "hugo cold", hugo_s, "< 0.25x", unchanged_rss),
        Row("web+feeds one post edited", edited, "hugo cold", hugo_s, "< 0.35x", edited_rss),
    ]
