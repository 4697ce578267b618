"""`pipeline check` as run from the command line: answered from the check stamp when nothing
it reads changed since the last run (without loading settings or rules), else by the gate.

`--changed-since` runs are never stamped: their files depend on the state of git. Checks of
the same project that run the gate take turns, and the one that waited may find its answer in
the stamp the other just wrote.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pipeline import stamp
from pipeline.files import MAX_ARTICLE_BYTES, read_source
from pipeline.findings import Finding

if TYPE_CHECKING:
    from pipeline import gate


def run(root: Path, paths: list[Path], changed_since: str | None = None,
        ) -> tuple[list[Finding], dict[str, list[str]]]:
    """Findings of checking `paths` (none: the whole project), and the source lines of the
    files they are in, for excerpts."""
    if changed_since is not None:
        report = _check(root, paths, changed_since)
        return report.findings, report.sources
    since = stamp.file_clock(root)  # before anything is read: see stamp.settled
    request = stamp.check_request(root, paths)
    extra = [p.resolve() for p in paths]
    key = stamp.sources_key(root, request, extra)
    findings = stamp.load_findings(root, request, key)
    if findings is not None:
        return findings, _sources(root, findings)
    with stamp.locked(root / stamp.CHECK_LOCK):
        # The check this one waited for may have just stamped the same sources.
        findings = stamp.load_findings(root, request, key)
        if findings is not None:
            return findings, _sources(root, findings)
        report = _check(root, paths, since=since)
        stamp.save_findings(root, request, key, report.findings, report.inputs, since, extra)
    return report.findings, report.sources


def _check(root: Path, paths: list[Path], changed_since: str | None = None,
           since: int | None = None) -> gate.Report:
    """Run the gate on `paths`; with `changed_since`, only on the articles changed since that
    git ref. `since`: when the run began."""
    from pipeline import gate
    from pipeline import settings as settings_module
    from pipeline.checks import rule_problems

    config = settings_module.load(root / "publication.toml", rule_problems)
    only = None
    if changed_since is not None:
        from pipeline.vcs import changed_files

        only = changed_files(config.root, changed_since)
    return gate.check(config, paths or None, only=only, since=since)


def _sources(root: Path, findings: list[Finding]) -> dict[str, list[str]]:
    """Source lines of the files named by findings: a name is relative to the project when
    the file is inside it, else as typed from the current folder (the stamp's request)."""
    sources = {}
    for name in {f.path for f in findings}:
        typed = Path(name).resolve()
        path = root / name if typed.is_relative_to(root.resolve()) else typed
        data = read_source(path, root, MAX_ARTICLE_BYTES)
        if isinstance(data, bytes):  # else findings without an excerpt, as the gate gives
            sources[name] = data.decode("utf-8", "replace").splitlines()
    return sources
