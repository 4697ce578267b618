"""Line-level helpers for the hygiene, link and structure rules, which read the raw inline
Markdown of each paragraph and heading (`blocks.prose`): code spans and link targets blanked
with offsets kept, lines as plain text for phrase lists, lexicon patterns."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from pipeline.checks import Context

_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1", re.DOTALL)
_LINK_TARGET = re.compile(r"(?<=\])\((?:[^()\s]|\([^()\s]*\))*(?:\s+\"[^\"]*\")?\)"
                          r"|<[a-z][a-z0-9+.-]*:[^<>\s]*>"
                          r"|https?://[^\s)\]>]+|<!--.*?(?:-->|\Z)|</?[a-z][^<>]*>",
                          re.IGNORECASE | re.DOTALL)
"""Each alternative stops at a character that starts the next one, or runs to the end and
takes it (a comment left open, as in HTML): no scan from each of many starts to the end of a
long line, which made a line of 200,000 `<a:` or `<!--` take minutes."""
_LINK_TARGET_NEEDS = ("](", "<", "://")
"""A match of `_LINK_TARGET` holds one of these: a text with none skips its slow search."""

_NOT_NEWLINE = re.compile(r"[^\n]")


def _blank(match: re.Match[str]) -> str:
    text = match.group(0)
    return _NOT_NEWLINE.sub(" ", text) if "\n" in text else " " * len(text)


def without_code(content: str) -> str:
    """Content with code spans blanked, offsets kept."""
    return _CODE_SPAN.sub(_blank, content) if "`" in content else content


@lru_cache(maxsize=4096)
def masked(content: str) -> str:
    """Content with code spans, link targets, URLs, HTML tags and comments blanked, offsets
    kept, so rules about prose do not trip over markup. Several rules mask the same block in
    turn: the last few thousand are kept."""
    text = without_code(content)
    if not any(needed in text for needed in _LINK_TARGET_NEEDS):
        return text
    return _LINK_TARGET.sub(_blank, text)


_MARKUP = re.compile(r"[*_`~#>]|\[\^?\d+\]|!?\[([^\[\]]*)\]\([^)\[]*\)")
"""A link's target stops at "[" as its text does (URLs have none unescaped): no scan from each
"[" to the end of the line (a line of `[a](` repeated took minutes)."""
_MARKUP_MARKS = re.compile(r"[*_`~#>]+")
"""`_MARKUP` in a line without "[": no link, image or reference, only marks to drop."""


def _link_text(match: re.Match[str]) -> str:
    return match.group(1) or ""


def plain_line(line: str, fold: bool = True) -> str:
    """A line without Markdown markup or trailing punctuation, runs of white space as one space
    (lower case unless `fold` is false), for phrase lists."""
    line = _MARKUP.sub(_link_text, line) if "[" in line else _MARKUP_MARKS.sub("", line)
    line = " ".join(line.split()).strip(" \t:;,.…!?|-–—»›>→«‹←↑↓⬆")
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
