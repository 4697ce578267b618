"""Text-hygiene rules: what scrapes, pastes and drafts leave in an article (TXT001-TXT006)."""

from __future__ import annotations

import difflib
import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain

from pydantic import Field

from pipeline.checks import Context, Hit, Parameters, rule
from pipeline.checks.blocks import Block, memo, prose, text_blocks
from pipeline.checks.links import link_problem, links
from pipeline.checks.paragraphs import (
    lexicon_pattern,
    masked,
    plain_line,
    reference_section,
    without_code,
    words_pattern,
)
from pipeline.checks.prose import caseless
from pipeline.model import Article

# Closing quotes, brackets, emphasis and emoji may follow the full stop; a dash before a
# closing quote is a quotation broken off ("“Now I know better—”").
_TERMINAL = re.compile(r"(?:[.!?…]|(?:[—–]|--)(?=[\"”]))"
                       r"(?:[\"”’')\]*_]|\[\^\w+\]|\s*[\U0001F300-\U0001FAFF\u2600-\u27BF])*\s*$")
_LAST_WORD = re.compile(r"(?<![\w’'-])([\w’'-]++)\W*$")
r"""The lookbehind tries each word from its start only: from each letter of a long word that
is not the last, the search took time in its length (quadratic: minutes for 150 KB). The word
gives nothing back: "414---…--- x" gave back its dashes one by one, each a search of those left
(a shorter word can only end in `\W*$` where the whole one does). Searched in the last
`_TAIL` characters only (`_last_word`): from each word in a long run of "‘’‘’…", the `\W*`
ran to its end."""
_TAIL = 1000


def _last_word(text: str) -> re.Match[str] | None:
    """The text's last word, if it is in its last `_TAIL` characters (what ends real prose)."""
    return _LAST_WORD.search(text, max(0, len(text) - _TAIL))
_SHARE_BAR_SEPARATOR = re.compile(r"\s*[|•·∙/]\s*|\s{2,}")
_SHARE_BAR_MARK = re.compile(r"[|•·∙/]")
_HASHTAGS = re.compile(r"(?:#[^\W\d_][\w-]*\s*){2,}")
"""A line of hashtags only ("#sleep #herbaltea #wellness"): a post's tags on a blog or a social
network. Each starts with "#", so the repeat splits one way only (linear); `plain_line` drops
the marks, so the Markdown line is tested."""
_COUNT = re.compile(r"[\d,.]+[kKmM]?")
"""A line that is only a number: a count of likes or comments beside its button."""


@rule(
    "TXT001", "site-chrome", "error",
    why="Navigation, share buttons and cookie banners copied from a web page are not part of "
        "the article; printed, they tell readers the piece was scraped and unedited. "
        "Boilerplate removers (trafilatura, jusText) exist because extraction keeps them. "
        "A copy from a PDF or a word processor leaves its own: running heads and page "
        "numbers, words broken at a line's end with their hyphen ('treat- ment' prints), "
        "ligature characters ('ﬁ') that search, spell-checking and screen readers miss; an "
        "email its header, a phone's signature and the line above a quoted reply.",
    example="Skip to main content",
    fix="Delete the line; if the piece came from a web page, re-check the whole text.",
)
def site_chrome(article: Article, ctx: Context) -> Iterator[Hit]:
    """A line of web-site chrome ("Skip to main content", Share, Subscribe, cookie banner),
    in the body, a footnote or a table cell, or a table row of it; an email's header and
    footer lines; a page's running head or number, a word broken at a line's end or a
    ligature character, from a copy of a PDF."""
    lexicon = chrome_lexicon(ctx)
    rows: dict[int, list[tuple[Block, bool]]] = {}  # each cell, and whether it is chrome
    found = text_blocks(article)
    items = _list_items(article, found, lexicon)
    for number, block in enumerate(found):
        if block.kind == "cell":
            rows.setdefault(block.first_line, []).append((block, lexicon.holds(block.content)))
            continue
        if block.kind == "heading" and _heads_prose(found[number + 1:number + 2], lexicon):
            continue  # "## Subscribe" over a paragraph on how to: the magazine's own section
        in_share_list = items.get(number)
        bar = block.kind == "paragraph" and (_button_lines(block, lexicon)
                                             or _signature(block))
        header = block.kind == "paragraph" and _email_header(block, lexicon)
        previous = ""
        for offset, line in block.lines():
            continued = _CONTINUED.search(previous) and line.lstrip()[:1].islower()
            previous = line
            if continued and not bar:
                continue  # "... looks\nlike this:": a sentence wrapped, not a widget's label
            if in_share_list or bar or (header and lexicon.header_field(line)) \
                    or (lexicon.holds(line) and not (
                    in_share_list is False and " " not in plain_line(line))):
                yield _line_hit(article, block, offset, line,
                                f"site chrome in the body: '{line.strip()}'",
                                "Delete the line: it is a web page's, an app's or an email's "
                                "furniture, not the article.")
    yield from _pdf_debris(article, ctx, found)
    for row in rows.values():
        chrome = [cell for cell, holds in row if holds]
        if len(chrome) > 1 and len(chrome) == len(row):
            # A share bar or menu laid out as a table ("| Share | Tweet | Email |"): one finding.
            start = chrome[0].position(article, 0)
            end = chrome[-1].position(article, len(chrome[-1].content))
            shown = " | ".join(cell.content for cell in chrome)
            yield Hit(f"site chrome in the body: '{shown}'", start, end,
                      hint="Delete the row: it is web-page navigation, not the article.")
            continue
        for cell in chrome:
            # Alone, a cell of one such word is a column's heading or a value ("Email",
            # "Print", "Register"); one of several ("Skip to main content") is chrome anywhere.
            if " " in plain_line(cell.content):
                yield _line_hit(article, cell, 0, cell.content,
                                f"site chrome in the body: '{cell.content}'",
                                "Delete the line: it is web-page navigation, not the article.")


_BAR_LINES = 3


def _button_lines(block: Block, lexicon: ChromeLexicon) -> bool:
    """A paragraph of buttons, one to a line, perhaps with their counts: "Like", "Comment",
    "Repost", "Send" under a social post; "42", "7", "Share" under a newsletter's title;
    "Close", "Search", "Sections" atop a news app's page. Each line is chrome, a share bar's
    or menu's word or a bare number; one at least is chrome or a word, and there are three
    lines or a line of chrome ("Share"): two words alone ("Like" over "Send") may be a
    list's."""
    content = block.content.strip()
    if "\n" not in content or len(content) > _BAR_LINES * 40:
        return False
    lines = content.split("\n")
    held = [lexicon.holds(line) for line in lines]
    words = [lexicon.bar_word(line) for line in lines]
    counts = [_COUNT.fullmatch(plain_line(line)) is not None for line in lines]
    return all(any(kinds) for kinds in zip(held, words, counts, strict=True)) \
        and (any(held) or (len(lines) >= _BAR_LINES and any(words)))


def _signature(block: Block) -> bool:
    """An email's signature block, under its delimiter: "--" on a line of its own, then the
    sender's name, job, phone and address."""
    first, newline, rest = block.content.partition("\n")
    return bool(newline) and first.strip() == "--" and bool(rest.strip())


def _email_header(block: Block, lexicon: ChromeLexicon) -> bool:
    """A paragraph that is an email's header, forwarded or quoted: a line of it chrome ("----
    Forwarded message ----", "From: Paul Reyes <preyes@...>", "Sent: Tuesday, March 11, 2025
    4:12 PM") and two lines or more opening on a header's field ("Date:", "Subject:")."""
    content = block.content
    if "\n" not in content or ":" not in content \
            or lexicon.header_lines.search(content) is None:
        return False
    lines = content.split("\n")
    return sum(map(lexicon.header_field, lines)) >= 2 and any(map(lexicon.holds, lines))


_PAGE_COUNT = re.compile(r"Page \d{1,4} of \d{1,4}\s*$")
_PAGE_COUNT_APART = re.compile(r"(?:\s\s|\t|\s[|•·∙—–-]\s)$")


def _page_header(line: str) -> bool:
    """A document's header or footer ending in its page count, set off by spaces, a tab or a
    bar ("Caring for Aging Parents — DRAFT v3       Page 1 of 4"); not "the chart on page 2
    of 4". What stands before the count is tested apart: a pattern that opens on a run of
    spaces tries it from each of them."""
    if "Page " not in line:
        return False
    count = _PAGE_COUNT.search(line)
    return count is not None and _PAGE_COUNT_APART.search(line, 0, count.start()) is not None
_FOLIO = re.compile(r"^(?:(?P<before>\d{1,3})\s+)?(?P<text>.*?)(?:\s+(?P<after>\d{1,3}))?$")
"""A line that is a page number, or a running head with its page number before or after it
("4 Lakeshore Health Guide", "Understanding Type 2 Diabetes 3")."""
_FOLIO_WORDS = 6
_BROKEN_WORD = re.compile(r"(?<=[^\W\d_]{2})-\n[ \t]*(?P<rest>[a-z]+)")
"""A word broken at a line's end, its hyphen left ("hor-" over "mone"): Markdown joins the
lines with a space, so "hor- mone" prints."""


def _mid_sentence(text: str) -> bool:
    """A paragraph that stops on a word or a comma: its sentence runs on (not "...:", a
    lead-in)."""
    text = text.rstrip().removesuffix(",")
    return text[-1:].isalpha()

_LIGATURE = re.compile("[\ufb00-\ufb06]")
"""Latin ligature characters (ﬀ ﬁ ﬂ ﬃ ﬄ ﬅ ﬆ), as a copy from a PDF gives them."""


def _folio(line: str, titles: tuple[str, ...], cut: bool) -> bool:
    """A page's furniture as a PDF copy leaves it in the text: a running head, the article's
    or the publication's title (`titles`, as `plain_line` gives them) with a page number; or,
    where it stands between a sentence and its continuation (`cut`), a bare page number or a
    few Title-Case words with one ("4 Lakeshore Health Guide")."""
    if _DASHED_FOLIO.fullmatch(line.strip()):
        return True
    text = plain_line(line, fold=False)
    if text.isdigit():
        return cut and len(text) <= _FOLIO_DIGITS
    match = _FOLIO.match(text) if len(text) <= _FOLIO_CHARACTERS else None
    if match is None or not (match["before"] or match["after"]) \
            or (match["before"] and match["after"]):
        return False
    words = match["text"].split()
    if match["text"].casefold() in titles:
        return True
    return cut and len(words) <= _FOLIO_WORDS and all(
        word[0].isupper() or word in _FOLIO_MINOR for word in words)


def is_page_furniture(line: str, article: Article, ctx: Context) -> bool:
    """A line of Markdown that is a page's header, or the article's or the publication's
    title with a page number: a running head, wherever it stands."""
    return _page_header(line) or (_DIGIT.search(line) is not None
                                  and _folio(line, _titles(article, ctx), False))


def _titles(article: Article, ctx: Context) -> tuple[str, ...]:
    """The article's and the publication's titles, as `plain_line` gives them."""
    return tuple(title for title in (plain_line(article.meta.title) if article.meta else "",
                                     plain_line(ctx.settings.site.title)) if title)


_DASHED_FOLIO = re.compile(r"[-–—]\s?\d{1,3}\s?[-–—]")
"""A page number between dashes ("—2—", "- 14 -"), wherever it stands."""
_DASHED_FOLIO_LINE = re.compile(r"^[ \t]*[-–—] ?\d{1,3} ?[-–—][ \t]*$", re.MULTILINE)
_FOLIO_CHARACTERS = 100
_FOLIO_DIGITS = 3
_FOLIO_MINOR = frozenset({"a", "an", "and", "of", "the", "for", "in", "on", "to", "&"})


def _pdf_debris(article: Article, ctx: Context, found: list[Block]) -> Iterator[Hit]:
    """What a copy from a PDF or a word processor leaves in the text: the page's furniture
    (a running head, a page number, "Page 2 of 5"), a word broken at a line's end with its
    hyphen, ligature characters."""
    titles = _titles(article, ctx)
    # What the article holds at all, found once: most hold none of it.
    body = article.body
    ligatures = _LIGATURE.search(body) is not None
    counts = "Page " in body
    dashed = _DASHED_FOLIO_LINE.search(body) is not None
    lowered = body.lower()
    titled = tuple(title for title in titles if title in lowered)
    broken = "-\n" in body
    paragraphs = [block for block in found if block.kind == "paragraph"]
    for previous, block, following in zip([None, *paragraphs], paragraphs,
                                          [*paragraphs[1:], None], strict=False):
        content = block.content
        # Most paragraphs hold no furniture: their lines are read only where a test of the
        # whole paragraph finds where some may stand (a short line alone may be one).
        short = len(content) <= _FOLIO_CHARACTERS and "\n" not in content.strip()
        furnished = short or (counts and "Page " in content) \
            or (dashed and _DASHED_FOLIO_LINE.search(content)) \
            or (titled and _DIGIT.search(content)
                and any(title in content.lower() for title in titled))
        # Set apart between a sentence and its continuation ("... your weight", "4 Lakeshore
        # Health Guide", "and any other ..."): a page broke there.
        cut = short and previous is not None and following is not None \
            and not (block.nested or previous.nested or following.nested) \
            and _mid_sentence(previous.text) \
            and following.text.lstrip()[:1].islower()
        for offset, line in block.lines() if furnished else ():
            if _page_header(line) or (
                    _DIGIT.search(line) and _folio(line, titles, cut)):
                yield _line_hit(article, block, offset, line,
                                f"a page's running head or number in the body: "
                                f"'{line.strip()}'",
                                "Delete the line, and join the paragraphs around it: the "
                                "sentence runs on across it." if cut else
                                "Delete the line: it is the furniture of the page it was "
                                "copied from.")
        if broken and "-\n" in content:
            for split in _BROKEN_WORD.finditer(without_code(content)):
                if split["rest"] in _SUSPENDED:
                    continue  # "pre-" over "and post-operative": a hyphen left on purpose
                start = max(content.rfind(" ", 0, split.start()),
                            content.rfind("\n", 0, split.start())) + 1
                word = content[start:split.start()]
                yield Hit(f"a word broken at a line's end with its hyphen: '{word}-' and "
                          f"'{split['rest']}' print as '{word}- {split['rest']}'",
                          *block.span(article, start, split.end() - start),
                          hint=f"Join the word ('{word}{split['rest']}'); keep the hyphen "
                               "only if the word has one ('well-known'), and join the lines.")
        ligature = _LIGATURE.search(content) if ligatures else None
        if ligature is not None:
            count = len(_LIGATURE.findall(content))
            more = f" ({count} in this paragraph)" if count > 1 else ""
            yield Hit(f"a ligature character from a PDF: '{ligature.group()}'{more}",
                      *block.span(article, ligature.start(), 1),
                      hint="Retype it as its letters ('fi', 'fl'): search, spell-checking and "
                           "screen readers do not read ligature characters, and the print "
                           "font may lack them.")


_SUSPENDED = frozenset({"and", "or", "nor", "to", "through", "versus", "vs"})
"""Words after a hyphen that leave it on purpose: "short- and long-term", "pre- or post-"."""


_ITEM_TO_ITEM = ["paragraph_close", "list_item_close", "list_item_open", "paragraph_open"]
"""The tokens from one item's paragraph to the next's, in one list."""
_LIST_OPENS = ("bullet_list_open", "ordered_list_open")
_BAR_WORDS = 3
"""The most words of a share bar's or a menu's item ("update your preferences")."""


def _list_runs(article: Article, found: list[Block]) -> Iterator[list[int]]:
    """The lists of two items or more, each as its items' numbers in `found` (an item of one
    paragraph, in a list holding no other list)."""
    tokens = article.tokens
    run: list[int] = []
    for number, block in enumerate(found):
        if block.kind != "paragraph" or not block.in_list:
            continue
        if run and block.index - found[run[-1]].index == len(_ITEM_TO_ITEM) + 1 \
                and [t.type for t in tokens[found[run[-1]].index + 2:block.index + 1]] \
                == _ITEM_TO_ITEM:
            run.append(number)
            continue
        if len(run) > 1:
            yield run
        run = [number]
    if len(run) > 1:
        yield run


def _list_items(article: Article, found: list[Block], lexicon: ChromeLexicon,
                ) -> dict[int, bool]:
    """By number in `found`, the items of lists of one-line items: True for a share bar or
    menu written as a list ("Share this:" over "- Twitter", "- Facebook", "- Email"; "- Home",
    "- Search", "- Sign in"), every item chrome; False for a list of the article's, where a
    word that is chrome on a line of its own is a value ("Reach the clinic by:" over "- Phone",
    "- Email"; "## Where teens spend time" over "- Facebook")."""
    verdicts: dict[int, bool] = {}
    if not any(block.in_list for block in found):
        return verdicts
    tokens = article.tokens
    for run in _list_runs(article, found):
        lines = [found[number].content.strip() for number in run]
        if any("\n" in line for line in lines) \
                or all(line.count(" ") >= _BAR_WORDS for line in lines):
            continue  # no item a share bar's word: each is chrome or not on its own
        first = found[run[0]]
        label = found[run[0] - 1] if run[0] and tokens[first.index - 2].type in _LIST_OPENS \
            and found[run[0] - 1].index + 5 == first.index else None
        chrome = [lexicon.holds(line) for line in lines]
        words = all(lexicon.bar_word(line) or held for line, held in zip(lines, chrome,
                                                                         strict=True))
        if label is not None and lexicon.holds(label.content):
            shares = words
        elif label is not None and (label.kind == "heading" or label.text.rstrip().endswith(":")):
            shares = False  # the article's list, under its heading or lead-in
        else:
            shares = all(chrome) or (words and any(chrome))
        for number in run:
            verdicts[number] = shares
    return verdicts


_CONTINUED = re.compile(r"[^\s.!?:…]\s*$")
"""A line that does not end a sentence or a label: a lower-case line after it goes on with its
sentence."""

_SECTION_WORDS = 20
"""Words of prose under a heading that make it a section's heading, not a scraped widget's
("Subscribe" over "Get stories in your inbox." and an "Email address" field)."""


def _heads_prose(following: list[Block], lexicon: ChromeLexicon) -> bool:
    """The next block is a paragraph of two or more sentences and some length, with no line
    of chrome."""
    if not following or following[0].kind != "paragraph":
        return False
    paragraph = following[0]
    text = paragraph.text
    return (len(text.split()) >= _SECTION_WORDS and len(_SENTENCE_END.findall(text)) >= 2
            and not any(lexicon.holds(line) for _, line in paragraph.lines()))


_SENTENCE_END = re.compile(r"[.!?](?:\s|$)")


def _line_hit(article: Article, block: Block, offset: int, line: str, message: str,
              hint: str) -> Hit:
    start = offset + len(line) - len(line.lstrip())
    return Hit(message, *block.span(article, start, len(line.strip())), hint=hint)


_MENU_ITEMS = 4
_PROSE_MARK = re.compile(r"[,.;:!?\"“”()]")


@dataclass(frozen=True)
class ChromeLexicon:
    """What TXT001 knows of site chrome: whole lines, line patterns, share-bar words."""

    lines: frozenset[str]
    patterns: re.Pattern[str]
    share_words: frozenset[str]
    menu_words: frozenset[str]
    menu_connectors: frozenset[str]
    header_fields: re.Pattern[str]
    """A line opening on an email header's field: "Date: ...", "Subject: ..."."""
    header_lines: re.Pattern[str]
    """`header_fields` at the start of any line of a paragraph's Markdown: one search."""

    def holds(self, line: str) -> bool:
        """Whether a line of Markdown is site chrome."""
        text = plain_line(line)
        if not text:
            return False
        if text in self.lines or self.patterns.fullmatch(text):
            return True
        if "#" in line and _HASHTAGS.fullmatch(line.strip()):
            return True
        # plain_line leaves no run of white space: parts need one of | • · ∙ / between them.
        if not _SHARE_BAR_MARK.search(text):
            return self._menu(text)
        parts = [p for p in _SHARE_BAR_SEPARATOR.split(text) if p]
        return len(parts) > 1 and all(p in self.share_words or p in self.menu_words
                                      or p in self.lines or self.patterns.fullmatch(p)
                                      for p in parts)

    def header_field(self, line: str) -> bool:
        """Whether a line of Markdown opens on an email header's field ("Subject: ...")."""
        return self.header_fields.match(plain_line(line)) is not None

    def bar_word(self, line: str) -> bool:
        """Whether a line of Markdown is one word of a share bar or a site's menu ("Twitter",
        "Email", "About")."""
        text = plain_line(line)
        return text in self.share_words or text in self.menu_words

    def _menu(self, text: str) -> bool:
        """A menu's links in a line, apart by spaces ("help status about careers press blog
        privacy terms text to speech"): four menu words or more, a word in four at most of
        another kind, and no punctuation a sentence would have."""
        words = text.split()
        if len(words) < _MENU_ITEMS or _PROSE_MARK.search(text):
            return False
        items = sum(word in self.menu_words for word in words)
        others = sum(word not in self.menu_words and word not in self.menu_connectors
                     for word in words)
        return items >= _MENU_ITEMS and others <= len(words) // 4


_ESCAPE = re.compile(r"\\.")
_CAPITAL = re.compile(r"[A-Z]")


@memo
def chrome_lexicon(ctx: Context) -> ChromeLexicon:
    lexicon = ctx.lexicon("hygiene")
    # The patterns read `plain_line`'s folded text: written in lower case, they need no
    # IGNORECASE, which slows each of the many alternatives tried on every line.
    upper = any(_CAPITAL.search(_ESCAPE.sub("", str(p))) for p in lexicon["chrome_patterns"])
    return ChromeLexicon(frozenset(lexicon["chrome_lines"]),
                         lexicon_pattern(ctx, "hygiene", "chrome_patterns",
                                         flags=re.IGNORECASE if upper else 0),
                         frozenset(lexicon["share_bar_words"]),
                         frozenset(str(w) for w in lexicon["menu_words"]),
                         frozenset(str(w) for w in lexicon["menu_connectors"]),
                         re.compile(rf"{words_pattern(lexicon['email_header_fields'])}: "),
                         re.compile(rf"^[ \t>*_]*{words_pattern(lexicon['email_header_fields'])}"
                                    r"[*_]*:", re.IGNORECASE | re.MULTILINE))


def _masthead(line: str, ctx: Context, site_title: str) -> bool:
    """A short Title-Case line ending in a publication word ("... Magazine"), or the site's
    own name (`site_title`, as `plain_line` gives it)."""
    words = line.split()
    title_case = all(w[0].isupper() or not w[0].isalpha() for w in words)
    return (title_case and 1 <= len(words) <= 6
            and words[-1].casefold() in ctx.lexicon("hygiene")["masthead_words"]) \
        or line.casefold() == site_title


def is_masthead(line: str, ctx: Context) -> bool:
    """A line of Markdown that names a publication: "Natural Awakenings Milwaukee Magazine"."""
    return _masthead(plain_line(line, fold=False), ctx, plain_line(ctx.settings.site.title))


# A line "ends in a word, comma or semicolon and then only non-word characters" exactly when
# it holds one: everything after the last is non-word. Searching for one stops at the first.
_UNFINISHED = re.compile(r"[\w,;]")
_FINISHED = re.compile(r"\d{1,2}:\d{2}|[.!?]$")


def _standalone_lines(block: Block) -> Iterator[tuple[int, str]]:
    """Lines that start a block or follow a finished line: where scraped metadata sits, as
    opposed to the wrapped middle of a sentence."""
    previous = ""
    for offset, line in block.lines():
        if not previous or not _UNFINISHED.search(previous) \
                or _FINISHED.search(previous.strip()):
            yield offset, line
        previous = line


_LEADING_ASSERTION = re.compile(r"\\b|\(\?<[=!][^()]*\)")


def _quick_test(pattern: str) -> str:
    """The pattern without the \\b or lookbehind it starts with: it matches wherever the
    pattern does, and the regex engine can skip ahead to its first character instead of
    testing the assertion at every one."""
    while leading := _LEADING_ASSERTION.match(pattern):
        pattern = pattern[leading.end():]
    return pattern


@lru_cache(maxsize=4)
def _quick_tested(patterns: tuple[str, ...]) -> list[tuple[re.Pattern[str], re.Pattern[str]]]:
    """(quick test, pattern) of each pattern: searched one by one, each only where its quick
    test matches, they find a match where their alternation would, without testing a leading
    \\b at every character of every line."""
    return [(re.compile(_quick_test(pattern)), re.compile(pattern)) for pattern in patterns]


def _job(ctx: Context) -> str:
    jobs = "|".join(re.escape(str(job)) for job in ctx.lexicon("hygiene")["byline_jobs"])
    return f"(?i:(?:{jobs})s?)"


@memo
def _byline_patterns(ctx: Context) -> tuple[str, ...]:
    """The byline patterns, each `{role}` written out from the lexicon's jobs and credentials."""
    lexicon = ctx.lexicon("hygiene")
    credential = "(?:" + "|".join(re.escape(str(c)) for c in lexicon["byline_credentials"]) + ")"
    role = rf"(?:(?:[\w-]+\s+){{0,3}}{_job(ctx)}|{credential}(?:\s*,\s*{credential})*)"
    return tuple(str(p).replace("{role}", role) for p in lexicon["byline_patterns"])


_MONTH = r"(?i:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*"


@memo
def _wire_datelines(ctx: Context) -> re.Pattern[str]:
    """The wire-service datelines, each `{places}`, `{labels}`, `{agencies}` and `{month}`
    written out from the lexicon, matched with case."""
    lexicon = ctx.lexicon("hygiene")
    lists = {key: "|".join(re.escape(str(word)) for word in lexicon[name])
             for key, name in (("{places}", "wire_dateline_places"),
                               ("{labels}", "wire_dateline_labels"),
                               ("{agencies}", "wire_agencies"))}
    patterns = []
    for pattern in lexicon["wire_datelines"]:
        for key, words in lists.items():
            pattern = pattern.replace(key, words)
        patterns.append(f"(?:{pattern.replace('{month}', _MONTH)})")
    return re.compile("|".join(patterns))


def _dateline(text: str, datelines: re.Pattern[str], separators: re.Pattern[str]) -> bool:
    """A line that opens with a date and is short, or holds beside the date only the short
    parts sites print there, or other dates, set off by bars or bullets ("by admin | 4 min
    read | 12 comments", "Published 8:05 a.m. CT April 9, 2025 | Updated 11:40 a.m. CT April
    9, 2025"): a sentence that starts with a date runs on past ten words, or past a few after
    a separator."""
    if not datelines.match(text):
        return False
    if len(text.split()) <= 10:
        return True
    first, *others = separators.split(text)
    return len(first.split()) <= 10 and all(len(part.split()) <= 4 or datelines.match(part)
                                            for part in others)


@dataclass(frozen=True)
class _Metadata:
    """What TXT002 knows of an article's scraped metadata."""

    bylines: list[tuple[re.Pattern[str], re.Pattern[str]]]
    datelines: re.Pattern[str]
    separators: re.Pattern[str]
    listing: re.Pattern[str] | None
    """In a listing (a calendar), whose dates are its content, the words a dateline needs."""
    job_line: re.Pattern[str]
    """A paragraph that is only a writer's job: "Staff Writer"."""
    authors: frozenset[str]
    """The front matter's writers, as `plain_line` gives them."""

    def byline(self, text: str) -> bool:
        """Whether a line (as `plain_line` gives it, in its case) is a dateline or byline, or
        a byline with what sites print beside it, set off by bars, bullets or dashes ("By
        Priya Nandakumar, RDN | March 3, 2025 | 5 min read", "Medically reviewed by Alan
        Ruiz, MD — Written by Priya Nandakumar — Updated on March 1, 2025")."""
        if self._part(text):
            return True
        if len(text) > _BYLINE_CHARACTERS or not _SEPARATOR_MARK.search(text):
            return False
        # Another part a byline or date too: "By Monday — two days later — the fever had
        # broken" is a sentence.
        first, *others = self.separators.split(text)
        found = [self._part(part) for part in others]
        return any(found) and self._part(first) and all(
            held or len(part.split()) <= _SHORT_PART for part, held in zip(others, found,
                                                                          strict=True))

    def _part(self, text: str) -> bool:
        return any(quick.search(text) and pattern.search(text) for quick, pattern in self.bylines) \
            or (_dateline(text, self.datelines, self.separators)
                and (self.listing is None or self.listing.search(text) is not None))


_SEPARATOR_MARK = re.compile("[|•·●—–]")
"""A character of the lexicon's `dateline_separators`: a line without one has one part."""
_BYLINE_CHARACTERS = 200
_SHORT_PART = 4
"""Words of what sites print beside a byline or date: "5 min read", "12 comments"."""


@memo
def _metadata(article: Article, ctx: Context) -> _Metadata:
    meta = article.meta
    lexicon = ctx.lexicon("hygiene")
    return _Metadata(_quick_tested(_byline_patterns(ctx)),
                     lexicon_pattern(ctx, "hygiene", "dateline_patterns"),
                     re.compile(lexicon["dateline_separators"]),
                     re.compile(words_pattern(lexicon["listing_dateline_words"]), re.IGNORECASE)
                     if ctx.settings.listing(meta.kind if meta else None) else None,
                     re.compile(lexicon["byline_job_line"].replace("{job}", _job(ctx))),
                     frozenset(plain_line(name) for name in meta.authors) if meta else frozenset())


def is_scraped_metadata(line: str, article: Article, ctx: Context) -> bool:
    """A line of Markdown that TXT002 reports where it stands alone: a dateline, a byline, a
    writer's name or job, a masthead."""
    text = plain_line(line, fold=False)
    found = _metadata(article, ctx)
    return bool(text) and (found.byline(text) or text.casefold() in found.authors
                           or found.job_line.match(text) is not None or is_masthead(line, ctx)
                           or (text[0] == "@" and _HANDLE.fullmatch(text) is not None))


_HANDLE = re.compile(r"@[\w.]{2,30}")
"""A social-media handle, as a byline gives it under the writer's name ("@benortega")."""
_BYLINE_WORDS = 6
"""Words of a line of a byline set on two lines: a name, a job, a date."""
_TEXT_WORDS = 6
"""A paragraph of this many words that ends a sentence is the article's text, not its header."""


@rule(
    "TXT002", "scraped-metadata", "warning",
    why="A dateline, byline or masthead typed into the body prints twice (the layout sets them "
        "from front matter) and escapes the byline and date checks (HONcode 4 asks for a "
        "machine-checkable date).",
    example="Oct 01, 2022 12:00AM ● By Natural Awakenings Milwaukee",
    fix="Delete the line; put the date in `date:` and the writers in `authors:`.",
)
def scraped_metadata(article: Article, ctx: Context) -> Iterator[Hit]:
    """A dateline, byline, masthead or the repeated headline as a line of body text, or a
    wire service's dateline opening a paragraph ("MILWAUKEE (AP) — ...")."""
    found = _metadata(article, ctx)
    wire = _wire_datelines(ctx)
    title = plain_line(article.meta.title) if article.meta else None
    site_title = plain_line(ctx.settings.site.title)
    started = False  # a paragraph of the article's text has come: a name alone is a sign-off
    for block in prose(article):
        if block.nested:
            continue
        first, *rest = block.content.split("\n")
        lines = [plain_line(line, fold=False) for line in [first, *rest[:1]]]
        if block.kind == "paragraph" and len(lines) > 1 \
                and all(len(line.split()) <= _BYLINE_WORDS for line in lines) \
                and (found.byline(" | ".join(lines)) or (
                    lines[0].casefold() in found.authors and _HANDLE.fullmatch(lines[1]))):
            # A byline set on two short lines: "Jane Doe" over "Staff Writer" or "@janedoe".
            yield _line_hit(article, block, 0, first, f"a byline in the body: '{first.strip()}'",
                            "Delete the lines: the layout prints the byline from the front "
                            "matter.")
            continue
        for offset, line in _standalone_lines(block):
            text = plain_line(line, fold=False)
            if not text:
                continue
            if found.byline(text):
                what = "a dateline or byline"
            elif block.kind == "paragraph" and (found.job_line.match(text) or (
                    not started and text.casefold() in found.authors)):
                what = "a byline"
            elif block.kind == "paragraph" and line.strip() == line.strip().rstrip(".,;:!?") \
                    and _masthead(text, ctx, site_title):
                what = "a masthead"
            elif block.kind == "paragraph" and text.casefold() == title:
                what = "the headline repeated"
            elif offset == 0 and (dateline := wire.match(line)):
                shown = dateline.group(0).strip()
                yield _line_hit(article, block, 0, dateline.group(0),
                                f"a wire-service dateline in the body: '{shown}'",
                                "Delete the dateline: the magazine prints no place and agency "
                                "before its text.")
                continue
            else:
                continue
            yield _line_hit(article, block, offset, line, f"{what} in the body: '{line.strip()}'",
                            "Delete the line: the layout prints the title, byline and date "
                            "from the front matter.")
        started = started or (block.kind == "paragraph" and len(block.text.split()) >= _TEXT_WORDS
                              and _TERMINAL.search(block.text) is not None)


def _last_paragraph(article: Article, ctx: Context) -> Block | None:
    """The last paragraph of the text: not a reference list, nor a paragraph of scrape debris
    after the text ("Continue reading →", "Written by ..."), which TXT001 and TXT002 report;
    the text ends above it, perhaps cut where the page put its link. (A list of dates is the
    text's.)"""
    lexicon = chrome_lexicon(ctx)
    for block in reversed(prose(article)):
        if block.kind == "paragraph" and block.text.strip() \
                and not reference_section(ctx, block.section) \
                and (block.nested or not all(
                    lexicon.holds(line) or is_scraped_metadata(line, article, ctx)
                    for _, line in block.lines() if line.strip())):
            return block
    return None


_ELLIPSIS = re.compile(r"\[?(?:…|\.\s?\.\s?\.)\]?$")
"""An ellipsis ending the text, perhaps in brackets ("[…]"): where a teaser or an excerpt stops."""
_ADDRESS = re.compile(
    r"https?://|www\.|(?<![\w-])[\w-]++\.(?:com|org|net|gov|edu|us|info|health|example)\b",
    re.IGNORECASE)
_ENDS_WITH_NUMBER = re.compile(r"\d{3}[\s.)-]*\d{4}(?:\s*(?:x|ext\.?)\s*\d+)?$", re.IGNORECASE)
"""A paragraph whose last word holds a web address, or that ends with a phone number ("Trail
maps: https://parks.example/trails", "Call the office at 414-555-0117"): what it points to is
there, whatever the punctuation."""
_CREDIT = re.compile(r"(?<=[.!?…\"”’)])\s*[—–]\s*[A-Z][^—–]{0,80}$")
"""A quotation's credit after its closing punctuation ("... feet.” — Thich Nhat Hanh")."""


_CLOSING_CHARACTERS = 40
"""The longest closing wish or end mark of the lexicon's `closings`, and then some."""
_DASH_LED = re.compile(r"^(?:[—–―]|--?\s)\s*([\w’'-]+)")
"""A credit line under a poem or a quotation: "— from “Lake Evening,” by Mara Lind", "—
Rumi"; its first word is a name or one of the lexicon's `credit_words`."""
_CREDIT_WORDS = 12
_LABEL = re.compile(r"^[\w’'-]+(?: [\w’'-]+){0,2}:\s")
"""A label opening a line of data: "Prep time: 10 minutes", "Per serving: 210 calories"."""
_DATA_WORDS = 12
_DATA_LINE_WORDS = 4
"""A line of a few words with a number and no comma is data ("Serves 4", "Makes 12
muffins"), not the start of a sentence ("In 2019, researchers")."""
_DIGIT = re.compile(r"\d")
_YEAR = re.compile(r"\b(?:1[89]|20)\d\d\b")
_VERSE_LINES = 3
_FILLED_LINES = 2
_VERSE_WIDTH = 50
"""A paragraph of three lines or more, none longer than this, is verse: a poem or a chant
breaks its lines where the poet did, not where a sentence ends."""


def _complete_without_stop(text: str, content: str, ctx: Context) -> bool:
    """A last paragraph that ends without a full stop but is whole: a letter's sign-off, a
    credited quotation or poem, a web address or phone number to end on, a line of data
    ("Serves 4", "Prep time: 10 minutes"), a note in parentheses, or a stanza of verse. The
    address or number is looked for in the last words only: searched for at the end of the
    text, from each "www." of a long run of them, the search ran to its end."""
    words = text.split()
    return _sign_off(text) or bool(words and (
        _ADDRESS.search(words[-1]) or _ENDS_WITH_NUMBER.search(" ".join(words[-6:])))) or (
        _CREDIT.search(text) is not None and len(_CREDIT.sub("", text).split()) > 1) \
        or (len(words) <= _CREDIT_WORDS and _credit_line(text, ctx)) \
        or _data_line(text, len(words)) or _parenthesis(text) or _verse(content, ctx)


def _data_line(text: str, words: int) -> bool:
    """A line of data: a few words with a number ("Serves 4"), or a label and its values
    ("Prep time: 10 minutes")."""
    return words <= _DATA_WORDS and _DIGIT.search(text) is not None and (
        (words <= _DATA_LINE_WORDS and "," not in text) or _LABEL.match(text) is not None)


def _parenthesis(text: str) -> bool:
    """A note in parentheses ("(Source: CDC)"), or a citation's parenthesis ending the text
    ("... by Jane Doe (Lakeshore Press, 2023)")."""
    if not text.endswith(")"):
        return False
    return text.startswith("(") or _YEAR.search(text, text.rfind("(") + 1) is not None


def _credit_line(text: str, ctx: Context) -> bool:
    led = _DASH_LED.match(text)
    return led is not None and (led.group(1)[0].isupper() or led.group(1).casefold()
                                in ctx.lexicon("hygiene")["credit_words"])


def _verse(content: str, ctx: Context) -> bool:
    """Short lines, not prose filled into a narrow column (a copy of a PDF's): there a word
    breaks at a line's end with its hyphen, or lines end on a function word ("... can fill
    the" over "gap ..."), where verse rarely breaks."""
    lines = content.split("\n")
    if len(lines) < _VERSE_LINES or not all(
            0 < len(plain_line(line, fold=False)) <= _VERSE_WIDTH for line in lines):
        return False
    if _BROKEN_WORD.search(content):
        return False
    dangling = set(ctx.lexicon("hygiene")["dangling_words"])
    ends = [_last_word(line) for line in lines[:-1]]
    return sum(end is not None and end.group(1).casefold() in dangling
               for end in ends) < _FILLED_LINES


def _sign_off(text: str) -> bool:
    """A closing name ("Cheers, Ryan", "— Jane Writer", "Until next time, Nora"): a letter's
    signature, not a cut."""
    words = re.sub(r"^[—–-]\s*", "", text).split()
    if len(words) <= 5 and all(w[0].isupper() or w.endswith(",") for w in words):
        return True
    # "Until next time, Nora", "With thanks, Dr. Anne Meyers": a closing, then the name.
    closing, comma, name = text.rpartition(",")
    names = name.split()
    return bool(comma) and len(closing.split()) <= 5 and 1 <= len(names) <= 4 \
        and all(w[0].isupper() for w in names)


@rule(
    "TXT003", "truncated-ending", "error",
    why="An article that stops mid-sentence was cut off in a copy, paste or scrape; readers "
        "lose the end (often the call to action or a caveat) and the magazine looks careless.",
    example="For more information, call Welltopia Pharmacy at 262-429-9429 or visit",
    fix="Restore the missing text from the source and end the last sentence.",
)
def truncated_ending(article: Article, ctx: Context) -> Iterator[Hit]:
    """The last paragraph stops mid-sentence: no closing punctuation, or a dangling word."""
    block = _last_paragraph(article, ctx)
    if block is None:
        return
    text = block.text.rstrip()
    if len(text) <= _CLOSING_CHARACTERS and plain_line(text) in ctx.lexicon("hygiene")["closings"]:
        return  # a closing wish ("Happy cooking") or a press release's end mark ("-30-")
    word = _last_word(text)
    # A word alone ("- Email" ending a list of apps) is a value, not a sentence left open.
    dangling = word is not None and word.start(1) > 0 and word.group(1).casefold() in set(
        ctx.lexicon("hygiene")["dangling_words"]) and not _TERMINAL.search(text)
    ends_open = text.endswith((",", ";", ":", "—", "–", "-"))
    if not dangling and not ends_open and _complete_without_stop(text, block.content, ctx):
        return
    # A teaser's ellipsis ("... while they…", "[…]") cuts the text wherever it stands.
    cut = _ELLIPSIS.search(text) is not None
    # List items often end without a full stop; they are truncated only when plainly cut.
    if not cut and (_TERMINAL.search(text) or (block.in_list and not dangling
                                               and not ends_open)):
        return
    if _debris(article, ctx, block):
        return  # TXT001 or TXT002 reports the line, with the right advice: delete it
    content = block.content.rstrip()
    start = _cut_at(content, cut)
    shown = text[-40:]
    yield Hit(
        f"the article ends mid-sentence: '…{shown}'",
        *block.span(article, start, len(content) - start),
        hint="Restore the missing text from the source and finish the sentence.",
    )


_SOURCE_ELLIPSIS = re.compile(r"\[?(?:…|\.\s?\.\s?\.|&hellip;|&#0*8230;|&#x0*2026;)\]?$",
                              re.IGNORECASE)
"""`_ELLIPSIS` as the Markdown source may write it: "[&hellip;]" is "[…]" in the text."""
_ENTITY = re.compile(r"&(?:#\d{1,7}|#x[\da-f]{1,6}|[a-z][a-z\d]{1,31});", re.IGNORECASE)


def _cut_at(content: str, cut: bool) -> int:
    """Where in the paragraph's Markdown the cut is shown: at the ellipsis that marks it, or
    at the last word (not the name of an entity: "&amp;" ends on "&", not on "amp")."""
    ellipsis = _SOURCE_ELLIPSIS.search(content) if cut else None
    if ellipsis is not None:
        return ellipsis.start()
    if "&" in content:
        content = _ENTITY.sub(lambda entity: "&" + " " * (len(entity.group(0)) - 1), content)
    last = _last_word(content)
    return last.start(1) if last else max(len(content.rstrip()) - 1, 0)


def _debris(article: Article, ctx: Context, block: Block) -> bool:
    """Whether the block's last line is site chrome (TXT001) or a dateline or byline (TXT002):
    scrape debris, not the end of a cut sentence. Asked only of a paragraph about to be
    reported, so the two rules run again only then."""
    last = block.position(article, len(block.content.rstrip()) - 1).line
    return any(hit.position.line == last for found in (site_chrome.function(article, ctx),
                                                       scraped_metadata.function(article, ctx))
               for hit in found)


@dataclass(frozen=True)
class _Placeholder:
    pattern: re.Pattern[str]
    quick: re.Pattern[str]
    """Matches wherever `pattern` does, found faster (`_quick_test`)."""
    folded: bool
    """`quick` reads the `caseless` text."""
    needs: tuple[str, ...]
    """Words of which the caseless text holds one wherever `pattern` matches (from the
    lexicon): a pattern opening on a class ("[Xx]") or an alternation is only tried then."""
    name: str
    hint: str
    """What to do about it: write the text to come, or resolve a reviewer's comment."""


_PLACEHOLDER_HINT = "Write the missing text, or cut the sentence."


@memo
def _placeholder_patterns(ctx: Context) -> list[_Placeholder]:
    """Each placeholder's pattern and quick tests. A case-insensitive pattern in lower-case
    ASCII is tested on the caseless text without IGNORECASE: the same matches, found by
    skipping ahead to its first letters (so is one holding only letters without case beyond
    ASCII, such as ’)."""
    found = []
    for entry in ctx.lexicon("hygiene")["placeholders"]:
        pattern, case = str(entry["pattern"]), bool(entry.get("case", False))
        flag = 0 if case else re.IGNORECASE
        folded = not case and pattern == pattern.lower() and all(
            char.isascii() or char.lower() == char.upper() for char in pattern)
        quick = re.compile(_quick_test(pattern), 0 if folded else flag)
        found.append(_Placeholder(re.compile(pattern, flag), quick, folded,
                                  tuple(str(word) for word in entry.get("needs", ())),
                                  str(entry["name"]), str(entry.get("hint", _PLACEHOLDER_HINT))))
    return found


def _present(patterns: list[_Placeholder], text: str) -> list[_Placeholder]:
    """The placeholders whose quick tests match somewhere in the text: the article's
    paragraphs, joined by blank lines. Most articles hold none, and a search of the whole
    article costs less than one of each paragraph; only these are then tried paragraph by
    paragraph. A placeholder with words it `needs` is kept where the article holds one: its
    search is left to the paragraphs that hold one."""
    lowered = caseless(text)
    return [placeholder for placeholder in patterns
            if (any(word in lowered for word in placeholder.needs) if placeholder.needs
                else placeholder.quick.search(lowered if placeholder.folded else text))]


@rule(
    "TXT004", "placeholder", "error",
    why="'TK', 'lorem ipsum', TODO, [INSERT ...], (CITE), 'XX%' and notes to the editor mark "
        "text still to come (CMOS); printed, they are an error the whole run of the magazine "
        "carries.",
    example="The garden opens at TK on Saturdays. [INSERT QUOTE FROM DIRECTOR]",
    fix="Write the missing text, or cut the sentence.",
)
def placeholder(article: Article, ctx: Context) -> Iterator[Hit]:
    """Placeholder text left in: TK, lorem ipsum, TODO, [INSERT ...], XX%, a note to the editor."""
    blocks = [(block, without_code(block.content)) for block in text_blocks(article)]
    patterns = _present(_placeholder_patterns(ctx), "\n\n".join(text for _, text in blocks))
    for block, content in blocks if patterns else ():
        lowered = caseless(content)
        found = []
        for placeholder in patterns:
            if placeholder.needs and not any(word in lowered for word in placeholder.needs):
                continue
            if placeholder.quick.search(lowered if placeholder.folded else content):
                found += [(match, placeholder)
                          for match in placeholder.pattern.finditer(content)]
        reported = -1  # where the last placeholder reported ends: one that overlaps it is the same
        # A stand-in address a link leads to is LNK002's, with advice for the link. Its offset
        # is the address's or the "](" before it: the span takes in both and a bracket.
        targets = [(offset - 2, offset + len(href) + 2) for href, offset in
                   links(article).get(block.index, ()) if link_problem(href, ctx)] if found else []
        # At one place, the longest: "(XXX) XXX-XXXX" whole, not its "XXX".
        for match, kind in sorted(found, key=lambda pair: (pair[0].start(), -pair[0].end())):
            # "[pricing](link here)" is a link's target too, unparsed for its space.
            at = match.start()
            target = match.group(0).startswith("(") and content[at - 1:at] == "]"
            if target or match.start() < reported or any(start <= match.start() < end
                                                         for start, end in targets):
                continue
            reported = match.end()
            yield Hit(f"placeholder left in: '{match.group(0)}' ({kind.name})",
                      *block.span(article, match.start(), len(match.group(0))),
                      hint=kind.hint)


_PUNCTUATION = re.compile(r"[^\w\s]")


def _fingerprint(text: str) -> list[str]:
    """The words of a text, in lower case, punctuation dropped."""
    return _PUNCTUATION.sub(" ", text.casefold()).split()


class _DuplicateParameters(Parameters):
    min_words: int = Field(8, ge=1)
    """Paragraphs shorter than this are not compared (short lines repeat on purpose)."""
    near_words: int = Field(20, ge=1)
    """Paragraphs shorter than this are compared word for word only, not for near repeats
    (short ones differ in a word on purpose: "Free; call 414-555-0100 to register")."""
    similarity: float = Field(0.92, gt=0, le=1)
    """How alike two paragraphs' words must be (difflib's ratio) to be the same paragraph
    edited, not two paragraphs."""


@rule(
    "TXT005", "duplicate-paragraph", "warning", params=_DuplicateParameters,
    why="A paragraph pasted twice is a copy-editing slip readers notice at once; in a scrape it "
        "is often a pull quote or teaser that the page repeated. A near repeat (a word or a "
        "comma changed) is usually a revision pasted beside the original.",
    example="The same 30-word paragraph under 'Chronic Pain' and again under 'Fibromyalgia'.",
    fix="Delete the repeat, or rewrite one of them.",
)
def duplicate_paragraph(article: Article, ctx: Context) -> Iterator[Hit]:
    """A paragraph repeated word for word (ignoring case and punctuation) elsewhere, or nearly
    (outside listings, whose entries differ in a date or a place on purpose). A pull quote
    repeats the body on purpose: it is compared only with other pull quotes."""
    min_words: int = ctx.param("TXT005", "min_words")
    near_words: int = ctx.param("TXT005", "near_words")
    similarity: float = ctx.param("TXT005", "similarity")
    listing = ctx.settings.listing(article.meta.kind if article.meta else None)
    seen: dict[tuple[bool, str], tuple[Block, str]] = {}  # each paragraph, and the one before
    earlier = _Earlier(similarity)  # paragraphs long enough for near repeats
    before = ""  # the words of the last paragraph
    for block in prose(article):
        if block.kind != "paragraph" or block.in_list:
            continue
        words = _fingerprint(block.text)
        text = " ".join(words)
        previous, before = before, text
        if len(words) < min_words:
            continue
        pulled = block.in_container == "pullquote"
        key = (pulled, text)
        found = seen.get(key)
        if found is not None and (not listing or _listed_twice(block, text, previous, *found)):
            yield _repeat_hit(article, block, found[0], "repeats")
        if found is not None:
            if listing:
                seen[key] = (block, previous)  # the entry's latest date is compared next
            continue
        seen[key] = (block, previous)
        if pulled or listing or not near_words <= len(words) <= _NEAR_MOST:
            continue
        original = earlier.near_repeat(words)
        if original is None:
            earlier.add(words, block)
            continue
        yield _repeat_hit(article, block, original, "nearly repeats")


def _listed_twice(block: Block, text: str, previous: str, original: Block,
                  original_previous: str) -> bool:
    """In a listing, an event that recurs is listed under each date, and entries share a line
    ("Free; call 414-555-0100 to register."): a repeat (`text`, after `previous`) is a slip
    only under the same date (heading), and right after its original or after the same
    paragraph as it (an entry pasted twice, its name and then its details)."""
    return block.section == original.section and previous in (text, original_previous)


def _repeat_hit(article: Article, block: Block, original: Block, verb: str) -> Hit:
    """A repeat; in a quote, it may be a pull quote a web page set as a quote."""
    first = original.position(article, 0).line
    hint = "Keep one of them: they differ in only a few words." if verb == "nearly repeats" \
        else "Delete the repeat, or rewrite one of them."
    if block.in_quote or original.in_quote:
        hint = ("If it is a pull quote, set it in a '::: pullquote' box (a pull quote repeats "
                "the text on purpose); if not, delete the repeat.")
    return Hit(f"this paragraph {verb} the one on line {first}", block.position(article, 0),
               hint=hint)


_NEAR_MOST = 400
"""Longer paragraphs are compared word for word only: difflib's time grows with the product of
two lengths (a pasted wall of one repeated word took minutes)."""
_NEAR_FIRST = 50
_NEAR_LATEST = 100
"""The paragraphs later ones are compared with: the first (where a teaser repeated at the end
stands) and the latest (where a revision pasted beside its original stands). A file of
thousands of long paragraphs stays linear; an article has a few dozen."""


class _Earlier:
    """The paragraphs read so far that later ones are compared with, for `near_repeat`."""

    def __init__(self, similarity: float) -> None:
        self.similarity = similarity
        self.first: list[tuple[list[str], frozenset[str], Block]] = []
        self.latest: deque[tuple[list[str], frozenset[str], Block]] = deque(
            maxlen=_NEAR_LATEST)

    def add(self, words: list[str], block: Block) -> None:
        kept = (words, frozenset(words), block)
        if len(self.first) < _NEAR_FIRST:
            self.first.append(kept)
        else:
            self.latest.append(kept)

    def near_repeat(self, words: list[str]) -> Block | None:
        """The first earlier paragraph whose words are `similarity` alike with these.
        difflib's ratio is 2 * matched words / all words, and each paragraph matches at most
        its length less its words the other lacks: bounds that cost little, tried first."""
        similarity = self.similarity
        distinct = frozenset(words)
        length, missing = len(words), len(words) - len(distinct)  # repeated words
        for other, other_distinct, block in chain(self.first, self.latest):
            needed = similarity * (length + len(other)) / 2
            if min(length, len(other)) < needed:
                continue
            shared = len(distinct & other_distinct)  # each side less the words the other lacks
            if shared + missing < needed \
                    or len(other) - len(other_distinct) + shared < needed:
                continue
            matcher = difflib.SequenceMatcher(None, other, words, autojunk=False)
            if matcher.quick_ratio() >= similarity and matcher.ratio() >= similarity:
                return block
        return None


_OPENERS = {"(": ")", "[": "]", "“": "”"}
_CLOSERS = {v: k for k, v in _OPENERS.items()}
_ENUMERATOR = re.compile(r"(?:^|(?<=\s))[A-Za-z0-9]{1,2}\)$|[:;8]-?\)$")
_INCH = re.compile(r"\d[\"”]")
_PAIRED = re.compile(r'[(\[“)\]”"]')
"""Every character `_unbalanced` looks at: the openers, the closers and the straight quote."""
_DITTO = frozenset({'"', "”", "〃", '""', "””"})
"""A table cell that only says "the same as above"."""


_QUOTE_OPENERS = ('"', "“")


def _unbalanced(content: str) -> tuple[int, str] | None:
    """Offset and character of the first unmatched bracket or quote in `content`."""
    stack: list[tuple[int, str]] = []
    straight: list[int] = []
    inches: list[int] = []  # straight quotes after a digit: inch marks, or a title's close
    for match in _PAIRED.finditer(content):
        index, char = match.start(), match.group()
        if char in _OPENERS:
            stack.append((index, char))
        elif char in _CLOSERS:
            if stack and stack[-1][1] == _CLOSERS[char]:
                stack.pop()
            elif _ENUMERATOR.search(content[max(0, index - 2):index + 1]) or (
                    char == "”" and _INCH.match(content, max(0, index - 1))):
                continue
            else:
                return index, char
        elif char == '"':
            (inches if _INCH.match(content, max(0, index - 1)) else straight).append(index)
    if stack:
        return stack[0]
    # '"Trail Guide 2022" (updated)': a quotation may end on a number, and its close is then
    # no inch mark.
    if len(straight) % 2 and not (inches and inches[-1] > straight[-1]):
        return straight[-1], '"'
    return None


@rule(
    "TXT006", "unbalanced-pair", "warning",
    why="An unmatched quote or bracket usually means text was lost or a quotation never "
        "closes, and readers cannot tell where the quoted words end.",
    example='“Leaves are free mulch, Ortiz said. (They also shelter insects.',
    fix="Close the quotation or bracket, or remove the stray mark.",
)
def unbalanced_pair(article: Article, ctx: Context) -> Iterator[Hit]:
    """A paragraph, footnote or table cell with an unmatched quotation mark or bracket."""
    blocks = text_blocks(article)
    for number, block in enumerate(blocks):
        if not _PAIRED.search(block.content):
            continue  # masking only blanks characters: no bracket or quote to pair
        if block.kind == "cell" and block.content.strip() in _DITTO:
            continue
        found = _unbalanced(masked(block.content))
        if found is None:
            continue
        index, char = found
        following = blocks[number + 1] if number + 1 < len(blocks) else None
        if char in _QUOTE_OPENERS and following is not None and following.kind == "paragraph" \
                and following.content.lstrip()[:1] in _QUOTE_OPENERS:
            continue  # a quotation over paragraphs: each opens with a mark, only the last closes
        where = "table cell" if block.kind == "cell" else "paragraph"
        yield Hit(f"unmatched {char} in this {where}",
                  block.position(article, index), block.position(article, index + 1),
                  hint="Close the quotation or bracket, or remove the stray mark.")
