"""Inline suppressions: `<!-- pipeline: disable=CODE reason="..." -->` up to
`<!-- pipeline: enable=CODE -->` or the end of the block, and SUP001 for bad ones.

A suppression without a reason suppresses nothing: the reason is what a reviewer reads in the
pull request, so the finding stays and SUP001 asks for it.
"""

from __future__ import annotations

import difflib
import math
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass

from pipeline.checks import Context, Hit, rule
from pipeline.checks.blocks import memo
from pipeline.findings import Finding
from pipeline.model import Article, Position

_COMMENT = re.compile(r"<!--\s*pipeline\s*:(.*?)-->", re.DOTALL | re.IGNORECASE)
"""In any case: `<!-- PIPELINE: DISABLE=... -->` is meant as a directive, and is read as one."""
_DIRECTIVE = re.compile(
    r"^\s*(?P<verb>[A-Za-z-]+)\s*=\s*(?P<codes>[A-Za-z0-9]+(?:\s*,\s*[A-Za-z0-9]+)*)(?P<rest>.*)$",
    re.IGNORECASE | re.DOTALL)
_REASON = re.compile(r"\s+reason\s*[=:]\s*(?P<value>.*)", re.IGNORECASE | re.DOTALL)
"""`reason="..."`; also written `reason: ...`, in curly quotes or none: what the writer means
is plain, and a reviewer reads it the same."""
_QUOTES = {'"': '"', "'": "'", "“": "”", "‘": "’"}
_VERBS = ("disable", "enable")
_MISTYPED = re.compile(r"\s*(?P<word>[A-Za-z][\w-]{2,19}?)\s*[:-]?\s*(?:disable|enable)\b",
                       re.IGNORECASE)
"""A comment that means to be a directive but misspells or mispunctuates `pipeline:`
("pipline: disable=...", "pipeline disable=...", "pipeline-disable ...")."""
_UNSUPPRESSIBLE = "SUP001"
"""The rule that reports suppressions: hiding it would hide the suppressions it reports."""


def _has_directive(body: str) -> bool:
    """A quick test for a `pipeline:` comment, in any case."""
    return "pipeline" in body or "pipeline" in body.lower()


@dataclass(frozen=True)
class Directive:
    verb: str
    codes: tuple[str, ...]
    reason: str
    line: int
    """0-based body line of the comment."""
    column: int
    valid: bool = True
    problem: str = ""
    """What is wrong with a comment not understood, when it can be told."""


@dataclass(frozen=True)
class Suppression:
    code: str
    reason: str
    position: Position
    first_line: int
    last_line: int
    """File lines (1-based, inclusive) the suppression covers."""


@memo
def _code_lines(article: Article) -> set[int]:
    """Body lines inside code blocks, where a directive is an example, not a directive."""
    lines: set[int] = set()
    for token in article.tokens:
        if token.type in ("fence", "code_block") and token.map:
            lines.update(range(*token.map))
    return lines


def directives(article: Article) -> list[Directive]:
    """Every `<!-- pipeline: ... -->` comment in the body, outside code, in order, and every
    comment that misspells one."""
    if "<!--" not in article.body:
        return []
    found = []
    for start, text in _comments(article.body):
        match = _COMMENT.match(article.body, start)
        mistyped = _MISTYPED.match(text) if match is None else None
        if match is None and not (mistyped and _like_pipeline(mistyped["word"])):
            continue
        position = article.position(start)
        line = position.line - article.body_line
        if line in _code_lines(article):
            continue
        if match is not None:
            found.append(_directive(match.group(1), line, position.column))
        elif mistyped is not None:
            found.append(Directive("", (), "", line, position.column, valid=False,
                                   problem=f"`{mistyped['word']}` where `pipeline:` is meant"))
    return found


def _comments(body: str) -> Iterator[tuple[int, str]]:
    """(offset, text) of each HTML comment, found without a regex: an unclosed `<!--` ends the
    search, so a body of many stays linear."""
    start = body.find("<!--")
    while start >= 0:
        end = body.find("-->", start + 4)
        if end < 0:
            return
        yield start, body[start + 4:end]
        start = body.find("<!--", end + 3)


def _like_pipeline(word: str) -> bool:
    word = word.casefold()
    return word == "pipeline" or difflib.SequenceMatcher(None, word, "pipeline").ratio() >= 0.75


def _directive(text: str, line: int, column: int) -> Directive:
    """The directive a `pipeline:` comment's text says, or what is wrong with it."""
    parsed = _DIRECTIVE.match(text)
    if parsed is None:
        return Directive("", (), "", line, column, valid=False)
    verb = parsed["verb"].lower()
    if verb not in _VERBS:
        close = difflib.get_close_matches(verb, _VERBS, n=1)
        return Directive("", (), "", line, column, valid=False,
                         problem=f"`{parsed['verb']}` is no directive"
                                 + (f" (`{close[0]}`?)" if close else ""))
    codes = tuple(c.strip().upper() for c in parsed["codes"].split(","))
    rest = parsed["rest"]
    reason = ""
    if rest.strip():
        given = _REASON.match(rest)
        if given is None:
            return Directive("", (), "", line, column, valid=False,
                             problem=f"`{rest.strip()[:40]}` after the codes is not "
                                     'reason="..."')
        value = given["value"].rstrip()
        closing = _QUOTES.get(value[:1])
        if closing is not None:
            if len(value) < 2 or not value.endswith(closing):
                return Directive("", (), "", line, column, valid=False,
                                 problem="the reason's quotation marks do not close")
            value = value[1:-1]
        reason = value.strip()
    return Directive(verb, codes, reason, line, column)


@memo
def _top_blocks(article: Article) -> list[tuple[int, int, bool]]:
    """(first, end) body lines of each top-level block, footnote definitions included, and
    whether it is only comments, in the order of the source (once per article: every
    directive looks its block up)."""
    blocks = []
    footnote: list[int] | None = None  # the lines of the footnote definition being read
    for token in article.tokens:
        if token.type == "footnote_open":
            footnote = []
        elif token.type == "footnote_close":
            # The parser moves definitions to the end: their lines are those of their blocks.
            if footnote:
                blocks.append((min(footnote), max(footnote), False))
            footnote = None
        elif footnote is not None:
            footnote += token.map or ()
        elif token.level == 0 and token.nesting >= 0 and token.map:
            only_comment = token.type == "html_block" and not _COMMENT.sub(
                "", token.content).strip()
            blocks.append((token.map[0], token.map[1], only_comment))
    return sorted(blocks)


def _block_end(article: Article, line: int) -> int:
    """Last body line a directive on `line` covers without an enable: its block, or the next
    block when the comment stands alone."""
    blocks = _top_blocks(article)
    index = bisect_right(blocks, (line, math.inf)) - 1  # the last block starting at or before
    if index >= 0:
        first, end, only_comment = blocks[index]
        if first <= line < end:
            if only_comment and index + 1 < len(blocks):
                return blocks[index + 1][1] - 1
            return end - 1
    return line


def suppressions(article: Article) -> list[Suppression]:
    """The valid (reasoned) suppressions of an article with the file lines they cover."""
    found = directives(article)
    result = []
    for index, directive in enumerate(found):
        if directive.verb != "disable" or not directive.reason:
            continue
        for code in directive.codes:
            if code == _UNSUPPRESSIBLE:
                continue
            following = (d for d in found[index + 1:] if code in d.codes)
            enable = next((d for d in following if d.verb == "enable"
                           or (d.verb == "disable" and d.reason)), None)
            enable = enable if enable and enable.verb == "enable" else None
            last = enable.line if enable else _block_end(article, directive.line)
            result.append(Suppression(
                code, directive.reason,
                Position(article.body_line + directive.line, directive.column),
                article.body_line + directive.line, article.body_line + last,
            ))
    return result


def apply_suppressions(article: Article, findings: list[Finding],
                       active: set[str]) -> tuple[list[Finding], list[Hit]]:
    """Drop suppressed findings; return the rest and a SUP001 hit per suppression of an
    active rule that suppressed nothing."""
    if not _has_directive(article.body):
        return findings, []
    kept = []
    used: set[Suppression] = set()
    covering = suppressions(article)
    for finding in findings:
        match = next((s for s in covering if s.code == finding.code
                      and s.first_line <= finding.line <= s.last_line), None)
        if match is None:
            kept.append(finding)
        else:
            used.add(match)
    unused = [s for s in covering if s not in used and s.code in active]
    lines: dict[str, list[int]] = {}  # by code, the lines of the findings kept
    for finding in kept if unused else ():
        lines.setdefault(finding.code, []).append(finding.line)
    return kept, [_unused(article, s, sorted(lines.get(s.code, ()))) for s in unused]


def _unused(article: Article, suppression: Suppression, lines: list[int]) -> Hit:
    """A suppression that suppressed nothing; when a finding of its rule (on one of `lines`,
    sorted) stands in the block right above it, the comment was put after the passage
    instead of before."""
    above = _block_above(article, suppression.first_line - article.body_line)
    missed = None
    if above is not None:
        at = bisect_left(lines, article.body_line + above[0])
        if at < len(lines) and lines[at] < article.body_line + above[1]:
            missed = lines[at]
    if missed is not None:
        return Hit(f"the suppression of {suppression.code} suppresses nothing: it stands below "
                   f"the finding on line {missed}, and covers only the text after it",
                   suppression.position,
                   hint=f"Move the comment above line {missed}, before the passage it is for.")
    return Hit(f"the suppression of {suppression.code} suppresses nothing", suppression.position,
               hint="Remove the comment, or move it to the passage the finding is on.")


def _block_above(article: Article, line: int) -> tuple[int, int] | None:
    """(first, end) body lines of the last block of text that ends at or before `line`."""
    blocks = _top_blocks(article)
    index = bisect_right(blocks, (line, math.inf)) - 1  # the last block starting at or before
    while index >= 0:  # back past the comment's own block and comments above it
        first, end, only_comment = blocks[index]
        if end <= line and not only_comment:
            return first, end
        index -= 1
    return None


@rule(
    "SUP001", "bad-suppression", "warning",
    why="A suppression hides a finding from CI; the reason is what a reviewer reads in the "
        "pull request. One without a reason, naming no rule, or hiding nothing is an "
        "unexplained exception to editorial policy.",
    example='<!-- pipeline: disable=CLM002 -->  (no reason="...")',
    fix='Add reason="..." saying why the passage is fine, or remove the comment.',
)
def bad_suppression(article: Article, ctx: Context) -> Iterator[Hit]:
    """A suppression comment without a reason, naming an unknown rule or SUP001 itself, an
    enable with no disable before it, a comment not understood, or one that misspells
    `pipeline:` (which would otherwise hide a broken suppression: the finding stays and
    nobody is told why)."""
    from pipeline.checks.registry import BY_CODE

    disabled: set[str] = set()  # codes a disable above has named
    for directive in directives(article):
        position = Position(article.body_line + directive.line, directive.column)
        if not directive.valid:
            yield Hit("a `pipeline:` comment that is not understood"
                      + (f": {directive.problem}" if directive.problem else ""), position,
                      hint='Write `<!-- pipeline: disable=CODE reason="..." -->` or '
                           "`<!-- pipeline: enable=CODE -->`.")
            continue
        for code in directive.codes:
            if code not in BY_CODE:
                yield Hit(f"the suppression names no rule `{code}`", position,
                          hint="`pipeline rules` lists the codes.")
        if directive.verb == "disable" and not directive.reason:
            yield Hit(f"suppression of {', '.join(directive.codes)} without a reason; it is "
                      "ignored", position,
                      hint='Add reason="..." saying why the passage is fine.')
        elif directive.verb == "disable" and _UNSUPPRESSIBLE in directive.codes:
            yield Hit(f"{_UNSUPPRESSIBLE} cannot be suppressed: it reports the suppressions",
                      position, hint="Fix the suppression it reports instead.")
        if directive.verb == "enable":
            unopened = [code for code in directive.codes if code in BY_CODE
                        and code not in disabled]
            if unopened:
                yield Hit(f"`enable={','.join(unopened)}` ends no suppression: no disable of it "
                          "comes before", position,
                          hint="Remove the comment, or restore the disable it closes.")
        if directive.verb == "disable":
            disabled.update(directive.codes)
