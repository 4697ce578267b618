"""The one configured Markdown parser, and the one sanitised HTML renderer every output uses."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from html import escape
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markdown_it.rules_core import StateCore
from markdown_it.rules_core.smartquotes import process_inlines as curl_quotes
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from mdit_py_plugins.anchors import anchors_plugin
from mdit_py_plugins.attrs import attrs_plugin
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.footnote import footnote_plugin

CONTAINERS = ("pullquote", "sidebar")
"""Block containers writers may use: `::: pullquote` and `::: sidebar`."""

_ALLOWED_TAGS = nh3.ALLOWED_TAGS | {"section", "figure", "figcaption", "aside", "sup", "sub"}
_ALLOWED_ATTRIBUTES = {
    **nh3.ALLOWED_ATTRIBUTES,
    "*": {"class", "id"},
    "img": {"src", "alt", "title", "width", "height", "loading"},
    "a": {"href", "title"},
    "ol": {"start"},
    "th": {"style"},
    "td": {"style"},
}
_ABSOLUTE = re.compile(r"^([a-z][a-z0-9+.-]*:|/|#)", re.IGNORECASE)


def _container(name: str) -> Any:
    def render(
        self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        if tokens[idx].nesting == 1:
            return f'<aside class="{name}">\n'
        return "</aside>\n"

    return render


@lru_cache(maxsize=1)
def parser() -> MarkdownIt:
    """CommonMark + tables, footnotes, {attributes}, heading anchors, pull quotes and sidebars."""
    md = (
        # typographer: curly quotes ("smartquotes", one character for one, so every
        # position the rules report stays right); not the "replacements" rule ((c), --, ...).
        MarkdownIt("commonmark", {"html": True, "typographer": True,
                                  "maxNesting": MAX_NESTING})
        .enable(["table", "smartquotes"])
        .disable("replacements")
        .use(footnote_plugin)
        .use(attrs_plugin)
        .use(anchors_plugin, min_level=2, max_level=3)
    )
    md.core.ruler.at("smartquotes", _smartquotes)
    for name in CONTAINERS:
        md.use(container_plugin, name=name, render=_container(name))
    md.add_render_rule("paragraph_open", _paragraph_open)
    md.add_render_rule("paragraph_close", _paragraph_close)
    md.add_render_rule("image", _image)
    md.add_render_rule("footnote_block_open", _footnote_block_open)
    md.add_render_rule("footnote_caption", _footnote_caption)
    assert isinstance(md.renderer, RendererHTML)
    md.add_render_rule("footnote_ref", _footnote_ref(md.renderer.rules["footnote_ref"]))
    md.add_render_rule("text", _text)
    md.normalizeLink = _normalizer(md.normalizeLink)  # type: ignore[method-assign, assignment]
    return md


MAX_CURLED_QUOTES = 2_000
"""A paragraph (or heading, or table cell) with more quotation marks than this keeps them
straight: markdown-it's smartquotes rule looks for an opening quote behind each closing one,
through all those still open (quadratic in the quotes: `"a' ` 100,000 times, hours)."""
_QUOTE_PIECE = 1_000


def _smartquotes(state: StateCore) -> None:
    """markdown-it's smartquotes rule, with each long text token cut into pieces of
    `_QUOTE_PIECE` characters while it runs (then joined again): the rule copies the rest of
    the text at every quote it finds, and the text at every quote it changes (quadratic: a
    400 KB paragraph with an apostrophe every 4 characters took 55 s). The result is the
    same: at a cut, the rule reads the character on the other side from the next or the last
    piece, and a quote it already curled there is punctuation as the straight one was."""
    for token in state.tokens:
        if token.type != "inline" or token.children is None:
            continue
        quotes = token.content.count("'") + token.content.count('"')
        if not quotes or quotes > MAX_CURLED_QUOTES:
            continue
        children: list[Token] = []
        cut: list[tuple[Token, list[Token]]] = []
        for child in token.children:
            if child.type == "text" and len(child.content) > _QUOTE_PIECE:
                pieces = [child.copy(content=child.content[start:start + _QUOTE_PIECE])
                          for start in range(0, len(child.content), _QUOTE_PIECE)]
                cut.append((child, pieces))
                children += pieces
            else:
                children.append(child)
        curl_quotes(children, state)
        for child, pieces in cut:
            child.content = "".join(piece.content for piece in pieces)


_SAFE = r"(?:[A-Za-z0-9;/?:@&=+$,\-_.!~*'()#]|%[0-9A-Fa-f]{2})"
_PLAIN_URL = re.compile(
    r"https?://[A-Za-z0-9.-]+(?::[0-9]+)?(?:[/?#]" + _SAFE + r"*)?"
    r"|(?!//)(?:[A-Za-z0-9;/?&=+$,\-_.!~*'()#]|%[0-9A-Fa-f]{2})*")
"""URLs that markdown-it's normalizeLink returns unchanged: http(s) with a plain host (no user
part, nothing to punycode) and then only characters its percent-encoder keeps, or a relative
reference without a scheme, user or host; complete %XX escapes only."""


def _normalizer(normalize: Callable[[str], str]) -> Callable[[str], str]:
    """markdown-it's link normalizer, skipped for the plain URLs it would return as they are
    (most links: it parses and re-encodes each one, a tenth of the parse time)."""
    def normalize_link(url: str) -> str:
        return url if _PLAIN_URL.fullmatch(url) else normalize(url)

    return normalize_link


def _lone_image(tokens: Sequence[Token], idx: int) -> Token | None:
    """The image token when a paragraph holds nothing but one image."""
    inline = tokens[idx + 1] if idx + 1 < len(tokens) else None
    if inline is None or inline.type != "inline" or not inline.children:
        return None
    children = [c for c in inline.children if not (c.type == "text" and not c.content.strip())]
    return children[0] if len(children) == 1 and children[0].type == "image" else None


def _paragraph_open(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    if _lone_image(tokens, idx) is not None:
        return '<figure class="figure">'
    return self.renderToken(tokens, idx, options, env)


def _paragraph_close(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    if idx >= 2 and tokens[idx - 2].type == "paragraph_open" and _lone_image(tokens, idx - 2):
        image = _lone_image(tokens, idx - 2)
        assert image is not None
        title = str(image.attrs.get("title") or "")
        caption = f"<figcaption>{escape(title)}</figcaption>" if title else ""
        return caption + "</figure>\n"
    return self.renderToken(tokens, idx, options, env)


_IMG_SRC = re.compile(r'(<img\b[^>]*?\ssrc=")([^"]*)"')


def prefix_images(html: str, prefix: str) -> str:
    """Rendered HTML with `prefix` before every relative image path."""
    return _IMG_SRC.sub(lambda m: f'{m.group(1)}{resolve_src(m.group(2), escape(prefix))}"', html)


def resolve_src(src: str, prefix: str) -> str:
    """Prefix a relative image path (as written in the article) for the output's location."""
    return src if _ABSOLUTE.match(src) else prefix + src


def _image(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    src = str(token.attrs.get("src", ""))
    alt = self.renderInlineAsText(token.children or [], options, env)
    return f'<img src="{escape(src)}" alt="{escape(alt)}" loading="lazy">'


def _footnote_ref(render: Any) -> Any:
    """The plugin's reference mark, after a comma where it follows another (`[^1][^8]`): side
    by side, the marks 1 and 8 read as a note 18."""
    def footnote_ref(
        self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        mark = str(render(tokens, idx, options, env))
        if idx and tokens[idx - 1].type == "footnote_ref":
            return '<sup class="footnote-sep">,</sup>' + mark
        return mark

    return footnote_ref


def _footnote_caption(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """A reference mark is the note's number, as magazines print it: not the plugin's "[1]",
    nor "[1:2]" where a note is cited a second time."""
    return str(tokens[idx].meta["id"] + 1)


_BARE_URL = re.compile(r"\b(?:https?://|www\.|10\.\d{4,9}/)[^\s<>\"“”]*[^\s<>\"“”.,;:!?)\]'’]"
                       r"|(?P<email>\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")
"""A web address, a DOI or an email address written out in text, without the punctuation that
may follow it."""


def _text(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """Text, with each web address or DOI written out in it marked `<span class="url">`, each
    email address `<span class="email">`: the print design keeps hyphenation out of addresses
    and DOIs (a reader would type the hyphen)."""
    content = tokens[idx].content
    before = tokens[idx - 1] if idx else None
    if before is not None and before.type == "link_open" and before.markup == "autolink":
        return escapeHtml(_straight(content))  # <https://...>: the address itself
    if "http" not in content and "www." not in content and "10." not in content \
            and "@" not in content:
        return escapeHtml(content)
    parts, done = [], 0
    for found in _BARE_URL.finditer(content):  # on the text, then escaped piece by piece
        kind = "email" if found.group("email") else "url"
        parts += [escapeHtml(content[done:found.start()]), f'<span class="{kind}">',
                  escapeHtml(_straight(found.group(0))), "</span>"]
        done = found.end()
    return "".join(parts) + escapeHtml(content[done:])


_STRAIGHT = str.maketrans("‘’“”", "''\"\"")


def _straight(address: str) -> str:
    """An address as written: the typographer's curly quotes turned back (one for one)."""
    return address.translate(_STRAIGHT)


def _footnote_block_open(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    # The References heading written by the author introduces this list: no rule above it.
    return '<section class="footnotes references">\n<ol class="footnotes-list">\n'


def parse(body: str) -> list[Token]:
    """Block and inline tokens of a Markdown body, with source line maps.

    The body is given a final newline if it lacks one (the line maps stay the same):
    mdit-py-plugins' container rule reads past the end of a body that stops on an empty quoted
    line ("> ::: pullquote\n> ") and raised IndexError."""
    env: dict[str, Any] = {}
    return parser().parse(body if body.endswith("\n") else body + "\n", env)


def typographic(text: str) -> str:
    """Plain text (a title, a dek) with the curly quotes and apostrophes the body gets, by the
    parser's own rule (one character for one)."""
    if "'" not in text and '"' not in text:
        return text
    token = Token("text", "", 0, content=text)
    curl_quotes([token], StateCore("", parser(), {}))
    return token.content


def render(tokens: list[Token]) -> str:
    """Sanitised HTML for parsed tokens, image paths as written (see `prefix_images`); a notice
    instead if raw HTML nests too deep to sanitise (`too_deep`)."""
    if too_deep(tokens) is not None:
        return TOO_DEEP
    html = parser().renderer.render(tokens, parser().options, {})
    return sanitize(html)


def source_key(body: str) -> str:
    """The key of a body's rendered HTML in caches (the renderer's version keys the cache)."""
    return hashlib.sha256(body.encode()).hexdigest()


def render_source(body: str) -> str:
    """Sanitised HTML of a Markdown body, as written (no prefixes)."""
    return render(parse(body))


MAX_HTML_DEPTH = 100
"""Elements nested deeper than this in an article's body (lists, quotes and raw HTML together)
are refused (SRC002): no article needs it; the sanitizer's time grows far faster than the depth
(40,000 levels take seconds; the 2 MB an article may have, hours); and WeasyPrint stops with a
RecursionError at about 130 elements, the page's own included."""
MAX_NESTING = MAX_HTML_DEPTH + 20
"""markdown-it's limit on nested blocks (its CommonMark preset's 20 dropped the rest of a list
nested ten deep without a word): above MAX_HTML_DEPTH, so SRC002 reports a body before any of
it is lost."""
_TAG_START = re.compile(r"<!--|<(/?)([A-Za-z][A-Za-z0-9-]*)")
_NOT_NESTING = frozenset({
    # void elements
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
    "track", "wbr",
    # end tags optional: a new one closes the last (<p>, <li>, <td> without their end tags)
    "p", "li", "dt", "dd", "tr", "td", "th", "option", "optgroup", "thead", "tbody", "tfoot",
    "caption", "colgroup", "rb", "rt", "rtc", "rp",
})


def html_depth(html: str, depth: int = 0) -> tuple[int, int]:
    """How deep elements nest in `html`, entered at `depth`: (the deepest, the depth at its
    end). A count of start and end tags, linear in the length (no scan for `>` that a run of
    `<` could make quadratic). Not counted: elements that never nest or close themselves, and
    tags in a comment (or after one left open); counted: tags in an attribute's value (more,
    never less, than a browser would nest)."""
    deepest = depth
    pos = 0
    while (match := _TAG_START.search(html, pos)) is not None:
        pos = match.end()
        if match[2] is None:  # a comment, to its end
            closing = html.find("-->", pos)
            pos = len(html) if closing < 0 else closing + 3
            continue
        if match[2].lower() in _NOT_NESTING:
            continue
        if match[1]:
            depth = max(0, depth - 1)
        else:
            depth += 1
            deepest = max(deepest, depth)
    return deepest, depth


TOO_DEEP = ("<p><strong>[This article's HTML nests elements more than "
            f"{MAX_HTML_DEPTH} deep and is not shown (SRC002).]</strong></p>\n")
"""What is rendered instead of HTML nested past MAX_HTML_DEPTH (only a forced proof shows it:
the gate blocks the article)."""


def too_deep(tokens: list[Token]) -> Token | None:
    """The first block nested past MAX_HTML_DEPTH by Markdown (lists, quotes) and raw HTML
    together (blocks and inline tags, read in order: raw HTML's depth carries from one block to
    the next)."""
    levels = max((_level(token) for token in tokens), default=0)
    if levels + sum(t.content.count("<") for t in tokens if t.type in ("inline", "html_block")) \
            <= MAX_HTML_DEPTH:
        return None  # not levels and tags enough (most articles): no need to look further
    depth = 0  # of raw HTML elements left open
    for token in tokens:
        if _level(token) > MAX_HTML_DEPTH and token.map:
            return token
        if token.type == "html_block":
            pieces = [token.content]
        elif token.type == "inline" and token.children:
            pieces = [child.content for child in token.children if child.type == "html_inline"]
        else:
            continue
        for piece in pieces:
            deepest, end = html_depth(piece, depth + token.level)
            depth = max(0, end - token.level)
            if deepest > MAX_HTML_DEPTH:
                return token
    return None


def _level(token: Token) -> int:
    """How deep a token's elements nest: its block's level, and for a paragraph's text the
    deepest of its inline elements (emphasis in emphasis, links)."""
    if token.type == "inline" and token.children:
        return token.level + max(child.level for child in token.children)
    return token.level


def sanitize(html: str) -> str:
    """Remove scripts, event handlers and unknown tags from HTML that came from authors."""
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        link_rel="noopener noreferrer",
        url_schemes={"http", "https", "mailto", "tel"},
        # Table cells keep their alignment only: a style may hold url(), which readers'
        # browsers and feed readers would fetch (a tracking pixel, a file: URL).
        filter_style_properties={"text-align"},
    )
