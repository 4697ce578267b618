"""Where the project and its articles are: the nearest folder holding publication.toml, and
the Markdown files under a folder (no dependencies, so the command line can find them before
deciding what else to load)."""

from __future__ import annotations

from pathlib import Path

from pipeline.errors import ConfigError


def find_root(start: Path) -> Path:
    """The nearest folder at or above `start` that holds publication.toml."""
    for folder in [start, *start.parents]:
        if (folder / "publication.toml").is_file():
            return folder
    raise ConfigError(f"no publication.toml in {start} or any parent folder")


def markdown_files(folder: Path) -> list[Path]:
    """The Markdown files under `folder`, image folders (credits files live there) and hidden
    folders skipped."""
    return sorted(p for p in folder.rglob("*.md")
                  if p.is_file() and not skipped(p.relative_to(folder).parts[:-1]))


def skipped(folders: tuple[str, ...]) -> bool:
    """Folders whose Markdown is no article: images/ (credits files) and hidden ones."""
    return any(name == "images" or name.startswith(".") for name in folders)
