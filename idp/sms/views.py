"""The demo page ``GET /dev/sms``: the codes the development outbox "sent" (demo mode only).

Outside demo mode the page does not exist (404), so a production server never shows codes.
"""

from __future__ import annotations

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import render_template

from idp.settings import IdpSettings
from idp.sms.outbox import read_outbox
from web import i18n

blueprint = Blueprint("sms_dev", __name__, template_folder="templates", url_prefix="/dev")

i18n.register(
    {
        "nl": {
            "sms.title": "Verstuurde sms-berichten (demo)",
            "sms.intro": "Alleen in demomodus: de berichten die de ontwikkel-outbox heeft "
            "'verstuurd', nieuwste eerst.",
            "sms.none": "Er zijn nog geen berichten verstuurd.",
            "sms.at": "Tijdstip",
            "sms.to": "Aan",
            "sms.text": "Bericht",
        },
        "en": {
            "sms.title": "Text messages sent (demo)",
            "sms.intro": "Demo mode only: the messages the development outbox 'sent', newest "
            "first.",
            "sms.none": "No messages have been sent yet.",
            "sms.at": "Time",
            "sms.to": "To",
            "sms.text": "Message",
        },
    }
)


@blueprint.get("/sms")
def outbox() -> str:
    settings: IdpSettings = current_app.extensions["idp_settings"]
    if not settings.demo_mode:
        abort(404)
    return render_template("sms/outbox.html", entries=read_outbox(settings.sms_outbox))
