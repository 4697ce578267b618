"""Property tests: whatever an author pastes, the pipeline answers without crashing or leaking."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, example, given
from hypothesis import settings as examples
from hypothesis import strategies as st

from pipeline import markdown
from pipeline.checks import Context, check_article
from pipeline.checks.links import _PLAIN_WEB_ADDRESS, _malformed, _why_malformed
from pipeline.checks.registry import RULES
from pipeline.content import load_article
from pipeline.render import css_string
from pipeline.settings import Settings

FRONT = "---\ntitle: T\nauthors: [Ann Lee]\ndate: 2022-10-01\nsection: News\n---\n"
MARKDOWN_BITS = st.sampled_from([
    "# ", "## ", "### ", "- ", "1. ", "> ", "```\n", "::: pullquote\n", ":::\n", "[^1]",
    "[^1]: Source. https://doi.org/10.1/x\n", "![alt](images/x.jpg)", "[link](http://a.b)",
    "<script>alert(1)</script>", '<img src=x onerror="alert(1)">', "<a href='javascript:x'>",
    '<table><tr><td style="background:url(http://tracker.example/p.png); text-align:right">'
    "x</td></tr></table>\n",
    "|a|b|\n|--:|:-:|\n|1|2|\n",
    "*", "_", "`", "|a|b|\n|-|-|\n", "\n\n", "Call Welltopia Pharmacy at 262-429-9429",
    "naltrexone 4.5 mg", "studies show", "we conclude", "“", "(", "]", "TK", "<!-- pipeline: "
    "disable=CLM001 -->", "<!-- pipeline: enable=CLM001 -->", "Skip to main content\n",
])
BODIES = st.lists(st.one_of(MARKDOWN_BITS, st.text(max_size=40)), max_size=30).map("".join)


@given(st.binary(max_size=600))
@examples(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_bytes_load_without_raising(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "a.md"
    path.write_bytes(data)
    article = load_article(path, tmp_path)
    assert article.problem is not None or article.meta is not None or article.meta_errors


@given(BODIES)
@examples(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_every_rule_survives_any_body(tmp_path: Path, settings: Settings, body: str) -> None:
    path = tmp_path / "a.md"
    path.write_text(FRONT + body, encoding="utf-8")
    article = load_article(path, tmp_path)
    findings = check_article(article, Context(settings), RULES)
    lines = len(article.lines)
    for finding in findings:
        assert 1 <= finding.line <= max(lines, 1), finding
        assert finding.column >= 1, finding


@given(BODIES)
@examples(max_examples=200)
def test_rendered_html_never_carries_scripts(body: str) -> None:
    # Parsed, not searched: an escaped "&lt;img onerror=...&gt;" in a code span is text.
    tags = _Tags()
    tags.feed(markdown.render(markdown.parse(body)))
    assert "script" not in {tag for tag, _ in tags.found}
    for tag, attrs in tags.found:
        assert not [name for name, _ in attrs if name.startswith("on")], tag
        assert not [value for _, value in attrs
                    if (value or "").strip().lower().startswith("javascript:")], tag
        assert not [value for name, value in attrs if name == "style" and value not in
                    ("text-align:left", "text-align:right", "text-align:center")], tag


def test_table_cells_keep_their_alignment_and_no_other_style() -> None:
    """A style can fetch (url()): raw HTML cells keep only text-align, as Markdown's do."""
    html = markdown.render_source(
        '<table><tr><td style="background:url(http://tracker.example/p.png); '
        'text-align:right">1</td><th style="background-image:url(file:///etc/passwd)">2</th>'
        "</tr></table>\n\n| a | b |\n|--:|:-:|\n| 1 | 2 |\n")
    assert "url(" not in html and "tracker" not in html and "passwd" not in html
    assert html.count('style="text-align:right"') == 3 and 'style="text-align:center"' in html


class _Tags(HTMLParser):
    """Every start tag of a document with its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs))


@given(st.text(max_size=60))
def test_css_strings_cannot_break_out(value: str) -> None:
    quoted = str(css_string(value))
    inner = quoted[1:-1]
    assert quoted[0] == quoted[-1] == '"'
    assert '"' not in inner and "<" not in inner and "\n" not in inner


URL_BITS = st.sampled_from(["http://", "https://", "HTTP://", "mailto:", "//", "Ex.AMPLE.org",
                            "/path", "?q=a+b&c", "#frag", "%4", "%zz", "%2F", "[x]", "@", ":80",
                            ":", "9", "é", "❤", " ", "(", ")", "'", "~", "\\", "javascript:"])


@examples(max_examples=500)
@given(st.lists(st.one_of(URL_BITS, st.text(max_size=6), st.text(
    st.characters(min_codepoint=33, max_codepoint=126), max_size=12)), max_size=8).map("".join))
@example("https://@s")
@example("https://9(:7")
@example("https://user@host/p")
def test_link_normalizer_shortcut_changes_nothing(url: str) -> None:
    """Skipping markdown-it's normalizer for plain URLs gives what the normalizer gives."""
    from markdown_it import MarkdownIt

    assert markdown.parser().normalizeLink(url) == MarkdownIt().normalizeLink(url)


@given(st.from_regex(r"[A-Za-z]{1,18}", fullmatch=True))
@example("area")
@example("Naltrexone")
@example("readability")
@example("compounded")
def test_syllables_follow_pyphen(word: str) -> None:
    """READ001 walks pyphen's en_US patterns itself (much faster than calling it per word):
    the count must stay pyphen's hyphenation points plus one, through pyphen upgrades."""
    import pyphen

    from pipeline.checks.readability import syllables

    expected = len(pyphen.Pyphen(lang="en_US", left=1, right=1).positions(word)) + 1
    assert syllables(word) == expected


def test_pattern_tree_reads_what_pyphen_reads() -> None:
    """READ001 reads pyphen's en_US dictionary file itself (pyphen's own parse is slower): the
    tree must hold exactly the patterns and values pyphen reads from it, through upgrades."""
    import pyphen

    from pipeline.checks.readability import _pattern_tree

    expected: dict[str, Any] = {}
    for pattern, (offset, values) in pyphen.Pyphen(lang="en_US").hd.patterns.items():
        node = expected
        for char in pattern:
            node = node.setdefault(char, {})
        node[""] = tuple((index, value) for index, value in enumerate(values, offset) if value)
    assert _pattern_tree() == expected


@given(st.one_of(st.from_regex(_PLAIN_WEB_ADDRESS, fullmatch=True), st.text(max_size=30)))
@example("https://example.org/page")
@example("https://a.b/x@y:1?q#f")
@example("https://a.b/\x01")
def test_plain_web_address_shortcut_changes_nothing(href: str) -> None:
    """LNK002 takes a plain web address as well-formed without parsing it: the full check
    finds nothing wrong with any."""
    assert _malformed(href) == _why_malformed(href)


@given(st.text(alphabet="ab ](<>:/`\"-!\nhtps", max_size=60))
@example("[a](http://x) <b> `c`")
def test_masked_skips_only_what_cannot_match(content: str) -> None:
    """`masked` skips its link-target search in a text with none of the strings every match
    holds: the result is the search's."""
    from pipeline.checks.paragraphs import _LINK_TARGET, _blank, masked, without_code

    assert masked(content) == _LINK_TARGET.sub(_blank, without_code(content))


def _mask_by_patterns(source: str) -> str:
    """`prose.mask` as it was: every pattern's spans (emphasis marks as one more pattern),
    their union blanked. `_inline_html` stands for the pattern `<[^>\\n]+>` (the same spans,
    in linear time)."""
    import re

    from pipeline.checks.prose import _MASKS, _inline_html

    assert [finder for finder, _ in _MASKS if not isinstance(finder, re.Pattern)] == \
        [_inline_html]
    patterns = [finder if isinstance(finder, re.Pattern) else re.compile(r"<[^>\n]+>")
                for finder, _ in _MASKS] + [re.compile(r"[*_`~][*_`~]*")]
    text = source.replace("’", "'").replace("‘", "'")
    blanked = [False] * len(text)
    for pattern in patterns:
        for match in pattern.finditer(source):
            start, end = match.span()
            keep_start, keep_end = match.span("keep") if "keep" in pattern.groupindex else (
                end, end)
            if keep_start < 0:
                keep_start = keep_end = end
            for index in [*range(start, keep_start), *range(keep_end, end)]:
                blanked[index] = True
    return "".join(" " if blank else char for char, blank in zip(text, blanked, strict=True))


@given(st.text(alphabet="ab1 \t\n[]()^!<>{}#.:/-*+_`~’‘\"", max_size=80))
@example("**Dr. Smith** said [the `study`](https://x.org/a_b) ~~was~~ {#id} <b>ok</b>")
@example("  > 1. *item* [^note] <https://a.b>")
def test_mask_blanks_the_union_of_its_patterns(source: str) -> None:
    """`mask` blanks emphasis and code marks with a table and skips patterns whose text is
    absent: the result is the union of every pattern's spans, blanked."""
    from pipeline.checks.prose import mask

    assert mask(source) == _mask_by_patterns(source)


_TERM = st.text(alphabet="ab -'é(", max_size=8)


@given(st.lists(_TERM, max_size=6), st.frozensets(st.sampled_from(["a", "b", "ab", "ba", "é"])),
       st.booleans())
@example(["a b", "ab"], frozenset({"a"}), True)
@example(["", "a"], frozenset(), True)
def test_may_hold_tests_words_as_term_by_term(terms: list[str], words: frozenset[str],
                                              literal: bool) -> None:
    """`may_hold` tests the terms of one word as one set: the answer is the term-by-term
    test's (every word of some term among the words; a term beyond plain words always)."""
    import re

    from pipeline.checks.prose import _PLAIN_PHRASE, may_hold, phrases_may_hold

    expected = any(
        not (term.isascii() and (literal or _PLAIN_PHRASE.fullmatch(term)))
        or set(re.findall(r"\w+", term.lower())) <= words for term in terms)
    assert (may_hold if literal else phrases_may_hold)(words, terms) == expected


@given(st.text())
@example("Naltrexone (LDN), 4.5 mg—twice_daily; İstanbul\u1680ſ“quoted”\x1cend")
def test_word_set_finds_the_runs_of_word_characters(text: str) -> None:
    """`word_set` blanks what is not a word character and splits on white space: the words
    are the runs of \\w that the regex finds."""
    import re

    from pipeline.checks.prose import caseless, word_set

    assert word_set(text) == frozenset(re.findall(r"\w+", caseless(text)))


def test_a_container_left_open_at_the_end_of_a_quote_parses() -> None:
    """Found by the property above: mdit-py-plugins' container rule read past the end of a
    body that stops on an empty quoted line, a traceback instead of a parse."""
    for body in ("> ::: pullquote\n> ", "> > ::: sidebar\n> > ", "- > ::: pullquote\n  > "):
        tokens = markdown.parse(body)
        assert any(token.type == "blockquote_open" for token in tokens), body


@given(st.text(alphabet="ab1 \n'\"’-.(*`[]!", max_size=120), st.integers(1, 7))
@examples(max_examples=300)
def test_smartquotes_in_pieces_curl_as_markdown_it_does(body: str, piece: int) -> None:
    """`markdown._smartquotes` cuts long text into pieces (here of 1 to 7 characters, so every
    kind of cut is tried) for speed: the quotes come out as markdown-it's own rule curls them."""
    import pytest
    from markdown_it.rules_core.smartquotes import smartquotes

    def contents(rule: Any) -> list[str]:
        parser = markdown.parser()
        parser.core.ruler.at("smartquotes", rule)
        try:
            tokens = parser.parse(body)
        finally:
            parser.core.ruler.at("smartquotes", markdown._smartquotes)
        return [t.content for token in tokens for t in [token, *(token.children or [])]]

    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(markdown, "_QUOTE_PIECE", piece)
        assert contents(markdown._smartquotes) == contents(smartquotes)
