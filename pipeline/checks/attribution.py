"""Attribution rules: an accountable author, a list of sources, sources that resolve."""

from __future__ import annotations

import re
from collections.abc import Iterator

from pipeline.checks import Context, Hit, rule
from pipeline.checks.blocks import headings, normalize
from pipeline.checks.claims import all_claims
from pipeline.checks.disclosure import is_health_content
from pipeline.checks.prose import REFERENCE_SECTIONS, literal_pattern
from pipeline.model import Article, Position

_RESOLVABLE = re.compile(
    r"\b10\.\d{4,9}/\S+|\bPMID:?\s*\d{6,9}|\bPMC\d{5,9}|https?://|\bwww\.|\bISBN[\s:-]*[\dX-]{10,}"
    r"|\b[a-z\d-]+(?:\.[a-z\d-]+)*\.[a-z]{2,}/\S",  # a web address without its scheme
    re.IGNORECASE,
)


def _institutional(name: str, article: Article, ctx: Context) -> bool:
    words = literal_pattern([*ctx.lexicon("style")["institutional_bylines"],
                             *ctx.lexicon("commerce")["business_words"]])
    site = ctx.settings.site
    own_names = {normalize(site.title), normalize(site.publisher)} - {""}
    # A scraped page often shows the byline as a masthead: "Natural Awakenings Milwaukee
    # Magazine".
    masthead = re.search(re.escape(name) + r"\s+(?:Magazine|Media|News|Newsletter)\b",
                         article.body)
    # "Amy Chen, MD, Lakeside Family Medicine" is a person with her affiliation: the words
    # are judged before the first comma ("Staff, Lakeshore Living" is still staff).
    return bool(words.search(name.split(",")[0]) or normalize(name) in own_names or masthead)


@rule(
    "ATT001", "byline-not-a-person", "warning",
    why="HONcode principle 1: health information names an accountable author with their "
        "qualifications. An organization cannot answer for a claim.",
    example="author: \"Natural Awakenings Milwaukee\"",
    fix="Name the person who wrote the piece in `authors:`; credit the organization "
        "elsewhere.",
)
def byline_not_a_person(article: Article, ctx: Context) -> Iterator[Hit]:
    """Health content whose byline is an organization, a desk or 'Staff', not a person."""
    meta = article.meta
    if meta is None or not is_health_content(article, ctx):
        return
    key = "authors" if "authors" in article.key_positions else "author"
    for name in meta.authors:
        if _institutional(name, article, ctx):
            yield Hit(f"The byline '{name}' is an organization, not a person; health content "
                      "needs an accountable author.", article.key_position(key),
                      hint="Put the writer's name in `authors:` (and their credentials in the "
                           "bio or `reviewed_by:`).")


_FOOTNOTE_DEFINITION = re.compile(r"\[\^[^\]\s]+\]:")
_REFERENCE_NOUNS = frozenset({"references", "sources", "bibliography", "citations"})
_BOLD_LINE = re.compile(r"(?:\*\*|__)(?P<title>[^*_]+)(?:\*\*|__):?")


def is_reference_title(text: str) -> bool:
    """'References', 'Sources:', 'Selected Sources', 'References and Further Reading'; not
    'Food Sources of Magnesium'."""
    words = re.findall(r"[\w']+", normalize(text))
    return bool(words) and (" ".join(words) in REFERENCE_SECTIONS
                            or words[0] in _REFERENCE_NOUNS or words[-1] in _REFERENCE_NOUNS)


def _references_heading(article: Article) -> int | None:
    """Line of the References/Sources heading, or of a bold line standing in for one
    ('**Sources**' above the list), if there is one."""
    for heading in headings(article):
        if is_reference_title(heading.text):
            return heading.position.line
    tokens = article.tokens
    for index, token in enumerate(tokens):
        if token.type == "paragraph_open" and token.map:
            bold = _BOLD_LINE.fullmatch(tokens[index + 1].content.strip())
            if bold and is_reference_title(bold.group("title")):
                return article.body_line + token.map[0]
    return None


@rule(
    "ATT002", "references-missing", "error",
    why="HONcode principle 4 and the SPJ code: claims come with their sources, listed where a "
        "reader can find them.",
    example="An article that says 'studies show' and ends without a '## References' section.",
    fix="Add '## References' at the end, with one footnote ('[^1]: ...') per source.",
)
def references_missing(article: Article, ctx: Context) -> Iterator[Hit]:
    """The article makes health claims but has no References or Sources section."""
    if not is_health_content(article, ctx) or _references_heading(article) is not None:
        return
    if any(token.type == "footnote_block_open" for token in article.tokens):
        return
    claims = all_claims(article, ctx)
    if claims:
        first = claims[0].sentence
        yield Hit(f"The article makes health claims ({len(claims)} found, the first here) but "
                  "has no References or Sources section.", first.at(article),
                  hint="Add '## References' at the end and cite each claim with a footnote "
                       "('[^1]') pointing to its source.", excerpt=first.text)


def reference_entries(article: Article) -> Iterator[tuple[Position, str]]:
    """Each paragraph of the References section (from its heading to the next heading of its
    level or higher), including footnote definitions written there."""
    start = _references_heading(article)
    if start is None:
        return
    level = next((h.level for h in headings(article) if h.position.line == start), 6)
    end = next((h.position.line for h in headings(article)
                if h.position.line > start and h.level <= level), None)
    seen = set()
    for token in article.tokens:
        if token.type == "paragraph_open" and token.map:
            source, offset = article.block_source(token)
            position = article.position(offset)
            if position.line > start and (end is None or position.line < end) \
                    and source.strip():
                seen.add(position.line)
                yield position, source
    # A footnote no sentence cites leaves no token, but it is still a listed source.
    lines = article.body.splitlines()
    last = end or article.body_line + len(lines)
    for line in range(max(start + 1, article.body_line), last):
        text = lines[line - article.body_line]
        if line not in seen and _FOOTNOTE_DEFINITION.match(text):
            more = line + 1  # its indented continuation lines
            while more < last and lines[more - article.body_line][:1] in (" ", "\t") \
                    and lines[more - article.body_line].strip():
                more += 1
            yield Position(line, 1), "\n".join(lines[line - article.body_line:more -
                                                      article.body_line])


@rule(
    "ATT003", "reference-unresolvable", "warning",
    why="House policy: an editor or reader must be able to open every source. A DOI, PMID or "
        "URL makes a reference findable.",
    example="[^2]: Smith J. A study of turmeric. 2019.",
    fix="Add the DOI ('doi:10....'), the PMID or a link to the source.",
)
def reference_unresolvable(article: Article, ctx: Context) -> Iterator[Hit]:
    """A reference in the References/Sources section has no DOI, PMID or URL."""
    if not is_health_content(article, ctx):
        return
    for position, source in reference_entries(article):
        if not _RESOLVABLE.search(source):
            yield Hit("This reference has no DOI, PMID or URL, so nobody can look it up.",
                      position, hint="Add its DOI, PMID or a link to the source.",
                      excerpt=source.strip().splitlines()[0])
