"""The orchestrator: settings -> articles -> checks -> gate -> render in memory -> write atomically.

This is the only module that writes output files.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2

from pipeline import gate, markdown, stamp
from pipeline.cache import rules_key
from pipeline.content import load_project, project_file
from pipeline.errors import BuildError, ContentError, PipelineError
from pipeline.files import Staged, atomic_write, remove_leftovers
from pipeline.findings import Severity
from pipeline.model import Article, Edition, Project
from pipeline.parallel import map_in_processes
from pipeline.render import PROOF, ArticleView, template_problem
from pipeline.settings import Settings
from pipeline.settings import load as load_settings
from pipeline.stamp import OUTPUTS, BuildResult, size_and_mtime

if TYPE_CHECKING:
    from pipeline.render import newsletter as newsletter_module

def publishable(articles: list[Article], settings: Settings,
                names: dict[str, str]) -> list[ArticleView]:
    """Views of the articles that can be published: valid front matter, not drafts; each
    section by the one name it goes by in the project (`names`, from `section_names`)."""
    return [ArticleView(a, settings, section=names.get(a.meta.section, ""))
            for a in articles if a.published and a.meta is not None]


def section_names(project: Project) -> dict[str, str]:
    """Sections spelt in more than one way that lead to the same address ("News Briefs",
    "News briefs"): each spelling, by the one most articles use (the first in alphabetical
    order between equals). Without it, each spelling's page overwrote the other's."""
    from pipeline.render.web import section_slug

    spellings: dict[str, Counter[str]] = defaultdict(Counter)
    for article in project.all_articles():
        if article.published and article.meta is not None:
            spellings[section_slug(article.meta.section)][article.meta.section] += 1
    names = {}
    for counted in spellings.values():
        if len(counted) > 1:
            name = min(counted, key=lambda spelling: (-counted[spelling], spelling))
            names.update(dict.fromkeys(counted, name))
    return names


def build(settings: Settings, edition_id: str | None = None, only: set[str] | None = None,
          out: Path | None = None, force: bool = False,
          digest: stamp.Digest | None = None) -> BuildResult:
    """Build `only` these outputs (default: all) of the edition into `out` (default build/).
    Builds into the same folder take turns: neither could tell the other's outputs from its
    own. `digest` is this request's sources digest if the caller just took it (the build then
    counts as begun when it was taken: a file changed while it waited is not settled)."""
    out = (out or settings.root / "build").resolve()
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        reason = "it is a file" if out.is_file() else exc.strerror or str(exc)
        raise BuildError(f"{out}: cannot be the output folder ({reason})") from None
    with stamp.locked(out / stamp.BUILD_LOCK):
        try:
            return _build(settings, edition_id, only, out, force, digest)
        except jinja2.TemplateError as exc:  # layouts are the project's: say where, no trace
            raise BuildError(template_problem(exc, settings.root)) from None
        except OSError as exc:  # a full disk, a read-only folder: outputs are staged and
            # published together (`publish`), so none has changed
            where = f"{exc.filename}: " if exc.filename else ""
            raise BuildError(f"{where}cannot be written ({exc.strerror or exc}); no output "
                             "was changed: build again once fixed") from None


def _build(settings: Settings, edition_id: str | None, only: set[str] | None, out: Path,
           force: bool, digest: stamp.Digest | None) -> BuildResult:
    started = time.perf_counter()
    # Before anything is read: see stamp.settled.
    since = digest.since if digest else stamp.file_clock(settings.root)
    only = only or set(OUTPUTS)
    unknown = only - set(OUTPUTS)
    if unknown:
        raise ContentError(f"--only: unknown output(s) {', '.join(sorted(unknown))}; "
                           f"choose from {', '.join(OUTPUTS)}")
    root = settings.root
    layouts = root / "layouts"
    request = stamp.request_of(root, out, only, edition_id, force)
    # The stamp digests publication.toml, so it serves only builds that use exactly those
    # settings (not a test's variation, nor a server's settings read before an edit).
    sources_key = (digest.key if digest else stamp.sources_key(root, request)) \
        if _project_settings(settings) else None
    stored = stamp.load(out, request, sources_key) if sources_key else None
    if stored is not None:
        stored.seconds = time.perf_counter() - started
        return stored

    project = load_project(root)
    # A site of web-only articles needs no edition; the PDFs and the newsletter do.
    needs_edition = bool(project.editions or edition_id or only & {"pdf", "newsletter"})
    edition = _pick(project.editions, edition_id) if needs_edition else None
    report = gate.check(settings, project=project, since=since)
    result = BuildResult(edition.id if edition else "site", report.findings, report.sources,
                         inputs=report.inputs | _edition_images(project))
    errors = [f for f in report.findings if f.severity is Severity.ERROR]
    if errors and not force:
        result.blocked = True
        return result
    # A forced build is a proof: every page says so, so it cannot pass for the real thing.
    proof_note = (f"{PROOF}: {len(errors)} gate error(s), not for publication"
                  if errors else "")

    names = section_names(project)
    views = publishable(edition.in_order(), settings, names) if edition else []
    result.articles = len(views)
    files: dict[Path, bytes] = {}
    copies: dict[Path, Path] = {}
    pdf_record: tuple[Path, dict[str, Any]] | None = None
    """The PDFs' render cache, written with the records (see below)."""

    if "pdf" in only and edition is not None:
        if edition.manifest is None:
            raise BuildError(f"{edition.id}: edition.toml is invalid; fix it before printing")
        from pipeline.render import pdf

        folder = out / edition.id
        key = pdf.fingerprint(edition, views, settings, layouts, proof_note)
        cache = folder / f".{edition.id}-pdf.cache.json"
        cached = _render_cache(cache, key, folder, edition.id)
        result.outputs += [cache, *_pdf_paths(folder, edition.id)]
        result.inputs.add(pdf.profile_path(settings))
        if cached is not None:
            result.pages, result.fillers, result.pdf_cached = cached[0], cached[1], True
        else:
            rendered = pdf.render(edition, views, settings, layouts, proof_note)
            files[folder / f"{edition.id}-print.pdf"] = rendered.print_pdf
            files[folder / f"{edition.id}-screen.pdf"] = rendered.screen_pdf
            result.pages, result.fillers = rendered.pages, rendered.fillers
            result.warnings.extend(rendered.warnings)
            digests = [_sha(d) for d in (rendered.print_pdf, rendered.screen_pdf)]
            pdf_record = (cache, {"key": key, "pdfs": digests, "pages": rendered.pages,
                                  "fillers": rendered.fillers})

    through = publish_through(settings)
    site_editions = [
        (e, due(publishable(e.in_order(), settings, names), through))
        for e in sorted(project.editions.values(), key=lambda e: e.id, reverse=True)
        if e.manifest is not None
    ]
    web_only = due(publishable(list(project.web_only.values()), settings, names), through)
    site_files: dict[Path, bytes] = {}
    pages: dict[Path, str] = {}
    """Pages that can be kept (articles, listings), written now or kept, by the digest of
    their inputs."""
    derived: dict[Path, tuple[Path, Callable[[], bytes]]] = {}
    site_outputs = sorted(only & {"web", "feed"})
    images = {path for path in result.inputs if not path.is_relative_to(out)}  # not our feed
    site_key = _site_fingerprint(settings, project, through, [*site_outputs, proof_note],
                                 images)
    site_stamp = out / ".cache" / "site.json"
    stored_site = _stamp(site_stamp)
    site_state = _site_record(stored_site)
    site_made = [Path(entry[0]) for entry in site_state]
    if site_outputs and stored_site.get("key") == site_key and site_made and \
            stamp.state([entry[0] for entry in site_state]) == site_state:
        result.site_cached = True
        result.outputs += site_made
    else:
        if "web" in only:
            pages = _render_site(settings, site_editions, web_only, layouts, out, site_files,
                                 copies, derived, proof_note, report)
        if "feed" in only:
            _render_feeds(settings, site_editions, web_only, out, site_files, proof_note)
    if "newsletter" in only and edition is not None and edition.manifest is not None:
        from pipeline.render import newsletter

        letter = newsletter.render(edition, due(views, through), settings, layouts)
        for name, data in letter.files().items():
            files[out / edition.id / name] = data

    # The inputs as this build read them, before it writes: the published feed FED001 read
    # is also an output, and the stamp must not vouch for findings made from the old one.
    input_state = stamp.state(sorted(map(str, result.inputs)))
    # Whether it read only files settled before it began (now: writing changes their folders);
    # those in `out` change only under the lock this build holds.
    vouched = stamp.settled([f for f in input_state if not Path(f[0]).is_relative_to(out)],
                            since, root)
    copied = Made(out)
    result.written = publish(out, since, lambda staged: [
        *write_all(files, copies, root, copied, staged),
        *write_changed(site_files, staged), *write_derived(derived, root, copied, staged)])
    # After every output: an interrupted build is never taken as complete, nor one that read
    # a file changed while it ran.
    vouched = vouched and stamp.sources_settled(root, since)
    # The records last: an interrupted write never vouches for a stale PDF, page or image.
    # The PDFs and pages are kept by a digest of their sources, taken before the render read
    # them: a source edited meanwhile and restored has that digest again, so only a build
    # that nothing changed under may record it.
    records = {out / PAGES: _page_record(out, pages if vouched else {})} if pages else {}
    if copies or derived:
        records[out / MADE] = copied.payload()
    write_changed(records)
    if pdf_record is not None:  # an output of the build (above), not of the site
        path, record = pdf_record
        atomic_write(path, json.dumps({**record, "key": record["key"] if vouched else ""})
                     .encode())
    made = [*site_files, *copies, *derived, *pages, *records]
    result.outputs += [*files, *made]
    if site_outputs and not result.site_cached:
        ours = stamp.state(sorted({str(path) for path in made}))
        rest = set(site_made) - set(made)
        if site_outputs == ["feed", "web"]:  # the whole site: what it lacks is withdrawn
            _remove_stale(rest, out / "site")
        else:  # a partial build keeps the record of the rest, as that build left it
            ours += [entry for entry in site_state if Path(entry[0]) in rest]
        atomic_write(site_stamp, json.dumps({"key": site_key if vouched else "",
                                             "files": sorted(ours)}).encode())
    if sources_key and vouched:
        atomic_write(out / stamp.STAMP,
                     stamp.payload(sources_key, request, result, input_state))
    result.seconds = time.perf_counter() - started
    return result


def _remove_stale(paths: set[Path], site: Path) -> None:
    """Take down what the last build published and this one does not: the page of an article
    renamed, withdrawn or made a draft must not stay online at its old address."""
    for path in sorted(paths):
        if not path.is_relative_to(site) or not path.is_file():
            continue
        path.unlink()
        for parent in path.parents:
            if parent == site or not parent.is_relative_to(site) or any(parent.iterdir()):
                break
            parent.rmdir()


def _edition_images(project: Project) -> set[Path]:
    """Covers and ads the manifests name (wherever in the project they are kept)."""
    from pipeline.checks.edition import artwork_files

    return {path for edition in project.editions.values() for path in artwork_files(edition)}


def _project_settings(settings: Settings) -> bool:
    """Whether `settings` are what the project's publication.toml says now."""
    try:
        return settings == load_settings(settings.root / "publication.toml")
    except PipelineError:
        return False


def _site_fingerprint(settings: Settings, project: Project, through: dt.date,
                      outputs: list[str], inputs: set[Path]) -> str:
    """Everything the site and feeds are made from: the pipeline's code and data, settings,
    web layouts and fonts (and the print design, for the articles' PDFs), every article and
    manifest, the files beside them and the images they name wherever they are (by stamp)."""
    digest = hashlib.sha256(rules_key(settings).encode())
    digest.update(f"{through.isoformat()} {' '.join(outputs)}".encode())
    for article in sorted(project.all_articles(), key=lambda a: a.display):
        digest.update(article.display.encode() + b"\0" + article.text.encode())
    layouts = settings.root / "layouts"
    design = [layouts / "print"] if settings.web.article_pdfs else []  # the PDF downloads
    for folder in (layouts / "web", layouts / "fonts", *design, settings.root / "articles"):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.suffix != ".md":
                stat = path.stat()
                digest.update(f"{path} {stat.st_size} {stat.st_mtime_ns}".encode())
    digest.update(json.dumps(stamp.state(sorted(map(str, inputs)))).encode())
    return digest.hexdigest()


def _site_record(stored: dict[str, Any]) -> list[list[Any]]:
    """[path, size, mtime] of each file the last site build made, as `stamp.state` gives them
    (older records: bare paths; anything else, as from a damaged file, is left out)."""
    files = stored.get("files")
    return [[entry, None, None] if isinstance(entry, str) else entry
            for entry in (files if isinstance(files, list) else [])
            if isinstance(entry, str) or (isinstance(entry, list) and len(entry) == 3
                                          and isinstance(entry[0], str))]


def _stamp(path: Path) -> dict[str, Any]:
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return stored if isinstance(stored, dict) else {}


def _render_cache(cache: Path, key: str, folder: Path, edition_id: str) -> tuple[int, int] | None:
    """(pages, fillers) of the PDFs already in `folder` if they were made from the same sources."""
    pdfs = _pdf_paths(folder, edition_id)
    try:
        stored = json.loads(cache.read_text())
    except (OSError, ValueError):
        return None
    if stored.get("key") != key or stored.get("pdfs") != [_digest(p) for p in pdfs]:
        return None
    return int(stored["pages"]), int(stored["fillers"])


def _pdf_paths(folder: Path, edition_id: str) -> list[Path]:
    return [folder / f"{edition_id}-print.pdf", folder / f"{edition_id}-screen.pdf"]


def _digest(path: Path) -> str:
    return _sha(path.read_bytes()) if path.is_file() else ""


def build_newsletter(settings: Settings, edition_id: str) -> newsletter_module.Newsletter:
    """The edition's newsletter in memory, for sending (the gate ran when it was built)."""
    from pipeline.render import newsletter

    project = load_project(settings.root)
    edition = _pick(project.editions, edition_id)
    if edition.manifest is None:
        raise BuildError(f"{edition.id}: edition.toml is invalid; fix it before sending")
    views = due(publishable(edition.in_order(), settings, section_names(project)),
                publish_through(settings))
    return newsletter.render(edition, views, settings, settings.root / "layouts")


def publish_through(settings: Settings) -> dt.date:
    """The last publication day: the setting, else SOURCE_DATE_EPOCH's day, else today (UTC).

    Future-dated articles wait for their day like in any CMS; a pinned setting or
    SOURCE_DATE_EPOCH makes a rebuild on another day repeat byte for byte.
    """
    if settings.site.publish_through is not None:
        return settings.site.publish_through
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
    return dt.datetime.now(dt.UTC).date()


def due(views: list[ArticleView], through: dt.date) -> list[ArticleView]:
    """Views dated on or before `through`: future-dated articles wait for their day."""
    return [v for v in views if v.meta.date <= through]


def _render_site(settings: Settings, editions: list[tuple[Edition, list[ArticleView]]],
                 web_only: list[ArticleView], layouts: Path, out: Path,
                 site_files: dict[Path, bytes], copies: dict[Path, Path],
                 derived: dict[Path, tuple[Path, Callable[[], bytes]]],
                 proof_note: str = "", checked: gate.Report | None = None,
                 ) -> dict[Path, str]:
    """Render the site into `site_files`, `copies` and `derived`; return the pages that can be
    kept (articles, listings), rendered now or kept from the last build, by the digest of their
    inputs."""
    from pipeline.render import web

    bodies = _bodies([v for _, vs in editions for v in vs] + web_only, checked)
    site = web.render(settings, editions, web_only, layouts, bodies, proof_note,
                      _previous_pages(out))
    pages = {}
    for site_file in site.files:
        target = out / "site" / site_file.path
        if site_file.key is not None:
            pages[target] = site_file.key
        if site_file.content is not None:
            site_files[target] = site_file.content
        elif site_file.make is not None and site_file.source is not None:
            derived[target] = (site_file.source, site_file.make)
        elif site_file.source is not None:
            copies[target] = site_file.source
    return pages


PAGES = Path(".cache") / "web-pages.json"
"""The keepable pages of the last build: the digest of their inputs, their size and mtime."""


def _previous_pages(out: Path) -> Callable[[str, str], bool]:
    """Whether the last build rendered the page at a path (under site/) from the same inputs
    and it is still on disk as that build left it (same size and mtime, as for `make`)."""
    try:
        stored = json.loads((out / PAGES).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        stored = {}
    folder = out / "site"

    def previous(path: str, key: str) -> bool:
        entry = stored.get(path) if isinstance(stored, dict) else None
        return isinstance(entry, list) and entry[:1] == [key] and \
            entry[1:] == size_and_mtime(folder / path) != [None, None]

    return previous


def _page_record(out: Path, pages: dict[Path, str]) -> bytes:
    """The pages as they are now on disk, for `_previous_pages`."""
    folder = out / "site"
    return json.dumps({target.relative_to(folder).as_posix(): [key, *size_and_mtime(target)]
                       for target, key in pages.items()}, sort_keys=True).encode()


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _bodies(views: list[ArticleView], checked: gate.Report | None) -> dict[str, str]:
    """Body HTML of the views by `body_key`: as the gate rendered it from its parse, else
    rendered now (none, unless a body could not be kept), across processes when there are
    many of them."""
    from pipeline.render.web import body_key

    bodies: dict[str, str] = {}
    missing: dict[str, str] = {}
    for view in views:
        key = body_key(view)
        html = checked.body(key) if checked is not None else None
        if html is None:
            missing[key] = view.article.body
        else:
            bodies[key] = html
    bodies.update(zip(missing, map_in_processes(markdown.render_source, list(missing.values())),
                      strict=True))
    return bodies


def _render_feeds(settings: Settings, editions: list[tuple[Edition, list[ArticleView]]],
                  web_only: list[ArticleView], out: Path, site_files: dict[Path, bytes],
                  proof_note: str = "") -> None:
    from pipeline.render import feed

    everything = [v for _, vs in editions for v in vs] + web_only
    site_files[out / "site" / "feed.xml"] = feed.rss(everything, settings, None, proof_note)
    site_files[out / "site" / "atom.xml"] = feed.atom(everything, settings, proof_note)
    for section in sorted({v.meta.section for v in everything}):
        in_section = [v for v in everything if v.meta.section == section]
        site_files[out / "site" / feed.feed_path(section)] = feed.rss(in_section, settings,
                                                                       section, proof_note)


def _pick(editions: dict[str, Edition], edition_id: str | None) -> Edition:
    if not editions:
        raise ContentError("no editions: create articles/YYYY-MM/edition.toml")
    if edition_id is None:
        return editions[max(editions)]
    if edition_id not in editions:
        raise ContentError(f"no edition {edition_id}; editions: {', '.join(sorted(editions))}")
    return editions[edition_id]


MADE = Path(".cache") / "files.json"
"""Copied and resized images, each with its source's size and mtime and its own when made."""


class Made:
    """The record of copied and resized images (`MADE` in the output folder). One is made again
    when its source's size or mtime, or its own, differs from the record: recorded states hold
    on file systems with coarse times, and when another photo with the same time (an unzipped
    set) replaces a source of a different size, which "newer than the source" would miss."""

    def __init__(self, out: Path) -> None:
        self.entries: dict[str, list[Any]] = {}
        stored = _stamp(out / MADE).get("files")
        if isinstance(stored, dict):
            self.entries = stored

    def current(self, target: Path, source: list[Any]) -> bool:
        """Whether `target` was made from a source in state `source` ([size, mtime]) and is
        still as it was written."""
        return self.entries.get(str(target)) == [*source, *size_and_mtime(target)]

    def note(self, target: Path, source: list[Any], staged: Path) -> None:
        """`target` is made from a source in state `source`: the file `staged` for it, which
        keeps its size and mtime when renamed over it."""
        self.entries[str(target)] = [*source, *size_and_mtime(staged)]

    def payload(self) -> bytes:
        return json.dumps({"files": self.entries}, sort_keys=True).encode()


def publish(out: Path, since: int, write: Callable[[Staged], list[Path]]) -> list[Path]:
    """The outputs `write` stages, renamed into place together once all are written: a build
    that fails while writing (a full disk) or is interrupted leaves the published files as
    the last build left them, never some new pages beside old ones. Temporary files left
    under `out` by a build that was killed meanwhile go first."""
    remove_leftovers(out, since)
    staged = Staged()
    try:
        written = write(staged)
        staged.commit()
    except BaseException:
        staged.discard()
        raise
    return written


def write_all(files: dict[Path, bytes], copies: dict[Path, Path], root: Path,
              made: Made, staged: Staged) -> list[Path]:
    """Stage every output; copy assets likewise.

    Asset sources must lie inside the project: article content never reads other files.
    """
    written = []
    for target, data in files.items():
        staged.write(target, data)
        written.append(target)
    for target, wanted in copies.items():
        source = project_file(wanted, root)
        if source is None:
            continue  # reported by the image rules (MED002); never copied from outside
        state = size_and_mtime(source)
        if made.current(target, state):
            continue
        made.note(target, state, staged.write(target, source.read_bytes()))
        written.append(target)
    return written


def write_changed(files: dict[Path, bytes], staged: Staged | None = None) -> list[Path]:
    """Write (or stage) only files whose bytes differ: unchanged pages keep their mtime (and
    caches)."""
    written = []
    for target, data in files.items():
        try:
            if target.stat().st_size == len(data) and target.read_bytes() == data:
                continue
        except OSError:
            pass  # not there yet
        if staged is None:
            atomic_write(target, data)
        else:
            staged.write(target, data)
        written.append(target)
    return written


def write_derived(derived: dict[Path, tuple[Path, Callable[[], bytes]]], root: Path,
                  made: Made, staged: Staged) -> list[Path]:
    """Stage derived files (resized images) unless made from the source as it is now."""
    written = []
    for target, (wanted, make) in derived.items():
        source = project_file(wanted, root)
        if source is None:
            continue  # reported by the image rules; never read from outside the project
        state = size_and_mtime(source)
        if made.current(target, state):
            continue
        made.note(target, state, staged.write(target, make()))
        written.append(target)
    return written


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
