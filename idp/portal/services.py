"""The portal's collaborators, made once per application (tests replace them in
``app.extensions["idp.portal"]``): password hasher and SMS gateway shared with the AD, the
mailer, keys derived from the application secret, tariffs and limits."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from pathlib import Path

from flask import Flask

from idp.ad.flow import LoginLimits
from idp.ad.services import AdServices
from idp.ad.services import default_services as ad_default_services
from idp.app import context_of
from idp.db.passwords import PasswordHasher
from idp.mail.gateway import MailGateway
from idp.mail.outbox import OutboxMailer
from idp.mail.views import outbox_path
from idp.portal.csv_import import BATCH_SIZE
from idp.portal.tariffs import Tariffs
from idp.settings import IdpSettings
from idp.sms.gateway import SmsGateway
from idp.sms.ratelimit import SmsLimits

EXTENSION = "idp.portal"


@dataclass(frozen=True, slots=True)
class PortalServices:
    hasher: PasswordHasher
    sms: SmsGateway
    mail: MailGateway
    #: Signs the portal's session and flow cookies.
    cookie_key: bytes
    #: Keys the HMAC of SMS codes at rest.
    code_key: bytes
    #: Keys the hashes in rate-limit counters.
    counter_key: bytes
    tariffs: Tariffs = Tariffs()
    login_limits: LoginLimits = LoginLimits()
    sms_limits: SmsLimits = SmsLimits()
    #: Requests made per load of a CSV import's status page.
    batch_size: int = BATCH_SIZE


def derive(secret: bytes, purpose: str) -> bytes:
    return hmac.new(secret, f"makelaar/portal/{purpose}".encode(), hashlib.sha256).digest()


def build_services(app: Flask, *, mail: MailGateway | None = None,
                   mail_outbox: Path | None = None) -> PortalServices:
    settings: IdpSettings = app.extensions["idp_settings"]
    clock = context_of(app).clock
    ad: AdServices = app.extensions.get("idp.ad") or ad_default_services(settings, clock)
    secret = settings.secret_key()
    mailer = mail or OutboxMailer(mail_outbox or outbox_path(settings), clock)
    return PortalServices(
        hasher=ad.hasher,
        sms=ad.gateway,
        mail=mailer,
        cookie_key=derive(secret, "cookie"),
        code_key=derive(secret, "otp"),
        counter_key=derive(secret, "counter"),
    )


def services_of(app: Flask) -> PortalServices:
    services: PortalServices | None = app.extensions.get(EXTENSION)
    if services is None:
        services = build_services(app)
        app.extensions[EXTENSION] = services
    return services
