"""The `pipeline` command. Each command is a few lines calling the real function; only this
module turns results and exceptions into output and exit codes (0 ok, 1 findings, 2 problem)."""

from __future__ import annotations

import json
import sys
import uuid
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from pipeline import findings as fmt
from pipeline import gate, settings
from pipeline.errors import PipelineError

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Check, build and publish the magazine.")


class Format(StrEnum):
    text = "text"
    json = "json"
    github = "github"


def _settings() -> settings.Settings:
    root = settings.find_root(Path.cwd())
    return settings.load(root / "publication.toml")


def _fail(exc: PipelineError) -> typer.Exit:
    typer.echo(f"error: {exc}", err=True)
    return typer.Exit(2)


def _print_findings(report_findings: list[fmt.Finding], sources: dict[str, list[str]],
                    output: Format) -> None:
    if output is Format.json:
        typer.echo(fmt.format_json(report_findings))
    elif output is Format.github:
        text = fmt.format_github(report_findings)
        if text:
            typer.echo(text)
    else:
        typer.echo(fmt.format_text(report_findings, sources))


@app.command()
def check(
    paths: Annotated[list[Path] | None, typer.Argument(help="Files or folders; default: all.")]
    = None,
    output: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.text,
    strict: Annotated[bool, typer.Option(help="Warnings fail too.")] = False,
) -> None:
    """Run the pre-submission checks; exit 1 on errors (with --strict, on warnings too)."""
    try:
        report = gate.check(_settings(), paths or None)
    except PipelineError as exc:
        raise _fail(exc) from None
    _print_findings(report.findings, report.sources, output)
    raise typer.Exit(fmt.exit_code(report.findings, strict))


@app.command()
def build(
    edition: Annotated[str | None, typer.Argument(help="Edition id YYYY-MM; default: latest.")]
    = None,
    only: Annotated[str | None, typer.Option(help="Comma-separated: pdf,web,feed.")] = None,
    out: Annotated[Path | None, typer.Option(help="Output folder (default build/).")] = None,
    force: Annotated[bool, typer.Option(help="Render despite gate errors.")] = False,
) -> None:
    """Run the gate, then render the edition's PDFs, the site and the feed."""
    from pipeline.build import build as run_build

    try:
        result = run_build(_settings(), edition, set(only.split(",")) if only else None,
                           out, force)
    except PipelineError as exc:
        raise _fail(exc) from None
    blocking = [f for f in result.findings if f.severity is fmt.Severity.ERROR]
    if result.blocked:
        typer.echo(fmt.format_text(blocking, result.sources))
        typer.echo(f"build of {result.edition} blocked by {len(blocking)} error(s); "
                   "fix them or use --force for a marked proof", err=True)
        raise typer.Exit(1)
    tally = fmt.counts(result.findings)
    typer.echo(
        f"{result.edition}: {result.articles} articles, {result.pages} pages "
        f"({result.fillers} house-ad pages), {len(result.written)} files written in "
        f"{result.seconds:.1f}s; checks: {tally['error']} errors, {tally['warning']} warnings, "
        f"{tally['suggestion']} suggestions"
    )
    for warning in result.warnings:
        typer.echo(f"warning: {warning}", err=True)


@app.command()
def newsletter(
    edition: Annotated[str, typer.Argument(help="Edition id YYYY-MM.")],
    send: Annotated[bool, typer.Option("--send", help="Send it (default: only build).")]
    = False,
    smtp: Annotated[str | None, typer.Option(help="SMTP server HOST:PORT.")] = None,
    to: Annotated[list[str] | None, typer.Option(help="Recipient; repeatable.")] = None,
    recipients: Annotated[Path | None, typer.Option("--list", help="CSV with an email column.")]
    = None,
) -> None:
    """Build the edition's newsletter; with --send, mail it (resumable, rate-limited)."""
    from pipeline import mailer
    from pipeline.build import build as run_build

    try:
        config = _settings()
        result = run_build(config, edition, {"newsletter"})
        if result.blocked:
            typer.echo(f"newsletter of {edition} blocked by gate errors; run `pipeline check`",
                       err=True)
            raise typer.Exit(1)
        typer.echo(f"{edition}: newsletter written to build/{edition}/")
        if not send:
            return
        if smtp is None or not (to or recipients):
            raise typer.BadParameter("--send needs --smtp HOST:PORT and --to ADDR or --list FILE")
        addresses = list(to or []) + (mailer.read_list(recipients) if recipients else [])
        bad = [a for a in addresses if not mailer.valid_address(a)]
        if bad:
            raise typer.BadParameter(f"not an email address: {bad[0]!r}")
        report = mailer.send_edition(config, edition, addresses, mailer.server_from(smtp))
    except PipelineError as exc:
        raise _fail(exc) from None
    typer.echo(f"sent {len(report.sent)}, already sent earlier {len(report.skipped)}")


@app.command()
def serve(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 8000,
) -> None:
    """Preview the site on 127.0.0.1, rebuilding the web pages and feeds on every change."""
    from pipeline.build import build as run_build
    from pipeline.serve import serve as run_server

    def rebuild() -> None:
        try:
            result = run_build(config, None, {"web", "feed"}, force=True)
        except PipelineError as exc:
            typer.echo(f"error: {exc}", err=True)
            return
        typer.echo(f"rebuilt: {len(result.written)} files changed in {result.seconds:.1f}s")

    try:
        config = _settings()
        rebuild()
        run_server(config.root, config.root / "build" / "site", port, rebuild)
    except PipelineError as exc:
        raise _fail(exc) from None
    except OSError as exc:
        typer.echo(f"error: cannot serve on 127.0.0.1:{port}: {exc.strerror}", err=True)
        raise typer.Exit(2) from None


@app.command()
def schema() -> None:
    """Print the article front matter as JSON Schema, for editors' tooling."""
    from pipeline.content import front_matter_schema

    typer.echo(json.dumps(front_matter_schema(), indent=2))


@app.command()
def new(
    title: Annotated[str, typer.Argument(help="The article's headline.")],
    kind: Annotated[str, typer.Option(help="A kind from publication.toml.")] = "article",
    edition: Annotated[str | None, typer.Option(help="Edition YYYY-MM; default: web-only.")]
    = None,
) -> None:
    """Scaffold an article with every required field and a fresh id."""
    from pipeline.scaffold import scaffold

    try:
        path = scaffold(_settings(), title, kind, edition, date.today(), uuid.uuid4())
    except PipelineError as exc:
        raise _fail(exc) from None
    typer.echo(str(path))


def main() -> None:  # pragma: no cover - console entry point
    sys.exit(app())
