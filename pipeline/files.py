"""Writing a file so that no reader ever sees half of it (standard library only)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from stat import S_ISREG
from typing import NamedTuple

MAX_ARTICLE_BYTES = 2_000_000
"""Larger articles are refused: no article is 2 MB of text; a bad scrape or paste is."""

_UMASK = os.umask(0)
os.umask(_UMASK)


def atomic_write(target: Path, data: bytes) -> None:
    """Write `target` through a temporary file renamed over it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        # mkstemp creates 0600 files; published files must be readable by the web server.
        os.chmod(temp, 0o666 & ~_UMASK)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


class Unread(NamedTuple):
    """Why a source file was not read, and what to do about it."""

    reason: str
    hint: str = ""


def read_source(path: Path, root: Path, limit: int) -> bytes | Unread:
    """The bytes of a file of the project's content, or why they are not read: not a regular
    file (a folder, a pipe, a device), a link from inside the project to a file outside it,
    or over `limit` bytes (judged before reading; never more than the limit is read)."""
    try:
        stat = os.stat(path)
        if not S_ISREG(stat.st_mode):
            return Unread("not a regular file (a folder, a pipe or a device)",
                          "Articles are plain .md files.")
        project = root.resolve()
        entry = path.absolute().parent.resolve() / path.name  # the link itself, if it is one
        if entry.is_relative_to(project) and not path.resolve().is_relative_to(project):
            return Unread("a link to a file outside the project: not read",
                          "Copy the file into the project instead of linking it.")
        size = stat.st_size
        if size <= limit:
            with path.open("rb") as stream:
                data = stream.read(limit + 1)
            if len(data) <= limit:
                return data
            size = max(size, len(data))
    except OSError as exc:
        return Unread(f"cannot read the file: {exc.strerror or exc}")
    return Unread(f"file is over the {limit / 1e6:g} MB limit" + (
        f" ({size / 1e6:.1f} MB)" if size > limit + 1 else ""),
        "Split the piece or remove pasted data; articles are text.")
