"""The newsletter: email-safe HTML, a written plain-text part, list headers, and sending end to
end to an aiosmtpd server on 127.0.0.1, including an interrupted send that resumes."""

from __future__ import annotations

import email
import email.policy
import re
import socket
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from pipeline import mailer
from pipeline.build import BuildResult, build_newsletter
from pipeline.render.newsletter import GMAIL_CLIP_BYTES, unsubscribe_token
from pipeline.settings import Settings

SECRET = "test-secret-0123456789"


def _parse(data: bytes) -> EmailMessage:
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


@pytest.fixture(scope="module")
def eml(built: tuple[BuildResult, Path]) -> EmailMessage:
    return _parse((built[1] / "2022-10" / "newsletter.eml").read_bytes())


def test_message_headers(eml: EmailMessage) -> None:
    assert eml.get_content_type() == "multipart/alternative"
    for header in ("From", "To", "Subject", "Date", "Message-ID", "List-Id"):
        assert eml[header], header
    assert eml["Date"] == "Sat, 01 Oct 2022 07:00:00 +0000"  # the edition's, not the clock's
    unsubscribe = str(eml["List-Unsubscribe"])
    assert "<https://" in unsubscribe and "<mailto:" in unsubscribe
    assert eml["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert [p.get_content_type() for p in eml.iter_parts()] == ["text/plain", "text/html"]


def test_html_is_email_safe(built: tuple[BuildResult, Path]) -> None:
    html = (built[1] / "2022-10" / "newsletter.html").read_text()
    assert len(html.encode()) < GMAIL_CLIP_BYTES
    assert 'role="presentation"' in html and 'width="600"' in html
    assert 'style="' in html  # inlined by css-inline
    assert "prefers-color-scheme: dark" in html
    assert "<script" not in html
    for tag in html.split("<img")[1:]:
        assert 'width="' in tag and 'alt="' in tag
    assert "Sponsored Advertising Content" in html
    assert "Medical disclaimer" in html
    assert "newsletter/unsubscribe/proof" in html


def test_text_part_is_written_not_dumped(built: tuple[BuildResult, Path]) -> None:
    text = (built[1] / "2022-10" / "newsletter.txt").read_text()
    assert "<" not in text.replace("<https", "")
    assert "[SPONSORED ADVERTISING CONTENT] Paid for by Welltopia Pharmacy" in text
    assert "Read it: https://lakeshoreliving.example/articles/low-dose-naltrexone/" in text
    assert max(len(line) for line in text.splitlines() if "://" not in line) <= 78
    assert "Unsubscribe with one click:\nhttps://" in text


class Recorder:
    """An SMTP handler that keeps what it receives and can fail after `limit` messages."""

    def __init__(self, limit: int | None = None, unknown: frozenset[str] = frozenset()) -> None:
        self.received: list[tuple[list[str], EmailMessage]] = []
        self.raw: list[bytes] = []
        """Each message as it came over the wire."""
        self.limit = limit
        self.unknown = unknown
        """Mailboxes that do not exist: refused at RCPT with 550."""

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          options: list[str]) -> str:
        if address in self.unknown:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.limit is not None and len(self.received) >= self.limit:
            return "421 4.3.2 Service shutting down"
        self.received.append((list(envelope.rcpt_tos), _parse(envelope.content)))
        self.raw.append(envelope.original_content or envelope.content)
        return "250 OK"


def _controller(handler: Recorder) -> Controller:
    """A started aiosmtpd server on a free 127.0.0.1 port (it cannot bind port 0 itself)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    return controller


@pytest.fixture
def smtp_server() -> Iterator[tuple[Recorder, Controller]]:
    handler = Recorder()
    controller = _controller(handler)
    yield handler, controller
    controller.stop()


def _server(controller: Controller) -> mailer.Server:
    return mailer.Server("127.0.0.1", controller.port)


def test_received_intact(settings: Settings, smtp_server: tuple[Recorder, Controller],
                         tmp_path: Path) -> None:
    handler, controller = smtp_server
    letter = build_newsletter(settings, "2022-10")
    log = mailer.SendLog(tmp_path / "send.log")
    report = mailer.send(letter, ["ann@example.org"], _server(controller), log, SECRET, 6000)
    assert report.sent == ["ann@example.org"]
    (rcpt, message), = handler.received
    assert rcpt == ["ann@example.org"]
    assert message["To"] == "ann@example.org"
    token = unsubscribe_token("ann@example.org", SECRET)
    assert f"/newsletter/unsubscribe/{token}>" in str(message["List-Unsubscribe"])
    # as mail clients read it: the URL itself, not RFC 2047 words a parser would decode
    raw = handler.raw[0].decode("ascii")
    assert re.search(rf"^List-Unsubscribe: <https://\S+/newsletter/unsubscribe/{token}>, "
                     r"<mailto:\S+>\r?$", raw, re.MULTILINE), raw.split("\n\n")[0]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    html = message.get_body(("html",))
    assert html is not None and f"unsubscribe/{token}" in html.get_content()
    text = message.get_body(("plain",))
    assert text is not None and "Growing Together" in text.get_content()


def test_interrupted_send_resumes_exactly_once(settings: Settings, tmp_path: Path) -> None:
    letter = build_newsletter(settings, "2022-10")
    readers = [f"reader{n}@example.org" for n in range(10)]
    log_path = tmp_path / "send.log"
    failing = Recorder(limit=4)
    controller = _controller(failing)
    try:
        with pytest.raises(mailer.SendInterrupted, match=r"reader4@example\.org after 4"):
            mailer.send(letter, readers, _server(controller), mailer.SendLog(log_path), SECRET,
                        6000)
    finally:
        controller.stop()
    healthy = Recorder()
    controller = _controller(healthy)
    try:
        report = mailer.send(letter, readers, _server(controller), mailer.SendLog(log_path),
                             SECRET, 6000)
    finally:
        controller.stop()
    assert report.skipped == readers[:4]
    delivered = [r for rcpts, _ in failing.received + healthy.received for r in rcpts]
    assert sorted(delivered) == sorted(readers)  # each address exactly once


def test_a_refused_address_does_not_stop_the_list(settings: Settings, tmp_path: Path) -> None:
    letter = build_newsletter(settings, "2022-10")
    readers = ["ann@example.org", "gone@example.org", "bo@example.org"]
    handler = Recorder(unknown=frozenset({"gone@example.org"}))
    controller = _controller(handler)
    log_path = tmp_path / "send.log"
    try:
        report = mailer.send(letter, readers, _server(controller), mailer.SendLog(log_path),
                             SECRET, 6000)
        again = mailer.send(letter, readers, _server(controller), mailer.SendLog(log_path),
                            SECRET, 6000)
    finally:
        controller.stop()
    assert report.sent == ["ann@example.org", "bo@example.org"]
    assert report.refused == ["gone@example.org"]
    assert again.sent == [] and sorted(again.skipped) == sorted(readers)
    assert [r for rcpts, _ in handler.received for r in rcpts] == report.sent


def test_rate_limit_waits_between_messages(settings: Settings,
                                           smtp_server: tuple[Recorder, Controller],
                                           tmp_path: Path) -> None:
    _, controller = smtp_server
    waits: list[float] = []
    mailer.send(build_newsletter(settings, "2022-10"), ["a@example.org", "b@example.org"],
                _server(controller), mailer.SendLog(tmp_path / "log"), SECRET, 60,
                sleep=waits.append)
    assert len(waits) == 1 and 0.5 < waits[0] <= 1.0


def test_subscriber_list_errors_name_the_line(tmp_path: Path) -> None:
    good = tmp_path / "list.csv"
    good.write_text("email,name\nann@example.org,Ann\nbob@example.org,Bob\nann@example.org,A\n")
    assert mailer.read_list(good) == ["ann@example.org", "bob@example.org"]
    bad = tmp_path / "bad.csv"
    bad.write_text("email\nann@example.org\nnot-an-address\n")
    with pytest.raises(mailer.ConfigError, match=r"bad.csv:3: not an email address"):
        mailer.read_list(bad)


def test_login_needs_tls(smtp_server: tuple[Recorder, Controller]) -> None:
    _, controller = smtp_server
    port = controller.port
    with pytest.raises(mailer.EnvironmentProblem, match="STARTTLS"):
        mailer.send(Any, ["a@example.org"], mailer.Server("127.0.0.1", port, "u", "p"),  # type: ignore[arg-type]
                    mailer.SendLog(Path("/nonexistent/log")), SECRET, 60)


@pytest.mark.parametrize("spec", ["smtp.example.org", ":25", "host:port", "127.0.0.1:99999",
                                  "127.0.0.1:0"])
def test_a_bad_smtp_server_is_a_usage_problem(spec: str) -> None:
    from pipeline.errors import ConfigError

    with pytest.raises(ConfigError, match="expected HOST:PORT"):
        mailer.server_from(spec)
    assert mailer.server_from("127.0.0.1:2525").port == 2525
