"""Benchmark users: twins of one seeded demo user, each with a mobile number of its own.

The means issuer limits SMS codes per number, per means and per client address (demo limits:
five per second and 200 per hour per number; ``idp.ad.services.DEMO_SMS_LIMITS``), so a run of
hundreds of logins needs many people. Every twin has the seeded user's organisation, means
level and status, password hash and mandates, and its own e-mail address
(``anna.b0007@goudenkorst.example``) and mobile number. Runs after ``seed_database``, before the
means issuer starts.
"""

from __future__ import annotations

from sqlalchemy import select

from idp.db.models import Credential
from idp.db.models import Mandate
from idp.db.models import MandateService
from idp.db.models import Means
from idp.db.models import Person
from idp.db.session import make_engine
from idp.db.session import make_session_factory

FIRST_NUMBER = 31690000000


def twin_email(email: str, number: int) -> str:
    local, domain = email.split("@", 1)
    return f"{local}.b{number:04d}@{domain}"


def add_twins(db_url: str, email: str, count: int) -> list[tuple[str, str]]:
    """``count`` twins of the person with ``email``; returns (e-mail, mobile) of each."""
    made: list[tuple[str, str]] = []
    engine = make_engine(db_url)
    try:
        with make_session_factory(engine)() as session, session.no_autoflush:
            person = session.scalars(select(Person).where(Person.email == email)).one()
            mandates = session.scalars(select(Mandate).where(Mandate.person_id == person.id)).all()
            for index in range(count):
                twin = Person(
                    given_names=person.given_names,
                    surname=person.surname,
                    email=twin_email(email, index),
                    created_at=person.created_at,
                )
                session.add(twin)
                mobile = f"+{FIRST_NUMBER + index + 1}"
                for means in person.means:
                    copy = Means(
                        person=twin,
                        organisation=means.organisation,
                        level=means.level,
                        status=means.status,
                        valid_from=means.valid_from,
                        valid_until=means.valid_until,
                        is_employee=means.is_employee,
                        identity_document_validated=means.identity_document_validated,
                        created_at=means.created_at,
                    )
                    assert means.credential is not None
                    copy.credential = Credential(
                        password_hash=means.credential.password_hash,
                        mobile_e164=mobile,
                        mobile_validated=True,
                        password_changed_at=means.credential.password_changed_at,
                    )
                    session.add(copy)
                for mandate in mandates:
                    session.add(
                        Mandate(
                            person=twin,
                            organisation=mandate.organisation,
                            branch=mandate.branch,
                            level=mandate.level,
                            valid_from=mandate.valid_from,
                            valid_until=mandate.valid_until,
                            status=mandate.status,
                            created_at=mandate.created_at,
                            services=[
                                MandateService(service_uuid=s.service_uuid)
                                for s in mandate.services
                            ],
                        )
                    )
                made.append((twin.email, mobile))
            session.commit()
    finally:
        engine.dispose()
    return made
