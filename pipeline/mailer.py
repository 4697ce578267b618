"""Sending the newsletter over SMTP: STARTTLS, credentials from the environment, a rate limit,
and a send log that makes an interrupted send resumable.

The log (build/<edition>/newsletter-send.log) gets `try ADDRESS` before each message and
`sent ADDRESS` once the server accepted it, each flushed to disk. A resumed send skips `sent`
addresses and re-sends `try`-only ones (the server may or may not have taken them) with the
same Message-ID, so a provider that saw the first attempt collapses the two. Nobody is skipped.
"""

from __future__ import annotations

import csv
import os
import smtplib
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parseaddr
from pathlib import Path

from pipeline.errors import ConfigError, EnvironmentProblem
from pipeline.render.newsletter import Newsletter, unsubscribe_token
from pipeline.settings import Settings

USER_VARIABLE = "PIPELINE_SMTP_USER"
PASSWORD_VARIABLE = "PIPELINE_SMTP_PASSWORD"
SECRET_VARIABLE = "PIPELINE_NEWSLETTER_SECRET"
"""Key for readers' unsubscribe tokens; the unsubscribe endpoint must use the same one."""


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    user: str | None = None
    password: str | None = None


@dataclass
class SendReport:
    sent: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    """Already sent by an earlier run, according to the log."""
    refused: list[str] = field(default_factory=list)
    """Addresses the server refused for good (5xx on RCPT): logged, not retried."""


def server_from(spec: str) -> Server:
    """HOST:PORT from the command line; credentials from the environment when both are set."""
    host, _, port = spec.rpartition(":")
    if not host or not port.isdecimal() or not 0 < int(port) < 65536:
        raise ConfigError(f"--smtp {spec!r}: expected HOST:PORT (a port from 1 to 65535), "
                          "e.g. smtp.example.org:587")
    user, password = os.environ.get(USER_VARIABLE), os.environ.get(PASSWORD_VARIABLE)
    return Server(host, int(port), user or None, password or None)


def secret_from_environment() -> str:
    secret = os.environ.get(SECRET_VARIABLE, "")
    if len(secret) < 16:
        raise ConfigError(f"set {SECRET_VARIABLE} (16+ characters) to sign readers' "
                          "unsubscribe links")
    return secret


def read_list(path: Path) -> list[str]:
    """Addresses from a CSV with an `email` column; a bad row stops with its line number."""
    try:
        with path.open(encoding="utf-8", newline="") as stream:
            rows = list(csv.DictReader(stream))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ConfigError(f"{path}: cannot be read as CSV ({exc})") from None
    if rows and "email" not in rows[0]:
        raise ConfigError(f"{path}:1: no `email` column in the header")
    addresses = []
    for line, row in enumerate(rows, 2):
        address = (row.get("email") or "").strip()
        if not valid_address(address):
            raise ConfigError(f"{path}:{line}: not an email address: {address!r}")
        addresses.append(address)
    return list(dict.fromkeys(addresses))


def valid_address(address: str) -> bool:
    name, spec = parseaddr(address)
    local, _, domain = spec.rpartition("@")
    return bool(local) and "." in domain and spec == address and not name


class SendInterrupted(EnvironmentProblem):
    """Raised by `send` when the server or the connection fails in the middle of a list."""


class SendLog:
    """Append-only record of attempts and deliveries, fsynced line by line."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sent: set[str] = set()
        self.refused: set[str] = set()
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                state, _, address = line.partition(" ")
                if state == "sent":
                    self.sent.add(address)
                elif state == "refused":
                    self.refused.add(address)

    def record(self, state: str, address: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as stream:
            stream.write(f"{state} {address}\n")
            stream.flush()
            os.fsync(stream.fileno())
        if state == "sent":
            self.sent.add(address)
        elif state == "refused":
            self.refused.add(address)

    def done(self, address: str) -> bool:
        """Delivered, or refused for good: a resumed send leaves it alone."""
        return address in self.sent or address in self.refused


def send(letter: Newsletter, recipients: list[str], server: Server, log: SendLog,
         secret: str, per_minute: int, sleep: Callable[[float], None] = time.sleep) -> SendReport:
    """Send one message per recipient not yet logged as sent, at most `per_minute` a minute."""
    report = SendReport(skipped=[r for r in recipients if log.done(r)])
    pending = [r for r in recipients if not log.done(r)]
    if not pending:
        return report
    interval = 60.0 / per_minute
    with _connect(server) as smtp:
        last = -interval
        for address in pending:
            wait = last + interval - time.monotonic()
            if wait > 0:
                sleep(wait)
            last = time.monotonic()
            message = letter.message(address, unsubscribe_token(address, secret))
            log.record("try", address)
            try:
                smtp.send_message(message, to_addrs=[address])
            except smtplib.SMTPRecipientsRefused as exc:
                code = next(iter(exc.recipients.values()))[0]
                if code < 500:
                    raise SendInterrupted(
                        f"the server deferred {address} ({code}); run the same command again "
                        "later to resume from the send log") from None
                # One bad address (mailbox gone) must not stop the rest of the list.
                log.record("refused", address)
                report.refused.append(address)
                continue
            except (OSError, smtplib.SMTPException) as exc:
                raise SendInterrupted(
                    f"sending stopped at {address} after {len(report.sent)} message(s) ({exc}); "
                    "run the same command again to resume from the send log") from None
            log.record("sent", address)
            report.sent.append(address)
    return report


def send_edition(settings: Settings, edition_id: str, recipients: list[str],
                 server: Server) -> SendReport:
    """Send the edition's newsletter, logging to build/<edition>/newsletter-send.log."""
    from pipeline.build import build_newsletter

    letter = build_newsletter(settings, edition_id)
    assert settings.newsletter is not None
    log = SendLog(settings.root / "build" / edition_id / "newsletter-send.log")
    return send(letter, recipients, server, log, secret_from_environment(),
                settings.newsletter.messages_per_minute)


def _connect(server: Server) -> smtplib.SMTP:
    """An SMTP session, upgraded with STARTTLS when offered; login only over TLS."""
    try:
        smtp = smtplib.SMTP(server.host, server.port, timeout=30)
        smtp.ehlo()
        if smtp.has_extn("starttls"):
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        elif server.user:
            smtp.quit()
            raise EnvironmentProblem(f"{server.host}:{server.port} does not offer STARTTLS; "
                                     "refusing to send the password in clear text")
        if server.user and server.password:
            smtp.login(server.user, server.password)
    except (OSError, smtplib.SMTPException) as exc:
        raise EnvironmentProblem(f"cannot connect to SMTP {server.host}:{server.port}: {exc}") \
            from None
    return smtp
