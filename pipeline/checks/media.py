"""Media rules: alt text, image files that exist inside the project, and print resolution
(MED001-MED003). Remote images are never fetched: the checks stay offline."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from html import unescape
from pathlib import Path

from pydantic import Field, field_validator

from pipeline.checks import Context, Hit, Parameters, Words, rule
from pipeline.checks.blocks import memo, text_blocks
from pipeline.content import image_size
from pipeline.model import Article, Position
from pipeline.settings import inches

_REMOTE = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)
_VECTOR = {".svg", ".pdf", ".eps"}
_REFUSED = re.compile(r"!\[([^\]\n]*)\]\(\s*<?([a-z][a-z0-9+.-]*:[^\s)>]*)", re.IGNORECASE)
_WEB = re.compile(r"^https?://", re.IGNORECASE)


@dataclass(frozen=True)
class ImageUse:
    src: str
    alt: str
    position: Position
    hero: bool
    """The front-matter `image:`, printed across the full text width."""
    decorative: bool = False
    """An HTML `<img>` marked as decoration, which screen readers skip: `alt=""` written out,
    or no alt with role="presentation" or aria-hidden="true" (WCAG technique H67). Markdown has
    no way to say it: `![](photo.jpg)` is an image whose alt text was left out."""


@memo
def images(article: Article) -> list[ImageUse]:
    """The hero image and every image in the body, Markdown or raw HTML `<img>`, with where
    each is named, in reading order (found once: three rules and the result cache read them)."""
    meta = article.meta
    hero = []
    if meta is not None and meta.image is not None:
        hero.append(ImageUse(meta.image.src, meta.image.alt, article.key_position("image"), True))
    body = [*_markdown_images(article), *_html_block_images(article)]
    return hero + sorted(body, key=lambda use: (use.position.line, use.position.column))


_WINDOW = 100_000
"""How far past the last image or tag of a paragraph the next one is looked for."""


def _markdown_images(article: Article) -> Iterator[ImageUse]:
    """![alt](src) and inline `<img>` tags in paragraphs, headings, table cells and footnotes."""
    for block in text_blocks(article):
        searched = 0
        for child in block.inline.children or []:
            if child.type == "image":
                src = str(child.attrs.get("src", ""))
                # after the last image, within a window (a reference-style image's target is
                # not there to find: no scan to the end for each of many)
                found = block.content.find(f"]({src}", searched, searched + _WINDOW)
                offset = searched if found < 0 else found
                searched = offset + 1
                alt = "".join(c.content for c in child.children or [])
                yield ImageUse(src, alt, block.position(article, offset), False)
            elif child.type == "text" and "![" in child.content:
                # an image the parser refused for its address (file:, javascript:): left as
                # text, it would print as Markdown
                for refused in _REFUSED.finditer(child.content):
                    found = block.content.find(refused.group(0), searched, searched + _WINDOW)
                    offset = searched if found < 0 else found
                    searched = offset + 1
                    yield ImageUse(refused.group(2), refused.group(1),
                                   block.position(article, offset), False)
            elif child.type == "html_inline":
                found = block.content.find(child.content, searched, searched + _WINDOW)
                offset = searched if found < 0 else found
                searched = offset + len(child.content)
                for src, alt, decorative, _, column in _img_tags(child.content):
                    yield ImageUse(src, alt, block.position(article, offset + column), False,
                                   decorative)


def _html_block_images(article: Article) -> Iterator[ImageUse]:
    """`<img>` tags in raw HTML blocks (`<figure>`, `<div>`, a tag on a line of its own)."""
    for token in article.tokens:
        if token.type != "html_block" or not token.map:
            continue
        # A captioned figure shows something the caption speaks of: alt="" in it is left
        # empty, not a mark of decoration.
        captioned = "<figcaption" in token.content.lower()
        for src, alt, decorative, line, column in _img_tags(token.content):
            file_line = article.body_line + token.map[0] + line - 1
            source = article.lines[file_line - 1] if file_line <= len(article.lines) else ""
            found = source.find("<img")
            yield ImageUse(src, alt, Position(file_line, (found if found >= 0 else column) + 1),
                           False, decorative and not captioned)


_IMG_START = re.compile(r"<img(?=[\s/>]|$)", re.IGNORECASE)
_ATTRIBUTE_OR_END = re.compile(
    r"""[\s/]*(?:(?P<end>>)|(?P<name>[^\s"'<>/=]+)"""
    r"""(?:\s*=\s*(?:"(?P<double>[^"]*)"|'(?P<single>[^']*)'|(?P<bare>[^\s"'<>=`]+)))?|.)""",
    re.DOTALL)
_RAW_TEXT = re.compile(r"<!--|<(script|style|textarea|title)\b", re.IGNORECASE)


def _img_tags(html: str) -> list[tuple[str, str, bool, int, int]]:
    """The `<img>` tags of an HTML fragment: (src, alt, whether it is marked decorative, line,
    column), 1-based line and 0-based column within the fragment, attribute values unescaped,
    none taken from a comment or from a script's, style's, textarea's or title's text (as a
    browser reads it).

    Linear in the fragment's length: a tag is read only up to the next "<" (a "<" in it, quoted
    or not, ends it early, where a browser would read on: it is no tag) and positions are
    counted from the last tag. The standard library's HTMLParser searches to the end of the
    fragment from every tag left open: 10,000 `<img src="a" ` took it 17 s."""
    if "<img" not in html.lower():
        return []  # no tag to find
    found: list[tuple[str, str, bool, int, int]] = []
    line, line_start, counted = 1, 0, 0
    for start, end in _outside_raw_text(html):
        for match in _IMG_START.finditer(html, start, end):
            at = match.start()
            newlines = html.count("\n", counted, at)
            if newlines:
                line += newlines
                line_start = html.rfind("\n", counted, at) + 1
            counted = at
            values = _attributes(html, match.end(), min(end, _next_tag(html, at)))
            if values is not None:
                found.append((values.get("src", ""), values.get("alt", ""),
                              _decorative(values), line, at - line_start))
    return found


def _decorative(values: dict[str, str]) -> bool:
    """Whether an `<img>`'s attributes mark it as decoration (`ImageUse.decorative`)."""
    if "alt" in values:
        return values["alt"] == ""
    return values.get("role", "").strip().lower() in ("presentation", "none") \
        or values.get("aria-hidden", "").strip().lower() == "true"


def _next_tag(html: str, at: int) -> int:
    following = html.find("<", at + 1)
    return len(html) if following < 0 else following


def _attributes(html: str, pos: int, end: int) -> dict[str, str] | None:
    """The attributes of a tag whose name ends at `pos`, read up to its ">"; None if it has
    none before `end` (a tag left open is no tag). The first of a repeated name counts, as in
    a browser."""
    values: dict[str, str] = {}
    while True:
        match = _ATTRIBUTE_OR_END.match(html, pos, end)
        if match is None:
            return None
        if match["end"]:
            return values
        pos = match.end()
        name = match["name"]
        if name:
            value = next((v for v in match.group("double", "single", "bare") if v is not None),
                         "")
            values.setdefault(name.lower(), unescape(value))


def _outside_raw_text(html: str) -> Iterator[tuple[int, int]]:
    """The spans of `html` outside comments and raw-text elements (found in one pass: each
    search starts where the last one ended; one left open runs to the end)."""
    pos = 0
    while (opening := _RAW_TEXT.search(html, pos)) is not None:
        yield pos, opening.start()
        if opening[1] is None:
            closing = html.find("-->", opening.end())
            pos = len(html) if closing < 0 else closing + 3
        else:
            ends = re.compile(rf"</{opening[1]}\s*>", re.IGNORECASE).search(html, opening.end())
            pos = len(html) if ends is None else ends.end()
    yield pos, len(html)


def _base(article: Article, ctx: Context) -> Path:
    """The folder images may come from: the project, or the article's own folder when the
    article lives outside it (content never makes the pipeline read elsewhere)."""
    root = ctx.settings.root.resolve()
    folder = article.path.resolve().parent
    return root if folder.is_relative_to(root) else folder


@memo
def local_images(article: Article) -> list[tuple[ImageUse, Path]]:
    """Each image that names a local file (not a remote one), with the file, resolved once:
    two rules and the result cache read them."""
    uses = [use for use in images(article) if not _REMOTE.match(use.src)]
    if not uses:
        return []
    folder = article.path.resolve().parent
    return [(use, (folder / use.src.split("#", 1)[0].split("?", 1)[0].lstrip("/")).resolve())
            for use in uses]


def referenced_files(article: Article) -> list[Path]:
    """Local image files the article's findings depend on (for the result cache)."""
    return [path for _, path in local_images(article)]


@rule(
    "MED001", "image-without-alt", "error",
    why="Readers using screen readers hear nothing for an image without alt text (WCAG 1.1.1); "
        "the screen PDF is tagged for PDF/UA, which requires it.",
    example="![](images/garden.jpg)",
    fix="Describe what the image shows in a short sentence: ![A ladybug on a stem](...). A "
        "purely decorative image (a divider, an ornament) goes in as HTML marked so: "
        "<img src=\"divider.png\" alt=\"\">.",
)
def image_without_alt(article: Article, ctx: Context) -> Iterator[Hit]:
    """An image (hero or in the body) without alt text, or with a stand-in for it: a file name
    ("IMG_4471.JPG", "garden-bed" for garden-bed.jpg) or a word such as "image" or "photo",
    which a screen reader reads out and which tells the reader nothing more than silence
    would. An `<img>` marked decorative (alt="") is the writer's word that there is nothing to
    describe, unless a caption says otherwise."""
    hint = ("Describe what the image shows: ![A ladybug on a stem](...), alt=\"...\" on an "
            "<img> tag, or `alt:` under `image:`.")
    for use in images(article):
        alt = use.alt.strip()
        if use.decorative:
            continue
        if not alt:
            yield Hit(f"image '{use.src}' has no alt text", use.position, hint=hint)
        elif _stand_in_alt(ctx).fullmatch(alt) or alt.casefold() in _file_names(use.src):
            yield Hit(f"image '{use.src}' has alt text that describes nothing: '{alt}'",
                      use.position, hint=hint)


def _file_names(src: str) -> set[str]:
    """The names of an image file that alt text may repeat, with and without its suffix, in
    lower case ("where-do-you-live"; a phrase written with spaces, "Do you use Rust" for
    do_you_use_rust.png, is a caption, not a file name)."""
    path = Path(src.split("#", 1)[0].split("?", 1)[0])
    return {path.name.casefold(), path.stem.casefold()}


@memo
def _stand_in_alt(ctx: Context) -> re.Pattern[str]:
    """Alt text that is a file name, or a word of `stand_in_alt` or digits followed only by
    a number, a date or a time: digits, separators, "at", "AM" or "PM". Each repeated
    alternative starts on its own character, or "a" then "t" or "m": no backtracking."""
    words = "|".join(re.escape(str(word)).replace(r"\ ", r"\s+") for word in sorted(
        ctx.lexicon("hygiene")["stand_in_alt"], key=len, reverse=True))
    return re.compile(
        r"[^\s/]+\.(?:jpe?g|png|gif|webp|tiff?|heic|avif|bmp|svg)"
        rf"|(?:{words}|\d)(?:[\s_().:#-]|\d|at\b|[ap]m\b)*", re.IGNORECASE)


@rule(
    "MED002", "image-missing", "error",
    why="A missing image breaks the print build and shows a broken image on the site; an "
        "image outside the project would make the pipeline read files it must not.",
    example="![A ladybug](images/ladybug.jpg)  (no such file)",
    fix="Add the file next to the article or in its images/ folder, or correct the path.",
)
def image_missing(article: Article, ctx: Context) -> Iterator[Hit]:
    """An image file that does not exist, is not an image, or lies outside the project; an
    image address that is neither a path nor a web address (`file:`), or that the parser
    cannot read (a space in it)."""
    yield from _unread_images(article)
    for use in images(article):
        if _REMOTE.match(use.src) and not _WEB.match(use.src):
            yield Hit(f"image '{use.src}' is neither a file of the project nor a web address",
                      use.position,
                      hint="Copy the image next to the article and name it by a relative path "
                           "(images/photo.jpg).")
    found = local_images(article)
    if not found:
        return
    base = _base(article, ctx)
    for use, path in found:
        if not path.is_relative_to(base):
            yield Hit(f"image '{use.src}' is outside the project", use.position,
                      hint="Copy the image next to the article and use a relative path.")
        elif not path.is_file():
            yield Hit(f"image file '{use.src}' does not exist", use.position,
                      hint="Add the file or correct the path (it is relative to the article).")
        elif (problem := image_problem(path)) is not None:
            yield Hit(f"image file '{use.src}' {problem}", use.position,
                      hint="Replace it with a JPEG or PNG photo (export it again if it came "
                           "from an editor).")


_SPACED_IMAGE = re.compile(
    r"!\[[^\]\n]*\]\(\s*(?P<src>[^\s()<>\"']+(?:[ \t]+(?![\"'(])[^\s()<>]+)+)\s*\)")
"""An image whose address holds a space, not in angle brackets and not before a title."""


def _unread_images(article: Article) -> Iterator[Hit]:
    """Images the parser left as text because of a space in the address: the page prints the
    Markdown, brackets and all, and no image."""
    for block in text_blocks(article):
        if "![" not in block.content or not any(
                child.type == "text" and "![" in child.content
                for child in block.inline.children or []):
            continue
        for match in _SPACED_IMAGE.finditer(block.content):
            yield Hit(f"image '{match['src']}' is not read: its address has a space, so the page "
                      "prints the Markdown, not the image",
                      *block.span(article, match.start(), len(match.group(0))),
                      hint="Rename the file without spaces (images/my-photo.jpg), or write the "
                           "address in angle brackets: ![...](<images/my photo.jpg>).")


def image_problem(path: Path) -> str | None:
    """Why the file is no image the outputs can use (empty, not an image, too many pixels)."""
    size = image_size(path)
    return size if isinstance(size, str) else None


def _pixel_width(path: Path) -> int | None:
    """Width in pixels from the image header, None if it is no usable image (MED002's)."""
    size = image_size(path)
    return None if isinstance(size, str) else size[0]


class _ResolutionParameters(Parameters):
    min_ppi: float = Field(300, gt=0)
    """Pixels per inch an image needs at its placed width."""
    full_width: str = "6.975in"
    """Placed width of a hero image: the text width of the page."""
    column_width: str = "3.36in"
    """Placed width of a body image: one column."""
    single_column_kinds: Words = ("letter", "calendar")
    """Kinds set in one wide column: their body images are placed at full width."""

    @field_validator("full_width", "column_width")
    @classmethod
    def _length(cls, value: str) -> str:
        try:
            inches(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a length such as '3.36in' or '85mm'") from None
        return value


@rule(
    "MED003", "image-resolution-low", "warning", params=_ResolutionParameters,
    why="Print needs about 300 pixels per inch at the size the image is placed; below that it "
        "prints soft or blocky. Hero images span the full text width, body images one column.",
    example="A 600 px wide body image placed in a 3.36 in column: 179 ppi.",
    fix="Use a larger original, or move the image to the web-only version.",
)
def image_resolution_low(article: Article, ctx: Context) -> Iterator[Hit]:
    """An image in a print edition with fewer pixels than the minimum ppi at its placed width."""
    if article.edition is None:
        return
    min_ppi: float = ctx.param("MED003", "min_ppi")
    full = inches(ctx.param("MED003", "full_width"))
    column = inches(ctx.param("MED003", "column_width"))
    single = set(ctx.param("MED003", "single_column_kinds"))
    kind = article.meta.kind if article.meta else "article"
    found = local_images(article)
    if not found:
        return
    base = _base(article, ctx)
    for use, path in found:
        if path.suffix.lower() in _VECTOR or not path.is_relative_to(base) \
                or not path.is_file():
            continue
        width = _pixel_width(path)
        if width is None:
            continue
        placed = full if use.hero or kind in single else column
        ppi = width / placed
        if ppi < min_ppi:
            needed = round(min_ppi * placed)
            # to a tenth where rounding would reach the minimum: not "300 ppi, below 300 ppi"
            shown = f"{ppi:.0f}" if round(ppi) < min_ppi else f"{math.floor(ppi * 10) / 10:.1f}"
            yield Hit(
                f"image '{use.src}' is {width} px wide: {shown} ppi at its placed width of "
                f"{placed:.2f} in, below {min_ppi:g} ppi",
                use.position,
                hint=f"Use an original at least {needed} px wide.",
            )
