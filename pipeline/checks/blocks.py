"""Views of an article's token stream that rules share, from one walk over it: headings, and
each paragraph, heading, table cell and footnote paragraph with its source, position and
surroundings."""

from __future__ import annotations

import bisect
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property, lru_cache, wraps
from typing import Any, ParamSpec, TypeVar

from markdown_it.token import Token

from pipeline.model import Article, Position

P = ParamSpec("P")
R = TypeVar("R")


def memo(function: Callable[P, R]) -> Callable[P, R]:
    """Cache a function of objects (article, context) for as long as those objects live: the
    rules of one run share the sentence split and the lexicon patterns instead of redoing them."""
    cache: dict[tuple[int, ...], tuple[list[weakref.ref[Any]], R]] = {}

    @wraps(function)
    def cached(*args: P.args, **kwargs: P.kwargs) -> R:
        key = tuple(map(id, args))
        hit = cache.get(key)
        if hit is not None:
            refs, value = hit
            for ref, arg in zip(refs, args, strict=True):
                if ref() is not arg:
                    break  # a dead object's id, now another's
            else:
                return value
        value = function(*args, **kwargs)
        def forget(_: weakref.ref[Any], key: tuple[int, ...] = key) -> None:
            cache.pop(key, None)

        cache[key] = ([weakref.ref(arg, forget) for arg in args], value)
        return value

    return cached


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    position: Position
    index: int
    """Index of the heading_open token."""


@dataclass(frozen=True)
class Block:
    """A paragraph (of the body, a list item, a quote, a container or a footnote), a heading
    or a table cell: its Markdown with its source location and where it sits."""

    kind: str
    """'paragraph', 'heading' or 'cell'."""
    source: str
    """The Markdown source lines of the block."""
    offset: int
    """Body offset where `source` starts."""
    section: str
    """The text of the nearest ## heading above, or '' before the first."""
    in_quote: bool
    in_container: str
    """'pullquote', 'sidebar' or '' (outside any container)."""
    nested: bool
    """Inside a list, quote, table or container rather than at the top level."""
    in_list: bool
    token: Token
    """The opening token."""
    inline: Token
    index: int
    """Index of the opening token in the article's token list."""
    in_footnote: bool = False
    """A paragraph of a footnote's definition (`[^1]: ...`)."""
    cell_column: int = -1
    """A table cell's: the column (0-based) of its row's source line where its content
    starts. Found once from the row, as the same text may stand in several cells of it."""

    @cached_property
    def text(self) -> str:
        """Inline text with Markdown markup removed."""
        return inline_text(self.inline)

    @property
    def content(self) -> str:
        """The inline Markdown, block markers (list bullets, '>', '#') removed."""
        return self.inline.content

    @property
    def first_line(self) -> int:
        """Body line (0-based) of the content's first line."""
        found = self.token.map or self.inline.map  # a cell's opening token has no map
        return found[0] if found else 0

    def position(self, article: Article, index: int) -> Position:
        """File position of character `index` of `content`. Each line's place in the source
        is found once: a paragraph with thousands of findings (a pasted wall of "TK") must
        not search its whole length for each."""
        if self.cell_column >= 0:
            # Each "|" of a cell's content is written "\\|" in the source (`_cell_source`).
            return Position(article.body_line + self.first_line,
                            self.cell_column + index + self.content.count("|", 0, index) + 1)
        starts = self._line_starts
        line_in_block = bisect.bisect_right(starts, index) - 1
        line_start = starts[line_in_block]
        shift = self._shifts.get(line_in_block)
        if shift is None:
            content = self.content
            following = starts[line_in_block + 1] - 1 if line_in_block + 1 < len(starts) \
                else len(content)
            content_line = content[line_start:following]
            source = _body_line(article, self.first_line + line_in_block)
            prefix = source.find(content_line.strip()) if content_line.strip() else 0
            leading = len(content_line) - len(content_line.lstrip())
            shift = self._shifts[line_in_block] = max(prefix, 0) - leading
        return Position(article.body_line + self.first_line + line_in_block,
                        shift + index - line_start + 1)

    def span(self, article: Article, index: int, length: int) -> tuple[Position, Position]:
        """File positions of `length` characters of `content` from `index`, on one line: where
        a finding starts and ends."""
        start = self.position(article, index)
        return start, Position(start.line, start.column + length)

    @cached_property
    def _line_starts(self) -> list[int]:
        """Where each line of `content` starts."""
        starts = [0]
        content = self.content
        at = content.find("\n")
        while at >= 0:
            starts.append(at + 1)
            at = content.find("\n", at + 1)
        return starts

    @cached_property
    def _shifts(self) -> dict[int, int]:
        """By line of `content`: what to add to a column in it for the file's column."""
        return {}

    def lines(self) -> Iterator[tuple[int, str]]:
        """(offset in content, line) for each line of the content."""
        offset = 0
        for line in self.content.split("\n"):
            yield offset, line
            offset += len(line) + 1


def _body_line(article: Article, body_line: int) -> str:
    file_line = article.body_line + body_line
    return article.lines[file_line - 1] if 1 <= file_line <= len(article.lines) else ""


@lru_cache(maxsize=4096)
def normalize(text: str) -> str:
    return " ".join(text.replace("’", "'").split()).casefold()


def inline_text(token: Token) -> str:
    """Plain text of an inline token: text and code, line breaks as spaces, no markup (nor an
    image's alt text)."""
    parts = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts)


@dataclass(frozen=True)
class _Outline:
    headings: list[Heading]
    """Every heading, footnotes included."""
    prose: list[Block]
    """Every paragraph and heading before the footnotes."""
    paragraphs: list[Block]
    text: list[Block]
    """`prose`, table cells and the paragraphs of footnotes, in token order."""


def _cell_source(content: str) -> str:
    """A table cell's content as its source writes it: the parser splits a row at each "|"
    but an escaped one, and drops the backslash of those ("a \\| b" is the cell "a | b")."""
    return content.replace("|", "\\|")


@memo
def _outline(article: Article) -> _Outline:
    """The one walk over the article's tokens that every view of its blocks comes from."""
    headings: list[Heading] = []
    prose: list[Block] = []
    text: list[Block] = []
    section = container = ""
    depth = quote_depth = list_depth = 0
    in_footnotes = False
    row_line, row, searched = 0, "", 0  # a table row's body line and source, where its next
    # cell's text is looked for
    tokens = article.tokens
    for index, token in enumerate(tokens):
        kind = token.type
        if not kind.endswith(("_open", "_close")):
            continue  # inline content, code, HTML: it opens and closes nothing
        if kind in ("paragraph_open", "heading_open", "paragraph_close", "heading_close"):
            if not kind.endswith("_open") or not token.map:
                continue  # a paragraph or heading holds no blocks: it counts in no depth
            inline = tokens[index + 1]
            if kind == "heading_open":
                heading = inline_text(inline).strip()
                headings.append(Heading(int(token.tag[1]), heading, article.position(
                    article.body_offset(token.map[0])), index))
                if token.tag == "h2" and not in_footnotes:
                    section = heading
            source, offset = article.block_source(token)
            block = Block(kind[:-len("_open")], source, offset, "" if in_footnotes else section,
                          quote_depth > 0, container, depth > 0, list_depth > 0, token, inline,
                          index, in_footnotes)
            if not in_footnotes:
                prose.append(block)
            text.append(block)
            continue
        if kind in ("th_open", "td_open"):
            inline = tokens[index + 1]
            # The cell's text, looked for after the last cell's: one text may fill several.
            cell = _cell_source(inline.content)
            column = row.find(cell, searched) if cell else -1
            if column >= 0:
                searched = column + len(cell)
                text.append(Block("cell", cell, article.body_offset(row_line) + column,
                                  "" if in_footnotes else section, quote_depth > 0, container,
                                  True, list_depth > 0, token, inline, index, in_footnotes,
                                  column))
        elif kind == "tr_open" and token.map:
            row_line, row = token.map[0], _body_line(article, token.map[0])
            # In a quote, the row's text starts after the "> " marks: no cell is looked for there.
            searched = len(row) - len(row.lstrip(" \t>")) if quote_depth else 0
        elif kind == "footnote_block_open":
            in_footnotes = True
        elif kind == "blockquote_open":
            quote_depth += 1
        elif kind == "blockquote_close":
            quote_depth -= 1
        elif kind in ("bullet_list_open", "ordered_list_open"):
            list_depth += 1
        elif kind in ("bullet_list_close", "ordered_list_close"):
            list_depth -= 1
        elif kind.startswith("container_") and kind.endswith("_open"):
            container = kind[len("container_"):-len("_open")]
        elif kind.startswith("container_") and kind.endswith("_close"):
            container = ""
        if kind.endswith("_open"):
            depth += 1
        elif kind.endswith("_close"):
            depth -= 1
    return _Outline(headings, prose, [block for block in prose if block.kind == "paragraph"],
                    text)


def headings(article: Article) -> list[Heading]:
    return _outline(article).headings


def prose(article: Article) -> list[Block]:
    """Every paragraph and heading of the body, in order, footnote definitions excluded."""
    return _outline(article).prose


def text_blocks(article: Article) -> list[Block]:
    """Every block of text readers see: `prose`, table cells and the paragraphs of footnote
    definitions. For rules about what may stand anywhere (a placeholder, a phone number, a
    link); rules about running prose read `prose` or `blocks`, as a cell is no sentence and a
    footnote is mostly a reference."""
    return _outline(article).text


def blocks(article: Article) -> list[Block]:
    """Every paragraph of prose, in order, with its section and container."""
    return _outline(article).paragraphs


def body_text(article: Article) -> str:
    """All prose of the body as plain text, paragraphs separated by blank lines."""
    return "\n\n".join(block.text for block in blocks(article))
