"""`pipeline serve`: preview build/site/ on 127.0.0.1 and rebuild when sources change.

Polling file modification times keeps this dependency-free; a rebuild takes a fraction of a
second when little changed, because the build skips unchanged pages and images.
"""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

WATCHED = ("articles", "layouts", "publication.toml")


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass  # the preview is for reading, not for request logs

    def send_error(self, code: int, message: str | None = None,
                   explain: str | None = None) -> None:
        page = Path(str(self.directory)) / "404.html"
        if code != 404 or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def fingerprint(root: Path) -> tuple[tuple[str, float], ...]:
    """Modification times of every watched file: any edit, addition or removal changes it."""
    files: list[tuple[str, float]] = []
    for name in WATCHED:
        path = root / name
        candidates = path.rglob("*") if path.is_dir() else [path]
        files.extend((str(p), p.stat().st_mtime) for p in candidates if p.is_file())
    return tuple(sorted(files))


def serve(root: Path, site: Path, port: int, rebuild: Callable[[], None],
          interval: float = 1.0, stop: threading.Event | None = None,
          started: Callable[[int], None] | None = None) -> None:
    """Serve `site` until interrupted (or `stop` is set), calling `rebuild` after each change
    under `root`; `started` receives the bound port (0 asks the system for a free one)."""
    stop = stop or threading.Event()
    handler = functools.partial(_Handler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    print(f"serving {site} at http://127.0.0.1:{httpd.server_address[1]}/ (Ctrl-C stops)")
    seen = fingerprint(root)
    if started is not None:
        started(int(httpd.server_address[1]))
    try:
        while not stop.wait(interval):
            now = fingerprint(root)
            if now != seen:
                seen = now
                rebuild()
    except KeyboardInterrupt:
        pass
    finally:
        httpd.shutdown()
        httpd.server_close()
