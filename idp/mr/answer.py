"""The decision statements the registers answer with (spec §4.7, §3.2, §7).

* MR1 Permit (direct mandate): ActingEntityID (the specific pseudonym, plain),
  ActingSubjectID (EncryptedID for the DV: persistent NameID, NameQualifier
  ``urn:etoegang:1.13:EntityConcernedID:Pseudo``), LinkedDeclarationSignatureValue (the AD
  assertion's SignatureValue), LegalSubjectID (EncryptedID for the DV, of the type the service
  accepts); Resource ServiceID, ServiceUUID, LevelOfAssurance (echo, Issuer HM),
  LevelOfAssuranceUsed (the mandate's level, Issuer MR), Vestigingsnr for a branch mandate.
* MR1 Permit (chain): as above, but LegalSubjectID is the client's KvK (or a sole proprietor's
  BSN) encrypted only for MR2, IntermediateSubjectID (the intermediary's KvK, encrypted for MR2)
  and IntermediateEntityID:KvKnr (plain), and the obligation RequireConfirmationFromNextMR
  naming MR2.
* MR2 Permit: LinkedDeclarationSignatureValue (MR1's SignatureValue: MR2 confirms MR1),
  LegalSubjectID of the client for the DV, IntermediateEntityID:KvKnr and
  ``urn:etoegang:1.13:attribute-intermediate:CompanyName`` (plain: company data, delivered
  automatically, spec §3.4), LevelOfAssuranceUsed = the chain mandate's level.
* Deny: only the echo of the Resource and the link to the AD assertion; no identifier.
"""

from __future__ import annotations

from etoegang.messages.xacml import ACTION_ID
from etoegang.messages.xacml import AUTHENTICATE
from etoegang.messages.xacml import INTERMEDIATE_SUBJECT_ID
from etoegang.messages.xacml import LEGAL_SUBJECT_ID
from etoegang.messages.xacml import LEVEL_OF_ASSURANCE
from etoegang.messages.xacml import LEVEL_OF_ASSURANCE_USED
from etoegang.messages.xacml import SERVICE_ID
from etoegang.messages.xacml import SERVICE_UUID
from etoegang.messages.xacml import VESTIGINGSNR
from etoegang.messages.xacml import Decision
from etoegang.messages.xacml import DecisionStatement
from etoegang.messages.xacml import Obligation
from etoegang.messages.xacml import XacmlAttribute
from etoegang.messages.xacml import next_mr_obligation
from idp.mr.errors import QueryRefused
from idp.mr.flow import ChainConfirmation
from idp.mr.flow import MandateOption
from idp.mr.flow import OptionKind
from idp.mr.pending import Pending
from idp.mr.statement import INTERMEDIATE_KVK
from idp.mr.statement import INTERMEDIATE_NAME
from idp.mr.statement import PSEUDO
from idp.mr.statement import Signer
from idp.mr.statement import encrypted_id_attribute
from idp.mr.statement import linked_signature
from idp.mr.statement import string_attribute
from keys.ring import PeerCertificate
from metadata.catalogue import IdentifierType
from metadata.catalogue import ServiceView

ACTING_ENTITY_ID = "urn:etoegang:core:ActingEntityID"
ACTING_SUBJECT_ID = "urn:etoegang:core:ActingSubjectID"
ACTION = (XacmlAttribute.string(ACTION_ID, AUTHENTICATE),)


def resource_echo(pending: Pending, service: ServiceView) -> tuple[XacmlAttribute, ...]:
    """ServiceID, ServiceUUID and the requested level, as the HM asked (Issuer HM on the LoA)."""
    return (
        XacmlAttribute.string(SERVICE_ID, service.service_id),
        XacmlAttribute.string(SERVICE_UUID, service.service_uuid),
        XacmlAttribute.string(LEVEL_OF_ASSURANCE, pending.level.urn, issuer=pending.hm),
    )


def dv_certificate(service: ServiceView) -> PeerCertificate:
    """The DV's catalogue ServiceCertificate: identifiers are encrypted for it (spec §3.3)."""
    cert = service.encryption_certificate
    if cert is None:
        raise QueryRefused("the service has no certificate to encrypt identifiers for")
    return cert


def permit_statement(
    pending: Pending,
    service: ServiceView,
    option: MandateOption,
    *,
    pseudonym: str,
    signer: Signer,
    mr2_entity_id: str,
    mr2_certificate: PeerCertificate,
) -> DecisionStatement:
    """MR1's Permit for the chosen option (module docstring)."""
    dv_cert = dv_certificate(service)
    dv = pending.dv_entity_id
    subject: list[XacmlAttribute] = [
        string_attribute(ACTING_ENTITY_ID, pseudonym, signer),
        encrypted_id_attribute(ACTING_SUBJECT_ID, pseudonym, PSEUDO, dv_cert, dv, signer),
        linked_signature(pending.ad_signature_value, signer),
    ]
    resource = list(resource_echo(pending, service))
    obligations: tuple[Obligation, ...] = ()
    if option.kind is OptionKind.CHAIN:
        assert option.intermediary is not None and option.intermediary.kvk_number is not None
        subject.append(
            encrypted_id_attribute(
                LEGAL_SUBJECT_ID,
                option.legal_subject.value,
                option.legal_subject.type.value,
                mr2_certificate,
                mr2_entity_id,
                signer,
            )
        )
        subject.append(
            encrypted_id_attribute(
                INTERMEDIATE_SUBJECT_ID,
                option.intermediary.kvk_number,
                IdentifierType.KVKNR.value,
                mr2_certificate,
                mr2_entity_id,
                signer,
            )
        )
        subject.append(string_attribute(INTERMEDIATE_KVK, option.intermediary.kvk_number, signer))
        obligations = (next_mr_obligation(mr2_entity_id),)
    else:
        subject.append(
            encrypted_id_attribute(
                LEGAL_SUBJECT_ID,
                option.legal_subject.value,
                option.legal_subject.type.value,
                dv_cert,
                dv,
                signer,
            )
        )
        if option.vestigingsnummer is not None:
            resource.append(string_attribute(VESTIGINGSNR, option.vestigingsnummer, signer))
    resource.append(string_attribute(LEVEL_OF_ASSURANCE_USED, option.level.urn, signer))
    return DecisionStatement(
        Decision.PERMIT,
        obligations=obligations,
        subject_attributes=tuple(subject),
        resource_attributes=tuple(resource),
        action=ACTION,
    )


def deny_statement(
    pending: Pending, service: ServiceView, *, linked: str, signer: Signer
) -> DecisionStatement:
    """A Deny: the echo of what was asked and the link, no identifiers."""
    return DecisionStatement(
        Decision.DENY,
        subject_attributes=(linked_signature(linked, signer),),
        resource_attributes=resource_echo(pending, service),
        action=ACTION,
    )


def mr2_permit_statement(
    pending: Pending,
    service: ServiceView,
    confirmation: ChainConfirmation,
    *,
    mr1_signature_value: str,
    signer: Signer,
) -> DecisionStatement:
    """MR2's confirmation: the client's identifier for the DV and the intermediary's."""
    dv_cert = dv_certificate(service)
    intermediary = confirmation.intermediary
    assert intermediary.kvk_number is not None
    subject = (
        linked_signature(mr1_signature_value, signer),
        encrypted_id_attribute(
            LEGAL_SUBJECT_ID,
            confirmation.legal_subject.value,
            confirmation.legal_subject.type.value,
            dv_cert,
            pending.dv_entity_id,
            signer,
        ),
        string_attribute(INTERMEDIATE_KVK, intermediary.kvk_number, signer),
        string_attribute(INTERMEDIATE_NAME, intermediary.name, signer),
    )
    resource = (
        *resource_echo(pending, service),
        string_attribute(LEVEL_OF_ASSURANCE_USED, confirmation.level.urn, signer),
    )
    return DecisionStatement(
        Decision.PERMIT,
        subject_attributes=subject,
        resource_attributes=resource,
        action=ACTION,
    )
