"""The mail port's adapters: SMTP (against a local stub server), the development outbox and
its demo page."""

from __future__ import annotations

from pathlib import Path

import pytest

from etoegang.clock import FixedClock
from idp.mail.gateway import MailError
from idp.mail.gateway import MailMessage
from idp.mail.outbox import OutboxMailer
from idp.mail.outbox import read_outbox
from idp.mail.smtp import SmtpConfig
from idp.mail.smtp import SmtpMailer
from tests.conftest import GOLDEN_INSTANT
from tests.portal.harness import Portal
from tests.portal.smtp_stub import smtp_server

MESSAGE = MailMessage("anna@bakkerij-a.nl", "Activeer uw middel / Activate",
                      "Open deze link:\nhttps://idp.example/portal/activate/abc\n.\nEinde é",
                      "ref-1")


def test_smtp_mailer_delivers_a_plain_text_message() -> None:
    with smtp_server() as (port, mailbox):
        mailer = SmtpMailer(SmtpConfig("127.0.0.1", port, "Makelaar <no-reply@idp.example>",
                                       starttls=False))
        mailer.send(MESSAGE)
    [received] = mailbox.messages
    assert received.recipients == ["anna@bakkerij-a.nl"]
    assert received.sender == "no-reply@idp.example"
    assert received.message["Subject"] == MESSAGE.subject
    assert received.message.get_content().replace("\r\n", "\n").rstrip("\n") == MESSAGE.body
    assert "ref-1" in received.message["Message-ID"]


def test_smtp_mailer_reports_an_unreachable_server_as_mail_error() -> None:
    with smtp_server() as (port, _mailbox):
        pass  # closed again: nothing listens on the port now
    mailer = SmtpMailer(SmtpConfig("127.0.0.1", port, "no-reply@idp.example", starttls=False,
                                   timeout_seconds=2))
    with pytest.raises(MailError):
        mailer.send(MESSAGE)


def test_outbox_keeps_messages_newest_first(tmp_path: Path) -> None:
    mailer = OutboxMailer(tmp_path / "mail.jsonl", FixedClock(GOLDEN_INSTANT))
    mailer.send(MESSAGE)
    mailer.send(MailMessage("b@example.nl", "Tweede", "tekst", "ref-2"))
    entries = read_outbox(tmp_path / "mail.jsonl")
    assert [e.reference for e in entries] == ["ref-2", "ref-1"]
    assert oct((tmp_path / "mail.jsonl").stat().st_mode & 0o777) == "0o600"


def test_demo_mail_page_shows_the_outbox_in_demo_mode_only(portal: Portal) -> None:
    OutboxMailer(portal.mail_outbox, FixedClock(GOLDEN_INSTANT)).send(MESSAGE)
    page = portal.get("/dev/mail")
    assert page.status_code == 200
    assert "Activeer uw middel" in page.text and 'href="https://idp.example/portal' in page.text
    settings = portal.app.extensions["idp_settings"]
    portal.app.extensions["idp_settings"] = __import__("dataclasses").replace(
        settings, demo_mode=False)
    assert portal.get("/dev/mail").status_code == 404
