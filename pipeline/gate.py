"""Run the checks over the whole project or over the paths named on the command line."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pipeline.checks import Context, check_article, check_edition
from pipeline.checks.registry import RULES
from pipeline.content import collect_paths, load_article, load_project
from pipeline.findings import Finding
from pipeline.model import Article, Edition, Project
from pipeline.settings import Settings


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    sources: dict[str, list[str]] = field(default_factory=dict)
    """Source lines of every checked file, by displayed path, for excerpts with carets."""
    checked: int = 0


def check_articles(articles: list[Article], editions: list[Edition], ctx: Context) -> Report:
    report = Report()
    for edition in editions:
        report.findings.extend(check_edition(edition, ctx, RULES))
        try:
            path = str(edition.manifest_path.relative_to(ctx.settings.root))
            report.sources[path] = edition.manifest_path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError, ValueError):
            pass
    for article in articles:
        report.findings.extend(check_article(article, ctx, RULES))
        report.sources[article.display] = article.lines
        report.checked += 1
    report.findings.sort(key=Finding.sort_key)
    return report


def check(settings: Settings, paths: list[Path] | None = None,
          project: Project | None = None) -> Report:
    """Check every article and edition, or only the given files and folders."""
    project = project or load_project(settings.root)
    ctx = Context(settings, project)
    if not paths:
        return check_articles(project.all_articles(), list(project.editions.values()), ctx)
    known = {a.path.resolve(): a for a in project.all_articles()}
    articles = []
    for path in collect_paths(paths, settings.root):
        resolved = path.resolve()
        article = known.get(resolved) or load_article(resolved, settings.root)
        if not _inside(resolved, settings.root):
            article.display = str(path)
        articles.append(article)
    folders = {a.path.resolve().parent for a in articles}
    editions = [e for e in project.editions.values() if e.folder.resolve() in folders]
    return check_articles(articles, editions, ctx)


def _inside(path: Path, root: Path) -> bool:
    return path.is_relative_to(root)
