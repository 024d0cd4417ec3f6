"""The demo page ``GET /dev/mail``: the e-mails the development outbox "sent" (demo mode only).

Outside demo mode the page does not exist (404), so a production server never shows links.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import render_template

from idp.mail.outbox import read_outbox
from idp.settings import IdpSettings
from web import i18n

blueprint = Blueprint("mail_dev", __name__, template_folder="templates", url_prefix="/dev")

#: Where the outbox lives when the settings name none: next to the SMS outbox.
OUTBOX_NAME = "mail-outbox.jsonl"

i18n.register(
    {
        "nl": {
            "mail.title": "Verstuurde e-mails (demo)",
            "mail.intro": "Alleen in demomodus: de e-mails die de ontwikkel-outbox heeft "
            "'verstuurd', nieuwste eerst.",
            "mail.none": "Er zijn nog geen e-mails verstuurd.",
            "mail.at": "Tijdstip",
            "mail.to": "Aan",
            "mail.subject": "Onderwerp",
        },
        "en": {
            "mail.title": "E-mails sent (demo)",
            "mail.intro": "Demo mode only: the e-mails the development outbox 'sent', newest "
            "first.",
            "mail.none": "No e-mails have been sent yet.",
            "mail.at": "Time",
            "mail.to": "To",
            "mail.subject": "Subject",
        },
    }
)


def outbox_path(settings: IdpSettings) -> Path:
    return settings.sms_outbox.with_name(OUTBOX_NAME)


@blueprint.get("/mail")
def outbox() -> str:
    settings: IdpSettings = current_app.extensions["idp_settings"]
    if not settings.demo_mode:
        abort(404)
    path: Path = current_app.extensions.get("idp.mail.outbox", outbox_path(settings))
    return render_template("mail/outbox.html", entries=read_outbox(path))
