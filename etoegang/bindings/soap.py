"""The SOAP envelope of the artifact back-channel: wrap, unwrap, faults and content types.

Spec: ``shared/spec/eherkenning.md`` §4.1 (artifact resolution is a SOAP web service; observed
peers use SOAP 1.1; OneWelcome and Signicat require ``Content-Type: text/xml``) and §11 (accept
``text/xml`` and ``application/soap+xml``); SAML bindings 3.2 (SAML SOAP binding: exactly one
SAML message as the only Body child, SOAP headers carry nothing the receiver must act on);
SOAP 1.1 §4 and §6.2, SOAP 1.2 part 1 §5 and part 2 §7.5 (fault status codes).

A request in SOAP 1.2 is answered in SOAP 1.2 (:attr:`SoapMessage.version` tells the caller);
everything else is answered in SOAP 1.1 with ``text/xml; charset=utf-8``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from functools import cache
from typing import Final

from lxml import etree

from etoegang.errors import SoapError
from etoegang.xml.ns import SOAP11
from etoegang.xml.ns import SOAP12
from etoegang.xml.ns import XML
from etoegang.xml.ns import qname
from etoegang.xml.parser import MESSAGE_LIMITS
from etoegang.xml.parser import parse_xml

__all__ = [
    "FaultCode",
    "SoapMessage",
    "SoapVersion",
    "content_type",
    "envelope",
    "fault",
    "fault_http_status",
    "unwrap",
]

_ACCEPTED_MEDIA_TYPES: Final = frozenset({"text/xml", "application/soap+xml"})
# The parser reads UTF-8 only; a body declared in another charset is refused up front.
_ACCEPTED_CHARSETS: Final = frozenset({"utf-8", "utf8", "us-ascii"})
_PREFIX: Final = {SOAP11: "soap", SOAP12: "env"}


class SoapVersion(Enum):
    """The SOAP version of an envelope; the value is its envelope namespace."""

    V11 = SOAP11
    V12 = SOAP12

    @classmethod
    def _missing_(cls, value: object) -> SoapVersion:
        raise SoapError("not a SOAP envelope", debug=f"namespace {str(value)[:80]!r}")


class FaultCode(Enum):
    """Whose fault a SOAP fault reports (SOAP 1.1 Client/Server = SOAP 1.2 Sender/Receiver)."""

    SENDER = "sender"
    RECEIVER = "receiver"


@dataclass(frozen=True, slots=True)
class SoapMessage:
    """The only Body child of a received envelope, still in its tree, and the SOAP version."""

    body: etree._Element
    version: SoapVersion


def content_type(version: SoapVersion = SoapVersion.V11) -> str:
    """HTTP Content-Type of our SOAP answers (§4.1: text/xml for SOAP 1.1)."""
    if version is SoapVersion.V12:
        return "application/soap+xml; charset=utf-8"
    return "text/xml; charset=utf-8"


def _check_content_type(value: str) -> None:
    media_type, *params = (part.strip() for part in value.split(";"))
    if media_type.lower() not in _ACCEPTED_MEDIA_TYPES:
        raise SoapError(
            "the SOAP request must be sent as text/xml or application/soap+xml",
            debug=f"Content-Type {value[:80]!r}",
        )
    for param in params:
        name, _, raw = param.partition("=")
        if name.strip().lower() == "charset":
            charset = raw.strip().strip('"').lower()
            if charset not in _ACCEPTED_CHARSETS:
                raise SoapError("the SOAP request must be UTF-8", debug=f"charset {charset!r}")


def _element_children(element: etree._Element) -> list[etree._Element]:
    return [child for child in element if isinstance(child.tag, str)]


def _refuse_text(element: etree._Element) -> None:
    # Character data between SOAP structure elements is not allowed (SOAP 1.2 part 1 §5).
    texts = [element.text] + [child.tail for child in element]
    if any(text and text.strip() for text in texts):
        raise SoapError(
            "the SOAP envelope contains stray text", debug=etree.QName(element).localname
        )


def _check_headers(header: etree._Element, namespace: str) -> None:
    must_understand = qname(namespace, "mustUnderstand")
    for block in _element_children(header):
        if block.get(must_understand, "").strip() in ("1", "true"):
            # SAML bindings 3.2.2.1: we process no header blocks, so we understand none.
            raise SoapError(
                "a SOAP header that must be understood is not supported",
                debug=str(etree.QName(block)),
            )


def unwrap(data: bytes, content_type: str) -> SoapMessage:
    """Parse a SOAP request or response and return its single Body child.

    :raises SoapError: wrong content type, not an envelope, header blocks marked
        mustUnderstand, or a Body that does not hold exactly one element.
    :raises XmlError: the document is refused by the hardened parser (DOCTYPE, size, ...).
    """
    _check_content_type(content_type)
    root = parse_xml(data, MESSAGE_LIMITS)
    name = etree.QName(root)
    version = SoapVersion(name.namespace or "")
    if name.localname != "Envelope":
        raise SoapError("not a SOAP envelope", debug=name.localname)
    namespace = version.value
    _refuse_text(root)
    children = _element_children(root)
    header_tag, body_tag = qname(namespace, "Header"), qname(namespace, "Body")
    if children and children[0].tag == header_tag:
        _check_headers(children[0], namespace)
        children = children[1:]
    if len(children) != 1 or children[0].tag != body_tag:
        raise SoapError("a SOAP envelope holds one Body after an optional Header")
    body = children[0]
    _refuse_text(body)
    payload = _element_children(body)
    if len(payload) != 1:
        raise SoapError(
            "the SOAP Body must hold exactly one message", debug=f"{len(payload)} elements"
        )
    return SoapMessage(body=payload[0], version=version)


def _new_envelope(version: SoapVersion) -> tuple[etree._Element, etree._Element]:
    namespace = version.value
    root = etree.Element(qname(namespace, "Envelope"), nsmap={_PREFIX[namespace]: namespace})
    body = etree.SubElement(root, qname(namespace, "Body"))
    return root, body


def _serialize(root: etree._Element) -> bytes:
    return etree.tostring(root, encoding="utf-8", xml_declaration=True)


#: Text standing for the Body's content while the frame of an envelope is serialised.
_BODY_SLOT: Final = "makelaar-soap-body-slot"


@cache
def _frame(version: SoapVersion) -> tuple[bytes, bytes]:
    """The serialised envelope before and after the Body's content (made by lxml, once)."""
    root, body = _new_envelope(version)
    body.text = _BODY_SLOT
    head, tail = _serialize(root).split(_BODY_SLOT.encode("ascii"))
    return head, tail


def envelope(body_element: etree._Element, version: SoapVersion = SoapVersion.V11) -> bytes:
    """A SOAP envelope whose Body holds a copy of ``body_element``, serialised as UTF-8.

    The element's own serialisation is placed between the envelope's start and end tags, so
    it arrives byte for byte as we serialised it and its signature still verifies (the same
    reason :mod:`etoegang.xml.graft` exists). Unlike a graft, nothing has to be parsed again:
    the envelope declares only its own prefix and no default namespace, and the element's
    serialisation declares every namespace it uses, so exclusive C14N of the element is the
    same inside the envelope as alone.
    """
    body = etree.tostring(body_element, with_tail=False)
    head, tail = _frame(version)
    return head + body + tail


def fault(code: FaultCode, reason: str, version: SoapVersion = SoapVersion.V11) -> bytes:
    """A SOAP fault envelope; ``reason`` must be public text (never a traceback)."""
    root, body = _new_envelope(version)
    namespace = version.value
    prefix = _PREFIX[namespace]
    fault_element = etree.SubElement(body, qname(namespace, "Fault"))
    if version is SoapVersion.V11:
        # SOAP 1.1 §4.4: faultcode and faultstring are unqualified; the code is a QName.
        local = "Client" if code is FaultCode.SENDER else "Server"
        etree.SubElement(fault_element, "faultcode").text = f"{prefix}:{local}"
        etree.SubElement(fault_element, "faultstring").text = reason
    else:
        local = "Sender" if code is FaultCode.SENDER else "Receiver"
        code_element = etree.SubElement(fault_element, qname(namespace, "Code"))
        etree.SubElement(code_element, qname(namespace, "Value")).text = f"{prefix}:{local}"
        reason_element = etree.SubElement(fault_element, qname(namespace, "Reason"))
        text = etree.SubElement(reason_element, qname(namespace, "Text"))
        text.set(qname(XML, "lang"), "en")
        text.text = reason
    return _serialize(root)


def fault_http_status(code: FaultCode, version: SoapVersion = SoapVersion.V11) -> int:
    """HTTP status for a fault: SOAP 1.1 §6.2 always 500; SOAP 1.2 part 2 §7.5 400 or 500."""
    if version is SoapVersion.V12 and code is FaultCode.SENDER:
        return 400
    return 500
