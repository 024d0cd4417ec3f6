"""The AD's own collaborators, made once per application: password hasher, SMS gateway,
keys derived from the application secret, limits (tests replace them in ``app.extensions``)."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from flask import Flask

from etoegang.clock import Clock
from idp.ad.flow import LoginLimits
from idp.db.passwords import PasswordHasher
from idp.settings import IdpSettings
from idp.sms.gateway import SmsGateway
from idp.sms.http import HttpGatewayConfig
from idp.sms.http import HttpSmsGateway
from idp.sms.outbox import OutboxGateway
from idp.sms.ratelimit import SmsLimits
from idp.sms.ratelimit import Window

EXTENSION = "idp.ad"


@dataclass(frozen=True, slots=True)
class AdServices:
    hasher: PasswordHasher
    gateway: SmsGateway
    #: Signs the transaction and session cookies.
    cookie_key: bytes
    #: Keys the HMAC of SMS codes at rest.
    code_key: bytes
    #: Keys the hashes of e-mail addresses, numbers and IP addresses in counter keys.
    counter_key: bytes
    login_limits: LoginLimits = LoginLimits()
    sms_limits: SmsLimits = SmsLimits()


def derive(secret: bytes, purpose: str) -> bytes:
    """A separate key per purpose, so no key serves two jobs."""
    return hmac.new(secret, f"makelaar/ad/{purpose}".encode(), hashlib.sha256).digest()


#: In the demo every SMS goes to the outbox, so pumping costs nothing; the walkthrough and
#: people trying the demo log in many times in a row. Production keeps the defaults.
DEMO_SMS_LIMITS = SmsLimits(
    short=Window(1, 5), long=Window(3600, 200), per_source=Window(3600, 1000)
)


def default_services(settings: IdpSettings, clock: Clock) -> AdServices:
    secret = settings.secret_key()
    gateway: SmsGateway = OutboxGateway(settings.sms_outbox, clock)
    if settings.sms_gateway_url:
        password = ""
        if settings.sms_gateway_secret_file is not None:
            password = settings.sms_gateway_secret_file.read_text(encoding="utf-8").strip()
        gateway = HttpSmsGateway(
            HttpGatewayConfig(
                endpoint=settings.sms_gateway_url,
                username=settings.sms_gateway_username or "",
                password=password,
            )
        )
    return AdServices(
        hasher=PasswordHasher(),
        gateway=gateway,
        cookie_key=derive(secret, "cookie"),
        code_key=derive(secret, "otp"),
        counter_key=derive(secret, "counter"),
        sms_limits=DEMO_SMS_LIMITS if settings.demo_mode else SmsLimits(),
    )


def services_of(app: Flask) -> AdServices:
    services: AdServices = app.extensions[EXTENSION]
    return services
