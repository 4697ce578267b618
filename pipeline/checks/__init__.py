"""The gate: rules over articles and editions, producing findings.

A rule is one small function that yields `Hit`s (a message and a position); the engine turns
them into `Finding`s with the rule's code, configured severity, path and excerpt. The ordered
list of every rule lives in `checks.registry`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import yaml

from pipeline.findings import Finding, Severity
from pipeline.model import Article, Edition, Position, Project
from pipeline.settings import Settings

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

    def sections(self) -> list[tuple[str, str]]:
        """The explanation in its fixed order, as `pipeline rule CODE` prints it."""
        return [
            ("What it detects", self.explanation.what),
            ("Why it matters", self.explanation.why),
            ("Example that fires", self.explanation.example),
            ("How to fix", self.explanation.fix),
            ("How to suppress", self.how_to_suppress()),
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
) -> Callable[[Callable[..., Iterable[Hit]]], Rule]:
    """Declare a rule; the function's docstring says what it detects."""

    def wrap(function: Callable[..., Iterable[Hit]]) -> Rule:
        what = (function.__doc__ or "").strip()
        return Rule(code, name, Severity(severity), scope, function,
                    Explanation(what, why, example, fix), lifecycle)

    return wrap


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

    def param(self, code: str, name: str, default: Any) -> Any:
        """A rule parameter from publication.toml `[rules.CODE]`."""
        config = self.settings.rules.get(code)
        extra = config.model_extra if config is not None else None
        return (extra or {}).get(name, default)

    @cached_property
    def rule_config(self) -> dict[str, tuple[bool, Severity | None]]:
        return {
            code: (cfg.enabled, Severity(cfg.severity) if cfg.severity else None)
            for code, cfg in self.settings.rules.items()
        }


def _finding(rule_: Rule, severity: Severity, hit: Hit, path: str, lines: list[str]) -> Finding:
    excerpt = hit.excerpt
    if not excerpt and 1 <= hit.position.line <= len(lines):
        excerpt = lines[hit.position.line - 1].strip()
    return Finding(
        code=rule_.code,
        severity=severity,
        message=hit.message,
        path=path,
        line=hit.position.line,
        column=hit.position.column,
        end_line=hit.end.line if hit.end else None,
        end_column=hit.end.column if hit.end else None,
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
