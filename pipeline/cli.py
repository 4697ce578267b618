"""The `pipeline` command. Each command is a few lines calling the real function; only this
module turns results and exceptions into output and exit codes (0 ok, 1 findings, 2 problem)."""

from __future__ import annotations

import json
import signal
import sys
import uuid
from datetime import date
from enum import StrEnum
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from pipeline import findings as fmt
from pipeline.errors import PipelineError, UsageProblem

if TYPE_CHECKING:
    from pipeline import settings

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Check, build and publish the magazine.")


class Format(StrEnum):
    text = "text"
    json = "json"
    github = "github"
    sarif = "sarif"


class ListFormat(StrEnum):
    text = "text"
    json = "json"


def _settings() -> settings.Settings:
    # Imported here, like every heavy module: a build of unchanged sources needs none of them.
    from pipeline import settings
    from pipeline.root import find_root

    return settings.load(find_root(Path.cwd()) / "publication.toml", _rule_problems)


def _rule_problems(tables: object) -> list[settings.Problem]:
    """The `[rules]` tables' problems, when the rest of publication.toml has some: imports the
    rules, which a build of unchanged sources never needs."""
    from pipeline.checks import rule_problems

    return rule_problems(tables)


@app.callback()
def _on_every_command() -> None:
    """Check, build and publish the magazine."""
    signal.signal(signal.SIGTERM, _terminated)


def _terminated(signum: int, frame: FrameType | None) -> NoReturn:
    """SIGTERM (a CI job's time limit, `timeout`) ends the run as Ctrl-C would: temporary
    files are removed, locks released and worker processes stopped, with the usual 128 + 15."""
    raise SystemExit(128 + signum)


def _fail(exc: PipelineError) -> typer.Exit:
    typer.echo(f"error: {exc}", err=True)
    return typer.Exit(2)


def _print_findings(report_findings: list[fmt.Finding], sources: dict[str, list[str]],
                    output: Format) -> None:
    if output is Format.json:
        typer.echo(fmt.format_json(report_findings))
    elif output is Format.sarif:
        from pipeline import __version__
        from pipeline.checks.catalogue import rule_help

        typer.echo(fmt.format_sarif(report_findings, rule_help(), __version__))
    elif output is Format.github:
        text = fmt.format_github(report_findings)
        if text:
            typer.echo(text)
    elif sys.stdout.isatty():
        from rich.console import Console

        Console(highlight=False, soft_wrap=True).print(
            fmt.format_text(report_findings, sources, markup=True))
    else:
        typer.echo(fmt.format_text(report_findings, sources))


@app.command()
def check(
    paths: Annotated[list[Path] | None, typer.Argument(help="Files or folders; default: all.")]
    = None,
    output: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.text,
    strict: Annotated[bool, typer.Option(help="Warnings fail too.")] = False,
    changed_since: Annotated[str | None, typer.Option(
        help="Check only articles changed since this git ref (e.g. origin/main).")] = None,
) -> None:
    """Run the pre-submission checks; exit 1 on errors (with --strict, on warnings too)."""
    from pipeline import checkrun
    from pipeline.root import find_root

    try:
        found, sources = checkrun.run(find_root(Path.cwd()), paths or [], changed_since)
    except PipelineError as exc:
        raise _fail(exc) from None
    _print_findings(found, sources, output)
    raise typer.Exit(fmt.exit_code(found, strict))


@app.command("rules")
def list_rules(
    output: Annotated[ListFormat, typer.Option("--format", help="Output format.")]
    = ListFormat.text,
) -> None:
    """List every rule: code, name, default severity, lifecycle and what it detects."""
    from pipeline.checks.catalogue import catalogue_json, catalogue_text

    typer.echo(catalogue_json() if output is ListFormat.json else catalogue_text())


@app.command("rule")
def explain_rule(code: Annotated[str, typer.Argument(help="A rule code, e.g. TXT003.")]) -> None:
    """Explain one rule: what it detects, why, an example, how to fix, how to suppress."""
    from pipeline.checks.catalogue import explain

    text = explain(code)
    if text is None:
        typer.echo(f"error: no rule {code.upper()}; `pipeline rules` lists them", err=True)
        raise typer.Exit(2)
    typer.echo(text)


@app.command()
def build(
    edition: Annotated[str | None, typer.Argument(help="Edition id YYYY-MM; default: latest.")]
    = None,
    only: Annotated[str | None, typer.Option(help="Comma-separated: pdf,web,feed.")] = None,
    out: Annotated[Path | None, typer.Option(help="Output folder (default build/).")] = None,
    force: Annotated[bool, typer.Option(help="Render despite gate errors.")] = False,
) -> None:
    """Run the gate, then render the edition's PDFs, the site and the feed."""
    from pipeline import stamp
    from pipeline.root import find_root

    outputs = {name.strip() for name in only.split(",") if name.strip()} if only is not None \
        else set(stamp.OUTPUTS)
    if not outputs:
        typer.echo(f"error: --only names no output; choose from {', '.join(stamp.OUTPUTS)}",
                   err=True)
        raise typer.Exit(2)
    try:
        root = find_root(Path.cwd())
        _check_out(out, root)
        result, digest = stamp.cached(root, (out or root / "build").resolve(), outputs,
                                      edition, force)
        if result is None:
            from pipeline.build import build as run_build

            result = run_build(_settings(), edition, outputs, out, force, digest)
    except PipelineError as exc:
        raise _fail(exc) from None
    blocking = [f for f in result.findings if f.severity is fmt.Severity.ERROR]
    if result.blocked:
        typer.echo(fmt.format_text(blocking, result.sources))
        typer.echo(f"build of {result.edition} blocked by {len(blocking)} error(s); "
                   "fix them or use --force for a marked proof", err=True)
        raise typer.Exit(1)
    tally = fmt.counts(result.findings)
    printed = (f"{result.articles} articles, {result.pages} pages ({result.fillers} house-ad "
               f"pages{'; PDFs up to date' if result.pdf_cached else ''}), ")
    typer.echo(
        f"{result.edition}: {printed if result.pages else ''}"
        f"{len(result.written)} files written"
        f"{' (site up to date)' if result.site_cached else ''} in "
        f"{result.seconds:.1f}s; checks: {tally['error']} errors, {tally['warning']} warnings, "
        f"{tally['suggestion']} suggestions"
    )
    for warning in result.warnings:
        typer.echo(f"warning: {warning}", err=True)


def _check_out(out: Path | None, root: Path) -> None:
    """An output folder a build may fill and prune: not the project or a folder above it, nor
    one of the folders the project's sources live in (an empty --out is the current folder)."""
    if out is None:
        return
    folder, project = out.resolve(), root.resolve()
    sources = [project / name for name in ("articles", "layouts", "pipeline", "tests")]
    if project.is_relative_to(folder) or any(folder.is_relative_to(s) for s in sources):
        raise UsageProblem(f"--out {out}: a build would write among the "
                           "project's own files; name a folder of its own, such as build/")


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
        if send:  # the arguments are checked before anything is built
            if smtp is None or not (to or recipients):
                raise typer.BadParameter("--send needs --smtp HOST:PORT and --to ADDR or "
                                         "--list FILE")
            addresses = list(to or []) + (mailer.read_list(recipients) if recipients else [])
            bad = [a for a in addresses if not mailer.valid_address(a)]
            if bad:
                raise typer.BadParameter(f"not an email address: {bad[0]!r}")
            if not addresses:
                raise typer.BadParameter(f"{recipients} lists no addresses")
            server = mailer.server_from(smtp)
        result = run_build(config, edition, {"newsletter"})
        if result.blocked:
            typer.echo(f"newsletter of {edition} blocked by gate errors; run `pipeline check`",
                       err=True)
            raise typer.Exit(1)
        typer.echo(f"{edition}: newsletter written to build/{edition}/")
        if not send:
            return
        report = mailer.send_edition(config, edition, addresses, server)
    except PipelineError as exc:
        raise _fail(exc) from None
    typer.echo(f"sent {len(report.sent)}, already done earlier {len(report.skipped)}"
               + (f", refused by the server {len(report.refused)}: {', '.join(report.refused)}"
                  if report.refused else ""))


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



class ReportFormat(StrEnum):
    text = "text"
    json = "json"


@app.command()
def preflight(
    pdf: Annotated[Path, typer.Argument(help="The print PDF to verify.")],
    output: Annotated[ReportFormat, typer.Option("--format", help="Output format.")]
    = ReportFormat.text,
    budget: Annotated[int | None, typer.Option(
        help="Page budget (at least 4, as in edition.toml); default: the edition's.",
        min=4)] = None,
) -> None:
    """Verify a print PDF (PRN001-PRN007); exit 1 if it fails, 2 if it is not a PDF."""
    from pipeline import preflight as checks

    try:
        project = _settings()
        budgets = checks.edition_budget(project.root, pdf)
        spec = checks.PrintSpec.from_settings(
            project.print, budget if budget is not None else budgets.edition, budgets.articles)
        found = checks.preflight(pdf, spec)
    except PipelineError as exc:
        raise _fail(exc) from None
    if output is ReportFormat.json:
        typer.echo(fmt.format_json(found))
    else:
        typer.echo(fmt.format_text(found))
    raise typer.Exit(fmt.exit_code(found))


@app.command()
def proof(
    edition: Annotated[str | None, typer.Argument(help="Edition id YYYY-MM; default: latest.")]
    = None,
    out: Annotated[Path | None, typer.Option(help="Output folder (default build/).")] = None,
) -> None:
    """Render a contact sheet of the built print PDF's spreads as PNG, for an editor's review."""
    from pipeline.build import proof as run_proof

    try:
        sheet = run_proof(_settings(), edition, out)
    except PipelineError as exc:
        raise _fail(exc) from None
    typer.echo(str(sheet))


def main() -> None:  # pragma: no cover - console entry point
    sys.exit(app())
