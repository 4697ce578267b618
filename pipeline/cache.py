"""The check result cache: findings (and body HTML) per article, keyed by the file's content,
where it sits, the rules' source and data, and the settings. Any change to one of those is a
miss, so a result is never stale; image files a result depends on are re-checked by size and
mtime."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.findings import Finding
from pipeline.settings import Settings
from pipeline.stamp import libraries, run_started, settled

PACKAGE = Path(__file__).resolve().parent
CACHE_FILE = Path(".cache") / "check.json"
SPARE_ENTRIES = 2000
"""Results kept besides those of the current run: other articles and recent versions."""


def rules_key(settings: Settings) -> str:
    """A digest of every source and data file of the pipeline, of the settings and of the
    installed libraries: rule code, lexicons, parameters and a new markdown-it all change it."""
    digest = hashlib.sha256(settings.model_dump_json().encode())
    digest.update(libraries().encode())
    for path in sorted(PACKAGE.rglob("*")):
        if path.suffix in (".py", ".yaml", ".yml", ".toml", ".json") and path.is_file():
            digest.update(path.relative_to(PACKAGE).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def article_key(data: bytes, display: str, edition: str | None) -> str:
    return hashlib.sha256(b"\0".join([data, display.encode(), (edition or "").encode()])
                          ).hexdigest()


def file_stamp(path: Path) -> list[Any]:
    try:
        stat = path.stat()
    except OSError:
        return [str(path), None, None]
    return [str(path), stat.st_size, stat.st_mtime_ns]


@dataclass
class Result:
    """What checking one article gives: its findings, the files they depend on besides the
    article (images), and the body HTML of a published article with its `source_key`: the
    parse is the costly half of rendering, so the build takes the body from here."""

    findings: list[Finding]
    deps: list[Path]
    body: tuple[str, str] | None = None


@dataclass
class ResultCache:
    path: Path
    rules: str
    entries: dict[str, Any] = field(default_factory=dict)
    dirty: bool = False
    used: set[str] = field(default_factory=set)
    """Keys read or written in this run: they are kept when the cache is trimmed."""
    since: int = 0
    """When the run opened the cache, before the rules read the images: see `put`."""

    @classmethod
    def open(cls, root: Path, settings: Settings) -> ResultCache:
        path = root / CACHE_FILE
        cache = cls(path, rules_key(settings), since=run_started(root))
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cache
        if isinstance(stored, dict) and stored.get("rules") == cache.rules:
            cache.entries = stored.get("articles", {})
        return cache

    def get(self, key: str) -> Result | None:
        """The result stored under `key`, if the files it depends on are unchanged."""
        entry = self.entries.get(key)
        if entry is None or any(file_stamp(Path(dep[0])) != dep for dep in entry["deps"]):
            return None
        self.used.add(key)
        body = entry.get("body")
        return Result([Finding.from_json(data) for data in entry["findings"]],
                      [Path(dep[0]) for dep in entry["deps"]],
                      (body[0], body[1]) if body else None)

    def put(self, key: str, result: Result) -> None:
        """Keep `result`, unless a file it depends on changed while it was made (the state
        taken now may not be the one the rules read: `stamp.settled`)."""
        deps = [file_stamp(p) for p in result.deps]
        if not settled(deps, self.since):
            return
        self.entries[key] = {"findings": [f.to_json() for f in result.findings],
                             "deps": deps, "body": result.body}
        self.used.add(key)
        self.dirty = True

    def _trim(self) -> None:
        """Every edit adds an entry; past versions go, oldest first, once there are more of
        them than SPARE_ENTRIES besides this run's (a partial run keeps the other articles')."""
        spare = [key for key in self.entries if key not in self.used]
        for key in spare[:max(0, len(spare) - SPARE_ENTRIES)]:
            del self.entries[key]

    def save(self) -> None:
        """Write atomically; a cache that cannot be written only costs speed next time."""
        if not self.dirty:
            return
        self._trim()
        payload = json.dumps({"rules": self.rules, "articles": self.entries})
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.path.parent, suffix=".tmp")
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(payload)
            os.replace(temporary, self.path)
        except OSError:
            return

