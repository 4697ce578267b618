"""The built site in headless Chromium: every page loads without console errors, broken internal
links or images, and without serious or critical axe-core violations.

Screenshots of the home page and an article page at phone and desktop widths land in
build/screenshots/ for people to look at.
"""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest

from pipeline.build import BuildResult

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
WIDTHS = {"phone": 390, "desktop": 1280}

pytestmark = pytest.mark.slow


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def server(built: tuple[BuildResult, Path]) -> Iterator[str]:
    """build/site/ served on 127.0.0.1 by the standard library, in a thread."""
    site = built[1] / "site"
    handler = functools.partial(_QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail("chromium is not installed: run scripts/system-deps.sh")
    if not AXE.exists():
        pytest.fail("axe-core is not installed: run `npm ci` (the Makefile does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _pages(site: Path) -> list[str]:
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))


def _audit(page: Any, url: str) -> list[str]:
    """Problems on one page: console errors, failed requests, broken links, axe violations."""
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
            if m.type == "error" else None)
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
    page.on("response", lambda r: problems.append(f"HTTP {r.status}: {r.url}")
            if r.status >= 400 and not r.url.endswith("404.html") else None)
    page.goto(url, wait_until="load")
    # Lazy images below the fold have not loaded yet: those are checked on disk instead.
    broken = page.evaluate("""() => [...document.images]
        .filter(i => i.complete && i.naturalWidth === 0).map(i => i.currentSrc || i.src)""")
    problems.extend(f"broken image: {src}" for src in broken)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => await axe.run(document, {
        runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})""")
    for violation in result["violations"]:
        if violation["impact"] in ("serious", "critical"):
            targets = [n["target"] for n in violation["nodes"][:3]]
            problems.append(f"axe {violation['id']} ({violation['impact']}): {targets}")
    return problems


def _internal_links(page: Any, base: str) -> set[str]:
    """Absolute URLs of links, images and every srcset candidate that point into the site."""
    hrefs: list[str] = page.evaluate("""() => [
        ...[...document.querySelectorAll('a[href], link[href]')].map(a => a.href),
        ...[...document.images].map(i => i.src),
        ...[...document.images].flatMap(i => (i.srcset || '').split(',')
            .map(c => c.trim().split(' ')[0]).filter(Boolean)
            .map(u => new URL(u, document.baseURI).href))]""")
    host = urlsplit(base).netloc
    return {h.split("#")[0] for h in hrefs if urlsplit(h).netloc == host}


def test_every_page_is_clean(built: tuple[BuildResult, Path], server: str, browser: Any) -> None:
    site = built[1] / "site"
    pages = _pages(site)
    assert "index.html" in pages and "404.html" in pages
    context = browser.new_context(viewport={"width": WIDTHS["desktop"], "height": 900})
    problems: dict[str, list[str]] = {}
    links: set[str] = set()
    for path in pages:
        page = context.new_page()
        found = _audit(page, urljoin(server, path))
        links |= _internal_links(page, server)
        page.close()
        if found:
            problems[path] = found
    context.close()
    for link in sorted(links):
        local = site / urlsplit(link).path.lstrip("/")
        if not (local.is_file() or (local / "index.html").is_file()):
            problems.setdefault("links", []).append(f"broken internal link: {link}")
    assert not problems, "\n".join(f"{p}: {m}" for p, ms in problems.items() for m in ms)


@pytest.mark.parametrize("device", sorted(WIDTHS))
def test_screenshots(built: tuple[BuildResult, Path], server: str, browser: Any,
                     device: str) -> None:
    """Home and an illustrated article at phone and desktop widths (build/screenshots/)."""
    shots = ROOT / "build" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": WIDTHS[device], "height": 900},
                                  device_scale_factor=1)
    for name, path in {"home": "index.html",
                       "article": "articles/growing-together-garden/index.html",
                       "advertorial": "articles/low-dose-naltrexone/index.html"}.items():
        page = context.new_page()
        page.goto(urljoin(server, path), wait_until="load")
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= WIDTHS[device], f"{path} scrolls sideways at {WIDTHS[device]}px"
        page.screenshot(path=str(shots / f"{name}-{device}.png"), full_page=False)
        page.close()
    context.close()
