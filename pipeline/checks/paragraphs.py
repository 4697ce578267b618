"""Line-level views of an article's prose for the hygiene, link and structure rules: the raw
inline Markdown of each paragraph and heading with the file position of every character."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from markdown_it.token import Token

from pipeline.checks import Context
from pipeline.checks.blocks import inline_text, memo
from pipeline.model import Article, Position

_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1", re.DOTALL)
_LINK_TARGET = re.compile(r"(?<=\])\((?:[^()\s]|\([^()\s]*\))*(?:\s+\"[^\"]*\")?\)"
                          r"|<[a-z][a-z0-9+.-]*:[^>\s]*>"
                          r"|https?://[^\s)\]>]+|<!--.*?-->|</?[a-z][^<>]*>",
                          re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class Prose:
    """A paragraph or heading: its inline Markdown source and where it sits."""

    kind: str
    """'paragraph' or 'heading'."""
    content: str
    """The inline Markdown, block markers (list bullets, '>', '#') removed."""
    first_line: int
    """Body line (0-based) of the content's first line."""
    section: str
    """Text of the nearest ## heading above ('' before the first)."""
    nested: bool
    """Inside a list, quote, table or container rather than at the top level."""
    in_list: bool
    inline: Token
    index: int
    """Index of the opening token in the article's token list."""

    @property
    def text(self) -> str:
        """Plain text: markup removed, line breaks as spaces."""
        return inline_text(self.inline)

    def position(self, article: Article, index: int) -> Position:
        """File position of character `index` of `content`."""
        line_in_block = self.content.count("\n", 0, index)
        line_start = self.content.rfind("\n", 0, index) + 1
        body_line = self.first_line + line_in_block
        source = _body_line(article, body_line)
        content_line = self.content[line_start:].split("\n", 1)[0]
        prefix = source.find(content_line.strip()) if content_line.strip() else 0
        leading = len(content_line) - len(content_line.lstrip())
        return Position(article.body_line + body_line,
                        max(prefix, 0) + index - line_start - leading + 1)

    def lines(self) -> Iterator[tuple[int, str]]:
        """(offset in content, line) for each line of the content."""
        offset = 0
        for line in self.content.split("\n"):
            yield offset, line
            offset += len(line) + 1


def _body_line(article: Article, body_line: int) -> str:
    file_line = article.body_line + body_line
    return article.lines[file_line - 1] if 1 <= file_line <= len(article.lines) else ""


@memo
def prose(article: Article) -> list[Prose]:
    """Every paragraph and heading of the body, in order, footnote definitions excluded
    (built once per article: a dozen rules read it)."""
    return list(_walk(article.tokens))


def _walk(tokens: list[Token]) -> Iterator[Prose]:
    section = ""
    depth = 0
    lists = 0
    for index, token in enumerate(tokens):
        kind = token.type
        if kind == "footnote_block_open":
            return
        if kind in ("paragraph_open", "heading_open") and token.map:
            inline = tokens[index + 1]
            if kind == "heading_open" and token.tag == "h2":
                section = inline_text(inline).strip()
            yield Prose("heading" if kind == "heading_open" else "paragraph", inline.content,
                        token.map[0], section, depth > 0, lists > 0, inline, index)
        elif kind in ("bullet_list_open", "ordered_list_open"):
            lists += 1
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists -= 1
        if kind.endswith("_open") and kind not in ("paragraph_open", "heading_open"):
            depth += 1
        elif kind.endswith("_close") and kind not in ("paragraph_close", "heading_close"):
            depth -= 1


_NOT_NEWLINE = re.compile(r"[^\n]")


def _blank(match: re.Match[str]) -> str:
    text = match.group(0)
    return _NOT_NEWLINE.sub(" ", text) if "\n" in text else " " * len(text)


def without_code(content: str) -> str:
    """Content with code spans blanked, offsets kept."""
    return _CODE_SPAN.sub(_blank, content) if "`" in content else content


def masked(content: str) -> str:
    """Content with code spans, link targets, URLs, HTML tags and comments blanked, offsets
    kept, so rules about prose do not trip over markup."""
    return _LINK_TARGET.sub(_blank, without_code(content))


_MARKUP = re.compile(r"[*_`~#>]|\[\^?\d+\]|!?\[([^\]]*)\]\([^)]*\)")
_MARKUP_MARKS = re.compile(r"[*_`~#>]+")
"""`_MARKUP` in a line without "[": no link, image or reference, only marks to drop."""


def _link_text(match: re.Match[str]) -> str:
    return match.group(1) or ""


def plain_line(line: str, fold: bool = True) -> str:
    """A line without Markdown markup or trailing punctuation, runs of white space as one space
    (lower case unless `fold` is false), for phrase lists."""
    line = _MARKUP.sub(_link_text, line) if "[" in line else _MARKUP_MARKS.sub("", line)
    line = " ".join(line.split()).strip(" \t:;,.!?|-–—»›>")
    return line.casefold() if fold else line


@lru_cache(maxsize=32)
def _compiled(patterns: tuple[str, ...], flags: int) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), flags)


def lexicon_pattern(ctx: Context, lexicon: str, key: str,
                    flags: int = re.IGNORECASE) -> re.Pattern[str]:
    """The alternatives listed under `key` in a lexicon, compiled once."""
    return _compiled(tuple(ctx.lexicon(lexicon)[key]), flags)


def words_pattern(words: list[Any]) -> str:
    """A regex alternative matching any of `words` as whole words, longest first."""
    ordered = sorted((str(w) for w in words), key=len, reverse=True)
    return r"(?:\b(?:" + "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in ordered) + r")\b)"


def reference_section(ctx: Context, section: str) -> bool:
    names = ctx.lexicon("hygiene")["reference_sections"]
    return plain_line(section) in names
