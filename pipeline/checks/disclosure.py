"""Disclosure rules: medical disclaimers and sponsorship."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from pipeline.checks import Context, Hit, rule
from pipeline.checks.blocks import body_text
from pipeline.model import Article, Position

_GROUPS = ("drugs", "supplements", "conditions", "treatments")


@lru_cache(maxsize=4)
def _term_pattern(terms: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = sorted(terms, key=len, reverse=True)
    return re.compile(r"(?<![\w-])(" + "|".join(re.escape(t) for t in alternatives) + r")(?![\w-])",
                      re.IGNORECASE)


def health_terms(article: Article, ctx: Context) -> dict[str, set[str]]:
    """Distinct health-lexicon terms in the body, by group ('dose' for dose patterns)."""
    lexicon = ctx.lexicon("health")
    text = body_text(article).replace("’", "'")
    group_of = {term: group for group in _GROUPS for term in lexicon.get(group, [])}
    pattern = _term_pattern(tuple(group_of))
    found: dict[str, set[str]] = {group: set() for group in (*_GROUPS, "dose")}
    for match in pattern.finditer(text):
        term = match.group(1).lower()
        found[group_of[term]].add(term)
    if re.search(lexicon["dose_pattern"], text):
        found["dose"].add("dose")
    return found


def is_health_content(article: Article, ctx: Context) -> bool:
    """Health content names a drug or supplement with other health terms, a dose with a
    condition, or several conditions. Treatment words or units alone ("3 g") are not enough."""
    found = health_terms(article, ctx)
    substances = found["drugs"] | found["supplements"]
    distinct = sum(len(terms) for terms in found.values())
    threshold = int(ctx.lexicon("health").get("threshold", 3))
    return (
        (bool(substances) and distinct >= threshold)
        or (bool(found["dose"]) and bool(found["conditions"]))
        or len(found["conditions"]) >= 2
    )


@rule(
    "DIS001", "medical-disclaimer-missing", "error",
    why="HONcode principle 2: health information must support, not replace, the relationship "
        "between a patient and their doctor. The magazine prints a standard disclaimer on every "
        "piece of health content.",
    example="An article about naltrexone doses for fibromyalgia with `disclaimers: []`.",
    fix="Add `medical` to `disclaimers:` in the front matter; the pipeline prints the text.",
)
def medical_disclaimer_missing(article: Article, ctx: Context) -> Iterator[Hit]:
    """Health content (drugs, supplements, doses, conditions) lacks the medical disclaimer."""
    meta = article.meta
    if meta is None or "medical" in meta.disclaimers:
        return
    if not is_health_content(article, ctx):
        return
    found = health_terms(article, ctx)
    named = sorted(found["drugs"] | found["supplements"] | found["conditions"])[:4]
    yield Hit(
        "health content without the medical disclaimer"
        + (f" (mentions {', '.join(named)})" if named else ""),
        article.key_position("disclaimers") if "disclaimers" in article.key_positions
        else Position(1, 1),
        hint="Add `disclaimers: [medical]` to the front matter.",
    )


@rule(
    "DIS003", "advertorial-without-sponsor", "error",
    why="ASME and the FTC require paid content to say who paid for it; an advertorial without "
        "a named sponsor cannot carry a truthful sponsor label.",
    example="kind: advertorial  (and no `sponsor:`)",
    fix="Add `sponsor: {name: ..., url: ..., phone: ...}` to the front matter.",
)
def advertorial_without_sponsor(article: Article, ctx: Context) -> Iterator[Hit]:
    """A sponsored kind (advertorial) does not name its sponsor."""
    meta = article.meta
    if meta is None or meta.kind not in ctx.settings.sponsored_kinds() or meta.sponsor:
        return
    yield Hit(
        f"a {meta.kind} must name its sponsor",
        article.key_position("kind"),
        hint="Add `sponsor: {name: \"...\", url: \"https://...\"}` to the front matter.",
    )
