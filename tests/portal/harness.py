"""A means-issuer app with the portal for the portal tests, and a browser-like client.

The register is seeded with two organisations (A and B), each with an administrator at eH3,
users of organisation A at eH2+ and eH2, and an operator of the means issuer. SMS codes are
read from the SMS outbox file and links from the mail outbox file, as a person would read
them from their phone and mailbox.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import re
import shutil
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine

from etoegang.clock import FixedClock
from etoegang.clock import RandomIdSource
from etoegang.state.memory import InMemoryStateStore
from idp.ad.services import AdServices
from idp.ad.services import derive
from idp.app import context_of
from idp.app import create_app
from idp.db.columns import add_years
from idp.db.models import Branch
from idp.db.models import Credential
from idp.db.models import LegalForm
from idp.db.models import Means
from idp.db.models import MeansStatus
from idp.db.models import Organisation
from idp.db.models import Person
from idp.db.passwords import Argon2Parameters
from idp.db.passwords import PasswordHasher
from idp.db.session import make_session_factory
from idp.portal.models import PortalRole
from idp.portal.models import Role
from idp.portal.services import EXTENSION
from idp.portal.services import build_services
from idp.settings import load_settings
from idp.sms.outbox import OutboxGateway
from makelaar.network import Network
from policies.loa import Loa
from web import csrf

CHEAP = Argon2Parameters(time_cost=1, memory_cost_kib=64, parallelism=1)
PASSWORD = "correct horse battery 7"  # noqa: S105  (test credential)
NEW_PASSWORD = "a fresh sentence nobody guesses"  # noqa: S105  (test credential)
BASE = "http://127.0.0.1:8802"

KVK_A = "90000001"
KVK_B = "90000002"
KVK_ISSUER = "90000009"
ADMIN_A = "anna@bakkerij-a.nl"
ADMIN_B = "bea@bouw-b.nl"
USER_A = "bob@bakkerij-a.nl"
USER_A_EH2 = "carl@bakkerij-a.nl"
OPERATOR = "olga@makelaar.example"
#: e-mail -> (organisation, level, mobile, role)
PEOPLE: dict[str, tuple[str, Loa, str | None, Role | None]] = {
    ADMIN_A: (KVK_A, Loa.EH3, "+31611111111", Role.ADMINISTRATOR),
    ADMIN_B: (KVK_B, Loa.EH3, "+31622222222", Role.ADMINISTRATOR),
    USER_A: (KVK_A, Loa.EH2PLUS, "+31633333333", None),
    USER_A_EH2: (KVK_A, Loa.EH2, None, None),
    OPERATOR: (KVK_ISSUER, Loa.EH3, "+31644444444", Role.OPERATOR),
}


def seed(engine: Engine, clock: FixedClock) -> None:
    at = clock.now()
    hashed = PasswordHasher(CHEAP).hash(PASSWORD)
    with make_session_factory(engine)() as db, db.begin():
        orgs = {}
        for kvk, name in ((KVK_A, "Bakkerij A B.V."), (KVK_B, "Bouw B B.V."),
                          (KVK_ISSUER, "Makelaar Middelen B.V.")):
            orgs[kvk] = Organisation(kvk_number=kvk, name=name, legal_form=LegalForm.BV,
                                     created_at=at)
            db.add(orgs[kvk])
        db.add(Branch(organisation=orgs[KVK_A], vestigingsnummer="000012345678",
                      name="Filiaal Centrum"))
        for email, (kvk, level, mobile, role) in PEOPLE.items():
            given = email.split("@")[0].capitalize()
            person = Person(given_names=given, surname="Test", email=email, created_at=at)
            start = at - timedelta(days=30)
            means = Means(person=person, organisation=orgs[kvk], level=level,
                          status=MeansStatus.ACTIVE, valid_from=start,
                          valid_until=add_years(start, 3), is_employee=True,
                          identity_document_validated=True, created_at=at)
            db.add(Credential(means=means, password_hash=hashed, mobile_e164=mobile,
                              mobile_validated=mobile is not None, password_changed_at=at))
            if role is not None:
                db.flush()
                db.add(PortalRole(person=person, role=role, created_at=at,
                                  organisation_id=None if role is Role.OPERATOR
                                  else orgs[kvk].id))


class AlwaysTrueStore(InMemoryStateStore):
    def __bool__(self) -> bool:
        # idp.app.create_app tests ``state or ...``; an empty store has len() 0.
        return True


@dataclass
class Portal:
    """A browser on the portal (one cookie jar) and what it can read from phone and mail."""

    app: Flask
    client: FlaskClient
    clock: FixedClock
    sms_outbox: Path
    mail_outbox: Path

    def token(self) -> str:
        cookie = self.client.get_cookie(csrf.COOKIE)
        if cookie is None:
            self.client.get("/portal/login")
            cookie = self.client.get_cookie(csrf.COOKIE)
        assert cookie is not None
        secret = self.app.extensions["idp_settings"].secret_key()
        return hmac.new(secret, cookie.value.encode(), hashlib.sha256).hexdigest()

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.client.get(path, **kwargs)

    def post(self, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        return self.client.post(path, data={csrf.FIELD: self.token(), **(data or {})}, **kwargs)

    def last_code(self) -> str:
        lines = self.sms_outbox.read_text().splitlines()
        match = re.search(r"\b(\d{6})\b", json.loads(lines[-1])["text"])
        assert match
        return match.group(1)

    def sms_to(self) -> str:
        return str(json.loads(self.sms_outbox.read_text().splitlines()[-1])["to"])

    def mails(self) -> list[dict[str, str]]:
        if not self.mail_outbox.exists():
            return []
        return [json.loads(line) for line in self.mail_outbox.read_text().splitlines()]

    def last_mail(self, to: str | None = None) -> dict[str, str]:
        found = [m for m in self.mails() if to is None or m["to"] == to]
        assert found, f"no mail to {to}"
        return found[-1]

    def link_in(self, mail: dict[str, str]) -> str:
        match = re.search(re.escape(BASE) + r"(/portal/\S+)", mail["body"])
        assert match
        return match.group(1)

    def tick(self, seconds: int = 31) -> None:
        """Let time pass (SMS codes go out at most once per 30 seconds per number)."""
        self.clock.move_to(self.clock.now() + timedelta(seconds=seconds))

    def login(self, email: str, password: str = PASSWORD) -> Any:
        self.tick()
        answer = self.post("/portal/login", {"email": email, "password": password})
        if answer.status_code == 303 and "/portal/login/code" in answer.headers["Location"]:
            answer = self.post("/portal/login/code", {"code": self.last_code()})
        return answer

    def logout(self) -> None:
        self.post("/portal/logout")


def make_portal(network: Network, template_db: Path, tmp: Path, clock: FixedClock,
                rings: dict[str, Any]) -> Portal:
    shutil.copy(template_db, tmp / "idp.sqlite")
    settings = dataclasses.replace(
        load_settings(network.settings_file("idp")),
        db_url=f"sqlite:///{tmp / 'idp.sqlite'}",
        sms_outbox=tmp / "sms.jsonl",
        demo_mode=True,
    )
    app = create_app(settings, clock=clock, ids=RandomIdSource(),
                     state=AlwaysTrueStore(clock), migrate=False)
    app.config["TESTING"] = True
    if "portal" not in app.blueprints:
        from idp.portal.views import blueprint

        app.register_blueprint(blueprint)
    if "mail_dev" not in app.blueprints:
        from idp.mail.views import blueprint as mail_blueprint

        app.register_blueprint(mail_blueprint)
    secret = settings.secret_key()
    app.extensions["idp.ad"] = AdServices(
        hasher=PasswordHasher(CHEAP),
        gateway=OutboxGateway(settings.sms_outbox, clock),
        cookie_key=derive(secret, "cookie"),
        code_key=derive(secret, "otp"),
        counter_key=derive(secret, "counter"),
    )
    mail_outbox = tmp / "mail.jsonl"
    app.extensions["idp.mail.outbox"] = mail_outbox
    app.extensions[EXTENSION] = build_services(app, mail_outbox=mail_outbox)
    assert context_of(app).clock is clock
    return Portal(app, app.test_client(), clock, settings.sms_outbox, mail_outbox)
