"""The typed errors of the protocol core.

Every refusal in the core raises a subclass of :class:`ProtocolError`, so a caller can map it to
a SAML status, an OIDC error or an HTTP 4xx page in one table. ``public`` is safe to show to a
peer or a user; ``debug`` is for the log only (the fosite/crewjam split of public and private text).
"""

from __future__ import annotations


class ProtocolError(Exception):
    """Base of every error the protocol core raises on hostile or broken input."""

    #: Short, stable, machine-readable name of the refusal, used in logs and metrics.
    code: str = "protocol_error"

    def __init__(self, public: str = "", *, debug: str = "") -> None:
        self.public = public or self.__class__.__doc__ or self.code
        self.debug = debug
        super().__init__(self.public if not debug else f"{self.public} ({debug})")


class XmlError(ProtocolError):
    """The XML document was refused by the hardened parser."""

    code = "xml_refused"


class XmlTooLarge(XmlError):
    """The XML document is larger than allowed."""

    code = "xml_too_large"


class XmlTooDeep(XmlError):
    """The XML document is nested deeper than allowed."""

    code = "xml_too_deep"


class XmlForbiddenConstruct(XmlError):
    """The XML document uses a construct that is never accepted (DOCTYPE, entity, XInclude)."""

    code = "xml_forbidden_construct"


class XmlMalformed(XmlError):
    """The XML document is not well-formed."""

    code = "xml_malformed"


class XmlValueError(XmlError):
    """An XML value has a shape that is not accepted (mixed content, comments, wrong type)."""

    code = "xml_bad_value"


class InflateError(ProtocolError):
    """The DEFLATE-encoded message could not be inflated within the output cap."""

    code = "inflate_refused"


class SignatureError(ProtocolError):
    """The XML signature is missing, malformed or does not verify."""

    code = "signature_invalid"


class SignatureMissing(SignatureError):
    """The element that must be signed carries no signature."""

    code = "signature_missing"


class SignatureAlgorithmRefused(SignatureError):
    """The signature uses an algorithm or transform that is not on the allow-list."""

    code = "signature_algorithm_refused"


class SignatureReferenceError(SignatureError):
    """The signature does not cover exactly the element that is being trusted."""

    code = "signature_reference_refused"


class UnknownSigner(SignatureError):
    """No registered key of the expected peer matches the signature."""

    code = "signature_unknown_key"


class DuplicateId(SignatureError):
    """The document contains the same ID twice, which enables signature wrapping."""

    code = "xml_duplicate_id"


class DecryptionError(ProtocolError):
    """The encrypted element could not be decrypted with our keys."""

    code = "decryption_failed"


class EncryptionError(ProtocolError):
    """The element could not be encrypted for the recipient."""

    code = "encryption_failed"


class BindingError(ProtocolError):
    """The message could not be decoded from its SAML binding."""

    code = "binding_refused"


class MessageError(ProtocolError):
    """The SAML message is well-formed XML but not an acceptable message."""

    code = "message_refused"


class ArtifactError(BindingError):
    """The artifact is malformed, unknown, expired or already used."""

    code = "artifact_refused"


class MetadataError(ProtocolError):
    """Metadata was refused (signature, validity, shape)."""

    code = "metadata_refused"


class CatalogueError(ProtocolError):
    """The service catalogue was refused."""

    code = "catalogue_refused"


class EncryptionAlgorithmRefused(DecryptionError):
    """The encrypted element uses a key transport or data algorithm that is not accepted."""

    code = "decryption_algorithm_refused"


class MetadataMalformed(MetadataError):
    """The metadata is not shaped as SAML metadata for this role (missing or bad element)."""

    code = "metadata_malformed"


class MalformedIdentifier(MetadataMalformed):
    """An etoegang EntityID or ServiceID does not have the format of spec §1."""

    code = "metadata_bad_identifier"


class MetadataSignatureMissing(MetadataError):
    """The metadata document carries no signature on its root element."""

    code = "metadata_unsigned"


class MetadataSignatureInvalid(MetadataError):
    """The metadata signature does not verify."""

    code = "metadata_bad_signature"


class MetadataUntrustedSigner(MetadataError):
    """The metadata is signed by a certificate that is neither pinned nor issued by a trust CA."""

    code = "metadata_untrusted_signer"


class MetadataExpired(MetadataError):
    """The metadata's validUntil has passed."""

    code = "metadata_expired"


class MetadataMissingKeys(MetadataError):
    """A role in the metadata publishes no usable signing or encryption certificate."""

    code = "metadata_missing_keys"


class UnknownEntity(MetadataError):
    """No metadata is registered for this EntityID."""

    code = "metadata_unknown_entity"


class UnknownEndpoint(MetadataError):
    """The metadata registers no endpoint or service with this index or URL."""

    code = "metadata_unknown_endpoint"


class CatalogueMalformed(CatalogueError):
    """The service catalogue is not shaped as spec §6 requires (missing or bad element)."""

    code = "catalogue_malformed"


class CatalogueSignatureInvalid(CatalogueError):
    """The service catalogue's signature is missing, does not verify or has an untrusted signer."""

    code = "catalogue_bad_signature"


class CatalogueServiceUnknown(CatalogueError):
    """The service catalogue holds no service with this ServiceID or ServiceUUID."""

    code = "catalogue_unknown_service"


# --- SAML message models (etoegang.messages) --------------------------------------------------


class MessageMalformed(MessageError):
    """A SAML message lacks a required element or attribute, or has one of the wrong type."""

    code = "message_malformed"


class UnsupportedVersion(MessageError):
    """The SAML message does not carry Version="2.0"."""

    code = "message_version_unsupported"


class ForbiddenElement(MessageError):
    """The SAML message carries an element or attribute the eHerkenning profile forbids."""

    code = "message_forbidden_element"


class AssertionRefused(MessageError):
    """The assertion does not meet what the receiver expects of it."""

    code = "assertion_refused"


class WrongIssuer(AssertionRefused):
    """The message or assertion comes from another issuer than the expected one."""

    code = "wrong_issuer"


class AudienceMismatch(AssertionRefused):
    """The assertion's audience restriction does not include the receiver."""

    code = "audience_mismatch"


class RecipientMismatch(AssertionRefused):
    """The bearer confirmation names another Recipient than the receiver's ACS URL."""

    code = "recipient_mismatch"


class InResponseToMismatch(AssertionRefused):
    """InResponseTo does not name the request the receiver sent."""

    code = "in_response_to_mismatch"


class DestinationMismatch(AssertionRefused):
    """The message's Destination is not the endpoint it arrived at."""

    code = "destination_mismatch"


class AssertionNotYetValid(AssertionRefused):
    """The assertion is not valid yet (NotBefore or IssueInstant in the future)."""

    code = "assertion_not_yet_valid"


class AssertionExpired(AssertionRefused):
    """The assertion (or its bearer confirmation, or its session) has expired."""

    code = "assertion_expired"


class NoBearerConfirmation(AssertionRefused):
    """The assertion has no bearer SubjectConfirmation (SAML profiles 4.1.4.2)."""

    code = "no_bearer_confirmation"


class MissingAuthnStatement(AssertionRefused):
    """The assertion has no AuthnStatement (SAML profiles 4.1.4.2)."""

    code = "missing_authn_statement"


class StatusError(MessageError):
    """The peer answered with a non-Success SAML status.

    ``top`` and ``second`` are the status code URIs as received; ``status_message`` is the peer's
    StatusMessage, which is untrusted text (log it, do not render it as HTML).
    """

    code = "status_not_success"

    def __init__(
        self,
        public: str = "",
        *,
        debug: str = "",
        top: str = "",
        second: str | None = None,
        status_message: str | None = None,
    ) -> None:
        super().__init__(public, debug=debug)
        self.top = top
        self.second = second
        self.status_message = status_message


class AuthnFailedStatus(StatusError):
    """The user was not authenticated (wrong credentials or cancelled): status AuthnFailed."""

    code = "status_authn_failed"


class NoAuthnContextStatus(StatusError):
    """The requested level of assurance could not be met: status NoAuthnContext."""

    code = "status_no_authn_context"


class NoPassiveStatus(StatusError):
    """Passive authentication was requested but is not possible: status NoPassive."""

    code = "status_no_passive"


class RequestDeniedStatus(StatusError):
    """The responder refused the request: status RequestDenied."""

    code = "status_request_denied"


class RequestUnsupportedStatus(StatusError):
    """The request asked for something the responder does not support: RequestUnsupported."""

    code = "status_request_unsupported"


class UnknownPrincipalStatus(StatusError):
    """The responder does not know the principal: status UnknownPrincipal."""

    code = "status_unknown_principal"


class XacmlError(MessageError):
    """The XACML authorisation query or decision statement is not acceptable."""

    code = "xacml_refused"


class ArtifactMessageError(MessageError):
    """The ArtifactResolve or ArtifactResponse message is not acceptable."""

    code = "artifact_message_refused"


class ArtifactStoreConflict(ArtifactError):
    """A message is already stored under this artifact."""

    code = "artifact_store_conflict"


class SoapError(BindingError):
    """The SOAP envelope or its HTTP content type was refused."""

    code = "soap_refused"


class TransportError(ProtocolError):
    """A peer could not be reached over the back channel, or answered nonsense."""

    code = "transport_failed"


class ReplayError(ProtocolError):
    """The message ID was seen before: a replayed message."""

    code = "message_replayed"


class UnexpectedIssuer(ProtocolError):
    """The message comes from another peer than the one expected."""

    code = "unexpected_issuer"


class AdviceChainError(AssertionRefused):
    """The AD and MR assertions in the HM assertion's Advice do not form a valid chain."""

    code = "advice_chain_refused"


class MetadataUnreachable(MetadataError):
    """A metadata source could not be read (unreachable, HTTP error, unreadable, too large)."""

    code = "metadata_unreachable"
