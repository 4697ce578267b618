"""Disclosure rules: medical disclaimers, sponsor labels and material connections."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

from pipeline.checks import Context, Hit, Parameters, Words, rule
from pipeline.checks.blocks import Block, body_text, memo
from pipeline.checks.health import (
    GROUPS,
    INTERVENTIONS,
    base_terms,
    condition_pattern,
    dose_pattern,
    health_term_pattern,
    intervention_pattern,
    negated,
    outcome_pattern,
    phrases,
    term_groups,
)
from pipeline.checks.paragraphs import words_pattern
from pipeline.checks.prose import (
    Sentence,
    all_sentences,
    literal_pattern,
    may_hold,
    phrases_may_hold,
    sentence_words,
    sentences,
    word_set,
)
from pipeline.model import Article

_PHONE = re.compile(r"(?<!\d)(?:\+?1[\s.-]?)?\(?\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}(?!\d)")
_LABEL_WORDS = 12
_WEB = re.compile(r"https?://|\bwww\.|(?<![\w-])[\w-]++\.(?:com|org|net|health|clinic|care|us|example)\b")


@memo
def _plain_body(article: Article) -> str:
    return body_text(article).replace("’", "'")


@memo
def _body_words(article: Article) -> frozenset[str]:
    return word_set(_plain_body(article))


@memo
def health_terms(article: Article, ctx: Context) -> dict[str, set[str]]:
    """Distinct health-lexicon terms in the body, by group, each as the lexicon lists it
    ("migraines" is "migraine")."""
    text = _plain_body(article)
    group_of, pattern = term_groups(ctx)
    base = base_terms(ctx)
    found: dict[str, set[str]] = {group: set() for group in GROUPS}
    # Most articles hold no health term at all: a set of their words tells, cheaper than the
    # pattern's search of the whole text.
    if may_hold(_body_words(article), group_of):
        for match in pattern.finditer(text):
            term = re.sub(r"\s+", " ", match.group(0).lower())
            found[group_of[term]].add(base[term])
    return found


@memo
def is_health_content(article: Article, ctx: Context) -> bool:
    """Health content names a drug, supplement or procedure with other health terms, a dose
    with a condition, or several conditions; or, however short, it makes a health claim
    ("Turmeric relieves arthritis pain."). Treatment words or units alone ("3 g") are not
    enough."""
    found = health_terms(article, ctx)
    interventions = set().union(*(found[group] for group in INTERVENTIONS))
    conditions = found["conditions"]
    distinct = sum(len(terms) for terms in found.values())
    threshold = int(ctx.lexicon("health").get("threshold", 3))
    if (interventions and distinct >= threshold) or len(conditions) >= 2:
        return True
    if not interventions and not conditions:
        return False  # a dose decides only beside an intervention or a condition
    # A dose counts as one more distinct term.
    dose = bool(dose_pattern(ctx).search(_plain_body(article)))
    if (interventions and distinct + dose >= threshold) or (dose and conditions):
        return True
    return bool(interventions and conditions) and claims_an_outcome(article, ctx)


def claims_an_outcome(article: Article, ctx: Context) -> bool:
    """Some sentence ties a drug, supplement or procedure to a condition with a word of
    outcome, not negated: a brief of two lines that says "Turmeric relieves arthritis pain"
    makes a health claim, and a claim needs its source and its disclaimer whatever the
    length of the piece. Mentions alone ("turmeric", "arthritis" in different sentences)
    stay below the threshold."""
    intervention = intervention_pattern(ctx)
    condition = condition_pattern(ctx)
    outcome = outcome_pattern(ctx)
    for sentence in sentences(article):
        text = sentence.masked
        if sentence.text.endswith("?") or not intervention.search(text):
            continue
        verb = outcome.search(text)
        if verb and condition.search(text) and not negated(sentence, verb.start(), ctx):
            return True
    return False


def first_health_sentence(article: Article, ctx: Context) -> tuple[Sentence, int] | None:
    """The first sentence naming a drug, supplement, procedure, condition or dose, and where
    the term is."""
    pattern = health_term_pattern(ctx)
    for sentence in sentences(article):
        if sentence.text.endswith("?"):
            continue  # a question (often the headline repeated) states nothing yet
        match = pattern.search(sentence.masked) or dose_pattern(ctx).search(sentence.masked)
        if match:
            return sentence, match.start()
    return None


class _HealthTermParameters(Parameters):
    """The publication's own health terms, beside those of pipeline/data/health.yaml."""

    extra_supplements: Words = ()
    """Supplements the magazine writes about, beside those of health.yaml ("sea moss")."""
    extra_procedures: Words = ()
    """Named procedures, beside those of health.yaml ("cupping")."""
    extra_conditions: Words = ()
    """Conditions, beside those of health.yaml ("tinnitus")."""
    extra_treatments: Words = ()
    """Generic treatment words, beside those of health.yaml ("regimen")."""


@rule(
    "DIS001", "medical-disclaimer-missing", "error", params=_HealthTermParameters,
    why="HONcode principle 2: health information must support, not replace, the relationship "
        "between a patient and their doctor. The magazine prints a standard disclaimer on every "
        "piece of health content.",
    example="An article about naltrexone doses for fibromyalgia with `disclaimers: []`.",
    fix="Add `medical` to `disclaimers:` in the front matter; the pipeline prints the text.",
)
def medical_disclaimer_missing(article: Article, ctx: Context) -> Iterator[Hit]:
    """Health content (drugs, supplements, doses, conditions) lacks the medical disclaimer."""
    meta = article.meta
    if meta is None or "medical" in meta.disclaimers:
        return
    if not is_health_content(article, ctx):
        return
    if ctx.settings.listing(meta.kind) and not claims_an_outcome(article, ctx):
        return  # an events calendar names a flu clinic and a diabetes class, advising on none
    found = health_terms(article, ctx)
    named = sorted(set().union(*(found[group] for group in (*INTERVENTIONS, "conditions"))))[:4]
    first = first_health_sentence(article, ctx)
    where = first[0].at(article, first[1]) if first else article.key_position("title")
    yield Hit(
        "This is health content"
        + (f" (it mentions {', '.join(named)})" if named else "")
        + " but carries no medical disclaimer.",
        where,
        hint="Add `medical` to `disclaimers:` in the front matter; the pipeline prints the "
             "standard text.",
        excerpt=first[0].text if first else "",
    )


@dataclass(frozen=True)
class Signal:
    """Text that shows a piece is selling something."""

    sentence: Sentence
    index: int
    what: str


def is_labeled(article: Article, ctx: Context) -> bool:
    """Sponsored kind, a named sponsor and the sponsored disclaimer: the pipeline prints the
    label above the title and the disclosure after the text."""
    meta = article.meta
    return (meta is not None and meta.kind in ctx.settings.sponsored_kinds()
            and meta.sponsor is not None and "sponsored" in meta.disclaimers)


def sponsor_unnamed(article: Article, ctx: Context) -> bool:
    """An advertorial without its sponsor: the pipeline prints the label from the kind, and
    the missing name is DIS003's finding, not a missing label or an undisclosed tie."""
    meta = article.meta
    return (meta is not None and meta.kind in ctx.settings.sponsored_kinds()
            and meta.sponsor is None)


def _business_pattern(ctx: Context) -> re.Pattern[str]:
    # Longest first, so the name is whole: "Lakeside Wellness Center", not "Lakeside Wellness".
    ordered = sorted((str(w) for w in ctx.lexicon("commerce")["business_words"]), key=len,
                     reverse=True)
    words = "|".join(w.replace(" ", r"\s+") for w in ordered)
    # A run of capitalized words ending in a business word: "Welltopia Pharmacy".
    return re.compile(rf"\b(?:[A-Z][\w'&.-]*\s+){{1,4}}(?i:{words})\b")


_NAME_AFTER = re.compile(r"[ \t]+([A-Z][\w'-]*(?:[ \t]+(?:&[ \t]+)?[A-Z][\w'-]*){0,4})")
"""A run of capitalized words on one line, "&" between two: the name after an owner word
("Harbor & Vine")."""


@memo
def owned_businesses(article: Article, ctx: Context) -> tuple[str, ...]:
    """The names of businesses the text says someone owns or runs ("Lisa Brenner, who owns
    Golden Root Naturals"), whatever word they end in."""
    text = _plain_body(article)
    if not phrases_may_hold(_body_words(article),
                            [str(w) for w in ctx.lexicon("commerce")["owner_words"]]):
        return ()
    names = set()
    for match in phrases(ctx, "commerce", "owner_words").finditer(text):
        name = _NAME_AFTER.match(text, match.end())
        if name:
            names.add(" ".join(name.group(1).split()))
    return tuple(sorted(names))


_HOST = re.compile(r"(?:https?://|\bwww\.|@)([\w.-]+)")
_BARE_HOST = re.compile(r"(?<![\w.-])(?:www\.)?([a-z0-9][\w-]*)\.(?!gov\b|edu\b|org\b|mil\b)"
                        r"[a-z]{2,}\b", re.IGNORECASE)
"""The first label of a web address without a scheme, not of a public body's or a charity's
(.gov, .edu, .org): "emberhotyoga" in "emberhotyoga.example"."""
_CAPITALIZED_RUN = re.compile(r"\b[A-Z][\w'-]*(?:[ \t]+(?:&[ \t]+)?[A-Z][\w'-]*){0,4}")
_TWO_PARTS = re.compile(r"[A-Z][a-z]+[A-Z]")
"""A one-word name made of two capitalized parts: a brand ("GlucoBalance", "SlimLine")."""
_DIRECT_CALL = re.compile(
    r"\b(?i:call|contact|text|visit|email|reach)[ \t]+(?:the[ \t]+)?"
    r"((?:[A-Z][\w'&.-]*[ \t]+){0,4}[A-Z][\w'&.-]*)[ \t]+(?:at|on|via)[ \t]+"
    r"(?=\(?\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}|https?://|www\.|(?i:[\w-]+\.(?:com|net|health|clinic|care|us|example))\b)")
"""A call to a name with its phone number or web address after it: "call Northshore Ketamine
at 414-555-0123", whatever word the name ends in."""


def _web_name(text: str, names: tuple[str, ...]) -> str | None:
    """The business whose name a web address in the text spells ("goldenrootnaturals.example"
    for Golden Root Naturals)."""
    hosts = [_squashed(host) for host in _HOST.findall(text)]
    return next((name for name in names if any(_squashed(name) in host for host in hosts)),
                None)


@memo
def _named_in_body(article: Article) -> dict[str, str]:
    """The names of two words or more in the text (runs of capitalized words: "Ember Hot
    Yoga", "Slimline Rx"), or of one in two capitalized parts ("GlucoBalance"), by their
    letters in lower case ("emberhotyoga")."""
    found: dict[str, str] = {}
    for match in _CAPITALIZED_RUN.finditer(_plain_body(article)):
        words = match.group(0).split()
        for word in words:
            if _TWO_PARTS.match(word):
                found.setdefault(_squashed(word), word)
        # Every stretch of two words or more: "Founder Jake Morrow" holds "Jake Morrow", and
        # "Radiance Aesthetics & Wellness" is "radianceaesthetics.example".
        for start in range(len(words) - 1):
            for end in range(start + 2, len(words) + 1):
                if "&" not in (words[start], words[end - 1]):
                    name = " ".join(words[start:end])
                    found.setdefault(_squashed(name), name)
    return found


def _spelled_name(article: Article, text: str, ctx: Context) -> str | None:
    """A name of the article's that a web address in the text spells whole: the address of
    the business the article is about ("grab a spot at emberhotyoga.example" after "Ember Hot
    Yoga on Kinnickinnic Avenue"). Not the magazine's own address, nor a .gov, .edu or .org,
    nor an event's or a public body's ("Harvest Fest")."""
    own = _own_address(ctx)
    names = _named_in_body(article)
    public = phrases(ctx, "commerce", "not_business_words")
    for label in _BARE_HOST.findall(text):
        name = names.get(_squashed(label))
        if name is None or (own is not None and own[0].startswith(label.lower() + ".")):
            continue
        if not any(word.end() == len(name) for word in public.finditer(name)):
            return name  # not an event's or a public body's ("Harvest Fest")
    return None


def _direct_name(text: str, ctx: Context) -> str | None:
    """The name a call to action gives with its number or address right after it, if no
    word of it names a public body or a helpline ("call the National Helpline at ..."), and
    it is not the magazine's own."""
    for match in _DIRECT_CALL.finditer(text):
        name = " ".join(match.group(1).split())
        if not phrases(ctx, "commerce", "not_business_words").search(name) \
                and _squashed(name) != _squashed(ctx.settings.site.title):
            return name
    return None


def _squashed(text: str) -> str:
    return "".join(char for char in text.lower() if char.isalnum())


def call_to_action(article: Article, ctx: Context) -> Iterator[Signal]:
    """A call to action naming a business, with a phone number or web address at hand; or
    one whose phone number or web address is in the sentence itself, in a paragraph that
    names the business ("Lakeside Wellness Center is on Water Street. Call 414-555-0101 to
    book.") or whose web address spells a business the article introduced."""
    commerce = ctx.lexicon("commerce")
    words = sentence_words(article)
    owned = owned_businesses(article, ctx)
    if not phrases_may_hold(words, [str(p) for p in commerce["cta"]]):
        return  # no call to action
    offers = phrases(ctx, "commerce", "offers")
    direct = _direct_name(_plain_body(article), ctx) is not None
    named = (bool(owned) or phrases_may_hold(words, [str(w) for w in commerce["business_words"]])
             or direct)
    if not named and not (_BARE_HOST.search(_plain_body(article))
                          and offers.search(_plain_body(article))):
        return  # no business name, nor an offer beside a web address that may spell one
    cta = phrases(ctx, "commerce", "cta")
    names = business_names(article, ctx)
    offered: dict[int, bool] = {}  # by paragraph (offset): it makes an offer

    def makes_offer(block: Block) -> bool:
        if block.offset not in offered:
            offered[block.offset] = offers.search(block.text) is not None
        return offered[block.offset]

    for sentence in sentences(article):
        # The business name first: its pattern starts on a capital, so it is the quicker search.
        # A direct call is looked for in the sentence only where the article holds one.
        name = names.find(sentence.masked) or (
            _direct_name(sentence.masked, ctx) if direct else None)
        if name is None and not named and not makes_offer(sentence.block):
            continue  # only a web address with an offer beside it can name the business
        if name is None and not _reaches_business(sentence.source, ctx):
            continue
        verb = cta.search(sentence.masked)
        paragraph = sentence.block.source
        if verb is None or not _reaches_business(paragraph, ctx):
            continue
        name = name or names.find(sentence.block.text) or _web_name(sentence.source, owned)
        if name is None and makes_offer(sentence.block):
            name = _spelled_name(article, sentence.source, ctx)
        if name is not None:
            yield Signal(sentence, verb.start(), f"a call to action for {name}")


@dataclass(frozen=True)
class _BusinessNames:
    business: re.Pattern[str]
    """A capitalized run ending in a business word ("Welltopia Pharmacy")."""
    cta: re.Pattern[str]
    owned: re.Pattern[str] | None
    """The businesses the article says someone owns or runs (`owned_businesses`)."""

    def find(self, text: str) -> str | None:
        """The first business name in the text, without a call-to-action verb that opens the
        capitalized run ("Call Welltopia Pharmacy")."""
        match = self.business.search(text)
        if match is not None:
            opening = self.cta.match(match.group(0))
            return " ".join(match.group(0)[opening.end() if opening else 0:].split())
        match = self.owned.search(text) if self.owned is not None else None
        return " ".join(match.group(0).split()) if match is not None else None


@memo
def business_names(article: Article, ctx: Context) -> _BusinessNames:
    owned = owned_businesses(article, ctx)
    return _BusinessNames(_business_pattern(ctx), phrases(ctx, "commerce", "cta"),
                          literal_pattern(owned) if owned else None)


def _reaches(text: str) -> bool:
    """The text holds a phone number or a web address: a way to reach a business."""
    return bool(_PHONE.search(text) or _WEB.search(text))


@memo
def _own_address(ctx: Context) -> tuple[str, re.Pattern[str]] | None:
    """The magazine's own domain, and a pattern of its web and email addresses: "Email your
    question to editor@lakeshoreliving.example" invites readers to write to the magazine, not
    to a business the paragraph names."""
    host = (urlsplit(ctx.settings.site.base_url).hostname or "").removeprefix("www.").lower()
    if not host:
        return None
    return host, re.compile(rf"(?:[\w.+-]+@|https?://)?(?:www\.)?{re.escape(host)}(?![\w-])\S*",
                            re.IGNORECASE)


def _reaches_business(text: str, ctx: Context) -> bool:
    """`_reaches`, not counting the magazine's own addresses."""
    own = _own_address(ctx)
    if own is not None and own[0] in text.lower():  # the pattern only where it can match
        text = own[1].sub(" ", text)
    return _reaches(text)


def first_person_business(article: Article, ctx: Context) -> Iterator[Signal]:
    """The business speaking in the first person: "our clinic", "we compound"."""
    pattern = phrases(ctx, "commerce", "first_person_business")
    for sentence in sentences(article):
        match = pattern.search(sentence.masked)
        if match and not sentence.attributed:
            yield Signal(sentence, match.start(),
                         f"first-person business language ('{' '.join(match.group(0).split())}')")


def weak_labels(article: Article, ctx: Context) -> Iterator[Signal]:
    pattern = phrases(ctx, "commerce", "weak_labels")
    for sentence in sentences(article):
        match = pattern.match(sentence.masked)
        # A label is a short line of its own ("Presented by Welltopia Pharmacy"), not the
        # verb in a sentence ("the change was promoted to stable").
        if match and len(sentence.block.text.split()) <= _LABEL_WORDS:
            yield Signal(sentence, match.start(),
                         f"'{' '.join(match.group(0).split())}', which is not a sponsor label")


def typed_labels(article: Article, ctx: Context) -> Iterator[Signal]:
    """A sponsor label typed on a line of its own ("SPONSORED CONTENT", "Sponsored: Luna
    Drip Bar"): the line alone, or before a separator and a short name. The piece says it is
    paid for, but only the front matter makes the pipeline print the label."""
    pattern = _typed_label(ctx)
    for sentence in sentences(article):
        match = pattern.match(sentence.masked)
        if match and len(sentence.block.text.split()) <= _LABEL_WORDS:
            yield Signal(sentence, match.start(),
                         f"'{' '.join(match.group(1).split())}' typed in the text as a label")


@memo
def _typed_label(ctx: Context) -> re.Pattern[str]:
    labels = words_pattern(ctx.lexicon("commerce")["typed_labels"])
    return re.compile(rf"\W*({labels})\W*(?:$|[:|—–·•]|\s-\s)", re.IGNORECASE)


_SHOWN_FIELDS = ("dek", "summary")
"""Front-matter text readers see before the article: the dek prints under the title, the
summary goes to the feeds, the newsletter and the social cards."""
_LABEL_START = re.compile(r"[.:;|(\[\u2013\u2014-]\s*$")
"""What may come before a label that does not open the text: "A guide to LDN | Presented by"."""


def front_matter_signals(article: Article, ctx: Context) -> Iterator[tuple[str, str]]:
    """Commercial intent in the dek or summary (the field, and what shows it): weak label
    wording that opens the text or a part of it ("Presented by Welltopia Pharmacy"), or a call
    to action naming a business with a phone number or web address at hand."""
    meta = article.meta
    if meta is None:
        return
    weak = phrases(ctx, "commerce", "weak_labels")
    cta = phrases(ctx, "commerce", "cta")
    names = business_names(article, ctx)
    for field in _SHOWN_FIELDS:
        text = " ".join(str(getattr(meta, field, "") or "").split()).replace("\u2019", "'")
        label = next((m for m in weak.finditer(text)
                      if m.start() == 0 or _LABEL_START.search(text, 0, m.start())), None)
        if label is not None:
            yield field, f"'{label.group(0)}' in the {field}, which is not a sponsor label"
            continue
        name = names.find(text)
        if name is not None and cta.search(text) and _reaches_business(text, ctx):
            yield field, f"a call to action for {name} in the {field}"


@memo
def discloses_connection(article: Article, ctx: Context) -> bool:
    """Some sentence, the bio's included, says who the writer or expert works for ("Dana Kim
    is a family physician at Lakeside Family Medicine")."""
    disclosure = phrases(ctx, "commerce", "disclosures")
    return any(disclosure.search(s.masked) for s in all_sentences(article))


@memo
def commercial_signals(article: Article, ctx: Context) -> list[Signal]:
    """Everything in the text that shows commercial intent, in reading order. A listing's
    entries each say where to call or register ("Call Harbor Physical Therapy at ... to save
    a seat"): that is the calendar's service, not a sale. A practitioner's "my practice", with
    the tie disclosed, is a column by someone readers know, not the business's voice."""
    listing = ctx.settings.listing(article.meta.kind if article.meta else None)
    found = [] if listing else [*call_to_action(article, ctx)]
    found += weak_labels(article, ctx)
    found += typed_labels(article, ctx)
    if is_health_content(article, ctx) and not discloses_connection(article, ctx):
        found += first_person_business(article, ctx)
    return sorted(found, key=lambda s: s.sentence.offset + s.index)


@rule(
    "DIS002", "sponsor-label-missing", "error",
    why="FTC policy on native advertising and the ASME guidelines: paid or promotional content "
        "must be identifiable as advertising before a reader starts reading. Wording such as "
        "'Promoted' or 'Presented by' is, in the FTC's words, at best ambiguous.",
    example="An article ending 'Call Welltopia Pharmacy at 262-429-9429' with `kind: feature`.",
    fix="Make it `kind: advertorial` with `sponsor:` and `disclaimers: [sponsored]` so the "
        "pipeline prints the sponsor label, or cut the call to action.",
)
def sponsor_label_missing(article: Article, ctx: Context) -> Iterator[Hit]:
    """Commercial content (a call to action for a named business, a sponsor, or weak label
    wording) that is not labeled as sponsored."""
    meta = article.meta
    if meta is None or is_labeled(article, ctx) or sponsor_unnamed(article, ctx):
        return
    if meta.kind in ctx.settings.sponsored_kinds():  # with its sponsor: labeled by its kind
        yield Hit(f"The {meta.kind} names its sponsor but does not declare the `sponsored` "
                  "disclaimer, so the disclosure is not printed with it.",
                  article.key_position("disclaimers" if "disclaimers" in article.key_positions
                                       else "kind"),
                  hint="Add `sponsored` to `disclaimers:` in the front matter.")
        return
    label = ctx.settings.sponsor_label.text
    fix = (f"Make it `kind: advertorial` with `sponsor:` and `disclaimers: [sponsored]` so the "
           f"pipeline prints '{label}', or cut the promotional text.")
    signals = commercial_signals(article, ctx)
    if signals:
        first = signals[0]
        yield Hit(f"This reads as commercial content ({first.what}) but is not labeled as "
                  f"sponsored.", first.sentence.at(article, first.index), hint=fix,
                  excerpt=first.sentence.text)
        return
    shown = next(front_matter_signals(article, ctx), None)
    if shown is not None:
        field, what = shown
        yield Hit(f"This reads as commercial content ({what}) but is not labeled as "
                  "sponsored.", article.key_position(field), hint=fix,
                  excerpt=str(getattr(meta, field)))
    elif meta.sponsor is not None:
        yield Hit(f"The article names a sponsor ({meta.sponsor.name}) but is not labeled as "
                  "sponsored.", article.key_position("sponsor"), hint=fix)


@rule(
    "DIS003", "advertorial-without-sponsor", "error",
    why="ASME and the FTC require paid content to say who paid for it; an advertorial without "
        "a named sponsor cannot carry a truthful sponsor label.",
    example="kind: advertorial  (and no `sponsor:`)",
    fix="Add `sponsor: {name: ..., url: ..., phone: ...}` to the front matter.",
)
def advertorial_without_sponsor(article: Article, ctx: Context) -> Iterator[Hit]:
    """A sponsored kind (advertorial) does not name its sponsor."""
    meta = article.meta
    if meta is None or meta.kind not in ctx.settings.sponsored_kinds() or meta.sponsor:
        return
    yield Hit(
        f"{'an' if meta.kind[:1] in 'aeiou' else 'a'} {meta.kind} must name its sponsor",
        article.key_position("kind"),
        hint="Add `sponsor: {name: \"...\", url: \"https://...\"}` to the front matter.",
    )


@rule(
    "DIS004", "material-connection-undisclosed", "error",
    why="16 CFR 255.5: a connection between the writer and the business they recommend, one "
        "that might change how readers weigh the words, must be disclosed clearly.",
    example="'At our pharmacy we compound LDN in every strength.' in an unlabeled feature.",
    fix="Disclose the connection in the text ('The author owns Welltopia Pharmacy') or run the "
        "piece as a labeled advertorial.",
)
def material_connection_undisclosed(article: Article, ctx: Context) -> Iterator[Hit]:
    """The text speaks for a business ('our pharmacy', 'we offer') without disclosing the
    writer's connection to it."""
    if (article.meta is None or is_labeled(article, ctx) or sponsor_unnamed(article, ctx)
            or not is_health_content(article, ctx)):
        return
    if discloses_connection(article, ctx):
        return
    for signal in first_person_business(article, ctx):
        yield Hit(f"The text speaks for a business ({signal.what}) without disclosing the "
                  "writer's connection to it.", signal.sentence.at(article, signal.index),
                  hint="Say who the writer works for ('Jordan Ellis is the pharmacist at "
                       "Welltopia Pharmacy') or run the piece as a labeled advertorial.",
                  excerpt=signal.sentence.text)
        return
