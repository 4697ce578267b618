"""A finding is data with a position; this module defines it and prints it for people and CI."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from enum import StrEnum


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
        data = asdict(self)
        data.pop("extra")
        data["severity"] = self.severity.value
        data["end_line"] = self.end_line or self.line
        data["end_column"] = self.end_column or self.column
        return data


def counts(findings: list[Finding]) -> dict[str, int]:
    tally = Counter(f.severity.value for f in findings)
    return {s.value: tally.get(s.value, 0) for s in Severity}


def exit_code(findings: list[Finding], strict: bool = False) -> int:
    """0 when nothing blocks, 1 when an error (or, with strict, a warning) was found."""
    blocking = {Severity.ERROR, Severity.WARNING} if strict else {Severity.ERROR}
    return 1 if any(f.severity in blocking for f in findings) else 0


def format_json(findings: list[Finding]) -> str:
    payload = {"findings": [f.to_json() for f in findings], "counts": counts(findings)}
    return json.dumps(payload, indent=2, ensure_ascii=False)


def format_text(findings: list[Finding], sources: dict[str, list[str]] | None = None) -> str:
    """`path:line:col: CODE message`, the source line with a caret, and the hint (ruff style)."""
    sources = sources or {}
    out: list[str] = []
    for f in findings:
        out.append(f"{f.path}:{f.line}:{f.column}: {f.code} [{f.severity.value}] {f.message}")
        lines = sources.get(f.path)
        if lines and 1 <= f.line <= len(lines):
            source = lines[f.line - 1].rstrip("\n")
            gutter = f"{f.line:>5} | "
            out.append(gutter + source)
            width = 1
            if f.end_line in (None, f.line) and f.end_column and f.end_column > f.column:
                width = f.end_column - f.column
            out.append(" " * (len(gutter) + f.column - 1) + "^" * width)
        if f.hint:
            out.append(f"      = hint: {f.hint}")
        out.append("")
    tally = counts(findings)
    total = len(findings)
    out.append(
        f"{total} finding{'s' if total != 1 else ''}: "
        f"{tally['error']} error(s), {tally['warning']} warning(s), "
        f"{tally['suggestion']} suggestion(s)"
    )
    return "\n".join(out)


def _escape_property(value: str) -> str:
    return (
        value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        .replace(":", "%3A").replace(",", "%2C")
    )


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


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
