"""Stamps: a digest of everything a run reads, kept with its result, so that running again on
unchanged sources is answered without loading anything.

The build stamp keeps a complete build's summary; it is used only if the sources digest is the
same and every output the build made is still there with the same size and mtime. The check
stamp keeps the findings of the last `pipeline check`; it is used only if the digest is the
same and the images its findings depend on are unchanged. Otherwise the run happens as usual
(and its own caches still spare what did not change). Standard library only: this path must not
pay for importing the renderers, pydantic or the rules.

A stamp is written only by a run that nothing changed under (`settled`), and runs that write
the same stamps take turns (`locked`); a run answered from a stamp takes no lock, as a stamp is
replaced whole and outputs change before it does.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.files import atomic_write
from pipeline.findings import Finding
from pipeline.root import markdown_files

OUTPUTS = ("pdf", "web", "feed", "newsletter")
PACKAGE = Path(__file__).resolve().parent
STAMP = Path(".cache") / "build.json"
"""The build stamp, inside the output folder."""
CHECK_STAMP = Path(".cache") / "check-run.json"
"""The last `pipeline check` run, inside the project (beside the per-article result cache)."""
BUILD_LOCK = Path(".cache") / "build.lock"
"""Held by a build, inside the output folder."""
CHECK_LOCK = Path(".cache") / "check.lock"
"""Held by a `pipeline check` that runs the checks, inside the project."""
CONTENT_SUFFIXES = {".md", ".toml", ".yaml", ".yml", ".j2", ".css", ".py", ".json", ".txt"}
"""Small text sources are digested by content; other files (images, fonts) by size and mtime."""


@dataclass
class BuildResult:
    edition: str
    findings: list[Finding]
    sources: dict[str, list[str]]
    blocked: bool = False
    written: list[Path] = field(default_factory=list)
    pages: int = 0
    fillers: int = 0
    articles: int = 0
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)
    pdf_cached: bool = False
    """The PDFs were already up to date: same sources, nothing re-rendered."""
    site_cached: bool = False
    """The site and feeds were already built from the same sources; nothing was rendered."""
    outputs: list[Path] = field(default_factory=list)
    """Every file this build is responsible for, written now or kept from an earlier build."""
    inputs: set[Path] = field(default_factory=set)
    """Files the build read besides the pipeline, publication.toml, articles/ and layouts/."""


def sources_key(root: Path, request: list[str], extra: list[Path] | None = None) -> str:
    """Digest of the request and of the sources every run reads, plus the Markdown files of
    `extra` files and folders, found as `pipeline check` finds them (taken before the run, so
    an edit made while it runs is seen by the next one)."""
    digest = hashlib.sha256("\0".join(request).encode())
    # The publication day comes from the settings (digested below), SOURCE_DATE_EPOCH or today.
    digest.update(f"{os.environ.get('SOURCE_DATE_EPOCH', '')} {dt.datetime.now(dt.UTC).date()}"
                  .encode())
    digest.update(libraries().encode())
    for path in _sources(root, extra):
        _file_into(digest, path)
    return digest.hexdigest()


def _sources(root: Path, extra: list[Path] | None) -> list[Path]:
    """The paths `sources_key` digests (it passes over those that are not files)."""
    found = [path for folder in (PACKAGE, root / "articles", root / "layouts")
             for path in _files(folder) if path.suffix != ".pyc"]
    found.append(root / "publication.toml")
    for named in extra or []:
        found.extend(markdown_files(named) if named.is_dir() else [named])
    return found


def libraries() -> str:
    """The state of the folders libraries are installed in: installing, removing or upgrading
    one (markdown-it, pyphen, ...) changes it, and with it every stamp and cached result."""
    digest = hashlib.sha256()
    for folder in _library_folders():
        _stat_into(digest, folder)
    return digest.hexdigest()


def _library_folders() -> list[Path]:
    return [Path(f) for f in sys.path if f.endswith(("site-packages", "dist-packages"))]


def _files(folder: Path) -> list[Path]:
    """Every file under `folder`, through symbolic links (an edition folder may be one), each
    real folder once."""
    found: list[Path] = []
    seen: set[str] = set()
    for parent, folders, names in os.walk(folder, followlinks=True):
        real = os.path.realpath(parent)
        if real in seen:
            folders.clear()  # a link back up the tree
            continue
        seen.add(real)
        folders.sort()
        found.extend(Path(parent, name) for name in sorted(names))
    return found


def _file_into(digest: Any, path: Path) -> None:
    if not path.is_file():
        return
    if path.suffix not in CONTENT_SUFFIXES:
        _stat_into(digest, path)
        return
    digest.update(f"{path}\0".encode())
    try:
        with path.open("rb") as stream:  # by chunks: an oversized article is not held whole
            for chunk in iter(lambda: stream.read(1 << 20), b""):
                digest.update(chunk)
    except OSError:
        digest.update(b"unreadable\0")  # gone or locked meanwhile: the run reports it


def _stat_into(digest: Any, path: Path) -> None:
    try:
        stat = path.stat()
        digest.update(f"{path} {stat.st_size} {stat.st_mtime_ns}\0".encode())
    except OSError:
        digest.update(f"{path} missing\0".encode())


def request_of(root: Path, out: Path, outputs: set[str], edition: str | None,
               force: bool) -> list[str]:
    return [str(root), str(out), ",".join(sorted(outputs)), edition or "", str(force)]


def state(paths: list[str]) -> list[list[Any]]:
    """[path, size, mtime] of each file; a missing file has no size."""
    return [[name, *size_and_mtime(name)] for name in paths]


def size_and_mtime(path: str | Path) -> list[Any]:
    """[size, mtime] of a file, [None, None] if it is missing: what stamps and records compare."""
    try:
        stat = os.stat(path)
    except OSError:
        return [None, None]
    return [stat.st_size, stat.st_mtime_ns]


def file_clock(root: Path) -> int:
    """The time now by the clock file times are set with: the mtime of a file made now in the
    project's .cache (then removed). A run takes it before it reads anything (when it began;
    `settled` compares file times with it). The file system's own clock, not the system's, as
    git compares with its index file: its time is rounded like theirs (2 s on FAT, a clock tick
    on ext4, the server's clock on a network share). 0, so that nothing is settled, if the
    project cannot be written to.

    The first run in a project makes .cache, which changes the project folder's time: the time
    returned is then past it (within a clock tick, waited for), or that run could vouch for
    nothing whose nearest folder is the project's (the published feed, before the first
    build)."""
    folder = root / ".cache"
    try:
        made = not folder.is_dir()
        folder.mkdir(parents=True, exist_ok=True)
        changed = os.stat(root).st_mtime_ns if made else 0
        deadline = time.monotonic() + 3  # FAT's 2 s clock tick, and a margin
        while (now := _new_file_time(folder)) <= changed and time.monotonic() < deadline:
            time.sleep(0.002)
        return now
    except OSError:
        return 0


def _new_file_time(folder: Path) -> int:
    handle, name = tempfile.mkstemp(dir=folder, prefix=".run-", suffix=".tmp")
    try:
        return os.fstat(handle).st_mtime_ns
    finally:
        os.close(handle)
        os.unlink(name)


def settled(states: list[list[Any]], since_ns: int, root: Path) -> bool:
    """Whether a run that began at `since_ns` (`file_clock`, taken before it read anything)
    may vouch for the files it recorded in these `state`s: each, and the folder holding it,
    last changed outside the run.

    This is git's "racily clean" rule. A stamp records a file's size and mtime after the run
    read the file; an edit in between, or in the clock tick after the state was taken (which
    leaves the mtime as it was), would be stamped in its new state with findings from its old
    one and trusted by every later run. A file whose time is safely older than the start of
    the run did not change while it ran: a change would have given it a newer time. Nor did
    one whose time is still ahead of the file clock once the states are taken (files copied
    with their times from a machine whose clock is ahead, or extracted from an archive made
    there): an edit during the run would have given it the run's time. The folder's time
    shows what the file's cannot: a file deleted, or replaced by an older one moved over it
    (for a missing file, the nearest folder that exists tells). A run that fails the rule
    only goes without a stamp, and the next run does the work again. That is simpler than
    taking each file's state before the read that uses it (the rules find the images as they
    go), and it also catches the edit in the same clock tick (a time equal to the start's),
    which that would miss. Not seen: a file rewritten in place and backdated (`cp -p` over
    it) while the run reads it.
    """
    times = [moment for name, _, mtime in states
             for moment in (mtime, _folder_mtime(Path(name))) if moment is not None]
    return _outside_run(times, since_ns, root)


def _outside_run(times: list[int], since_ns: int, root: Path) -> bool:
    """Whether each of these file times is before the run began or ahead of the file clock
    now (taken only if some time is not before: the usual case costs no file)."""
    late = [moment for moment in times if moment >= since_ns]
    if not late:
        return True
    now = file_clock(root)
    return now > 0 and min(late) > now


def _folder_mtime(path: Path) -> int:
    """The mtime of the folder holding `path`, or of the nearest one that exists."""
    for folder in path.parents:
        with contextlib.suppress(OSError):
            return os.stat(folder).st_mtime_ns
    return 0


def sources_settled(root: Path, since_ns: int, extra: list[Path] | None = None) -> bool:
    """Whether no project file `sources_key` digests changed since the run began
    (see `settled`): a source edited after the digest and restored before the end has the
    digest again but not the findings. Deleted and new sources change the digest itself. The
    pipeline's own code and the libraries are left out: an edit of them while a run goes on
    changes the next run's digest like any other (only an edit undone before the run ends
    would slip through), and checking them would leave every run right after a change of code
    without a stamp."""
    times: list[int] = []
    for path in _sources(root, extra):
        if path.is_relative_to(PACKAGE):
            continue
        with contextlib.suppress(OSError):
            times.append(path.stat().st_mtime_ns)
    return _outside_run(times, since_ns, root)


_HELD: set[int] = set()
"""Descriptors of the locks this process holds (`locked`)."""


def _release_in_child() -> None:
    """A forked worker closes its copies of the locks (which releases nothing while the parent
    holds them): were the parent killed, workers still holding the lock would stall every later
    run."""
    for handle in _HELD:
        with contextlib.suppress(OSError):
            os.close(handle)
    _HELD.clear()


os.register_at_fork(after_in_child=_release_in_child)


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold the advisory lock `path` (BUILD_LOCK in an output folder, CHECK_LOCK in a
    project), waiting while another run holds it: two builds into one folder, or two checks of
    one project, would stamp each other's outputs or findings as their own. Where the lock
    file cannot be made (a read-only project), the run goes ahead unlocked: it cannot write
    stamps there either; so it does where the file system has no locks."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
    except OSError:
        handle = None
    if handle is None:
        yield
        return
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"waiting for another run to finish (it holds {path})", file=sys.stderr)
            fcntl.flock(handle, fcntl.LOCK_EX)
    except OSError:  # a file system without locks (some network mounts): go ahead unlocked
        os.close(handle)
        yield
        return
    _HELD.add(handle)
    try:
        yield
    finally:
        _HELD.discard(handle)
        fcntl.flock(handle, fcntl.LOCK_UN)
        os.close(handle)


@dataclass(frozen=True)
class Digest:
    """The sources' digest and the time (`file_clock`) taken just before it: a build may
    start from them, but it then began at `since`, not when it got its lock."""

    key: str
    since: int


def cached(root: Path, out: Path, outputs: set[str], edition: str | None,
           force: bool) -> tuple[BuildResult | None, Digest]:
    """The summary of the last build of this request, if nothing it read or wrote changed, and
    the digest of the sources, which a build started next may take instead of its own."""
    started = time.perf_counter()
    since = file_clock(root)
    request = request_of(root, out, outputs, edition, force)
    digest = Digest(sources_key(root, request), since)
    result = load(out, request, digest.key)
    if result is not None:
        result.seconds = time.perf_counter() - started
    return result, digest


def load(out: Path, request: list[str], key: str) -> BuildResult | None:
    """The summary stored for `request` if its sources had `key` and no file changed since."""
    try:
        stored = json.loads((out / STAMP).read_text(encoding="utf-8"))
        if stored["request"] != request:
            return None
        for files in (stored["outputs"], stored["inputs"]):
            if state([f[0] for f in files]) != files:
                return None
        if stored["key"] != key:
            return None
        summary = stored["result"]
        wanted = set(request[2].split(","))
        return BuildResult(
            summary["edition"], [Finding.from_json(f) for f in summary["findings"]], {},
            pages=summary["pages"], fillers=summary["fillers"], articles=summary["articles"],
            warnings=summary["warnings"], pdf_cached="pdf" in wanted,
            site_cached=bool(wanted & {"web", "feed"}),
            outputs=[Path(o[0]) for o in stored["outputs"]])
    except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError):
        return None


def check_request(root: Path, paths: list[Path]) -> list[str]:
    """A `pipeline check` of these paths (none: the whole project), from the current folder
    (files outside the project are shown as typed from it)."""
    return ["check", str(root), str(Path.cwd()), *sorted(str(p.resolve()) for p in paths)]


def load_findings(root: Path, request: list[str], key: str) -> list[Finding] | None:
    """The findings of the last check of `request` if its sources had `key` and none of the
    files its findings depend on (images) changed since."""
    try:
        stored = json.loads((root / CHECK_STAMP).read_text(encoding="utf-8"))
        if stored["request"] != request or stored["key"] != key or \
                state([f[0] for f in stored["inputs"]]) != stored["inputs"]:
            return None
        return [Finding.from_json(f) for f in stored["findings"]]
    except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError):
        return None


def save_findings(root: Path, request: list[str], key: str, findings: list[Finding],
                  inputs: set[Path], since_ns: int, extra: list[Path] | None = None) -> None:
    """Keep a check's findings for `load_findings`, unless a file it read changed while it ran
    (`settled`); a stamp that cannot be written only costs speed next time."""
    states = state(sorted(str(p) for p in inputs))
    if not (settled(states, since_ns, root) and sources_settled(root, since_ns, extra)):
        return
    data = json.dumps({"request": request, "key": key, "inputs": states,
                       "findings": [f.to_json() for f in findings]}).encode()
    with contextlib.suppress(OSError):
        atomic_write(root / CHECK_STAMP, data)


def payload(key: str, request: list[str], result: BuildResult,
            inputs: list[list[Any]]) -> bytes:
    """The stamp of a complete build whose sources had `key` and whose other inputs had the
    `state` they had when it read them; written after every output."""
    summary = {"edition": result.edition, "findings": [f.to_json() for f in result.findings],
               "pages": result.pages, "fillers": result.fillers, "articles": result.articles,
               "warnings": result.warnings}
    return json.dumps({
        "request": request, "key": key, "result": summary,
        "inputs": inputs,
        "outputs": state(sorted({str(p) for p in result.outputs})),
    }).encode()
