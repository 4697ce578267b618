"""Front-matter rules: the file can be read (and its raw HTML published), required fields exist,
values are valid."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from typing import Any, get_args

from pydantic import BaseModel

from pipeline.checks import Context, Hit, rule
from pipeline.errors import validation_problem
from pipeline.markdown import MAX_HTML_DEPTH, too_deep
from pipeline.model import Article, Position
from pipeline.schema import FRONT_MATTER_FIELDS, FrontMatter


def _problem(article: Article, code: str) -> Iterator[Hit]:
    problem = article.problem
    if problem is not None and problem.code == code:
        yield Hit(problem.message, Position(problem.line, problem.column), hint=problem.hint)


@rule(
    "SRC001", "unreadable-article", "error",
    why="A binary, non-UTF-8 or huge file cannot be checked or published; it is usually a "
        "wrong file or a paste gone wrong.",
    example="A .md file saved as UTF-16 by a word processor.",
    fix="Save the article as UTF-8 text, under 2 MB.",
)
def unreadable(article: Article, ctx: Context) -> Iterator[Hit]:
    """The file is not a readable text article (binary, not UTF-8, or over the size limit)."""
    yield from _problem(article, "SRC001")


@rule(
    "SRC002", "raw-html-too-deep", "error",
    why="The print renderer stops at about 130 nested elements, and the sanitizer that makes "
        "authors' HTML safe takes time that grows far faster than the nesting: thousands of "
        "nested elements (a bad paste, or an attack on the build) would stall every build and "
        "check. No article needs them.",
    example="<div><div><div>... nested a hundred times, or a list nested fifty deep",
    fix="Remove the nested raw HTML, or flatten the lists and quotes.",
)
def raw_html_too_deep(article: Article, ctx: Context) -> Iterator[Hit]:
    """The body nests elements more than 100 deep (`markdown.MAX_HTML_DEPTH`): raw HTML,
    lists and quotes together. The outputs would show a notice instead of the body."""
    token = too_deep(article.tokens)
    if token is not None and token.map:
        yield Hit(f"the body nests elements more than {MAX_HTML_DEPTH} deep (raw HTML, lists "
                  "and quotes together); it cannot be published",
                  Position(article.body_line + token.map[0], 1),
                  hint="Remove the nested HTML, or flatten the lists and quotes.")


@rule(
    "FM001", "missing-field", "error",
    why="Listings, running heads, feeds and bylines are built from front matter; a missing "
        "field leaves a hole in every output.",
    example="---\ntitle: \"Autumn Walks\"\ndate: 2022-10-01\n---  (no authors, no section)",
    fix="Add the field; `pipeline new` writes every required field.",
)
def missing_field(article: Article, ctx: Context) -> Iterator[Hit]:
    """A required front-matter field (title, authors, date, section) is missing."""
    yield from _problem(article, "FM001")
    for err in article.meta_errors:
        if err["type"] == "missing":
            field, _ = validation_problem(err)
            yield Hit(
                f"front matter is missing the required field `{field}`",
                Position(1, 1),
                hint=f"Add `{field}:` between the '---' lines.",
            )


@rule(
    "FM002", "invalid-value", "error",
    why="A wrong type or unknown value (a date that is not a date, a kind the publication does "
        "not define) breaks rendering or silently drops the article from listings.",
    example="date: October 1st\nkind: feture",
    fix="Use the format the hint shows; kinds and disclaimer ids are defined in publication.toml.",
)
def invalid_value(article: Article, ctx: Context) -> Iterator[Hit]:
    """A front-matter value has the wrong type or format, or names an undefined kind/disclaimer."""
    yield from _problem(article, "FM002")
    for err in article.meta_errors:
        if err["type"] in ("missing", "extra_forbidden"):
            continue
        key = str(err["loc"][0]) if err["loc"] else "front matter"
        where, reason = validation_problem(err)
        yield Hit(f"`{where}`: {reason}",
                  article.key_position(key),
                  hint="Dates are YYYY-MM-DD; lists are [a, b]; see `pipeline schema`.")
    # From the valid front matter, else from the values as written (another field's problem
    # must not hide these).
    meta, raw = article.meta, article.raw_meta or {}
    kind = meta.kind if meta is not None else raw.get("kind")
    disclaimers = meta.disclaimers if meta is not None else raw.get("disclaimers")
    kinds = ctx.settings.kinds
    if isinstance(kind, str) and kind not in kinds:
        close = difflib.get_close_matches(kind, kinds, n=1)
        yield Hit(
            f"unknown kind `{kind}`",
            article.key_position("kind"),
            hint=(f"Did you mean `{close[0]}`? " if close else "")
            + f"Kinds: {', '.join(sorted(kinds))}.",
        )
    for disclaimer in disclaimers if isinstance(disclaimers, list) else []:
        if isinstance(disclaimer, str) and disclaimer not in ctx.settings.disclaimers:
            yield Hit(
                f"unknown disclaimer `{disclaimer}`",
                article.key_position("disclaimers"),
                hint=f"Disclaimers: {', '.join(sorted(ctx.settings.disclaimers))}.",
            )


@rule(
    "FM003", "unknown-field", "error",
    why="An unknown key is almost always a typo (`auther:`), and the value it holds is silently "
        "lost from every output.",
    example="auther: \"Jane Writer\"",
    fix="Rename the key to the field you meant; `pipeline schema` lists them all.",
)
def unknown_field(article: Article, ctx: Context) -> Iterator[Hit]:
    """The front matter has a key that is not a known field."""
    for err in article.meta_errors:
        if err["type"] != "extra_forbidden":
            continue
        loc = ["null" if part is None else str(part) for part in err["loc"]]
        known: list[str] = list(FRONT_MATTER_FIELDS)
        if len(loc) > 1:  # inside a table (`image: {foo: 1}`): the table's own fields
            known = list(_table_fields(loc[:-1]))
        close = difflib.get_close_matches(loc[-1], known, n=1)
        yield Hit(
            f"unknown front-matter field `{'.'.join(loc)}`",
            article.key_position(loc[0]),
            hint=f"Did you mean `{close[0]}`?" if close else "Remove it or rename it"
            + (f" (`{loc[0]}` takes {', '.join(known)})." if len(loc) > 1 else "."),
        )


def _table_fields(loc: list[str]) -> list[str]:
    """The fields of the front-matter table at `loc` (`image`, `sponsor`)."""
    model: Any = FrontMatter
    for part in loc:
        field = model.model_fields.get(part) if hasattr(model, "model_fields") else None
        if field is None:
            return []
        inner = [t for t in (field.annotation, *get_args(field.annotation))
                 if isinstance(t, type) and issubclass(t, BaseModel)]
        if not inner:
            return []
        model = inner[0]
    return list(model.model_fields)
