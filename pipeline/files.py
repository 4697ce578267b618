"""Writing a file so that no reader ever sees half of it (standard library only)."""

from __future__ import annotations

import contextlib
import os
import re
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
    temp = _write_temp(target, data)
    try:
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


TEMP_NAME = re.compile(r"\..+\.[A-Za-z0-9_]{8}\.tmp")
"""The names of `_write_temp`'s files: a run killed while writing leaves them behind."""


def _write_temp(target: Path, data: bytes) -> Path:
    """A new file beside `target` holding `data`, to be renamed over it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        # mkstemp creates 0600 files; published files must be readable by the web server.
        os.chmod(temp, 0o666 & ~_UMASK)
    except BaseException as exc:
        Path(temp).unlink(missing_ok=True)
        if isinstance(exc, OSError) and exc.filename is None:
            exc.filename = str(target)  # a full disk's error names no file: name the output
        raise
    return Path(temp)


class Staged:
    """Outputs written beside their targets first and renamed over them together (`commit`):
    a write that fails (a full disk) or a run that is interrupted while writing leaves every
    target as it was, and the temporary files are removed (`discard`). Renaming needs no
    space, so publishing cannot stop half-way for want of it."""

    def __init__(self) -> None:
        self._temps: dict[Path, Path] = {}

    def write(self, target: Path, data: bytes) -> Path:
        """Stage `data` for `target`; the temporary file, whose size and mtime the target
        will have once renamed."""
        temp = _write_temp(target, data)
        earlier = self._temps.pop(target, None)
        if earlier is not None:
            earlier.unlink(missing_ok=True)
        self._temps[target] = temp
        return temp

    def commit(self) -> None:
        """Rename every staged file over its target."""
        while self._temps:
            target, temp = next(iter(self._temps.items()))
            os.replace(temp, target)
            del self._temps[target]

    def discard(self) -> None:
        for temp in self._temps.values():
            temp.unlink(missing_ok=True)
        self._temps.clear()


def remove_leftovers(folder: Path, before_ns: int) -> None:
    """Remove temporary files (`TEMP_NAME`) under `folder` left by a run killed while writing:
    those dated before `before_ns` (a run writing now is not disturbed). Hidden folders are
    passed over: nothing is published from them (a build's own .cache), and an output folder
    that is the project itself need not walk .git or .venv."""
    for parent, folders, names in os.walk(folder):
        folders[:] = [name for name in folders if not name.startswith(".")]
        for name in names:
            if name.startswith(".") and TEMP_NAME.fullmatch(name):
                path = Path(parent, name)
                with contextlib.suppress(OSError):
                    if path.lstat().st_mtime_ns < before_ns:
                        path.unlink()


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
