"""The health-content rules on the scraped seed article, the sample edition and a sample of a
technology blog that has no health content at all (false positives)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline import gate
from pipeline.checks.registry import RULES
from pipeline.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "tests" / "fixtures" / "seed" / "ldn-as-received.md"
CORPUS = ROOT.parent / "shared" / "corpus" / "rust-blog"
HEALTH_CODES = {
    "DIS001", "DIS002", "DIS003", "DIS004", "CLM001", "CLM002", "CLM003", "CLM004", "CLM005",
    "CLM006", "REG001", "REG002", "REG003", "ATT001", "ATT002", "ATT003", "STY001", "STY002",
    "READ001", "READ002", "INC001",
}

# Each required code and the line of the sentence it must point at.
SEED_EXPECTED = {
    ("DIS001", 16),   # "Naltrexone is classified as an opiate antagonist ..."
    ("DIS002", 67),   # "Contact Welltopia Pharmacy and we will recommend ..."
    ("CLM001", 36),   # "LDN reduced severity of Crohn's disease symptoms ..."
    ("CLM001", 59),   # "LDN results in more than 30% reduction of fibromyalgia symptoms ..."
    ("CLM002", 48),   # "Another study from Iran found no significant result ..."
    ("CLM002", 50),   # "In a retrospective study of 215 participants ..."
    ("CLM003", 20),   # "Scientific evidence shows that ..."
    ("CLM004", 61),   # "... is an effective treatment for fibromyalgia."
    ("REG001", 18),   # "LDN is indicated for off-label use ..."
    ("REG002", 65),   # "... a custom-made compounded drug ..."
    ("ATT001", 3),    # author: "Natural Awakenings Milwaukee"
    ("ATT002", 20),   # the first claim; no References section anywhere
}


def test_every_health_rule_is_registered() -> None:
    assert {r.code for r in RULES} >= HEALTH_CODES


def test_seed_fails_at_the_right_sentences(settings: Settings) -> None:
    report = gate.check(settings, [SEED])
    found = {(f.code, f.line) for f in report.findings}
    assert found >= SEED_EXPECTED, sorted(SEED_EXPECTED - found)
    assert any(f.severity == "error" for f in report.findings)


def test_sample_edition_has_no_errors_from_health_rules(settings: Settings) -> None:
    report = gate.check(settings, [ROOT / "articles" / "2022-10"])
    errors = [f"{f.path}:{f.line} {f.code} {f.message}" for f in report.findings
              if f.code in HEALTH_CODES and f.severity == "error"]
    assert errors == []


def _corpus_sample() -> list[Path]:
    posts = sorted(CORPUS.glob("*.md"))
    return posts[:: max(1, len(posts) // 40)][:40]


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"false-positive corpus not found at {CORPUS}")
def test_no_errors_on_a_technology_blog(settings: Settings) -> None:
    sample = _corpus_sample()
    assert len(sample) >= 30
    report = gate.check(settings, sample)
    errors = [f"{f.path}:{f.line} {f.code} {f.message}" for f in report.findings
              if f.code in HEALTH_CODES and f.severity == "error"]
    assert errors == []
