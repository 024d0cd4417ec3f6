"""Twins of the seeded demo users, one per test, each with a mobile number of its own.

The means issuer limits SMS codes to one per number per 30 seconds and five per hour (SMS
pumping defence, ``idp.sms.ratelimit``), and the servers are separate processes whose limits a
test cannot relax. So every test logs in as its own twin of a demo user: same organisation,
means level and status, same password, same mandates (branch included), but its own e-mail
address, mobile number and pseudonym. The demo data itself stays as ``idp.seed`` made it.
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


def twin_email(email: str, tag: str) -> str:
    local, domain = email.split("@", 1)
    return f"{local}.{tag}@{domain}"


def add_twins(db_url: str, twins: dict[str, list[str]]) -> None:
    """For each demo user's e-mail, one twin per tag (``anna.sso@...`` for tag ``sso``)."""
    engine = make_engine(db_url)
    number = 31690000000
    try:
        with make_session_factory(engine)() as session, session.no_autoflush:
            for email, tags in twins.items():
                person = session.scalars(select(Person).where(Person.email == email)).one()
                mandates = session.scalars(
                    select(Mandate).where(Mandate.person_id == person.id)
                ).all()
                for tag in tags:
                    twin = Person(given_names=person.given_names, surname=person.surname,
                                  email=twin_email(email, tag), created_at=person.created_at)
                    session.add(twin)
                    for means in person.means:
                        number += 1
                        copy = Means(person=twin, organisation=means.organisation,
                                     level=means.level, status=means.status,
                                     valid_from=means.valid_from, valid_until=means.valid_until,
                                     is_employee=means.is_employee,
                                     identity_document_validated=means.identity_document_validated,
                                     created_at=means.created_at)
                        assert means.credential is not None
                        copy.credential = Credential(
                            password_hash=means.credential.password_hash,
                            mobile_e164=f"+{number}", mobile_validated=True,
                            password_changed_at=means.credential.password_changed_at,
                        )
                        session.add(copy)
                    for mandate in mandates:
                        session.add(Mandate(
                            person=twin, organisation=mandate.organisation,
                            branch=mandate.branch, level=mandate.level,
                            valid_from=mandate.valid_from, valid_until=mandate.valid_until,
                            status=mandate.status, created_at=mandate.created_at,
                            services=[MandateService(service_uuid=s.service_uuid)
                                      for s in mandate.services],
                        ))
            session.commit()
    finally:
        engine.dispose()
