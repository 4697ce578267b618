"""publication.toml: typed settings for the site, print, article kinds, disclaimers and rules.

The whole file is validated at once, so a user sees every problem in one run.
"""

from __future__ import annotations

import datetime as dt
import re
import string
import tomllib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator

from pipeline.errors import ConfigError, validation_problem

LENGTH = re.compile(r"^\d+(\.\d+)?(in|mm|cm|pt)$")
_PER_INCH = {"in": 1.0, "mm": 1 / 25.4, "cm": 1 / 2.54, "pt": 1 / 72}


def inches(length: str) -> float:
    """Convert a CSS length such as '8.375in' or '3mm' to inches."""
    match = LENGTH.match(length)
    if not match:
        raise ValueError(f"not a length: {length!r}")
    return float(length[: -len(match.group(2))]) * _PER_INCH[match.group(2)]


class _Strict(BaseModel):
    # Strict: TOML values have types; `true` for a number or `"no"` for a switch is reported.
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True,
                              strict=True, allow_inf_nan=False)


class Site(_Strict):
    title: str
    """The magazine's name: masthead, page titles, feed title."""
    tagline: str = ""
    """One line under the masthead and in the feed description."""
    base_url: Annotated[str, Field(pattern=r"^https?://[^\s/]+(/[^\s]*)?$")]
    """Absolute URL where build/site/ is published; canonical links and GUIDs use it."""
    language: Annotated[str, Field(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]+)*$")] = "en-US"
    """BCP 47 language tag: html lang, PDF /Lang, hyphenation."""
    publisher: str = ""
    """The legal publisher, for JSON-LD and the feed's copyright line."""
    editor_email: str = ""
    """Managing editor's address, for the feed's managingEditor."""
    publish_through: dt.date | None = None
    """Articles dated after this day are held back from the site, feeds and newsletter.
    Default: today (UTC), or the day of SOURCE_DATE_EPOCH when set, for repeatable builds."""

    @field_validator("base_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")


class Print(_Strict):
    trim_width: str = "8.375in"
    """Trimmed page width."""
    trim_height: str = "10.875in"
    """Trimmed page height."""
    bleed: str = "0.125in"
    """Bleed beyond the trim on every side (the print PDF's BleedBox)."""
    crop_marks: bool = True
    """Draw crop marks in the print PDF, in a slug outside the bleed."""
    color: Literal["cmyk", "srgb"] = "cmyk"
    """cmyk: a PDF/X-3 file with the CMYK output intent below, colours and images in CMYK;
    srgb: colours and images as designed on screen, no output intent (for proofing)."""
    cmyk_profile: Annotated[Path, Field(strict=False)] = \
        Path("/usr/share/color/icc/ghostscript/default_cmyk.icc")
    """The printer's CMYK ICC profile, relative to the project root or absolute. The default is
    Ghostscript's SWOP profile from Debian's libgs-common (AGPL-3+, so installed by
    scripts/system-deps.sh, never committed)."""

    @field_validator("trim_width", "trim_height", "bleed")
    @classmethod
    def _is_length(cls, value: str) -> str:
        inches(value)
        return value


class Web(_Strict):
    article_pdfs: bool = False
    """Offer each article on the site as a PDF download (`articles/<slug>/<slug>.pdf`): the
    article alone in the magazine's design, tagged for screen readers like the screen edition."""


class Kind(_Strict):
    label: str
    """Human name of the kind, shown in listings."""
    required_sections: list[str] = []
    """Section headings (## ...) an article of this kind must contain (STR001)."""
    sponsored: bool = False
    """Paid content: needs a named sponsor (DIS003) and carries the sponsor label."""
    listing: bool = False
    """Listings (events, dates, places) that name health topics without advising on them: the
    medical disclaimer is required only when the text ties a treatment to an outcome (DIS001)."""


def _template(*allowed: str) -> AfterValidator:
    """A text the pipeline fills in with `str.format`: only the named placeholders, and braces
    that pair (a typo here would otherwise stop a build halfway with a traceback)."""
    def check(value: str) -> str:
        try:
            names = [name for _, name, _, _ in string.Formatter().parse(value)
                     if name is not None]
        except ValueError as exc:
            raise ValueError(f"{exc} (write {{{{ and }}}} for a literal brace)") from None
        may = " and ".join(f"{{{name}}}" for name in allowed)
        for name in names:
            if name not in allowed:
                raise ValueError(f"{{{name}}} is no placeholder here; it may use {may}")
        return value

    return AfterValidator(check)


class Disclaimer(_Strict):
    title: str
    """Heading of the disclaimer box."""
    text: Annotated[str, _template("sponsor")]
    """Canonical text; `{sponsor}` is replaced by the article's sponsor name."""


class SponsorLabel(_Strict):
    text: str = "Sponsored Advertising Content"
    """Label at the top of every page of an advertorial and above its title."""
    paid_by: Annotated[str, _template("sponsor")] = "Paid for by {sponsor}"
    """Line naming the sponsor under the label."""


class Newsletter(_Strict):
    sender: str
    """From header, e.g. "Lakeshore Living <newsletter@lakeshoreliving.example>"."""
    list_id: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9.-]*\.[A-Za-z]{2,}$")]
    """RFC 2919 list identifier (a domain-like name), for List-Id and mail filters."""
    unsubscribe_url: Annotated[str, Field(pattern=r"^https://\S+\{token\}\S*$"),
                               _template("token")]
    """One-click (RFC 8058) unsubscribe endpoint; `{token}` identifies the recipient."""
    unsubscribe_mailto: str
    """Address that unsubscribes whoever mails it (the List-Unsubscribe mailto)."""
    messages_per_minute: Annotated[int, Field(ge=1)] = 120
    """Sending rate limit, to stay within the SMTP relay's quota."""


Severity = Literal["error", "warning", "suggestion"]


class RuleSettings(_Strict):
    model_config = ConfigDict(extra="allow", frozen=True)
    enabled: bool = True
    """Set false to turn the rule off for this publication."""
    severity: Severity | None = None
    """Override the rule's default severity."""


class Settings(_Strict):
    site: Site
    print: Print = Print()
    web: Web = Web()
    kinds: dict[str, Kind]
    disclaimers: dict[str, Disclaimer] = {}
    sponsor_label: SponsorLabel = SponsorLabel()
    newsletter: Newsletter | None = None
    """Email newsletter settings; without them `pipeline newsletter` cannot run."""
    rules: dict[str, RuleSettings] = {}
    """Per-rule configuration keyed by code: enabled, severity and the rule's parameters."""
    root: Path = Path(".")
    """The project root (the folder holding publication.toml); set by `load`."""

    @field_validator("kinds")
    @classmethod
    def _has_article(cls, kinds: dict[str, Kind]) -> dict[str, Kind]:
        if "article" not in kinds:
            raise ValueError("the neutral kind 'article' must be defined")
        return kinds

    def sponsored_kinds(self) -> set[str]:
        return {name for name, kind in self.kinds.items() if kind.sponsored}

    def listing(self, kind: str | None) -> bool:
        """Whether articles of the kind are listings (a calendar), whose entries differ in a
        date or a place on purpose and each say where to call or register."""
        found = self.kinds.get(kind) if kind is not None else None
        return found is not None and found.listing

    def sponsored(self, kind: str, sponsor: object | None) -> bool:
        """Paid content, which carries the sponsor label: a sponsored kind, or any article
        that names a sponsor."""
        return kind in self.sponsored_kinds() or sponsor is not None


Problem = tuple[tuple[str | int, ...], str, str]
"""Where in publication.toml (tables, entry numbers, key), that place as the message names it,
and what is wrong there."""


def load(path: Path, rule_problems: Callable[[object], list[Problem]] | None = None,
         ) -> Settings:
    """Read and validate publication.toml; raise ConfigError listing every problem. The rules'
    own parameters are validated by the gate (`checks.rule_parameters`), which only the gate
    may import: `rule_problems`, given the `[rules]` table as read, lists theirs too when the
    rest of the file has problems, so that one run names them all."""
    try:
        text = path.read_text(encoding="utf-8-sig")  # a byte-order mark is no error
        data = tomllib.loads(text)
    except FileNotFoundError:
        raise ConfigError(f"{path}: not found; run the command from the project root") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    try:
        return Settings.model_validate({**data, "root": path.parent.resolve()})
    except ValidationError as exc:
        problems: list[Problem] = []
        for error in exc.errors():
            problems.append((tuple(error["loc"]), *validation_problem(error)))
        if rule_problems is not None:
            problems += rule_problems(data.get("rules", {}))
        raise ConfigError(settings_problems(path, text, problems)) from None


def settings_problems(path: Path, text: str, problems: list[Problem]) -> str:
    """One sentence naming every problem of publication.toml with its line, in file order."""
    placed = sorted(((toml_line(text, loc), where, reason) for loc, where, reason in problems),
                    key=lambda problem: problem[0])
    listed = "; ".join(f"{where} (line {line}): {reason}" for line, where, reason in placed)
    return f"{path}:{placed[0][0]}: {len(placed)} problem(s): {listed}"


_TOML_TABLE = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")
_TOML_KEY = re.compile(r"^\s*([A-Za-z0-9_.\"' -]+?)\s*=")


def toml_line(text: str, loc: Sequence[str | int]) -> int:
    """The line (1-based) of a TOML document that sets the value at `loc` (a validation
    error's path: table names, entry numbers of arrays of tables, then the key): the key's own
    line if found, else its table's header, else 1."""
    names = list(loc)
    best, depth = 1, 0
    table: list[str | int] = []
    entries: dict[tuple[str | int, ...], int] = {}  # [[array]] tables seen, by name
    for number, line in enumerate(text.splitlines(), 1):
        header = _TOML_TABLE.match(line)
        if header is not None:
            table = [part.strip().strip("\"'") for part in header.group(1).split(".")]
            if line.lstrip().startswith("[["):  # the next entry of an array of tables
                index = entries[tuple(table)] = entries.get(tuple(table), -1) + 1
                table = [*table, index]
            found = table
        elif (key := _TOML_KEY.match(line)) is not None:
            found = table + [part.strip().strip("\"'") for part in key.group(1).split(".")]
        else:
            continue
        if len(found) > depth and names[:len(found)] == found:
            best, depth = number, len(found)
    return best
