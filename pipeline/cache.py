"""The check result cache: findings per article (and body HTML, in files beside it), keyed by
the file's content, where it sits, the rules' source and data, and the settings. Any change to
one of those is a miss, so a result is never stale; image files a result depends on are
re-checked by size and mtime."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.files import atomic_write
from pipeline.findings import Finding
from pipeline.settings import Settings
from pipeline.stamp import file_clock, libraries, settled, state

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


BODIES = Path(".cache") / "bodies"
"""Body HTML of checked articles, a file per `markdown.source_key`, in a folder per rules key
(which covers the renderer's code and libraries): the parse is the costly half of rendering,
so a build takes the bodies the check rendered from its rules' tokens."""


def body_folder(root: Path, rules: str) -> Path:
    return root / BODIES / rules[:20]


def read_body(folder: Path, key: str) -> str | None:
    """The body HTML kept under `key`, if it is there."""
    try:
        return (folder / f"{key}.html").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


@dataclass
class Result:
    """What checking one article gives: its findings, the files they depend on besides the
    article (images), and for a published article the `markdown.source_key` of its body, whose
    HTML was kept in the body folder."""

    findings: list[Finding]
    deps: list[Path]
    body: str | None = None


@dataclass
class ResultCache:
    path: Path
    rules: str
    entries: dict[str, Any] = field(default_factory=dict)
    dirty: bool = False
    used: set[str] = field(default_factory=set)
    """Keys read or written in this run: they are kept when the cache is trimmed."""
    since: int = 0
    """When the run began (`stamp.file_clock`), before the rules read the images: see `put`."""
    root: Path = Path()
    """The project, whose file clock `put` may read again."""

    @classmethod
    def open(cls, root: Path, settings: Settings, since: int | None = None) -> ResultCache:
        """The project's cache, for a run that began at `since` (default: now)."""
        path = root / CACHE_FILE
        cache = cls(path, rules_key(settings),
                    since=file_clock(root) if since is None else since, root=root)
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
        try:
            if entry is None or state([dep[0] for dep in entry["deps"]]) != entry["deps"]:
                return None
            body = entry.get("body")
            result = Result([Finding.from_json(data) for data in entry["findings"]],
                            [Path(dep[0]) for dep in entry["deps"]],
                            body if isinstance(body, str) else None)
        except (KeyError, TypeError, ValueError, IndexError, AttributeError, OSError):
            return None  # a damaged entry: the article is checked again
        self.used.add(key)
        return result

    def put(self, key: str, result: Result) -> None:
        """Keep `result`, unless a file it depends on changed while it was made (the state
        taken now may not be the one the rules read: `stamp.settled`)."""
        deps = state([str(p) for p in result.deps])
        if not settled(deps, self.since, self.root):
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
            atomic_write(self.path, payload.encode())
        except OSError:
            return
        self._prune_bodies()

    def _prune_bodies(self) -> None:
        """Remove the bodies no entry names, and the folders of other rules keys."""
        keep = body_folder(self.root, self.rules)
        named = {f"{entry['body']}.html" for entry in self.entries.values()
                 if isinstance(entry.get("body"), str)}
        with contextlib.suppress(OSError):
            for folder in keep.parent.iterdir():
                if folder != keep:
                    shutil.rmtree(folder, ignore_errors=True)
            for name in os.listdir(keep):
                if name not in named:
                    (keep / name).unlink(missing_ok=True)

