"""Structure rules: required sections, the heading outline, empty and unheaded sections."""

from __future__ import annotations

import re
from collections.abc import Iterator

from pipeline.checks import Context, Hit, rule
from pipeline.checks.blocks import Block, headings, normalize, prose
from pipeline.checks.hygiene import chrome_lexicon
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


@rule(
    "STR002", "heading-level-skipped", "warning",
    why="Headings are the outline screen readers navigate by and the PDF bookmarks are built "
        "from; a jump from ## to #### leaves a hole in both (WCAG 1.3.1, PDF/UA).",
    example="## Chronic Pain\n\n#### What the studies found",
    fix="Use the next level down (### under ##), or promote the heading.",
)
def heading_level_skipped(article: Article, ctx: Context) -> Iterator[Hit]:
    """A heading more than one level below the one before it (the title counts as level 1)."""
    previous = 1
    for heading in headings(article):
        if heading.level > previous + 1:
            yield Hit(
                f"heading level skipped: h{previous} to h{heading.level} ('{heading.text}')",
                heading.position,
                hint=f"Make it {'#' * (previous + 1)} {heading.text}.",
            )
        previous = heading.level


@rule(
    "STR004", "empty-section", "warning",
    why="A heading with no text under it is a section the writer meant to fill, or text that "
        "was lost; printed, it is a heading over nothing (textlint no-empty-section).",
    example="## Side Effects\n\n## Where to Get It",
    fix="Write the section, or delete the heading.",
)
def empty_section(article: Article, ctx: Context) -> Iterator[Hit]:
    """A heading followed directly by a heading of the same or a higher level, or by the end."""
    tokens = article.tokens
    found = headings(article)
    for current, following in zip(found, [*found[1:], None], strict=False):
        end = following.index if following else len(tokens)
        content = [t for t in tokens[current.index + 3:end]
                   if not t.type.startswith("footnote") and not (
                       t.type == "html_block" and t.content.lstrip().startswith("<!--"))]
        if content or (following is not None and following.level > current.level):
            continue
        yield Hit(f"the section '{current.text}' is empty", current.position,
                  hint="Write the section, or delete the heading.")


_DEFINITION = re.compile(
    r"^(?P<subject>[A-Z][\w’'-]*(?:\s+[\w’'-]+){0,4}?)(?:\s+\([^)]*\))?\s+(?:is|are)\s+"
    r"(?:a|an|one of the)\b")
_NOT_A_TOPIC = {"it", "this", "that", "there", "here", "he", "she", "they", "we", "you", "i",
                "what", "which", "who", "the", "a", "an", "these", "those", "our", "my"}
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def _intro_sentences(article: Article) -> list[str]:
    intro: list[str] = []
    for block in prose(article):
        if block.section or block.kind == "heading":
            break
        intro.extend(normalize(s) for s in _SENTENCE_END.split(block.text))
    return intro


def _orphan_topic(block: Block, intro: list[str], topics: list[str]) -> str | None:
    """The subject of a definitional paragraph that the intro lists beside headed topics."""
    match = _DEFINITION.match(block.text.strip())
    if match is None:
        return None
    subject = normalize(match["subject"])
    if subject.split()[0] in _NOT_A_TOPIC or any(subject in t or t in subject for t in topics):
        return None
    for sentence in intro:
        if re.search(rf"(?<!\w){re.escape(subject)}(?!\w)", sentence) and any(
                re.search(rf"(?<!\w){re.escape(t)}(?!\w)", sentence) for t in topics):
            return match["subject"]
    return None


_BOLD_LINE = re.compile(r"^(\*\*|__)(?P<text>[^*_]+[^*_:.])\1$")
_MINOR = {"a", "an", "and", "as", "at", "but", "by", "for", "in", "nor", "of", "on", "or",
          "the", "to", "with", "from", "into", "vs"}


def _pseudo_heading(block: Block) -> str | None:
    """A short line standing alone as a paragraph, bold or in Title Case, with no full stop."""
    content = block.content.strip()
    if "\n" in content or not content or content[-1] in ".!?;,:":
        return None
    bold = _BOLD_LINE.match(content)
    text = bold["text"].strip() if bold else content
    words = text.split()
    if not 1 <= len(words) <= 8 or not text[0].isupper() or re.search(r"[\[\]()`<>]", text):
        return None
    title_case = all(w[0].isupper() or w.casefold() in _MINOR or not w[0].isalpha()
                     for w in words)
    return text if bold or title_case else None


@rule(
    "STR003", "section-without-heading", "warning",
    why="When sibling topics have headings and one does not, the reader loses the outline: "
        "usually a scrape dropped the heading, or it was typed as a bare or bold line that "
        "prints as body text and never reaches the contents or bookmarks.",
    example="## Multiple Sclerosis\n...\n\nFibromyalgia is a chronic pain disorder ...  "
            "(the intro lists fibromyalgia beside the headed topics)",
    fix="Make it a heading of the same level as its siblings: '## Fibromyalgia'.",
)
def section_without_heading(article: Article, ctx: Context) -> Iterator[Hit]:
    """A topic block without its heading: a definitional paragraph on a topic the intro lists
    beside headed topics, or a bare Title-Case or bold line used as a heading."""
    h2 = [h for h in headings(article) if h.level == 2]
    if len(h2) < 2:
        return
    topics = [normalize(h.text) for h in h2]
    intro = _intro_sentences(article)
    blocks = list(prose(article))
    for previous, block, following in zip([None, *blocks], blocks, [*blocks[1:], None],
                                          strict=False):
        if block.kind != "paragraph" or block.nested or not block.section \
                or previous is None or previous.kind == "heading":
            continue
        pseudo = _pseudo_heading(block)
        if pseudo and following is not None and following.kind == "paragraph" \
                and not chrome_lexicon(ctx).holds(block.content):  # "Related Posts": TXT001's
            yield Hit(f"'{pseudo}' stands alone like a heading but is body text",
                      block.position(article, 0),
                      hint=f"Make it a heading: '## {pseudo}'.")
            continue
        subject = _orphan_topic(block, intro, topics)
        if subject:
            yield Hit(f"the section on {subject} has no heading, though its sibling topics do",
                      block.position(article, 0),
                      hint=f"Add '## {subject[0].upper() + subject[1:]}' above this paragraph.")
