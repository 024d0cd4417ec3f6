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
