"""Structure rules: the sections each kind of article must have."""

from __future__ import annotations

from collections.abc import Iterator

from pipeline.checks import Context, Hit, rule
from pipeline.checks.blocks import headings, normalize
from pipeline.model import Article, Position


@rule(
    "STR001", "required-section-missing", "error",
    why="Each kind has a fixed anatomy readers and editors rely on: a column ends with its "
        "author's bio, an advertorial lists its sources. The kinds and their sections are set "
        "in publication.toml.",
    example="kind: column  (and no '## About the Author' section)",
    fix="Add the section as a '## ' heading with its text.",
)
def required_section_missing(article: Article, ctx: Context) -> Iterator[Hit]:
    """An article lacks a section its kind requires (per publication.toml)."""
    meta = article.meta
    if meta is None or meta.kind not in ctx.settings.kinds:
        return
    present = {normalize(h.text) for h in headings(article) if h.level == 2}
    end = Position(max(len(article.lines), 1), 1)
    for section in ctx.settings.kinds[meta.kind].required_sections:
        if normalize(section) not in present:
            yield Hit(
                f"a {meta.kind} must have a '{section}' section",
                end if article.lines else Position(1, 1),
                hint=f"Add '## {section}' with its text.",
                excerpt=f"kind: {meta.kind}",
            )
