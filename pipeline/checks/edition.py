"""Edition rules: the manifest (edition.toml) is valid and agrees with the articles on disk."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from pipeline.checks import Context, Hit, _active, rule
from pipeline.checks.media import image_problem
from pipeline.findings import Finding
from pipeline.model import Edition, Position, Project
from pipeline.root import skipped
from pipeline.settings import toml_line


def order_line(edition: Edition, slug: str) -> Position:
    """Where edition.toml names `slug` (an article, an image) in quotes, so a finding points
    at that entry."""
    try:
        lines = edition.manifest_path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return Position(1, 1)
    for number, line in enumerate(lines, 1):
        column = line.find(f'"{slug}"')
        if column >= 0:
            return Position(number, column + 2)
    return Position(1, 1)


def _key_line(edition: Edition, key: str) -> Position:
    """Where edition.toml sets a top-level key."""
    try:
        text = edition.manifest_path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return Position(1, 1)
    return Position(toml_line(text, (key,)), 1)


def artwork(edition: Edition) -> list[tuple[str, str]]:
    """The images edition.toml names, as written there: (what it is, path)."""
    manifest = edition.manifest
    if manifest is None:
        return []
    return [("the cover image", manifest.cover.image),
            *((f"the artwork of ad `{ad.name}`", ad.image) for ad in manifest.ads if ad.image)]


def artwork_files(edition: Edition) -> list[Path]:
    """The files of `artwork`, relative to the edition folder (inputs of checks and builds)."""
    return [edition.folder / name for _, name in artwork(edition)]


@rule(
    "ED001", "manifest-problem", "error", scope="edition",
    why="edition.toml decides what is printed and in what order; a slug that matches no file, "
        "or an article listed twice or in two editions, prints the wrong magazine.",
    example='order = ["editors-letter", "ldn-naltrexon"]  # no such file',
    fix="Make every slug in `order` match a file <slug>.md in the edition folder, once.",
)
def manifest_problem(edition: Edition, ctx: Context) -> Iterator[Hit]:
    """edition.toml is invalid, lists a missing or duplicate article, or shares one."""
    for problem in edition.problems:
        yield Hit(problem.message, Position(problem.line, problem.column))
    manifest = edition.manifest
    if manifest is None:
        return
    for slug, count in Counter(manifest.order).items():
        if count > 1:
            yield Hit(f"`{slug}` is listed {count} times in `order`", order_line(edition, slug),
                      hint="List each article once.")
    for slug in dict.fromkeys(manifest.order):
        if slug not in edition.articles:
            yield Hit(
                f"`{slug}` is listed in `order` but {edition.id}/{slug}.md does not exist",
                order_line(edition, slug),
                hint="Fix the slug or add the article.",
            )
    for ad in manifest.ads:
        if ad.after is not None and ad.after not in manifest.order:
            yield Hit(f"ad `{ad.name}` is placed after `{ad.after}`, which is not in `order`",
                      order_line(edition, ad.after),
                      hint="Name an article listed in `order`, or remove `after`.")
    yield from _cover_lines(edition, ctx)
    if manifest.date.strftime("%Y-%m") != edition.id:
        yield Hit(f"`date = {manifest.date.isoformat()}` is not in {edition.id}, the month the "
                  "folder names", _key_line(edition, "date"),
                  hint="Correct the date, or the folder's name (YYYY-MM).")
    for slug in manifest.budget().articles:
        if slug not in manifest.order:
            yield Hit(f"`page_budget` names `{slug}`, which is not in `order`",
                      order_line(edition, slug), hint="Fix the slug or remove its budget.")
    # The project, or the edition's own folder where it is kept elsewhere (as for images in
    # articles, MED002): naming a file makes the pipeline read nothing further afield.
    root = ctx.settings.root.resolve()
    folder = edition.folder.resolve()
    base = root if folder.is_relative_to(root) else folder
    for what, name in artwork(edition):
        path = (edition.folder / name).resolve()
        if not path.is_relative_to(base):
            yield Hit(f"{what} `{name}` is outside the project", order_line(edition, name),
                      hint="Keep it in the edition folder (images/) and name it from there.")
        elif not path.is_file():
            yield Hit(f"{what} `{name}` does not exist ({edition.id}/{name})",
                      order_line(edition, name),
                      hint="Add the file or correct the path (relative to the edition folder).")
        elif (unusable := image_problem(path)) is not None:
            yield Hit(f"{what} `{name}` {unusable}", order_line(edition, name),
                      hint="Replace it with a JPEG or PNG (export it again if it came from an "
                           "editor).")
    for slug in sorted(set(edition.articles) - set(manifest.order)):
        meta = edition.articles[slug].meta
        if meta is not None and meta.draft:
            continue  # work in progress: it goes into `order` when it is ready
        yield Hit(
            f"{edition.id}/{slug}.md is in the edition folder but not in `order`, so it will "
            "not be printed",
            Position(1, 1),
            hint="Add it to `order`, or move it to articles/web/ if it is web-only.",
        )
    if ctx.project is None:
        return
    for other in ctx.project.editions.values():
        if other.id == edition.id:
            continue
        for slug in sorted(set(edition.articles) & set(other.articles)):
            yield Hit(f"article `{slug}` is in both {edition.id} and {other.id}",
                      order_line(edition, slug), hint="Slugs name articles site-wide: rename one.")
    for slug in sorted(set(edition.articles) & set(ctx.project.web_only)):
        yield Hit(f"article `{slug}` is in both {edition.id} and articles/web/: one page would "
                  "replace the other on the site", order_line(edition, slug),
                  hint="Slugs name articles site-wide: rename one.")
    ids = Counter(
        a.meta.id for a in ctx.project.all_articles() if a.meta is not None and a.meta.id
    )
    for slug, article in sorted(edition.articles.items()):
        if article.meta is not None and article.meta.id and ids[article.meta.id] > 1:
            yield Hit(f"article `{slug}` shares its `id` with another article; feeds need "
                      "unique ids", order_line(edition, slug),
                      hint="Give it a fresh id (`python -c 'import uuid; print(uuid.uuid4())'`).")


_WORD = re.compile(r"[^\W\d_]{4,}")
_COMMON = frozenset({"what", "with", "your", "this", "that", "from", "says", "about", "into",
                     "more", "less", "than", "when", "case", "study", "studies", "guide",
                     "local", "season"})
"""Words of four letters or more that any teaser may share with a title."""


def _words(text: str) -> set[str]:
    return {word.casefold() for word in _WORD.findall(text)} - _COMMON


def _cover_lines(edition: Edition, ctx: Context) -> Iterator[Hit]:
    """Each cover line that names an article must name one the edition prints; a line that
    names none but reads like a sponsored article's teaser must name it, so that every output
    labels it (FTC: an advertorial is labelled wherever it is promoted)."""
    manifest = edition.manifest
    assert manifest is not None
    sponsored = {slug: article.meta for slug, article in edition.articles.items()
                 if slug in manifest.order and article.meta is not None
                 and ctx.settings.sponsored(article.meta.kind, article.meta.sponsor)}
    for line in manifest.cover.lines:
        if line.article is not None:
            if line.article not in manifest.order:
                yield Hit(f"cover line '{line.text}' names `{line.article}`, which is not in "
                          "`order`", order_line(edition, line.article),
                          hint="Name an article the edition prints.")
            continue
        for slug, meta in sponsored.items():
            shared = _words(line.text) & (_words(meta.title) | _words(slug.replace("-", " ")))
            if len(shared) >= 2:
                yield Hit(
                    f"cover line '{line.text}' promotes the sponsored `{slug}` without its "
                    "label", order_line(edition, line.text),
                    hint=f'Name the article, {{text = "{line.text}", article = "{slug}"}}: the '
                         "line then carries the sponsor label on the cover, the site and in "
                         "the newsletter.")
                break


MARKDOWN_SUFFIXES = frozenset({".md", ".markdown"})


def stray_articles(project: Project) -> list[Path]:
    """Markdown files under articles/ that no edition folder (articles/YYYY-MM/) and not
    articles/web/ holds, at any depth and in any letter case (`2022-1/`, `drafts/`, `a.MD`):
    they are never published, so they must not pass unseen."""
    articles = project.root / "articles"
    if not articles.is_dir():
        return []
    known = {article.path.resolve() for article in project.all_articles()}
    return sorted(path for path in articles.rglob("*")
                  if path.suffix.lower() in MARKDOWN_SUFFIXES and path.is_file()
                  and not skipped(path.relative_to(articles).parts[:-1])
                  and path.resolve() not in known)


def stray_findings(strays: list[Path], ctx: Context) -> list[Finding]:
    """An ED001 finding (with its configured severity) for each stray article."""
    from pipeline.checks.registry import RULES

    root = ctx.settings.root
    found = []
    for rule_, severity in _active((r for r in RULES if r.code == "ED001"), ctx):
        for path in strays:
            where = path.relative_to(root).as_posix()
            fix = ("rename it to .md and move it" if path.suffix != ".md" else "move it")
            found.append(Finding(
                rule_.code, severity,
                "this Markdown file is in no edition folder (articles/YYYY-MM/) nor in "
                "articles/web/: it would never be published", where, 1,
                hint=f"To publish it, {fix} into its edition's folder (and list it in "
                     "edition.toml) or into articles/web/; otherwise move it out of articles/."))
    return found
