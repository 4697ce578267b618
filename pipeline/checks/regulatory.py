"""Regulatory rules: off-label uses, compounded drugs and prescription drugs in promotion."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Annotated

from pydantic import Field

from pipeline.checks import Context, Hit, Parameters, Words, rule
from pipeline.checks.blocks import Block, memo
from pipeline.checks.disclosure import commercial_signals, is_health_content, is_labeled
from pipeline.checks.health import (
    Drug,
    condition_pattern,
    drug_before,
    drug_mentions,
    drugs,
    negated,
    phrases,
)
from pipeline.checks.prose import (
    Sentence,
    literal_pattern,
    mask,
    phrase_pattern,
    quoted_in,
    sentences,
)
from pipeline.model import Article


def _says(article: Article, ctx: Context, key: str) -> bool:
    """Some sentence of the prose matches the claims lexicon's `key` phrases."""
    pattern = phrases(ctx, "claims", key)
    return any(pattern.search(s.masked) for s in sentences(article))


def off_label_uses(article: Article, ctx: Context,
                   ) -> Iterator[tuple[Sentence, int, Drug, str]]:
    """Sentences that put a drug to a use it is not approved for: the drug beside a condition
    outside its approved uses (with a word of use: 'for', 'treat'), or the words 'off-label'.
    With several drugs in a sentence, each owns the stretch from its name to the next one's
    ("Metformin treats diabetes, and ibuprofen eases arthritis pain": no metformin for
    arthritis). Quoted words count: a clinic owner's "We use it for PCOS" tells readers of the
    use as plainly as the magazine's own sentence, and the status is the article's to add."""
    conditions = condition_pattern(ctx)
    cues = phrases(ctx, "claims", "use_cues")
    goal_cues = phrases(ctx, "claims", "goal_cues")
    off_label = phrases(ctx, "claims", "off_label")
    anaphora = phrases(ctx, "claims", "anaphora")
    harms = phrases(ctx, "claims", "harms")  # "nausea is its most common side effect"
    block: Block | None = None  # the paragraph being read
    before: list[tuple[Drug, str, int]] = []  # the drug the paragraph before it named
    for sentence in sentences(article):
        if sentence.block is not block:
            if block is not None:
                before = [(drug, mention.group(0), 0)
                          for drug, mention in drug_mentions(mask(block.source), ctx)][:1]
            block = sentence.block
        if sentence.text.endswith("?"):
            continue  # "Is it approved for depression?" asks; the answer says
        text = sentence.masked
        named = [(drug, mention.group(0), mention.start())
                 for drug, mention in drug_mentions(text, ctx)]
        # "Most come for depression": the drug may be the one the paragraph is about; "it",
        # "the shots" at the start of a paragraph, the one the paragraph before named.
        if not named and (earlier := drug_before(sentence, ctx)) is not None:
            named = [(earlier[0], earlier[1].group(0), 0)]
        if not named and anaphora.search(text):
            named = before
        cued = bool(cues.search(text))
        said_off_label = bool(off_label.search(text))
        if not named or (not cued and not said_off_label and not goal_cues.search(text)):
            continue
        ends = [index for _, _, index in named[1:]] + [len(text)]
        for (drug, name, index), end in zip(named, ends, strict=True):
            start = 0 if index == named[0][2] else index
            if said_off_label:
                yield sentence, index, drug, f"{name} used off-label"
                continue
            unapproved = [(m.start(), f"for {m.group(0)}")
                          for m in conditions.finditer(text, start, end)
                          if cued and not drug.approves(" ".join(m.group(0).lower().split()),
                                                        name)
                          and not harms.search(_clause(text, m.start()))]
            unapproved += [(at, words) for at, use, words in _goals(text, start, end, ctx)
                           if not drug.approves(use, name)
                           and not harms.search(_clause(text, at))]
            if unapproved:
                yield sentence, index, drug, f"{name} {min(unapproved)[1]}"


_PURPOSE = re.compile(r"(?:\b(?:to|for|with)|\bhelp(?:s|ed|ing)?(?:\s+[\w'-]+)?)\s+$",
                      re.IGNORECASE)
"""What comes before a goal that is a drug's purpose: "to quit smoking", "for hair growth",
"helps people drink less"; not "since then she drinks less"."""
_PURPOSE_REACH = 30


@memo
def _goal_patterns(ctx: Context) -> list[tuple[str, re.Pattern[str]]]:
    """health.yaml's goals: each use with the pattern of the ways writers put it."""
    goals: dict[str, list[str]] = ctx.lexicon("health").get("goals") or {}
    return [(use, phrase_pattern(tuple(str(p) for p in ways))) for use, ways in goals.items()]


def _goals(text: str, start: int, end: int, ctx: Context) -> Iterator[tuple[int, str, str]]:
    """(index, use, words) of each goal stated as a purpose in text[start:end], the words
    with the purpose ("to cut back on drinking"): "patients who want to cut back on drinking"
    is a use (alcohol use) as plainly as a condition's name."""
    for use, pattern in _goal_patterns(ctx):
        for match in pattern.finditer(text, start, end):
            purpose = _PURPOSE.search(text, max(0, match.start() - _PURPOSE_REACH), match.start())
            if purpose:
                yield match.start(), use, " ".join(text[purpose.start():match.end()].split())


_CLAUSE_BREAK = re.compile(r"[,;:()\u2013\u2014]|\s(?:and|but|while|though|although)\s")


def _clause(text: str, index: int) -> str:
    """The clause of the text that holds the character at the index."""
    starts = [m.end() for m in _CLAUSE_BREAK.finditer(text, 0, index)]
    end = _CLAUSE_BREAK.search(text, index)
    return text[starts[-1] if starts else 0:end.start() if end else len(text)]


class ExtraDrug(Parameters):
    """A drug the publication writes about, as in pipeline/data/drugs.yaml."""

    name: str = Field(min_length=1)
    """The generic name."""
    brands: Words = ()
    """Trade names."""
    aliases: Words = ()
    """Other names writers use for the drug or a form of it."""
    compounded: Words = ()
    """Names of forms only a compounding pharmacy makes (REG002)."""
    prescription: bool = False
    """Prescription-only in the U.S. (REG003)."""
    approved_for: Words = ()
    """FDA-approved uses; any other condition named beside the drug is off-label."""
    brand_approved_for: dict[str, Words] = Field(default_factory=dict)
    """The uses of a brand approved for fewer than the drug: `{ozempic = ["type 2
    diabetes"]}`."""


class _DrugParameters(Parameters):
    extra_drugs: Annotated[tuple[ExtraDrug, ...], Field(strict=False)] = ()
    """Drugs beside those of drugs.yaml: `{name = "...", brands = [...], approved_for = [...],
    prescription = true}`."""


@rule(
    "REG001", "off-label-without-status", "error", params=_DrugParameters,
    why="Off-label prescribing is legal, but whether the FDA has approved a use is a material "
        "fact for readers (15 U.S.C. 55). 'Indicated for' is label language and implies "
        "approval.",
    example="'Low-dose naltrexone is used for fibromyalgia and multiple sclerosis.' with no "
            "word that the FDA has not approved it for them.",
    fix="Say it plainly: 'This use is off-label: the FDA has not approved naltrexone for "
        "fibromyalgia.'",
)
def off_label_without_status(article: Article, ctx: Context) -> Iterator[Hit]:
    """A drug is discussed for a use outside its FDA-approved indications (drugs.yaml) and
    the article never says the use is not FDA-approved."""
    if not is_health_content(article, ctx):
        return
    status = phrases(ctx, "claims", "status")
    stated = [s for s in sentences(article)
              if status.search(s.masked) and "approv" in s.masked.lower()]
    # A statement covers the drugs it names; one naming none ("the FDA has not approved
    # either drug for it") covers them all.
    named = [{drug.generic for drug, _ in drug_mentions(s.masked, ctx)} for s in stated]
    if any(not drugs_named for drugs_named in named):
        return
    covered = set().union(*named)
    reported: set[str] = set()
    for sentence, index, drug, use in off_label_uses(article, ctx):
        if drug.generic in covered | reported:
            continue
        reported.add(drug.generic)  # once per drug: its first such use
        yield Hit(f"Off-label use ({use}) without saying that the FDA has not approved it.",
                  sentence.at(article, index),
                  hint="Add a plain statement of status: 'This use is off-label: the FDA has "
                       "not approved the drug for this condition.' Avoid 'indicated for'.",
                  excerpt=sentence.text)


def compounded_mention(article: Article, ctx: Context) -> tuple[Sentence, int] | None:
    """The first sentence about compounding, else the first naming a compounded-only form."""
    compounding = phrases(ctx, "claims", "compounding")
    names = literal_pattern([name for drug in drugs(ctx) for name in drug.names]).pattern
    # "compounded semaglutide", "we compound LDN", "custom-made versions of semaglutide",
    # "semaglutide blends" (mixed with B12 by the seller): the verb with any drug in drugs.yaml.
    compounded_drug = re.compile(
        rf"\b(?:compound(?:s|ed|ing)?\s+(?:[\w-]+\s+)?"
        rf"|(?:custom[- ](?:made|mixed|formulated|blended)|made[- ]to[- ]order)\s+"
        rf"(?:[\w-]+\s+){{0,2}}?){names}|{names}\s+(?:blends?|mix(?:es)?|cocktails?)\b",
        re.IGNORECASE)
    forms = literal_pattern([name for drug in drugs(ctx) for name in drug.compounded])
    found = list(sentences(article))
    for pattern in (compounding, compounded_drug, forms):
        for sentence in found:
            match = pattern.search(sentence.masked)
            if match:
                return sentence, match.start()
    return None


@rule(
    "REG002", "compounded-without-status", "error",
    why="FDA: compounded drugs are not FDA-approved, and the FDA does not review them for "
        "safety, effectiveness or quality. Readers must be told before they buy one, and not "
        "told that one is the same as an approved brand.",
    example="'Low-dose naltrexone is a custom-made compounded drug with many benefits.' or "
            "'Our compounded semaglutide has the same active ingredient as Wegovy.'",
    fix="Add: 'Compounded drugs are not FDA-approved.' Cut any claim that a compounded drug "
        "is the same as, or a generic of, an approved brand.",
)
def compounded_without_status(article: Article, ctx: Context) -> Iterator[Hit]:
    """A compounded drug is discussed without saying compounded drugs are not FDA-approved:
    a statement that names the FDA ('the FDA does not review them') or says 'not approved' of
    the drugs themselves, not any 'not approved' ('insurance has not approved the claim').
    Also, whatever the article states, a compounded drug presented as the same as an approved
    brand ('the same active ingredient as Wegovy', 'generic Ozempic')."""
    if not is_health_content(article, ctx):
        return
    mention = compounded_mention(article, ctx)
    if mention is None:
        return
    status = phrases(ctx, "claims", "compounded_status")
    if not any(status.search(s.masked) for s in sentences(article)):
        sentence, index = mention
        yield Hit("Compounded drug without the statement that compounded drugs are not "
                  "FDA-approved.", sentence.at(article, index),
                  hint="Add: 'Compounded drugs are not FDA-approved. The FDA does not review "
                       "them for safety, effectiveness or quality.'", excerpt=sentence.text)
    # A status statement does not undo "identical to Ozempic" in the next paragraph.
    for sentence, match in _sameness_claims(article, ctx):
        yield Hit(f"Compounded drug presented as the same as an FDA-approved brand "
                  f"('{' '.join(match.group(0).split())}').", sentence.at(article, match.start()),
                  hint="Cut the comparison: a compounded drug is not a generic or a copy of "
                       "the brand, and the FDA has not reviewed it. Say what it is: 'a "
                       "compounded drug made by a pharmacy, not FDA-approved'.",
                  excerpt=sentence.text)


_BRAND_REACH = 40
"""How many characters after "identical to", "the same ... as" the brand may stand."""


def _sameness_claims(article: Article, ctx: Context,
                     ) -> Iterator[tuple[Sentence, re.Match[str]]]:
    """Sentences, in an article about a compounded drug, that call a product the same as a
    brand ("the same active ingredient as Wegovy", "identical to the brand-name shots",
    "generic Ozempic"): the brand stands shortly after the words of sameness, and none
    before them ("Wegovy is the same drug as Ozempic" compares two approved drugs). A report
    quoting a seller's words (the spa calls its shots "generic Wegovy") is journalism; in
    commercial content the seller's quoted words are its promotion all the same."""
    sameness = phrases(ctx, "claims", "sameness")
    brands = _compounded_brands(ctx)
    selling: bool | None = None  # asked only of an article with such words
    for sentence in sentences(article):
        text = sentence.masked
        for match in sameness.finditer(text):
            if (not brands.search(text, match.end(), match.end() + _BRAND_REACH)
                    or brands.search(text, 0, match.start())
                    or negated(sentence, match.start(), ctx)):
                continue
            if selling is None:
                selling = is_labeled(article, ctx) or bool(commercial_signals(article, ctx))
            if selling or not _quoted(sentence, match.start()):
                yield sentence, match
                break


def _quoted(sentence: Sentence, index: int) -> bool:
    """The character at the index of the sentence stands inside a quotation of its
    paragraph."""
    return any(start <= index < end for start, end in quoted_in(sentence))


@memo
def _compounded_brands(ctx: Context) -> re.Pattern[str]:
    """The brand names of drugs that pharmacies compound, and "the brand" itself."""
    names = [brand for drug in drugs(ctx) if drug.compounded for brand in drug.brands]
    return re.compile(rf"{literal_pattern(names).pattern}|\b(?:brand|name-brand)\b",
                      re.IGNORECASE)


@rule(
    "REG003", "prescription-drug-without-prescriber", "warning",
    why="HONcode principle 2 and house policy: a piece that promotes a prescription drug "
        "sends readers to a prescriber, not straight to a seller.",
    example="'LDN requires a prescription. Call Welltopia Pharmacy at 262-429-9429.'",
    fix="Add a sentence sending readers to their prescriber: 'Talk to your doctor about "
        "whether it is right for you.'",
)
def prescription_drug_without_prescriber(article: Article, ctx: Context) -> Iterator[Hit]:
    """A prescription drug appears in commercial content and readers are never told to talk
    to their doctor or prescriber."""
    if not is_health_content(article, ctx) or _says(article, ctx, "prescriber"):
        return
    signals = commercial_signals(article, ctx)
    if not signals and not is_labeled(article, ctx):
        return
    for sentence in sentences(article):
        for drug, mention in drug_mentions(sentence.masked, ctx):
            if drug.prescription:
                where = signals[0] if signals else None
                yield Hit(f"Prescription drug ({mention.group(0)}) promoted without sending "
                          "readers to a prescriber.",
                          where.sentence.at(article, where.index) if where
                          else sentence.at(article, mention.start()),
                          hint="Add: 'Talk to your doctor or prescriber about whether it is "
                               "right for you.'",
                          excerpt=(where.sentence if where else sentence).text)
                return
