"""The issue-3 rules on the real inputs: the seed as received and the corrected sample edition."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline import gate
from pipeline.checks.registry import RULES
from pipeline.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "tests" / "fixtures" / "seed" / "ldn-as-received.md"
THIS_ISSUE = {"STR002", "STR003", "STR004", "TXT001", "TXT002", "TXT003", "TXT004", "TXT005",
              "TXT006", "LNK001", "LNK002", "MED001", "MED002", "MED003", "SUP001"}


def test_seed_reports_scrape_debris_at_the_right_lines(settings: Settings) -> None:
    found = {(f.code, f.line) for f in gate.check(settings, [SEED]).findings}
    assert {("TXT001", 9), ("TXT002", 15), ("STR003", 55), ("TXT003", 69),
            ("LNK002", 69)} <= found


def test_sample_edition_is_clean_of_this_issues_codes(settings: Settings) -> None:
    report = gate.check(settings, [ROOT / "articles"])
    assert report.checked >= 9
    assert [f"{f.path}:{f.line} {f.code}" for f in report.findings if f.code in THIS_ISSUE] == []


def test_every_rule_of_this_issue_is_registered_with_an_explanation() -> None:
    by_code = {r.code: r for r in RULES}
    assert set(by_code) >= THIS_ISSUE
    for code in THIS_ISSUE:
        sections = dict(by_code[code].sections())
        assert all(sections.values()), code
        assert f"disable={code}" in sections["How to suppress"]


def test_a_broken_autolink_is_reported_where_it_is_written(settings: Settings,
                                                           tmp_path: Path) -> None:
    article = tmp_path / "autolink.md"
    article.write_text("---\ntitle: Links\nauthors: [Sam Ortiz]\ndate: 2022-10-01\n"
                       "section: Green Living\nkind: feature\n---\n\n"
                       "Sign up at <htps://parks.example/join> for automatic reminders.\n")
    found = [f for f in gate.check(settings, [article]).findings if f.code == "LNK002"]
    assert [(f.line, f.column) for f in found] == [(9, 13)]


def test_lexicons_read_the_same_without_libyaml() -> None:
    """The lexicons load with PyYAML's pure-Python parser as with libyaml's (a machine
    without libyaml falls back to it): libyaml took an unquoted '?' in a flow list
    ('[participants?, ...]') that the pure parser refuses."""
    import yaml

    for path in sorted((Path(__file__).parents[1] / "pipeline" / "data").glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        assert yaml.load(text, Loader=yaml.SafeLoader) == \
            yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)), path.name


def test_placeholder_quick_tests_never_hide_a_match() -> None:
    """TXT004 tries a pattern only where the paragraph holds one of its `needs` words: every
    placeholder the case files write, and each pattern's own example text, holds one."""
    from pipeline.checks import data_file
    from pipeline.checks.prose import caseless

    texts = [path.read_text(encoding="utf-8")
             for path in (Path(__file__).parent / "cases").glob("TXT004-*.md")]
    texts += ["XX% of adults", "$X,XXX a year", "x.x mg", "NOTE TO EDITOR", "Todo: fix",
              "note for the copy desk: cut", "Editor's note: add quote here", "xxxx",
              "call 555-555-5555", "hed goes here"]
    checked = 0
    for entry in data_file("hygiene.yaml")["placeholders"]:
        needs = entry.get("needs")
        if not needs:
            continue
        pattern = re.compile(entry["pattern"], 0 if entry.get("case") else re.IGNORECASE)
        for text in texts:
            for match in pattern.finditer(text):
                checked += 1
                assert any(word in caseless(match.group(0)) for word in needs), (entry, match)
    assert checked >= 9


def test_table_cells_and_footnotes_are_reported_where_they_are_written(
        settings: Settings, tmp_path: Path) -> None:
    """A cell's column is found from its row (the same text may fill several cells, and an
    escaped pipe is one character more in the source than in the cell); a footnote's from
    its definition line."""
    article = tmp_path / "cells.md"
    article.write_text("---\ntitle: Cells\nauthors: [Sam Ortiz]\ndate: 2022-10-01\n"
                       "section: Green Living\nkind: feature\n---\n\n"
                       "Prices below.[^1]\n\n"
                       "| TK | a \\| b TK | TK |\n|---|---|---|\n| x | y | TK |\n\n"
                       "> | Quote | Table |\n> |---|---|\n> | > TK | TK |\n\n"
                       "[^1]: Store receipts, TK.\n")
    found = [f for f in gate.check(settings, [article]).findings if f.code == "TXT004"]
    assert [(f.line, f.column, f.end_column) for f in found] == [
        (11, 3, 5), (11, 15, 17), (11, 20, 22), (13, 11, 13), (17, 7, 9), (17, 12, 14),
        (19, 23, 25)]


def test_a_suppression_before_the_last_footnote_covers_it(settings: Settings,
                                                          tmp_path: Path) -> None:
    """The parser moves footnote definitions to the end of the tokens: a comment standing
    alone above the last one still covers it, and suppresses something."""
    article = tmp_path / "footnote.md"
    article.write_text("---\ntitle: Notes\nauthors: [Sam Ortiz]\ndate: 2022-10-01\n"
                       "section: Green Living\nkind: feature\n---\n\nText.[^a]\n\n"
                       '<!-- pipeline: disable=TXT004 reason="the journal is called TK" -->\n\n'
                       "[^a]: Journal TK, 2020.\n")
    codes = [f.code for f in gate.check(settings, [article]).findings]
    assert "TXT004" not in codes and "SUP001" not in codes


def test_a_cut_is_reported_where_the_source_writes_it(settings: Settings,
                                                      tmp_path: Path) -> None:
    """TXT003 points at the ellipsis that marks a teaser's cut, written as an HTML entity
    ("[&hellip;]" is "[…]" in the text), and at a last word, never inside an entity's name."""
    header = ("---\ntitle: Fiber\nauthors: [Nora Castellanos]\ndate: 2025-02-01\n"
              "section: Nutrition\nkind: article\n---\n\n")
    columns = []
    for ending in ("start &hellip; [&hellip;]", "salt &amp;"):
        article = tmp_path / "cut.md"
        article.write_text(f"{header}Keep the skins on apples. The trick is to {ending}\n")
        found = [f for f in gate.check(settings, [article]).findings if f.code == "TXT003"]
        columns += [(f.line, f.column, f.end_column) for f in found]
    assert columns == [(9, 58, 68), (9, 43, 53)]


@pytest.mark.parametrize(("ending", "cut"), [
    ("Serves 4", False),
    ("Makes 12 muffins", False),
    ("Prep time: 10 minutes | Cook time: 25 minutes", False),
    ("Per serving: 210 calories, 6 g protein, 4 g fiber", False),
    ("(Source: Centers for Disease Control and Prevention)", False),
    ("Recipe adapted from *The Oat Cookbook* by Jane Doe (Lakeshore Press, 2023)", False),
    ("— from “Lake Evening,” by Mara Lind", False),
    ("“I used to think sleep was optional,” says Ortiz. “Now I know better—”", False),
    ("Night comes slowly\nover the lake,\nand the house breathes out", False),
    ("Happy cooking", False),
    ("-30-", False),
    ("In 2019, researchers", True),
    ("— and the nurse line is open until", True),
    ("Update: the clinic opens at 9 and", True),
    ("(The clinic is closed on Mondays and", True),
    ("Her father would say, “If you don’t sleep—", True),
    ("Night comes slowly over the lake, and the house breathes out", True),
])
def test_a_last_line_that_is_no_sentence_is_whole(settings: Settings, tmp_path: Path,
                                                  ending: str, cut: bool) -> None:
    """TXT003 leaves whole what ends without a full stop but is no cut sentence: data, a note
    in parentheses, a citation, a credit line, a quotation broken off, verse, a closing wish,
    an end mark; a cut sentence of the same shape is still reported."""
    article = tmp_path / "ending.md"
    article.write_text("---\ntitle: Oats\nauthors: [Dana Whitfield]\ndate: 2025-03-01\n"
                       "section: Nutrition\nkind: article\n---\n\n"
                       f"Oats are a good start to the day. Soak them overnight.\n\n{ending}\n")
    found = [f for f in gate.check(settings, [article]).findings if f.code == "TXT003"]
    assert bool(found) == cut


def test_a_first_heading_below_h2_says_the_title_is_the_h1(settings: Settings,
                                                           tmp_path: Path) -> None:
    """The writer sees no '#' above '### Try It Yourself': the message names the title as the
    h1, and the hint, with no '##' anywhere, says to raise every heading."""
    article = tmp_path / "deep.md"
    article.write_text("---\ntitle: Stretches\nauthors: [Sam Ortiz]\ndate: 2022-10-01\n"
                       "section: Fitness\nkind: article\n---\n\nSit less.\n\n"
                       "### Try It Yourself\n\nStand up.\n\n### Hip Opener\n\nLunge.\n\n"
                       "##### Easier\n\nHold a chair.\n")
    found = [f for f in gate.check(settings, [article]).findings if f.code == "STR002"]
    assert [f.line for f in found] == [11, 19]
    assert "the title is the only h1" in found[0].message
    assert "##" in found[0].hint and "raise every heading" in found[0].hint
    assert found[1].message == "heading level skipped: h3 to h5 ('Easier')"


def test_a_number_from_abroad_is_given_its_country_code(settings: Settings,
                                                       tmp_path: Path) -> None:
    """LNK001 tells the editor to add the country code of a number the article places
    abroad, not that the number is invalid."""
    article = tmp_path / "abroad.md"
    article.write_text("---\ntitle: A Clinic in London\nauthors: [Sam Ortiz]\n"
                       "date: 2022-10-01\nsection: Green Living\nkind: feature\n---\n\n"
                       "Call the clinic on 020 7946 0958 or 414 555 012.\n")
    found = [f.message for f in gate.check(settings, [article]).findings if f.code == "LNK001"]
    assert len(found) == 2
    assert "no country code" in found[0] and "+44 20 7946 0958" in found[0]
    assert "London" in found[0] and "invalid" not in found[0]
    assert "'414 555 012' is invalid" in found[1]
