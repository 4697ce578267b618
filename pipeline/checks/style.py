"""Style rules: drug names, dose formats, person-first language."""

from __future__ import annotations

import re
from collections.abc import Iterator

from pipeline.checks import Context, Hit, rule
from pipeline.checks.disclosure import is_health_content
from pipeline.checks.health import generic_names
from pipeline.checks.prose import (
    Sentence,
    literal_pattern,
    may_hold,
    quoted_in,
    sentence_words,
    sentences,
)
from pipeline.model import Article

# ISMP's list of error-prone dose designations, with what to write instead.
_DOSE_UNITS = r"(?:mg|mcg|µg|ug|g|mL|ml|L|IU|units?|cc|mEq)"
_ERROR_PRONE_DOSES = [
    (re.compile(rf"(?<![\d.])\.\d+\s?{_DOSE_UNITS}\b"), "a leading zero: write '0.5 mg'"),
    (re.compile(rf"\b\d+\.0+\s?{_DOSE_UNITS}\b"), "no trailing zero: write '1 mg', not "
                                                 "'1.0 mg'"),
    (re.compile(r"\b\d+(?:\.\d+)?(?:mg|mcg|mL|ml|IU|mEq)\b"), "a space between number and unit"),
    (re.compile(r"\b\d+(?:\.\d+)?\s?cc\b"), "'mL' instead of 'cc'"),
    (re.compile(r"\b\d+(?:\.\d+)?\s?(?:µg|ug)\b"), "'mcg' instead of 'µg'"),
    # "10 U" (misread as 0, 4 or cc); not "5 U.S. states"
    (re.compile(r"\b\d[\d,]*(?:\.\d+)?\s?[Uu]\b(?!\.\w)"), "'units' instead of 'U'"),
    (re.compile(r"\b\d[\d,]*(?:\.\d+)?\s?IU\b"), "'units' instead of 'IU' (misread as IV or 10)"),
    (re.compile(r"\b[qQ]\.\s?[oO]?\.?\s?[dD]\.|\bQO?D\b"),
     "'daily' or 'every other day' instead of 'q.d.' or 'q.o.d.'"),
    # "2 mg. twice a day": a full stop after the unit, mid-sentence, is read as a decimal point
    (re.compile(rf"\b\d+(?:\.\d+)?\s?{_DOSE_UNITS}\.(?=[ \t]+[a-z])"),
     "no full stop after the unit: write '2 mg'"),
    (re.compile(rf"\b\d{{4,}}(?:\.\d+)?\s?{_DOSE_UNITS}\b"),
     "commas from 1,000 up: write '10,000 mg'"),
]


@rule(
    "STY001", "generic-name-capitalized", "warning",
    why="AMA and AP style: generic drug names are common nouns (naltrexone); only brand names "
        "take a capital (Revia). A capital makes a generic look like a product.",
    example="'Low-dose Naltrexone is compounded.'",
    fix="Write the generic name in lower case: 'low-dose naltrexone'.",
)
def generic_name_capitalized(article: Article, ctx: Context) -> Iterator[Hit]:
    """A generic drug name is capitalized in the middle of a sentence."""
    names = generic_names(ctx)
    if not may_hold(sentence_words(article), names):
        return
    generics = literal_pattern(names)
    for sentence in sentences(article):
        for match in generics.finditer(sentence.masked):
            word = match.group(0)
            # A quotation opening on the name ('"Naltrexone changed my life," she says')
            # starts a sentence of its own.
            opens_quote = sentence.masked[:match.start()].rstrip().endswith(("\"", "“", "'"))
            if match.start() > 0 and word[0].isupper() and not word.isupper() \
                    and not opens_quote \
                    and not _in_title_case_name(sentence.masked, match.start(), match.end()):
                yield Hit(f"Generic drug name '{word}' capitalized mid-sentence.",
                          sentence.at(article, match.start()),
                          hint=f"Write '{word.lower()}'; capitals are for brand names.",
                          excerpt=sentence.text)


_SMALL_WORDS = frozenset({"a", "an", "and", "at", "by", "for", "in", "of", "on", "or", "the",
                          "to", "vs", "versus", "with"})


_CAPITAL_NEXT = re.compile(r"[ \t]+[A-Z][a-z]")


def _in_title_case_name(text: str, start: int, end: int) -> bool:
    """The name sits in a Title-Case name such as a trial or a programme ('Targeting Aging with
    Metformin'): two of the three words before it, small words aside, are capitalized; or a
    capitalized word goes on after it ('the Buprenorphine Access Program')."""
    if _CAPITAL_NEXT.match(text, end):
        return True
    before = [w for w in re.findall(r"[\w'’-]+", text[:start]) if w.lower() not in _SMALL_WORDS]
    capitalized: int = sum(w[0].isupper() for w in before[-3:])
    return capitalized >= 2


@rule(
    "STY002", "error-prone-dose-format", "warning",
    why="ISMP's list of error-prone abbreviations and dose designations: '.5 mg' is misread "
        "as 5 mg, '1.0 mg' as 10 mg, 'cc' as 'u', 'µg' as 'mg'.",
    example="'Take .5mg at night.'",
    fix="Write '0.5 mg': a leading zero, no trailing zero, a space before the unit, mL and "
        "mcg.",
)
def error_prone_dose(article: Article, ctx: Context) -> Iterator[Hit]:
    """A dose written in a format known to cause tenfold errors ('.5 mg', '1.0 mg', '5mg',
    'cc', 'µg', 'U' or 'IU' for units, 'q.d.', 'mg.' mid-sentence, '10000 mg')."""
    if not is_health_content(article, ctx):
        return
    for sentence in sentences(article):
        for (start, end), fixes in _dose_problems(sentence.masked):
            yield Hit(f"Error-prone dose format '{sentence.masked[start:end]}'.",
                      sentence.at(article, start), hint=f"Use {'; '.join(fixes)}.",
                      excerpt=sentence.text)


def _dose_problems(text: str) -> list[tuple[tuple[int, int], list[str]]]:
    """Each dose written in an error-prone way, once, with everything wrong with it: '.25mg'
    lacks both the leading zero and the space."""
    found: list[tuple[tuple[int, int], list[str]]] = []
    for pattern, fix in _ERROR_PRONE_DOSES:
        for match in pattern.finditer(text):
            same = next((f for f in found if f[0][0] < match.end() and match.start() < f[0][1]),
                        None)
            if same is None:
                found.append((match.span(), [fix]))
            else:
                span = (min(same[0][0], match.start()), max(same[0][1], match.end()))
                found[found.index(same)] = (span, [*same[1], fix])
    return sorted(found)


_NAME_GOES_ON = re.compile(r"\s+(?:(?:and|of|on|for|the|&)\s+)?[A-Z]")


def _in_a_name(text: str, match: re.Match[str]) -> bool:
    """The term is part of a proper name, which the writer cannot change: every word
    capitalized, and, for one word, a capitalized word after it ("Alcoholics Anonymous",
    "National Institute on Drug Abuse"); not "Alcoholics often ..." opening a sentence."""
    words = match.group(0).split()
    if not all(word[0].isupper() for word in words):
        return False
    return len(words) > 1 or bool(_NAME_GOES_ON.match(text, match.end()))


def _writers_own(sentence: Sentence, found: list[re.Match[str]]) -> list[re.Match[str]]:
    """Of the terms in a sentence credited to a named source, those in the writer's own
    words: outside the quotation when it quotes someone ('"I was a junkie," says Ruth
    Oyelaran, a former addict': the credit is the magazine's). Reported speech without
    quotation marks ("Park says addicts need patience") is the source's."""
    spans = quoted_in(sentence)
    if not spans:
        return []
    return [match for match in found
            if not any(begin <= match.start() < end for begin, end in spans)]


@rule(
    "INC001", "stigmatizing-language", "suggestion",
    why="NIDA 'Words Matter' and the AP Stylebook: labels such as 'addict' or 'substance "
        "abuse' stigmatize and keep people from seeking care; person-first words do not.",
    example="'Naltrexone helps addicts stay sober.'",
    fix="Use person-first language: 'people with a substance use disorder'.",
)
def stigmatizing_language(article: Article, ctx: Context) -> Iterator[Hit]:
    """A stigmatizing term ('addict', 'substance abuse', 'committed suicide') with its
    person-first replacement."""
    lexicon = ctx.lexicon("style")
    replacements: dict[str, str] = dict(lexicon["stigmatizing"])
    if is_health_content(article, ctx):
        replacements |= lexicon["stigmatizing_health"]
    if not may_hold(sentence_words(article), replacements):
        return
    pattern = literal_pattern(replacements)
    adjectives = {term: re.compile(rf"\s+{literal_pattern(nouns).pattern}")
                  for term, nouns in lexicon.get("adjective_uses", {}).items()}
    for sentence in sentences(article):
        found = list(pattern.finditer(sentence.masked))
        # The term is the cheap test; only a sentence with one is asked for its attribution.
        if found and sentence.attributed:
            found = _writers_own(sentence, found)
        for match in found:
            if _in_a_name(sentence.masked, match):
                continue  # "the Substance Abuse and Mental Health Services Administration"
            term = " ".join(match.group(0).lower().split())
            if term in adjectives and adjectives[term].match(sentence.masked, match.end()):
                continue  # "alcoholic drinks": a thing, no person labeled
            yield Hit(f"'{' '.join(match.group(0).split())}' is stigmatizing language.",
                      sentence.at(article, match.start()),
                      hint=f"Write '{replacements[term]}' instead.", excerpt=sentence.text)
