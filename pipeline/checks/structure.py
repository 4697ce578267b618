"""Structure rules: required sections, the heading outline, empty and unheaded sections."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from markdown_it.token import Token

from pipeline.checks import Context, Hit, rule
from pipeline.checks.blocks import Block, Heading, headings, memo, normalize, prose
from pipeline.checks.hygiene import chrome_lexicon, is_page_furniture, is_scraped_metadata
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
    fix="Use the next level down (### under ##), or promote the heading. The title is the "
        "article's h1 (from the front matter): the first level of sub-headings is ##.",
)
def heading_level_skipped(article: Article, ctx: Context) -> Iterator[Hit]:
    """A heading more than one level below the one before it (the title counts as level 1).
    A heading mark with no text ('###', a press release's end mark) is no level of the
    outline: STR004 reports it."""
    found = [heading for heading in headings(article) if not _mark_only(heading)]
    top = min((heading.level for heading in found), default=2)
    previous = 1
    for number, heading in enumerate(found):
        if heading.level > previous + 1:
            yield _skipped(heading, previous, top if number == 0 else 0)
        previous = heading.level


_WORD = re.compile(r"\w")


def _mark_only(heading: Heading) -> bool:
    """A heading with no word: '###' or '# # #' alone on a line (a press release's end mark,
    or a heading never written), which prints as an empty heading."""
    return _WORD.search(heading.text) is None


def _skipped(heading: Heading, previous: int, top: int) -> Hit:
    """The finding for a skipped level. Above the first sub-heading stands only the title,
    which the layout prints as the h1 from the front matter: a writer sees no '#' in the body
    and needs telling that sub-headings start at '##'. `top` is the article's highest level
    when `heading` is its first, else 0."""
    wanted = f"{'#' * (previous + 1)} {heading.text}"
    if not top:
        return Hit(f"heading level skipped: h{previous} to h{heading.level} ('{heading.text}')",
                   heading.position, hint=f"Make it {wanted}.")
    message = (f"heading level skipped: the first heading, '{heading.text}', is an "
               f"h{heading.level}, but the title is the only h1 and sub-headings start at h2")
    if top > 2:  # no '##' anywhere: every heading is as many levels too deep
        return Hit(message, heading.position,
                   hint=f"Use ## for the first level of sub-headings: make it '{wanted}', "
                        f"and raise every heading of the article by {top - 2} "
                        f"level{'s' if top > 3 else ''} ({'#' * top} to ##).")
    return Hit(message, heading.position,
               hint=f"Use ## for the first level of sub-headings: make it '{wanted}'.")


@rule(
    "STR004", "empty-section", "warning",
    why="A heading with no text under it is a section the writer meant to fill, or text that "
        "was lost; printed, it is a heading over nothing (textlint no-empty-section).",
    example="## Side Effects\n\n## Where to Get It",
    fix="Write the section, or delete the heading.",
)
def empty_section(article: Article, ctx: Context) -> Iterator[Hit]:
    """A heading followed directly by a heading of the same or a higher level, or by the end;
    a heading mark with no text ('###')."""
    tokens = article.tokens
    found = []
    for heading in headings(article):
        if _mark_only(heading):
            yield _mark_hit(article, heading)
        else:
            found.append(heading)
    for current, following in zip(found, [*found[1:], None], strict=False):
        end = following.index if following else len(tokens)
        content = [t for t in tokens[current.index + 3:end]
                   if t.type in _PRINTING and not _blank(t)
                   and not (t.type == "html_block" and t.content.lstrip().startswith("<!--"))]
        if content or (following is not None and following.level > current.level):
            continue
        lines = article.lines[current.position.line:
                              following.position.line - 1 if following else len(article.lines)]
        notes = [m.group(1) for m in map(_NOTE_DEFINITION.match, lines) if m]
        cited = [note for note in notes if note in _cited_notes(article)]
        if cited and following is not None:
            # Notes print where the article ends, as one list: after the sections below.
            yield Hit(f"the section '{current.text}' prints over nothing: its notes print at "
                      f"the end of the article, after '{following.text}'", current.position,
                      hint=f"Move '{current.text}' and its notes to the end of the article.")
            continue
        if notes and not cited:  # definitions no text cites, which Markdown drops
            yield Hit(f"the section '{current.text}' prints nothing: its "
                      f"{'note' if len(notes) == 1 else 'notes'} "
                      f"{', '.join(f'[^{n}]' for n in notes)} "
                      f"{'is' if len(notes) == 1 else 'are'} cited nowhere in the text, and a "
                      "note no text cites is not printed", current.position,
                      hint="Cite each note after the sentence it supports ('...found.[^1]'), "
                           "or list the sources as plain text.")
            continue
        yield Hit(f"the section '{current.text}' is empty", current.position,
                  hint="Write the section, or delete the heading.")


def _mark_hit(article: Article, heading: Heading) -> Hit:
    """A heading mark with no text; ending the article, a press release's end mark."""
    mark = article.lines[heading.position.line - 1].strip()
    last = not any(token.type == "inline" and token.content.strip()
                   for token in article.tokens[heading.index + 3:])
    if last:
        return Hit(f"'{mark}' ends the text: a press release's end mark, which Markdown reads "
                   "as an empty heading", heading.position,
                   hint="Delete the line: the article ends where its text does.")
    return Hit(f"a heading mark with no text ('{mark}'): it prints as an empty heading",
               heading.position, hint="Write the heading, or delete the line.")


_NOTE_DEFINITION = re.compile(r"\[\^([^\]\s]+)\]:")
_PRINTING = frozenset({"inline", "fence", "code_block", "html_block"})
"""Tokens that may print something under a heading: text (a paragraph's, a heading's, a list
item's or a table cell's), code and HTML. The rest are marks around them: a list, quote or
box with no text in it ("-" alone, an empty '::: sidebar') prints nothing, nor does a rule."""
_LINE_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_EMPTY_TAG = re.compile(r"</?(?:br|div|span|p|section|center|font|strong|em|b|i)\b[^<>]*>",
                        re.IGNORECASE)
"""Tags that print nothing of their own: an empty `<div class="box"></div>` is empty."""
_NO_WORD = re.compile(r"[\s.…\-–—_~·•*]*")
"""A paragraph of these alone ("...", "—") holds no word: it stands where text is to come."""


def _blank(token: Token) -> bool:
    """A paragraph's text, or a line of HTML, that is only white space, line breaks, empty
    tags or dots and dashes: "&nbsp;", "<br>", "<div></div>" (what a web editor leaves in an
    empty section), "..."."""
    if token.type == "html_block":
        return not _EMPTY_TAG.sub("", token.content).replace("&nbsp;", "").strip()
    return token.type == "inline" and all(
        child.type in ("softbreak", "hardbreak")
        or (child.type == "text" and _NO_WORD.fullmatch(child.content) is not None)
        or (child.type == "html_inline" and _LINE_BREAK.fullmatch(child.content.strip()))
        for child in token.children or [])


@memo
def _cited_notes(article: Article) -> set[str]:
    """Labels of the footnotes the text cites: the ones Markdown prints."""
    return {str(token.meta.get("label")) for token in article.tokens
            if token.type == "footnote_open"}


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
_HEADING_WORDS = 8
_HEADING_CHARS = 200
"""Longer than eight words and their markup: no heading (and no line to search)."""


def _without_stray_marks(line: str) -> str:
    """The line without a heading's '#' marks where Markdown does not read them: with no
    space after them ("##Benefits"; one '#' before a word is a hashtag) or only after the
    text ("Benefits ##")."""
    if line.startswith("##") and line.lstrip("#")[:1].isalpha():
        line = line.lstrip("#")
    unmarked = line.rstrip("#")
    return unmarked.rstrip() if unmarked != line and unmarked[-1:].isspace() else line


def _heading_text(line: str) -> str | None:
    """A short line, bold or in Title Case, with no full stop: the text of a heading."""
    if len(line) > _HEADING_CHARS:
        return None
    line = _without_stray_marks(line.strip())
    if not line or line[-1] in ".!?;,:":
        return None
    bold = _BOLD_LINE.match(line)
    text = bold["text"].strip() if bold else line
    words = text.split()
    if not 1 <= len(words) <= _HEADING_WORDS or not text[0].isupper() or text[-1] in ";,:" \
            or re.search(r"[\[\]()`<>]", text):
        return None
    title_case = all(w[0].isupper() or w.casefold() in _MINOR or not w[0].isalpha()
                     for w in words)
    return text if bold or title_case else None


def _pseudo_heading(block: Block) -> str | None:
    """A short line standing alone as a paragraph, bold or in Title Case, with no full stop."""
    content = block.content.strip()
    return None if "\n" in content else _heading_text(content)


_GLUED_START = re.compile(r"^[\"“‘'(]?[A-Z]")
_GLUED_WORDS = 5
"""Words of text after a heading glued to it on the next line that make it a paragraph, not
the second line of a name or an address."""
_RUN_IN_HEADING = re.compile(
    r"^(?P<heading>[A-Z][\w’'-]*(?:[ \t]+[\w’'&-]+){0,5}?)[ \t]+"
    r"(?=(?:The|An|This|These|Those|It|In|Most|Many|Some|When|If|For|Our|Your|You|We|There)"
    r"[ \t]+[a-z])")
"""A paragraph opening with a few words and no punctuation, then a capital that starts a
sentence ("Why it matters The study found ..."): a heading whose line break a copy from a
PDF or a web page turned into a space. A capital before a capital is a name ("Last year
The Lakeshore Clinic opened"); "A" is left out, as a letter it names ("Respondent A went")."""
_NOT_RUN_IN = frozenset(_MINOR | {"said", "says", "called", "named", "titled", "read",
                                  "watched", "see", "than", "that"})
"""Last words of an opening that go on into the capital after them ("According to The ...",
"She read The ...")."""
_SALUTATION = re.compile(r"(?:dear|hi|hello|greetings|to the editors?)\b", re.IGNORECASE)
"""A letter's first line ("Dear Editor", then "I read ..."): no heading."""


def _glued_heading(block: Block) -> tuple[str, bool] | None:
    """A heading glued to the paragraph under it: on the line above its text in the same
    paragraph ("Why It Matters" then "The study found ...", which prints as one line), or
    run into its first sentence with no punctuation between. The heading, and whether it
    stands on its own line."""
    content = block.content.strip()
    if _SALUTATION.match(content):
        return None
    first, newline, rest = content.partition("\n")
    if newline:
        if len(first.split(None, _HEADING_WORDS)) > _HEADING_WORDS:
            return None  # the first line of a wrapped paragraph, most often: no heading
        heading = _heading_text(first)
        if heading and not heading.endswith("?") and _GLUED_START.match(rest.lstrip()) \
                and len(rest.split(None, _GLUED_WORDS)) >= _GLUED_WORDS:
            return heading, True
        return None
    match = _RUN_IN_HEADING.match(content)
    if match is None:
        return None
    heading = match["heading"]
    return None if heading.split()[-1].casefold() in _NOT_RUN_IN else (heading, False)


def _glued_hit(article: Article, block: Block, heading: str, own_line: bool) -> Hit:
    where = ("on the line above its text, in the same paragraph: a single line break prints "
             "as a space" if own_line else "run into the sentence after it")
    return Hit(f"'{heading}' is a heading glued to its paragraph, {where}",
               block.position(article, 0),
               hint=f"Make it a heading on a line of its own, with a blank line under it: "
                    f"'## {heading}'.")


_LABEL_LINE = re.compile(
    r"^(\*\*|__)?(?P<label>[^\W\d_][^\n.!?;,:()\[\]`<>\"“”*_]*?)(?:\1)?:(?:\1)?$")
"""A line that is only a label and a colon, perhaps in bold: "Sleep:", "**Stress Relief:**"."""


_RUN_IN_LABEL = re.compile(
    r"^(?:\*\*|__|\*|_)?(?P<label>[^\W\d_][^\n.!?;,:()\[\]`<>\"“”*_]{0,60}?)"
    r"(?:\*\*|__|\*|_)?:(?:\*\*|__|\*|_)?\s+\S")
"""A paragraph that opens with a label and goes on, on its line or the next (both print as
"**Details:** We ...")."""


def _label(block: Block) -> re.Match[str] | None:
    content = block.content.strip()
    return None if "\n" in content else _LABEL_LINE.match(content)


def _run_in_labels(blocks: list[Block]) -> frozenset[str]:
    """The labels the article runs into their paragraphs ("**Details:** We ..."), in lower
    case: where the same label stands on a line of its own, a line break slipped in."""
    return frozenset(normalize(match["label"]) for block in blocks if block.kind == "paragraph"
                     and (match := _RUN_IN_LABEL.match(block.content.lstrip())))


@dataclass(frozen=True)
class _LabelWords:
    """What STR003 knows of labels that are not headings: first words of a lead-in, words that
    point at what follows, and the labels the article runs into their text."""

    lead_ins: frozenset[str]
    pointing: frozenset[str]
    run_in: frozenset[str]


def _label_heading(block: Block, following: Block | None, known: _LabelWords) -> str | None:
    """A short line ending in a colon that stands as a paragraph of its own above a paragraph
    of text, like a heading ("Sleep:"); not a lead-in ("Here's how:") nor a label the article
    elsewhere runs into its text."""
    match = _label(block)
    if match is None:
        return None
    label = match["label"].strip()
    words = normalize(label).split()
    if not 1 <= len(words) <= 4 or not label[0].isupper() \
            or words[0] in known.lead_ins or words[0].removesuffix("'s") in known.lead_ins \
            or known.pointing.intersection(words) or normalize(label) in known.run_in:
        return None
    # Right above a paragraph of text: a code block, list, table or comment after it is what
    # it introduces ("Consider this function:"); a label above a label heads nothing.
    # (paragraph_open, inline, paragraph_close: the next block opens 3 tokens on, or something
    # else stands between them.)
    if following is None or following.kind != "paragraph" or following.index != block.index + 3 \
            or following.nested or _pseudo_heading(following) or _label(following):
        return None
    letter = re.search(r"[^\W\d_]", following.text)
    return label if letter and letter.group().isupper() else None


_QUESTION = re.compile(r"Q\s*[:.]")


def _numbered_heading(article: Article, block: Block) -> str | None:
    """A numbered topic's heading typed without its '##' ("3. Sleep Seven Hours" between
    "## 2. Eat More Plants" and its text): Markdown makes it an ordered list of one item,
    whose text is a pseudo-heading. (After a paragraph ending in a colon it is the first step of
    the list that paragraph introduces.)"""
    tokens = article.tokens
    at = block.index
    if at < 2 or at + 4 >= len(tokens) or tokens[at - 2].type != "ordered_list_open" \
            or tokens[at - 1].type != "list_item_open" \
            or tokens[at + 3].type != "list_item_close" \
            or tokens[at + 4].type != "ordered_list_close" or tokens[at - 2].level != 0:
        return None
    pseudo = _pseudo_heading(block)
    item = tokens[at - 1]
    return f"{item.info}{item.markup} {pseudo}" if pseudo else None


def _lost_headings(article: Article, ctx: Context) -> Iterator[Hit]:
    """In an article with fewer than two headings: bare Title-Case or bold lines standing
    alone above paragraphs or glued to them, when there are two or more (siblings of each
    other: a scrape that lost every heading, "Chronic Pain", "Multiple Sclerosis",
    "Fibromyalgia"). One alone may be a sign-off or a name; the title repeated, a byline or a
    masthead is TXT002's; a question in bold is an interview's."""
    title = normalize(article.meta.title) if article.meta is not None else ""
    blocks = list(prose(article))
    lost = []
    for previous, block, following in zip([None, *blocks], blocks, [*blocks[1:], None],
                                          strict=False):
        if block.kind != "paragraph" or block.nested or previous is None \
                or previous.kind == "heading":
            continue
        glued = _glued(article, ctx, block)
        if glued is not None:
            if normalize(glued[0]) != title:
                lost.append(_glued_hit(article, block, *glued))
            continue
        if following is None or following.kind != "paragraph" or following.nested:
            continue
        pseudo = _pseudo_heading(block)
        if pseudo is None or pseudo.endswith("?") or _QUESTION.match(pseudo):
            continue  # an interview's questions in bold: the Q&A form, not lost headings
        if normalize(pseudo) != title and _pseudo_heading(following) is None \
                and not _other_line(article, ctx, block.content, pseudo):
            lost.append(Hit(f"'{pseudo}' stands alone like a heading but is body text",
                            block.position(article, 0),
                            hint=f"Make it a heading: '## {pseudo}'."))
    if len(lost) >= 2:
        yield from lost


def _other_line(article: Article, ctx: Context, line: str, heading: str) -> bool:
    """A heading-like line that is something else: site chrome (TXT001's "Related Posts") or
    a running head copied from a PDF (TXT001's "Understanding Type 2 Diabetes 3"), a byline
    or masthead (TXT002's "Health Reporter"), a credit or a note's label ("Source: National
    Sleep Foundation", "Photo: Jane Doe")."""
    label, colon, _ = heading.partition(":")
    return (bool(colon) and normalize(label).split()[0] in _lead_ins(ctx)) \
        or chrome_lexicon(ctx).holds(line) or is_page_furniture(line, article, ctx) \
        or is_scraped_metadata(line, article, ctx)


@memo
def _lead_ins(ctx: Context) -> frozenset[str]:
    return frozenset(str(word) for word in ctx.lexicon("hygiene")["label_lead_ins"])


def _glued(article: Article, ctx: Context, block: Block) -> tuple[str, bool] | None:
    """`_glued_heading` but in a listing, whose entries open with their names on purpose
    ("**Gentle Yoga**" over "Saturdays at 10 a.m. ..."), or for a line that is not a
    heading."""
    if ctx.settings.listing(article.meta.kind if article.meta else None):
        return None
    glued = _glued_heading(block)
    if glued is None or _other_line(article, ctx, block.content.partition("\n")[0], glued[0]):
        return None
    return glued


@rule(
    "STR003", "section-without-heading", "warning",
    why="When sibling topics have headings and one does not, the reader loses the outline: "
        "usually a scrape dropped the heading, or it was typed as a bare, bold or 'Sleep:' "
        "line that prints as body text and never reaches the contents or bookmarks.",
    example="## Multiple Sclerosis\n...\n\nFibromyalgia is a chronic pain disorder ...  "
            "(the intro lists fibromyalgia beside the headed topics)",
    fix="Make it a heading of the same level as its siblings: '## Fibromyalgia'.",
)
def section_without_heading(article: Article, ctx: Context) -> Iterator[Hit]:
    """A topic block without its heading: a definitional paragraph on a topic the intro lists
    beside headed topics, or a bare Title-Case, bold or 'Label:' line used as a heading."""
    h2 = [h for h in headings(article) if h.level == 2]
    if len(h2) < 2:
        yield from _lost_headings(article, ctx)
        return
    topics = [normalize(h.text) for h in h2]
    intro = _intro_sentences(article)
    lexicon = ctx.lexicon("hygiene")
    blocks = list(prose(article))
    known = _LabelWords(_lead_ins(ctx),
                        frozenset(str(word) for word in lexicon["label_pointing_words"]),
                        _run_in_labels(blocks))
    for previous, block, following in zip([None, *blocks], blocks, [*blocks[1:], None],
                                          strict=False):
        if block.kind != "paragraph" or not block.section \
                or previous is None or previous.kind == "heading":
            continue
        numbered = _numbered_heading(article, block)
        if numbered and following is not None and following.kind == "paragraph" \
                and not following.nested and not previous.text.rstrip().endswith(":"):
            yield Hit(f"'{numbered}' stands alone like a heading but is a list of one item",
                      block.position(article, 0), hint=f"Make it a heading: '## {numbered}'.")
            continue
        if block.nested:
            continue
        pseudo = _pseudo_heading(block)
        if pseudo and following is not None and following.kind == "paragraph" \
                and not _other_line(article, ctx, block.content, pseudo):
            yield Hit(f"'{pseudo}' stands alone like a heading but is body text",
                      block.position(article, 0),
                      hint=f"Make it a heading: '## {pseudo}'.")
            continue
        glued = _glued(article, ctx, block)
        if glued is not None:
            yield _glued_hit(article, block, *glued)
            continue
        label = _label_heading(block, following, known)
        if label:
            yield Hit(f"'{label}:' stands on its own line like a heading but is body text",
                      block.position(article, 0),
                      hint=f"Make it a heading, without the colon: '## {label}'.")
            continue
        subject = _orphan_topic(block, intro, topics)
        if subject:
            yield Hit(f"the section on {subject} has no heading, though its sibling topics do",
                      block.position(article, 0),
                      hint=f"Add '## {subject[0].upper() + subject[1:]}' above this paragraph.")
