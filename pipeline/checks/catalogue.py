"""The rule catalogue for people and tools: `pipeline rules`, `pipeline rule CODE` and the
rule descriptions in SARIF, all from the one registry."""

from __future__ import annotations

import json

from pipeline.checks import Rule
from pipeline.checks.registry import RULES
from pipeline.findings import RuleHelp
from pipeline.preflight import PRINT_RULES

CATALOGUE = [*RULES, *PRINT_RULES]
"""Every rule a user can meet: the gate's, then the print preflight's."""
_BY_CODE = {r.code: r for r in CATALOGUE}


def _summary(rule: Rule) -> str:
    return rule.explanation.what.splitlines()[0] if rule.explanation.what else rule.name


def catalogue_text() -> str:
    rows = [f"{r.code:<8} {r.severity.value:<10} {r.lifecycle:<10} {r.name:<32} {_summary(r)}"
            for r in CATALOGUE]
    header = f"{'code':<8} {'severity':<10} {'lifecycle':<10} {'name':<32} detects"
    return "\n".join([header, *rows])


def catalogue_json() -> str:
    return json.dumps([
        {"code": r.code, "name": r.name, "severity": r.severity.value, "scope": r.scope,
         "lifecycle": r.lifecycle, **{title: text for title, text in _sections(r)}}
        for r in CATALOGUE
    ], indent=2, ensure_ascii=False)


def _sections(rule: Rule) -> list[tuple[str, str]]:
    keys = ["what", "why", "example", "fix", "suppress", "settings"]
    return [(key, text) for key, (_, text) in zip(keys, rule.sections(), strict=True)]


def explain(code: str) -> str | None:
    """The full explanation of one rule, or None when no rule has that code."""
    rule = _BY_CODE.get(code.strip().upper())
    if rule is None:
        return None
    out = [f"{rule.code} {rule.name} ({rule.severity.value}, {rule.lifecycle})", ""]
    for title, text in rule.sections():
        out += [f"## {title}", text, ""]
    return "\n".join(out).rstrip() + "\n"


def rule_help() -> list[RuleHelp]:
    return [RuleHelp(r.code, r.name, r.severity, _summary(r), explain(r.code) or "")
            for r in RULES]
