"""Fixtures of the register tests: a test network, the idp app with a seeded SQLite register
and a fake HM; the database fixtures of tests/idp (SQLite and PostgreSQL) are reused."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import Engine

from etoegang.clock import FixedClock
from etoegang.clock import RandomIdSource
from etoegang.state.memory import InMemoryStateStore
from idp.app import context_of
from idp.app import create_app
from idp.db.passwords import Argon2Parameters
from idp.db.passwords import PasswordHasher
from idp.seed import seed
from idp.settings import load_settings
from keys.devpki import DevCa
from keys.ring import KeyRing
from makelaar.network import Network
from makelaar.network import build_network
from metadata.catalogue import ServiceCatalogue
from metadata.loading import catalogue_signers
from metadata.loading import load_catalogue
from metadata.loading import trust_from_files
from tests.conftest import GOLDEN_INSTANT
from tests.idp.conftest import _postgresql_migrated  # noqa: F401
from tests.idp.conftest import _sqlite_migrated  # noqa: F401
from tests.idp.conftest import engine  # noqa: F401
from tests.idp.conftest import postgres_url  # noqa: F401
from tests.idp.conftest import session  # noqa: F401
from tests.idp_mr.harness import IDP
from tests.idp_mr.harness import FakeHm
from tests.idp_mr.harness import db_url
from tests.idp_mr.harness import fix_artifact_urls

FAST = PasswordHasher(Argon2Parameters(time_cost=1, memory_cost_kib=1024, parallelism=1))


@pytest.fixture(scope="package")
def network(
    tmp_path_factory: pytest.TempPathFactory, dev_ca: DevCa, rings: dict[str, KeyRing]
) -> Network:
    return build_network(
        tmp_path_factory.mktemp("mr-network"),
        urls={"broker": "http://hm.test", "idp": IDP, "dv": "http://dv.test"},
        clock=FixedClock(GOLDEN_INSTANT),
        rings=rings,
        ca=dev_ca,
    )


@pytest.fixture(scope="package")
def catalogue(network: Network) -> ServiceCatalogue:
    clock = FixedClock(GOLDEN_INSTANT)
    trust = trust_from_files([network.ca_file])
    return load_catalogue(
        network.catalogue_file, catalogue_signers(network.metadata_file("hm"), trust, clock),
        clock,
    )


@pytest.fixture(scope="package")
def mr_clock() -> FixedClock:
    return FixedClock(GOLDEN_INSTANT)


@pytest.fixture(scope="package")
def app(
    network: Network,
    tmp_path_factory: pytest.TempPathFactory,
    mr_clock: FixedClock,
    rings: dict[str, KeyRing],
) -> Iterator[Flask]:
    """One app for the package (loading keys and migrating take seconds); tests that change
    its register, policy or catalogue put them back (see the fixtures below)."""
    settings = dataclasses.replace(
        load_settings(network.settings_file("idp")), db_url=db_url(tmp_path_factory.mktemp("db"))
    )
    hm = FakeHm(network, rings, mr_clock)
    application = create_app(
        settings,
        clock=mr_clock,
        ids=RandomIdSource(),
        transport=hm.transport,
        state=InMemoryStateStore(mr_clock),
    )
    application.config["TESTING"] = True
    application.extensions["fake_hm"] = hm
    fix_artifact_urls(application)
    context = context_of(application)
    application.extensions["catalogue"] = context.catalogue
    with context.db() as db:
        seed(db, mr_clock, context.catalogue, hasher=FAST)
        db.commit()
    yield application
    bound: Engine = context.db.kw["bind"]
    bound.dispose()


@pytest.fixture()
def hm(app: Flask, mr_clock: FixedClock) -> Iterator[FakeHm]:
    fake: FakeHm = app.extensions["fake_hm"]
    yield fake
    mr_clock.move_to(GOLDEN_INSTANT)
    context = context_of(app)
    app.extensions.pop("idp_chain_policy", None)
    app.extensions["idp"] = dataclasses.replace(context, catalogue=app.extensions["catalogue"])
