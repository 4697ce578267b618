"""What every output renders from: an article's view (body HTML, disclaimers, sponsor label).

Renderers return bytes or text in memory; only `build` writes files.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, cached_property, partial
from pathlib import Path

import jinja2
import markupsafe
from jinja2.loaders import split_template_path

from pipeline import markdown
from pipeline.model import Article, Edition
from pipeline.schema import FrontMatter
from pipeline.settings import Settings

WORDS_PER_MINUTE = 230
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class Notice:
    """A disclaimer or sponsor notice, rendered from the canonical text in publication.toml."""

    id: str
    title: str
    text: str


@dataclass(frozen=True)
class CoverLineView:
    """A cover line as readers see it: curly quotes, and the sponsor label where the line
    promotes sponsored content (edition.toml names the article: `{text, article}`)."""

    text: str
    label: str = ""

    def __str__(self) -> str:
        """As one item of a run-on list (a page description, a newsletter's intro)."""
        return f"{self.text} ({self.label})" if self.label else self.text


def cover_lines(edition: Edition, settings: Settings) -> list[CoverLineView]:
    """The edition's cover lines as shown. The label comes from the named article itself,
    published yet or not (a teaser for an advertorial dated later is labelled all the same)."""
    assert edition.manifest is not None
    shown = []
    for line in edition.manifest.cover.lines:
        article = edition.articles.get(line.article or "")
        label = ArticleView(article, settings).sponsor_label \
            if article is not None and article.meta is not None else ""
        shown.append(CoverLineView(markdown.typographic(line.text), label))
    return shown


@dataclass
class ArticleView:
    article: Article
    settings: Settings
    rendered_body: str | None = None
    """Body HTML with no prefixes, when a cache already holds it (saves parsing the article)."""
    section: str = ""
    """The name the article's section goes by across the site, where the article spells it
    otherwise ("News briefs" for "News Briefs": one section, one page, one feed)."""

    @cached_property
    def meta(self) -> FrontMatter:
        """The front matter as readers see it: title, dek and summary with curly quotes, as
        the body has them (the article's own front matter stays as written, for the rules)."""
        meta = self.article.meta
        assert meta is not None, "only valid articles are rendered"
        shown: dict[str, str] = {
            name: markdown.typographic(value) for name in ("title", "dek", "summary")
            if isinstance(value := getattr(meta, name), str)}
        if self.section:
            shown["section"] = self.section
        return meta.model_copy(update=shown)

    @property
    def slug(self) -> str:
        return self.article.slug

    @property
    def kind_label(self) -> str:
        kind = self.settings.kinds.get(self.meta.kind)
        return kind.label if kind else self.meta.kind.title()

    @property
    def kicker_kind(self) -> str:
        """The kind's label beside the section in a kicker, unless it says nothing more: the
        neutral `article`, or a kind the section already names ("Calendar · Calendar",
        "News Briefs · Brief")."""
        label = self.kind_label
        stem = label.casefold().removesuffix("s")
        if self.meta.kind == "article" or re.search(rf"\b{re.escape(stem)}s?\b",
                                                    self.meta.section.casefold()):
            return ""
        return label

    @property
    def sponsored(self) -> bool:
        return self.settings.sponsored(self.meta.kind, self.meta.sponsor)

    @property
    def sponsor_label(self) -> str:
        return self.settings.sponsor_label.text if self.sponsored else ""

    @property
    def paid_by(self) -> str:
        if not self.sponsored or self.meta.sponsor is None:
            return ""
        return self.settings.sponsor_label.paid_by.format(sponsor=self.meta.sponsor.name)

    @cached_property
    def notices(self) -> list[Notice]:
        """Declared disclaimers, in the order the article lists them, with the sponsor filled in."""
        sponsor = self.meta.sponsor.name if self.meta.sponsor else "the sponsor"
        found = []
        for ident in self.meta.disclaimers:
            canonical = self.settings.disclaimers.get(ident)
            if canonical is not None:
                found.append(Notice(ident, canonical.title,
                                    canonical.text.format(sponsor=sponsor)))
        return found

    @property
    def byline(self) -> str:
        names = self.meta.authors
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]

    @cached_property
    def word_count(self) -> int:
        """Words of the body text, references left out (they are not read through)."""
        prose = self.plain_body().split('<section class="footnotes', 1)[0]
        return len(_TAG.sub(" ", prose).split())

    @property
    def reading_minutes(self) -> int:
        return max(1, math.ceil(self.word_count / WORDS_PER_MINUTE))

    def plain_body(self) -> str:
        """Body HTML as written (relative image paths, plain ids), rendered once per view."""
        if self.rendered_body is None:
            self.rendered_body = markdown.render(self.article.tokens)
        return self.rendered_body

    def body_html(self, image_prefix: str = "", id_prefix: str = "") -> str:
        """Sanitised body HTML; relative images get `image_prefix` (feeds need absolute URLs)
        and ids get `id_prefix` (unique when articles share one document)."""
        html = self.plain_body()
        if image_prefix:
            html = markdown.prefix_images(html, image_prefix)
        if id_prefix:
            html = re.sub(r'\bid="', f'id="{id_prefix}', html)
            html = re.sub(r'\bhref="#', f'href="#{id_prefix}', html)
        return html


def _template(folder: Path, files: dict[str, bytes] | None,
              name: str) -> tuple[str, str, Callable[[], bool]]:
    """A template's source from the bytes read (or from its file under `folder`), with its
    path for error messages; a template that is not UTF-8 is a template error."""
    parts = split_template_path(name)  # no '..' out of the folder
    path = folder.joinpath(*parts)
    if files is not None:
        data = files.get("/".join(parts))  # as `read_layouts` names them
    else:
        try:
            data = path.read_bytes()
        except OSError:
            data = None
    if data is None:
        raise jinja2.TemplateNotFound(name, f"{path}: no such template (layouts/ holds the "
                                            "templates every output is rendered with)")
    try:
        return data.decode("utf-8"), str(path), lambda: True
    except UnicodeDecodeError as exc:
        raise jinja2.TemplateError(f"{path}: the template is not UTF-8 text (byte "
                                   f"0x{data[exc.start]:02x} at offset {exc.start})") from None


def _bytecode_cache(folder: Path) -> jinja2.BytecodeCache | None:
    """Jinja's file cache (written atomically, checked against the source); none where the
    folder cannot be made: the templates are then compiled every time. Jinja checks only the
    template's source, so the file names also carry a digest of Jinja's version and of this
    module, which sets the options compiled code depends on (autoescaping, white space);
    files of other digests are removed."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    if not os.access(folder, os.W_OK):
        return None
    version = _compiled_version()
    for stale in folder.glob("*.cache"):
        if not stale.name.startswith(version):
            stale.unlink(missing_ok=True)
    return jinja2.FileSystemBytecodeCache(str(folder), pattern=f"{version}-%s.cache")


@cache
def _compiled_version() -> str:
    """Jinja's version and this module's code, digested (`_bytecode_cache`): once a run."""
    digest = hashlib.sha256(jinja2.__version__.encode() + Path(__file__).read_bytes())
    return digest.hexdigest()[:16]


def template_problem(exc: jinja2.TemplateError, root: Path) -> str:
    """One sentence for a broken template: where (file:line, from the error or the innermost
    template frame of its traceback) and what."""
    where = ""
    if isinstance(exc, jinja2.TemplateSyntaxError) and exc.filename:
        where = f"{exc.filename}:{exc.lineno}"
    else:
        tb = exc.__traceback__
        while tb is not None:
            name = tb.tb_frame.f_code.co_filename
            if Path(name).is_relative_to(root) and not name.endswith(".py"):
                where = f"{name}:{tb.tb_lineno}"
            tb = tb.tb_next
    message = exc.message if isinstance(exc, jinja2.TemplateSyntaxError) else str(exc)
    sentence = f"{where + ': ' if where else ''}template error: {message}"
    return sentence.replace(f"{root}/", "")  # paths as the project names them


PROOF = "Unchecked proof"
"""What every output of a build forced past gate errors says it is (pages, PDFs, feed items)."""


def css_string(value: str) -> markupsafe.Markup:
    """A quoted CSS string that cannot close its <style> element or its quotes."""
    escaped = "".join(
        f"\\{ord(char):x} " if char in '"\\<>&\n\r' else char for char in str(value)
    )
    return markupsafe.Markup(f'"{escaped}"')


TEMPLATE_CACHE = Path(".cache") / "templates"
"""Compiled templates, inside the project: Jinja checks each against its source's checksum."""


def read_layouts(folder: Path) -> dict[str, bytes]:
    """Every file under a layouts/ folder, by its path there (the name Jinja gives it)."""
    return {path.relative_to(folder).as_posix(): path.read_bytes()
            for path in sorted(folder.rglob("*")) if path.is_file()}


def environment(folder: Path, root: Path | None = None,
                files: dict[str, bytes] | None = None, text: bool = False) -> jinja2.Environment:
    """A Jinja2 environment over one layouts/ folder, autoescaping HTML and XML (`text`: for
    plain text, no escaping and the last line break kept); with the
    project `root`, compiled templates are kept in its .cache (compiling costs more than
    rendering a page). With `files` (`read_layouts`), templates come from those bytes, read
    once: pages are then rendered from exactly what their inputs' digest was taken of, even
    if a template is saved while the build runs. A broken template raises a
    `jinja2.TemplateError`, which `template_problem` puts in one sentence."""
    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(partial(_template, folder, files)),
        autoescape=False if text else jinja2.select_autoescape(["html", "xml", "j2"],
                                                                default=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=text,
        bytecode_cache=_bytecode_cache(root / TEMPLATE_CACHE) if root else None,
    )
    env.filters["css_string"] = css_string
    return env
