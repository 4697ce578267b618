"""Run the checks over the whole project or over the paths named on the command line.

Article results come from the result cache when the file, rules and settings are unchanged;
the rest are checked, across processes when there are many of them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from pipeline import markdown
from pipeline.cache import Result, ResultCache, article_key, body_folder, read_body
from pipeline.checks import Context, check_article, check_edition
from pipeline.content import _display, collect_paths, load_article, load_project, read_article
from pipeline.files import atomic_write
from pipeline.findings import Finding
from pipeline.model import Edition, Project
from pipeline.parallel import map_in_processes
from pipeline.settings import Settings


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    sources: dict[str, list[str]] = field(default_factory=dict)
    """Source lines of every checked file, by displayed path, for excerpts with carets."""
    checked: int = 0
    inputs: set[Path] = field(default_factory=set)
    """Files besides the articles that the findings depend on (images they name)."""
    bodies: set[str] = field(default_factory=set)
    """`markdown.source_key`s of the published articles whose body HTML the check kept in
    `body_folder`, rendered from the tokens the rules parsed (now or in an earlier run)."""
    body_folder: Path | None = None

    def body(self, key: str) -> str | None:
        """The body HTML the check kept for `key`, if any (the build renders the others)."""
        if key not in self.bodies or self.body_folder is None:
            return None
        return read_body(self.body_folder, key)


@dataclass(frozen=True)
class _Job:
    """One article to check: where it is and how findings name it."""

    path: Path
    display: str
    edition: str | None
    data: bytes | None = None
    """The file as read for its cache key: the rules check these very bytes."""
    of_project: bool = True
    """An article of the project, which a build may publish: only its body HTML is kept."""


def _check_editions(editions: Iterable[Edition], ctx: Context, report: Report) -> None:
    editions = list(editions)
    if not editions:
        return
    from pipeline.checks.edition import artwork_files
    from pipeline.checks.feed import previous_path
    from pipeline.checks.registry import RULES

    report.inputs.add(previous_path(ctx))  # FED001 compares with the published feed
    for edition in editions:
        report.inputs.update(artwork_files(edition))  # ED001 looks for them
        report.findings.extend(check_edition(edition, ctx, RULES))
        try:
            path = str(edition.manifest_path.relative_to(ctx.settings.root))
            report.sources[path] = edition.manifest_path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError, ValueError):
            pass


_worker_ctx: Context | None = None
"""The context of the run, set before workers fork so they inherit it."""
_worker_bodies: Path | None = None
"""Where workers keep the body HTML they render (`cache.body_folder`), set likewise."""


def _run_job(job: _Job) -> Result:
    """Check one article, and render its body if it is published."""
    from pipeline.checks.media import referenced_files
    from pipeline.checks.registry import RULES

    ctx = _worker_ctx
    assert ctx is not None, "the run's context is set before jobs run"
    article = load_article(job.path, ctx.settings.root, edition=job.edition, data=job.data)
    article.display = job.display
    findings = check_article(article, ctx, RULES)
    body = None
    if article.published and job.of_project and _worker_bodies is not None:
        body = markdown.source_key(article.body)
        target = _worker_bodies / f"{body}.html"
        try:
            if not target.is_file():
                atomic_write(target, markdown.render(article.tokens).encode())
        except OSError:
            body = None  # not kept: a build renders it itself
    return Result(findings, referenced_files(article), body)


def _run_jobs(jobs: list[_Job], ctx: Context, bodies: Path | None = None) -> list[Result]:
    """Check the articles the cache lacks, keeping their body HTML in `bodies`. The rules are
    imported only now, before workers fork: a run answered from the cache never loads them."""
    if not jobs:
        return []
    import pipeline.checks.registry  # noqa: F401
    global _worker_ctx, _worker_bodies
    _worker_ctx, _worker_bodies = ctx, bodies
    try:
        return map_in_processes(_run_job, jobs)
    finally:
        _worker_ctx = _worker_bodies = None


def _report(report: Report, result: Result) -> None:
    report.findings.extend(result.findings)
    report.inputs.update(result.deps)
    if result.body is not None:
        report.bodies.add(result.body)


def _check_jobs(jobs: list[_Job], ctx: Context, report: Report, since: int | None) -> None:
    cache = ResultCache.open(ctx.settings.root, ctx.settings, since)
    report.body_folder = body_folder(ctx.settings.root, cache.rules)
    misses: list[tuple[int, _Job, str]] = []
    for job in jobs:
        read = read_article(job.path, ctx.settings.root) if job.data is None else job.data
        data = read if isinstance(read, bytes) else b""  # the job reports why (SRC001)
        report.sources[job.display] = data.decode("utf-8", "replace").splitlines()
        key = article_key(data, job.display, job.edition)
        cached = cache.get(key) if data else None
        if cached is None:
            misses.append((len(data), replace(job, data=data or None), key))
        else:
            _report(report, cached)
    # Longest first: the short ones even out the workers' ends (findings are sorted after).
    misses.sort(key=lambda miss: -miss[0])
    results = _run_jobs([job for _, job, _ in misses], ctx, report.body_folder)
    for (_, _, key), result in zip(misses, results, strict=True):
        _report(report, result)
        cache.put(key, result)
    report.checked += len(jobs)
    cache.save()


def _jobs_for(paths: list[Path], project: Project, root: Path, only: set[Path] | None,
              ) -> list[_Job]:
    """The Markdown files named on the command line (folders searched), as jobs; articles of
    the project keep their edition."""
    known = {a.path.resolve(): a for a in project.all_articles()}
    jobs = []
    for path in collect_paths(paths, root):
        resolved = path.resolve()
        if only is not None and resolved not in only:
            continue
        article = known.get(resolved)
        inside = resolved.is_relative_to(root)
        # Read as named (`read_article` refuses a link from the project to a file outside).
        jobs.append(_Job(path.absolute(), _display(resolved, root) if inside else str(path),
                         article.edition if article else None,
                         (article.data or None) if article else None, article is not None))
    return jobs


def check(settings: Settings, paths: list[Path] | None = None,
          project: Project | None = None, only: set[Path] | None = None,
          since: int | None = None) -> Report:
    """Check every article and edition, or only the given files and folders (and, with
    `only`, only those of them that are in that set of resolved paths). `since`: when the
    run began (`stamp.file_clock`), if it began before this call."""
    project = project or load_project(settings.root)
    ctx = Context(settings, project)
    ctx.parameters  # noqa: B018 -- misspelt or mistyped rule settings stop the run before any work
    from pipeline.checks.edition import stray_articles, stray_findings

    strays = [path for path in stray_articles(project)
              if only is None or path.resolve() in only]
    if not paths:  # the project's own articles, already loaded and named
        jobs = [_Job(a.path, a.display, a.edition, a.data or None)
                for a in project.all_articles() if only is None or a.path.resolve() in only]
    else:
        jobs = _jobs_for(paths, project, settings.root, only)
        named = [path.resolve() for path in paths]
        strays = [path for path in strays if any(path.resolve().is_relative_to(where)
                                                 for where in named)]
    # Checked like any article, whichever way the run was asked for (a folder named on the
    # command line finds only *.md): one verdict for one project.
    have = {job.path.resolve() for job in jobs}
    jobs += _jobs_for([path for path in strays if path.resolve() not in have], project,
                      settings.root, None)
    folders = {job.path.parent for job in jobs}
    report = Report()
    editions = project.editions.values() if not paths else [
        e for e in project.editions.values() if e.folder.resolve() in folders]
    _check_editions(editions, ctx, report)
    report.findings += stray_findings(strays, ctx)
    _check_jobs(jobs, ctx, report, since)
    report.findings.sort(key=Finding.sort_key)
    return report
