"""The command line: exit codes, formats, bad input answered in one sentence."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import IO

import feedparser
import pytest
import yaml
from PIL import Image
from pypdf import PdfReader
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.content import load_project
from pipeline.settings import Settings
from tests.conftest import ROOT

runner = CliRunner()
SEED = ROOT / "tests" / "fixtures" / "seed" / "ldn-as-received.md"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the repository's settings and sample edition, as the working directory."""
    shutil.copy(ROOT / "publication.toml", tmp_path)
    shutil.copytree(ROOT / "articles", tmp_path / "articles")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _json(args: list[str]) -> tuple[int, dict]:
    result = runner.invoke(app, [*args, "--format", "json"])
    return result.exit_code, json.loads(result.stdout)


def test_sample_edition_passes_the_gate(project: Path) -> None:
    code, report = _json(["check", "articles"])
    assert code == 0, report
    assert report["counts"]["error"] == 0


def test_seed_as_received_fails_the_gate(project: Path) -> None:
    code, report = _json(["check", str(SEED)])
    assert code == 1
    codes = {f["code"] for f in report["findings"]}
    assert "DIS001" in codes
    assert all(f["path"] == str(SEED) for f in report["findings"])


def test_json_shape_is_the_spec(project: Path) -> None:
    _, report = _json(["check", str(SEED)])
    assert set(report) == {"findings", "counts"}
    assert set(report["counts"]) == {"error", "warning", "suggestion"}
    keys = {"code", "severity", "message", "path", "line", "column", "end_line", "end_column",
            "excerpt", "hint"}
    assert all(set(f) == keys for f in report["findings"])


def test_text_format_points_at_the_line(project: Path) -> None:
    bad = project / "articles" / "web" / "typo.md"
    bad.parent.mkdir()
    bad.write_text("---\ntitle: Fine\nauther: Sam\nauthors: [Sam]\ndate: 2022-10-01\n"
                   "section: News\n---\n\nText.\n")
    result = runner.invoke(app, ["check", str(bad)])
    assert result.exit_code == 1
    assert "articles/web/typo.md:3:1: FM003" in result.stdout
    assert "Did you mean `author`?" in result.stdout or "Did you mean `authors`?" in result.stdout


def test_github_format(project: Path) -> None:
    result = runner.invoke(app, ["check", str(SEED), "--format", "github"])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert all(line.startswith(("::error ", "::warning ", "::notice ")) for line in lines)
    assert any(line.startswith("::error file=") and "title=DIS001::" in line for line in lines)


def test_control_characters_from_an_article_never_reach_the_terminal(project: Path) -> None:
    """An escape sequence in an article (here one that retitles the terminal window) is
    printed spelled out in text and GitHub output, so it cannot drive the terminal or CI log."""
    path = project / "articles" / "2022-10" / "calendar.md"
    path.write_text(path.read_text() + "\nTK \x1b]0;PWNED\x07 and \x1b[31mred\n")
    for output in ("text", "github"):
        result = runner.invoke(app, ["check", str(path), "--format", output])
        assert "TK" in result.stdout or "TXT004" in result.stdout
        assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    text = runner.invoke(app, ["check", str(path)]).stdout
    assert "TK \\x1b]0;PWNED\\x07 and \\x1b[31mred" in text


def test_the_caret_stands_under_the_finding_after_spelled_out_characters() -> None:
    from pipeline.findings import Finding, Severity, format_text

    finding = Finding("TXT004", Severity.ERROR, "placeholder", "a.md", 1, 4, 1, 6)
    shown = format_text([finding], {"a.md": ["\x1b\x1b TK here"]}).splitlines()
    source, caret = shown[1], shown[2]
    assert caret.index("^") == source.index("TK") and caret.count("^") == 2


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"\x89PNG\r\n\x1a\n\0\0\0binary", "SRC001"),
        ("---\ntitle: Caf\xe9\n---\n".encode("latin-1"), "SRC001"),
        (b"---\ntitle: [unclosed\nauthors: [A]\n---\nText.\n", "FM002"),
        (b"No front matter at all.\n", "FM001"),
        (b"---\n- a list\n- not a mapping\n---\nText.\n", "FM002"),
        (b"---\ntitle: Huge\n---\n" + b"word " * 500_000, "SRC001"),
    ],
    ids=["binary", "latin-1", "broken-yaml", "no-front-matter", "not-a-mapping", "huge"],
)
def test_bad_files_are_findings_not_tracebacks(project: Path, content: bytes, code: str) -> None:
    path = project / "bad.md"
    path.write_bytes(content)
    result = runner.invoke(app, ["check", str(path), "--format", "json"])
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.exit_code == 1
    assert code in {f["code"] for f in json.loads(result.stdout)["findings"]}


def test_what_is_no_article_file_is_not_read(project: Path, tmp_path_factory:
                                             pytest.TempPathFactory) -> None:
    """A link from the articles to a file outside the project, a pipe, a device and a folder
    named .md are SRC001 findings: nothing of them is read (a pipe or /dev/zero would hang the
    run or fill its memory), nor quoted in an excerpt."""
    import os

    secret = tmp_path_factory.mktemp("outside") / "secret.md"
    secret.write_text("---\ntitle: Secret\n---\nTOP SECRET line one.\n")
    web = project / "articles" / "web"
    web.mkdir()
    (web / "linked.md").symlink_to(secret)
    (web / "zeros.md").symlink_to("/dev/zero")
    os.mkfifo(web / "pipe.md")
    (web / "folder.md").mkdir()
    for args, named in ((["check"], ("linked", "zeros", "pipe", "folder")),
                        (["check", "articles/web"], ("linked",)),  # the Markdown files there
                        (["check", *(f"articles/web/{n}.md" for n in ("linked", "zeros",
                                                                      "pipe"))],
                         ("linked", "zeros", "pipe"))):
        result = runner.invoke(app, [*args, "--format", "json"])
        assert result.exit_code == 1 and "Traceback" not in result.output
        found = {(f["path"], f["code"]) for f in json.loads(result.stdout)["findings"]}
        assert {(f"articles/web/{name}.md", "SRC001") for name in named} <= found, found
        assert "SECRET" not in result.stdout
    again = runner.invoke(app, ["check"])  # answered from the stamp: excerpts read again
    assert "SECRET" not in again.stdout and "a link to a file outside the project" in again.stdout


def test_invalid_settings_exit_2_with_every_problem(project: Path) -> None:
    (project / "publication.toml").write_text(
        '[site]\ntitle = "X"\nbase_url = "not a url"\nlanguage = "English!"\n[kinds.feature]\n'
        'label = "Feature"\n'
    )
    result = runner.invoke(app, ["check"])
    assert result.exit_code == 2
    for problem in ("base_url", "language", "article"):
        assert problem in result.stderr
    assert "Traceback" not in result.stderr


def test_broken_toml_and_missing_paths_exit_2(project: Path) -> None:
    result = runner.invoke(app, ["check", "no/such/file.md"])
    assert result.exit_code == 2 and "no such file" in result.stderr
    (project / "publication.toml").write_text("[site\n")
    result = runner.invoke(app, ["check"])
    assert result.exit_code == 2 and "invalid TOML" in result.stderr


def test_edition_manifest_problems(project: Path) -> None:
    manifest = project / "articles" / "2022-10" / "edition.toml"
    extra = '"calendar",\n  "calendar",\n  "no-such-piece",'
    text = manifest.read_text().replace('"calendar",', extra)
    text = text.replace('after = "editors-letter"', 'after = "no-such-letter"')
    assert '"images/cover.jpg"' in text
    manifest.write_text(text.replace('"images/cover.jpg"', '"images/no-cover.jpg"'))
    web = project / "articles" / "web"
    web.mkdir()
    (web / "calendar.md").write_text((project / "articles/2022-10/calendar.md").read_text())
    code, report = _json(["check"])
    assert code == 1
    found = {f["message"]: f for f in report["findings"] if f["code"] == "ED001"}
    assert any("listed 2 times" in m for m in found)
    assert any("no-such-piece" in m for m in found)
    assert any("placed after `no-such-letter`" in m for m in found)
    [cover] = [f for m, f in found.items() if "the cover image `images/no-cover.jpg` does " in m]
    lines = manifest.read_text().splitlines()
    assert '"images/no-cover.jpg"' in lines[cover["line"] - 1]
    assert any("`calendar` is in both 2022-10 and articles/web/" in m for m in found)
    manifest.write_text(text.replace("date = 2022-10-01", "date = 2022-11-01"))
    _, report = _json(["check"])
    [dated] = [f for f in report["findings"] if f["code"] == "ED001" and "`date" in f["message"]]
    assert "is not in 2022-10" in dated["message"]
    assert manifest.read_text().splitlines()[dated["line"] - 1].startswith("date = ")
    # a line break in the title would have gone into the newsletter's Subject header
    manifest.write_text(text.replace('title = "October 2022"',
                                     'title = "October 2022\\r\\nBcc: x@example.org"'))
    _, report = _json(["check"])
    assert "edition.toml: `title`: must be one line, without line breaks or control " \
        "characters" in {f["message"] for f in report["findings"] if f["code"] == "ED001"}


def test_a_cover_line_for_a_sponsored_article_must_carry_the_label(project: Path) -> None:
    """A teaser for the advertorial, written as plain text, is stopped at the gate; naming the
    article labels it on the cover, the edition page, the home page and in the newsletter,
    whose subject then leads with another line."""
    manifest = project / "articles" / "2022-10" / "edition.toml"
    named = manifest.read_text()
    linked = '{ text = "Low-Dose Naltrexone: What the Studies Say", ' \
        'article = "low-dose-naltrexone" }'
    assert linked in named
    # Other words for the same piece: its title's own words give it away.
    manifest.write_text(named.replace(linked, '"Naltrexone at Low Doses: Relief for Pain?"'))
    _, report = _json(["check"])
    [line] = [f for f in report["findings"] if f["code"] == "ED001"]
    assert "promotes the sponsored `low-dose-naltrexone` without its label" in line["message"]
    assert "Naltrexone at Low Doses" in manifest.read_text().splitlines()[line["line"] - 1]
    manifest.write_text(named.replace('article = "low-dose-naltrexone"', 'article = "nope"'))
    _, report = _json(["check"])
    assert any("names `nope`, which is not in `order`" in f["message"]
               for f in report["findings"] if f["code"] == "ED001")
    manifest.write_text(named)
    shutil.copytree(ROOT / "layouts", project / "layouts")
    result = runner.invoke(app, ["build", "--only", "web,newsletter"])
    assert result.exit_code == 0, result.output
    label = '<span class="cover-label">Sponsored Advertising Content</span> Low-Dose Naltrexone'
    site = project / "build" / "site"
    for page in (site / "index.html", site / "editions" / "2022-10" / "index.html"):
        assert label in page.read_text(encoding="utf-8")
    letter = (project / "build" / "2022-10" / "newsletter.txt").read_text(encoding="utf-8")
    assert "Low-Dose Naltrexone: What the Studies Say (Sponsored Advertising Content)" in letter
    eml = (project / "build" / "2022-10" / "newsletter.eml").read_text(encoding="utf-8")
    assert "Subject: Lakeshore Living, October 2022: Growing Together" in eml


def test_build_is_blocked_by_errors_and_writes_nothing(project: Path) -> None:
    shutil.copy(SEED, project / "articles" / "2022-10" / "seed.md")
    result = runner.invoke(app, ["build", "--only", "feed", "--out", str(project / "out")])
    assert result.exit_code == 1
    assert "blocked" in result.stderr
    out = project / "out"  # holds only the lock a build into it takes
    assert [p for p in out.rglob("*") if p.is_file()] == [out / ".cache" / "build.lock"]


def test_build_options_that_would_write_among_the_sources_or_build_nothing(
        project: Path) -> None:
    for args in (["--out", ""], ["--out", "."], ["--out", ".."], ["--out", "articles/site"],
                 ["--only", ""], ["--only", " , "]):
        result = runner.invoke(app, ["build", *args])
        assert result.exit_code == 2, args
        assert "among the project's own files" in result.stderr or \
            "--only names no output" in result.stderr
    assert not (project / "site").exists() and not (project / "build").exists()


def test_newsletter_send_arguments_are_checked_before_anything_is_built(
        project: Path) -> None:
    (project / "empty.csv").write_text("email\n")
    for args in (["--to", "nope"], ["--list", "empty.csv"], []):
        result = runner.invoke(app, ["newsletter", "2022-10", "--send", "--smtp",
                                     "127.0.0.1:1", *args])
        assert result.exit_code == 2, args
    assert not (project / "build").exists()


def test_build_unknown_edition_exits_2(project: Path) -> None:
    result = runner.invoke(app, ["build", "1999-01"])
    assert result.exit_code == 2 and "no edition 1999-01" in result.stderr


def test_an_unusable_output_folder_is_one_sentence_and_exit_2(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """--out naming a file or a place no folder can be made, or a write that fails (a full
    disk), stops the build with one sentence; what the last build wrote stays as it was."""
    shutil.copytree(ROOT / "layouts", project / "layouts")
    (project / "a-file").write_text("not a folder")
    for out, said in (("a-file", "a-file: cannot be the output folder (it is a file)"),
                      ("/proc/no-such-folder", "/proc/no-such-folder: cannot be the output")):
        result = runner.invoke(app, ["build", "--only", "web", "--out", out])
        assert result.exit_code == 2 and said in result.stderr, result.stderr
        assert "Traceback" not in result.stderr
    assert runner.invoke(app, ["build", "--only", "web"]).exit_code == 0
    site = project / "build/site"
    before = {path: path.read_bytes() for path in site.rglob("*") if path.is_file()}
    from pipeline import files

    write_temp = files._write_temp
    staged: list[Path] = []

    def full_disk(handle: int, mode: str) -> IO[bytes]:
        os.close(handle)
        return open("/dev/full", mode)  # as os.fdopen would: its user closes it

    def disk_full_after_three(target: Path, data: bytes) -> Path:
        if len(staged) == 3:  # the disk's own error (ENOSPC), which names no file
            with monkeypatch.context() as patch:
                patch.setattr(files.os, "fdopen", full_disk)
                return write_temp(target, data)
        staged.append(write_temp(target, data))
        return staged[-1]

    monkeypatch.setattr(files, "_write_temp", disk_full_after_three)
    for name in ("calendar", "leave-some-leaves"):  # more pages change than can be written
        article = project / f"articles/2022-10/{name}.md"
        article.write_text(article.read_text() + "\nOne more line.\n")
    result = runner.invoke(app, ["build", "--only", "web"])
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    assert re.search(r"error: \S+/build/site/\S+\.html: cannot be written \(No space left on "
                     r"device\); no output was changed", result.stderr), result.stderr
    # nothing published: not the three pages staged, nor their temporary files
    assert len(staged) == 3 and not any(path.exists() for path in staged)
    assert {path: path.read_bytes() for path in site.rglob("*") if path.is_file()} == before
    monkeypatch.undo()
    monkeypatch.chdir(project)
    assert runner.invoke(app, ["build", "--only", "web"]).exit_code == 0
    assert b"One more line." in (site / "articles/leave-some-leaves/index.html").read_bytes()


def test_temporary_files_of_a_killed_build_are_removed(project: Path) -> None:
    shutil.copytree(ROOT / "layouts", project / "layouts")
    leftover = project / "build/site/articles/.index.html.k2j4h8x_.tmp"
    leftover.parent.mkdir(parents=True)
    leftover.write_text("half of a page")
    os.utime(leftover, (1_600_000_000, 1_600_000_000))
    theirs = project / "build/site/.notes.tmp"  # not a name the pipeline makes: kept
    theirs.write_text("someone's file")
    assert runner.invoke(app, ["build", "--only", "web"]).exit_code == 0
    assert not leftover.exists() and theirs.exists()


@pytest.mark.parametrize(("template", "broken", "said"), [
    ("tags.html.j2", b"{% if %}\n", "layouts/web/tags.html.j2:"),
    ("tags.html.j2", b"\xff\xfe{{ x }}", "layouts/web/tags.html.j2: the template is not UTF-8"),
    ("listing.html.j2", b"{{ no_such_variable }}", "layouts/web/listing.html.j2:1: template"),
    ("../newsletter/newsletter.txt.j2", b"\xff{{ x }}",
     "layouts/newsletter/newsletter.txt.j2: the template is not UTF-8"),
])
def test_a_broken_template_is_one_sentence_with_its_place(project: Path, template: str,
                                                         broken: bytes, said: str) -> None:
    shutil.copytree(ROOT / "layouts", project / "layouts")
    path = project / "layouts/web" / template
    path.write_bytes(broken if b"no_such" in broken or b"\xff" in broken
                     else path.read_bytes() + broken)
    output = "newsletter" if "newsletter" in template else "web"
    result = runner.invoke(app, ["build", "2022-10", "--only", output])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and said in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output


def test_a_project_without_its_layouts_is_told_so(project: Path) -> None:
    result = runner.invoke(app, ["build", "2022-10", "--only", "web"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "layouts/web/" in result.stderr and "no such template" in result.stderr


def test_new_scaffolds_an_article_that_passes_front_matter_rules(project: Path) -> None:
    result = runner.invoke(app, ["new", "Fall Harvest Market Opens", "--kind", "column",
                                 "--edition", "2022-10"])
    assert result.exit_code == 0, result.stderr
    path = Path(result.stdout.strip())
    assert path.name == "fall-harvest-market-opens.md"
    meta = yaml.safe_load(path.read_text().split("---")[1])
    assert meta["kind"] == "column" and len(meta["id"]) == 36
    _, report = _json(["check", str(path)])
    front_matter = [f for f in report["findings"] if f["code"].startswith(("FM", "STR001"))]
    assert front_matter == []
    again = runner.invoke(app, ["new", "Fall Harvest Market Opens", "--kind", "column",
                                "--edition", "2022-10"])
    assert again.exit_code == 2 and "already exists" in again.stderr
    # a draft is not yet in `order`: the edition still builds (ED001 waits for it to be ready)
    _, report = _json(["check"])
    assert [f["message"] for f in report["findings"] if f["code"] == "ED001"] == []
    path.write_text(path.read_text().replace("draft: true", "draft: false"))
    _, report = _json(["check"])
    assert any("fall-harvest-market-opens.md is in the edition folder but not in `order`" in
               f["message"] for f in report["findings"] if f["code"] == "ED001")
    for title in ("", "  ", "Two\nlines"):
        empty = runner.invoke(app, ["new", title, "--kind", "feature"])
        assert empty.exit_code == 2 and "the title must be one line" in empty.stderr
    elsewhere = runner.invoke(app, ["new", "Winter Walks", "--kind", "feature",
                                    "--edition", "2030-01"])
    assert elsewhere.exit_code == 2 and "no edition 2030-01" in elsewhere.stderr
    assert not (project / "articles" / "2030-01").exists()


def test_schema_is_json_schema(project: Path) -> None:
    result = runner.invoke(app, ["schema"])
    schema = json.loads(result.stdout)
    assert schema["type"] == "object"
    assert {"title", "authors", "date", "section"} <= set(schema["required"])
    assert "Headline." in schema["properties"]["title"]["description"]


def test_forced_build_is_marked_as_an_unchecked_proof(project: Path) -> None:
    shutil.copytree(ROOT / "layouts", project / "layouts")
    shutil.copy(SEED, project / "articles" / "2022-10" / "seed.md")
    result = runner.invoke(app, ["build", "--only", "web,feed", "--force", "--out",
                                 str(project / "out")])
    assert result.exit_code == 0, result.stderr
    home = (project / "out" / "site" / "index.html").read_text()
    assert 'class="proof-note"' in home and "Unchecked proof" in home
    assert '<meta name="robots" content="noindex">' in home
    for name in ("feed.xml", "atom.xml"):  # every item says so in a feed reader too
        parsed = feedparser.parse((project / "out" / "site" / name).read_bytes())
        assert parsed.entries and all(e.title.startswith("[Unchecked proof] ") and
                                      "not for publication" in e.content[0].value
                                      for e in parsed.entries)
    (project / "articles" / "2022-10" / "seed.md").unlink()
    clean = runner.invoke(app, ["build", "--only", "web,feed", "--out", str(project / "out")])
    assert clean.exit_code == 0
    assert "proof-note" not in (project / "out" / "site" / "index.html").read_text()
    assert b"Unchecked proof" not in (project / "out" / "site" / "feed.xml").read_bytes()


def test_forced_print_pages_carry_the_proof_note(settings: Settings) -> None:
    from pipeline.build import publishable, section_names
    from pipeline.render.pdf import edition_html

    project = load_project(ROOT)
    edition = project.editions["2022-10"]
    views = publishable(edition.in_order(), settings, section_names(project))
    html = edition_html(edition, views, settings, ROOT / "layouts", screen=True,
                        proof_note="Unchecked proof: 3 gate error(s)")
    assert "@bottom-center" in html and "Unchecked proof" in html
    assert "Unchecked proof" not in edition_html(edition, views, settings, ROOT / "layouts",
                                                 screen=True)


def test_a_site_of_web_only_articles_builds_without_an_edition(project: Path) -> None:
    shutil.rmtree(project / "articles" / "2022-10")
    shutil.copytree(ROOT / "layouts", project / "layouts")
    web = project / "articles" / "web"
    web.mkdir()
    (web / "hello.md").write_text("---\ntitle: Hello\nauthors: [Ann Lee]\ndate: 2022-10-01\n"
                                  "section: News\n---\n\nA short note for the web.\n")
    result = runner.invoke(app, ["build", "--only", "web,feed", "--out", str(project / "out")])
    assert result.exit_code == 0, result.stderr
    assert (project / "out" / "site" / "articles" / "hello" / "index.html").is_file()
    assert runner.invoke(app, ["build", "--only", "pdf"]).exit_code == 2


def test_hostile_article_reads_nothing_outside_the_project(project: Path) -> None:
    """Paths out of the project and hostile HTML: findings; a forced build copies, measures
    and embeds nothing from outside, and the page carries no script or frame."""
    shutil.copytree(ROOT / "layouts", project / "layouts")
    web = project / "articles" / "web"
    web.mkdir()
    outside = project.parent / f"{project.name}-outside.png"  # a real image, not ours
    Image.new("RGB", (40, 30), "red").save(outside)
    (web / "evil.md").write_text(
        '---\ntitle: Hostile\nauthors: [Ann Lee]\ndate: 2022-10-01\nsection: News\n'
        'image: {src: "../../../../etc/hostname", alt: "x"}\n---\n\n'
        "![secret](../../../../etc/passwd)\n\n"
        '<img src="file:///etc/shadow" alt="y"><script>alert(1)</script>\n'
        '<iframe src="http://169.254.169.254/"></iframe>\n\nThe end.\n\n'
        f"![beside the project](../../../{outside.name})\n")
    _, report = _json(["check", str(web / "evil.md")])
    # 11: the file: address of the <img>, neither a file of the project nor a web address
    assert [f["line"] for f in report["findings"] if f["code"] == "MED002"] == [6, 9, 11, 16]
    out = project / "out"
    assert runner.invoke(app, ["build", "--only", "web,feed", "--force", "--out",
                               str(out)]).exit_code == 0
    page = (out / "site" / "articles" / "evil" / "index.html").read_text()
    body = page.split('<div class="body">', 1)[-1]
    assert "<script" not in body and "<iframe" not in body and "file:" not in body
    feed = (out / "site" / "feed.xml").read_text()
    assert "articles/evil/" in feed and "etc/hostname" not in feed
    assert not [p for p in out.rglob("*") if p.name in ("passwd", "hostname", "shadow")]
    # the PDF download holds the text and no image: nothing was read from outside
    download = PdfReader(out / "site" / "articles" / "evil" / "evil.pdf")
    assert "The end." in " ".join(page.extract_text() for page in download.pages)
    assert not [name for page in download.pages
                for name, xobject in page["/Resources"].get("/XObject", {}).items()
                if xobject.get_object()["/Subtype"] == "/Image"]
