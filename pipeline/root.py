"""Where the project is: the nearest folder holding publication.toml (no dependencies, so the
command line can find it before deciding what else to load)."""

from __future__ import annotations

from pathlib import Path

from pipeline.errors import ConfigError


def find_root(start: Path) -> Path:
    """The nearest folder at or above `start` that holds publication.toml."""
    for folder in [start, *start.parents]:
        if (folder / "publication.toml").is_file():
            return folder
    raise ConfigError(f"no publication.toml in {start} or any parent folder")
