"""Link and contact rules: phone numbers that cannot be dialled, calls to action that lead
nowhere and web addresses that cannot work (LNK001, LNK002)."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from pydantic import field_validator

from pipeline.checks import Context, Hit, Parameters, rule
from pipeline.checks.blocks import Block, memo, text_blocks
from pipeline.checks.paragraphs import masked, without_code, words_pattern
from pipeline.checks.prose import caseless, prefix_tree
from pipeline.model import Article

# Candidate spans only: anything shaped like a North American or international number, loose
# enough to catch typos (a digit group too short or too long); libphonenumber decides.
_PHONE_CANDIDATE = re.compile(
    r"(?<![\w.,/+-])\+\d{1,3}(?:[\s.-]?\(0\))?(?:[\s.-]?\(\d{1,5}\)|[\s.-]\d{1,5}){2,5}"
    r"(?![\w-]|[.,]\d)"
    r"|(?<![\w.,/-])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{2,4}\)\s?|\d{2,4}[\s.-])\d{2,5}[.-]\d{3,5}"
    r"(?![\w-]|[.,]\d)"
    r"|(?<![\w.,/-])(?:1[.-])?(?:\(\d{3}\)\s?|\d{3}[.-])\d{3}[.-]\d{1,2}(?![\w-]|[.,]\d)"
    r"|(?<![\w.,/-])\d{3}-\d{4}(?![\w-]|[.,]\d)"
    r"|(?<![\w.,/+$€£-])(?<!\d[ \xa0])(?:1[ \xa0])?(?:\([2-9]\d\d\)|[2-9]\d\d)[ \xa0][2-9]\d\d"
    r"[ \xa0]\d{2,5}(?![\w-]|[.,]\d|[ \xa0]\d)"
    r"|(?<![\w.,/+$€£-])(?<!\d[ \xa0])(?P<trunk>(?:\(0\d{1,4}\)|0\d{1,4})(?:[ \xa0]\d{2,8}){1,4})"
    r"(?![\w-]|[.,]\d|[ \xa0]\d)"
)
"""Branches: a number after a country code, its groups apart by spaces too ("+44 20 7946 095");
one written the North American way, or another country's with a hyphen or dot before its last
group; an area code and exchange with a last group cut short ("262-268-14", the digits lost at
a line's end); seven digits without an area code; an area code and exchange apart by spaces,
each starting 2-9 as they must ("414 555 012"), not a count grouped by thousands ("4 500",
"250 000 000") or a list of years or ZIP codes; groups apart by spaces after a leading 0, as
the UK, Ireland or Australia write their numbers without the country code ("020 7946 0958"),
nine digits or more (`_phone_candidates`). The spaced branches take no group after the last
digit and a space: such runs are tables of figures."""
_VANITY_CANDIDATE = re.compile(
    r"(?<![\w.,/-])(?P<trunk>\+?1[\s.-]?)?(?:\((?P<paren>\d{3})\)(?P<space>\s)?"
    r"|(?P<area>\d{3})[.-])"
    r"(?P<word>[A-Z\d]*[A-Z][A-Z\d]*(?:[.-][A-Z\d]+)* [A-Z]{2,}[A-Z\d]*(?![\w-])"
    r"|(?=[A-Za-z\d.-]*[A-Za-z])[A-Za-z\d]+(?:[.-][A-Za-z\d]+)*(?![\w-]))")
"""A number spelled in letters, as vanity numbers are printed ("1-800-FLOWERS",
"(888) PET-MEDS", "414-CALL-NOW", "1-800-Flowers", "1-800-Go-Fit", "1-800-RED CROSS": two
capitalized words); `_vanity` decides which are meant as numbers."""
_TITLE_CASE_PARTS = re.compile(r"[A-Z\d][A-Za-z\d]*(?:[.-][A-Z\d][A-Za-z\d]*)*")
"""Each part of a word capitalized ("Go-Fit", "Kars4Kids"), as a mixed-case vanity number is
written; "year-old" and "Flowers.com" are not."""
_TOLL_FREE = re.compile(r"8(\d)\1")
"""North American toll-free area codes (800, 833, 844 ... 888), where vanity numbers live."""
_PHONE_HINT = re.compile(
    r"\d(?:[.-]\d{3}|\d\d(?:\)\s?|[.-])[A-Z]|\)?[ \xa0]\d{2,4}[ \xa0]\d|\d{1,3}[ \xa0]\d{6})|\+\d")
"""What every phone candidate contains ("4-5555", "800-GO", "800-Go", "(888) P", "4 555 0",
"4) 555 0", "07700 900123", "+4"): a cheap test before masking a paragraph. A vanity word
opens on a capital (`_vanity`) after its code and a bracket, hyphen or dot: not "2018
Edition", nor "rfcs/2057-trait" in a link. One digit first, then the branches: an
alternation of two patterns each opening on a digit tests every digit twice."""


@memo
def _range_unit(ctx: Context) -> re.Pattern[str]:
    """A unit or count after a candidate: the digits are a range ("500-1000 mg"), not a phone."""
    units = sorted((re.escape(str(unit)) for unit in ctx.lexicon("hygiene")["range_units"]),
                   key=len, reverse=True)
    return re.compile(rf"\s?(?:{'|'.join(units)})(?![\w-])", re.IGNORECASE)


def _vanity(match: re.Match[str]) -> bool:
    """Whether a `_VANITY_CANDIDATE` is a phone number: three letters or more (what
    libphonenumber reads as letters for digits), after a leading 1, a toll-free code or with
    seven characters at least ("Highway 100-SOUTH" is a road); in two words, after a leading 1
    or a toll-free code. In mixed case, each part
    capitalized and joined to the code by a hyphen or a dot, after a leading 1 or a toll-free
    code: "1-800-Flowers", "800-Got-Junk", but not "100-year-old", "Ten 200-Calorie Snacks"
    or "(800) Not"."""
    word = match["word"]
    letters = sum(c.isalpha() for c in word)
    if letters < 3:
        return False
    toll_free = bool(_TOLL_FREE.fullmatch(match["paren"] or match["area"]))
    if " " in word:  # a second word in capitals: only after a leading 1 or a toll-free code
        return bool(match["trunk"]) or toll_free
    if not word.isupper():
        return bool(_TITLE_CASE_PARTS.fullmatch(word)) and not match["space"] \
            and (bool(match["trunk"]) or toll_free)
    characters = sum(c.isalnum() for c in word)
    return bool(match["trunk"]) or characters >= 7 or toll_free


def _dialled(number: str, region: str) -> str:
    """What a phone dials for `number`: its letters as the keypad's digits, and in North America
    no letter past the tenth digit, which phones ignore ("1-800-CONTACTS" is 1-800-266-8228)."""
    import phonenumbers

    if not any(c.isalpha() for c in number):
        return number
    stripped = number.lstrip()
    north_american = stripped.startswith("+1") if stripped.startswith("+") \
        else phonenumbers.country_code_for_region(region) == 1
    characters = [(index, c) for index, c in enumerate(number) if c.isalnum()]
    surplus = len(characters) - (characters[0][1] == "1") - 10  # a leading 1 is the trunk
    if north_american and surplus > 0 and all(c.isalpha() for _, c in characters[-surplus:]):
        number = number[:characters[-surplus][0]].rstrip(" .-")
    return str(phonenumbers.convert_alpha_characters_in_number(number))


@lru_cache(maxsize=4096)
def _invalid_phone(number: str, region: str) -> str | None:
    """Why `number` cannot be dialled, or None when libphonenumber finds it valid (asked once
    for a number a page repeats: parsing is the rule's cost)."""
    import phonenumbers  # imported on first use: its metadata is slow to load

    dialled = _dialled(number, region)
    try:
        parsed = phonenumbers.parse(dialled, region)
    except phonenumbers.NumberParseException as exc:
        return str(exc.args[0]) if exc.args else "not a phone number"
    if phonenumbers.is_valid_number(parsed):
        return None
    digits = len(re.sub(r"\D", "", dialled))
    spelled = f"it dials {dialled}" if dialled != number else ""
    if digits == 7:
        return "no area code" + (f" ({spelled})" if spelled else "")
    details = [*([] if phonenumbers.is_possible_number(parsed) else ["wrong number of digits"]),
               *([spelled] if spelled else [])]
    return "not a valid number" + (f" ({': '.join(details)})" if details else "")


@memo
def _abroad(ctx: Context) -> tuple[dict[str, str], dict[str, str], re.Pattern[str]]:
    """(the name of each country of `phone_regions` by its region code, in the lexicon's order;
    the region of each place; one pattern of the places, longest first, so "Northern Ireland"
    is the UK's and not Ireland's)."""
    entries = ctx.lexicon("hygiene")["phone_regions"]
    names = {str(code): str(entry["name"]) for code, entry in entries.items()}
    regions = {str(place): str(code) for code, entry in entries.items()
               for place in entry["places"]}
    places = sorted(regions, key=len, reverse=True)
    return names, regions, re.compile(
        rf"(?<![\w.])(?:{'|'.join(re.escape(place) for place in places)})(?!\w)")


@memo
def _places_named(article: Article, ctx: Context) -> dict[str, str]:
    """The first place the article (title or body) names for each country of `phone_regions`,
    by region code: asked only of an article with a number that cannot be dialled."""
    _, regions, pattern = _abroad(ctx)
    title = article.meta.title if article.meta else ""
    named: dict[str, str] = {}
    for match in pattern.finditer(f"{title}\n{article.body}"):
        named.setdefault(regions[match.group(0)], match.group(0))
    return named


def _from_abroad(number: str, region: str, article: Article, ctx: Context) -> str | None:
    """Why a number that cannot be dialled in `region` is one from abroad without its country
    code, or None: it opens on another country's national prefix (0) and is valid there. A
    country the article names comes first; "414 555 012" read as a French number is not one
    (no prefix), whatever its digits."""
    names, _, _ = _abroad(ctx)
    valid = dict(_valid_abroad(number, region, tuple(names)))
    if not valid:
        return None
    named = _places_named(article, ctx)
    home = names.get(region, region)
    placed = [code for code in valid if code in named]
    if placed:
        code = placed[0]
        return (f"has no country code: it is a number in {names[code]} (the article names "
                f"{named[code]}), which readers in {home} dial as {valid[code]}")
    code = next(iter(valid))
    return (f"is not a number in {home}; written this way it is one in "
            f"{' or '.join(names[other] for other in valid)}: if so, give the country code "
            f"({valid[code]} in {names[code]})")


@lru_cache(maxsize=4096)
def _valid_abroad(number: str, region: str,
                  codes: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """(region code, the number in international form) for each of `codes` but `region` where
    `number` opens on the national prefix and is valid."""
    import phonenumbers

    if number.lstrip().startswith("+"):
        return ()
    digits = re.sub(r"\D", "", number)
    valid = []
    for code in codes:
        metadata = phonenumbers.PhoneMetadata.metadata_for_region(code)
        prefix = metadata.national_prefix if metadata else None
        if code == region or not prefix or not digits.startswith(prefix):
            continue
        try:
            parsed = phonenumbers.parse(number, code)
        except phonenumbers.NumberParseException:
            continue  # "0", "tel:00": too short to be a number anywhere
        if phonenumbers.is_valid_number(parsed):
            valid.append((code, phonenumbers.format_number(
                parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)))
    return tuple(valid)


def _phone_problem(what: str, number: str, region: str, article: Article,
                   ctx: Context) -> tuple[str, str] | None:
    """(message, hint) for a number that cannot be dialled, or None: `what` names it."""
    reason = _invalid_phone(number, region)
    if reason is None:
        return None
    abroad = _from_abroad(number, region, article, ctx)
    if abroad:
        return (f"{what} {abroad}", "Write a number from abroad with its country code "
                                    "(+44 20 7946 0958), as readers here dial it.")
    return f"{what} is invalid: {reason}", "Correct the number against the source; include " \
                                            "the area code."


def _phone_candidates(content: str) -> list[re.Match[str]]:
    """The phone candidates of a masked text, in order: a run after a leading 0 with fewer
    than nine digits ("02 03 04") is none."""
    if not content:
        return []
    candidates = [match for match in _PHONE_CANDIDATE.finditer(content)
                  if not match["trunk"] or sum(c.isdigit() for c in match["trunk"]) >= 9]
    candidates += filter(_vanity, _VANITY_CANDIDATE.finditer(content))
    return sorted(candidates, key=lambda candidate: candidate.start())


class _PhoneParameters(Parameters):
    region: str = "US"
    """Where numbers without a country code are dialled (ISO 3166 code: US, CA, GB, ...)."""

    @field_validator("region")
    @classmethod
    def _known(cls, region: str) -> str:
        import phonenumbers

        if region.upper() not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError(f"{region!r} is not a region libphonenumber knows (US, CA, ...)")
        return region.upper()


@rule(
    "LNK001", "invalid-phone", "error", params=_PhoneParameters,
    why="A printed number that cannot be dialled sends readers nowhere and, for a sponsor, "
        "breaks what the advertiser paid for. Checked with libphonenumber (Google's phone "
        "metadata), not a pattern alone.",
    example="Call the clinic at 414-55-0141.",
    fix="Correct the number against the source; include the area code.",
)
def invalid_phone(article: Article, ctx: Context) -> Iterator[Hit]:
    """A phone number in the text, a tel: link or the sponsor's phone that is not valid."""
    region: str = ctx.param("LNK001", "region")
    sponsor = article.meta.sponsor if article.meta else None
    if sponsor and sponsor.phone:
        problem = _phone_problem(f"the sponsor's phone '{sponsor.phone}'", sponsor.phone,
                                 region, article, ctx)
        if problem:
            yield Hit(problem[0], article.key_position("sponsor"), hint=problem[1])
    found_links = links(article)
    for block in text_blocks(article):
        # Masking only blanks characters, so a candidate in the masked text is in the raw text.
        content = masked(block.content) if _PHONE_HINT.search(block.content) else ""
        for match in _phone_candidates(content):
            if _range_unit(ctx).match(content, match.end()):
                continue
            number = match.group(0)
            problem = _phone_problem(f"phone number '{number}'", number, region, article, ctx)
            if problem:
                yield Hit(problem[0], *block.span(article, match.start(), len(number)),
                          hint=problem[1])
        for href, offset in found_links.get(block.index, ()):
            if href.lower().startswith("tel:"):
                problem = _phone_problem(f"tel: link '{href}'", href[4:], region, article, ctx)
                if problem:
                    yield Hit(problem[0], block.position(article, offset), hint=problem[1])


_WINDOW = 100_000
"""How far past the last link of a paragraph the next one is looked for: a target not written
there (a reference link's) costs no scan to the end of a long paragraph for each of many."""


def _after(content: str, text: str, start: int) -> int:
    return content.find(text, start, start + _WINDOW + len(text))


@memo
def links(article: Article) -> dict[int, list[tuple[str, int]]]:
    """(href, offset in content) of every link of each block of text that has one (paragraph,
    heading, table cell, footnote), by the index of its opening token (found once: both link
    rules and TXT004 read them)."""
    found: dict[int, list[tuple[str, int]]] = {}
    for block in text_blocks(article):
        content = block.content
        children = block.inline.children or []
        searched = 0  # links are in order: each is looked for after the last one
        for index, child in enumerate(children):
            if child.type == "link_open":
                href = str(child.attrs.get("href", ""))
                # An autolink is written `<address>`; its text is the address as written.
                text = children[index + 1] if index + 1 < len(children) else None
                raw = f"<{text.content}>" if child.info == "auto" and text is not None and \
                    text.type == "text" else ""
                offset = max(_after(content, f"]({href}", searched),
                             _after(content, href, searched) if href else -1,
                             _after(content, raw, searched) if raw else -1)
                offset = searched if offset < 0 else offset
                searched = offset + 1
                found.setdefault(block.index, []).append((href, offset))
    return found


Patterns = tuple[tuple[re.Pattern[str], re.Pattern[str] | None], ...]
"""Patterns, each with a quick test that must find something first (or None)."""


@lru_cache(maxsize=4)
def _cta_patterns(verbs: tuple[str, ...], fillers: tuple[str, ...], lead_ins: tuple[str, ...],
                  purposes: tuple[str, ...], web_places: tuple[str, ...],
                  ) -> tuple[re.Pattern[str], Patterns]:
    """(any of the verbs, a call to action ending the paragraph, one that is a whole sentence
    before another and ends on a web place ("Visit our website. Hours are ..."), one ending on
    a bare preposition anywhere ("call us at.", "call the station at"), one opening a sentence
    and followed by its purpose after a filler word: "Call today to book", "Find us online for
    the schedule", one opening a sentence with "for" and what readers would ask for
    (`cta_purposes`): "Call for details", not "Call for papers"). All start with a verb, so a
    paragraph without one needs none. The first pattern looks for the verbs in the paragraph's
    `caseless` copy: a prefix tree of the lower-case verbs without IGNORECASE or a leading
    \\b, so the engine skips ahead to their first letters. It finds a verb wherever the others
    can start. Each other pattern comes with a quick test of the `caseless` copy, or None: the
    two that need a word from a short list are tried only where it is."""
    phrase = rf"(?P<cta>{words_pattern(list(verbs))}(?:\s+{words_pattern(list(fillers))})*)"
    lead_in = rf"(?:^|(?<=[,.;:!?])|{words_pattern(list(lead_ins))})\s*"
    at_end = re.compile(lead_in + phrase + r"\s*[.!?,;:…]?\s*$", re.IGNORECASE)
    # A whole sentence before the next one that sends readers to a web site and names none
    # ("Visit our website. Hours are ..."; not "please write to us. We read every letter",
    # the magazine's own address): the rest of the paragraph may still give it.
    online = rf"(?P<cta>{words_pattern(list(verbs))}(?:\s+{words_pattern(list(fillers))})*?" \
             rf"\s+{words_pattern(list(web_places))})"
    sentence = re.compile(lead_in + online + r"\s*[.!?…]+(?P<rest>)(?=\s+[\"“‘(]?[A-Z])",
                          re.IGNORECASE)
    bare_preposition = re.compile(
        rf"(?P<whole>{phrase}(?:(?<=\b(?:at|to|on))|(?:\s+[\w'’&-]+){{1,4}}?\s+at))"
        r"\s*(?=[.,;:!?)]|$)",
        re.IGNORECASE)
    # With a word between the verb and its purpose: "a call for papers" is no call to action.
    with_filler = rf"(?P<cta>{words_pattern(list(verbs))}(?:\s+{words_pattern(list(fillers))})+)"
    purpose = re.compile(lead_in + with_filler + r"\s+(?=(?:for|to)\b)(?P<rest>[^.!?]*)",
                         re.IGNORECASE)
    asked_for = re.compile(
        rf"{lead_in}(?P<whole>(?P<cta>{words_pattern(list(verbs))})\s+for\s+"
        rf"{words_pattern(list(purposes))})(?P<rest>[^.!?]*)", re.IGNORECASE)
    caseless_only = all(str(v).isascii() for v in verbs)  # what `caseless` promises
    any_verb = re.compile(rf"(?:{prefix_tree(str(v).lower() for v in verbs)})\b",
                          0 if caseless_only else re.IGNORECASE)
    web_place = re.compile(prefix_tree(str(place).lower() for place in web_places))
    purpose_word = re.compile(rf"for\s+(?:{prefix_tree(str(p).lower() for p in purposes)})")
    return any_verb, ((at_end, None), (sentence, web_place), (bare_preposition, None),
                      (purpose, None), (asked_for, purpose_word))


_TARGET_NEAR = re.compile(r"\d|@|://|\bwww\.|\w\.[a-z]{2,}\b|\]\(|<[a-z]"
                          r"|\b(?:at|on|via|through|by)\b", re.IGNORECASE)
"""What gives a call to action its target in the rest of its sentence: a number, an address,
a link, or a preposition that names a place ("Register for the walk at the Y")."""
_TARGET_LATER = re.compile(r"\d{3}|@|://|\bwww\.|\w\.[a-z]{2,}\b|\]\(|<[a-z]", re.IGNORECASE)
"""A target in a later sentence of the paragraph: a phone number, an address or a link."""
_EMAIL = re.compile(r"[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")


@memo
def _channels(article: Article, ctx: Context) -> frozenset[str]:
    """How the article lets readers reach someone: 'phone' if it prints a valid number (in the
    text, a tel: link or the sponsor's), 'email' if it gives an address."""
    region: str = ctx.param("LNK001", "region")
    found = set()
    sponsor = article.meta.sponsor if article.meta else None
    hrefs = [href.lower() for hrefs in links(article).values() for href, _ in hrefs]
    if (sponsor and sponsor.phone) or any(href.startswith("tel:") for href in hrefs) or any(
            _invalid_phone(m.group(0), region) is None
            for m in _PHONE_CANDIDATE.finditer(article.body)):
        found.add("phone")
    if any(href.startswith("mailto:") for href in hrefs) or _EMAIL.search(article.body):
        found.add("email")
    return frozenset(found)


_STOP = re.compile(r"\s*[.!?]")


def _last_target(content: str) -> int:
    """Where the last target of a paragraph starts (`_TARGET_LATER`), or -1: found once, so
    that each of many calls to action in a paragraph asks in constant time whether one
    follows it (a search of the rest for each took minutes for 20,000 of them)."""
    return max((m.start() for m in _TARGET_LATER.finditer(content)), default=-1)


def _answered(match: re.Match[str], content: str, last_target: int, channels: frozenset[str],
              lexicon: dict[str, Any]) -> bool:
    """Whether a call to action has its target after all: a sentence that names only the way
    ("Reach us by phone or email.") where the article gives that number or address elsewhere,
    or, for one followed by its purpose, a target later in the sentence or the paragraph
    (`last_target` starts after it)."""
    verb = " ".join(match.group("cta").split()[:1]).lower()
    ways = lexicon["cta_channels"].get(verb, [])
    if "rest" in match.groupdict():
        if _TARGET_NEAR.search(match["rest"]) or last_target >= match.end("rest"):
            return True
        return any(way in channels for way in ways)
    # A whole sentence (ending on its stop): the target may be given anywhere in the article.
    return bool(_STOP.match(content, match.end("cta"))) and any(way in channels for way in ways)


_NO_SCHEME = re.compile(r"(?i)^www\.")
_MISTYPED_SCHEME = re.compile(r"(?i)^(https?):(?!//)|^(https?)//|^htps?:|^hhtps?:")


_PLAIN_WEB_ADDRESS = re.compile(r"https?://[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+(?:[/?#]\S*)?")
"""http(s), a host of dotted labels (no user, port or empty label) and no white space: what
most links are, and nothing `_why_malformed` objects to (tested)."""


def _malformed(href: str) -> str | None:
    """Why a link target cannot work, or None."""
    return None if _PLAIN_WEB_ADDRESS.fullmatch(href) else _why_malformed(href)


def _why_malformed(href: str) -> str | None:
    """Why a link target cannot work, or None (urlsplit and all)."""
    if not href.strip():
        return "the link has no target"
    if href.strip() == "#":
        return "the link has no target: '#' only leads to the top of this page"
    if _NO_SCHEME.match(href):
        return "no scheme: the address is read as a file on our own site"
    if _MISTYPED_SCHEME.match(href):
        return "the scheme is mistyped"
    parts = urlsplit(href)
    if parts.scheme in ("http", "https"):
        host = parts.hostname or ""
        if not host or " " in href or ("." not in host and host != "localhost") \
                or host.startswith(".") or host.endswith(".") or ".." in host:
            return "the host name is not valid"
    if parts.scheme == "mailto" and "@" not in parts.path:
        return "the email address has no @"
    return None


@memo
def _unreachable_hosts(ctx: Context) -> tuple[frozenset[str], frozenset[str]]:
    """(the writer's own computer or network, stand-ins for a real address): hosts from the
    hygiene lexicon that a well-formed link can name and readers still cannot reach."""
    lexicon = ctx.lexicon("hygiene")
    return (frozenset(str(h) for h in lexicon["local_hosts"]),
            frozenset(str(h) for h in lexicon["placeholder_hosts"]))


@memo
def _placeholder_targets(ctx: Context) -> frozenset[str]:
    """Link targets that stand in for an address (`placeholder_targets`), in lower case."""
    return frozenset(str(target).lower() for target in
                     ctx.lexicon("hygiene")["placeholder_targets"])


def _unreachable(href: str, ctx: Context) -> str | None:
    """Why readers cannot reach the host of a well-formed link, or None: it is the writer's
    own computer or network, or a stand-in for a real address (example.com)."""
    try:
        parts = urlsplit(href)
        host = parts.hostname or ""
    except ValueError:  # a bracketed host that is not an IPv6 address
        return None
    if parts.scheme.lower() == "mailto":
        host = parts.path.rpartition("@")[2].lower()
    host = host.rstrip(".")
    if not host:
        return None
    try:  # a name, unless it may be an address: raising ValueError for each name is slow
        if not (host[0].isdigit() or ":" in host):
            raise ValueError(host)
        address = ipaddress.ip_address(host)
    except ValueError:
        local, placeholders = _unreachable_hosts(ctx)
        labels = host.split(".")
        ends = {".".join(labels[i:]) for i in range(len(labels))}
        if ends & local:
            return f"'{host}' is the writer's own computer or network"
        if ends & placeholders:
            return f"'{host}' is a stand-in for a real address"
        return None
    if address.is_loopback or address.is_private or address.is_unspecified \
            or address.is_link_local or address.is_reserved:
        return f"'{host}' is a private or reserved address"
    return None


def link_problem(href: str, ctx: Context) -> str | None:
    """What LNK002 reports of a link's target, or None."""
    reason = _malformed(href)
    if reason:
        return f"malformed link '{href}': {reason}"
    if "/" not in href and "." not in href and href.strip().lower() in _placeholder_targets(ctx):
        return f"the link to '{href}' leads nowhere: '{href}' stands in for the address"
    reason = _unreachable(href, ctx)
    return f"the link to '{href}' leads nowhere readers can go: {reason}" if reason else None


_REFUSED_LINK = re.compile(
    r"(?<!!)\[[^\[\]\n]*\]\(\s*<?\s*(?P<inline>(?:javascript|vbscript|file|data):)"
    r"|^[ \t]{0,3}\[[^\[\]\n]+\]:[ \t]*<?(?P<definition>(?:javascript|vbscript|file|data):)",
    re.IGNORECASE | re.MULTILINE)
"""A link or link definition to a script, a local file or inline data: markdown-it refuses
them (its validateLink), so the page shows the Markdown, brackets and all, and no link."""
_REFUSED_SCHEMES = ("javascript:", "vbscript:", "file:", "data:")
"""What every refused link holds, in lower case: looked for first, as string search is quick,
where `_REFUSED_LINK`, an alternation starting on an assertion, tests every character."""


@memo
def _pointers(ctx: Context) -> list[tuple[re.Pattern[str], str, re.Pattern[str]]]:
    """(pattern, what the page must show, a quick test of the lower-case text) of each phrase
    that points to a target (`cta_pointers`)."""
    return [(re.compile(str(entry["pattern"]), re.IGNORECASE), str(entry["shows"]),
             re.compile("|".join(re.escape(str(word)) for word in entry["needs"])))
            for entry in ctx.lexicon("hygiene")["cta_pointers"]]


@memo
def _pointer_words(ctx: Context) -> re.Pattern[str]:
    """Any text a pointer needs: one quick test for the paragraphs (most) that have none."""
    words = {str(word) for entry in ctx.lexicon("hygiene")["cta_pointers"]
             for word in entry["needs"]}
    return re.compile("|".join(re.escape(word) for word in sorted(words)))


_LINK_WRITTEN = re.compile(r"\]\(|\]\[|<[a-z][a-z0-9+.-]*:|https?://|\bwww\.", re.IGNORECASE)
"""A link or web address as written in the source."""


def _pointer_hits(article: Article, ctx: Context, block: Block, lowered: str,
                  ) -> Iterator[Hit]:
    """Phrases that point to a target the article does not show: "the link below" with no
    link after it, "scan the QR code" with no image, "link in our bio"."""
    content = ""
    for pattern, shows, needs in _pointers(ctx):
        if not needs.search(lowered) or pattern.search(block.content) is None:
            continue  # the common case: no masking (offsets are the same with it)
        content = content or masked(block.content)
        for match in pattern.finditer(content):
            if _shown(article, block, shows, match.start()):
                continue
            phrase = match.group(0).strip()
            yield Hit(f"'{phrase}' points to {_POINTED[shows]}",
                      *block.span(article, match.start(), len(phrase)),
                      hint="Give the target itself (https://..., a phone number, the image), or "
                           "cut the phrase.")


_POINTED = {"link_here": "a link its paragraph does not give",
            "link_after": "a link the article does not give after it",
            "link_before": "a link the article does not give before it",
            "image": "a code the article has no image of",
            "never": "nothing a printed page or web page can give"}


def _shown(article: Article, block: Block, shows: str, start: int) -> bool:
    """Whether the article shows what a pointer at offset `start` of a block points to."""
    from pipeline.checks.media import images

    where = block.offset + start
    if shows == "link_here":  # a reference link ("[Click here]") is written as no address
        return block.index in links(article) or _LINK_WRITTEN.search(block.content) is not None
    if shows == "link_after":
        return _LINK_WRITTEN.search(article.body, where) is not None
    if shows == "link_before":
        return _LINK_WRITTEN.search(article.body, 0, where) is not None
    return shows == "image" and bool(images(article))


_SPACED_LINK = re.compile(
    r"(?<![!\]\\])\[[^\[\]\n]+\]\(\s*(?P<href>[^()\s<>]+"
    r"\s+(?![\"'(])[^()\n]*)\)", re.IGNORECASE)
"""A link whose address holds a space, not in angle brackets and not before a title: the
parser reads no link, so the page prints the brackets and the address as text ("[the
form](https://example.org/sign up)", "[pricing](link here)")."""
_TEXT_ADDRESS = re.compile(r"(?<![\w/.@-])(?:[a-z]{3,5}:?/{1,3}(?=\w)|www\.)[^\s<>()\[\]\"“”]+",
                           re.IGNORECASE)
"""A web address written as text (not a link): the reader types it, so it must be right."""
_ADDRESS_NEEDS = re.compile(r"(?i)www\.|/\w")
"""What a match of `_TEXT_ADDRESS` holds."""
_BARE_URL = re.compile(r"https?://[^\s<>()\[\]\"“”]+", re.IGNORECASE)
"""An http(s) address in the text, as `masked` blanks it: one not in a link target ("](",
"<") nor a link's text ("[") is printed for readers to type."""


def _text_address_problem(address: str) -> str | None:
    """Why a web address written as text cannot work: a mistyped scheme ("https//", "htp://")
    or a "www." host with no top-level domain ("www.example")."""
    address = address.rstrip(".,;:!?'’")
    if _MISTYPED_SCHEME.match(address):
        return f"web address '{address}' is malformed: the scheme is mistyped"
    if address.lower().startswith("www."):
        host = re.split(r"[/?#:]", address, maxsplit=1)[0]
        labels = host.split(".")
        if len(labels) < 3 or not labels[-1].isalpha() or "" in labels:
            return f"web address '{address}' is malformed: the host name is not valid"
    return None


def _bare_url_hits(article: Article, block: Block) -> Iterator[Hit]:
    """http(s) addresses written as text whose host has an empty label ("http://foo..com",
    "https://.cdc.gov"), the slip a writer makes (asked only of a paragraph with ".." or
    "://."): `masked` blanks such addresses with the links, so `_TEXT_ADDRESS` never sees
    them."""
    content = without_code(block.content)
    for match in _BARE_URL.finditer(content):
        before = content[max(match.start() - 2, 0):match.start()]
        if before == "](" or before[-1:] in ("<", "["):
            continue  # a link's target or text: `links` reads those
        address = match.group(0).rstrip(".,;:!?'’")
        reason = _malformed(address)
        if reason:
            yield Hit(f"web address '{address}' is malformed: {reason}",
                      block.position(article, match.start()),
                      hint="Give the full address (https://www.cdc.gov/flu), as it is typed "
                           "into a browser.")


def _address_hits(article: Article, block: Block, lowered: str) -> Iterator[Hit]:
    """Links the parser could not read (a space in the address) and web addresses in the text
    that cannot work."""
    if "](" in lowered and _SPACED_LINK.search(block.content):
        for match in _SPACED_LINK.finditer(without_code(block.content)):
            yield Hit(f"malformed link '{match['href'].strip()}': the address has a space, so "
                      "the page prints the Markdown, not a link",
                      *block.span(article, match.start(), len(match.group(0))),
                      hint="Write the space as %20, or link to the page's real address.")
    if not ("www." in lowered or ":/" in lowered or "//" in lowered):
        return
    if "://" in lowered and (".." in lowered or "://." in lowered):
        yield from _bare_url_hits(article, block)
    # Links and well-formed URLs are blanked in `masked`: most paragraphs with a link have
    # nothing left to look at, and the pattern (tried at every letter) need not run.
    text = masked(block.content)
    if _ADDRESS_NEEDS.search(text):
        for match in _TEXT_ADDRESS.finditer(text):
            problem = _text_address_problem(match.group(0))
            if problem:
                position = block.position(article, match.start())
                yield Hit(problem, position,
                          hint="Give the full address (https://www.cdc.gov/flu), as it is "
                               "typed into a browser.")


@rule(
    "LNK002", "dangling-call-to-action", "error",
    why="'Visit' or 'call us at' with nothing after it is a promise the page does not keep, "
        "usually text lost in a scrape; a mistyped address sends readers to an error page, and "
        "a link to '#', a script, the writer's own computer or example.com to no page at all.",
    example="For more information, call Welltopia Pharmacy at 262-429-9429 or visit",
    fix="Give the target (https://..., a phone number, a place), or cut the phrase; fix the "
        "address so it starts with https:// and names a real host.",
)
def dangling_call_to_action(article: Article, ctx: Context) -> Iterator[Hit]:
    """A call to action ("visit") with no target, or a link that cannot work or reach readers."""
    lexicon = ctx.lexicon("hygiene")
    verb, patterns = _cta_patterns(tuple(lexicon["cta_verbs"]), tuple(lexicon["cta_fillers"]),
                                    tuple(lexicon["cta_lead_ins"]),
                                    tuple(lexicon["cta_purposes"]),
                                    tuple(lexicon["cta_web_places"]))
    found_links = links(article)
    for block in text_blocks(article):
        # Raw content: a code span or link right after the verb is its target.
        content = block.content.rstrip()
        lowered = caseless(content)
        matches: dict[int, re.Match[str]] = {}
        # A heading ("## Contact", "## Visit Us") labels the section that gives the target, as
        # a table cell ("Call", "Register online") labels its row or column.
        if block.kind == "paragraph" and verb.search(lowered):
            found = [m for pattern, quick in patterns if quick is None or quick.search(lowered)
                     for m in pattern.finditer(content)]
            last_target = _last_target(content) if found else -1
            matches = {m.start("cta"): m for m in found if not _answered(
                m, content, last_target, _channels(article, ctx), lexicon)}
        for start, match in sorted(matches.items()):
            phrase = match.groupdict().get("whole") or match.group("cta")
            yield Hit(f"'{phrase}' has no target", *block.span(article, start, len(phrase)),
                      hint="Say where: a web address, phone number or place; or cut the phrase.")
        for href, offset in found_links.get(block.index, ()):
            problem = link_problem(href, ctx)
            if problem:
                yield Hit(problem, block.position(article, offset),
                          hint="Link to the real page, with its full address (https://...).")
        if block.kind == "paragraph" and _pointer_words(ctx).search(lowered):
            yield from _pointer_hits(article, ctx, block, lowered)
        yield from _address_hits(article, block, lowered)
        if any(scheme in lowered for scheme in _REFUSED_SCHEMES):
            for refused in _REFUSED_LINK.finditer(without_code(content)):
                scheme = refused["inline"] or refused["definition"]
                yield Hit(f"a '{scheme.lower()}' link is refused: the page prints the Markdown, "
                          "not a link", *block.span(article, refused.start(),
                                                    len(refused.group(0))),
                          hint="Link to the real page, with its full address (https://...), "
                               "or cut the link.")

