"""Activation of a requested means and the operator's identity-document validation (issue 8).

The steps: the e-mail link (single use) -> an SMS code to the mobile number the administrator
entered -> the user's own password. Then the means becomes active at once, unless it needs an
identity-document validation by an operator first. The rules (docs/portal.md):

- eH2 and eH2+: active at once (no identity document is needed at these levels).
- eH3: active at once for an employee whose administrator declared on the request that they
  checked the identity document (the administrator is logged in at eH3 or higher); otherwise
  (a non-employee, or no declaration) an operator validates the document first.
- eH4: always an operator (an eH4 means needs an identification in person).

Validity runs from activation, so the days spent waiting are not lost.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm import selectinload

from idp.db.columns import add_years
from idp.db.models import Credential
from idp.db.models import MeansStatus
from idp.portal import mails
from idp.portal import tokens
from idp.portal.audit import actor_of
from idp.portal.audit import record
from idp.portal.errors import Conflict
from idp.portal.errors import NotFound
from idp.portal.means_requests import release_key
from idp.portal.models import MeansRequest
from idp.portal.models import RequestKind
from idp.portal.models import RequestStatus
from idp.portal.models import TokenPurpose
from policies.loa import Loa


def needs_operator(level: Loa, is_employee: bool, identity_confirmed: bool) -> bool:
    if level is Loa.EH4:
        return True
    if level is Loa.EH3:
        return not (is_employee and identity_confirmed)
    return False


def _request(db: Session, request_id: int, status: RequestStatus) -> MeansRequest:
    request = db.get(MeansRequest, request_id)
    if request is None:
        raise NotFound("portal.error.not_found")
    if request.status is not status:
        raise Conflict("portal.activation.not_open")
    return request


def open_link(db: Session, raw: str, at: datetime) -> int:
    """Use the e-mail link: the address is verified; returns the request id."""
    token = tokens.consume(db, raw, TokenPurpose.ACTIVATE, at)
    if token.request_id is None:
        raise Conflict("portal.activation.not_open")
    request = _request(db, token.request_id, RequestStatus.AWAITING_EMAIL)
    request.status = RequestStatus.AWAITING_CODE
    request.updated_at = at
    record(db, at, actor_of(request.person.pseudonym), "portal.activation.email_verified",
           f"request:{request.id}", request.organisation_id)
    return request.id


def for_step(db: Session, request_id: int, status: RequestStatus) -> MeansRequest:
    return _request(db, request_id, status)


def code_confirmed(db: Session, request_id: int, at: datetime) -> None:
    request = _request(db, request_id, RequestStatus.AWAITING_CODE)
    request.status = RequestStatus.AWAITING_PASSWORD
    request.updated_at = at
    record(db, at, actor_of(request.person.pseudonym), "portal.activation.mobile_verified",
           f"request:{request.id}", request.organisation_id)


def _activate(request: MeansRequest, at: datetime) -> None:
    means = request.means
    means.status = MeansStatus.ACTIVE
    means.identity_document_validated = request.level.rank >= Loa.EH3.rank
    means.valid_from = at
    means.valid_until = add_years(at, request.validity_years)
    request.status = RequestStatus.COMPLETED
    request.updated_at = at


def set_password(db: Session, request_id: int, password_hash: str, at: datetime
                 ) -> tuple[RequestStatus, mails.Outgoing]:
    """Store the credential and activate, or wait for the operator; returns the new status."""
    request = _request(db, request_id, RequestStatus.AWAITING_PASSWORD)
    means = request.means
    if means.credential is None:
        db.add(Credential(means=means, password_hash=password_hash,
                          mobile_e164=request.mobile_e164, mobile_validated=True,
                          password_changed_at=at))
    else:
        means.credential.password_hash = password_hash
        means.credential.password_changed_at = at
    actor = actor_of(request.person.pseudonym)
    organisation = request.organisation.name
    if needs_operator(request.level, request.is_employee, request.identity_confirmed):
        request.status = RequestStatus.AWAITING_VALIDATION
        request.updated_at = at
        record(db, at, actor, "portal.activation.awaiting_validation", f"request:{request.id}",
               request.organisation_id, level=request.level.label)
        mail = mails.awaiting_validation(request.person.email, organisation, request.level.label)
        return request.status, mail
    _activate(request, at)
    db.flush()
    record(db, at, actor, "portal.activation.completed", f"means:{means.id}",
           request.organisation_id, level=request.level.label)
    return request.status, mails.activated(request.person.email, organisation,
                                           request.level.label)


def awaiting_validation(db: Session) -> Sequence[MeansRequest]:
    return db.scalars(
        select(MeansRequest)
        .where(MeansRequest.status == RequestStatus.AWAITING_VALIDATION)
        .options(selectinload(MeansRequest.person), selectinload(MeansRequest.organisation))
        .order_by(MeansRequest.updated_at, MeansRequest.id)
    ).all()


def approve(db: Session, request_id: int, actor: str, at: datetime) -> mails.Outgoing:
    """The operator saw a valid identity document: the means (or its new level) is active."""
    request = _request(db, request_id, RequestStatus.AWAITING_VALIDATION)
    organisation = request.organisation.name
    if request.kind is RequestKind.UPGRADE:
        means = request.means
        means.level = request.level
        means.identity_document_validated = True
        request.status = RequestStatus.COMPLETED
        request.updated_at = at
        mail = mails.upgraded(request.person.email, organisation, request.level.label)
    else:
        _activate(request, at)
        mail = mails.activated(request.person.email, organisation, request.level.label)
    record(db, at, actor, "portal.validation.approved", f"request:{request.id}",
           request.organisation_id, level=request.level.label)
    return mail


def reject(db: Session, request_id: int, actor: str, at: datetime) -> mails.Outgoing:
    request = _request(db, request_id, RequestStatus.AWAITING_VALIDATION)
    request.status = RequestStatus.REJECTED
    request.updated_at = at
    release_key(request)
    if request.kind is RequestKind.NEW:
        request.means.status = MeansStatus.REVOKED
    record(db, at, actor, "portal.validation.rejected", f"request:{request.id}",
           request.organisation_id, level=request.level.label)
    return mails.rejected(request.person.email, request.organisation.name)
