"""Claim rules: health-outcome claims need a source, fair balance and honest certainty."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from pipeline.checks import Context, Hit, rule
from pipeline.checks.blocks import blocks, memo, prose, text_blocks
from pipeline.checks.disclosure import is_health_content
from pipeline.checks.health import (
    condition_pattern,
    dose_pattern,
    drug_mentions,
    health_term_pattern,
    intervention_pattern,
    negated,
    outcome_pattern,
    phrases,
    terms,
)
from pipeline.checks.prose import (
    Sentence,
    in_credited_quote,
    is_prose,
    literal_pattern,
    prose_blocks,
    sentences,
    split_blocks,
)
from pipeline.model import Article


@dataclass(frozen=True)
class Claim:
    sentence: Sentence
    index: int
    """Where the claim word is in the sentence."""
    phrase: str


@memo
def own_sentences(article: Article) -> list[Sentence]:
    return list(_own_sentences(article))


def _own_sentences(article: Article) -> Iterator[Sentence]:
    """Statements the magazine makes in its own voice, in reading order: not questions,
    quotes or attributed words, and not text in a blockquote that credits its source. The
    cells of a table's body count: "Vitamin D3 prevents colds" is no less a claim there.
    In sponsored content every sentence is the advertiser's: a customer's testimonial or the
    sponsor's pharmacist quoted makes the claim as the advertiser's own words would (the FTC
    holds an advertiser to substantiate what its endorsers say)."""
    sponsored = article.meta is not None and article.meta.sponsor is not None
    credited = set() if sponsored else in_credited_quote(article)
    cells = [block for block in text_blocks(article)
             if block.kind == "cell" and block.token.type == "td_open"
             and not block.in_footnote and is_prose(block)]
    found = sentences(article)
    if cells or any(block.in_container == "pullquote" for block in blocks(article)):
        found = sorted([*found, *split_blocks(cells), *_pulled_claims(article, found)],
                       key=lambda s: s.offset)
    for sentence in found:
        token_map = sentence.block.token.map
        if token_map and token_map[0] in credited:
            continue
        if sentence.text.endswith("?") or (sentence.attributed and not sponsored):
            continue
        yield sentence


_REPEATS = 0.6
"""The share of a pull quote's words one sentence of the body must hold for the pull quote to
repeat it (pull quotes trim and reword a little)."""


def _pulled_claims(article: Article, body: list[Sentence]) -> Iterator[Sentence]:
    """Sentences of pull quotes that repeat no sentence of the body: a claim made only there
    has no source beside it (one repeated from the body is checked, and cited, there)."""
    pulled = [block for block in blocks(article) if block.in_container == "pullquote"]
    said = [_content_words(sentence.text) for sentence in body]
    for sentence in split_blocks(pulled):
        words = _content_words(sentence.text)
        if words and not any(len(words & other) >= _REPEATS * len(words) for other in said):
            yield sentence


def _content_words(text: str) -> set[str]:
    return set(re.findall(r"\w{4,}", text.lower()))


def _phrase(match: re.Match[str]) -> str:
    return " ".join(match.group(0).split())


@memo
def outcome_claims(article: Article, ctx: Context) -> list[Claim]:
    """Sentences tying a drug, supplement, procedure or therapy to a health outcome."""
    return list(_outcome_claims(article, ctx))


def _outcome_claims(article: Article, ctx: Context) -> Iterator[Claim]:
    intervention = intervention_pattern(ctx)
    therapy = literal_pattern(terms(ctx)["treatments"])
    condition = condition_pattern(ctx)
    outcome = outcome_pattern(ctx)
    before = _paragraph_before(article)
    for sentence in own_sentences(article):
        text = sentence.masked
        verb = outcome.search(text)
        if verb is None or negated(sentence, verb.start(), ctx) or \
                _own_level(text, verb, intervention, ctx):
            continue
        # "It also lowers blood pressure": the subject may be the drug the paragraph named,
        # or, for a sentence that opens on "It" or "The supplement", the paragraph before.
        subject = (intervention.search(text)
                   or (therapy.search(text) and condition.search(text))
                   or (not _instruction(sentence, verb, ctx)
                       and (sentence.first_before(intervention)
                            or (_points_back(sentence, ctx)
                                and intervention.search(before.get(sentence.block.offset, ""))))))
        if subject and not states_approved_use(sentence, ctx):
            yield Claim(sentence, verb.start(), _phrase(verb))


@memo
def _paragraph_before(article: Article) -> dict[int, str]:
    """The text of the prose block (paragraph or heading) before each one, by offset."""
    found: dict[int, str] = {}
    previous = ""
    for block in prose_blocks(article):
        found[block.offset] = previous
        previous = block.text
    return found


def _points_back(sentence: Sentence, ctx: Context) -> bool:
    """The sentence opens on a subject that refers back ("It", "They", "The supplement"; or
    "Research suggests it"), and not on an "it" that stands for nothing ("It helps to keep a
    diary")."""
    text = sentence.text
    lead = phrases(ctx, "claims", "reported_by").match(text)  # "Research suggests it ..."
    start = len(text) - len(text[lead.end():].lstrip()) if lead else 0
    return bool(phrases(ctx, "claims", "anaphora").match(text, start)
                and not phrases(ctx, "claims", "dummy_subjects").match(text, start))


_COMPARATIVES = frozenset({"lower", "reduced", "decreased"})


def _own_level(text: str, verb: re.Match[str], intervention: re.Pattern[str],
               ctx: Context) -> bool:
    """'Lower vitamin D levels', 'lower blood levels of vitamin C': a comparative that
    describes how much of the supplement a group holds ("smokers have ..."), not an outcome
    the supplement brings about."""
    if verb.group(0).lower() not in _COMPARATIVES:
        return False
    holder = phrases(ctx, "claims", "level_holders")
    if not any(m.end() == verb.start() for m in holder.finditer(text, max(0, verb.start() - 40),
                                                               verb.start())):
        return False
    level = phrases(ctx, "claims", "level_words")
    after = verb.end() + len(text[verb.end():]) - len(text[verb.end():].lstrip())
    named = intervention.match(text, after)
    if named:  # "lower vitamin D levels"
        after = named.end() + 1
        found = level.match(text, after)
        return found is not None
    found = level.match(text, after)  # "lower blood levels of vitamin C"
    if found is None or not text.startswith(" of ", found.end()):
        return False
    return intervention.match(text, found.end() + len(" of ")) is not None


def _instruction(sentence: Sentence, verb: re.Match[str], ctx: Context) -> bool:
    """The outcome verb tells the reader what to do ("If you have leftover pills, get rid of
    them"), without naming a means ("with a spoonful a day") that would make it a claim for
    what the paragraph named. The verb opens the sentence, or follows an opening clause of
    condition or time, in its base form ("get", not "gets")."""
    text = sentence.masked
    lead = phrases(ctx, "claims", "instruction_leads").match(text)
    opens = lead.end() if lead and lead.end() <= verb.start() else 0
    first = verb.group(0).split()[0].lower()
    return (not text[opens:verb.start()].strip()
            and not first.endswith(("s", "ed", "ing"))
            and not phrases(ctx, "claims", "instruction_means").search(text, verb.end()))


def states_approved_use(sentence: Sentence, ctx: Context) -> bool:
    """'Ivermectin, a drug that treats parasitic worms': a drug named with a use the FDA has
    approved, no other condition and no figure. The drug's label is the source; a number
    ('15% of body weight') is a finding that still needs its study."""
    text = sentence.masked
    supplements = literal_pattern(terms(ctx)["supplements"])
    # A figure is a finding; a supplement beside the drug ("works as well as ibuprofen") is
    # the supplement's claim, not the drug's label.
    if any(char.isdigit() for char in text) or supplements.search(text):
        return False
    conditions = condition_pattern(ctx)
    for drug, mention in drug_mentions(text, ctx):
        name = mention.group(0)  # a brand approved for fewer uses is read by its own label
        uses = drug.brand_approved_for.get(" ".join(name.lower().split()), drug.approved_for)
        approved = uses and literal_pattern(uses).search(text)
        others = [m for m in conditions.finditer(text)
                  if not drug.approves(" ".join(m.group(0).lower().split()), name)]
        if approved and not others:
            return True
    return False


def establishment_claims(article: Article, ctx: Context) -> Iterator[Claim]:
    pattern = phrases(ctx, "claims", "establishment")
    for sentence in own_sentences(article):
        match = pattern.search(sentence.masked)
        if match and not negated(sentence, match.start(), ctx):
            yield Claim(sentence, match.start(), _phrase(match))


def vague_studies(article: Article, ctx: Context) -> Iterator[Claim]:
    study = phrases(ctx, "claims", "vague_study")
    finding = phrases(ctx, "claims", "finding")
    compared = phrases(ctx, "claims", "compared_findings")
    for sentence in own_sentences(article):
        match = study.search(sentence.masked)
        if match and _reports_finding(sentence.masked, match.end(), finding, compared):
            yield Claim(sentence, match.start(), _phrase(match))


def _reports_finding(text: str, start: int, finding: re.Pattern[str],
                     compared: re.Pattern[str]) -> bool:
    """A finding verb follows the study mention at `start`, and not one that closes a
    comparison: in "more modest than the labels suggest" the labels suggest, not the study."""
    closing = [m.span() for m in compared.finditer(text, start)]
    return any(not any(begin <= verb.start() < end for begin, end in closing)
               for verb in finding.finditer(text, start))


def all_claims(article: Article, ctx: Context) -> list[Claim]:
    """Every claim that needs a source, in reading order."""
    found = [*outcome_claims(article, ctx), *establishment_claims(article, ctx),
             *vague_studies(article, ctx)]
    return sorted(found, key=lambda c: c.sentence.offset + c.index)


@rule(
    "CLM001", "health-claim-uncited", "error",
    why="FTC Health Products Compliance Guidance (2022): a health claim needs competent and "
        "reliable scientific evidence, and readers need to be able to find it.",
    example="'Turmeric relieves arthritis pain.' with no reference.",
    fix="Add a footnote to the study ('[^1]' with the reference under '## References'), a "
        "link, a DOI or PMID, or an (Author Year) citation, in the sentence or its paragraph.",
)
def health_claim_uncited(article: Article, ctx: Context) -> Iterator[Hit]:
    """A sentence ties a drug, supplement, procedure or therapy to a health outcome ('relieves
    arthritis pain', 'supports restful sleep') with no citation in the sentence or its
    paragraph."""
    if not is_health_content(article, ctx):
        return
    for claim in outcome_claims(article, ctx):
        if not claim.sentence.cited:
            yield Hit(f"Health claim ('{claim.phrase}') with no source in the sentence or its "
                      "paragraph.", claim.sentence.at(article),
                      hint="Cite the study that shows it (footnote, link, DOI, PMID or "
                           "(Author Year)), attribute it to a named expert, or cut it.",
                      excerpt=claim.sentence.text)


@rule(
    "CLM002", "vague-study-reference", "warning",
    why="SPJ Code of Ethics: identify sources clearly and give readers access to source "
        "material. 'A study of 215 participants' cannot be looked up.",
    example="'Another study from Iran found no significant result.'",
    fix="Name the authors, journal and year and cite it (footnote with DOI, PMID or link).",
)
def vague_study_reference(article: Article, ctx: Context) -> Iterator[Hit]:
    """A study is reported ('a study of 215 participants found') without anything that
    identifies it."""
    if not is_health_content(article, ctx):
        return
    for claim in vague_studies(article, ctx):
        if not claim.sentence.cited:
            yield Hit(f"Study mentioned ('{claim.phrase}') without saying which one.",
                      claim.sentence.at(article),
                      hint="Give the authors, journal and year and cite it with a footnote, "
                           "DOI, PMID or link.", excerpt=claim.sentence.text)


@rule(
    "CLM003", "establishment-claim-uncited", "error",
    why="FTC: a claim that cites a level of proof ('clinically proven', 'studies show') must "
        "have exactly that proof; without a citation the reader cannot check it.",
    example="'Scientific evidence shows that LDN blocks glial cells.'",
    fix="Cite the studies in the same paragraph, or say what the evidence actually is.",
)
def establishment_claim_uncited(article: Article, ctx: Context) -> Iterator[Hit]:
    """'Studies show', 'clinically proven', 'has been shown to', 'science-backed',
    'doctor-recommended' with no citation in the paragraph."""
    if not is_health_content(article, ctx):
        return
    for claim in establishment_claims(article, ctx):
        if not claim.sentence.cited:
            yield Hit(f"'{claim.phrase}' claims a level of proof but cites nothing.",
                      claim.sentence.at(article),
                      hint=f"Cite the studies behind '{claim.phrase}' in this paragraph, or "
                           "describe the evidence plainly ('a small 2009 pilot study "
                           "found ...').", excerpt=claim.sentence.text)


@rule(
    "CLM004", "absolute-efficacy-language", "warning",
    why="FTC: it is unlawful to exaggerate the state of the science. Few treatments 'cure' or "
        "work 'for everyone', and the studies behind most claims say 'may'.",
    example="'LDN is an effective treatment for fibromyalgia.'",
    fix="Say what the evidence shows, with its limits: 'may ease symptoms in some people'.",
)
def absolute_efficacy_language(article: Article, ctx: Context) -> Iterator[Hit]:
    """Absolute wording ('cures', 'guaranteed', 'is an effective treatment') about a health
    outcome, without a hedge."""
    if not is_health_content(article, ctx):
        return
    absolute = phrases(ctx, "claims", "absolute")
    hedges = phrases(ctx, "claims", "hedges")
    for sentence in own_sentences(article):
        match = absolute.search(sentence.masked)
        if (match and _about_health(sentence, ctx) and not hedges.search(sentence.masked)
                and not negated(sentence, match.start(), ctx)):
            yield Hit(f"Absolute language: '{_phrase(match)}' overstates what the evidence "
                      "shows.", sentence.at(article, match.start()),
                      hint="Describe the effect with its limits ('may help some people "
                           "with ...') and cite the study.", excerpt=sentence.text)


def _about_health(sentence: Sentence, ctx: Context) -> bool:
    """The sentence, or the paragraph it sits in, names a drug, supplement, procedure,
    condition or dose: "Results are guaranteed" after a dose is about the drug."""
    health = health_term_pattern(ctx)
    return bool(health.search(sentence.masked) or health.search(sentence.block.text)
                or dose_pattern(ctx).search(sentence.block.text))


def names_harms(sentence: Sentence, ctx: Context) -> bool:
    """The sentence names a harm, and not to deny it: 'has no side effects' is a claim of
    safety, not fair balance."""
    denials = [m.span() for m in phrases(ctx, "claims", "absolute").finditer(sentence.masked)]
    return any(not any(start <= m.start() < end for start, end in denials)
               for m in phrases(ctx, "claims", "harms").finditer(sentence.masked))


@rule(
    "CLM005", "benefits-without-harms", "warning",
    why="15 U.S.C. 55: an advertisement misleads when it fails to reveal the consequences of "
        "use. Fair balance: a piece that gives benefits gives the risks too.",
    example="An article on semaglutide's weight-loss results that never mentions side effects.",
    fix="Add the known side effects, interactions and who should not take it, with a source.",
)
def benefits_without_harms(article: Article, ctx: Context) -> Iterator[Hit]:
    """Outcome claims for a drug or supplement, and no word anywhere about side effects,
    risks or interactions."""
    if not is_health_content(article, ctx):
        return
    if any(names_harms(s, ctx) for s in sentences(article)):
        return
    harms = phrases(ctx, "claims", "harms")
    if any(harms.search(block.text) for block in prose(article) if block.kind == "heading"):
        return  # "## Side Effects and Risks": a section of them
    for claim in outcome_claims(article, ctx):
        yield Hit("The article gives benefits but says nothing about side effects, risks or "
                  "interactions.", claim.sentence.at(article),
                  hint="Add a passage on side effects, interactions and who should not take "
                       "it, with a source.", excerpt=claim.sentence.text)
        return


@rule(
    "CLM006", "unattributed-first-person-finding", "warning",
    why="SPJ: never plagiarize, always attribute. 'We conclude' in a magazine article is "
        "usually a study's words pasted in without quotation marks.",
    example="'Accordingly, we conclude that LDN is an effective treatment.'",
    fix="Quote the researchers and name them, or report the finding in the third person.",
)
def unattributed_first_person_finding(article: Article, ctx: Context) -> Iterator[Hit]:
    """A research finding in the first person ('we conclude', 'our results') that is not
    quoted or attributed."""
    if not is_health_content(article, ctx):
        return
    pattern = phrases(ctx, "claims", "first_person")
    told = phrases(ctx, "claims", "first_person_that")
    research = phrases(ctx, "claims", "research_words")
    for sentence in own_sentences(article):
        match = pattern.search(sentence.masked)
        if match is None:
            match = told.search(sentence.masked)
            if match is None or not research.search(sentence.masked, match.end()):
                continue
        if match:
            yield Hit(f"'{_phrase(match)}' reads as a study's own words, not the magazine's.",
                      sentence.at(article, match.start()),
                      hint="Quote and name the researchers ('The authors wrote, \"...\"') or "
                           "report the finding in the third person.", excerpt=sentence.text)
