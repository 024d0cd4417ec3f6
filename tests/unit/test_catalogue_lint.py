"""``makelaar catalogue lint``: a clean catalogue passes, and each rule catches what it names."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from lxml import etree

from etoegang.clock import FixedClock
from etoegang.xml.ns import DS
from etoegang.xml.ns import ESC
from etoegang.xml.ns import SAML
from etoegang.xml.ns import XML
from makelaar.cli import main
from metadata.catalogue_build import build_catalogue
from metadata.catalogue_lint import Rule
from metadata.catalogue_lint import Violation
from metadata.catalogue_lint import lint_catalogue
from tests.unit.test_catalogue_common import BAD
from tests.unit.test_catalogue_common import GOOD
from tests.unit.test_catalogue_common import INSTANT
from tests.unit.test_catalogue_common import good_catalogue
from tests.unit.test_catalogue_common import good_xml

CLOCK = FixedClock(INSTANT)
NS = {"esc": ESC, "ds": DS, "saml": SAML}
Mutation = Callable[[etree._Element], object]


def _one(root: etree._Element, path: str) -> etree._Element:
    found = root.find(path, NS)
    assert found is not None, path
    return found


def _all(root: etree._Element, path: str) -> list[etree._Element]:
    return list(root.iterfind(path, NS))


def _lint_mutated(mutate: Mutation, *, clock: FixedClock = CLOCK) -> list[Violation]:
    """Lint the unsigned good catalogue after ``mutate``; SC01 (unsigned) is left out."""
    root = build_catalogue(good_catalogue())
    mutate(root)
    etree.indent(root)
    found = lint_catalogue(etree.tostring(root), clock=clock)
    return [v for v in found if v.rule is not Rule.SIGNED]


# --- whole files through the command line -----------------------------------------------------


def test_good_catalogue_passes_lint_through_the_cli(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalogue", "lint", str(GOOD)]) == 0
    assert capsys.readouterr().out == f"{GOOD}: OK\n"


#: The exact output for bad.xml, one line per violation; ``{f}`` stands for the path.
BAD_EXPECTED = (BAD.parent / "bad.expected").read_text(encoding="utf-8")


def test_bad_catalogue_prints_one_line_per_violation(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalogue", "lint", str(BAD)]) == 1
    assert capsys.readouterr().out == BAD_EXPECTED.format(f=BAD)


def test_unreadable_file_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalogue", "lint", str(tmp_path / "missing.xml")]) == 1
    assert "cannot read" in capsys.readouterr().out


# --- SC00 and SC01 ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"<esc:ServiceCatalogue xmlns:esc='urn:etoegang:1.13:service-catalog'>\n<a>",
         "not well-formed"),
        (b"<!DOCTYPE x [<!ENTITY a 'b'>]><x/>", "DOCTYPE"),
        (b"<EntitiesDescriptor/>", "not esc:ServiceCatalogue"),
    ],
    ids=["malformed", "doctype", "wrong-root"],
)
def test_sc00_well_formed(data: bytes, fragment: str) -> None:
    found = lint_catalogue(data, clock=CLOCK)
    assert [v.rule for v in found] == [Rule.WELL_FORMED]
    assert fragment in found[0].message


def test_sc00_reports_the_line_of_the_syntax_error() -> None:
    found = lint_catalogue(b"<a>\n\n<b>\n</a>", clock=CLOCK)
    assert found[0].line in (3, 4)


def test_sc01_unsigned_catalogue() -> None:
    found = lint_catalogue(etree.tostring(build_catalogue(good_catalogue())), clock=CLOCK)
    assert [(v.rule, v.message) for v in found] == [
        (Rule.SIGNED, "the catalogue carries no ds:Signature")
    ]


def test_sc01_tampered_catalogue() -> None:
    found = lint_catalogue(good_xml().replace(b"Tax return", b"Tax refund"), clock=CLOCK)
    assert [v.rule for v in found] == [Rule.SIGNED]
    assert "does not verify" in found[0].message


def test_sc01_sha1_is_refused() -> None:
    data = good_xml().replace(b"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
                              b"http://www.w3.org/2000/09/xmldsig#rsa-sha1")
    assert b"#rsa-sha1" in data
    found = lint_catalogue(data, clock=CLOCK)
    assert [v.rule for v in found] == [Rule.SIGNED]
    assert "SHA-1" in found[0].message


def test_sc01_expired_signing_certificate() -> None:
    found = lint_catalogue(good_xml(), clock=FixedClock(datetime(2200, 1, 1, tzinfo=UTC)))
    assert any(v.rule is Rule.SIGNED and "expired" in v.message for v in found)


# --- one mutation per rule --------------------------------------------------------------------


def _set_text(path: str, text: str, index: int = 0) -> Mutation:
    def mutate(root: etree._Element) -> None:
        _all(root, path)[index].text = text
    return mutate


def _remove(path: str, index: int = 0) -> Mutation:
    def mutate(root: etree._Element) -> None:
        element = _all(root, path)[index]
        parent = element.getparent()
        assert parent is not None
        parent.remove(element)
    return mutate


def _both(*mutations: Mutation) -> Mutation:
    def mutate(root: etree._Element) -> None:
        for mutation in mutations:
            mutation(root)
    return mutate


def _add_after(path: str, tag: str, text: str, index: int = 0, **attrs: str) -> Mutation:
    def mutate(root: etree._Element) -> None:
        anchor = _all(root, path)[index]
        new = etree.Element(tag, attrs)
        new.text = text
        anchor.addnext(new)
    return mutate


DEF = ".//esc:ServiceDefinition"
INST = ".//esc:ServiceInstance"
ECTA = "esc:EntityConcernedTypesAllowed"
KVK = "urn:etoegang:1.9:EntityConcernedID:KvKnr"
E = "{" + ESC + "}"


def _uuid_of(path: str, index: int) -> Mutation:
    def mutate(root: etree._Element) -> None:
        _all(root, path)[index].text = _all(root, path)[0].text
    return mutate


def _rename_attr(path: str, old: str, new: str) -> Mutation:
    def mutate(root: etree._Element) -> None:
        element = _all(root, path)[0]
        element.set(new, element.attrib.pop(old))
    return mutate


CASES: list[tuple[str, Mutation, Rule, str]] = [
    ("uuid-reused", _uuid_of(f"{INST}/esc:ServiceUUID", 1), Rule.SERVICEUUID_UNIQUE, "also used"),
    ("uuid-def-and-instance",
     lambda r: _set_text(f"{INST}/esc:ServiceUUID",
                         _one(r, f"{DEF}/esc:ServiceUUID").text or "")(r),
     Rule.SERVICEUUID_UNIQUE, "also used"),
    ("sid-other-oin", _set_text(f"{INST}/esc:ServiceID",
                                "urn:etoegang:DV:00000009999999990000:services:1"),
     Rule.SERVICEID_FORMAT, "is not the ServiceProviderID"),
    ("sid-index-0", _set_text(f"{INST}/esc:ServiceID",
                              "urn:etoegang:DV:00000001234567890000:services:0"),
     Rule.SERVICEID_FORMAT, "starts at 1"),
    ("sid-duplicate-index", _set_text(f"{INST}/esc:ServiceID",
                                      "urn:etoegang:DV:00000001234567890000:services:001", 1),
     Rule.SERVICEID_FORMAT, "index 1 is also used"),
    ("sid-format", _set_text(f"{INST}/esc:ServiceID", "urn:etoegang:DV:x:services:1"),
     Rule.SERVICEID_FORMAT, "is not urn:etoegang:DV"),
    ("loa-eidas-uri",
     _set_text(f"{DEF}/saml:AuthnContextClassRef", "http://eidas.europa.eu/LoA/high"),
     Rule.LOA_URN, "not an etoegang"),
    ("ecta-unknown", _set_text(f"{DEF}/{ECTA}", "urn:etoegang:1.9:EntityConcernedID:Foo"),
     Rule.ECTA_SETS, "unknown identifying type"),
    ("ecta-no-set-number", lambda r: _all(r, f"{DEF}/{ECTA}")[2].attrib.pop("setNumber"),
     Rule.ECTA_SETS, "needs a setNumber"),
    ("ecta-duplicate", _set_text(f"{DEF}/{ECTA}", KVK, 1), Rule.ECTA_SETS, "occurs twice"),
    ("ecta-combination", _set_text(f"{DEF}/{ECTA}", "urn:etoegang:1.9:EntityConcernedID:RSIN", 3),
     Rule.ECTA_SETS, "(BSN+RSIN) is not a valid combination"),
    ("ecta-repeated-set", _add_after(f"{DEF}/{ECTA}", E + "EntityConcernedTypesAllowed", KVK, 2,
                                     setNumber="3"), Rule.ECTA_SETS, "set 3 repeats set 2"),
    ("asta-not-acting", _add_after(f"{DEF}/{ECTA}", E + "ActingSubjectTypesAllowed", KVK, 4,
                                   setNumber="1"), Rule.ECTA_SETS, "cannot identify an acting"),
    ("bsn-at-eh2plus", _set_text(f"{DEF}/saml:AuthnContextClassRef",
                                 "urn:etoegang:core:assurance-class:loa2plus", 1),
     Rule.BSN_LOA, "only at eH3 or higher; the service asks eH2+"),
    ("vestigingsnr-without-kvk", _add_after(f"{DEF}/{ECTA}", E + "ServiceRestrictionsAllowed",
                                            "urn:etoegang:1.9:ServiceRestriction:Vestigingsnr", 5),
     Rule.VESTIGINGSNR_WITH_KVK, "only with a KvKnr"),
    ("subdossiernr", _set_text(f"{DEF}/esc:ServiceRestrictionsAllowed",
                               "urn:etoegang:1.9:ServiceRestriction:SubdossierNr"),
     Rule.VESTIGINGSNR_WITH_KVK, "SubdossierNr may not be listed"),
    ("restriction-unknown", _set_text(f"{DEF}/esc:ServiceRestrictionsAllowed", "urn:x:y"),
     Rule.VESTIGINGSNR_WITH_KVK, "unknown service restriction"),
    ("name-too-long", _set_text(f"{DEF}/esc:ServiceName", "n" * 65), Rule.LENGTH_LIMITS,
     "ServiceName has 65 characters; at most 64"),
    ("description-too-long", _set_text(f"{DEF}/esc:ServiceDescription", "d" * 1025),
     Rule.LENGTH_LIMITS, "at most 1024"),
    ("purpose-too-long", _set_text(f"{DEF}//esc:PurposeStatement", "p" * 1025),
     Rule.LENGTH_LIMITS, "PurposeStatement has 1025"),
    ("url-too-long", _set_text(f"{INST}/esc:ServiceURL", "https://x.nl/" + "u" * 500),
     Rule.LENGTH_LIMITS, "at most 512"),
    ("display-name-empty", _set_text(".//esc:OrganizationDisplayName", ""), Rule.LENGTH_LIMITS,
     "is empty"),
    ("no-nl-name", _remove(f"{DEF}/esc:ServiceName"), Rule.LANGUAGES, "missing in language 'nl'"),
    ("no-en-url", _remove(f"{INST}/esc:PrivacyPolicyURL", 1), Rule.LANGUAGES,
     "PrivacyPolicyURL is missing in language 'en'"),
    ("no-lang", lambda r: _all(r, f"{DEF}/esc:ServiceDescription")[1].attrib.pop(
        f"{{{XML}}}lang"), Rule.LANGUAGES, "has no xml:lang"),
    ("lang-twice", lambda r: _all(r, f"{DEF}/esc:ServiceName")[1].set(f"{{{XML}}}lang", "nl"),
     Rule.LANGUAGES, "occurs twice"),
    ("instance-of-unknown", _set_text(f"{INST}/esc:InstanceOfService",
                                      "00000000-0000-4000-8000-000000000000"),
     Rule.INSTANCE_OF, "names no ServiceDefinition"),
    ("instance-of-missing", _remove(f"{INST}/esc:InstanceOfService"), Rule.INSTANCE_OF,
     "names no InstanceOfService"),
    ("bsnk-missing", _remove(f"{INST}/esc:BsnkStructureVersion"), Rule.BSNK_VERSIONS,
     "BsnkStructureVersion is required"),
    ("bsnk-without-bsn", _add_after(f"{INST}/esc:ServiceCertificate", E + "BsnkStructureVersion",
                                    "1"), Rule.BSNK_VERSIONS, "only belongs with BSN or PseudoID"),
    ("bsnk-structure-3", _set_text(f"{INST}/esc:BsnkStructureVersion", "3"), Rule.BSNK_VERSIONS,
     "is 1 or 2"),
    ("certificate-missing", _remove(f"{INST}/esc:ServiceCertificate"), Rule.SERVICE_CERTIFICATE,
     "has no ServiceCertificate"),
    ("certificate-no-keyname", _remove(f"{INST}//ds:KeyName"), Rule.SERVICE_CERTIFICATE,
     "no ds:KeyName"),
    ("certificate-use-signing", lambda r: _one(r, f"{INST}//{{*}}KeyDescriptor").set("use",
                                                                                     "signing"),
     Rule.SERVICE_CERTIFICATE, "must be 'encryption'"),
    ("certificate-garbage", _set_text(f"{INST}//ds:X509Certificate", "bm9wZQ=="),
     Rule.SERVICE_CERTIFICATE, "is not a certificate"),
    ("uuid-format", _set_text(f"{INST}/esc:ServiceUUID", "{abc}"), Rule.UUID_FORMAT,
     "is not a UUID"),
    ("oin-format", _set_text(f"{DEF}/esc:HerkenningsmakelaarId", "0000000324444001000"),
     Rule.OIN_FORMAT, "HerkenningsmakelaarId '0000000324444001000' is not an OIN"),
    ("version-format", lambda r: r.set(E + "Version", "urn:etoegang:1.13:catalogue"),
     Rule.ROOT_ATTRIBUTES, "Version"),
    ("version-unqualified", _rename_attr(".", E + "Version", "Version"), Rule.ROOT_ATTRIBUTES,
     "namespace-qualified"),
    ("issue-instant-bad", lambda r: r.set(E + "IssueInstant", "gisteren"), Rule.ROOT_ATTRIBUTES,
     "not an xs:dateTime"),
    ("issue-instant-future", lambda r: r.set(E + "IssueInstant", "2099-01-01T00:00:00Z"),
     Rule.ROOT_ATTRIBUTES, "in the future"),
    ("no-id", lambda r: r.attrib.pop("ID"), Rule.ROOT_ATTRIBUTES, "has no ID"),
    ("order", lambda r: _one(r, DEF).insert(0, _one(r, f"{DEF}/esc:ServiceName")),
     Rule.STRUCTURE, "out of order"),
    ("unexpected", _add_after(f"{DEF}/esc:ServiceUUID", E + "PortalURL", "https://x"),
     Rule.STRUCTURE, "unexpected element PortalURL"),
    ("too-many", _add_after(f"{INST}/esc:InstanceOfService", E + "InstanceOfService",
                            "6906765c-91d3-5ff1-8a96-935807c88a58"), Rule.STRUCTURE, "at most 1"),
    ("missing-required", _remove(f"{DEF}/esc:HerkenningsmakelaarId"), Rule.STRUCTURE,
     "lacks HerkenningsmakelaarId"),
    ("is-public-unqualified", _rename_attr(DEF, E + "IsPublic", "IsPublic"), Rule.STRUCTURE,
     "must be namespace-qualified"),
    ("is-public-not-boolean", lambda r: _one(r, DEF).set(E + "IsPublic", "ja"), Rule.STRUCTURE,
     "not a boolean"),
    ("mixed-content", lambda r: _one(r, f"{DEF}/esc:ServiceName").append(etree.Comment("x")),
     Rule.STRUCTURE, "only text"),
    ("request-identifier", lambda r: _one(r, f"{DEF}/esc:RequestedAttribute").set("Name", KVK),
     Rule.REQUESTED_ATTRIBUTES, "is an identifying type"),
    ("request-intermediate", lambda r: _one(r, f"{DEF}/esc:RequestedAttribute").set(
        "Name", "urn:etoegang:1.13:attribute-intermediate:CompanyName"),
     Rule.REQUESTED_ATTRIBUTES, "delivered automatically"),
    ("request-unknown", lambda r: _one(r, f"{DEF}/esc:RequestedAttribute").set("Name", "email"),
     Rule.REQUESTED_ATTRIBUTES, "not an attribute of the etoegang attribute catalogue"),
    ("sso-at-eh4", _both(_set_text(f"{DEF}/saml:AuthnContextClassRef",
                                   "urn:etoegang:core:assurance-class:loa4", 1),
                         _set_text(f"{INST}/esc:SSOSupport", "true", 1)),
     Rule.SSO_LOA4, "never allowed"),
    ("eh1", _set_text(f"{DEF}/saml:AuthnContextClassRef", "urn:etoegang:core:assurance-class:loa1"),
     Rule.LOA_DISCONTINUED, "discontinued"),
    ("portal-for-without-is-portal", _add_after(f"{INST}/esc:Classifiers", E + "PortalForService",
                                                "urn:etoegang:DV:00000001234567890000:services:1"),
     Rule.PORTAL, "needs IsPortal"),
]


@pytest.mark.parametrize(("mutate", "rule", "fragment"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_each_rule_catches_its_fault(mutate: Mutation, rule: Rule, fragment: str) -> None:
    found = _lint_mutated(mutate)
    assert {v.rule for v in found} == {rule}, [str(v) for v in found]
    assert any(fragment in v.message for v in found), [str(v) for v in found]


def test_every_rule_has_a_focused_case() -> None:
    covered = {c[2] for c in CASES} | {Rule.WELL_FORMED, Rule.SIGNED, Rule.SERVICE_CERTIFICATE}
    assert covered == set(Rule)


def _weak_certificate(bits: int, days: int) -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "weak test only")])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(1)
            .not_valid_before(INSTANT - timedelta(days=10))
            .not_valid_after(INSTANT + timedelta(days=days)).sign(key, hashes.SHA256()))
    import base64

    from cryptography.hazmat.primitives.serialization import Encoding
    return base64.b64encode(cert.public_bytes(Encoding.DER))


@pytest.mark.parametrize(("bits", "days", "fragment"),
                         [(1024, 30, "RSA key of 1024 bits"), (2048, -1, "expired on")],
                         ids=["rsa-1024", "expired"])
def test_sc12_weak_or_expired_service_certificate(bits: int, days: int, fragment: str) -> None:
    b64 = _weak_certificate(bits, days).decode()
    found = _lint_mutated(_set_text(f"{INST}//ds:X509Certificate", b64))
    assert [v.rule for v in found] == [Rule.SERVICE_CERTIFICATE]
    assert fragment in found[0].message


def test_violation_text_and_rule_names_are_stable() -> None:
    assert str(Violation(Rule.BSN_LOA, "m", 3)) == "SC06 bsn-loa: m"
    assert [r.value for r in Rule] == [f"SC{n:02d}" for n in range(len(Rule))]
    assert Rule.VESTIGINGSNR_WITH_KVK.slug == "vestigingsnr-with-kvk"
