"""Service providers built on other SAML libraries log in through the real broker.

Issue 4: "two service providers built on other libraries (one on pysaml2, one on
python3-saml), registered with ``makelaar dv onboard``, complete a login through the broker".

Each SP is registered the way a new DV is: ``makelaar dv onboard`` lints its metadata and
catalogue entry and registers both with the broker, before the broker starts (broker.yaml lists
the ``registry`` directory where onboarding puts them). The SPs are configured by
``tests/sp_adapters/other_sps.py``; their eHerkenning adaptations live in
``tests/e2e/sp_pysaml2.py`` and ``tests/e2e/sp_python3_saml.py`` and are explained in
``docs/dv-libraries.md``. The SP's own endpoints need no server: the browser's visit to the
SP's assertion consumer service is caught in the test process, where the SP library then does
its part (artifact resolution over SOAP with the broker for pysaml2, the POSTed Response for
python3-saml). One network serves the whole module; each login uses its own twin of a demo
user (SMS rate limits, ``tests/e2e/people.py``).

Besides each adapted login, a test per library records what the stock library does with the
same HM Response, so the finding stays visible.
"""

from __future__ import annotations

import base64
import copy
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest
import requests
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree

from etoegang.clock import SystemClock
from etoegang.xml.parser import parse_xml
from idp import seed
from keys.devpki import DevCa
from keys.devpki import new_ring
from keys.ring import KeyRing
from makelaar.cli import main as makelaar
from makelaar.demo import DemoNetwork
from makelaar.network import AD_ENTITY
from makelaar.network import DEMO_SERVICES
from makelaar.network import HM_ENTITY
from makelaar.network import Network
from makelaar.walkthrough import LoginPlan
from makelaar.walkthrough import Outcome
from makelaar.walkthrough import Walkthrough
from policies.loa import Loa
from tests.conftest import CERTS_FROM
from tests.e2e.catcher import Catcher
from tests.e2e.people import add_twins
from tests.e2e.people import twin_email
from tests.e2e.servers import RunningNetwork
from tests.e2e.servers import free_ports
from tests.e2e.servers import running_network
from tests.sp_adapters.other_sps import OtherSp
from tests.sp_adapters.other_sps import make_other_sp

XMLSEC1 = Path("/usr/bin/xmlsec1")
PYSAML2_OIN = "00000099000000000011"
PYTHON3_SAML_OIN = "00000099000000000012"
ANNA = "anna@goudenkorst.example"  # eH3 means, mandate for the whole bakery
TWINS = {ANNA: ["pysaml2", "stockpysaml2", "onelogin", "stockonelogin"]}

SAML_NS = "urn:oasis:names:tc:SAML:2.0:assertion"
KVK_QUALIFIER = "urn:etoegang:1.9:EntityConcernedID:KvKnr"
XENC11_RSA_OAEP = "http://www.w3.org/2009/xmlenc11#rsa-oaep"

pytestmark = [pytest.mark.e2e, pytest.mark.interop]


@dataclass(frozen=True, slots=True)
class OtherSps:
    live: RunningNetwork
    pysaml2: OtherSp
    python3_saml: OtherSp
    network: Network
    hm_cert_pem: str
    directory: Path


def _onboard(sp: OtherSp, net: DemoNetwork) -> None:
    directory = net.directory
    status = makelaar([
        "dv", "onboard", "--metadata", str(sp.metadata), "--catalogue", str(sp.catalogue),
        "--registry", str(directory / "registry"),
        "--broker-catalogue", str(directory / "catalogue.xml"),
        "--hm-keys", str(directory / "keys"), "--authority", str(directory / "keys" / "ca.crt"),
    ])
    assert status == 0, f"makelaar dv onboard refused the {sp.name} SP"


@pytest.fixture(scope="module")
def other_sps(
    tmp_path_factory: pytest.TempPathFactory, rings: dict[str, KeyRing], dev_ca: DevCa
) -> Iterator[OtherSps]:
    pytest.importorskip("saml2")
    pytest.importorskip("onelogin.saml2")
    if not XMLSEC1.exists():
        pytest.skip("pysaml2 needs /usr/bin/xmlsec1")
    directory = tmp_path_factory.mktemp("other-sps")
    made: dict[str, Any] = {}

    def onboard(net: DemoNetwork) -> None:
        network = Network(net.directory, dict(net.urls), rings, DEMO_SERVICES)
        ports = free_ports(2)
        for key, name, oin, port, post_acs in (
            ("pysaml2", "Pysaml2", PYSAML2_OIN, ports[0], False),
            ("python3_saml", "Onelogin", PYTHON3_SAML_OIN, ports[1], True),
        ):
            ring = new_ring(dev_ca, "dv", now=CERTS_FROM)
            sp = make_other_sp(name, oin, port, ring, network, directory / key, SystemClock(),
                               post_acs=post_acs)
            _onboard(sp, net)
            made[key] = sp
        # broker.yaml lists the registry directory: the broker loads what onboarding put there.
        assert len(list((net.directory / "registry").glob("dv_*.xml"))) == 2
        made["network"] = network

    with running_network(directory, rings=rings, ca=dev_ca, servers=("broker", "idp"),
                         before_start=onboard) as live:
        add_twins(live.network.db_url, TWINS)
        hm_pem = rings["hm"].signing.certificate.public_bytes(Encoding.PEM).decode()
        yield OtherSps(live, made["pysaml2"], made["python3_saml"], made["network"], hm_pem,
                       directory)


def _plan(tag: str) -> LoginPlan:
    assert tag in TWINS[ANNA]
    return LoginPlan(twin_email(ANNA, tag), seed.DEMO_PASSWORD, 1)


def _browser(sp: OtherSp, live: RunningNetwork) -> tuple[Walkthrough, Catcher]:
    walk = Walkthrough(sp.settings.base_url, live.network.sms_outbox)
    catcher = Catcher()
    walk.http.mount(sp.settings.base_url + "/", catcher)
    return walk, catcher


def _through_the_broker(
    outcome: Outcome, catcher: Catcher, acs_path: str
) -> requests.PreparedRequest:
    """The user went discovery, AD login, SMS code, mandate choice; the browser reached the SP."""
    assert outcome.steps_seen[:3] == ["discovery", "ad-login", "ad-code"], (
        outcome.steps, outcome.page.text[:400])
    assert catcher.caught, f"the broker never sent the browser to the SP: {outcome.page.url}"
    arrival = catcher.caught[-1]
    assert urlsplit(str(arrival.url)).path == acs_path
    return arrival



# --- pysaml2 ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Pysaml2Login:
    config: Any  # saml2.config.SPConfig
    request_id: str
    response: bytes  # the HM Response exactly as received in the ArtifactResponse


@pytest.fixture(scope="module")
def pysaml2_login(other_sps: OtherSps) -> Pysaml2Login:
    """The pysaml2 SP's login: AuthnRequest, browser through the broker, artifact resolved."""
    from saml2 import BINDING_HTTP_ARTIFACT
    from saml2.config import SPConfig
    from saml2.xmldsig import DIGEST_SHA256
    from saml2.xmldsig import SIG_RSA_SHA256

    from tests.e2e import sp_pysaml2
    from tests.sp_adapters.other_sps import pysaml2_config

    sp_pysaml2.install(other_sps.directory / "pysaml2-schemas")
    sp, live = other_sps.pysaml2, other_sps.live
    config = SPConfig()
    config.load(pysaml2_config(sp, other_sps.network, XMLSEC1))
    client = sp_pysaml2.eherkenning_client(config)
    sso = live.urls["broker"] + "/broker/sso/1.13"
    request_id, request = client.create_authn_request(
        sso, binding=BINDING_HTTP_ARTIFACT, sign=True, sign_alg=SIG_RSA_SHA256,
        digest_alg=DIGEST_SHA256, attribute_consuming_service_index="1",
    )
    walk, catcher = _browser(sp, live)
    first = walk.post(sso, {"SAMLRequest": base64.b64encode(str(request).encode()).decode()})
    arrival = _through_the_broker(walk.follow(first, _plan("pysaml2")), catcher, "/saml/acs")
    artifact = parse_qs(urlsplit(str(arrival.url)).query)["SAMLart"][0]
    return Pysaml2Login(config, request_id, sp_pysaml2.resolve_artifact(client, artifact))


def _pysaml2_parse(client: Any, login: Pysaml2Login) -> Any:
    from saml2 import BINDING_HTTP_ARTIFACT

    return client.parse_authn_request_response(
        base64.b64encode(login.response).decode(), BINDING_HTTP_ARTIFACT,
        outstanding={login.request_id: "/"},
    )


def test_pysaml2_sp_logs_in_through_the_broker_and_reads_the_company(
    other_sps: OtherSps, pysaml2_login: Pysaml2Login
) -> None:
    from tests.e2e import sp_pysaml2

    client = sp_pysaml2.eherkenning_client(pysaml2_login.config)
    # pysaml2 checks the Response and HM assertion signatures (xmlsec1, HM key from metadata),
    # InResponseTo, Destination, audience, bearer recipient and validity window.
    response = _pysaml2_parse(client, pysaml2_login)
    assert response is not None
    assert response.assertion.issuer.text == HM_ENTITY
    assert response.in_response_to == pysaml2_login.request_id
    ((level, authorities, _instant),) = response.authn_info()
    assert level == Loa.EH3.urn
    assert authorities == [AD_ENTITY]

    received = sp_pysaml2.identity_values(other_sps.pysaml2.ring.encryption,
                                          _top_assertion(pysaml2_login.response))
    _assert_dv_received(received, other_sps.pysaml2)


def test_stock_pysaml2_refuses_xacml_in_advice(
    other_sps: OtherSps, pysaml2_login: Pysaml2Login
) -> None:
    """The finding: stock pysaml2 refuses the HM Response before checking any signature."""
    from saml2.client import Saml2Client
    from saml2.samlp import response_from_string
    from saml2.sigver import SignatureError

    from tests.e2e import sp_pysaml2

    with pytest.raises(SignatureError, match="XACMLAuthzDecisionStatementType") as refused:
        _pysaml2_parse(Saml2Client(pysaml2_login.config), pysaml2_login)
    assert "Invalid document format" in str(refused.value)
    # Adding the XACML SAML profile to its schemas is not enough: pysaml2 validates its own
    # re-serialisation, which has lost the declaration of the prefix the xsi:type value uses.
    extended = sp_pysaml2.eherkenning_schema_validator(other_sps.directory / "stock-check")
    reserialised = str(response_from_string(pysaml2_login.response))
    assert "xacml-saml:XACMLAuthzDecisionStatementType" in reserialised
    assert "xmlns:xacml-saml" not in reserialised
    with pytest.raises(Exception, match="xacml-saml:XACMLAuthzDecisionStatementType"):
        extended.validate(reserialised)
    extended.validate(pysaml2_login.response.decode("utf-8"))  # as received: valid


def test_stock_pysaml2_cannot_decrypt_the_encrypted_ids(
    other_sps: OtherSps, pysaml2_login: Pysaml2Login
) -> None:
    """pysaml2's decryption is xmlsec1 1.2.37, which lacks XML-Enc 1.1 RSA-OAEP."""
    from saml2.client import Saml2Client
    from saml2.sigver import DecryptError

    stock = Saml2Client(pysaml2_login.config)
    encrypted = _top_assertion(pysaml2_login.response).find(
        f".//{{{SAML_NS}}}AttributeValue/{{{SAML_NS}}}EncryptedID"
    )
    assert encrypted is not None
    assert XENC11_RSA_OAEP.encode() in etree.tostring(encrypted)
    with pytest.raises(DecryptError, match="No key was able to decrypt"):
        stock.sec.decrypt(etree.tostring(encrypted).decode("utf-8"))


def test_adapted_pysaml2_still_refuses_a_tampered_hm_assertion(
    pysaml2_login: Pysaml2Login,
) -> None:
    from saml2.sigver import SignatureError

    from tests.e2e import sp_pysaml2

    # One character of the ServiceUUID in the signed content (the AD assertion in Advice).
    tampered = pysaml2_login.response.replace(b"5e2a3c1d", b"5e2a3c1e", 1)
    assert tampered != pysaml2_login.response
    client = sp_pysaml2.eherkenning_client(pysaml2_login.config)
    with pytest.raises(SignatureError, match="Failed to verify signature"):
        _pysaml2_parse(client, Pysaml2Login(pysaml2_login.config, pysaml2_login.request_id,
                                            tampered))


# --- python3-saml -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Python3SamlLogin:
    settings: dict[str, Any]
    request_id: str
    request_data: dict[str, Any]  # the POST the browser made to the SP's ACS


@pytest.fixture(scope="module")
def python3_saml_login(other_sps: OtherSps) -> Python3SamlLogin:
    """The python3-saml SP's login: Redirect AuthnRequest, browser through the broker, which
    answers by POST to the SP's HTTP-POST ACS (named in the request by URL)."""
    from tests.e2e import sp_python3_saml
    from tests.sp_adapters.other_sps import python3_saml_settings

    sp_python3_saml.install(other_sps.directory / "python3-saml-schemas")
    sp, live = other_sps.python3_saml, other_sps.live
    settings = python3_saml_settings(sp, other_sps.network, other_sps.hm_cert_pem,
                                     broker_url=live.urls["broker"])
    host = urlsplit(sp.settings.base_url).netloc
    auth = sp_python3_saml.EherkenningAuth(
        {"https": "off", "http_host": host, "script_name": "/saml/login", "get_data": {},
         "post_data": {}},
        old_settings=settings,
    )
    url = auth.login(return_to="/after", set_nameid_policy=False)  # as django-digid-eherkenning
    walk, catcher = _browser(sp, live)
    outcome = walk.follow(walk.open(url), _plan("onelogin"))
    assert "post-binding" in outcome.steps  # the broker's auto-submit form, followed
    arrival = _through_the_broker(outcome, catcher, "/saml/acs-post")
    assert arrival.method == "POST"
    body = arrival.body.decode() if isinstance(arrival.body, bytes) else str(arrival.body)
    form = {name: values[0] for name, values in parse_qs(body).items()}
    assert form["RelayState"] == "/after"
    request_data = {"https": "off", "http_host": host, "script_name": "/saml/acs-post",
                    "get_data": {}, "post_data": form}
    return Python3SamlLogin(settings, auth.get_last_request_id(), request_data)


def test_python3_saml_sp_logs_in_through_the_broker_and_reads_the_company(
    other_sps: OtherSps, python3_saml_login: Python3SamlLogin
) -> None:
    from tests.e2e import sp_python3_saml

    login = python3_saml_login
    auth = sp_python3_saml.EherkenningAuth(login.request_data, old_settings=login.settings)
    # Strict python3-saml: schema, InResponseTo, Destination, audience, issuer, bearer
    # recipient, timestamps, the Response and HM assertion signatures with the HM certificate.
    auth.process_response(request_id=login.request_id)
    assert auth.get_errors() == [], auth.get_last_error_reason()
    assert auth.is_authenticated()
    assert auth.get_last_authn_contexts() == [Loa.EH3.urn]
    assert auth.get_last_response_in_response_to() == login.request_id
    key_pem = other_sps.python3_saml.ring.encryption.private_pem().decode()
    _assert_dv_received(sp_python3_saml.identity_values(auth, key_pem), other_sps.python3_saml)


def test_stock_python3_saml_refuses_the_assertions_in_advice(
    python3_saml_login: Python3SamlLogin,
) -> None:
    """The finding: three refusals of stock python3-saml, each recorded."""
    from onelogin.saml2.auth import OneLogin_Saml2_Auth
    from onelogin.saml2.response import OneLogin_Saml2_Response
    from onelogin.saml2.settings import OneLogin_Saml2_Settings
    from onelogin.saml2.utils import OneLogin_Saml2_ValidationError
    from onelogin.saml2.xml_utils import OneLogin_Saml2_XML

    login = python3_saml_login
    stock = OneLogin_Saml2_Auth(login.request_data, old_settings=login.settings)
    stock.process_response(request_id=login.request_id)
    assert stock.get_errors() == ["invalid_response"]
    assert stock.get_last_error_reason() == "SAML Response must contain 1 assertion"

    response = OneLogin_Saml2_Response(OneLogin_Saml2_Settings(login.settings),
                                       login.request_data["post_data"]["SAMLResponse"])
    assert not response.validate_num_assertions()
    with pytest.raises(OneLogin_Saml2_ValidationError, match="unexpected Signature Element"):
        response.process_signed_elements()
    assert OneLogin_Saml2_XML.validate_xml(
        response.document, "saml-schema-protocol-2.0.xsd"
    ) == "invalid_xml"


def test_adapted_python3_saml_still_refuses_tampering_and_stray_assertions(
    python3_saml_login: Python3SamlLogin,
) -> None:
    from tests.e2e import sp_python3_saml

    login = python3_saml_login
    original = base64.b64decode(login.request_data["post_data"]["SAMLResponse"])

    def verdict(xml: bytes) -> str | None:
        data = dict(login.request_data)
        data["post_data"] = {**login.request_data["post_data"],
                             "SAMLResponse": base64.b64encode(xml).decode()}
        auth = sp_python3_saml.EherkenningAuth(data, old_settings=login.settings)
        auth.process_response(request_id=login.request_id)
        reason: str | None = auth.get_last_error_reason()
        return reason

    # The HM assertion's content changed: its signature (verified by the stock code) fails.
    changed = original.replace(b"5e2a3c1d", b"5e2a3c1e", 1)
    assert changed != original
    assert verdict(changed) == "Signature validation failed. SAML Response rejected"
    # A second top-level assertion (a copy of an Advice one) is refused as before.
    document = parse_xml(original)
    top = document.find(f"{{{SAML_NS}}}Assertion")
    assert top is not None
    in_advice = top.find(f"{{{SAML_NS}}}Advice/{{{SAML_NS}}}Assertion")
    assert in_advice is not None
    stray = copy.deepcopy(in_advice)
    stray.set("ID", "_stray")
    document.append(stray)
    assert verdict(etree.tostring(document)) == "SAML Response must contain 1 assertion"


# --- what the DV received -----------------------------------------------------------------


def _top_assertion(response: bytes) -> etree._Element:
    assertion = parse_xml(response).find(f"{{{SAML_NS}}}Assertion")
    assert assertion is not None
    return assertion


def _assert_dv_received(received: dict[str, list[str]], sp: OtherSp) -> None:
    service = sp.settings.services[0]
    shown = {name: values for name, values in received.items()}
    assert received.get("urn:etoegang:core:ServiceID") == [service.service_id], shown
    assert received.get("urn:etoegang:core:ServiceUUID") == [service.service_uuid], shown
    assert received.get("urn:etoegang:core:LegalSubjectID") == [
        f"{KVK_QUALIFIER}:{seed.BAKERY_KVK}"
    ], shown
    (acting,) = received["urn:etoegang:core:ActingSubjectID"]
    # The acting person's pseudonym (spec §3.2: a Pseudo type, interface version in the URN).
    assert ":EntityConcernedID:Pseudo:" in acting, shown
