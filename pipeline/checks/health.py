"""The health lexicon: drugs (with their approved uses), supplements, procedures,
conditions, treatments.

Data lives in pipeline/data/health.yaml and drugs.yaml; a publication extends it in
publication.toml (`[rules.DIS001] extra_supplements = [...]`, `extra_procedures`,
`extra_conditions`, `extra_treatments`; `[rules.REG001] extra_drugs = [{name = "...",
brands = [...], approved_for = [...], prescription = true}]`). Every term also matches in
its plural ("migraine", "migraines"; "therapy", "therapies").
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from pipeline.checks import Context
from pipeline.checks.blocks import memo
from pipeline.checks.prose import Sentence, literal_pattern, phrase_pattern, prefix_tree

GROUPS = ("drugs", "supplements", "procedures", "conditions", "treatments")
INTERVENTIONS = ("drugs", "supplements", "procedures")
"""The groups that name what a reader might take or undergo: the subject of a health claim."""
_NEGATION_REACH = 40
"""How many characters before a claim word a negation still reverses it ("does not cure")."""


@dataclass(frozen=True)
class Drug:
    generic: str
    names: tuple[str, ...]
    """Every name that refers to the drug: generic, brands, aliases."""
    brands: tuple[str, ...]
    compounded: tuple[str, ...]
    """Names of forms only compounding pharmacies make."""
    prescription: bool
    approved_for: tuple[str, ...]
    """Its approved uses, under any name."""
    brand_approved_for: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """The approved uses of a brand approved for fewer: Ozempic is approved for type 2
    diabetes; weight loss is Wegovy's (the same semaglutide)."""

    def approves(self, condition: str, name: str = "") -> bool:
        """The condition is (a synonym of) one of the approved uses of the drug, or of the
        brand when the name is one with uses of its own."""
        uses = self.brand_approved_for.get(" ".join(name.lower().split()), self.approved_for)
        return any(condition in use or use in condition for use in uses)


def _drug(generic: str, entry: dict[str, Any]) -> Drug:
    def listed(key: str, table: dict[str, Any] = entry) -> tuple[str, ...]:
        return tuple(str(v).lower() for v in table.get(key) or [])

    brands = entry.get("brand_approved_for") or {}
    return Drug(generic.lower(), (generic.lower(), *listed("brands"), *listed("aliases")),
                listed("brands"), listed("compounded"), bool(entry.get("prescription")),
                listed("approved_for"),
                {str(brand).lower(): listed(brand, brands) for brand in brands})


@memo
def drugs(ctx: Context) -> list[Drug]:
    """drugs.yaml plus the publication's `[rules.REG001] extra_drugs`."""
    table: dict[str, Any] = ctx.lexicon("drugs")
    found = [_drug(name, entry or {}) for name, entry in table.items()]
    for entry in ctx.param("REG001", "extra_drugs"):
        found.append(_drug(entry.name, entry.model_dump()))
    return found


_SIBILANT = re.compile(r"(?:x|z|ch|sh)$")
_CONSONANT_Y = re.compile(r"[^aeiou]y$")


def plural(term: str) -> str | None:
    """The plural of a lexicon term, made on its last word ("heart attack", "heart
    attacks"; "therapy", "therapies"; "omega-3", "omega-3s"), or None for a term that ends
    in "s" ("arthritis", "symptoms") or in a sign ("nad+")."""
    if term.endswith("s") or not term[-1:].isalnum():
        return None
    if _CONSONANT_Y.search(term):
        return term[:-1] + "ies"
    return term + ("es" if _SIBILANT.search(term) else "s")


@memo
def listed_terms(ctx: Context) -> dict[str, list[str]]:
    """The health terms by group as the lexicon lists them, with the publication's additions
    and every drug name."""
    lexicon = ctx.lexicon("health")
    groups = {group: [str(t).lower() for t in lexicon.get(group, [])] for group in GROUPS}
    for group in GROUPS[1:]:
        groups[group] += [t.lower() for t in ctx.param("DIS001", f"extra_{group}")]
    groups["drugs"] += [*generic_names(ctx), *(name for drug in drugs(ctx) for name in drug.names)]
    return groups


@memo
def generic_names(ctx: Context) -> list[str]:
    """Nonproprietary drug names: drugs.yaml's keys and health.yaml's `generics`."""
    return [*(drug.generic for drug in drugs(ctx)),
            *(str(name).lower() for name in ctx.lexicon("health").get("generics", []))]


@memo
def terms(ctx: Context) -> dict[str, list[str]]:
    """The health terms by group, each with its plural."""
    return {group: [*listed, *(made for term in listed if (made := plural(term)))]
            for group, listed in listed_terms(ctx).items()}


@memo
def base_terms(ctx: Context) -> dict[str, str]:
    """Each term and each plural made of one, mapped to the term as listed: a writer's
    "migraines" is the lexicon's "migraine", one distinct term, not two."""
    listed = [term for group in listed_terms(ctx).values() for term in group]
    base = {term: term for term in listed}
    base |= {made: term for term in listed if (made := plural(term))}
    return base


@memo
def term_groups(ctx: Context) -> tuple[dict[str, str], re.Pattern[str]]:
    """The group of every term (a term listed in two groups counts in the later one), and a
    pattern for them all."""
    groups = terms(ctx)
    group_of = {term: group for group in GROUPS for term in groups[group]}
    return group_of, literal_pattern(group_of)


@memo
def health_term_pattern(ctx: Context) -> re.Pattern[str]:
    """Any drug, supplement, procedure or condition: what makes a sentence about health."""
    groups = terms(ctx)
    return literal_pattern([term for group in (*INTERVENTIONS, "conditions")
                            for term in groups[group]])


@memo
def intervention_pattern(ctx: Context) -> re.Pattern[str]:
    """Any drug, supplement or procedure: what a health claim is about."""
    groups = terms(ctx)
    return literal_pattern([term for group in INTERVENTIONS for term in groups[group]])


@memo
def condition_pattern(ctx: Context) -> re.Pattern[str]:
    return literal_pattern(terms(ctx)["conditions"])


def dose_pattern(ctx: Context) -> re.Pattern[str]:
    return re.compile(ctx.lexicon("health")["dose_pattern"])


@memo
def _phrase_patterns(ctx: Context) -> dict[tuple[str, str], re.Pattern[str]]:
    """`phrases` of the run, by lexicon and key (filled as rules ask)."""
    return {}


def phrases(ctx: Context, lexicon: str, key: str) -> re.Pattern[str]:
    """A lexicon's phrase list (which may hold regex fragments) as one pattern. Rules ask for
    it per sentence: the list is turned into the pattern once a run, not at every ask."""
    found = _phrase_patterns(ctx)
    pattern = found.get((lexicon, key))
    if pattern is None:
        pattern = found[lexicon, key] = phrase_pattern(
            tuple(str(p) for p in ctx.lexicon(lexicon)[key]))
    return pattern


@memo
def outcome_pattern(ctx: Context) -> re.Pattern[str]:
    """Words that state a health outcome: "relieves", "lowers", "effective against", and a
    structure/function verb before a body function ("supports restful sleep")."""
    claims = ctx.lexicon("claims")
    verbs = "|".join(str(v) for v in claims["target_verbs"])
    targets = "|".join(str(t) for t in claims["health_targets"])
    functions = rf"(?:{verbs}) (?:[\w'-]+ ){{0,3}}?(?:{targets})"
    return phrase_pattern((*(str(p) for p in claims["outcome"]), functions))


@memo
def _negation_ends(ctx: Context) -> re.Pattern[str]:
    words = [str(w) for w in ctx.lexicon("claims")["negation_ends"]]
    return re.compile("|".join(rf"\b{re.escape(w)}\b" if w.isalpha() else re.escape(w)
                               for w in words), re.IGNORECASE)


def negated(sentence: Sentence, index: int, ctx: Context) -> bool:
    """A negation shortly before the claim word reverses it: "does not cure"."""
    before = sentence.masked[max(0, index - _NEGATION_REACH):index]
    ends = list(_negation_ends(ctx).finditer(before))
    if ends:  # a negation in the clause before is not this one's
        before = before[ends[-1].end():]
    return bool(phrases(ctx, "claims", "negations").search(before))


def drug_mentions(text: str, ctx: Context) -> Iterator[tuple[Drug, re.Match[str]]]:
    """Each mention of a known drug in the text, with the drug it names."""
    by_name, pattern = _drug_index(ctx)
    for match in pattern.finditer(text):
        yield _named(by_name, match), match


def drug_before(sentence: Sentence, ctx: Context) -> tuple[Drug, re.Match[str]] | None:
    """The first drug the paragraph names before the sentence (`Sentence.first_before`)."""
    by_name, pattern = _drug_index(ctx)
    match = sentence.first_before(pattern)
    return None if match is None else (_named(by_name, match), match)


def _named(by_name: dict[str, Drug], mention: re.Match[str]) -> Drug:
    return by_name[re.sub(r"\s+", " ", mention.group(0).lower())]


@memo
def _drug_index(ctx: Context) -> tuple[dict[str, Drug], re.Pattern[str]]:
    by_name = {name: drug for drug in drugs(ctx) for name in drug.names}
    # A name may open a compound ("ketamine-assisted therapy", "semaglutide-based"): it still
    # names the drug. Not the end of one ("non-opioid").
    names = prefix_tree(sorted(by_name))
    return by_name, re.compile(rf"(?<![\w-])(?:{names})(?![\w]|-(?![\w]))", re.IGNORECASE)
