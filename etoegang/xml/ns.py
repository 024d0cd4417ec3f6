"""The XML namespaces of SAML 2.0, XML-DSig, XML-Enc, XACML, SOAP and etoegang.

One table, so that no module spells a namespace URI of its own.
"""

from __future__ import annotations

from typing import Final

SAML: Final = "urn:oasis:names:tc:SAML:2.0:assertion"
SAMLP: Final = "urn:oasis:names:tc:SAML:2.0:protocol"
MD: Final = "urn:oasis:names:tc:SAML:2.0:metadata"
MDATTR: Final = "urn:oasis:names:tc:SAML:metadata:attribute"
DS: Final = "http://www.w3.org/2000/09/xmldsig#"
DSIG11: Final = "http://www.w3.org/2009/xmldsig11#"
XENC: Final = "http://www.w3.org/2001/04/xmlenc#"
XENC11: Final = "http://www.w3.org/2009/xmlenc11#"
EC: Final = "http://www.w3.org/2001/10/xml-exc-c14n#"
XSI: Final = "http://www.w3.org/2001/XMLSchema-instance"
XS: Final = "http://www.w3.org/2001/XMLSchema"
SOAP11: Final = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12: Final = "http://www.w3.org/2003/05/soap-envelope"
XACML_CONTEXT: Final = "urn:oasis:names:tc:xacml:2.0:context:schema:os"
XACML_POLICY: Final = "urn:oasis:names:tc:xacml:2.0:policy:schema:os"
XACML_SAMLP: Final = "urn:oasis:xacml:2.0:saml:protocol:schema:os"
XACML_SAML: Final = "urn:oasis:xacml:2.0:saml:assertion:schema:os"
ESC: Final = "urn:etoegang:1.13:service-catalog"
ESP: Final = "urn:etoegang:1.9:samlp-extension"
EMD: Final = "urn:etoegang:1.13:metadata-extension"
EIDAS: Final = "http://eidas.europa.eu/saml-extensions"
EIDAS_NP: Final = "http://eidas.europa.eu/attributes/naturalperson"
EIDAS_LP: Final = "http://eidas.europa.eu/attributes/legalperson"
MDRPI: Final = "urn:oasis:names:tc:SAML:metadata:rpi"
MDUI: Final = "urn:oasis:names:tc:SAML:metadata:ui"
ALG: Final = "urn:oasis:names:tc:SAML:metadata:algsupport"
XML: Final = "http://www.w3.org/XML/1998/namespace"

#: Prefixes used when Makelaar emits XML; peers may use any prefix on input.
PREFIXES: Final[dict[str, str]] = {
    "saml": SAML,
    "samlp": SAMLP,
    "md": MD,
    "mdattr": MDATTR,
    "ds": DS,
    "xenc": XENC,
    "xenc11": XENC11,
    "ec": EC,
    "xsi": XSI,
    "xs": XS,
    "soap": SOAP11,
    "xacml-context": XACML_CONTEXT,
    "xacml": XACML_POLICY,
    "xacmlp": XACML_SAMLP,
    "xacml-saml": XACML_SAML,
    "esc": ESC,
    "esp": ESP,
    "emd": EMD,
    "eidas": EIDAS,
    "mdrpi": MDRPI,
    "mdui": MDUI,
    "alg": ALG,
}


def qname(namespace: str, local: str) -> str:
    """Clark notation ``{ns}local`` as lxml uses it."""
    return f"{{{namespace}}}{local}"
