"""Metadata refresh from a local HTTP server on 127.0.0.1: good, tampered, expired and
unreachable metadata; the last good copy kept (in the registry and on disk) and failures
counted."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

from etoegang.clock import FixedClock
from etoegang.errors import MetadataError
from makelaar.network import AD_ENTITY
from makelaar.network import Network
from metadata.loading import trust_from_files
from metadata.model import EntityMetadata
from metadata.refresh import MetadataRefresher
from metadata.refresh import RefreshObserver
from metadata.registry import MetadataRegistry
from tests.ops.conftest import free_port
from web import metrics


class Documents(ThreadingHTTPServer):
    documents: dict[str, bytes]


class _Handler(BaseHTTPRequestHandler):
    server: Documents

    def do_GET(self) -> None:  # noqa: N802 - the http.server name
        body = self.server.documents.get(self.path)
        if body is None:
            self.send_response(404)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/samlmetadata+xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return None


@pytest.fixture()
def server() -> Iterator[Documents]:
    httpd = Documents(("127.0.0.1", 0), _Handler)
    httpd.documents = {}
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()


def url(server: Documents, path: str) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}{path}"


class Recorder:
    """A RefreshObserver that remembers what it was told."""

    def __init__(self) -> None:
        self.sources: list[str] = []
        self.errors: list[str] = []

    def accepted(self, source: str, entities: tuple[EntityMetadata, ...], at: datetime) -> None:
        self.sources.append(source)

    def failed(self, source: str, error: MetadataError) -> None:
        self.errors.append(error.code)


def refresher_for(network: Network, sources: list[str], clock: FixedClock, cache: Path,
                  registry: MetadataRegistry,
                  observer: RefreshObserver | None = None) -> MetadataRefresher:
    return MetadataRefresher(sources, trust_from_files([network.ca_file]), registry, clock,
                             cache_dir=cache, observer=observer)


@pytest.fixture()
def clock() -> FixedClock:
    return FixedClock(datetime.now(UTC).replace(microsecond=0))


def test_good_metadata_is_registered_and_kept_on_disk(
    network: Network, server: Documents, clock: FixedClock, tmp_path: Path
) -> None:
    server.documents["/ad.xml"] = network.metadata_file("ad").read_bytes()
    registry = MetadataRegistry()
    source = url(server, "/ad.xml")
    refresher = refresher_for(network, [source], clock, tmp_path, registry)
    (result,) = refresher.refresh_all()
    assert result.ok and result.entity_ids == (AD_ENTITY,)
    assert AD_ENTITY in registry
    assert result.next_refresh > clock.now()
    cached = refresher.cache_path(source)
    assert cached is not None and cached.read_bytes() == server.documents["/ad.xml"]
    # a restart: a new registry filled from the last good copy, with the server gone
    server.documents.clear()
    fresh = MetadataRegistry()
    again = refresher_for(network, [source], clock, tmp_path, fresh)
    assert [r.entity_ids for r in again.load_cached()] == [(AD_ENTITY,)]
    assert AD_ENTITY in fresh


def test_tampered_metadata_is_refused_and_the_last_good_copy_kept(
    network: Network, server: Documents, clock: FixedClock, tmp_path: Path
) -> None:
    good = network.metadata_file("ad").read_bytes()
    server.documents["/ad.xml"] = good
    registry = MetadataRegistry()
    source = url(server, "/ad.xml")
    observer = Recorder()
    refresher = refresher_for(network, [source], clock, tmp_path, registry, observer)
    assert refresher.refresh(source).ok
    before = registry.get(AD_ENTITY)
    server.documents["/ad.xml"] = good.replace(b"Location=\"http://", b"Location=\"https://", 1)
    assert server.documents["/ad.xml"] != good
    failed = refresher.refresh(source)
    assert not failed.ok and failed.entity_ids == (AD_ENTITY,)
    assert observer.sources == [source]
    assert observer.errors == ["metadata_bad_signature"]
    assert registry.get(AD_ENTITY) is before
    assert refresher.failures(source) == 1
    assert failed.next_refresh == clock.now() + timedelta(minutes=5)
    cached = refresher.cache_path(source)
    assert cached is not None and cached.read_bytes() == good


def test_expired_metadata_is_refused(
    network: Network, server: Documents, clock: FixedClock, tmp_path: Path
) -> None:
    server.documents["/ad.xml"] = network.metadata_file("ad").read_bytes()
    registry = MetadataRegistry()
    source = url(server, "/ad.xml")
    refresher = refresher_for(network, [source], clock, tmp_path, registry)
    assert refresher.refresh(source).ok
    valid_until = registry.get(AD_ENTITY).valid_until
    assert valid_until is not None
    clock.move_to(valid_until + timedelta(seconds=1))
    result = refresher.refresh(source)
    assert not result.ok and "expired" in (result.error or "")
    assert AD_ENTITY in registry


def test_unreachable_source_is_counted_in_the_metrics(
    network: Network, clock: FixedClock, tmp_path: Path
) -> None:
    source = f"http://127.0.0.1:{free_port()}/gone.xml"
    registry = MetadataRegistry()
    refresher = refresher_for(network, [source], clock, tmp_path, registry,
                              metrics.RefreshMetrics([source]))
    counter = metrics.METADATA_REFRESH_FAILURES.labels(source=source)
    before = counter._value.get()
    (result,) = refresher.refresh_due()
    assert not result.ok and result.error == "metadata source unreachable"
    assert counter._value.get() == before + 1
    assert refresher.refresh_due() == []  # not due again before the retry interval
    clock.move_to(clock.now() + timedelta(minutes=5))
    assert len(refresher.refresh_due()) == 1


def test_http_errors_and_unknown_documents_fail(
    network: Network, server: Documents, clock: FixedClock, tmp_path: Path
) -> None:
    server.documents["/junk.xml"] = b"<not-metadata/>"
    registry = MetadataRegistry()
    sources = [url(server, "/missing.xml"), url(server, "/junk.xml")]
    refresher = refresher_for(network, sources, clock, tmp_path, registry)
    results = refresher.refresh_all()
    assert [r.ok for r in results] == [False, False]
    assert results[0].error == "metadata source answered HTTP 404"
    assert len(registry) == 0


def test_the_refresh_interval_follows_cache_duration_within_bounds(
    network: Network, server: Documents, clock: FixedClock, tmp_path: Path
) -> None:
    server.documents["/ad.xml"] = network.metadata_file("ad").read_bytes()
    registry = MetadataRegistry()
    refresher = refresher_for(network, [url(server, "/ad.xml")], clock, tmp_path, registry)
    (result,) = refresher.refresh_all()
    entity = registry.get(AD_ENTITY)
    wanted = (entity.refresh_after or clock.now() + timedelta(hours=1)) - clock.now()
    expected = max(timedelta(minutes=1), min(timedelta(hours=6), wanted))
    assert result.next_refresh == clock.now() + expected


def test_the_background_thread_refreshes_and_stops(
    network: Network, server: Documents, clock: FixedClock, tmp_path: Path
) -> None:
    server.documents["/ad.xml"] = network.metadata_file("ad").read_bytes()
    registry = MetadataRegistry()
    refresher = refresher_for(network, [url(server, "/ad.xml")], clock, tmp_path, registry)
    thread = refresher.start()
    try:
        for _ in range(200):
            if AD_ENTITY in registry:
                break
            threading.Event().wait(0.01)
        assert AD_ENTITY in registry
    finally:
        refresher.stop()
    assert not thread.is_alive()
