"""The typed model of SAML 2.0 metadata as eHerkenning uses it (spec §5.1, §5.2, §5.3).

Frozen values only: :mod:`metadata.parse` makes them from a verified element and
:mod:`metadata.build` makes XML from role inputs that reuse the same small types
(:class:`Organisation`, :class:`Contact`, :class:`RequestedAttribute`). Certificates are
:class:`keys.ring.PeerCertificate` objects that carry the KeyName(s) the metadata lists, so a
message signature naming a KeyName finds its certificate.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta
from enum import Enum
from typing import Any
from typing import TypeVar

from etoegang.errors import MetadataMalformed
from etoegang.errors import UnknownEndpoint
from keys.ring import PeerCertificate
from metadata.identifiers import parse_service_id

#: The SAML attribute that carries an entity's assurance certification (SAML V2.0 Identity
#: Assurance Profiles), with etoegang level URNs as values (observed HM metadata, §5.2).
ASSURANCE_CERTIFICATION = "urn:oasis:names:tc:SAML:attribute:assurance-certification"
ATTRNAME_FORMAT_URI = "urn:oasis:names:tc:SAML:2.0:attrname-format:uri"
#: Makelaar's entity attribute for a scheduled key rollover: one value per next key,
#: ``<use> <KeyName> <instant>`` (docs/operations.md "Key rollover").
KEY_ACTIVATION = "urn:makelaar:metadata:key-activation"
PROTOCOL_SAML2 = "urn:oasis:names:tc:SAML:2.0:protocol"


class Binding(Enum):
    """SAML 2.0 binding URNs (SAML bindings §3) that eHerkenning uses."""

    HTTP_ARTIFACT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact"
    HTTP_POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
    HTTP_REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
    SOAP = "urn:oasis:names:tc:SAML:2.0:bindings:SOAP"

    @classmethod
    def _missing_(cls, value: object) -> Any:
        raise MetadataMalformed("unsupported SAML binding", debug=repr(value)[:120])


class KeyUse(Enum):
    """KeyDescriptor/@use; a KeyDescriptor without ``use`` serves both (SAML metadata §2.4.1.1)."""

    SIGNING = "signing"
    ENCRYPTION = "encryption"

    @classmethod
    def _missing_(cls, value: object) -> Any:
        raise MetadataMalformed("KeyDescriptor use is signing or encryption", debug=repr(value))


class ContactType(Enum):
    """ContactPerson/@contactType (SAML metadata §2.3.2.2)."""

    TECHNICAL = "technical"
    SUPPORT = "support"
    ADMINISTRATIVE = "administrative"
    BILLING = "billing"
    OTHER = "other"

    @classmethod
    def _missing_(cls, value: object) -> Any:
        raise MetadataMalformed("unknown contactType", debug=repr(value)[:40])


@dataclass(frozen=True, slots=True)
class LocalizedText:
    """A text with its xml:lang."""

    lang: str
    text: str


def pick_text(texts: Sequence[LocalizedText], lang: str) -> str:
    """The text in ``lang``, else Dutch, else English, else the first; "" when there is none
    (catalogue and metadata texts come in nl and en, sometimes only one of them)."""
    for wanted in (lang, "nl", "en"):
        for text in texts:
            if text.lang == wanted:
                return text.text
    return texts[0].text if texts else ""


def _pick(texts: tuple[LocalizedText, ...], lang: str) -> str | None:
    for item in texts:
        if item.lang == lang:
            return item.text
    return texts[0].text if texts else None


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A metadata endpoint; ``index``/``is_default`` only on indexed endpoints."""

    binding: Binding
    location: str
    index: int | None = None
    is_default: bool | None = None
    response_location: str | None = None


@dataclass(frozen=True, slots=True)
class RequestedAttribute:
    name: str
    is_required: bool = False
    friendly_name: str | None = None
    name_format: str | None = None


@dataclass(frozen=True, slots=True)
class AttributeConsumingService:
    """One DV service: for a DV the first RequestedAttribute is its ServiceID (§5.1)."""

    index: int
    is_default: bool | None
    names: tuple[LocalizedText, ...]
    descriptions: tuple[LocalizedText, ...]
    requested_attributes: tuple[RequestedAttribute, ...]

    def name(self, lang: str = "nl") -> str | None:
        return _pick(self.names, lang)

    @property
    def service_id(self) -> str:
        """The ServiceID this service stands for.

        :raises MetadataMalformed: the first RequestedAttribute is not a ServiceID.
        """
        if not self.requested_attributes:
            raise MetadataMalformed(f"AttributeConsumingService {self.index} requests nothing")
        name = self.requested_attributes[0].name
        parse_service_id(name)
        return name


@dataclass(frozen=True, slots=True)
class RoleKeys:
    """The certificates a role publishes, per use (current and next keys alike)."""

    signing: tuple[PeerCertificate, ...] = ()
    encryption: tuple[PeerCertificate, ...] = ()


@dataclass(frozen=True, slots=True)
class IdpRole:
    """An IDPSSODescriptor: the HM toward DVs, and AD, MR, MR2 and EB toward the HM."""

    keys: RoleKeys
    want_authn_requests_signed: bool
    single_sign_on: tuple[Endpoint, ...]
    artifact_resolution: tuple[Endpoint, ...] = ()
    single_logout: tuple[Endpoint, ...] = ()
    name_id_formats: tuple[str, ...] = ()

    def sso(self, binding: Binding) -> Endpoint:
        for endpoint in self.single_sign_on:
            if endpoint.binding is binding:
                return endpoint
        raise UnknownEndpoint(f"no SingleSignOnService with binding {binding.name}")


@dataclass(frozen=True, slots=True)
class SpRole:
    """An SPSSODescriptor: a DV, and the HM as requester toward ADs and MRs."""

    keys: RoleKeys
    authn_requests_signed: bool
    want_assertions_signed: bool
    assertion_consumers: tuple[Endpoint, ...]
    artifact_resolution: tuple[Endpoint, ...] = ()
    single_logout: tuple[Endpoint, ...] = ()
    attribute_consuming_services: tuple[AttributeConsumingService, ...] = ()
    name_id_formats: tuple[str, ...] = ()

    def acs_by_index(self, index: int | None) -> Endpoint:
        """The AssertionConsumerService with this index, or the default one for ``None``
        (SAML metadata §2.2.3: isDefault="true", else the first without isDefault="false",
        else the first)."""
        if index is None:
            return _default(self.assertion_consumers, "AssertionConsumerService")
        for endpoint in self.assertion_consumers:
            if endpoint.index == index:
                return endpoint
        raise UnknownEndpoint(f"no AssertionConsumerService with index {index}")

    def acs_by_url(self, location: str, binding: Binding | None = None) -> Endpoint:
        """The AssertionConsumerService at exactly this URL (and binding, when given)."""
        for endpoint in self.assertion_consumers:
            if endpoint.location == location and binding in (None, endpoint.binding):
                return endpoint
        raise UnknownEndpoint("AssertionConsumerServiceURL is not registered in the metadata")

    def attribute_consuming_service(self, index: int | None) -> AttributeConsumingService:
        """The service with this AttributeConsumingServiceIndex, or the default for ``None``."""
        if index is None:
            return self.default_attribute_consuming_service()
        for service in self.attribute_consuming_services:
            if service.index == index:
                return service
        raise UnknownEndpoint(f"no AttributeConsumingService with index {index}")

    def default_attribute_consuming_service(self) -> AttributeConsumingService:
        return _default(self.attribute_consuming_services, "AttributeConsumingService")

    def service_id_for(self, index: int | None) -> str:
        """The ServiceID that an AttributeConsumingServiceIndex (or its absence) selects."""
        return self.attribute_consuming_service(index).service_id


_T = TypeVar("_T", Endpoint, AttributeConsumingService)


def _default(items: tuple[_T, ...], what: str) -> _T:
    if not items:
        raise UnknownEndpoint(f"the metadata lists no {what}")
    for item in items:
        if item.is_default is True:
            return item
    for item in items:
        if item.is_default is None:
            return item
    return items[0]


@dataclass(frozen=True, slots=True)
class Organisation:
    names: tuple[LocalizedText, ...]
    display_names: tuple[LocalizedText, ...]
    urls: tuple[LocalizedText, ...]

    @classmethod
    def single(cls, name: str, display_name: str, url: str, lang: str = "nl") -> Organisation:
        return cls(
            (LocalizedText(lang, name),),
            (LocalizedText(lang, display_name),),
            (LocalizedText(lang, url),),
        )

    def display_name(self, lang: str = "nl") -> str | None:
        return _pick(self.display_names, lang)


@dataclass(frozen=True, slots=True)
class Contact:
    """A ContactPerson; network metadata wants an administrative, non-personal one (§5.3)."""

    contact_type: ContactType
    company: str | None = None
    given_name: str | None = None
    surname: str | None = None
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class EntityAttribute:
    """A saml:Attribute in md:Extensions/mdattr:EntityAttributes."""

    name: str
    values: tuple[str, ...]
    name_format: str | None = None


@dataclass(frozen=True, slots=True)
class KeyActivation:
    """A published key (by KeyName) that is in use for ``use`` from ``at`` on."""

    use: KeyUse
    key_name: str
    at: datetime


def active_certificate(
    certificates: tuple[PeerCertificate, ...],
    activations: Iterable[KeyActivation],
    use: KeyUse,
    now: datetime,
) -> PeerCertificate:
    """The certificate of ``use`` a peer is to be used with at ``now``.

    A certificate with an activation still ahead is not used yet; of the others, the one whose
    activation came last wins (it replaced the earlier keys); with no activation at all, the
    first listed (after a rollover the new key is listed first). If every certificate is still
    to come, the first listed.
    """
    if not certificates:
        raise MetadataMalformed(f"no {use.value} certificate published")
    scheduled = [a for a in activations if a.use is use]

    def activation(cert: PeerCertificate) -> datetime | None:
        found = [a.at for a in scheduled if cert.matches(a.key_name)]
        return max(found) if found else None

    usable = [(at, c) for c in certificates if (at := activation(c)) is None or at <= now]
    if not usable:
        return certificates[0]
    activated = [(at, c) for at, c in usable if at is not None]
    if not activated:
        return usable[0][1]
    latest = max(at for at, _ in activated)
    return next(c for at, c in activated if at == latest)


@dataclass(frozen=True, slots=True)
class EntityMetadata:
    """One EntityDescriptor, read from a verified document."""

    entity_id: str
    #: The etoegang interface version (attribute ``version`` in the metadata-extension
    #: namespace), when given.
    interface_version: str | None
    idp: IdpRole | None
    sp: SpRole | None
    #: The earliest validUntil of the entity and its enclosing EntitiesDescriptors.
    valid_until: datetime | None = None
    #: The shortest cacheDuration of the entity and its enclosing EntitiesDescriptors.
    cache_duration: timedelta | None = None
    organisation: Organisation | None = None
    contacts: tuple[Contact, ...] = ()
    entity_attributes: tuple[EntityAttribute, ...] = ()
    #: Scheduled key rollovers the entity announces (:data:`KEY_ACTIVATION`).
    key_activations: tuple[KeyActivation, ...] = ()
    #: When the caller should fetch the metadata again (cacheDuration after loading, but no
    #: later than validUntil); None when the document sets neither.
    refresh_after: datetime | None = field(default=None)

    def roles(self) -> tuple[IdpRole | SpRole, ...]:
        return tuple(role for role in (self.idp, self.sp) if role is not None)

    def signing_certificates(self) -> tuple[PeerCertificate, ...]:
        return _unique(cert for role in self.roles() for cert in role.keys.signing)

    def encryption_certificates(self) -> tuple[PeerCertificate, ...]:
        return _unique(cert for role in self.roles() for cert in role.keys.encryption)

    def encryption_certificate(self, now: datetime) -> PeerCertificate:
        """The certificate to encrypt for at ``now``, honouring announced activations."""
        return active_certificate(
            self.encryption_certificates(), self.key_activations, KeyUse.ENCRYPTION, now
        )

    def expected_signing_certificate(self, now: datetime) -> PeerCertificate:
        """The certificate the entity signs with at ``now`` by its announced schedule. Every
        published signing certificate is still trusted; this says which one to expect."""
        return active_certificate(
            self.signing_certificates(), self.key_activations, KeyUse.SIGNING, now
        )

    def attribute_values(self, name: str) -> tuple[str, ...]:
        return tuple(v for a in self.entity_attributes if a.name == name for v in a.values)

    @property
    def assurance_certifications(self) -> tuple[str, ...]:
        return self.attribute_values(ASSURANCE_CERTIFICATION)


def _unique(certificates: Iterable[PeerCertificate]) -> tuple[PeerCertificate, ...]:
    seen: dict[PeerCertificate, None] = {}
    for cert in certificates:
        seen.setdefault(cert, None)
    return tuple(seen)
