"""Incremental builds: a build of unchanged sources is answered from the stamp without loading
the renderers; any edit, a lost output or other settings build for real; after an edit only the
pages it touches are rendered again, and the result equals a build from scratch."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from pipeline import build as build_module
from pipeline import settings as settings_module
from pipeline.build import BuildResult, build
from pipeline.cli import app
from pipeline.findings import counts

ROOT = Path(__file__).resolve().parent.parent
WEB = {"web", "feed"}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for name in ("articles", "layouts"):
        shutil.copytree(ROOT / name, tmp_path / name)
    shutil.copy(ROOT / "publication.toml", tmp_path / "publication.toml")
    return tmp_path


def _build(project: Path) -> BuildResult:
    result = build(settings_module.load(project / "publication.toml"), "2022-10", only=WEB)
    assert not result.blocked
    return result


def test_unchanged_sources_are_answered_from_the_stamp(project: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
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
    with pytest.raises(OSError):
        _build(project)
    monkeypatch.undo()
    assert not _build(project).site_cached


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_an_edit_renders_only_the_pages_it_touches(project: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.render import web

    sites: list[web.Site] = []
    render = web.render

    def spy(*args: Any, **kwargs: Any) -> web.Site:
        sites.append(render(*args, **kwargs))
        return sites[-1]

    monkeypatch.setattr(web, "render", spy)
    _build(project)
    article = project / "articles/2022-10/leave-some-leaves.md"
    article.write_text(article.read_text().replace("leaves", "foliage", 1))
    _build(project)
    first, second = ([p for p in site.rendered if p.startswith("articles/")] for site in sites)
    assert len(first) == 9
    # the edited page and the pages whose related cards show it; not the others
    assert "articles/leave-some-leaves/index.html" in second and len(second) < len(first)
    settings = settings_module.load(project / "publication.toml")
    build(settings, "2022-10", only=WEB, out=project / "fresh")
    assert _tree(project / "build/site") == _tree(project / "fresh/site")


def test_a_damaged_stamp_only_costs_a_real_build(project: Path) -> None:
    _build(project)
    for damaged in (b"", b"{not json", b'{"request": 1}', b"\xff\xfe"):
        (project / "build/.cache/build.json").write_bytes(damaged)
        (project / "build/.cache/site.json").write_bytes(damaged)
        again = _build(project)
        assert not again.site_cached and not again.blocked
