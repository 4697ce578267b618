"""Rule case files: tests/cases/*.md with the expected findings in *.expected beside them.
tests/cases/unseen/ holds whole articles written after the rules, with what a health editor
would flag in them.

An .expected file starts with `# codes: A B` (the rules under test) and lists one `CODE:LINE`
per expected finding; findings of other codes are ignored, so cases stay focused.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline import gate
from pipeline.settings import Settings

CASES = Path(__file__).parent / "cases"


def _expectation(path: Path) -> tuple[set[str], list[str]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines and lines[0].startswith("# codes:"), f"{path}: first line must be '# codes: ...'"
    codes = set(lines[0].removeprefix("# codes:").split())
    rows = (line.strip() for line in lines[1:])
    expected = sorted(row for row in rows if row and not row.startswith("#"))
    return codes, expected


@pytest.mark.parametrize("case", sorted([*CASES.glob("*.md"), *CASES.glob("unseen/*.md")]),
                         ids=lambda p: str(p.relative_to(CASES).with_suffix("")))
def test_case(case: Path, settings: Settings) -> None:
    codes, expected = _expectation(case.with_suffix(".expected"))
    report = gate.check(settings, [case])
    found = sorted(f"{f.code}:{f.line}" for f in report.findings if f.code in codes)
    assert found == expected
