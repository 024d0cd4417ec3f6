"""Fixtures of the AD flow tests: one development network per module (with two extra
catalogue services that request AD attributes), a seeded register template, a fresh app per
test."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from etoegang.clock import FixedClock
from etoegang.clock import RandomIdSource
from idp.db.columns import add_years
from idp.db.models import Credential
from idp.db.models import LegalForm
from idp.db.models import Means
from idp.db.models import MeansStatus
from idp.db.models import Organisation
from idp.db.models import Person
from idp.db.passwords import PasswordHasher
from idp.db.session import make_engine
from idp.db.session import make_session_factory
from idp.db.session import upgrade_to_head
from keys.devpki import DevCa
from keys.ring import KeyRing
from makelaar.network import DV_OIN
from makelaar.network import HM_OIN
from makelaar.network import Network
from makelaar.network import build_network
from metadata import build as md_build
from metadata import catalogue as cat
from metadata.catalogue_build import DvServiceSpec
from metadata.catalogue_build import build_catalogue
from metadata.catalogue_build import build_dv_entry
from metadata.catalogue_build import catalogue_of
from metadata.catalogue_build import sign_catalogue
from metadata.loading import catalogue_signers
from metadata.loading import load_catalogue
from metadata.loading import trust_from_files
from metadata.model import LocalizedText
from policies.loa import Loa
from tests.conftest import GOLDEN_INSTANT
from tests.idp_ad.harness import CHEAP
from tests.idp_ad.harness import PASSWORD
from tests.idp_ad.harness import Harness
from tests.idp_ad.harness import make_harness

FIRST_NAME = "urn:etoegang:1.9:attribute:FirstName"
FAMILY_NAME = "urn:etoegang:1.9:attribute:FamilyName"
DATE_OF_BIRTH = "urn:etoegang:1.9:attribute:DateOfBirth"

#: e-mail -> (level, status, mobile, years ago the means started, validity years)
ACCOUNTS: dict[str, tuple[Loa, MeansStatus, str | None, int, int]] = {
    "eh2@example.nl": (Loa.EH2, MeansStatus.ACTIVE, None, 0, 3),
    "eh2plus@example.nl": (Loa.EH2PLUS, MeansStatus.ACTIVE, "+31612345678", 0, 3),
    "eh3@example.nl": (Loa.EH3, MeansStatus.ACTIVE, "+31612340003", 0, 3),
    "eh4@example.nl": (Loa.EH4, MeansStatus.ACTIVE, "+31612340004", 0, 3),
    "nomobile@example.nl": (Loa.EH3, MeansStatus.ACTIVE, None, 0, 3),
    "revoked@example.nl": (Loa.EH3, MeansStatus.REVOKED, "+31612340005", 0, 3),
    "expired@example.nl": (Loa.EH3, MeansStatus.EXPIRED, "+31612340006", 4, 3),
}


def _purpose(text: str) -> tuple[LocalizedText, ...]:
    return (LocalizedText("nl", text), LocalizedText("en", text))


def _add_consent_services(network: Network, rings: dict[str, KeyRing], clock: FixedClock) -> None:
    trust = trust_from_files([network.ca_file])
    current = load_catalogue(
        network.catalogue_file,
        catalogue_signers(network.metadata_file("hm"), trust, clock),
        clock,
    )
    extra = []
    for index, attributes in (
        (4, ((FIRST_NAME, True, "Aanhef in brieven"), (FAMILY_NAME, False, "Adressering"),
             (DATE_OF_BIRTH, False, "Leeftijdscontrole"))),
        (5, ((DATE_OF_BIRTH, True, "Leeftijdscontrole"),)),
    ):
        extra.append(build_dv_entry(DvServiceSpec(
            oin=DV_OIN,
            service_index=index,
            organisation_names=(LocalizedText("nl", "Gemeente Voorbeeldstad"),
                                LocalizedText("en", "Municipality of Exampletown")),
            service_names=(LocalizedText("nl", f"Dienst {index}"),
                           LocalizedText("en", f"Service {index}")),
            service_descriptions=_purpose(f"Dienst {index}"),
            loa=Loa.EH2,
            ecta_sets=((cat.IdentifierType.KVKNR,),),
            service_certificate=rings["dv"].encryption.as_peer(),
            herkenningsmakelaar_id=HM_OIN,
            requested_attributes=tuple(
                cat.CatalogueRequestedAttribute(name, required, _purpose(purpose))
                for name, required, purpose in attributes
            ),
        )))
    catalogue = catalogue_of((*current.providers, *extra), version=current.version,
                             clock=clock, ids=RandomIdSource())
    element = sign_catalogue(build_catalogue(catalogue), rings["hm"].signing)
    network.catalogue_file.write_bytes(md_build.to_bytes(element))


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory, dev_ca: DevCa,
            rings: dict[str, KeyRing]) -> Network:
    clock = FixedClock(GOLDEN_INSTANT)
    built = build_network(tmp_path_factory.mktemp("adnet"), rings=rings, ca=dev_ca, clock=clock)
    _add_consent_services(built, rings, clock)
    return built


@pytest.fixture(scope="module")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("addb") / "template.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    upgrade_to_head(engine)
    at = GOLDEN_INSTANT
    hashed = PasswordHasher(CHEAP).hash(PASSWORD)
    with make_session_factory(engine)() as db, db.begin():
        org = Organisation(kvk_number="90000001", name="Bakkerij B.V.", legal_form=LegalForm.BV,
                           created_at=at)
        db.add(org)
        for email, (level, status, mobile, years_ago, years) in ACCOUNTS.items():
            person = Person(given_names="Jan Pieter", surname_prefix="de", surname="Vries",
                            email=email, created_at=at)
            start = at - timedelta(days=30) - timedelta(days=365 * years_ago)
            means = Means(person=person, organisation=org, level=level, status=status,
                          valid_from=start, valid_until=add_years(start, years),
                          is_employee=True, identity_document_validated=True, created_at=at)
            db.add(means)
            db.add(Credential(means=means, password_hash=hashed, mobile_e164=mobile,
                              mobile_validated=mobile is not None, password_changed_at=at))
    engine.dispose()
    return path


@pytest.fixture()
def hm(network: Network, rings: dict[str, KeyRing], template_db: Path,
       tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Harness:
    # The rings on disk are these session rings; reading them back costs ~2.7 s per app
    # (cryptography validates each RSA key on load), so the app is handed them directly.
    monkeypatch.setattr("idp.app.load_ring", lambda _directory, role: rings[role])
    return make_harness(network, rings, template_db, tmp_path, FixedClock(GOLDEN_INSTANT))
