"""Sentences of an article's prose with exact source positions, and what surrounds them:
citations, quotation and attribution. The health-content rules read the article through this.

Markup is masked with spaces rather than removed, so an offset in the masked text is an offset
in the Markdown source: a match points at the right line and column.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

from pipeline.checks import data_file
from pipeline.checks.blocks import Block, blocks, memo, normalize
from pipeline.model import Article, Position

_TAG_END = re.compile(r"[>\n]")


def _inline_html(source: str) -> list[tuple[int, int]]:
    """The spans `<[^>\\n]+>` finds (a "<", then anything up to the first ">" on its line),
    in time linear in the length: the end each "<" runs to is searched for only once it has
    passed the last one found. The pattern itself scans to the end of a long line from each
    of many "<" that no ">" follows."""
    spans = []
    pos = stop = 0
    while (start := source.find("<", pos)) >= 0:
        if stop <= start:
            found = _TAG_END.search(source, start + 1)
            stop = found.start() if found else len(source)
        if stop < len(source) and source[stop] == ">" and stop > start + 1:
            spans.append((start, stop + 1))
            pos = stop + 1
        else:
            pos = start + 1
    return spans


# Each pattern's whole match becomes spaces; group "keep" (when present) stays visible. Every
# match holds the text paired with its pattern, so a source without that text skips the pattern.
# A pattern that starts on a character class (not a repeat of one) lets the engine skip ahead.
_MASKS: list[tuple[re.Pattern[str] | Callable[[str], list[tuple[int, int]]], str]] = [
    (re.compile(r"\[\^[^\[\]\s]+\]"), "[^"),                        # footnote references
    (re.compile(r"!?\[(?P<keep>[^\[\]]*)\]\([^)\[]*\)"), "]("),    # links and images: keep text
    (re.compile(r"<(?:https?://|mailto:)[^<>\s]+>"), "<"),          # autolinks
    (re.compile(r"https?://[^\s)>\]]+"), "://"),                    # bare URLs
    (_inline_html, "<"),                                            # inline HTML
    (re.compile(r"^[ \t]*(?:>[ \t]?)*(?:[-*+]|\d+[.)])?[ \t]+", re.MULTILINE),
     ""),                                                         # list and quote marks
    (re.compile(r"^[ \t]*>+[ \t]?", re.MULTILINE), ">"),            # quote marks on plain lines
    (re.compile(r"\{[#.][^{}]*\}"), "{"),                           # {attributes}
]
"""Each pattern's run stops where another match of it could start ("[", "<", "{"), or a
function finds the spans in linear time: no scan from each of many starts to the end of a long
line (a line of `[a](` repeated took minutes)."""
_MARKS = "*_`~"
"""Emphasis and code marks: every such character is blanked wherever it stands, so `replace`
does it (a pattern's spans would be one per run of them, the most frequent of all)."""

_ABBREVIATIONS = frozenset(data_file("abbreviations.yaml")["always"])
_AFTER_A_NAME = frozenset(data_file("abbreviations.yaml")["after_a_name"])
_NAMED_BY_A_LETTER = frozenset(data_file("abbreviations.yaml")["named_by_a_letter"])
_NEXT_WORD = re.compile(r"[\"'“‘(\[]*[\w’'-]+")
_BOUNDARY = re.compile(r"(?<![.!?])[.!?]++[\"'”’)\]]*+\s+(?=[\"'“‘(\[]*[A-Z0-9])")
"""Tried from the start of a run of end punctuation only, and without giving any back: from
each of 100,000 dots, the search ran to the last and back (quadratic)."""
_LAST_WORD = re.compile(r"(?<![\w.])([\w.]+)[.!?]+[\"'”’)\]]*\s+$")
"""Tried from the start of each word only (see hygiene's `_LAST_WORD`)."""

CITATION = re.compile(
    r"\[\^[^\]\s]+\]"                                     # footnote reference
    r"|\[\d+(?:\s*[,–-]\s*\d+)*\]"                        # numbered reference [3], [2-4]
    r"|\]\([a-z]+://|<https?://|https?://\S"              # inline link, autolink, bare URL
    r"|\b10\.\d{4,9}/\S+"                                 # DOI
    r"|\bPMID:?\s*\d{6,9}|\bPMC\d{5,9}"                   # PubMed ids
    r"|\([A-Z][\w'’-]+(?:\s+et\s+al\.?|\s+(?:and|&)\s+[A-Z][\w'’-]+)?,?\s+(?:19|20)\d\d[a-z]?\)"
    r"|\b[A-Z][\w'’-]+(?:\s+et\s+al\.?)?\s+\((?:19|20)\d\d[a-z]?\)"  # (Author Year), Author (Year)
)

_ATTRIBUTION = re.compile(  # "Say goodbye to migraines": an imperative, crediting nobody
    r"\b(?:(?<!^)says?|said|according to|told|tells|writes|wrote|explains?|explained|notes|noted|"
    r"adds|added|argues|argued|recalls|cautions|warns)\b",
    re.IGNORECASE,
)
_SOURCE_WORDS = 8
"""How many words beside an attribution verb are read for the source it names."""
_QUOTE_AFTER_COLON = re.compile(r":\s*[\"“]")
_ROLE_WORDS = 5
"""How many words a role before a name may have ("says her longtime partner, Ruth ...")."""
_CLAUSE_END = re.compile(r"[,;:()\"“”—–]")
_CREDIT_WORD = re.compile(r"[\w.'’&-]+")
_APPOSITIVE = re.compile(r"(?:a|an|the|who|whose|which)\b", re.IGNORECASE)
_PRONOUNS = frozenset({"he", "she"})
"""A person the article has named already ("she says"); "they", "we", "I" name nobody."""
_POSSESSIVE = re.compile(r"['’]s?$")


@dataclass(frozen=True)
class _SourceWords:
    """What `_names_someone` knows of words (claims.yaml `unnamed_sources`), lower case."""

    people: frozenset[str]
    people_endings: tuple[str, ...]
    works: frozenset[str]
    unnamed: frozenset[str]
    """Every listed word that is no name, in capitals or not (and the people's endings)."""
    function_words: frozenset[str]
    affiliations: frozenset[str]
    joiners: frozenset[str]

    def person(self, word: str) -> bool:
        """People in general: "doctors", "cardiologists"."""
        return word in self.people or word.endswith(self.people_endings)

    def named(self, word: str) -> bool:
        """A word that may be (part of) a name: none of the listed words."""
        return word not in self.unnamed and not word.endswith(self.people_endings)


def _source_words() -> _SourceWords:
    claims = data_file("claims.yaml")
    lists = {key: frozenset(str(w).lower() for w in words)
             for key, words in claims["unnamed_sources"].items()}
    return _SourceWords(lists["people"], tuple(lists.pop("people_endings")), lists["works"],
                        frozenset().union(*lists.values()), lists["function_words"],
                        frozenset(str(w) for w in claims["affiliations"]),
                        frozenset(str(w) for w in claims["name_joiners"]))


_SOURCES = _source_words()
_LIST_ITEM = re.compile(r"^[ \t]*(?:>[ \t]?)*(?:[-*+]|\d+[.)])[ \t]")
_QUOTED = re.compile(r"[\"“][^\"”]{12,}[\"”]")
_QUOTE_CREDIT = re.compile(r"^\s*(?:[—―–]|--|~|source:)", re.IGNORECASE)

REFERENCE_SECTIONS = frozenset(
    {"references", "sources", "studies cited", "works cited", "bibliography", "citations",
     "notes and references", "further reading", "resources"}
)
NON_PROSE_SECTIONS = REFERENCE_SECTIONS | {"about the author", "about the authors", "disclosure",
                                           "disclosures", "disclaimer"}


@dataclass(frozen=True)
class Sentence:
    """One sentence of a prose block: masked text aligned with the Markdown source."""

    masked: str
    """The sentence's source with markup replaced by spaces (same length as the source)."""
    source: str
    offset: int
    """Body offset where the sentence starts."""
    block: Block
    lead: str = ""
    """Source of the paragraph introducing the list this sentence is in ("Studies found:[^1]")."""

    @cached_property
    def text(self) -> str:
        """The masked sentence on one line."""
        return " ".join(self.masked.split())

    def at(self, article: Article, index: int = 0) -> Position:
        """File position of a character index into the sentence."""
        return article.position(self.offset + index)

    def first_before(self, pattern: re.Pattern[str]) -> re.Match[str] | None:
        """The pattern's first match in the paragraph before this sentence, masked: a drug
        named there is what "it" and "the drug" in this sentence refer to. The paragraph is
        searched once, not again for each of its sentences (quadratic in a paragraph of
        thousands)."""
        found = _first_in(pattern, self.block.source)
        return found if found is not None and found.end() <= self.offset - self.block.offset \
            else None

    @property
    def cited(self) -> bool:
        """The sentence or its paragraph carries a citation (the paragraph searched once, not
        again for each of its sentences)."""
        return CITATION.search(self.source) is not None or _holds(CITATION, self.block.source) \
            or _holds(CITATION, self.lead)

    @cached_property
    def attributed(self) -> bool:
        """Quoted or attributed to someone the reader can check: a named person, an
        institution, a named study or journal ("says Dr. Ana Ruiz", "according to the
        Arthritis Foundation"): the claim is theirs, not the magazine's. "Experts say",
        "research notes", "according to studies" name nobody, and the claim stays the
        magazine's. A citation beside it names the source too ('"We found that zinc
        shortens colds," the authors wrote.[^1]')."""
        if credits_named_source(self.text) or (_ATTRIBUTION.search(self.text) and self.cited):
            return True
        # 'Pharmacist Leo Hart puts it simply: "Magnesium eases cramps."': a quotation after a
        # colon, in the sentence of the person who says it.
        intro = _QUOTE_AFTER_COLON.search(self.text)
        if intro and _names_someone(" ".join(self.text[:intro.start()].split()[-_SOURCE_WORDS:])):
            return True
        # What the paragraph holds is asked once for a paragraph, not again for each sentence
        # (quadratic in a paragraph of thousands).
        quoted = _QUOTED.search(self.source) or _holds(_QUOTED, self.block.source)
        opens_quote = self.text.startswith(("\"", "“"))
        if not (quoted or opens_quote):
            return False
        if _credits_named_source(self.block.text):
            return True
        # A quotation credited in the paragraph before ("Ruiz put it plainly:") stays the
        # speaker's; one credited to nobody in particular ("one expert said") does not.
        return opens_quote and not _holds(_ATTRIBUTION, self.block.text)


def credits_named_source(text: str) -> bool:
    """Some attribution in the text ("says", "according to", "notes") names its source."""
    return any(_names_someone(source) for verb in _ATTRIBUTION.finditer(text)
               for source in _credited(text, verb))


_credits_named_source = lru_cache(maxsize=256)(credits_named_source)
"""`credits_named_source` of a paragraph, asked by each of its sentences."""


@lru_cache(maxsize=1024)
def _holds(pattern: re.Pattern[str], text: str) -> bool:
    return pattern.search(text) is not None


@lru_cache(maxsize=512)
def _first_in(pattern: re.Pattern[str], source: str) -> re.Match[str] | None:
    """The pattern's first match in a paragraph's Markdown, masked."""
    return pattern.search(mask(source))


def _credited(text: str, verb: re.Match[str]) -> Iterator[str]:
    """The words an attribution verb credits: after "according to" and after an inverted
    credit ('...," says Dr. Ruiz'), else the subject before the verb ("Experts say"), or
    before an appositive ("Dr. Ruiz, a rheumatologist, says")."""
    before, after = text[:verb.start()].rstrip(), text[verb.end():]
    if verb.group(0).lower() == "according to" or not before or before[-1] in ",\"”'’":
        role, *rest = _CLAUSE_END.split(after, maxsplit=2)
        yield " ".join(role.split()[:_SOURCE_WORDS])
        # "says her partner, Ruth Oyelaran", "according to their doctor, Lena Park": the
        # role, then the person's name set off by a comma
        if rest and after[len(role):].startswith(",") and _role(role) and _is_name(rest[0]):
            yield " ".join(rest[0].split())
    clauses = _CLAUSE_END.split(before)
    if len(clauses) > 2 and not clauses[-1].strip():  # "Dr. Ruiz, MD, a rheumatologist, says"
        clauses.pop()  # the last comma
        while len(clauses) > 1 and _aside(clauses[-1]):
            clauses.pop()
    yield " ".join(clauses[-1].split()[-_SOURCE_WORDS:])


def _role(clause: str) -> bool:
    """A few lower-case words after a determiner: "her partner", "the clinic's founder"."""
    words = clause.split()
    return 0 < len(words) <= _ROLE_WORDS and words[0].lower() in _SOURCES.function_words \
        and all(word.islower() for word in words)


def _is_name(clause: str) -> bool:
    """Capitalized words only, but for "of", "the" ... inside: "Ruth Oyelaran", "Dr. Lena
    Park of Froedtert Hospital"; not a sentence going on ("Ozempic is safe")."""
    words = _CREDIT_WORD.findall(clause)
    return bool(words) and words[0][:1].isupper() and all(
        word[:1].isupper() or word in _SOURCES.joiners for word in words)


_CREDENTIALS = frozenset(str(c).replace(".", "") for c in data_file("hygiene.yaml")[
    "byline_credentials"])


def _aside(clause: str) -> bool:
    """An appositive ("a rheumatologist", "who ...") or credentials ("MD", "M.D., PhD") set off
    by commas between a name and its verb."""
    words = clause.split()
    return bool(words) and (bool(_APPOSITIVE.match(words[0]))
                            or all(w.replace(".", "") in _CREDENTIALS for w in words))


def _names_someone(source: str) -> bool:
    """Among the credited words, "he" or "she", or a proper name (capitalized words that are
    not generic sources such as "Experts" or "Research"; an acronym such as "NIH") that names
    someone a reader can look up: a person, an institution, a journal, a titled study. Not one
    that only says where generic people or works come from ("Harvard researchers", "a Mayo
    Clinic study", "scientists at Stanford")."""
    words = _CREDIT_WORD.findall(source)
    plain = [_POSSESSIVE.sub("", word.strip(".-")).lower() for word in words]
    if not _PRONOUNS.isdisjoint(plain):
        return True
    return any(_checkable(words, plain, start, end) for start, end in _names(words, plain))


def _names(words: list[str], plain: list[str]) -> Iterator[tuple[int, int]]:
    """(start, end) of each run of capitalized words, joined by "of", "and", "the" ...
    ("University of the Pacific"), that holds a name or is a title ("Nurses' Health Study")."""
    index = 0
    while index < len(words):
        if not _capitalized(words[index], plain[index]):
            index += 1
            continue
        end = index + 1
        while end < len(words):
            if _capitalized(words[end], plain[end]):
                end += 1
                continue
            following = end
            while following < len(words) and plain[following] in _SOURCES.joiners \
                    and not words[following][:1].isupper():
                following += 1
            if following == end or following == len(words) \
                    or not _capitalized(words[following], plain[following]):
                break
            end = following + 1
        run = plain[index:end]
        if any(_SOURCES.named(word) for word in run) or (
                len(run) > 1 and run[-1] in _SOURCES.works):
            yield index, end
        index = end


def _capitalized(word: str, plain: str) -> bool:
    """A capitalized word that is not one opening a sentence ("The", "Some", "According")."""
    return word[:1].isupper() and plain not in _SOURCES.function_words


def _checkable(words: list[str], plain: list[str], start: int, end: int) -> bool:
    """Whether the name `words[start:end]` names a source rather than where generic people or
    works come from."""
    last = plain[end - 1]
    if _SOURCES.person(last):
        return False  # "Mayo Clinic Doctors"
    if last in _SOURCES.works:
        return True  # a title: "the Framingham Heart Study"
    # "Harvard researchers", "Stanford sleep scientists", "a Mayo Clinic study"; but "the
    # CDC's 2023 report" is the CDC's own
    for index in range(end, min(end + 3, len(words))):
        if _SOURCES.person(plain[index]) or plain[index] in _SOURCES.works:
            return plain[index] in _SOURCES.works and bool(_POSSESSIVE.search(words[end - 1]))
        if plain[index] in _SOURCES.function_words or words[index][:1].isupper():
            break
    # "researchers at Harvard", "a study from Stanford"; but "a review in the Cochrane
    # Database" (a journal) and "a study by Ruiz" (an author)
    before = start - 1
    while before >= 0 and plain[before] in ("the", "a", "an"):
        before -= 1
    if before < 0 or plain[before] not in _SOURCES.affiliations:
        return True
    for index in range(before - 1, max(before - 4, -1), -1):
        if _SOURCES.person(plain[index]):
            return False
        if plain[index] in _SOURCES.works:
            return plain[before] == "in"
        if plain[index] in _SOURCES.function_words:
            break
    return True


def mask(source: str) -> str:
    """Replace Markdown markup with spaces, keeping every other character where it was."""
    text = source.replace("’", "'").replace("‘", "'")
    for mark in _MARKS:
        text = text.replace(mark, " ")
    blanks: list[tuple[int, int]] = []
    for pattern, needs in _MASKS:
        if needs not in source:
            continue
        if not isinstance(pattern, re.Pattern):
            blanks += pattern(source)
            continue
        if "keep" not in pattern.groupindex:
            blanks += [match.span() for match in pattern.finditer(source)]
            continue
        for match in pattern.finditer(source):
            start, end = match.span()
            keep_start, keep_end = match.span("keep")
            if keep_start < 0:  # the group did not take part: nothing is kept
                keep_start = keep_end = end
            blanks += [(start, keep_start), (keep_end, end)]
    if not blanks:
        return text
    # The patterns' spans may overlap: blank their union, left to right.
    parts = []
    done = 0
    for start, end in sorted(blanks):
        if end > done:
            start = max(start, done)
            parts += [text[done:start], " " * (end - start)]
            done = end
    parts.append(text[done:])
    return "".join(parts)


def _ends_sentence(masked: str, boundary: re.Match[str], start: int, after: int) -> bool:
    """Whether the boundary ends the sentence that began at `start`."""
    # The last word runs without a space up to the punctuation, so the search may start after
    # the last space or newline before it instead of at the start of the paragraph; no word
    # runs across the white space that ends the last boundary (at `after` - 1), so the search
    # for that space need not go further back (from every boundary to the start of a long
    # paragraph of lines without spaces, it was quadratic).
    word_start = max(masked.rfind(" ", after, boundary.start()),
                     masked.rfind("\n", after, boundary.start()), after - 1)
    before = _LAST_WORD.search(masked, word_start + 1, boundary.end())
    if before is None:
        return True
    word = before.group(1).rstrip(".").lower()
    if word in _AFTER_A_NAME:  # "Main St. Bring ...", not "Visit St. Luke's"
        return _after_a_name(masked, start, before.start()) and \
            not _possessive_next(masked, boundary.end())
    # "Dr. Smith", "U.S. Food" and initials ("J. Smith") do not end a sentence.
    if len(word) == 1 and word.isalpha():
        return _letter_as_a_name(masked, before.start(1))
    return word not in _ABBREVIATIONS


def _letter_as_a_name(masked: str, at: int) -> bool:
    """Whether the single letter at `at` is the end of a name ("vitamin A.", "Medicare Part
    D.", "CBT-I.") rather than an initial ("J. Smith"): it hangs on a hyphen, or follows a
    word that letters name."""
    if at > 0 and masked[at - 1] == "-":
        return True
    words = masked[max(0, at - 40):at].split()
    return bool(words) and words[-1].lower() in _NAMED_BY_A_LETTER


def _after_a_name(masked: str, start: int, end: int) -> bool:
    """Whether the sentence from `start` to `end` has two words or more, the last capitalized
    or a number ("at 1011 N. Eighth", "on 5th")."""
    words = masked[max(start, end - 100):end].split()  # the last two words are enough
    return len(words) >= 2 and (words[-1][0].isupper() or words[-1][0].isdigit())


def _possessive_next(masked: str, at: int) -> bool:
    following = _NEXT_WORD.match(masked, at)
    return following is not None and bool(_POSSESSIVE.search(following.group()))


def split(masked: str) -> Iterator[tuple[int, int]]:
    """Spans of the sentences in masked text, leading spaces trimmed."""
    start = after = 0
    for boundary in _BOUNDARY.finditer(masked):
        if _ends_sentence(masked, boundary, start, after):
            yield from _trimmed(masked, start, boundary.end())
            start = boundary.end()
        after = boundary.end()
    yield from _trimmed(masked, start, len(masked))


def _trimmed(masked: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    text = masked[start:end]
    if text.strip():
        lead = len(text) - len(text.lstrip())
        yield start + lead, start + len(text.rstrip())


def is_prose(block: Block) -> bool:
    """Body prose: not references, bios or disclosures, not a pull quote."""
    return normalize(block.section) not in NON_PROSE_SECTIONS and block.in_container != "pullquote"


@memo
def sentences(article: Article) -> list[Sentence]:
    """Every sentence of the article's prose (not references, bios, pull quotes), in order."""
    return list(split_blocks(prose_blocks(article)))


@memo
def all_sentences(article: Article) -> list[Sentence]:
    """Every sentence of every paragraph, bios and reference lists included."""
    return list(split_blocks(blocks(article)))


def split_blocks(found: Iterable[Block]) -> Iterator[Sentence]:
    lead = ""
    for block in found:
        list_item = bool(_LIST_ITEM.match(block.source))
        if not list_item:
            lead = block.source if block.text.rstrip().endswith(":") else ""
        masked = mask(block.source)
        for start, end in split(masked):
            yield Sentence(masked[start:end], block.source[start:end], block.offset + start,
                           block, lead if list_item else "")


def prose_blocks(article: Article) -> list[Block]:
    return [block for block in blocks(article) if is_prose(block)]


_QUOTE_MARK = re.compile("[\"“”‘’']")


def quotations(text: str) -> list[tuple[int, int]]:
    """(start, end) of each quotation in the text, marks included; one left open runs to the
    end (a quote that goes on in the next paragraph). A single mark between letters, or one
    that neither opens before a word nor closes after one, is an apostrophe ("it's",
    "runners' knees" closes a quotation only inside one)."""
    spans: list[tuple[int, int]] = []
    opened, closer = -1, ""
    for match in _QUOTE_MARK.finditer(text):
        mark, at = match.group(0), match.start()
        before = text[at - 1:at]
        after = text[at + 1:at + 2]
        if opened < 0:
            if mark in "\"“" or (mark in "‘'" and not before.isalnum() and after.isalnum()):
                opened, closer = at, {"“": "”", "‘": "’"}.get(mark, mark)
        elif mark == closer or (closer == "'" and mark == "’") or (closer == "\"" and mark == "”"):
            if mark in "'’" and before.isalnum() and after.isalnum():
                continue  # "it's" inside a single-quoted quotation
            spans.append((opened, at + 1))
            opened = -1
    if opened >= 0:
        spans.append((opened, len(text)))
    return spans


@lru_cache(maxsize=64)
def _block_quotations(source: str) -> tuple[list[int], list[tuple[int, int]]]:
    """`quotations` of a paragraph's source, once per paragraph, with their ends in order
    (quotations do not overlap) for a bisection."""
    spans = quotations(mask(source))
    return [end for _, end in spans], spans


def quoted_in(sentence: Sentence) -> list[tuple[int, int]]:
    """The quotations of the sentence's paragraph that overlap the sentence, as (start, end)
    within the sentence (a quotation may open in a sentence before)."""
    ends, spans = _block_quotations(sentence.block.source)
    start = sentence.offset - sentence.block.offset
    stop = start + len(sentence.masked)
    found = []
    for index in range(bisect_right(ends, start), len(spans)):
        begin, end = spans[index]
        if begin >= stop:
            break
        found.append((max(begin - start, 0), end - start))
    return found


@memo
def in_credited_quote(article: Article) -> set[int]:
    """First source lines of paragraphs inside blockquotes that credit their source
    (a closing "— Name" line or a citation): the words are the source's, not the magazine's."""
    credited: set[int] = set()
    depth = 0
    group: list[tuple[int, str, str]] = []
    for token in article.tokens:
        if token.type == "blockquote_open":
            depth += 1
        elif token.type == "blockquote_close":
            depth -= 1
            if depth == 0:
                if any(_QUOTE_CREDIT.search(text) or CITATION.search(source)
                       for _, text, source in group):
                    credited |= {line for line, _, _ in group}
                group = []
        elif token.type == "paragraph_open" and depth and token.map:
            source, _ = article.block_source(token)
            group.append((token.map[0], mask(source).strip(), source))
    return credited


@lru_cache(maxsize=256)
def phrase_pattern(phrases: tuple[str, ...]) -> re.Pattern[str]:
    """Whole-word, case-insensitive alternation of phrases; spaces match any whitespace.

    A phrase may itself be a regex fragment (lexicons use that for numbers and optional words).
    """
    ordered = sorted(phrases, key=len, reverse=True)
    body = "|".join(p.replace(" ", r"\s+") for p in ordered)
    return re.compile(rf"(?<![\w-])(?:{body})(?![\w-])", re.IGNORECASE)


_WORD = re.compile(r"\w+")
_CASELESS_EXTRAS = str.maketrans({"İ": "i", "ı": "i", "ſ": "s"})
"""Letters a case-insensitive pattern pairs with 'i' or 's' that str.lower() does not turn
into them."""


def caseless(text: str) -> str:
    """The text in lower case, with the letters of `_CASELESS_EXTRAS` folded first (so no
    letter becomes two: the length stays). A case-insensitive pattern written in lower-case
    ASCII matches this text wherever it matches `text`; searched without IGNORECASE, it can
    skip ahead to its first letters."""
    if any(letter in text for letter in "İıſ"):
        text = text.translate(_CASELESS_EXTRAS)
    return text.lower()


_ASCII_SPACES = bytes(code if code > 127 or chr(code).isalnum() or code == ord("_") else ord(" ")
                      for code in range(256))
"""For ASCII text: each byte that is no word character (\\w) as a space."""


def word_set(text: str) -> frozenset[str]:
    """The words (runs of \\w) of a text in lower case, for `may_hold`.

    ASCII text (most) has every byte that is no word character turned into a space in one
    pass of `bytes.translate`, and is split on white space: the same words as `_WORD.findall`
    in a fifth of the time. Other text is read by the regex engine (`str.translate` with a
    table of all its characters took twice as long)."""
    text = caseless(text)
    if text.isascii():
        return frozenset(text.encode("ascii").translate(_ASCII_SPACES).decode("ascii").split())
    return frozenset(_WORD.findall(text))


@memo
def sentence_words(article: Article) -> frozenset[str]:
    """The words of the prose sentences (their masked text), for `may_hold`."""
    return word_set("\n".join(sentence.masked for sentence in sentences(article)))


def may_hold(words: frozenset[str], terms: Iterable[str]) -> bool:
    """Whether `literal_pattern(terms)` can match a text with these words (`word_set`): a
    whole-word match holds every word of its term. Rules test this before searching sentence
    after sentence."""
    return _term_words(tuple(terms), True).met_by(words)


def phrases_may_hold(words: frozenset[str], phrases: Iterable[str]) -> bool:
    """`may_hold` for `phrase_pattern(phrases)`."""
    return _term_words(tuple(phrases), False).met_by(words)


_PLAIN_PHRASE = re.compile(r"[A-Za-z0-9' -]+")


@dataclass(frozen=True)
class _Needs:
    """The words some term of a list needs, grouped so that most are tested in one go."""

    always: bool
    """A term needs no word, or may match whatever the words."""
    one: frozenset[str]
    """The words of the terms of one word: any of them will do."""
    several: tuple[frozenset[str], ...]
    """The words of each term of several."""

    def met_by(self, words: frozenset[str]) -> bool:
        return (self.always or not self.one.isdisjoint(words)
                or any(needed <= words for needed in self.several))


@lru_cache(maxsize=64)
def _term_words(terms: tuple[str, ...], literal: bool) -> _Needs:
    # A term beyond ASCII may always match: caseless matching pairs some such letters that
    # str.lower() leaves apart. So may a phrase that is a regex fragment, not plain words.
    needs = [frozenset(_WORD.findall(term.lower()))
             if term.isascii() and (literal or _PLAIN_PHRASE.fullmatch(term)) else None
             for term in terms]
    return _Needs(any(needed is None or not needed for needed in needs),
                  frozenset(word for needed in needs if needed is not None and len(needed) == 1
                            for word in needed),
                  tuple(needed for needed in needs if needed is not None and len(needed) > 1))


def literal_pattern(terms: Iterable[str]) -> re.Pattern[str]:
    """Whole-word, case-insensitive match of any of the literal terms."""
    return _trie_pattern(tuple(sorted({t.lower() for t in terms})))


@lru_cache(maxsize=256)
def _trie_pattern(terms: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w-])(?:{prefix_tree(terms)})(?![\w-])", re.IGNORECASE)


def prefix_tree(terms: Iterable[str]) -> str:
    """The literal terms as one regex alternation shaped as a prefix tree
    ("na(?:ltrexone|proxen)"), a space matching any white space. A plain alternation of
    hundreds of terms is tried term by term at every position; the tree lets the engine fail
    fast."""
    tree: dict[str, Any] = {}
    for term in terms:
        node = tree
        for char in term:
            node = node.setdefault(char, {})
        node[""] = {}
    return _trie_regex(tree)


def _trie_regex(node: dict[str, Any]) -> str:
    ends = "" in node
    branches = [(r"\s+" if char == " " else re.escape(char)) + _trie_regex(child)
                for char, child in sorted(node.items()) if char]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if ends:
        return f"(?:{body})?" if len(branches) > 1 or len(body) > 1 else f"{body}?"
    return body
