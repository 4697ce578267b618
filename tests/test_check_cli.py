"""`pipeline check` for CI: formats, exit codes, --changed-since, the catalogue, the cache.

The SARIF schema in tests/sarif-schema-2.1.0.json is the official OASIS file, copied from
github.com/oasis-tcs/sarif-spec at commit a560296ca8c921f3bdb8d4a8db57ab83dae968a7,
path sarif-2.1/schema/sarif-schema-2.1.0.json.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from typer.testing import CliRunner

from pipeline import gate, markdown
from pipeline import settings as settings_module
from pipeline.cli import app
from pipeline.errors import EnvironmentProblem

ROOT = Path(__file__).resolve().parent.parent
SEED = "tests/fixtures/seed/ldn-as-received.md"
SCHEMA = json.loads((ROOT / "tests" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
runner = CliRunner()


@pytest.fixture(autouse=True)
def _in_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def test_sarif_validates_against_the_official_schema() -> None:
    result = runner.invoke(app, ["check", SEED, "--format", "sarif"])
    assert result.exit_code == 1
    sarif = json.loads(result.stdout)
    jsonschema.validate(sarif, SCHEMA)
    driver = sarif["runs"][0]["tool"]["driver"]
    assert {"TXT003", "SUP001", "MED003"} <= {r["id"] for r in driver["rules"]}
    assert all("How to suppress" in r["help"]["text"] for r in driver["rules"])
    assert ("TXT003", 69) in {(r["ruleId"], r["locations"][0]["physicalLocation"]["region"]
                               ["startLine"]) for r in sarif["runs"][0]["results"]}


def test_json_has_exactly_the_spec_shape() -> None:
    result = runner.invoke(app, ["check", SEED, "--format", "json"])
    payload = json.loads(result.stdout)
    assert set(payload) == {"findings", "counts"}
    assert set(payload["counts"]) == {"error", "warning", "suggestion"}
    keys = {"code", "severity", "message", "path", "line", "column", "end_line", "end_column",
            "excerpt", "hint"}
    assert all(set(f) == keys for f in payload["findings"])
    assert payload["findings"][0]["path"] == SEED


def test_github_annotations_carry_end_positions_and_title() -> None:
    result = runner.invoke(app, ["check", SEED, "--format", "github"])
    line = next(x for x in result.stdout.splitlines() if "title=TXT001" in x)
    assert line.startswith("::error file=tests/fixtures/seed/ldn-as-received.md,line=9,col=1,")
    assert "endLine=9,endColumn=21" in line


def test_every_finding_spans_text_not_a_single_column() -> None:
    """A finding marks the text it is about: a long sentence to its end (over lines), an
    unmatched quote its one character, a finding of a line (a skipped heading level, the
    reading grade) the rest of that line."""
    result = runner.invoke(app, ["check", SEED, "--format", "json"])
    findings = json.loads(result.stdout)["findings"]
    lines = (ROOT / SEED).read_text(encoding="utf-8").splitlines()
    assert all((f["end_line"], f["end_column"]) > (f["line"], f["column"]) for f in findings)
    by_code = {f["code"]: f for f in reversed(findings)}
    assert {"READ002", "READ001", "STR003"} <= set(by_code)
    sentence = by_code["READ002"]
    assert lines[sentence["end_line"] - 1][:sentence["end_column"] - 1].rstrip()[-1] in ".?!”\""
    for code in ("READ001", "STR003"):
        f = by_code[code]
        assert (f["end_line"], f["end_column"]) == (f["line"], len(lines[f["line"] - 1]) + 1)
    quotes = "tests/cases/TXT006-unbalanced.md"
    result = runner.invoke(app, ["check", quotes, "--format", "json"])
    lines = (ROOT / quotes).read_text(encoding="utf-8").splitlines()
    marked = [lines[f["line"] - 1][f["column"] - 1:f["end_column"] - 1]
              for f in json.loads(result.stdout)["findings"] if f["code"] == "TXT006"]
    assert len(marked) == 4 and all(len(m) == 1 and m in "\"“”()[]" for m in marked), marked


def test_text_has_caret_hint_and_summary_without_colour_off_a_terminal() -> None:
    result = runner.invoke(app, ["check", SEED])
    assert "ldn-as-received.md:9:1: TXT001 [error]" in result.stdout
    assert "^^^^^^^^^^^^^^^^^^^^" in result.stdout and "= hint:" in result.stdout
    assert "\x1b[" not in result.stdout
    assert result.stdout.rstrip().splitlines()[-1].endswith("suggestion(s)")


def test_strict_fails_on_warnings_only(tmp_path: Path) -> None:
    case = "tests/cases/TXT005-repeated-paragraph.md"
    assert runner.invoke(app, ["check", case]).exit_code == 0
    assert runner.invoke(app, ["check", case, "--strict"]).exit_code == 1


def test_changed_since_an_unknown_ref_is_one_sentence_and_exit_2() -> None:
    result = runner.invoke(app, ["check", "--changed-since", "no-such-ref-anywhere"])
    assert result.exit_code == 2
    assert "no such git ref" in result.stderr and "Traceback" not in result.stderr


def test_changed_since_checks_only_changed_articles(tmp_path: Path) -> None:
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run(["cp", "-r", str(ROOT / "articles"), str(ROOT / "publication.toml"),
                    str(tmp_path)], check=True)
    subprocess.run([*git, "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run([*git, "add", "."], cwd=tmp_path, check=True)
    subprocess.run([*git, "commit", "-qm", "base"], cwd=tmp_path, check=True)
    letter = tmp_path / "articles" / "2022-10" / "editors-letter.md"
    letter.write_text(letter.read_text(encoding="utf-8") + "\nLorem ipsum.\n", encoding="utf-8")
    config = settings_module.load(tmp_path / "publication.toml")
    from pipeline.vcs import changed_files

    report = gate.check(config, None, only=changed_files(tmp_path, "HEAD"))
    assert report.checked == 1
    assert [f.code for f in report.findings if f.code == "TXT004"] == ["TXT004"]
    # A name outside ASCII (git quotes and escapes those unless told not to), new or edited.
    unusual = tmp_path / "articles" / "web" / "niño café.md"
    unusual.parent.mkdir(exist_ok=True)
    unusual.write_text(letter.read_text(encoding="utf-8"), encoding="utf-8")
    assert unusual.resolve() in changed_files(tmp_path, "HEAD")
    subprocess.run([*git, "add", "."], cwd=tmp_path, check=True)
    subprocess.run([*git, "commit", "-qm", "new"], cwd=tmp_path, check=True)
    unusual.write_text(unusual.read_text(encoding="utf-8") + "\nMore.\n", encoding="utf-8")
    assert changed_files(tmp_path, "HEAD") == {unusual.resolve()}
    # A name that is not UTF-8 at all (an old Windows export): the same bytes, no traceback.
    latin = tmp_path / "articles" / "web" / os.fsdecode(b"caf\xe9.md")
    latin.write_text("new\n", encoding="utf-8")
    assert latin.resolve() in changed_files(tmp_path, "HEAD")


def test_changed_since_outside_git_says_so(tmp_path: Path) -> None:
    from pipeline.vcs import changed_files

    with pytest.raises(EnvironmentProblem, match="not in a git repository"):
        changed_files(tmp_path, "HEAD")


def test_rules_and_rule_come_from_the_registry() -> None:
    listing = json.loads(runner.invoke(app, ["rules", "--format", "json"]).stdout)
    assert {"code", "name", "severity", "lifecycle", "what", "why", "example", "fix",
            "suppress", "settings"} <= set(listing[0])
    explained = runner.invoke(app, ["rule", "lnk001"])
    assert explained.exit_code == 0
    for title in ("What it detects", "Why it matters", "Example that fires", "How to fix",
                  "How to suppress", "Settings"):
        assert f"## {title}" in explained.stdout
    assert '`region = "US"`' in explained.stdout
    assert runner.invoke(app, ["rule", "XYZ999"]).exit_code == 2


def test_catalogue_lists_every_spec_code_once() -> None:
    """Every code of SPEC.md's table (and ours: SRC001-002, SUP001, PRN006-007) is explained."""
    listing = json.loads(runner.invoke(app, ["rules", "--format", "json"]).stdout)
    codes = [entry["code"] for entry in listing]
    assert len(codes) == len(set(codes))
    spec = {"FM001", "FM002", "FM003", "ED001", "STR001", "STR002", "STR003", "STR004",
            "TXT001", "TXT002", "TXT003", "TXT004", "TXT005", "TXT006", "LNK001", "LNK002",
            "MED001", "MED002", "MED003", "DIS001", "DIS002", "DIS003", "DIS004", "CLM001",
            "CLM002", "CLM003", "CLM004", "CLM005", "CLM006", "REG001", "REG002", "REG003",
            "ATT001", "ATT002", "ATT003", "STY001", "STY002", "READ001", "READ002", "INC001",
            "PRN001", "PRN002", "PRN003", "PRN004", "PRN005", "FED001"}
    assert spec | {"SRC001", "SRC002", "SUP001", "PRN006", "PRN007"} == set(codes)
    preflight_rule = runner.invoke(app, ["rule", "PRN004"])
    assert preflight_rule.exit_code == 0 and "300 ppi" in preflight_rule.stdout


def _project(tmp_path: Path, rules: str = "") -> settings_module.Settings:
    text = (ROOT / "publication.toml").read_text(encoding="utf-8") + rules
    (tmp_path / "publication.toml").write_text(text, encoding="utf-8")
    return settings_module.load(tmp_path / "publication.toml")


def _refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The one sentence (white space evened out) with which a check of an article in
    `tmp_path` refuses its publication.toml: exit 2, no traceback."""
    (tmp_path / "a.md").write_text((ROOT / "tests/cases/TXT005-repeated-paragraph.md")
                                   .read_text())
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["check", "a.md"])
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    return " ".join(result.stderr.split())


def test_rule_settings_disable_override_and_parameters(tmp_path: Path) -> None:
    article = tmp_path / "a.md"
    article.write_text((ROOT / "tests/cases/TXT005-repeated-paragraph.md").read_text())
    codes = [f.code for f in gate.check(_project(tmp_path), [article]).findings]
    assert "TXT005" in codes
    off = _project(tmp_path, "\n[rules.TXT005]\nenabled = false\n")
    assert "TXT005" not in [f.code for f in gate.check(off, [article]).findings]
    raised = _project(tmp_path, '\n[rules.TXT005]\nseverity = "error"\n')
    assert {f.severity.value for f in gate.check(raised, [article]).findings
            if f.code == "TXT005"} == {"error"}
    longer = _project(tmp_path, "\n[rules.TXT005]\nmin_words = 50\n")
    assert "TXT005" not in [f.code for f in gate.check(longer, [article]).findings]


def test_misspelt_or_mistyped_rule_settings_are_one_sentence_and_exit_2(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A setting the rules would ignore or choke on stops the check before any work, every
    problem named at once: an unknown code, an unknown parameter (also inside a table), a value
    of the wrong type."""
    text = (ROOT / "publication.toml").read_text(encoding="utf-8")
    assert "\ntarget = 8 " in text
    (tmp_path / "publication.toml").write_text(
        text.replace("\ntarget = 8 ", '\ntarget = "high" ')
        + '\n[rules.read002]\nmax_words = 20\n[rules.TXT005]\nmin_wrds = 3\n'
        '[rules.REG001]\nextra_drugs = [{name = "tizanidine", brand = ["Z"]}]\n'
        '[rules.MED003]\ncolumn_width = "3 inches"\n', encoding="utf-8")
    message = _refused(tmp_path, monkeypatch)
    lines = (tmp_path / "publication.toml").read_text(encoding="utf-8").splitlines()

    def line(text: str) -> int:
        return next(number for number, line in enumerate(lines, 1) if line.startswith(text))

    for problem in (f"[rules.read002] (line {line('[rules.read002]')}): no rule has this code "
                    "(did you mean READ002?)",
                    f"[rules.TXT005] min_wrds (line {line('min_wrds')}): unknown setting (did "
                    "you mean min_words?",
                    f"[rules.READ001] target (line {line('target = ')}): Input should "
                    "be a valid number",
                    f"[rules.REG001] extra_drugs.0.brand (line {line('extra_drugs')}): unknown "
                    "setting (did you mean brands?",
                    f"[rules.MED003] column_width (line {line('column_width')}): '3 inches' is "
                    "not a length"):
        assert problem in message
    assert "5 problem(s)" in message and not (tmp_path / ".cache" / "check.json").exists()


def test_problems_in_the_settings_and_in_the_rule_settings_are_named_in_one_run(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The rules' parameters are the gate's to validate, but a file with problems both there
    and elsewhere names them all at once, in the file's order."""
    text = (ROOT / "publication.toml").read_text(encoding="utf-8")
    assert "\ncrop_marks = true" in text and "\ntarget = 8 " in text
    (tmp_path / "publication.toml").write_text(
        text.replace("\ncrop_marks = true", '\ncrop_marks = "yes"')
        .replace("\ntarget = 8 ", "\ntarget = -1 ") + "\n[rules.TXT099]\n", encoding="utf-8")
    lines = (tmp_path / "publication.toml").read_text(encoding="utf-8").splitlines()
    message = _refused(tmp_path, monkeypatch)
    named = [int(number) for number in re.findall(r"\(line (\d+)\)", message)]
    assert "3 problem(s)" in message and named == sorted(named) and len(named) == 3
    assert [lines[number - 1].split("=")[0].strip() for number in named] == [
        "crop_marks", "target", "[rules.TXT099]"]
    assert message.startswith(f"error: {tmp_path / 'publication.toml'}:{named[0]}: ")


def test_articles_outside_the_layout_are_checked_and_reported_however_the_gate_is_run(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A misnamed edition folder, a sub-folder of an edition, a loose file, a .MD suffix: none
    would ever be published, and none may pass the gate unseen, with or without a path."""
    shutil.copytree(ROOT / "articles", tmp_path / "articles")
    shutil.copy(ROOT / "publication.toml", tmp_path)
    stray = "---\ntitle: \"Stray\"\n---\n\nTK: lorem ipsum.\n"
    names = ["articles/2022-1/a.md", "articles/2022-10/drafts/b.md", "articles/loose.MD"]
    for name in names:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(stray, encoding="utf-8")
    (tmp_path / "articles/2022-10/images/credits.md").write_text("Photo credits.\n")
    monkeypatch.chdir(tmp_path)
    for args in ([], ["articles"]):
        result = runner.invoke(app, ["check", "--format", "json", *args])
        assert result.exit_code == 1
        found = json.loads(result.stdout)["findings"]
        assert sorted(f["path"] for f in found if f["code"] == "ED001") == sorted(names)
        assert {f["path"] for f in found if f["code"] == "TXT004"} >= set(names), args
        assert not any("images" in f["path"] for f in found)


def test_settings_of_the_wrong_type_are_not_converted(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`true` for a number would be read as 1, `"no"` for a switch as off and `inf` would turn
    a limit off: each is reported instead."""
    text = (ROOT / "publication.toml").read_text(encoding="utf-8")
    assert "\ntarget = 8 " in text
    settings = tmp_path / "publication.toml"
    settings.write_text(text + "\n[rules.TXT005]\nenabled = \"no\"\n", encoding="utf-8")
    message = _refused(tmp_path, monkeypatch)
    assert "rules.TXT005.enabled (line" in message and "valid boolean" in message
    settings.write_text(text.replace("\ntarget = 8 ", "\ntarget = true ")
                        + "\n[rules.MED003]\nmin_ppi = inf\n", encoding="utf-8")
    message = _refused(tmp_path, monkeypatch)
    assert re.search(r"\[rules.READ001\] target \(line \d+\): Input should be a valid number",
                     message)
    assert re.search(r"\[rules.MED003\] min_ppi \(line \d+\): Input should be a finite number",
                     message)


def test_fill_in_texts_with_a_typo_are_refused_with_their_lines(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A disclaimer or label the pipeline fills in with `str.format` is checked up front: a
    misspelt placeholder or a lone brace would stop a build halfway. A byte-order mark (some
    Windows editors write one) is no error."""
    text = (ROOT / "publication.toml").read_text(encoding="utf-8")
    lines = text.splitlines()
    paid_by = next(n for n, line in enumerate(lines, 1) if line.startswith("paid_by ="))
    assert "{sponsor}" in lines[paid_by - 1]
    lines[paid_by - 1] = 'paid_by = "Paid for by {sponsr}"'
    lines.append('[disclaimers.extra]\ntitle = "X"\ntext = "Ask {sponsor"')
    (tmp_path / "publication.toml").write_text("\ufeff" + "\n".join(lines) + "\n",
                                               encoding="utf-8")
    message = _refused(tmp_path, monkeypatch)
    assert re.search(rf"publication\.toml:({paid_by}|{len(lines) + 2}): 2 problem\(s\)", message)
    assert f"sponsor_label.paid_by (line {paid_by}): {{sponsr}} is no placeholder here; " \
        "it may use {sponsor}" in message
    assert f"disclaimers.extra.text (line {len(lines) + 2}): expected '}}' before end of " \
        "string" in message
    (tmp_path / "publication.toml").write_text("\ufeff" + text, encoding="utf-8")
    assert runner.invoke(app, ["check", "a.md"]).exit_code in (0, 1)


def test_cache_is_never_stale_after_content_or_image_changes(
        tmp_path: Path, backdate: Callable[[Path], None]) -> None:
    config = _project(tmp_path)
    article = tmp_path / "a.md"
    article.write_text((ROOT / "tests/cases/MED002-missing-files.md").read_text())
    (tmp_path / ".cache").mkdir()  # as after an earlier run (making it changes the folder)
    backdate(tmp_path)  # else the missing images' folder changed just before: not cached
    first = [f.code for f in gate.check(config, [article]).findings]
    assert (tmp_path / ".cache" / "check.json").is_file()
    assert first == [f.code for f in gate.check(config, [article]).findings]
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "no-such-file.jpg").write_bytes(
        (ROOT / "tests/cases/images/small.png").read_bytes())
    after = [f.code for f in gate.check(config, [article]).findings]
    assert after.count("MED002") == first.count("MED002") - 1
    article.write_text(article.read_text() + "\nTK\n")
    assert "TXT004" in [f.code for f in gate.check(config, [article]).findings]


def test_an_unchanged_check_is_answered_from_the_stamp(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        backdate: Callable[[Path], None]) -> None:
    _project(tmp_path)
    monkeypatch.chdir(tmp_path)
    article = tmp_path / "a.md"
    article.write_text((ROOT / "tests/cases/MED002-missing-files.md").read_text())
    # As after an earlier run: made by this one, it would change the folder that the missing
    # files the findings depend on (images, the published feed) are judged by.
    (tmp_path / ".cache").mkdir()
    backdate(tmp_path)  # edited well before the run: settled
    first = runner.invoke(app, ["check", "a.md"])
    assert first.exit_code == 1 and "MED002" in first.stdout

    def no_gate(*args: object, **kwargs: object) -> object:
        raise AssertionError("the stamp should have answered")

    with monkeypatch.context() as patched:
        patched.setattr(gate, "check", no_gate)
        again = runner.invoke(app, ["check", "a.md"])
        assert (again.exit_code, again.stdout) == (first.exit_code, first.stdout)
        json_again = runner.invoke(app, ["check", "a.md", "--format", "json"])
        assert json_again.exit_code == 1  # another format, same stamp
    # an image the findings named appears: checked again, one MED002 fewer
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "no-such-file.jpg").write_bytes(
        (ROOT / "tests/cases/images/small.png").read_bytes())
    after = runner.invoke(app, ["check", "a.md"])
    assert after.stdout.count("MED002") < first.stdout.count("MED002")
    article.write_text(article.read_text() + "\nTK\n")
    assert "TXT004" in runner.invoke(app, ["check", "a.md"]).stdout


def test_the_result_cache_keeps_recent_versions_only(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        backdate: Callable[[Path], None]) -> None:
    from pipeline import cache

    monkeypatch.setattr(cache, "SPARE_ENTRIES", 1)
    config = _project(tmp_path)
    article = tmp_path / "a.md"
    text = (ROOT / "tests/cases/MED002-missing-files.md").read_text()
    for version in range(4):
        article.write_text(text + f"\nVersion {version}.\n")
        backdate(tmp_path)  # settled: its result is kept
        gate.check(config, [article])
    stored = json.loads((tmp_path / ".cache" / "check.json").read_text())
    assert len(stored["articles"]) == 2  # this run's version and one spare


def test_a_stamped_check_quotes_files_outside_the_project_as_typed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "a" / "proj"
    (root / "articles").mkdir(parents=True)
    _project(root)
    (tmp_path / "a" / "outside").mkdir()
    (tmp_path / "a" / "outside" / "x.md").write_text("no front matter here\n")
    (tmp_path / "outside").mkdir()  # what the same name means from the project root
    (tmp_path / "outside" / "x.md").write_text("SOMETHING ELSE ENTIRELY\n")
    monkeypatch.chdir(root / "articles")
    first = runner.invoke(app, ["check", "../../outside/x.md"])
    again = runner.invoke(app, ["check", "../../outside/x.md"])
    assert "no front matter here" in first.stdout
    assert (again.exit_code, again.stdout) == (first.exit_code, first.stdout)


@pytest.mark.parametrize("change", ["none", "written", "deleted", "replaced"])
def test_a_check_vouches_only_for_images_unchanged_while_it_ran(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, backdate: Callable[[Path], None],
        change: str) -> None:
    """An image its findings name, changed after the rules read it and before the stamp and the
    result cache record it, is checked again next time: written over, deleted, or replaced by
    a file dated before the run (moved over it)."""
    _project(tmp_path)
    (tmp_path / "a.md").write_text((ROOT / "tests/cases/MED002-files-present.md").read_text())
    image = tmp_path / "images" / "small.png"
    image.parent.mkdir()
    shutil.copy(ROOT / "tests/cases/images/small.png", image)
    older = tmp_path / "older.png"
    older.write_bytes(image.read_bytes() + b"\0")
    # As after an earlier run: made by this one, it would change the folder that the missing
    # files the findings depend on (images, the published feed) are judged by.
    (tmp_path / ".cache").mkdir()
    backdate(tmp_path)
    monkeypatch.chdir(tmp_path)
    run_jobs = gate._run_jobs

    def run_then_change(*args: Any, **kwargs: Any) -> list[Any]:
        results = run_jobs(*args, **kwargs)  # the rules have read the image
        if change == "written":
            image.write_bytes(image.read_bytes() + b"\0")
        elif change == "deleted":
            image.unlink()
        elif change == "replaced":
            older.replace(image)
        return results

    with monkeypatch.context() as patched:
        patched.setattr(gate, "_run_jobs", run_then_change)
        assert "MED002" not in runner.invoke(app, ["check", "a.md"]).stdout
    check = gate.check
    calls: list[object] = []

    def counted(*args: Any, **kwargs: Any) -> gate.Report:
        calls.append(args)
        return check(*args, **kwargs)

    monkeypatch.setattr(gate, "check", counted)
    again = runner.invoke(app, ["check", "a.md"])
    assert bool(calls) == (change != "none")  # unchanged: answered from the stamp
    assert ("MED002" in again.stdout) == (change == "deleted")


def test_a_check_vouches_only_for_sources_unchanged_while_it_ran(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        backdate: Callable[[Path], None]) -> None:
    """An article edited while the check reads it and restored before the check ends has the
    digest the stamp was taken with, but not the findings: checked again next time."""
    _project(tmp_path)
    article = tmp_path / "a.md"
    original = (ROOT / "tests/cases/MED002-files-present.md").read_text()
    article.write_text(original)
    (tmp_path / ".cache").mkdir()
    backdate(tmp_path)
    monkeypatch.chdir(tmp_path)
    check = gate.check

    def edit_check_restore(*args: Any, **kwargs: Any) -> gate.Report:
        article.write_text(original + "\nTK\n")
        report = check(*args, **kwargs)
        article.write_text(original)
        return report

    with monkeypatch.context() as patched:
        patched.setattr(gate, "check", edit_check_restore)
        assert "TXT004" in runner.invoke(app, ["check", "a.md"]).stdout
    assert "TXT004" not in runner.invoke(app, ["check", "a.md"]).stdout


def test_the_result_cache_keeps_the_findings_of_the_bytes_it_is_keyed_by(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        backdate: Callable[[Path], None]) -> None:
    """An article edited between the read that keys its cached result and the rules is not
    cached under its old content with the findings of its new one."""
    config = _project(tmp_path)
    article = tmp_path / "a.md"
    original = (ROOT / "tests/cases/MED002-files-present.md").read_text()
    article.write_text(original)
    (tmp_path / ".cache").mkdir()  # as after an earlier run (making it changes the folder)
    backdate(tmp_path)
    run_jobs = gate._run_jobs

    def edit_then_run(*args: Any, **kwargs: Any) -> list[Any]:
        article.write_text(original + "\nTK\n")
        return run_jobs(*args, **kwargs)

    with monkeypatch.context() as patched:
        patched.setattr(gate, "_run_jobs", edit_then_run)
        gate.check(config, [article])
    assert (tmp_path / ".cache" / "check.json").is_file()  # the result was kept
    article.write_text(original)
    assert "TXT004" not in [f.code for f in gate.check(config, [article]).findings]


def test_pathological_articles_take_linear_time(tmp_path: Path) -> None:
    """Hostile but small inputs that made rules quadratic: a line of 40,000 '[' (a link
    pattern scanned to the end of the line from each one), 4,000 suppressions (each looked its
    block up among all the blocks) and a 500,000-letter word (hyphenation sliced the rest of
    the word at each letter), and 150,000 nested <div>s (the sanitizer's time grows far faster
    than the depth: refused, SRC002). Then lines of repeated starts that no end follows, each
    of which a pattern scanned to the end of the line from: `[a](`, `<a:`, `<!--`, `[^`,
    `<img src="a" ` in an HTML block (the standard library's HTMLParser), a long word before
    the last (the last-word search), "TK " (a finding's position searched the paragraph),
    lines without a space (each sentence boundary searched back to the paragraph's start),
    20,000 links and reference links (each link's place searched from the paragraph's start).
    Runs of one character that a pattern took from each of them to the end and back: dots or
    question marks (the sentence boundary), dashes after a number and "www." (a paragraph's
    last word, and the address that may end it), curly quotes ‘’ (the last word's trailing
    punctuation). Quotation marks: markdown-it's smartquotes rule copied the rest of the text
    at each one, and looked for an opening quote through all those open at each closing one.
    A paragraph of 20,000 sentences about a drug: each sentence searched the whole paragraph
    for a citation, a quotation, a credit and the drug named before it.
    Before, checking them took minutes (the divs, hours), like a hang in CI; this is a guard
    with a wide margin, not a measurement of speed (that is `make bench`)."""
    import time

    front = ('---\ntitle: "X"\nauthors: ["Ann Lee"]\ndate: 2022-10-01\nsection: News\n'
             'kind: feature\nsummary: "s"\n---\n\n')
    bodies = {"brackets": "[" * 40_000 + "\n",
              "suppressions": "".join(f'<!-- pipeline: disable=CLM002 reason="x" -->\n\n'
                                      f"Paragraph {n}.\n\n" for n in range(4_000)),
              "word": "a" * 500_000 + "\n",
              "nested": "<div>" * 150_000 + "x" + "</div>" * 150_000 + "\n",
              "starts": "".join(start * (60_000 // len(start)) + "\n\n"
                                for start in ("[a](", "<a:", "<!--", "[^", "<https://")),
              "img-tags": "<div>\n" + '<img src="a" ' * 20_000 + "\n",
              "long-word": "*a" * 30_001 + " end*\n",
              "placeholders": "TK " * 30_000 + "\n",
              "no-spaces": "Stop.\n" * 30_000,
              "links": "".join(f"[a](https://e.org/{n}) [b][r] " for n in range(20_000))
              + "\n\n[r]: https://e.org/r\n",
              "dots": "." * 100_000 + "\n", "question-marks": "?" * 100_000 + "\n",
              "dashes": "Call 414-" + "-" * 100_000 + " x\n", "www": "www." * 25_000 + " x\n",
              "curly-quotes": "‘’" * 50_000 + " x\n", "quotes": "\"a' " * 100_000 + "\n",
              "apostrophes": "a'b " + "word " * 80_000 + "a'b " * 1_900 + "\n",
              "sentences": "Ozempic cures gout. It helps a lot here. " * 10_000 + "\n"}
    for name, body in bodies.items():
        (tmp_path / f"{name}.md").write_text(front + body, encoding="utf-8")
    started = time.monotonic()
    report = gate.check(_project(tmp_path), [tmp_path / f"{name}.md" for name in bodies])
    assert time.monotonic() - started < 40
    assert [f.code for f in report.findings].count("SUP001") == 4_000
    assert [f.code for f in report.findings].count("SRC002") == 1
    assert [f.code for f in report.findings].count("TXT004") >= 30_000
    assert markdown.render(markdown.parse(bodies["nested"])) == markdown.TOO_DEEP


@pytest.mark.parametrize("damage", ["line is text", "line is true", "findings is a table",
                                    "no code", "unknown severity", "inputs are numbers"])
def test_a_damaged_cache_costs_a_check_not_a_traceback(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: str) -> None:
    _project(tmp_path)
    (tmp_path / "a.md").write_text((ROOT / "tests/cases/TXT005-repeated-paragraph.md")
                                   .read_text())
    monkeypatch.chdir(tmp_path)
    first = runner.invoke(app, ["check", "a.md", "--format", "json"])
    assert json.loads(first.stdout)["findings"]
    for name, findings_of in (("check-run.json", lambda data: data),
                              ("check.json", lambda data: next(
                                  e for e in data["articles"].values() if e["findings"]))):
        stored = tmp_path / ".cache" / name
        data = json.loads(stored.read_text())
        entry = findings_of(data)
        if damage == "findings is a table":
            entry["findings"] = {"a": 1}
        elif damage == "inputs are numbers":
            entry["inputs" if name == "check-run.json" else "deps"] = [5]
        else:
            field, value = {"line is text": ("line", "a"), "line is true": ("line", True),
                            "no code": ("code", None),
                            "unknown severity": ("severity", "fatal")}[damage]
            if value is None:
                del entry["findings"][0][field]
            else:
                entry["findings"][0][field] = value
        stored.write_text(json.dumps(data))
        again = runner.invoke(app, ["check", "a.md", "--format", "json"])
        assert again.exit_code == first.exit_code and "Traceback" not in again.output
        assert json.loads(again.stdout) == json.loads(first.stdout)


def test_a_long_line_is_shown_around_its_finding_and_odd_names_are_uris(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A pasted line of megabytes is shown once per finding: only a stretch around the column,
    the caret still under the character. SARIF names files by URI references."""
    _project(tmp_path)
    article = tmp_path / "two words é#1.md"
    front = (ROOT / "tests/cases/TXT005-repeated-paragraph.md").read_text().split("---")[1]
    article.write_text(f"---{front}---\n\n" + "word " * 20_000 + "TK here.\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    text = runner.invoke(app, ["check", article.name]).stdout
    assert len(text) < 5_000
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if "TXT004" in line)
    shown, caret = lines[at + 1], lines[at + 2]
    assert shown.endswith("TK here.") and "…" in shown
    assert shown[caret.index("^"):].startswith("TK")
    sarif = json.loads(runner.invoke(app, ["check", article.name, "--format", "sarif"]).stdout)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in sarif["runs"][0]["results"]}
    assert uris == {"two%20words%20%C3%A9%231.md"}
    jsonschema.validate(sarif, SCHEMA)


def test_a_stray_nul_byte_is_shown_where_it_is_and_a_binary_file_is_binary(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _project(tmp_path)
    text = (ROOT / "tests/cases/TXT005-repeated-paragraph.md").read_bytes()
    lines = text.split(b"\n")
    lines[10] = lines[10][:4] + b"\0" + lines[10][4:]
    (tmp_path / "pasted.md").write_bytes(b"\n".join(lines))
    (tmp_path / "photo.md").write_bytes(bytes(range(256)) * 8)
    monkeypatch.chdir(tmp_path)
    found = json.loads(runner.invoke(app, ["check", "pasted.md", "photo.md", "--format",
                                           "json"]).stdout)["findings"]
    by_path = {f["path"]: f for f in found if f["code"] == "SRC001"}
    assert (by_path["pasted.md"]["line"], by_path["pasted.md"]["column"]) == (11, 5)
    assert "NUL byte" in by_path["pasted.md"]["message"]
    assert by_path["photo.md"]["message"] == "file is binary, not a Markdown article"


def test_a_settings_problem_is_placed_on_its_own_line() -> None:
    """Keys in tables, in the second entry of an array of tables, dotted keys; a table's
    header when the key is missing."""
    from pipeline.settings import toml_line

    text = ('title = "X"\n[site]\nbase_url = "u"\n\n[[ads]]\nname = "A"\n[[ads]]\n'
            'name = "B"\nsize = "huge"\n[rules.READ001]\ntarget = true\nprint.bleed = 1\n')
    assert toml_line(text, ("site", "base_url")) == 3
    assert toml_line(text, ("ads", 1, "name")) == 8
    assert toml_line(text, ("ads", 1, "size")) == 9
    assert toml_line(text, ("ads", 0, "size")) == 5  # not set: the entry's header
    assert toml_line(text, ("rules", "READ001", "target")) == 11
    assert toml_line(text, ("rules", "READ001", "print", "bleed")) == 12
    assert toml_line(text, ("nowhere",)) == 1
