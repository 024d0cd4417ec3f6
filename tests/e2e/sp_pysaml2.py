"""A DV on pysaml2 (7.5), adapted to receive eHerkenning's HM Response (spec §4.5).

Stock pysaml2 refuses the HM Response before it checks any signature. ``SecurityContext.
_check_signature`` first validates ``str(item)`` (pysaml2's own re-serialisation of the parsed
message) against its bundled schemas, and the HM assertion carries the MR assertion in Advice
with a ``saml:Statement xsi:type="xacml-saml:XACMLAuthzDecisionStatementType"`` (the XACML SAML
profile). (1) pysaml2's schemas lack that profile; (2) its re-serialisation drops the
``xmlns:xacml-saml`` declaration that only the xsi:type value uses, so the type cannot resolve
even with the profile schema added.

The adaptations, each on the DV side only (``docs/dv-libraries.md``):

* :class:`EherkenningSecurityContext` schema-validates each signed element *as received*
  (the exact octets xmlsec1 then verifies) instead of pysaml2's re-serialisation; everything
  else of pysaml2's check (issuer keys from metadata only, the saml-core 5.4 reference and
  transform rules, xmlsec1 verification, certificate check) runs unchanged.
* The schema set used there is pysaml2's own plus the XACML SAML profile's statement type
  (:func:`eherkenning_schema_validator`). pysaml2 has no per-client hook for its schema set
  (``saml2.xml.schema.validate`` reads a module default), so :func:`install` swaps that default
  for a dispatcher that uses the extended set only while an :class:`EherkenningSecurityContext`
  checks a signature, and pysaml2's stock set everywhere else.
* Artifact resolution keeps the received octets (:func:`resolve_artifact`): pysaml2's SOAP
  unwrapping re-serialises the ArtifactResponse too.
* EncryptedIDs: pysaml2's own decryption (xmlsec1 ``--decrypt``) cannot open them, as xmlsec1
  1.2.37 lacks XML-Enc 1.1 RSA-OAEP; :func:`decrypt_encrypted_id` uses ``cryptography``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from importlib.resources import files
from pathlib import Path
from typing import Any

from lxml import etree

from etoegang.xml.parser import parse_xml
from etoegang.xml.parser import text_of
from keys.ring import KeyPair

XS = "http://www.w3.org/2001/XMLSchema"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
XACML_SAML = "urn:oasis:xacml:2.0:saml:assertion:schema:os"
XACML_CONTEXT = "urn:oasis:names:tc:xacml:2.0:context:schema:os"
XENC11 = "http://www.w3.org/2009/xmlenc11#"
WRAPPER_NS = "urn:makelaar:test:dv-schemas"

def _xs(parent: etree._Element, local: str, /, **attributes: str) -> etree._Element:
    return etree.SubElement(parent, f"{{{XS}}}{local}", attributes)


def _schema(target: str, **nsmap: str) -> etree._Element:
    return etree.Element(f"{{{XS}}}schema", nsmap={"xs": XS, **nsmap}, targetNamespace=target,
                         elementFormDefault="qualified")


def _write(path: Path, schema: etree._Element) -> str:
    path.write_bytes(etree.tostring(schema, xml_declaration=True, encoding="UTF-8"))
    return str(path)


def write_xacml_schemas(directory: Path, assertion_xsd: str) -> dict[str, str]:
    """The XACML SAML profile's statement type and a stand-in for the XACML context elements.

    ``XACMLAuthzDecisionStatementType`` is the OASIS XACML 2.0 SAML profile's type (a
    ``saml:StatementAbstractType`` holding ``xacml-context:Response`` and optionally
    ``xacml-context:Request``). The XACML 2.0 context schema itself is large; the stand-in
    declares its two elements with content that is not checked (the MR's signature covers it,
    and the DV reads only the HM assertion's own attributes). ``assertion_xsd`` is the SAML
    assertion schema file the caller's library already loads. Returns namespace -> file.
    """
    directory.mkdir(parents=True, exist_ok=True)
    context = _schema(XACML_CONTEXT)
    for name in ("Response", "Request"):
        open_type = _xs(_xs(context, "element", name=name), "complexType")
        _xs(_xs(open_type, "sequence"), "any", namespace="##any", processContents="skip",
            minOccurs="0", maxOccurs="unbounded")
        _xs(open_type, "anyAttribute", namespace="##any", processContents="skip")
    context_xsd = _write(directory / "xacml-context.xsd", context)

    profile = _schema(XACML_SAML, saml=SAML, **{"xacml-saml": XACML_SAML,
                                                "xacml-context": XACML_CONTEXT})
    profile.set("elementFormDefault", "unqualified")
    _xs(profile, "import", namespace=SAML, schemaLocation=assertion_xsd)
    _xs(profile, "import", namespace=XACML_CONTEXT, schemaLocation=context_xsd)
    _xs(profile, "element", name="XACMLAuthzDecisionStatement",
        type="xacml-saml:XACMLAuthzDecisionStatementType")
    statement = _xs(profile, "complexType", name="XACMLAuthzDecisionStatementType")
    extension = _xs(_xs(statement, "complexContent"), "extension",
                    base="saml:StatementAbstractType")
    sequence = _xs(extension, "sequence")
    _xs(sequence, "element", ref="xacml-context:Response")
    _xs(sequence, "element", ref="xacml-context:Request", minOccurs="0")
    return {XACML_CONTEXT: context_xsd, XACML_SAML: _write(directory / "xacml-saml.xsd", profile)}


def wrapper_schema(directory: Path, imports: dict[str, str]) -> str:
    """One schema document importing ``imports`` (namespace -> file), for one validator."""
    wrapper = _schema(WRAPPER_NS)
    for namespace, location in imports.items():
        _xs(wrapper, "import", namespace=namespace, schemaLocation=location)
    return _write(directory / "dv-schemas.xsd", wrapper)


def _pysaml2_locations() -> dict[str, str]:
    import saml2.data.schemas

    bundled = files(saml2.data.schemas)
    return {
        namespace: str(bundled.joinpath(name))
        for namespace, name in {
            "http://www.w3.org/XML/1998/namespace": "xml.xsd",
            "http://schemas.xmlsoap.org/soap/envelope/": "envelope.xsd",
            "http://www.w3.org/2001/04/xmlenc#": "xenc-schema.xsd",
            XENC11: "xenc-schema-11.xsd",
            "http://www.w3.org/2000/09/xmldsig#": "xmldsig-core-schema.xsd",
            SAML: "saml-schema-assertion-2.0.xsd",
            "urn:oasis:names:tc:SAML:2.0:metadata": "saml-schema-metadata-2.0.xsd",
            SAMLP: "saml-schema-protocol-2.0.xsd",
        }.items()
    }


def eherkenning_schema_validator(directory: Path) -> Any:
    """pysaml2's own schema set (same files, same strictness) plus the XACML SAML profile."""
    from xmlschema import XMLSchema

    locations = _pysaml2_locations()
    locations.update(write_xacml_schemas(directory, locations[SAML]))
    wrapper = wrapper_schema(directory, {SAMLP: locations[SAMLP],
                                         XACML_SAML: locations[XACML_SAML]})
    # "local": files only, never a schema fetched over the network.
    return XMLSchema(wrapper, validation="strict", locations=locations, allow="local",
                     use_fallback=False)


#: True while an EherkenningSecurityContext checks a signature (the dispatcher's switch).
_ADAPTED: ContextVar[bool] = ContextVar("eherkenning_pysaml2_adapted", default=False)
_install_lock = threading.Lock()


class _SchemaDispatcher:
    """Stands in for pysaml2's default validator: the extended set only when adapted."""

    def __init__(self, stock: Any, extended: Any) -> None:
        self.stock = stock
        self.extended = extended

    def validate(self, doc: Any) -> None:
        (self.extended if _ADAPTED.get() else self.stock).validate(doc)


def install(directory: Path) -> None:
    """Register the XACML SAML profile with pysaml2's schema validation (once per process)."""
    from saml2.xml import schema

    with _install_lock:
        if isinstance(schema._schema_validator_default, _SchemaDispatcher):
            return
        schema._schema_validator_default = _SchemaDispatcher(
            schema._schema_validator_default, eherkenning_schema_validator(directory)
        )


@contextmanager
def _adapted() -> Iterator[None]:
    token = _ADAPTED.set(True)
    try:
        yield
    finally:
        _ADAPTED.reset(token)


class _AsReceived:
    """A parsed pysaml2 message whose ``str()`` is the element exactly as it was received."""

    def __init__(self, item: Any, received: str) -> None:
        self._item = item
        self._received = received

    def __getattr__(self, name: str) -> Any:
        return getattr(self._item, name)

    def __str__(self) -> str:
        return self._received


def element_as_received(document: str | bytes, tag: str, element_id: str) -> str:
    """The one element with this tag and ID in the received document, with its in-scope
    namespace declarations (lxml writes them on the copy); two elements with one ID: refused."""
    data = document.encode("utf-8") if isinstance(document, str) else document
    root = parse_xml(data)
    found = [el for el in root.iter(tag) if el.get("ID") == element_id]
    same_id = [el for el in root.iter() if el.get("ID") == element_id]
    if len(found) != 1 or len(same_id) != 1:
        from saml2.sigver import SignatureError

        raise SignatureError(f"{len(same_id)} elements with ID {element_id!r}")
    return etree.tostring(found[0]).decode("utf-8")


def _security_context_class() -> type[Any]:
    from saml2.sigver import NODE_NAME
    from saml2.sigver import SecurityContext

    class EherkenningSecurityContext(SecurityContext):  # type: ignore[misc]
        """pysaml2's signature check, schema-validating what was received (module docstring)."""

        @classmethod
        def adopt(cls, stock: SecurityContext) -> EherkenningSecurityContext:
            # The client built its context from the config (keys, metadata, xmlsec1); keep
            # all of it and change only the class.
            adapted = cls.__new__(cls)
            adapted.__dict__.update(vars(stock))
            return adapted

        def _check_signature(
            self, decoded_xml: Any, item: Any, node_name: str = NODE_NAME,
            origdoc: Any = None, must: bool = False, only_valid_cert: bool = False,
            issuer: Any = None,
        ) -> Any:
            tag = f"{{{item.c_namespace}}}{item.c_tag}"
            received = _AsReceived(item, element_as_received(decoded_xml, tag, item.id))
            with _adapted():
                super()._check_signature(decoded_xml, received, node_name, origdoc, must,
                                         only_valid_cert, issuer)
            return item

    return EherkenningSecurityContext


def eherkenning_client(config: Any) -> Any:
    """A ``Saml2Client`` for ``config`` whose security context is the adapted one."""
    from saml2.client import Saml2Client

    client = Saml2Client(config)
    client.sec = _security_context_class().adopt(client.sec)
    return client


def resolve_artifact(client: Any, artifact: str) -> bytes:
    """Resolve ``artifact`` at the broker and return the carried Response exactly as received.

    pysaml2's own ``parse_artifact_resolve_response`` unwraps the SOAP body with ElementTree
    and checks the re-serialised ArtifactResponse, whose ``xacml-saml`` declaration (and the
    exclusive-C14N InclusiveNamespaces prefixes of every signature) are gone. So the DV sends
    pysaml2's signed ArtifactResolve, takes the ArtifactResponse out of the envelope with its
    octets intact, lets the adapted context check its signature (HM key from metadata), checks
    that it answers this ArtifactResolve, and hands the inner Response on as received.
    """
    from saml2.s_utils import sid
    from saml2.sigver import SignatureError
    from saml2.xmldsig import DIGEST_SHA256
    from saml2.xmldsig import SIG_RSA_SHA256

    destination = client.artifact2destination(artifact, "idpsso")
    resolve_id, resolve = client.create_artifact_resolve(
        artifact, destination, sid(), sign=True, sign_alg=SIG_RSA_SHA256,
        digest_alg=DIGEST_SHA256,
    )
    answer = client.send_using_soap(resolve, destination)
    if answer.status_code != 200:
        raise SignatureError(f"artifact resolution answered HTTP {answer.status_code}")
    envelope = parse_xml(answer.content)
    (artifact_response,) = envelope.iter(f"{{{SAMLP}}}ArtifactResponse")
    checked = client.sec.correctly_signed_artifact_response(
        etree.tostring(artifact_response).decode("utf-8"), must=True
    )
    if checked.in_response_to != resolve_id:
        raise SignatureError("the ArtifactResponse answers another ArtifactResolve")
    (response,) = artifact_response.iterfind(f"{{{SAMLP}}}Response")
    return etree.tostring(response)


def decrypt_encrypted_id(pair: KeyPair, encrypted_id: etree._Element) -> etree._Element:
    """The NameID inside an EncryptedID, opened with the DV's service key.

    pysaml2's own ``SecurityContext.decrypt`` shells out to ``xmlsec1 --decrypt``, and
    xmlsec1 1.2.37 knows no XML-Enc 1.1 ``rsa-oaep`` (the EncryptedKey's method; the data
    itself is AES-256-GCM), so it cannot open these (``test_stock_pysaml2_cannot_decrypt``
    records that). The DV opens them with ``cryptography`` alone, by reading the XML-Enc
    elements (the reference decryptor of ``tests/protocol/test_xmlenc_interop.py``).
    """
    from tests.protocol.test_xmlenc_interop import independent_decrypt

    name_id = parse_xml(independent_decrypt(encrypted_id, pair))
    if name_id.tag != f"{{{SAML}}}NameID":
        raise ValueError(f"an EncryptedID holding {name_id.tag}")
    return name_id


def identity_values(pair: KeyPair, assertion: etree._Element) -> dict[str, list[str]]:
    """What the DV reads from the HM assertion's AttributeStatement: plain values as text,
    EncryptedID values decrypted to ``NameQualifier:value``."""
    values: dict[str, list[str]] = {}
    for attribute in assertion.iterfind(f"{{{SAML}}}AttributeStatement/{{{SAML}}}Attribute"):
        name = attribute.get("Name", "")
        for value in attribute.iterfind(f"{{{SAML}}}AttributeValue"):
            encrypted = value.find(f"{{{SAML}}}EncryptedID")
            if encrypted is not None:
                name_id = decrypt_encrypted_id(pair, encrypted)
                values.setdefault(name, []).append(
                    f"{name_id.get('NameQualifier', '')}:{text_of(name_id)}"
                )
            elif len(value) == 0:
                values.setdefault(name, []).append(text_of(value))
    return values
