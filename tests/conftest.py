from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline import settings as settings_module
from pipeline.build import build
from pipeline.settings import Settings
from pipeline.stamp import BuildResult

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = "2022-10"
LONG_AGO = 1_600_000_000
"""A date (September 2020) when nothing a test makes was changed."""


@pytest.fixture(scope="session")
def settings() -> Settings:
    return settings_module.load(ROOT / "publication.toml")


@pytest.fixture(scope="session")
def built(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> tuple[BuildResult, Path]:
    """The sample edition built once for every output test."""
    out = tmp_path_factory.mktemp("build")
    result = build(settings, SAMPLE, out=out)
    assert not result.blocked, [f"{f.path}:{f.line} {f.code} {f.message}" for f in result.findings]
    return result, out


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the repository's content, publication.toml and layouts to change freely;
    without the articles' PDF downloads, which only their own tests need."""
    for name in ("articles", "layouts"):
        shutil.copytree(ROOT / name, tmp_path / name)
    (tmp_path / "publication.toml").write_text(settings_without_pdfs(), encoding="utf-8")
    return tmp_path


def settings_without_pdfs() -> str:
    """The repository's publication.toml with the articles' PDF downloads turned off."""
    settings = (ROOT / "publication.toml").read_text(encoding="utf-8") \
        .replace("article_pdfs = true", "article_pdfs = false")
    assert "article_pdfs = false" in settings
    return settings


@pytest.fixture
def backdate() -> Callable[..., None]:
    """Date every file and folder under a folder long ago (or at `when`), as if nothing in it
    changed just before the run: a stamp vouches only for files settled before its run
    began."""
    def settle(folder: Path, when: float = LONG_AGO) -> None:
        for path in [folder, *folder.rglob("*")]:
            os.utime(path, (when, when), follow_symlinks=False)

    return settle
