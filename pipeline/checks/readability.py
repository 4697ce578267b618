"""Readability rules: Flesch-Kincaid grade and sentence length, computed offline."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from functools import lru_cache
from itertools import chain
from typing import Any

import pyphen
from pydantic import Field

from pipeline.checks import Context, Hit, Parameters, rule
from pipeline.checks.blocks import memo
from pipeline.checks.prose import Sentence, sentences
from pipeline.model import Article

_WORD = re.compile(r"[A-Za-z]+(?:['’-][A-Za-z]+)*|\d+(?:[.,]\d+)*")
_MIN_WORDS = 100
"""Below this, a grade says little about the text."""


# A position with no digit on either side: the gaps of a Liang pattern that hold no value.
_UNVALUED_GAP = re.compile(r"(?<![0-9])(?![0-9])")


@lru_cache(maxsize=1)
def _pattern_tree() -> dict[str, Any]:
    """The Liang hyphenation patterns of pyphen's en_US dictionary (pyphen ships it: no
    downloads) as a letter tree: a pattern's nonzero values, each with its index from the
    pattern's first letter, sit under the key "" of the node its last letter leads to (a zero
    never raises the maximum a point takes).

    The dictionary file is read here rather than through `pyphen.Pyphen`, whose parse alone
    costs twice this whole function, paid by every run; tests/test_properties.py checks that
    both read the same patterns."""
    path = pyphen.LANGUAGES[pyphen.language_fallback("en_US")]
    encoding, _, text = path.read_bytes().partition(b"\n")
    lines = (line.strip() for line in text.decode(encoding.decode().strip()).split("\n"))
    patterns = "\n".join(line for line in lines if line and not line.startswith(pyphen.ignored))
    # Written with a value in every gap ("4b1ic" -> "4b1i0c0"), a pattern has its letters at
    # odd indexes and its values at even ones.
    values_of: dict[str, tuple[tuple[int, int], ...]] = {}
    tree: dict[str, Any] = {}
    for pattern in _UNVALUED_GAP.sub("0", patterns).split("\n"):
        digits = pattern[::2]
        values = values_of.get(digits)
        if values is None:
            values = values_of[digits] = tuple(
                (index, int(digit)) for index, digit in enumerate(digits) if digit != "0")
        if not values:
            continue  # pyphen drops a pattern of zeros
        node = tree
        for char in pattern[1::2]:
            child = node.get(char)
            if child is None:
                child = node[char] = {}
            node = child
        node[""] = values
    return tree


def words(text: str) -> list[str]:
    return _WORD.findall(text)


_DEEPEST = 40
"""More letters than the longest hyphenation pattern (28 in pyphen's en_US, with its dots)."""


@lru_cache(maxsize=100_000)
def syllables(word: str) -> int:
    """Syllables of a word: its hyphenation points plus one.

    The points are pyphen's `positions` with left=1 and right=1 (so short word-end syllables
    count: "a-rea"), computed the same way but walking the pattern tree from each letter
    instead of looking up every substring up to the longest pattern (28 letters). Prose
    repeats its words, so each is counted once per run."""
    if word[0].isdigit():
        return max(1, len(word) // 2)
    tree = _pattern_tree()
    lowered = word.lower()
    pointed = f".{lowered}."
    points = [0] * (len(pointed) + 1)
    for start in range(len(pointed) - 1):
        node = tree
        for char in pointed[start:start + _DEEPEST]:  # no pattern is longer: linear in the word
            child = node.get(char)
            if child is None:
                break
            node = child
            for index, value in node.get("", ()):
                if value > points[start + index]:
                    points[start + index] = value
    # An odd value at points[i] is a break before letter i - 1 of the word; those that leave
    # at least a letter on each side count.
    return sum(1 for index in range(2, len(lowered) + 1) if points[index] % 2) + 1


def grade(prose: list[tuple[Sentence, list[str]]]) -> tuple[float, int]:
    """Flesch-Kincaid grade level of the sentences (with their words), and their word count."""
    counted = [ws for _, ws in prose if ws]
    total = sum(len(ws) for ws in counted)
    if not total:
        return 0.0, 0
    # Prose repeats its words: each distinct word is syllabified once, times its count
    # (letter case changes no count).
    tally = Counter(map(str.lower, chain.from_iterable(counted)))
    syllable_count = sum(syllables(word) * count for word, count in tally.items())
    return 0.39 * total / len(counted) + 11.8 * syllable_count / total - 15.59, total


@memo
def reading_sentences(article: Article) -> list[tuple[Sentence, list[str]]]:
    """Running prose, with the words of each sentence: paragraphs and list items outside
    references, bios, disclaimers and pull quotes (tables and code are not paragraphs, so never
    counted). The words are read from the masked sentence: `text` differs from it only in
    white space, which no word holds."""
    return [(s, words(s.masked)) for s in sentences(article) if not s.block.in_quote]


class _GradeParameters(Parameters):
    target: float = Field(8, ge=0)
    """The Flesch-Kincaid grade the prose should not exceed."""


@rule(
    "READ001", "reading-grade-above-target", "warning", params=_GradeParameters,
    why="MedlinePlus and the CDC's 'Simply Put' guide: health information should read at "
        "grade 8 or below so most adults can act on it.",
    example="'Low-dose naltrexone's mechanism of action differs from the normal dose's action, "
            "as only a small dose is needed to exhibit anti-inflammatory effects ...'",
    fix="Shorter sentences, everyday words, one idea per sentence; explain medical terms.",
)
def reading_grade_above_target(article: Article, ctx: Context) -> Iterator[Hit]:
    """The prose reads above the target Flesch-Kincaid grade (publication.toml
    `[rules.READ001] target`, default 8)."""
    target: float = ctx.param("READ001", "target")
    prose = reading_sentences(article)
    level, total = grade(prose)
    if total < _MIN_WORDS or level <= target:
        return
    hardest, _ = max(prose, key=lambda pair: len(pair[1]))
    first, _ = prose[0]
    yield Hit(f"The text reads at grade {level:.1f} (Flesch-Kincaid); the target is "
              f"{target:g} or below.", first.at(article),
              hint=f"Shorten long sentences and use everyday words; the longest sentence is "
                   f"on line {hardest.at(article).line}.", excerpt=first.text)


class _SentenceParameters(Parameters):
    max_words: int = Field(30, ge=1)
    """The longest sentence before a suggestion to split it."""


@rule(
    "READ002", "long-sentence", "suggestion", params=_SentenceParameters,
    why="Plain-language guidance (plainlanguage.gov, CDC): sentences past about 30 words are "
        "hard to follow, above all in health information.",
    example="A 45-word sentence that joins a definition, a dose and a caution.",
    fix="Split it into two or three sentences, one idea each.",
)
def long_sentence(article: Article, ctx: Context) -> Iterator[Hit]:
    """A sentence longer than `[rules.READ002] max_words` (default 30)."""
    limit: int = ctx.param("READ002", "max_words")
    for sentence, sentence_words in reading_sentences(article):
        count = len(sentence_words)
        if count > limit:
            yield Hit(f"Sentence of {count} words (the limit is {limit}).",
                      sentence.at(article), sentence.at(article, len(sentence.source.rstrip())),
                      hint="Split it into shorter sentences, one idea each.",
                      excerpt=sentence.text)
