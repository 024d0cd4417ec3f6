"""A DV on python3-saml (1.16), adapted to accept eHerkenning's HM Response (spec §4.5).

The HM Response carries the HM assertion with the AD and MR assertions, each signed by its
issuer, unchanged in Advice. Stock ``OneLogin_Saml2_Response.is_valid`` refuses it:

1. ``validate_num_assertions`` counts every ``//saml:Assertion`` (3 here) and wants 1;
2. ``process_signed_elements`` counts every ``//ds:Signature`` (Response, HM assertion and the
   two Advice assertions) and ``validate_signed_elements`` allows at most one Response and one
   Assertion signature;
3. in strict mode the Response is validated against python3-saml's bundled
   ``saml-schema-protocol-2.0.xsd``, which knows neither the XACML SAML profile's
   ``XACMLAuthzDecisionStatementType`` (the MR assertion's statement) nor XML-Enc 1.1
   ``xenc11:MGF`` (in every EncryptedKey).

The adaptations (django-digid-eherkenning does 1 and 2 with ``disableSignatureWrappingProtection``
in its python3-saml fork; here without a fork, tighter, see ``docs/dv-libraries.md``):

* :class:`EherkenningResponse` counts exactly one top-level Assertion and accepts further
  Assertions only as direct children of *its* ``saml:Advice``; signatures inside those Advice
  assertions are checked for shape (enveloped, Reference = the parent's unique ID, algorithm
  not deprecated) and left out of the stock signed-element count, which then runs unchanged
  on the Response and HM assertion signatures. The stock code still verifies the Response
  signature and the HM assertion's signature with the HM certificate, and reads identity only
  from ``/samlp:Response/saml:Assertion``.
* The strict schema check uses python3-saml's own protocol schema plus the XACML SAML profile
  and ``xenc11:MGF`` while an :class:`EherkenningResponse` validates
  (:func:`install`: python3-saml builds schemas through ``OneLogin_Saml2_XML._schema_class``).
* EncryptedIDs are opened with python3-saml's own ``OneLogin_Saml2_Utils.decrypt_element``
  (python-xmlsec, libxmlsec 1.3: AES-256-GCM and XML-Enc 1.1 RSA-OAEP), after moving the
  EncryptedKey into the EncryptedData's KeyInfo as python3-saml does for EncryptedAssertion.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import onelogin.saml2
from lxml import etree
from onelogin.saml2.auth import OneLogin_Saml2_Auth
from onelogin.saml2.constants import OneLogin_Saml2_Constants
from onelogin.saml2.response import OneLogin_Saml2_Response
from onelogin.saml2.utils import OneLogin_Saml2_Utils
from onelogin.saml2.utils import OneLogin_Saml2_ValidationError
from onelogin.saml2.xml_utils import OneLogin_Saml2_XML

from etoegang.xml.parser import DOCUMENT_LIMITS
from etoegang.xml.parser import parse_xml
from etoegang.xml.parser import text_of
from tests.e2e.sp_pysaml2 import SAML
from tests.e2e.sp_pysaml2 import SAMLP
from tests.e2e.sp_pysaml2 import XACML_SAML
from tests.e2e.sp_pysaml2 import XENC11
from tests.e2e.sp_pysaml2 import XS
from tests.e2e.sp_pysaml2 import wrapper_schema
from tests.e2e.sp_pysaml2 import write_xacml_schemas

DS = "http://www.w3.org/2000/09/xmldsig#"
XENC = "http://www.w3.org/2001/04/xmlenc#"
#: python3-saml's bundled schemas (the files its own strict check loads).
SCHEMA_DIR = Path(onelogin.saml2.__file__).parent / "schemas"

#: True while an EherkenningResponse validates (the schema factory's switch).
_ADAPTED: ContextVar[bool] = ContextVar("eherkenning_python3_saml_adapted", default=False)
_install_lock = threading.Lock()


def _xenc11_stand_in(directory: Path) -> str:
    """``xenc11:MGF`` as XML-Enc 1.1 declares it (an algorithm identifier)."""
    schema = etree.Element(f"{{{XS}}}schema", nsmap={"xs": XS}, targetNamespace=XENC11,
                           elementFormDefault="qualified")
    mgf = etree.SubElement(schema, f"{{{XS}}}element", name="MGF")
    content = etree.SubElement(mgf, f"{{{XS}}}complexType")
    sequence = etree.SubElement(content, f"{{{XS}}}sequence")
    etree.SubElement(sequence, f"{{{XS}}}element", name="Parameters", type="xs:anyType",
                     minOccurs="0")
    etree.SubElement(content, f"{{{XS}}}attribute", name="Algorithm", type="xs:anyURI",
                     use="required")
    path = directory / "xenc11.xsd"
    path.write_bytes(etree.tostring(schema, xml_declaration=True, encoding="UTF-8"))
    return str(path)


def eherkenning_protocol_schema(directory: Path) -> etree.XMLSchema:
    """python3-saml's protocol schema (its own files) plus the XACML profile and xenc11:MGF."""
    directory.mkdir(parents=True, exist_ok=True)
    imports = {SAMLP: str(SCHEMA_DIR / "saml-schema-protocol-2.0.xsd"),
               XENC11: _xenc11_stand_in(directory)}
    profile = write_xacml_schemas(directory, str(SCHEMA_DIR / "saml-schema-assertion-2.0.xsd"))
    imports[XACML_SAML] = profile[XACML_SAML]
    wrapper = wrapper_schema(directory, imports)
    return etree.XMLSchema(etree.ElementTree(_schema_document(wrapper)))


def _schema_document(path: str) -> etree._Element:
    return parse_xml(Path(path).read_bytes(), limits=DOCUMENT_LIMITS)


class _SchemaFactory:
    """Stands in for ``etree.XMLSchema`` in python3-saml: the extended protocol schema while
    an EherkenningResponse validates, python3-saml's own schema otherwise."""

    def __init__(self, extended: etree.XMLSchema) -> None:
        self.extended = extended

    def __call__(self, schema_document: Any) -> etree.XMLSchema:
        root = schema_document.getroot() if hasattr(schema_document, "getroot") else None
        if _ADAPTED.get() and root is not None and root.get("targetNamespace") == SAMLP:
            return self.extended
        return etree.XMLSchema(schema_document)


def install(directory: Path) -> None:
    """Register the extended schema with python3-saml's validation (once per process)."""
    with _install_lock:
        if isinstance(OneLogin_Saml2_XML._schema_class, _SchemaFactory):
            return
        OneLogin_Saml2_XML._schema_class = _SchemaFactory(eherkenning_protocol_schema(directory))


@contextmanager
def _adapted() -> Iterator[None]:
    token = _ADAPTED.set(True)
    try:
        yield
    finally:
        _ADAPTED.reset(token)


_RESPONSE = f"{{{SAMLP}}}Response"
_ASSERTION = f"{{{SAML}}}Assertion"
_ADVICE = f"{{{SAML}}}Advice"
_SIGNATURE = f"{{{DS}}}Signature"


class EherkenningResponse(OneLogin_Saml2_Response):  # type: ignore[misc]
    """OneLogin_Saml2_Response for an HM Response with assertions in Advice (module docstring)."""

    _outer_signatures_only = False

    def _top_assertions(self) -> list[etree._Element]:
        root = self.document
        return [child for child in root if child.tag == _ASSERTION]

    def _in_top_advice(self, assertion: etree._Element, top: etree._Element) -> bool:
        advice = assertion.getparent()
        return advice is not None and advice.tag == _ADVICE and advice.getparent() is top

    def validate_num_assertions(self) -> bool:
        if self.encrypted or self.document.tag != _RESPONSE:
            return False
        tops = self._top_assertions()
        if len(tops) != 1:
            return False
        if self.document.findall(f".//{{{SAML}}}EncryptedAssertion"):
            return False
        everywhere = list(self.document.iter(_ASSERTION))
        return all(a is tops[0] or self._in_top_advice(a, tops[0]) for a in everywhere)

    def _advice_signatures(self) -> list[etree._Element]:
        (top,) = self._top_assertions()
        return [
            signature for signature in self.document.iter(_SIGNATURE)
            if signature.getparent() is not None
            and signature.getparent().tag == _ASSERTION
            and self._in_top_advice(signature.getparent(), top)
        ]

    def _check_advice_signature_shapes(self) -> None:
        """Each Advice assertion's signature: enveloped on its parent, whose ID is unique in
        the document; algorithms not deprecated. (Their keys are the AD's and MR's, which the
        broker verified; this DV trusts them through the HM assertion's signature.)"""
        ids = [el.get("ID") for el in self.document.iter() if el.get("ID") is not None]
        for signature in self._advice_signatures():
            parent = signature.getparent()
            assert parent is not None
            parent_id = parent.get("ID")
            references = signature.findall(f"{{{DS}}}SignedInfo/{{{DS}}}Reference")
            if (not parent_id or ids.count(parent_id) != 1 or len(references) != 1
                    or references[0].get("URI") != f"#{parent_id}"):
                raise OneLogin_Saml2_ValidationError(
                    "Found an invalid Signed Element in Advice. SAML Response rejected",
                    OneLogin_Saml2_ValidationError.INVALID_SIGNED_ELEMENT,
                )
            methods = [*signature.iter(f"{{{DS}}}SignatureMethod"),
                       *signature.iter(f"{{{DS}}}DigestMethod")]
            for method in methods:
                if method.get("Algorithm") in OneLogin_Saml2_Constants.DEPRECATED_ALGORITHMS:
                    raise OneLogin_Saml2_ValidationError(
                        "Deprecated algorithm in an Advice assertion's signature",
                        OneLogin_Saml2_ValidationError.DEPRECATED_SIGNATURE_METHOD,
                    )

    def process_signed_elements(self) -> list[str]:
        self._check_advice_signature_shapes()
        self._outer_signatures_only = True
        try:
            signed: list[str] = super().process_signed_elements()
        finally:
            self._outer_signatures_only = False
        return signed

    def _query(self, query: str, tagid: str | None = None) -> list[etree._Element]:
        nodes: list[etree._Element] = super()._query(query, tagid)
        if self._outer_signatures_only and query == "//ds:Signature":
            advice = set(self._advice_signatures())
            return [node for node in nodes if node not in advice]
        return nodes

    def is_valid(self, request_data: Any, request_id: str | None = None,
                 raise_exceptions: bool = False) -> bool:
        with _adapted():
            valid: bool = super().is_valid(request_data, request_id, raise_exceptions)
        return valid


class EherkenningAuth(OneLogin_Saml2_Auth):  # type: ignore[misc]
    """python3-saml's Auth with the adapted Response class (its documented class hook)."""

    response_class = EherkenningResponse


def decrypt_encrypted_id(encrypted_id: etree._Element, private_key_pem: str) -> etree._Element:
    """The NameID in an EncryptedID, by python3-saml's ``decrypt_element``.

    python3-saml resolves the RetrievalMethod to a sibling EncryptedKey only for
    EncryptedAssertion (``_decrypt_assertion``: it moves the key into KeyInfo); the DV does the
    same on a copy of the EncryptedID.
    """
    wrapper = copy.deepcopy(encrypted_id)
    data = wrapper.find(f"{{{XENC}}}EncryptedData")
    key = wrapper.find(f"{{{XENC}}}EncryptedKey")
    if data is None or key is None:
        raise OneLogin_Saml2_ValidationError(
            "EncryptedID without EncryptedData and EncryptedKey",
            OneLogin_Saml2_ValidationError.KEYINFO_NOT_FOUND_IN_ENCRYPTED_DATA,
        )
    key_info = data.find(f"{{{DS}}}KeyInfo")
    retrieval = None if key_info is None else key_info.find(f"{{{DS}}}RetrievalMethod")
    if key_info is None or retrieval is None or retrieval.get("URI") != f"#{key.get('Id')}":
        raise OneLogin_Saml2_ValidationError(
            "EncryptedData does not point at its EncryptedKey",
            OneLogin_Saml2_ValidationError.UNSUPPORTED_RETRIEVAL_METHOD,
        )
    key_info.remove(retrieval)
    key_info.append(key)
    name_id: etree._Element = OneLogin_Saml2_Utils.decrypt_element(data, private_key_pem)
    if name_id.tag != f"{{{SAML}}}NameID":
        raise OneLogin_Saml2_ValidationError(
            f"an EncryptedID holding {name_id.tag}",
            OneLogin_Saml2_ValidationError.KEYINFO_NOT_FOUND_IN_ENCRYPTED_DATA,
        )
    return name_id


def identity_values(auth: EherkenningAuth, private_key_pem: str) -> dict[str, list[str]]:
    """What the DV received after ``auth.process_response`` accepted the Response: python3-saml's
    ``get_attributes`` (plain values) and the HM assertion's EncryptedIDs opened as
    ``NameQualifier:value``. python3-saml skips EncryptedID attribute values, so they are read
    from the accepted document's top-level assertion (``get_last_response_xml``)."""
    if not auth.is_authenticated():
        raise OneLogin_Saml2_ValidationError(
            "no accepted Response", OneLogin_Saml2_ValidationError.NO_SIGNATURE_FOUND
        )
    values: dict[str, list[str]] = {
        name: [str(v) for v in found] for name, found in auth.get_attributes().items() if found
    }
    document = parse_xml(auth.get_last_response_xml().encode("utf-8"))
    top = document.find(f"{{{SAML}}}Assertion")
    assert top is not None
    for attribute in top.iterfind(f"{{{SAML}}}AttributeStatement/{{{SAML}}}Attribute"):
        for encrypted in attribute.iterfind(f"{{{SAML}}}AttributeValue/{{{SAML}}}EncryptedID"):
            name_id = decrypt_encrypted_id(encrypted, private_key_pem)
            values.setdefault(attribute.get("Name", ""), []).append(
                f"{name_id.get('NameQualifier', '')}:{text_of(name_id)}"
            )
    return values
