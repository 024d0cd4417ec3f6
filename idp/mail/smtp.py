"""The production mailer: plain-text messages over SMTP with :mod:`smtplib` (issue 8: "mail
goes out over real SMTP").

STARTTLS is used when configured (and required in production; the demo and the tests talk to
a local server on 127.0.0.1). Each message gets its own connection: the portal sends a handful
of messages per request and the renewal job a few per run, so pooling would buy nothing.
Failures become :class:`~idp.mail.gateway.MailError` with the exception's class name only.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from email.utils import make_msgid

from idp.mail.gateway import MailError
from idp.mail.gateway import MailMessage


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    host: str
    port: int
    #: The From address, e.g. ``Makelaar Middelen <no-reply@example.nl>``.
    sender: str
    starttls: bool = True
    username: str | None = None
    #: The password (read from a file by the caller, never from YAML). Never log.
    password: str | None = None
    timeout_seconds: float = 10.0


def build_message(config: SmtpConfig, message: MailMessage) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = config.sender
    mail["To"] = message.to
    mail["Subject"] = message.subject
    mail["Date"] = formatdate(usegmt=True)
    domain = config.sender.rpartition("@")[2].strip(">") or "localhost"
    mail["Message-ID"] = make_msgid(idstring=message.reference[:32], domain=domain)
    mail.set_content(message.body)
    return mail


class SmtpMailer:
    def __init__(self, config: SmtpConfig) -> None:
        self.config = config

    def send(self, message: MailMessage) -> None:
        config = self.config
        try:
            with smtplib.SMTP(config.host, config.port, timeout=config.timeout_seconds) as smtp:
                if config.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if config.username is not None and config.password is not None:
                    smtp.login(config.username, config.password)
                smtp.send_message(build_message(config, message))
        except (OSError, smtplib.SMTPException) as exc:
            raise MailError(type(exc).__name__) from exc
