"""The Advice chain of an HM assertion: the AD and MR (and MR2) assertions it carries (spec §4.5,
§4.7, §7, §10 item 8).

Common SAML libraries choke on signed assertions nested in Advice; here each one is handled on
its own, after the HM assertion that contains it verified:

* with :attr:`AdviceTrust.VERIFY` each Advice assertion must verify with the keys its issuer
  registered in metadata (the AD and MR metadata are configured); with :attr:`AdviceTrust.HM`
  the HM's signature, which covers Advice, is relied on for their content, and only the
  presence of each signature is required (its SignatureValue is what the MR links to);
* there is exactly one AD assertion (it has an AuthnStatement) and its issuer is the HM
  assertion's AuthenticatingAuthority;
* every MR assertion holds one XACML decision statement that permits, whose
  LinkedDeclarationSignatureValue equals the SignatureValue of the AD assertion (or, in a
  chain, of another assertion in the same Advice), at least one MR links to the AD itself, and a
  chain obligation names an MR whose assertion is present;
* every Advice assertion with an AudienceRestriction names this DV, and an MR's ServiceUUID is
  the HM assertion's;
* the identifiers the HM passes on were vouched for by an MR: the EncryptedData ciphertext of
  the HM's LegalSubjectID (and ActingSubjectID) equals one in an MR statement (the HM copies
  EncryptedIDs unchanged in content, with fresh Ids, wave-2 decision).
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from etoegang.crypto.xmldsig import is_signed
from etoegang.crypto.xmldsig import signature_value
from etoegang.errors import AdviceChainError
from etoegang.errors import ProtocolError
from etoegang.exchange.inbound import verify_from_peer
from etoegang.messages.assertion import Assertion
from etoegang.messages.assertion import parse_assertion
from etoegang.messages.xacml import DecisionStatement
from etoegang.messages.xacml import find_decision_statement
from etoegang.messages.xacml import is_decision_statement
from etoegang.xml.ns import XENC
from etoegang.xml.ns import qname
from etoegang.xml.parser import text_of
from metadata.directory import RegistryDirectory
from sp_adapters.settings import AdviceTrust

_CIPHER_VALUE = f"{qname(XENC, 'EncryptedData')}/{qname(XENC, 'CipherData')}/" + qname(
    XENC, "CipherValue"
)


@dataclass(frozen=True, slots=True)
class MrLink:
    issuer: str
    assertion_id: str
    signature_value: str
    statement: DecisionStatement


@dataclass(frozen=True, slots=True)
class AdviceChain:
    """The checked chain: who authenticated and which registers authorised."""

    ad_issuer: str
    ad_assertion_id: str
    mrs: tuple[MrLink, ...]

    @property
    def is_chain_authorisation(self) -> bool:
        return any(link.statement.next_mr is not None for link in self.mrs)

    @property
    def final_statement(self) -> DecisionStatement:
        """The statement of the last MR in the chain (the one without a next-MR obligation)."""
        finals = [link.statement for link in self.mrs if link.statement.next_mr is None]
        return finals[-1] if finals else self.mrs[-1].statement


def cipher_value(encrypted_id: etree._Element) -> str:
    """The EncryptedData ciphertext of an EncryptedID, whitespace removed."""
    found = encrypted_id.find(_CIPHER_VALUE)
    if found is None:
        raise AdviceChainError("an EncryptedID has no EncryptedData ciphertext")
    return "".join(text_of(found, strip=False).split())


def _assertion(
    element: etree._Element, directory: RegistryDirectory, trust: AdviceTrust
) -> tuple[Assertion, str]:
    if not is_signed(element):
        raise AdviceChainError("an assertion in Advice is not signed by its issuer")
    if trust is AdviceTrust.VERIFY:
        try:
            checked = verify_from_peer(element, directory)
        except ProtocolError as exc:
            raise AdviceChainError(
                f"an assertion in Advice does not verify with its issuer's registered keys: "
                f"{exc.public}",
                debug=exc.debug,
            ) from exc
        return parse_assertion(checked.element), checked.verified.signature_value
    return parse_assertion(element), signature_value(element)


def _check_audience(assertion: Assertion, audience: str) -> None:
    conditions = assertion.conditions
    if conditions is None:
        return
    for restriction in conditions.audience_restrictions:
        if audience not in restriction:
            raise AdviceChainError(
                f"the Advice assertion of {assertion.issuer} is not meant for this DV",
                debug=", ".join(restriction)[:200],
            )


def check_advice(
    hm_assertion: Assertion,
    *,
    audience: str,
    directory: RegistryDirectory,
    trust: AdviceTrust,
    authenticating_authority: str | None,
    service_uuid: str | None,
) -> AdviceChain:
    """Check the Advice of a verified HM assertion; raise :class:`AdviceChainError` if wrong."""
    advice = hm_assertion.advice
    if advice is None or not advice.assertions:
        raise AdviceChainError("the HM assertion carries no AD and MR assertions in Advice")
    ads: list[tuple[Assertion, str]] = []
    mrs: list[MrLink] = []
    ids: set[str] = set()
    for element in advice.assertions:
        assertion, value = _assertion(element, directory, trust)
        _check_audience(assertion, audience)
        ids.add(assertion.id)
        if any(is_decision_statement(s) for s in assertion.other_statements):
            statement = find_decision_statement(element)
            mrs.append(MrLink(assertion.issuer, assertion.id, value, statement))
        elif assertion.authn_statements:
            ads.append((assertion, value))
        else:
            raise AdviceChainError("an Advice assertion is neither an AD nor an MR assertion")
    if len(ads) != 1:
        raise AdviceChainError(f"Advice must hold exactly one AD assertion, not {len(ads)}")
    if not mrs:
        raise AdviceChainError("Advice holds no MR assertion")
    ad, ad_value = ads[0]
    if authenticating_authority is not None and ad.issuer != authenticating_authority:
        raise AdviceChainError(
            "the AD assertion in Advice is not from the AuthenticatingAuthority",
            debug=f"{ad.issuer[:80]} != {authenticating_authority[:80]}",
        )
    values = {ad_value} | {link.signature_value for link in mrs}
    linked_to_ad = False
    issuers = {link.issuer for link in mrs}
    for link in mrs:
        statement = link.statement
        if not statement.permitted:
            raise AdviceChainError(f"the MR assertion of {link.issuer} does not permit")
        linked = statement.linked_signature_value
        if linked is None:
            raise AdviceChainError(
                f"the MR assertion of {link.issuer} lacks LinkedDeclarationSignatureValue"
            )
        if linked == ad_value:
            linked_to_ad = True
        elif linked not in values or linked == link.signature_value:
            raise AdviceChainError(
                f"the MR assertion of {link.issuer} is linked to a declaration that is not "
                "in this Advice (LinkedDeclarationSignatureValue mismatch)"
            )
        if statement.next_mr is not None and statement.next_mr not in issuers:
            raise AdviceChainError("a chain authorisation names an MR whose assertion is absent")
        if (
            service_uuid is not None
            and statement.service_uuid is not None
            and statement.service_uuid.lower() != service_uuid.lower()
        ):
            raise AdviceChainError(f"the MR assertion of {link.issuer} is for another service")
    if not linked_to_ad:
        raise AdviceChainError(
            "no MR assertion is linked to the AD assertion (LinkedDeclarationSignatureValue)"
        )
    return AdviceChain(ad.issuer, ad.id, tuple(mrs))


def check_vouched(name: str, encrypted_id: etree._Element, chain: AdviceChain) -> None:
    """The HM's copy of an identifier must carry the ciphertext an MR put in its statement."""
    mine = cipher_value(encrypted_id)
    for link in chain.mrs:
        attribute = link.statement.subject(name)
        if attribute is None:
            continue
        for value in attribute.values:
            if not isinstance(value, str) and cipher_value(value) == mine:
                return
    raise AdviceChainError(
        f"the {name.rsplit(':', 1)[-1]} in the HM assertion is not the one an MR issued"
    )
