"""A finding is data with a position; this module defines it and prints it for people and CI."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from urllib.parse import quote


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    SUGGESTION = "suggestion"

    @property
    def rank(self) -> int:
        return {"error": 0, "warning": 1, "suggestion": 2}[self.value]


@dataclass(frozen=True, order=False)
class Finding:
    code: str
    severity: Severity
    message: str
    path: str
    line: int
    column: int = 1
    end_line: int | None = None
    end_column: int | None = None
    excerpt: str = ""
    hint: str = ""
    extra: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.column, self.code)

    def to_json(self) -> dict[str, object]:
        return {"code": self.code, "severity": self.severity.value, "message": self.message,
                "path": self.path, "line": self.line, "column": self.column,
                "end_line": self.end_line or self.line,
                "end_column": self.end_column or self.column,
                "excerpt": self.excerpt, "hint": self.hint}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Finding:
        """The finding `to_json` wrote (extra data is not kept). A stored finding is checked
        field by field: a damaged cache must cost a new check, not a traceback later on."""
        texts = {name: data[name] for name in ("code", "message", "path", "excerpt", "hint")}
        numbers = {name: data[name] for name in ("line", "column", "end_line", "end_column")}
        if not all(isinstance(value, str) for value in texts.values()) or not all(
                type(value) is int and value >= 1 for value in numbers.values()):
            raise ValueError("a stored finding with a field of the wrong type")
        return cls(severity=Severity(data["severity"]), **texts, **numbers)


def counts(findings: list[Finding]) -> dict[str, int]:
    tally = Counter(f.severity.value for f in findings)
    return {s.value: tally.get(s.value, 0) for s in Severity}


def exit_code(findings: list[Finding], strict: bool = False) -> int:
    """0 when nothing blocks, 1 when an error (or, with strict, a warning) was found."""
    blocking = {Severity.ERROR, Severity.WARNING} if strict else {Severity.ERROR}
    return 1 if any(f.severity in blocking for f in findings) else 0


def format_json(findings: list[Finding]) -> str:
    """`{"findings": [...], "counts": {...}}`, one finding per line: readable and diffable, and
    written by json's C encoder (an indented dump is several times slower on large runs)."""
    tally = json.dumps(counts(findings))
    if not findings:
        return f'{{"findings": [], "counts": {tally}}}'
    lines = ",\n".join(f"  {json.dumps(f.to_json(), ensure_ascii=False)}" for f in findings)
    return f'{{"findings": [\n{lines}\n], "counts": {tally}}}'


_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "bold yellow",
          Severity.SUGGESTION: "bold cyan"}


_CONTROLS = {code: f"\\x{code:02x}" for code in [*range(32), *range(127, 160)] if code != 9}
"""Control characters (tab aside) as `\\x1b`: text from an article must not drive the
terminal or the CI log it is printed to (colours, titles, cursor moves)."""


def visible(text: str) -> str:
    """`text` with its control characters spelled out."""
    return text.translate(_CONTROLS)


def format_text(findings: list[Finding], sources: dict[str, list[str]] | None = None,
                markup: bool = False) -> str:
    """`path:line:col: CODE message`, the source line with a caret, and the hint (ruff style).

    With `markup`, the text carries rich colour markup (for a terminal only)."""
    sources = sources or {}
    if markup:  # rich only for a terminal: its import costs every other run a hundredth
        from rich.markup import escape

    def style(text: str, name: str) -> str:
        return f"[{name}]{escape(visible(text))}[/]" if markup else visible(text)

    def plain(text: str) -> str:
        return escape(visible(text)) if markup else visible(text)

    out: list[str] = []
    for f in findings:
        out.append(style(f"{f.path}:{f.line}:{f.column}:", "bold") + " "
                   + style(f"{f.code} [{f.severity.value}]", _STYLE[f.severity]) + " "
                   + plain(f.message))
        lines = sources.get(f.path)
        if lines and 1 <= f.line <= len(lines):
            source = lines[f.line - 1].rstrip("\n")
            width = 1
            if f.end_line in (None, f.line) and f.end_column and f.end_column > f.column:
                width = f.end_column - f.column
            shown, before = _window(source, f.column)
            width = max(1, min(width, len(shown) - len(before)))  # no further than shown
            gutter = f"{f.line:>5} | "
            out.append(style(gutter, "blue") + plain(shown))
            # under the character as shown: a control character before it is spelled out
            marked = source[f.column - 1:f.column - 1 + width]
            width += len(visible(marked)) - len(marked)
            out.append(" " * (len(gutter) + len(visible(before)))
                       + style("^" * width, _STYLE[f.severity]))
        if f.hint:
            out.append(style("      = hint: ", "cyan") + plain(f.hint))
        out.append("")
    tally = counts(findings)
    total = len(findings)
    out.append(style(
        f"{total} finding{'s' if total != 1 else ''}: "
        f"{tally['error']} error(s), {tally['warning']} warning(s), "
        f"{tally['suggestion']} suggestion(s)", "bold"))
    return "\n".join(out)


SHOWN_BEFORE, SHOWN_AFTER = 100, 200
"""How much of a long source line the text format shows around a finding's column: a pasted
line can be megabytes long, and shown once per finding."""


def _window(source: str, column: int) -> tuple[str, str]:
    """The part of a source line to show (all of it, unless it is long: then a stretch around
    `column`, its cut ends marked with an ellipsis), and what of it comes before `column`."""
    if len(source) <= SHOWN_BEFORE + SHOWN_AFTER:
        return source, source[:column - 1]
    start = max(0, column - 1 - SHOWN_BEFORE)
    end = column - 1 + SHOWN_AFTER
    lead = "…" if start else ""
    tail = "…" if end < len(source) else ""
    return lead + source[start:end] + tail, lead + source[start:column - 1]


def _escape_property(value: str) -> str:
    return visible(
        value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        .replace(":", "%3A").replace(",", "%2C")
    )


def _escape_data(value: str) -> str:
    escaped = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return visible(escaped)


def format_github(findings: list[Finding]) -> str:
    """GitHub Actions workflow commands, one per finding."""
    level = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.SUGGESTION: "notice"}
    out = []
    for f in findings:
        props = (
            f"file={_escape_property(f.path)},line={f.line},col={f.column},"
            f"endLine={f.end_line or f.line},endColumn={f.end_column or f.column},"
            f"title={_escape_property(f.code)}"
        )
        message = f.message + (f"\n{f.hint}" if f.hint else "")
        out.append(f"::{level[f.severity]} {props}::{_escape_data(message)}")
    return "\n".join(out)


SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_SARIF_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.SUGGESTION: "note"}


@dataclass(frozen=True)
class RuleHelp:
    """What SARIF's tool.driver.rules says about a rule, so code scanning can explain it."""

    code: str
    name: str
    severity: Severity
    summary: str
    help_text: str


def format_sarif(findings: list[Finding], rules: list[RuleHelp], version: str) -> str:
    """SARIF 2.1.0: one run, every rule described, one result per finding."""
    index = {rule.code: number for number, rule in enumerate(rules)}
    driver = {
        "name": "pipeline",
        "version": version,
        "informationUri": "https://lakeshoreliving.example/pipeline",
        "rules": [
            {
                "id": rule.code,
                "name": rule.name,
                "shortDescription": {"text": rule.summary},
                "fullDescription": {"text": rule.summary},
                "help": {"text": rule.help_text, "markdown": rule.help_text},
                "defaultConfiguration": {"level": _SARIF_LEVEL[rule.severity]},
            }
            for rule in rules
        ],
    }
    results = []
    for f in findings:
        region = {"startLine": f.line, "startColumn": f.column,
                  "endLine": f.end_line or f.line,
                  "endColumn": max(f.end_column or f.column + 1, f.column + 1)
                  if (f.end_line or f.line) == f.line else (f.end_column or 1)}
        if f.excerpt:
            region["snippet"] = {"text": f.excerpt}  # type: ignore[assignment]
        result: dict[str, object] = {
            "ruleId": f.code,
            "level": _SARIF_LEVEL[f.severity],
            "message": {"text": f.message + (f" Hint: {f.hint}" if f.hint else "")},
            "locations": [{"physicalLocation": {
                # a URI reference: spaces, '#', '%' and letters outside ASCII percent-encoded
                "artifactLocation": {"uri": quote(f.path.replace("\\", "/"))},
                "region": region,
            }}],
        }
        if f.code in index:
            result["ruleIndex"] = index[f.code]
        results.append(result)
    payload = {"$schema": SARIF_SCHEMA, "version": "2.1.0",
               "runs": [{"tool": {"driver": driver}, "results": results}]}
    return json.dumps(payload, indent=2, ensure_ascii=False)
