"""Incremental builds: a build of unchanged sources is answered from the stamp without loading
the renderers; any edit, a lost output or other settings build for real; after an edit only the
pages it touches are rendered again, and the result equals a build from scratch."""

from __future__ import annotations

import fcntl
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from pipeline import build as build_module
from pipeline import checkrun, gate
from pipeline import settings as settings_module
from pipeline.build import BuildResult, build
from pipeline.cli import app
from pipeline.errors import BuildError
from pipeline.findings import counts

ROOT = Path(__file__).resolve().parent.parent
WEB = {"web", "feed"}


def _build(project: Path) -> BuildResult:
    result = build(settings_module.load(project / "publication.toml"), "2022-10", only=WEB)
    assert not result.blocked
    return result


@pytest.mark.parametrize("ahead", [False, True], ids=["edited-before", "dated-ahead"])
def test_unchanged_sources_are_answered_from_the_stamp(
        project: Path, monkeypatch: pytest.MonkeyPatch,
        backdate: Callable[..., None], ahead: bool) -> None:
    # edited well before the build: settled; or copied with their times from a machine whose
    # clock is a day ahead: no edit while the build ran could have given them those times
    backdate(project, *([time.time() + 86_400] if ahead else []))
    first = _build(project)
    again = _build(project)
    assert again.site_cached and not again.written
    assert counts(again.findings) == counts(first.findings)
    assert sorted(again.outputs) == sorted(set(first.outputs))

    def no_build(*args: object, **kwargs: object) -> BuildResult:
        raise AssertionError("the stamp should have answered")

    monkeypatch.setattr(build_module, "build", no_build)
    monkeypatch.chdir(project)
    result = CliRunner().invoke(app, ["build", "2022-10", "--only", "web,feed"])
    assert result.exit_code == 0, result.output
    assert "0 files written (site up to date)" in result.output


def test_a_file_is_settled_only_if_its_time_is_outside_the_run(tmp_path: Path) -> None:
    from pipeline import stamp

    folder = tmp_path / "articles"
    folder.mkdir()
    article = folder / "a.md"
    since = stamp.file_clock(tmp_path)
    article.write_text("text\n")
    assert not stamp.settled(stamp.state([str(article)]), since, tmp_path)  # edited meanwhile
    for when in (time.time() - 86_400, time.time() + 86_400):  # long before; a day ahead
        for path in (article, folder):
            os.utime(path, (when, when))
        assert stamp.settled(stamp.state([str(article)]), since, tmp_path)
    # a project whose clock cannot be read (no .cache can be made in it) settles nothing that
    # is not before the run
    assert not stamp.settled(stamp.state([str(article)]), since, article)
    os.utime(folder)  # the folder changed now (a file deleted or moved in): not settled
    assert not stamp.settled(stamp.state([str(article)]), since, tmp_path)
    article.write_text("more\n")
    assert not stamp.sources_settled(tmp_path, since)


def test_the_first_run_in_a_project_begins_after_it_made_its_cache(tmp_path: Path) -> None:
    """Making .cache changes the project folder's time, by which a missing input (the
    published feed before the first build) is judged: the run begins after that."""
    from pipeline import stamp

    for attempt in range(5):
        project = tmp_path / str(attempt)
        project.mkdir()
        os.utime(project, (1_600_000_000, 1_600_000_000))
        since = stamp.file_clock(project)
        assert since > os.stat(project).st_mtime_ns
        assert stamp.settled(stamp.state([str(project / "build/site/feed.xml")]), since, project)


def test_an_edit_a_lost_output_or_other_settings_build_again(project: Path) -> None:
    _build(project)
    page = project / "build/site/articles/leave-some-leaves/index.html"
    assert page.is_file()
    page.unlink()
    assert page in _build(project).written

    article = project / "articles/2022-10/leave-some-leaves.md"
    article.write_text(article.read_text().replace("leaves", "foliage", 1))
    again = _build(project)
    assert not again.site_cached and page in again.written

    settings = settings_module.load(project / "publication.toml")
    retitled = settings.model_copy(update={"site": settings.site.model_copy(
        update={"title": "Another Title"})})
    assert page in build(retitled, "2022-10", only=WEB).written


def test_an_interrupted_build_leaves_no_stamp(project: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    def crash(*args: object, **kwargs: object) -> list[Path]:
        raise OSError("disk full")

    monkeypatch.setattr(build_module, "write_derived", crash)
    with pytest.raises(BuildError, match="disk full"):  # one sentence for the command line
        _build(project)
    monkeypatch.undo()
    assert not _build(project).site_cached


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_an_edit_renders_only_the_pages_it_touches(
        project: Path, monkeypatch: pytest.MonkeyPatch, backdate: Callable[[Path], None],
        ) -> None:
    """(Each build follows the edits by more than a clock tick: pages are kept only from a
    build that no source changed under.)"""
    from pipeline.render import web

    sites: list[web.Site] = []
    render = web.render

    def spy(*args: Any, **kwargs: Any) -> web.Site:
        sites.append(render(*args, **kwargs))
        return sites[-1]

    monkeypatch.setattr(web, "render", spy)
    (project / ".cache").mkdir()
    backdate(project)
    _build(project)
    article = project / "articles/2022-10/leave-some-leaves.md"
    article.write_text(article.read_text().replace("leaves", "foliage", 1))
    backdate(project / "articles")
    _build(project)
    first, second = ([p for p in site.rendered if p.startswith("articles/")] for site in sites)
    assert len(first) == 9
    # the edited page and the pages whose related cards show it; not the others
    assert "articles/leave-some-leaves/index.html" in second and len(second) < len(first)
    # listings: its section and the archive show it, the other sections do not
    assert {"green-living/index.html", "archive/index.html"} <= set(sites[1].rendered)
    assert "green-living/index.html" in sites[0].rendered
    assert "news-briefs/index.html" in sites[0].rendered
    assert "news-briefs/index.html" not in sites[1].rendered
    # a kept page changed on disk since is rendered again, not trusted
    briefs = project / "build/site/news-briefs/index.html"
    briefs.write_bytes(briefs.read_bytes().replace(b"Briefs", b"Brief!"))
    _build(project)
    assert "news-briefs/index.html" in sites[2].rendered
    settings = settings_module.load(project / "publication.toml")
    build(settings, "2022-10", only=WEB, out=project / "fresh")
    assert _tree(project / "build/site") == _tree(project / "fresh/site")


def test_a_damaged_stamp_only_costs_a_real_build(project: Path) -> None:
    _build(project)
    for damaged in (b"", b"{not json", b'{"request": 1}', b"\xff\xfe", b'{"files": [[]]}',
                    b'{"files": 3}', b'{"files": {"a": 1}}'):
        for record in ("build.json", "site.json", "web-pages.json", "files.json"):
            (project / "build/.cache" / record).write_bytes(damaged)
        again = _build(project)
        assert not again.site_cached and not again.blocked


def test_a_renamed_article_is_relinked_on_the_pages_that_show_it(project: Path) -> None:
    _build(project)
    old = project / "articles/2022-10/briefs-seed-library.md"
    old.rename(project / "articles/2022-10/seed-library.md")
    manifest = project / "articles/2022-10/edition.toml"
    manifest.write_text(manifest.read_text().replace('"briefs-seed-library"', '"seed-library"'))
    _build(project)
    build(settings_module.load(project / "publication.toml"), "2022-10", only=WEB,
          out=project / "fresh")
    assert _tree(project / "build/site") == _tree(project / "fresh/site")
    assert not (project / "build/site/articles/briefs-seed-library").exists()  # taken down


def test_an_image_outside_the_articles_is_an_input_of_the_site(project: Path) -> None:
    from PIL import Image

    (project / "assets").mkdir()
    Image.new("RGB", (1800, 1200), "green").save(project / "assets/hero.jpg")
    article = project / "articles/2022-10/walk-into-autumn.md"
    article.write_text(article.read_text().replace("src: images/forest-path-hero.jpg",
                                                   "src: ../../assets/hero.jpg"))
    page = project / "build/site/articles/walk-into-autumn/index.html"
    build(settings_module.load(project / "publication.toml"), "2022-10", only=WEB, force=True)
    assert 'og:image:height" content="1067"' in page.read_text()
    time.sleep(0.01)
    Image.new("RGB", (1800, 600), "green").save(project / "assets/hero.jpg")
    build(settings_module.load(project / "publication.toml"), "2022-10", only=WEB, force=True)
    assert 'og:image:height" content="533"' in page.read_text()


def test_a_symlinked_edition_folder_is_digested(project: Path, tmp_path_factory:
                                                pytest.TempPathFactory) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere") / "2022-10"
    (project / "articles/2022-10").rename(elsewhere)
    (project / "articles/2022-10").symlink_to(elsewhere, target_is_directory=True)
    _build(project)
    post = elsewhere / "calendar.md"
    post.write_text(post.read_text().replace("draft: false", "draft: maybe"))
    again = build(settings_module.load(project / "publication.toml"), "2022-10", only=WEB)
    assert again.blocked  # seen through the link, not answered from the stamp


def test_a_forced_build_is_not_stamped_with_findings_of_the_old_feed(project: Path) -> None:
    _build(project)  # publishes build/site/feed.xml, which FED001 compares with
    article = project / "articles/2022-10/leave-some-leaves.md"
    article.write_text(re.sub(r'id: "[^"]+"', 'id: "0a0a0a0a-1111-2222-3333-444444444444"',
                              article.read_text()))
    settings = settings_module.load(project / "publication.toml")
    forced = build(settings, "2022-10", only=WEB, force=True)
    assert "FED001" in {f.code for f in forced.findings}
    again = build(settings, "2022-10", only=WEB, force=True)  # the feed now has the new id
    assert "FED001" not in {f.code for f in again.findings}


def test_a_withdrawn_article_is_taken_down_but_a_feed_only_build_removes_no_page(
        project: Path) -> None:
    _build(project)
    page = project / "build/site/articles/calendar/index.html"
    settings = settings_module.load(project / "publication.toml")
    article = project / "articles/2022-10/leave-some-leaves.md"
    article.write_text(article.read_text().replace("leaves", "foliage", 1))
    build(settings, "2022-10", only={"feed"})
    assert page.is_file()  # a build of the feeds alone leaves the pages be
    calendar = project / "articles/2022-10/calendar.md"
    calendar.write_text(calendar.read_text().replace("draft: false", "draft: true"))
    build(settings, "2022-10", only=WEB, force=True)  # forced: FED001 reports the withdrawal
    assert not page.exists() and not page.parent.exists()
    assert (project / "build/site/index.html").is_file()


def _green(path: Path, width: int) -> None:
    """A plain picture `width` pixels wide: in a feature's column, below 1008 px it is under
    300 ppi in print (MED003)."""
    from PIL import Image

    Image.new("RGB", (width, 600), "green").save(path)


@pytest.mark.parametrize("change", ["none", "input", "source"])
def test_a_build_vouches_only_for_files_unchanged_while_it_ran(
        project: Path, monkeypatch: pytest.MonkeyPatch, backdate: Callable[[Path], None],
        change: str) -> None:
    """An input changed after the gate read it (a picture kept outside the articles, made wide
    enough), or an article edited after the sources were digested and restored once the build
    has read it, is not stamped with the findings of its other state: the next build checks
    again."""
    picture = project / "assets/field.jpg"
    picture.parent.mkdir()
    _green(picture, 800)
    walk = project / "articles/2022-10/walk-into-autumn.md"
    walk.write_text(walk.read_text() + "\n![A green field](../../assets/field.jpg)\n")
    article = project / "articles/2022-10/leave-some-leaves.md"
    original = article.read_text()
    settings = settings_module.load(project / "publication.toml")
    build(settings, "2022-10", only=WEB, force=True)  # publishes the feed FED001 reads
    backdate(project)
    check = gate.check
    load_project = build_module.load_project

    def load_edited(root: Path) -> Any:
        if change == "source":
            article.write_text(original + "\nTK\n")
        return load_project(root)

    def check_while_changing(*args: Any, **kwargs: Any) -> gate.Report:
        report = check(*args, **kwargs)
        if change == "input":
            _green(picture, 1200)
        elif change == "source":
            article.write_text(original)
        return report

    with monkeypatch.context() as patched:
        patched.setattr(build_module, "load_project", load_edited)
        patched.setattr(gate, "check", check_while_changing)
        # the site alone: a build that also rewrote the feed FED001 reads would not be stamped
        first = build(settings, "2022-10", only={"web"}, force=True)
    assert ("TXT004" in {f.code for f in first.findings}) == (change == "source")
    assert "MED003" in {f.code for f in first.findings}
    calls: list[object] = []

    def counted(*args: Any, **kwargs: Any) -> gate.Report:
        calls.append(args)
        return check(*args, **kwargs)

    monkeypatch.setattr(gate, "check", counted)
    again = build(settings, "2022-10", only={"web"}, force=True)
    assert bool(calls) == (change != "none")  # unchanged: answered from the stamp
    codes = {f.code for f in again.findings}
    assert ("MED003" in codes) == (change != "input") and "TXT004" not in codes


@pytest.mark.parametrize("command", ["build", "check"])
def test_runs_into_the_same_folder_take_turns(project: Path, monkeypatch: pytest.MonkeyPatch,
                                              command: str) -> None:
    """A second build into the same --out (or check of the same project) waits until the first
    is done: it can neither stamp the other's outputs nor be stamped with them."""
    settings = settings_module.load(project / "publication.toml")

    def run() -> object:
        if command == "build":
            return build(settings, "2022-10", only={"feed"}, force=True)
        return checkrun.run(project, [])

    inside: list[str] = []
    second_arrived = threading.Event()
    failures: list[BaseException] = []
    check, flock = gate.check, fcntl.flock

    def second() -> None:
        try:
            run()
        except BaseException as exc:  # reported by the test, from its own thread
            failures.append(exc)

    def noting_lock(fd: int, operation: int) -> None:
        if threading.current_thread().name == "second" and operation & fcntl.LOCK_EX:
            second_arrived.set()  # about to wait for the lock
        flock(fd, operation)

    def check_while_the_second_starts(*args: Any, **kwargs: Any) -> gate.Report:
        inside.append(threading.current_thread().name)
        if threading.current_thread().name == "second":
            second_arrived.set()
        else:
            threading.Thread(target=second, name="second").start()
            assert second_arrived.wait(60), "the second run neither waited nor ran"
            assert inside == ["MainThread"], "the second run went ahead of the first"
        return check(*args, **kwargs)

    monkeypatch.setattr(fcntl, "flock", noting_lock)
    monkeypatch.setattr(gate, "check", check_while_the_second_starts)
    run()
    for thread in threading.enumerate():
        if thread.name == "second":
            thread.join(120)
    assert not failures and inside[0] == "MainThread"


def test_a_build_checks_the_very_text_it_publishes(project: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """An article changed on disk after the build read it: the gate judges the text the build
    read and renders, not the newer file (that is the next build's)."""
    article = project / "articles/2022-10/leave-some-leaves.md"
    load_project = build_module.load_project

    def load_then_edit(root: Path) -> Any:
        loaded = load_project(root)
        article.write_text("no front matter: a gate error (FM001)\n")
        return loaded

    monkeypatch.setattr(build_module, "load_project", load_then_edit)
    result = _build(project)
    assert not [f for f in result.findings if f.code == "FM001"]
    page = project / "build/site/articles/leave-some-leaves/index.html"
    assert "Leave Some Leaves" in page.read_text()


def test_a_build_that_waited_does_not_vouch_for_edits_made_meanwhile(
        project: Path, backdate: Callable[[Path], None]) -> None:
    """The CLI digests the sources before it waits for the lock; an edit made while it waits
    (then undone) must not be stamped as the digest's sources."""
    from pipeline import stamp

    settings = settings_module.load(project / "publication.toml")
    out = (project / "build").resolve()
    _build(project)  # the feed is published: FED001's input is the same after the next build
    backdate(project)
    _, digest = stamp.cached(project, out, WEB, "2022-10", False)
    build(settings, "2022-10", only=WEB, digest=digest)
    assert stamp.cached(project, out, WEB, "2022-10", False)[0] is not None  # no edit: held

    (out / stamp.STAMP).unlink()  # no stamp for these sources yet: the build runs
    _, digest = stamp.cached(project, out, WEB, "2022-10", False)
    template = project / "layouts/web/base.html.j2"
    original = template.read_text()
    template.write_text(original.replace("</body>", "<p>Edited while it waited</p></body>"))
    build(settings, "2022-10", only=WEB, digest=digest)
    template.write_text(original)
    assert stamp.cached(project, out, WEB, "2022-10", False)[0] is None


def test_a_template_included_from_a_sub_folder_is_an_input_of_every_page(project: Path) -> None:
    base = project / "layouts/web/base.html.j2"
    base.write_text(base.read_text().replace("</footer>",
                                             '{% include "parts/colophon.html" %}</footer>'))
    part = project / "layouts/web/parts/colophon.html"
    part.parent.mkdir()
    part.write_text("<p>Printed on recycled paper.</p>")
    _build(project)
    part.write_text("<p>Printed on paper from managed forests.</p>")
    _build(project)
    page = project / "build/site/articles/leave-some-leaves/index.html"
    assert "managed forests" in page.read_text()


def test_pages_are_rendered_from_the_templates_their_digest_was_taken_of(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A template saved while the site renders: the pages come from the bytes the build read
    and digested, never half from the new ones (which the next build renders)."""
    from pipeline.render import web

    base = project / "layouts/web/base.html.j2"
    original = base.read_text()
    read = web.read_layouts

    def read_then_save(folder: Path) -> dict[str, bytes]:
        files = read(folder)
        base.write_text(original.replace("</body>", "<p>Saved meanwhile</p></body>"))
        return files

    monkeypatch.setattr(web, "read_layouts", read_then_save)
    _build(project)
    page = project / "build/site/articles/leave-some-leaves/index.html"
    assert "Saved meanwhile" not in page.read_text()
    monkeypatch.undo()
    _build(project)
    assert "Saved meanwhile" in page.read_text()


def test_lost_or_damaged_body_files_only_cost_a_render(project: Path) -> None:
    """The bodies the check kept are a cache: a build without them renders the same pages."""
    import shutil

    _build(project)
    fresh = _tree(project / "build/site")
    bodies = project / ".cache/bodies"
    assert len(list(bodies.glob("*/*.html"))) >= 9
    for body in list(bodies.glob("*/*.html"))[:3]:
        body.unlink()
    shutil.rmtree(project / "build")
    _build(project)
    assert _tree(project / "build/site") == fresh
    for folder in bodies.iterdir():  # an unwritable cache: kept nowhere, rendered by the build
        shutil.rmtree(folder)
        folder.write_text("not a folder")
    (project / ".cache/check.json").unlink()
    shutil.rmtree(project / "build")
    _build(project)
    assert _tree(project / "build/site") == fresh


def test_what_was_rendered_while_a_source_changed_is_rendered_again(
        project: Path, monkeypatch: pytest.MonkeyPatch, backdate: Callable[[Path], None],
        ) -> None:
    """The PDFs and pages are kept by a digest of their sources taken before the render. A
    layout saved while they render and restored before the build ends has that digest again,
    but the render may have read the other version: the next build renders them again."""
    from pipeline.render import pdf, web

    layout = project / "layouts/print/magazine.css"
    original = layout.read_bytes()
    (project / ".cache").mkdir()
    backdate(project)
    settings = settings_module.load(project / "publication.toml")
    outputs = {"pdf", "web"}
    sites: list[web.Site] = []
    render_pdf, render_web = pdf.render, web.render

    def saved_meanwhile(render: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            layout.write_bytes(original + b"\n/* being edited */\n")
            try:
                made = render(*args, **kwargs)
            finally:
                layout.write_bytes(original)
            if isinstance(made, web.Site):
                sites.append(made)
            return made

        return run

    with monkeypatch.context() as patched:
        patched.setattr(pdf, "render", saved_meanwhile(render_pdf))
        patched.setattr(web, "render", saved_meanwhile(render_web))
        assert not build(settings, "2022-10", only=outputs).blocked
    backdate(project)

    def spy(*args: Any, **kwargs: Any) -> web.Site:
        sites.append(render_web(*args, **kwargs))
        return sites[-1]

    monkeypatch.setattr(web, "render", spy)
    again = build(settings, "2022-10", only=outputs)
    assert not again.pdf_cached
    assert "articles/leave-some-leaves/index.html" in sites[-1].rendered
    backdate(project)  # nothing changed under that one: its PDFs and pages are kept
    third = build(settings, "2022-10", only=outputs | {"feed"})
    assert third.pdf_cached and "articles/leave-some-leaves/index.html" not in sites[-1].rendered


_LOCK_AND_WORK = """
import sys, time
from pathlib import Path
from pipeline import stamp
from pipeline.parallel import map_in_processes
with stamp.locked(Path(sys.argv[1])):
    print("locked", flush=True)
    map_in_processes(time.sleep, [30.0] * 4, parallel_from=2)
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads /proc (Linux)")
def test_a_killed_run_leaves_no_worker_holding_its_lock(tmp_path: Path) -> None:
    """A CI time limit or an editor's kill -9 stops the main process only: its workers must
    stop too, and must not keep holding the lock (every later run would wait forever)."""
    lock = tmp_path / "check.lock"
    run = subprocess.Popen([sys.executable, "-c", _LOCK_AND_WORK, str(lock)],
                           stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert run.stdout is not None and run.stdout.readline().strip() == "locked"
    children = Path(f"/proc/{run.pid}/task/{run.pid}/children")
    deadline = time.monotonic() + 30
    while len(workers := [int(pid) for pid in children.read_text().split()]) < 2:
        assert time.monotonic() < deadline, "no workers started"
        time.sleep(0.05)
    run.kill()
    run.wait(10)
    handle = os.open(lock, os.O_RDWR)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                assert time.monotonic() < deadline, "the lock is still held"
                time.sleep(0.05)
    finally:
        os.close(handle)
    while any(_alive(pid) for pid in workers):
        assert time.monotonic() < deadline, "workers outlived their parent"
        time.sleep(0.05)
