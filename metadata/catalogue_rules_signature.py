"""Catalogue lint rule SC01: the catalogue is signed, verifiably, by an unexpired certificate.

Spec: ``shared/spec/eherkenning.md`` §6 (the catalogue is signed with RSA-SHA256 and SHA-256;
the signer's certificate travels in KeyInfo) and §5 (certificates). Run by
:func:`metadata.catalogue_lint.lint_catalogue`.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator

from cryptography import x509

from etoegang.crypto import xmldsig
from etoegang.errors import SignatureAlgorithmRefused
from etoegang.errors import SignatureError
from etoegang.xml.ns import DS
from etoegang.xml.ns import qname
from keys.ring import PeerCertificate
from metadata.catalogue_lint_model import CatalogueDoc
from metadata.catalogue_lint_model import Rule
from metadata.catalogue_lint_model import Violation
from metadata.catalogue_lint_model import line_of
from metadata.catalogue_lint_model import value_text


def signed(doc: CatalogueDoc) -> Iterator[Violation]:
    signatures = doc.root.findall(qname(DS, "Signature"))
    if not signatures:
        yield Violation(Rule.SIGNED, "the catalogue carries no ds:Signature", line_of(doc.root))
        return
    signature = signatures[0]
    texts = [value_text(c) for c in signature.iterfind(f"{{{DS}}}KeyInfo/{{{DS}}}X509Data/"
                                                  f"{{{DS}}}X509Certificate")]
    if len(texts) != 1:
        yield Violation(Rule.SIGNED, "the signature's KeyInfo needs exactly one "
                        "X509Certificate", line_of(signature))
        return
    try:
        cert = x509.load_der_x509_certificate(base64.b64decode("".join(texts[0].split())))
    except (binascii.Error, ValueError):
        yield Violation(Rule.SIGNED, "X509Certificate in KeyInfo is not a certificate",
                        line_of(signature))
        return
    try:
        xmldsig.verify(doc.root, xmldsig.VerifyPolicy(trusted=(PeerCertificate(cert),)))
    except SignatureAlgorithmRefused as exc:
        yield Violation(Rule.SIGNED, f"{exc.public} (SHA-1 and other weak algorithms are "
                        f"refused; use RSA-SHA256 and SHA-256): {exc.debug}", line_of(signature))
    except SignatureError as exc:
        yield Violation(Rule.SIGNED, f"{exc.public}", line_of(signature))
    if cert.not_valid_after_utc < doc.now:
        yield Violation(Rule.SIGNED, "the signing certificate expired on "
                        f"{cert.not_valid_after_utc:%Y-%m-%d}", line_of(signature))
