"""Service providers on pysaml2 and python3-saml: their metadata and catalogue entries pass
``makelaar dv onboard``, and the HM side accepts their signed AuthnRequests (signature against
the registered metadata key, service index, a registered ACS)."""

from __future__ import annotations

import base64
import re
import shutil
from datetime import UTC
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from etoegang.bindings.redirect import decode_redirect
from etoegang.clock import FixedClock
from etoegang.exchange.inbound import verify_from_peer
from etoegang.messages.authn_request import parse_authn_request
from etoegang.xml.parser import parse_xml
from keys.ring import KeyRing
from makelaar.network import Network
from metadata.directory import RegistryDirectory
from metadata.loading import load_registry
from metadata.loading import trust_from_files
from metadata.model import Binding
from tests.sp_adapters.other_sps import OtherSp
from tests.sp_adapters.other_sps import make_other_sp
from tests.sp_adapters.other_sps import pysaml2_config
from tests.sp_adapters.other_sps import python3_saml_settings
from tests.sp_adapters.test_onboarding import _run

XMLSEC1 = Path("/usr/bin/xmlsec1")


@pytest.fixture()
def onboarded(
    sp_network: Network, rings: dict[str, KeyRing], tmp_path: Path
) -> tuple[Path, dict[str, OtherSp]]:
    """Both SPs, made and registered with ``makelaar dv onboard`` in a copy of the broker."""
    clock = FixedClock(datetime.now(UTC))
    broker = tmp_path / "broker"
    shutil.copytree(sp_network.directory / "metadata", broker / "metadata")
    shutil.copy(sp_network.catalogue_file, broker / "catalogue.xml")
    sps = {
        "pysaml2": make_other_sp("Pysaml", "00000099000000000011", 8811, rings["eb"],
                                 sp_network, tmp_path / "pysaml2", clock, post_acs=False),
        "python3-saml": make_other_sp("Onelogin", "00000099000000000012", 8812, rings["mr2"],
                                      sp_network, tmp_path / "onelogin", clock, post_acs=True),
    }
    for sp in sps.values():
        status = _run(["dv", "onboard", "--metadata", str(sp.metadata), "--catalogue",
                       str(sp.catalogue), "--registry", str(broker / "metadata"),
                       "--hm-keys", str(sp_network.keys_dir),
                       "--authority", str(sp_network.ca_file)])
        assert status == 0
    return broker, sps


def _broker_directory(broker: Path, network: Network) -> RegistryDirectory:
    clock = FixedClock(datetime.now(UTC))
    trust = trust_from_files([network.ca_file])
    return RegistryDirectory(
        load_registry(sorted((broker / "metadata").glob("*.xml")), trust, clock)
    )


@pytest.mark.skipif(not XMLSEC1.exists(), reason="pysaml2 needs /usr/bin/xmlsec1")
def test_pysaml2_sp_is_onboarded_and_its_authn_request_is_accepted(
    onboarded: tuple[Path, dict[str, OtherSp]], sp_network: Network
) -> None:
    saml2 = pytest.importorskip("saml2")
    from saml2.client import Saml2Client
    from saml2.config import SPConfig

    broker, sps = onboarded
    sp = sps["pysaml2"]
    config = SPConfig()
    config.load(pysaml2_config(sp, sp_network, XMLSEC1))
    client = Saml2Client(config)
    _, info = client.prepare_for_authenticate(
        entityid="urn:etoegang:HM:00000099000000000001:entities:9001",
        binding=saml2.BINDING_HTTP_POST,
        attribute_consuming_service_index="1",
        sign=True,
    )
    page = info["data"]
    value = re.search(r'name="SAMLRequest" value="([^"]+)"', page)[1]  # type: ignore[index]
    element = parse_xml(base64.b64decode(value))
    directory = _broker_directory(broker, sp_network)
    checked = verify_from_peer(element, directory, expected_issuer=sp.settings.entity_id)
    request = parse_authn_request(checked.element)
    assert request.attribute_consuming_service_index == 1
    registered = directory.registry.get(sp.settings.entity_id).sp
    assert registered is not None
    acs = (
        registered.acs_by_index(request.assertion_consumer_service_index)
        if request.assertion_consumer_service_url is None
        else registered.acs_by_url(request.assertion_consumer_service_url)
    )
    assert acs.binding is Binding.HTTP_ARTIFACT
    assert registered.service_id_for(1) == sp.settings.services[0].service_id


def test_python3_saml_sp_is_onboarded_and_its_authn_request_is_accepted(
    onboarded: tuple[Path, dict[str, OtherSp]], sp_network: Network, rings: dict[str, KeyRing]
) -> None:
    pytest.importorskip("onelogin.saml2")
    from onelogin.saml2.auth import OneLogin_Saml2_Auth

    broker, sps = onboarded
    sp = sps["python3-saml"]
    hm_pem = rings["hm"].signing.certificate.public_bytes(Encoding.PEM).decode()
    auth = OneLogin_Saml2_Auth(
        {"https": "off", "http_host": "127.0.0.1:8812", "script_name": "/login",
         "get_data": {}, "post_data": {}},
        old_settings=python3_saml_settings(sp, sp_network, hm_pem),
    )
    # This python3-saml version sends AuthnRequests by Redirect only (detached signature).
    url = auth.login(return_to="/after")
    directory = _broker_directory(broker, sp_network)
    received = decode_redirect(
        urlsplit(url).query,
        trusted=directory.signing_certificates(sp.settings.entity_id),
        require_signature=True,
    )
    request = parse_authn_request(received.element)
    assert request.issuer == sp.settings.entity_id
    registered = directory.registry.get(sp.settings.entity_id).sp
    assert registered is not None
    assert request.assertion_consumer_service_url is not None
    acs = registered.acs_by_url(request.assertion_consumer_service_url)
    assert acs.binding is Binding.HTTP_POST  # python3-saml cannot resolve artifacts
    assert registered.service_id_for(request.attribute_consuming_service_index) == (
        sp.settings.services[0].service_id
    )
