"""The content model: plain data, no I/O. `content` fills it; checks and renderers read it."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from markdown_it.token import Token

from pipeline.schema import EditionManifest, FrontMatter

_NEWLINE = re.compile("\n")


@dataclass(frozen=True)
class Position:
    line: int
    column: int


@dataclass
class Problem:
    """A reason the file could not be read as an article at all (binary, not UTF-8, bad YAML)."""

    code: str
    message: str
    line: int = 1
    column: int = 1
    hint: str = ""


@dataclass
class Article:
    path: Path
    """Absolute path of the .md file."""
    display: str
    """The path as findings show it: relative to the project root."""
    slug: str
    data: bytes = b""
    """The file as read (none if it could not be, or is over the size limit): the gate checks
    these bytes, so a build publishes exactly the text it checked."""
    text: str = ""
    body: str = ""
    body_line: int = 1
    """1-based line of the file where the Markdown body starts."""
    raw_meta: dict[str, Any] = field(default_factory=dict)
    meta: FrontMatter | None = None
    meta_errors: list[dict[str, Any]] = field(default_factory=list)
    key_positions: dict[str, Position] = field(default_factory=dict)
    """Line and column of each top-level front-matter key."""
    problem: Problem | None = None
    edition: str | None = None

    @cached_property
    def lines(self) -> list[str]:
        return self.text.splitlines()

    @cached_property
    def tokens(self) -> list[Token]:
        from pipeline.markdown import parse

        return parse(self.body)

    @cached_property
    def _line_starts(self) -> list[int]:
        return [0, *(match.end() for match in _NEWLINE.finditer(self.body))]

    def body_offset(self, body_line: int) -> int:
        """Character offset in `body` where 0-based body line `body_line` starts."""
        starts = self._line_starts
        return starts[body_line] if body_line < len(starts) else len(self.body)

    def position(self, offset: int) -> Position:
        """File line and column (1-based) of a character offset in `body`."""
        index = bisect.bisect_right(self._line_starts, offset) - 1
        return Position(self.body_line + index, offset - self._line_starts[index] + 1)

    def block_source(self, token: Token) -> tuple[str, int]:
        """The Markdown source of a block token and the body offset where it starts."""
        if not token.map:
            return "", 0
        start, end = self.body_offset(token.map[0]), self.body_offset(token.map[1])
        return self.body[start:end], start

    def key_position(self, key: str) -> Position:
        return self.key_positions.get(key, Position(1, 1))

    @property
    def published(self) -> bool:
        return self.meta is not None and not self.meta.draft


@dataclass
class Edition:
    id: str
    """YYYY-MM, the folder name."""
    folder: Path
    manifest_path: Path
    manifest: EditionManifest | None = None
    problems: list[Problem] = field(default_factory=list)
    """Why edition.toml could not be read or validated."""
    articles: dict[str, Article] = field(default_factory=dict)
    """Every article in the folder, by slug."""

    def in_order(self) -> list[Article]:
        """Articles in print order, as listed in edition.toml (missing slugs skipped)."""
        if self.manifest is None:
            return sorted(self.articles.values(), key=lambda a: a.slug)
        return [self.articles[s] for s in self.manifest.order if s in self.articles]


@dataclass
class Project:
    root: Path
    editions: dict[str, Edition] = field(default_factory=dict)
    web_only: dict[str, Article] = field(default_factory=dict)
    """Articles in articles/web/: published on the site and feed, never printed."""

    def latest_edition(self) -> Edition | None:
        return self.editions[max(self.editions)] if self.editions else None

    def all_articles(self) -> list[Article]:
        found = [a for e in self.editions.values() for a in e.articles.values()]
        return found + list(self.web_only.values())
