"""The gate: rules over articles and editions, producing findings.

A rule is one small function that yields `Hit`s (a message and a position); the engine turns
them into `Finding`s with the rule's code, configured severity, path and excerpt. The ordered
list of every rule lives in `checks.registry`.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pipeline.errors import ConfigError, validation_problem
from pipeline.findings import Finding, Severity
from pipeline.model import Article, Edition, Position, Project
from pipeline.settings import Problem, RuleSettings, Settings, settings_problems

DATA = Path(__file__).resolve().parent.parent / "data"


@dataclass(frozen=True)
class Hit:
    """What a rule found and where; the engine adds code, severity and path."""

    message: str
    position: Position
    end: Position | None = None
    hint: str = ""
    excerpt: str = ""


@dataclass(frozen=True)
class Explanation:
    what: str
    why: str
    example: str
    fix: str


class Parameters(BaseModel):
    """A rule's parameters in publication.toml `[rules.CODE]`, with their defaults: a rule
    declares its own subclass; this one takes none. Strict: TOML values have types, and a
    `true` where a number belongs (read as 1), `"no"` for a switch or `inf` for a limit is a
    mistake to report, not to convert."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True,
                              strict=True, allow_inf_nan=False)


Words = Annotated[tuple[str, ...], Field(strict=False)]
"""A list of words or phrases in TOML, kept as a tuple (strict typing would want a tuple)."""


Scope = Literal["article", "edition", "pdf"]
"""What a rule reads: an article, an edition's manifest, or a finished PDF (preflight)."""
Lifecycle = Literal["stable", "preview", "deprecated"]


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: Severity
    scope: Scope
    function: Callable[..., Iterable[Any]]
    """Article and edition rules yield `Hit`s; a preflight rule names the function (over a
    PDF) that yields its `Finding`s."""
    explanation: Explanation
    lifecycle: Lifecycle = "stable"
    params: type[Parameters] = Parameters

    def how_to_suppress(self) -> str:
        """The same for every rule: an inline comment with a mandatory reason, or config."""
        if self.scope == "pdf":
            return ("Preflight judges the finished PDF, so nothing in it can be suppressed: fix "
                    "the source (articles, edition.toml, images, the design) and rebuild.")
        if self.scope == "edition":
            return (f"Edition rules cannot be suppressed inline. To turn {self.code} off for the "
                    f"publication, set `enabled = false` under `[rules.{self.code}]` in "
                    "publication.toml.")
        return (f'Put `<!-- pipeline: disable={self.code} reason="why this is fine" -->` before '
                f"the passage; it holds to the end of the next block, or up to "
                f"`<!-- pipeline: enable={self.code} -->`. The reason is mandatory (SUP001). "
                f"To turn the rule off for the publication, set `enabled = false` under "
                f"`[rules.{self.code}]` in publication.toml.")

    def settings(self) -> str:
        """What `[rules.CODE]` in publication.toml may set for this rule."""
        if self.scope == "pdf":
            return "None: preflight judges every PDF the same way."
        lines = [f"Under `[rules.{self.code}]` in publication.toml: `enabled = false` turns it "
                 f"off; `severity = \"warning\"` (or error, suggestion) overrides its severity."]
        for name, field_ in self.params.model_fields.items():
            default = field_.default
            shown = json.dumps(list(default) if isinstance(default, tuple) else default)
            lines.append(f"- `{name} = {shown}`" if field_.description is None else
                         f"- `{name} = {shown}`: {' '.join(field_.description.split())}")
        return "\n".join(lines)

    def sections(self) -> list[tuple[str, str]]:
        """The explanation in its fixed order, as `pipeline rule CODE` prints it."""
        return [
            ("What it detects", self.explanation.what),
            ("Why it matters", self.explanation.why),
            ("Example that fires", self.explanation.example),
            ("How to fix", self.explanation.fix),
            ("How to suppress", self.how_to_suppress()),
            ("Settings", self.settings()),
        ]


def rule(
    code: str,
    name: str,
    severity: str,
    *,
    why: str,
    example: str,
    fix: str,
    scope: Scope = "article",
    lifecycle: Lifecycle = "stable",
    params: type[Parameters] = Parameters,
) -> Callable[[Callable[..., Iterable[Hit]]], Rule]:
    """Declare a rule; the function's docstring says what it detects."""

    def wrap(function: Callable[..., Iterable[Hit]]) -> Rule:
        what = (function.__doc__ or "").strip()
        return Rule(code, name, Severity(severity), scope, function,
                    Explanation(what, why, example, fix), lifecycle, params)

    return wrap


def rule_parameters(settings: Settings, rules: Iterable[Rule]) -> dict[str, Parameters]:
    """Every rule's parameters, from `[rules.CODE]` tables and the defaults. A table for no
    rule, a parameter the rule does not take, or a value of the wrong type is a ConfigError
    that lists every such problem at once, each with its line: a misspelt setting must not be
    silently ignored."""
    tables = {code: config.model_extra or {} for code, config in settings.rules.items()}
    found, problems = _validated(tables, rules)
    if problems:
        path = settings.root / "publication.toml"
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            text = ""
        raise ConfigError(settings_problems(path, text, problems))
    return found


def rule_problems(tables: object, rules: Iterable[Rule] | None = None) -> list[Problem]:
    """The problems of publication.toml's `[rules]` tables as read from TOML (not yet
    validated with the rest of the file), for a report of every problem in one run
    (`settings.load`). `rules`: by default, every rule."""
    if not isinstance(tables, dict) or not all(isinstance(t, dict) for t in tables.values()):
        return []  # not tables: the settings' own validation says so
    if rules is None:
        from pipeline.checks.registry import RULES

        rules = RULES
    extra = {code: {key: value for key, value in table.items()
                    if key not in RuleSettings.model_fields} for code, table in tables.items()}
    return _validated(extra, rules)[1]


def _validated(tables: dict[str, dict[str, Any]], rules: Iterable[Rule],
               ) -> tuple[dict[str, Parameters], list[Problem]]:
    """Each rule's parameters from its table's settings besides `enabled` and `severity`."""
    by_code = {r.code: r for r in rules}
    problems: list[Problem] = [(("rules", code), f"[rules.{code}]",
                                _unknown_code(code, by_code))
                               for code in tables if code not in by_code]
    found: dict[str, Parameters] = {}
    for code, rule_ in by_code.items():
        try:
            found[code] = rule_.params.model_validate(tables.get(code, {}))
        except ValidationError as exc:
            for error in exc.errors():
                where = f"[rules.{code}] {validation_problem(error)[0]}"
                problems.append((("rules", code, *error["loc"]), where,
                                 _parameter_problem(rule_.params, error)))
    return found, problems


def _unknown_code(code: str, by_code: dict[str, Rule]) -> str:
    if code.startswith("PRN"):
        return ("print preflight rules take no settings (the page budget is edition.toml's "
                "page_budget)")
    close = difflib.get_close_matches(code.upper(), by_code, n=1)
    return "no rule has this code" + (f" (did you mean {close[0]}?)" if close else "")


def _parameter_problem(params: type[Parameters], error: Any) -> str:
    reason = validation_problem(error)[1]
    if error["type"] != "extra_forbidden":
        return reason
    loc = [str(part) for part in error["loc"]]
    model: type[BaseModel] = params
    takes = ["enabled", "severity"]
    for part in loc[:-1]:  # a field of a table inside a parameter: extra_drugs.0.brand
        if part in model.model_fields:
            inner = [t for t in (model.model_fields[part].annotation, *get_args(
                model.model_fields[part].annotation)) if isinstance(t, type)
                and issubclass(t, BaseModel)]
            model, takes = (inner[0], []) if inner else (model, takes)
    takes += list(model.model_fields)
    close = difflib.get_close_matches(loc[-1], takes, n=1)
    known = f"{', '.join(takes[:-1])} and {takes[-1]}" if len(takes) > 1 else takes[0]
    return ("unknown setting (" + (f"did you mean {close[0]}? " if close else "")
            + f"it takes {known})")


def data_file(name: str) -> Any:
    """A YAML file of pipeline/data/, parsed with libyaml's safe loader when present."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load((DATA / name).read_text(encoding="utf-8"), Loader=loader)


@dataclass
class Context:
    """What every rule may read besides the article: settings and lexicons."""

    settings: Settings
    project: Project | None = None
    _lexicons: dict[str, Any] = field(default_factory=dict)

    def lexicon(self, name: str) -> Any:
        """A data file from pipeline/data/, parsed once per run."""
        if name not in self._lexicons:
            self._lexicons[name] = data_file(f"{name}.yaml")
        return self._lexicons[name]

    @cached_property
    def parameters(self) -> dict[str, Parameters]:
        """Every rule's validated parameters (`rule_parameters`)."""
        from pipeline.checks.registry import RULES

        return rule_parameters(self.settings, RULES)

    def param(self, code: str, name: str) -> Any:
        """A rule parameter: from publication.toml `[rules.CODE]`, else the rule's default."""
        return getattr(self.parameters[code], name)

    @cached_property
    def rule_config(self) -> dict[str, tuple[bool, Severity | None]]:
        return {
            code: (cfg.enabled, Severity(cfg.severity) if cfg.severity else None)
            for code, cfg in self.settings.rules.items()
        }


def _finding(rule_: Rule, severity: Severity, hit: Hit, path: str, lines: list[str]) -> Finding:
    """The finding of a hit. A hit without an end spans the rest of its line, so an annotation
    or a caret marks the text the finding is about, not one column."""
    excerpt, end = hit.excerpt, hit.end
    if 1 <= hit.position.line <= len(lines):
        line = lines[hit.position.line - 1]
        excerpt = excerpt or line.strip()
        if end is None and len(line.rstrip()) >= hit.position.column:
            end = Position(hit.position.line, len(line.rstrip()) + 1)
    return Finding(
        code=rule_.code,
        severity=severity,
        message=hit.message,
        path=path,
        line=hit.position.line,
        column=hit.position.column,
        end_line=end.line if end else None,
        end_column=end.column if end else None,
        excerpt=excerpt[:200],
        hint=hit.hint,
    )


def _active(rules: Iterable[Rule], ctx: Context) -> Iterator[tuple[Rule, Severity]]:
    for rule_ in rules:
        enabled, override = ctx.rule_config.get(rule_.code, (True, None))
        if enabled:
            yield rule_, override or rule_.severity


def check_article(article: Article, ctx: Context, rules: list[Rule]) -> list[Finding]:
    """Run every enabled article rule over one article, then apply inline suppressions."""
    from pipeline.checks.suppression import apply_suppressions

    findings: list[Finding] = []
    active = dict((r.code, (r, s)) for r, s in
                  _active((r for r in rules if r.scope == "article"), ctx))
    for rule_, severity in active.values():
        for hit in rule_.function(article, ctx):
            findings.append(_finding(rule_, severity, hit, article.display, article.lines))
    kept, unused = apply_suppressions(article, findings, set(active))
    if "SUP001" in active:
        rule_, severity = active["SUP001"]
        kept.extend(_finding(rule_, severity, hit, article.display, article.lines)
                    for hit in unused)
    return sorted(kept, key=Finding.sort_key)


def check_edition(edition: Edition, ctx: Context, rules: list[Rule]) -> list[Finding]:
    """Run every enabled edition rule over one edition's manifest."""
    path = str(edition.manifest_path.relative_to(ctx.settings.root))
    try:
        lines = edition.manifest_path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        lines = []
    findings = []
    for rule_, severity in _active((r for r in rules if r.scope == "edition"), ctx):
        for hit in rule_.function(edition, ctx):
            findings.append(_finding(rule_, severity, hit, path, lines))
    return sorted(findings, key=Finding.sort_key)
