"""MR2's decision (spec §7): does the client's chain mandate cover this intermediary?

Sans-IO: takes the verified MR1 decision statement, our key ring and a Session. MR1 named the
client in LegalSubjectID and the intermediary in IntermediateSubjectID, both encrypted for us
only; the intermediary's plain IntermediateEntityID:KvKnr must say the same. Then the client's
active chain mandate for that intermediary, service and level decides: found -> Permit with
the client's identifier of the type the DV's service accepts; missing, pending or revoked ->
Deny.
"""

from __future__ import annotations

from datetime import datetime

from lxml import etree
from sqlalchemy.orm import Session

from etoegang.crypto.xmlenc import decrypt
from etoegang.errors import ProtocolError
from etoegang.messages.common import parse_name_id
from etoegang.messages.xacml import DecisionStatement
from idp.mr.errors import QueryRefused
from idp.mr.flow import ChainConfirmation
from idp.mr.flow import LegalSubject
from idp.mr.flow import confirm_chain
from keys.ring import KeyRing
from metadata.catalogue import IdentifierType
from metadata.catalogue import ServiceView
from policies.chain import ChainPolicy
from policies.loa import Loa


def _decrypted(element: etree._Element | None, ring: KeyRing, what: str) -> LegalSubject:
    if element is None:
        raise QueryRefused(f"the MR1 assertion carries no encrypted {what}")
    try:
        name_id = parse_name_id(decrypt(element, ring), what)
        kind = IdentifierType(name_id.name_qualifier)
    except ProtocolError as exc:
        raise QueryRefused(f"the {what} is not for this register", debug=exc.debug) from exc
    return LegalSubject(kind, name_id.value)


def decide(
    session: Session,
    *,
    mr1_statement: DecisionStatement,
    ring: KeyRing,
    service: ServiceView,
    level: Loa,
    at: datetime,
    chain_policy: ChainPolicy,
) -> ChainConfirmation | None:
    """The confirmation MR2 gives, or None for Deny (module docstring)."""
    client = _decrypted(mr1_statement.legal_subject_id, ring, "LegalSubjectID")
    intermediary = _decrypted(
        mr1_statement.intermediate_subject_id, ring, "IntermediateSubjectID"
    )
    if intermediary.type is not IdentifierType.KVKNR:
        raise QueryRefused("an intermediary is identified by its KvK number (spec §7)")
    plain = mr1_statement.intermediate_entity_id
    if plain is not None and plain.text != intermediary.value:
        raise QueryRefused("the MR1 assertion names two different intermediaries")
    return confirm_chain(
        session,
        client=client,
        intermediary_kvk=intermediary.value,
        service=service,
        minimum=level,
        at=at,
        chain_policy=chain_policy,
    )
