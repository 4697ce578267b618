"""The orchestrator: settings -> articles -> checks -> gate -> render in memory -> write atomically.

This is the only module that writes output files.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from pipeline import gate
from pipeline.content import load_project
from pipeline.errors import BuildError, ContentError
from pipeline.findings import Finding, Severity
from pipeline.model import Article, Edition
from pipeline.render import ArticleView
from pipeline.settings import Settings

OUTPUTS = ("pdf", "web", "feed")


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


def publishable(articles: list[Article], settings: Settings) -> list[ArticleView]:
    """Views of the articles that can be published: valid front matter, not drafts."""
    return [ArticleView(a, settings) for a in articles if a.published]


def build(settings: Settings, edition_id: str | None = None, only: set[str] | None = None,
          out: Path | None = None, force: bool = False) -> BuildResult:
    started = time.perf_counter()
    only = only or set(OUTPUTS)
    unknown = only - set(OUTPUTS)
    if unknown:
        raise ContentError(f"--only: unknown output(s) {', '.join(sorted(unknown))}; "
                           f"choose from {', '.join(OUTPUTS)}")
    root = settings.root
    out = (out or root / "build").resolve()
    layouts = root / "layouts"

    project = load_project(root)
    edition = _pick(project.editions, edition_id)
    report = gate.check(settings, project=project)
    result = BuildResult(edition.id, report.findings, report.sources)
    errors = [f for f in report.findings if f.severity is Severity.ERROR]
    if errors and not force:
        result.blocked = True
        return result

    views = publishable(edition.in_order(), settings)
    result.articles = len(views)
    files: dict[Path, bytes] = {}
    copies: dict[Path, Path] = {}

    if "pdf" in only:
        if edition.manifest is None:
            raise BuildError(f"{edition.id}: edition.toml is invalid; fix it before printing")
        from pipeline.render import pdf

        folder = out / edition.id
        key = pdf.fingerprint(edition, views, settings, layouts)
        cache = folder / f".{edition.id}-pdf.cache.json"
        cached = _render_cache(cache, key, folder, edition.id)
        if cached is not None:
            result.pages, result.fillers, result.pdf_cached = cached[0], cached[1], True
        else:
            rendered = pdf.render(edition, views, settings, layouts)
            files[folder / f"{edition.id}-print.pdf"] = rendered.print_pdf
            files[folder / f"{edition.id}-screen.pdf"] = rendered.screen_pdf
            result.pages, result.fillers = rendered.pages, rendered.fillers
            result.warnings.extend(rendered.warnings)
            # written last, after both PDFs (dicts keep order): a crash never leaves a stale key
            digests = [hashlib.sha256(d).hexdigest()
                       for d in (rendered.print_pdf, rendered.screen_pdf)]
            files[cache] = json.dumps({"key": key, "pdfs": digests, "pages": rendered.pages,
                                       "fillers": rendered.fillers}).encode()

    site_editions = [
        (e, publishable(e.in_order(), settings))
        for e in sorted(project.editions.values(), key=lambda e: e.id, reverse=True)
        if e.manifest is not None
    ]
    web_only = publishable(list(project.web_only.values()), settings)
    if "web" in only:
        from pipeline.render import web

        for site_file in web.render(settings, site_editions, web_only, layouts):
            target = out / "site" / site_file.path
            if site_file.content is not None:
                files[target] = site_file.content
            elif site_file.source is not None:
                copies[target] = site_file.source
    if "feed" in only:
        from pipeline.render import feed

        everything = [v for _, vs in site_editions for v in vs] + web_only
        files[out / "site" / "feed.xml"] = feed.rss(everything, settings)

    result.written = write_all(files, copies, root)
    result.seconds = time.perf_counter() - started
    return result


def _render_cache(cache: Path, key: str, folder: Path, edition_id: str) -> tuple[int, int] | None:
    """(pages, fillers) of the PDFs already in `folder` if they were made from the same sources."""
    pdfs = [folder / f"{edition_id}-print.pdf", folder / f"{edition_id}-screen.pdf"]
    try:
        stored = json.loads(cache.read_text())
    except (OSError, ValueError):
        return None
    if stored.get("key") != key or stored.get("pdfs") != [_digest(p) for p in pdfs]:
        return None
    return int(stored["pages"]), int(stored["fillers"])


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""


def _pick(editions: dict[str, Edition], edition_id: str | None) -> Edition:
    if not editions:
        raise ContentError("no editions: create articles/YYYY-MM/edition.toml")
    if edition_id is None:
        return editions[max(editions)]
    if edition_id not in editions:
        raise ContentError(f"no edition {edition_id}; editions: {', '.join(sorted(editions))}")
    return editions[edition_id]


def write_all(files: dict[Path, bytes], copies: dict[Path, Path], root: Path) -> list[Path]:
    """Write every output through a temporary file and an atomic rename; copy assets likewise.

    Asset sources must lie inside the project: article content never reads other files.
    """
    written = []
    for target, data in files.items():
        atomic_write(target, data)
        written.append(target)
    resolved_root = root.resolve()
    for target, source in copies.items():
        source = source.resolve()
        if not source.is_relative_to(resolved_root) or not source.is_file():
            continue  # reported by the image rules (MED002); never copied from outside
        if target.exists() and target.stat().st_size == source.stat().st_size and \
                target.stat().st_mtime >= source.stat().st_mtime:
            continue
        atomic_write(target, source.read_bytes())
        written.append(target)
    return written


_UMASK = os.umask(0)
os.umask(_UMASK)


def atomic_write(target: Path, data: bytes) -> None:
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


def clean(out: Path) -> None:
    shutil.rmtree(out, ignore_errors=True)


def proof(settings: Settings, edition_id: str | None = None, out: Path | None = None) -> Path:
    """Write build/<edition>/<edition>-proof.png: the built print PDF's spreads on one sheet."""
    from pipeline.render.proof import contact_sheet

    edition = _pick(load_project(settings.root).editions, edition_id)
    folder = (out or settings.root / "build").resolve() / edition.id
    pdf = folder / f"{edition.id}-print.pdf"
    if not pdf.is_file():
        raise BuildError(f"{pdf}: not built yet; run `pipeline build {edition.id}` first")
    target = folder / f"{edition.id}-proof.png"
    atomic_write(target, contact_sheet(pdf))
    return target
