"""Single-use, expiring tokens for the links the portal mails (issue 8: verification link).

A token is 256 random bits (``secrets.token_urlsafe(32)``); only its SHA-256 is stored, so a
copy of the database opens no link. Using a token is one conditional UPDATE (``used_at IS
NULL AND expires_at > now``): of two concurrent uses exactly one wins, on SQLite and
PostgreSQL alike. A plain hash suffices because the token itself has full entropy.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from datetime import timedelta
from typing import Final

from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session

from idp.portal.errors import TokenInvalid
from idp.portal.models import PortalToken
from idp.portal.models import TokenPurpose

LIFETIMES: Final = {
    TokenPurpose.ACTIVATE: timedelta(days=7),
    TokenPurpose.EMAIL_CHANGE: timedelta(days=1),
    TokenPurpose.MOBILE_CHANGE: timedelta(days=1),
    TokenPurpose.PASSWORD_RESET: timedelta(hours=1),
}
#: Longest token text accepted from a URL (the real ones are 43 characters).
MAX_TOKEN_LENGTH: Final = 100


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue(
    db: Session,
    purpose: TokenPurpose,
    at: datetime,
    *,
    request_id: int | None = None,
    means_id: int | None = None,
    person_id: int | None = None,
    new_value: str | None = None,
) -> str:
    """A new token for ``purpose``; returns the raw token to put in the link (never stored)."""
    raw = secrets.token_urlsafe(32)
    db.add(
        PortalToken(
            token_hash=token_hash(raw),
            purpose=purpose,
            request_id=request_id,
            means_id=means_id,
            person_id=person_id,
            new_value=new_value,
            created_at=at,
            expires_at=at + LIFETIMES[purpose],
        )
    )
    db.flush()
    return raw


def _find(db: Session, raw: str, purpose: TokenPurpose) -> PortalToken | None:
    if not raw or len(raw) > MAX_TOKEN_LENGTH:
        return None
    return db.scalars(
        select(PortalToken).where(
            PortalToken.token_hash == token_hash(raw), PortalToken.purpose == purpose
        )
    ).first()


def _why(token: PortalToken | None, at: datetime) -> TokenInvalid:
    if token is None:
        return TokenInvalid("unknown")
    if token.used_at is not None:
        return TokenInvalid("used")
    return TokenInvalid("expired")


def peek(db: Session, raw: str, purpose: TokenPurpose, at: datetime) -> PortalToken:
    """The token if it could still be used (for the page before the user confirms)."""
    token = _find(db, raw, purpose)
    if token is None or token.used_at is not None or token.expires_at <= at:
        raise _why(token, at)
    return token


def consume(db: Session, raw: str, purpose: TokenPurpose, at: datetime) -> PortalToken:
    """Use the token once; raises :class:`TokenInvalid` when unknown, used or expired."""
    if not raw or len(raw) > MAX_TOKEN_LENGTH:
        raise TokenInvalid("unknown")
    result = db.execute(
        update(PortalToken)
        .where(
            PortalToken.token_hash == token_hash(raw),
            PortalToken.purpose == purpose,
            PortalToken.used_at.is_(None),
            PortalToken.expires_at > at,
        )
        .values(used_at=at)
        .execution_options(synchronize_session=False)
    )
    token = _find(db, raw, purpose)
    if getattr(result, "rowcount", 0) != 1 or token is None:
        raise _why(token, at)
    db.refresh(token)
    return token


def void_for_request(db: Session, request_id: int, at: datetime) -> None:
    """Make every open token of a request unusable (the request was cancelled)."""
    db.execute(
        update(PortalToken)
        .where(PortalToken.request_id == request_id, PortalToken.used_at.is_(None))
        .values(used_at=at)
        .execution_options(synchronize_session=False)
    )
