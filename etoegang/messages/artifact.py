"""ArtifactResolve and ArtifactResponse: the back-channel messages of the HTTP-Artifact binding.

Spec: ``shared/spec/eherkenning.md`` §4.1 (every leg answers by artifact; the ArtifactResponse's
top-level Status is always Success, an error goes in the carried message's own Status) and §4.8;
SAML core 3.5.1 (ArtifactResolve) and 3.5.2 (ArtifactResponse: StatusResponseType followed by at
most one element, the carried message).

Building never takes a top-level status: :func:`build_artifact_response` always writes Success,
so the §4.1 rule cannot be broken by a caller. A response without a carried message is what a
resolver sends for an unknown, expired or already used artifact (SAML core 3.5.2).

Parsing returns the carried message as an opaque element; the caller verifies its signature
(or relies on the verified ArtifactResponse signature, spec §4.3) and parses it with the
module for its type. Signatures go in the slot right after Issuer (``xmldsig.sign`` puts them
there).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from lxml import etree

from etoegang.clock import Clock
from etoegang.clock import IdSource
from etoegang.clock import saml_instant
from etoegang.errors import ArtifactMessageError
from etoegang.messages.common import ISSUER
from etoegang.messages.common import VERSION
from etoegang.messages.common import check_id
from etoegang.messages.common import check_sequence
from etoegang.messages.common import children
from etoegang.messages.common import opt_attr
from etoegang.messages.common import parse_issuer
from etoegang.messages.common import read_header
from etoegang.messages.common import req_attr
from etoegang.messages.common import slot
from etoegang.messages.common import value_of
from etoegang.messages.status import STATUS
from etoegang.messages.status import SUCCESS
from etoegang.messages.status import Status
from etoegang.messages.status import build_status
from etoegang.messages.status import parse_status
from etoegang.xml.graft import copy_unchanged
from etoegang.xml.graft import graft
from etoegang.xml.graft import placeholder
from etoegang.xml.ns import DS
from etoegang.xml.ns import SAML
from etoegang.xml.ns import SAMLP
from etoegang.xml.ns import XACML_SAMLP
from etoegang.xml.ns import qname

__all__ = [
    "ArtifactResolve",
    "ArtifactResponse",
    "build_artifact_resolve",
    "build_artifact_response",
    "copy_unchanged",
    "graft",
    "placeholder",
    "parse_artifact_resolve",
    "parse_artifact_response",
]

_ARTIFACT_RESOLVE: Final = qname(SAMLP, "ArtifactResolve")
_ARTIFACT_RESPONSE: Final = qname(SAMLP, "ArtifactResponse")
_ARTIFACT: Final = qname(SAMLP, "Artifact")
_EXTENSIONS: Final = qname(SAMLP, "Extensions")
_SIGNATURE: Final = qname(DS, "Signature")
#: The protocol messages an etoegang artifact may carry (spec §4.1: AuthnRequest, Response,
#: XACMLAuthzDecisionQuery, and the logout messages).
_CARRIABLE_NAMESPACES: Final = frozenset({SAMLP, XACML_SAMLP})


@dataclass(frozen=True, slots=True)
class ArtifactResolve:
    """A parsed ArtifactResolve. Read it only from a verified element."""

    id: str
    issue_instant: datetime
    issuer: str
    #: The artifact exactly as sent; decode it with :func:`etoegang.bindings.artifact.decode`.
    artifact: str
    destination: str | None
    element: etree._Element


@dataclass(frozen=True, slots=True)
class ArtifactResponse:
    """A parsed ArtifactResponse. ``message`` is the carried element, not yet verified."""

    id: str
    in_response_to: str
    issue_instant: datetime
    issuer: str
    #: Top-level Status as received (Success for every conforming peer, §4.1).
    status: Status
    #: The carried protocol message, or None when the artifact could not be resolved.
    message: etree._Element | None
    element: etree._Element

    def require_message(self) -> etree._Element:
        """The carried message, or a typed error when the peer could not return one."""
        if not self.status.is_success:
            raise ArtifactMessageError(
                "the artifact could not be resolved",
                debug=f"top-level status {self.status.top.value} / {self.status.second_uri}",
            )
        if self.message is None:
            raise ArtifactMessageError(
                "the artifact is unknown, expired or already used",
                debug="ArtifactResponse carries no message",
            )
        return self.message


def _new_root(tag: str, *, clock: Clock, ids: IdSource) -> etree._Element:
    # Only the protocol namespace on the root: a carried message's signature may list other
    # prefixes in its InclusiveNamespaces, and those must not come into scope through us.
    root = etree.Element(tag, nsmap={"samlp": SAMLP})
    root.set("ID", ids.new_id())
    root.set("Version", VERSION)
    root.set("IssueInstant", saml_instant(clock.now()))
    return root


def _build_local_issuer(parent: etree._Element, entity_id: str) -> None:
    """saml:Issuer declaring its own namespace, so no ancestor of a carried message does."""
    etree.SubElement(parent, ISSUER, nsmap={"saml": SAML}).text = entity_id


# --- ArtifactResolve --------------------------------------------------------------------------


def build_artifact_resolve(
    *, issuer: str, destination: str, artifact: str, clock: Clock, ids: IdSource
) -> etree._Element:
    """An unsigned ArtifactResolve; sign it with ``xmldsig.sign`` before sending (§4.3)."""
    root = _new_root(_ARTIFACT_RESOLVE, clock=clock, ids=ids)
    root.set("Destination", destination)
    _build_local_issuer(root, issuer)
    etree.SubElement(root, _ARTIFACT).text = artifact
    return root


def parse_artifact_resolve(element: etree._Element) -> ArtifactResolve:
    """Read an ArtifactResolve (SAML core 3.5.1) or raise a typed :class:`MessageError`."""
    if element.tag != _ARTIFACT_RESOLVE:
        raise ArtifactMessageError("expected a samlp:ArtifactResolve", debug=str(element.tag)[:96])
    message_id, issue_instant = read_header(element, "ArtifactResolve")
    where = f"ArtifactResolve {message_id}"
    check_sequence(
        element,
        [slot(ISSUER, min=1), slot(_SIGNATURE), slot(_EXTENSIONS), slot(_ARTIFACT, min=1)],
        where,
    )
    issuer_element, artifact_element = element.find(ISSUER), element.find(_ARTIFACT)
    assert issuer_element is not None and artifact_element is not None  # checked above
    return ArtifactResolve(
        id=message_id,
        issue_instant=issue_instant,
        issuer=parse_issuer(issuer_element, where),
        artifact=value_of(artifact_element, f"{where}/Artifact"),
        destination=opt_attr(element, "Destination", where),
        element=element,
    )


# --- ArtifactResponse -------------------------------------------------------------------------


def build_artifact_response(
    *,
    issuer: str,
    in_response_to: str,
    message: etree._Element | None,
    clock: Clock,
    ids: IdSource,
) -> etree._Element:
    """An unsigned ArtifactResponse with top-level status Success and ``message`` copied in.

    There is deliberately no status parameter (spec §4.1): a failure belongs in the carried
    message's own Status, and ``message=None`` means "no message for this artifact".

    :raises ValueError: ``message`` is not a SAML protocol message (a programming error).
    """
    if message is not None and etree.QName(message).namespace not in _CARRIABLE_NAMESPACES:
        raise ValueError(f"an artifact carries a protocol message, not {message.tag}")
    root = _new_root(_ARTIFACT_RESPONSE, clock=clock, ids=ids)
    root.set("InResponseTo", in_response_to)
    _build_local_issuer(root, issuer)
    build_status(root, SUCCESS)
    if message is None:
        return root
    placeholder(root)
    return graft(root, [message])


def parse_artifact_response(element: etree._Element) -> ArtifactResponse:
    """Read an ArtifactResponse (SAML core 3.5.2) or raise a typed :class:`MessageError`.

    The carried message is returned as it stands in the tree, for the caller to verify.
    """
    if element.tag != _ARTIFACT_RESPONSE:
        raise ArtifactMessageError("expected a samlp:ArtifactResponse", debug=str(element.tag)[:96])
    message_id, issue_instant = read_header(element, "ArtifactResponse")
    where = f"ArtifactResponse {message_id}"
    slots = [slot(ISSUER, min=1), slot(_SIGNATURE), slot(_EXTENSIONS), slot(STATUS, min=1)]
    known = {ISSUER, _SIGNATURE, _EXTENSIONS, STATUS}
    carried = [child for child in children(element) if child.tag not in known]
    if len(carried) > 1:
        raise ArtifactMessageError(
            "an ArtifactResponse carries at most one message", debug=f"{len(carried)} elements"
        )
    message = carried[0] if carried else None
    if message is not None:
        if etree.QName(message).namespace not in _CARRIABLE_NAMESPACES:
            raise ArtifactMessageError(
                "the ArtifactResponse carries no SAML protocol message",
                debug=str(message.tag)[:96],
            )
        slots.append(slot(message.tag, min=1))
    check_sequence(element, slots, where)
    issuer_element, status_element = element.find(ISSUER), element.find(STATUS)
    assert issuer_element is not None and status_element is not None  # checked above
    in_response_to = check_id(req_attr(element, "InResponseTo", where), f"{where}/@InResponseTo")
    return ArtifactResponse(
        id=message_id,
        in_response_to=in_response_to,
        issue_instant=issue_instant,
        issuer=parse_issuer(issuer_element, where),
        status=parse_status(status_element, where),
        message=message,
        element=element,
    )
