"""Views of an article's token stream that rules share: headings, prose blocks, plain text."""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache, wraps
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
        key = tuple(id(arg) for arg in args)
        hit = cache.get(key)
        if hit is not None and all(ref() is arg for ref, arg in zip(hit[0], args, strict=True)):
            return hit[1]
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
    """A paragraph, list item paragraph or table cell run: prose with its source location."""

    text: str
    """Inline text with Markdown markup removed."""
    source: str
    """The Markdown source lines of the block."""
    offset: int
    """Body offset where `source` starts."""
    section: str
    """The text of the nearest ## heading above, or '' before the first."""
    in_quote: bool
    in_container: str
    """'pullquote', 'sidebar' or '' (outside any container)."""
    token: Token


@lru_cache(maxsize=4096)
def normalize(text: str) -> str:
    return " ".join(text.replace("’", "'").split()).casefold()


def inline_text(token: Token) -> str:
    """Plain text of an inline token: text, code and image alts, no markup."""
    parts = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts)


@memo
def headings(article: Article) -> list[Heading]:
    tokens = article.tokens
    found = []
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.map:
            text = inline_text(tokens[index + 1])
            found.append(Heading(int(token.tag[1]), text.strip(),
                                 article.position(article.body_offset(token.map[0])), index))
    return found


@memo
def blocks(article: Article) -> list[Block]:
    """Every paragraph of prose, in order, with its section and container."""
    return list(_blocks(article))


def _blocks(article: Article) -> Iterator[Block]:
    section = ""
    quote_depth = 0
    container = ""
    tokens = article.tokens
    for index, token in enumerate(tokens):
        kind = token.type
        if kind == "heading_open" and token.tag == "h2":
            section = inline_text(tokens[index + 1]).strip()
        elif kind == "blockquote_open":
            quote_depth += 1
        elif kind == "blockquote_close":
            quote_depth -= 1
        elif kind.startswith("container_") and kind.endswith("_open"):
            container = kind[len("container_"):-len("_open")]
        elif kind.startswith("container_") and kind.endswith("_close"):
            container = ""
        elif kind == "footnote_block_open":
            return
        elif kind == "paragraph_open" and token.map:
            source, offset = article.block_source(token)
            yield Block(inline_text(tokens[index + 1]), source, offset, section,
                        quote_depth > 0, container, token)


def body_text(article: Article) -> str:
    """All prose of the body as plain text, paragraphs separated by blank lines."""
    return "\n\n".join(block.text for block in blocks(article))
