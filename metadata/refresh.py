"""Periodic refresh of peers' metadata (issue 9 Metadata refresh; spec §5; SAML metadata 2.3.2
``cacheDuration`` and ``validUntil``).

A :class:`MetadataRefresher` fetches each source (an ``http(s)://`` URL or a file path), checks
it through :func:`metadata.trust.load_metadata` (signature against the trust anchors, validUntil,
keys present) and only then puts its entities in the registry. A source that fails (unreachable,
tampered, expired, malformed) changes nothing: the registry keeps the last good entities, the
failure is counted and logged, and the source is tried again after ``retry_interval``.

Atomicity: a document is accepted or refused as a whole before any entity is replaced, and each
replacement is one dict assignment (:class:`~metadata.registry.MetadataRegistry`), so a reader
sees either the old or the new metadata of a peer, never a mix.

The last good copy of each source is written to ``cache_dir`` (write to a temporary file, then
rename), and :meth:`MetadataRefresher.load_cached` loads it again after a restart, with the same
checks (an expired copy is refused like a fresh one).

This module knows no web framework and no metrics library: the role passes a
:class:`RefreshObserver` (``web.metrics`` has one) to count and measure.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from typing import Final
from typing import Protocol

from etoegang.clock import Clock
from etoegang.errors import MetadataError
from etoegang.errors import MetadataUnreachable
from metadata.model import EntityMetadata
from metadata.registry import MetadataRegistry
from metadata.trust import MetadataTrust
from metadata.trust import load_metadata

log = logging.getLogger(__name__)

#: A metadata document larger than this is refused before parsing.
MAX_METADATA_BYTES: Final = 10 * 1024 * 1024
FETCH_TIMEOUT_SECONDS: Final = 10.0


#: Kept as an alias: the refresh code raises the core's typed error.
MetadataFetchError = MetadataUnreachable

#: Reads one source and returns its bytes; raises :class:`MetadataFetchError`.
Fetch = Callable[[str], bytes]


class RefreshObserver(Protocol):
    """Told about every refresh (metrics; the default does nothing)."""

    def accepted(self, source: str, entities: tuple[EntityMetadata, ...], at: datetime) -> None:
        ...

    def failed(self, source: str, error: MetadataError) -> None:
        ...


class _Silent:
    def accepted(self, source: str, entities: tuple[EntityMetadata, ...], at: datetime) -> None:
        return None

    def failed(self, source: str, error: MetadataError) -> None:
        return None


def fetch_source(source: str) -> bytes:
    """Read ``source``: an ``http(s)://`` URL (GET, timeout, size limit) or a file path."""
    if source.startswith(("http://", "https://")):
        import requests

        try:
            with requests.get(source, timeout=FETCH_TIMEOUT_SECONDS, stream=True) as answer:
                if answer.status_code != 200:
                    raise MetadataFetchError(f"metadata source answered HTTP {answer.status_code}")
                data = answer.raw.read(MAX_METADATA_BYTES + 1, decode_content=True)
        except requests.RequestException as exc:
            raise MetadataFetchError(
                "metadata source unreachable", debug=type(exc).__name__
            ) from exc
    else:
        try:
            with open(source, "rb") as file:
                data = file.read(MAX_METADATA_BYTES + 1)
        except OSError as exc:
            raise MetadataFetchError("metadata file unreadable", debug=str(exc)[:200]) from exc
    if len(data) > MAX_METADATA_BYTES:
        raise MetadataFetchError("metadata document too large")
    return bytes(data)


@dataclass(frozen=True, slots=True)
class RefreshResult:
    """What one refresh of one source did."""

    source: str
    ok: bool
    #: The entity ids now registered from this source (the last good ones after a failure).
    entity_ids: tuple[str, ...]
    next_refresh: datetime
    error: str | None = None


@dataclass(slots=True)
class _SourceState:
    entity_ids: tuple[str, ...] = ()
    next_refresh: datetime | None = None
    last_success: datetime | None = None
    failures: int = 0


class MetadataRefresher:
    """Keep ``registry`` fresh from ``sources``.

    :param sources: URLs or file paths of signed metadata documents.
    :param trust: whose signatures are accepted (as at start-up).
    :param cache_dir: where the last good copy of each source is kept (None: not kept).
    :param default_interval: when a document gives neither cacheDuration nor validUntil.
    :param min_interval: a floor, so a tiny cacheDuration cannot make us hammer a peer.
    :param max_interval: a ceiling, so key changes reach us within a bounded time.
    :param retry_interval: after a failure.
    """

    def __init__(
        self,
        sources: Sequence[str | Path],
        trust: MetadataTrust,
        registry: MetadataRegistry,
        clock: Clock,
        fetch: Fetch = fetch_source,
        *,
        cache_dir: Path | None = None,
        observer: RefreshObserver | None = None,
        default_interval: timedelta = timedelta(hours=1),
        min_interval: timedelta = timedelta(minutes=1),
        max_interval: timedelta = timedelta(hours=6),
        retry_interval: timedelta = timedelta(minutes=5),
    ) -> None:
        self.sources = tuple(str(s) for s in sources)
        self._trust = trust
        self._registry = registry
        self._clock = clock
        self._fetch = fetch
        self._cache_dir = cache_dir
        self._observer: RefreshObserver = observer or _Silent()
        self._default = default_interval
        self._min = min_interval
        self._max = max_interval
        self._retry = retry_interval
        self._lock = threading.Lock()
        self._state = {s: _SourceState() for s in self.sources}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- one refresh ---------------------------------------------------------------------

    def refresh(self, source: str) -> RefreshResult:
        """Fetch, check and (only if every check passes) register one source."""
        with self._lock:
            state = self._state[source]
            now = self._clock.now()
            try:
                data = self._fetch(source)
                entities = load_metadata(data, self._trust, self._clock)
                if not entities:
                    raise MetadataError("metadata document holds no entity")
            except MetadataError as exc:
                return self._failed(source, state, now, exc)
            self._accept(source, state, entities, now)
            self._keep(source, data)
            return RefreshResult(source, True, state.entity_ids, state.next_refresh or now)

    def refresh_all(self) -> list[RefreshResult]:
        return [self.refresh(source) for source in self.sources]

    def refresh_due(self) -> list[RefreshResult]:
        """Refresh the sources whose time has come (never refreshed ones included)."""
        now = self._clock.now()
        due = [
            s for s in self.sources
            if (when := self._state[s].next_refresh) is None or when <= now
        ]
        return [self.refresh(source) for source in due]

    def next_due(self) -> datetime:
        """When the next source is due (now, when one was never refreshed)."""
        now = self._clock.now()
        times = [st.next_refresh or now for st in self._state.values()]
        return min(times) if times else now + self._default

    def failures(self, source: str) -> int:
        """Failures of ``source`` since its last success."""
        return self._state[source].failures

    def _accept(
        self,
        source: str,
        state: _SourceState,
        entities: tuple[EntityMetadata, ...],
        now: datetime,
    ) -> None:
        for entity in entities:
            self._registry.replace(entity)
        ids = tuple(entity.entity_id for entity in entities)
        gone = set(state.entity_ids) - set(ids)
        if gone:
            # A peer that left the document is no longer vouched for by this source.
            for entity_id in sorted(gone):
                self._registry.remove(entity_id)
            log.warning("metadata %s: %d entities removed", _name(source), len(gone))
        state.entity_ids = ids
        state.last_success = now
        state.failures = 0
        state.next_refresh = now + self._interval(entities, now)
        self._observer.accepted(source, entities, now)
        log.info(
            "metadata %s refreshed: %d entities, next at %s",
            _name(source), len(ids), state.next_refresh.isoformat(),
        )

    def _failed(
        self, source: str, state: _SourceState, now: datetime, exc: MetadataError
    ) -> RefreshResult:
        state.failures += 1
        state.next_refresh = now + self._retry
        self._observer.failed(source, exc)
        log.error(
            "metadata %s refresh failed (%s: %s); keeping the last good copy (%d entities), "
            "failure %d in a row",
            _name(source), exc.code, exc.public, len(state.entity_ids), state.failures,
        )
        return RefreshResult(source, False, state.entity_ids, state.next_refresh, exc.public)

    def _interval(self, entities: tuple[EntityMetadata, ...], now: datetime) -> timedelta:
        """Until the earliest refresh_after (cacheDuration, capped by validUntil), within
        [min_interval, max_interval]."""
        times = [e.refresh_after for e in entities if e.refresh_after is not None]
        wanted = (min(times) - now) if times else self._default
        return max(self._min, min(self._max, wanted))

    # --- the last good copy on disk ------------------------------------------------------

    def cache_path(self, source: str) -> Path | None:
        if self._cache_dir is None:
            return None
        digest = hashlib.sha256(source.encode("utf-8")).hexdigest()[:24]
        return self._cache_dir / f"source-{digest}.xml"

    def _keep(self, source: str, data: bytes) -> None:
        path = self.cache_path(source)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_suffix(".tmp")
            temporary.write_bytes(data)
            os.replace(temporary, path)
        except OSError as exc:
            log.error("metadata %s: last good copy not written (%s)", _name(source),
                      type(exc).__name__)

    def load_cached(self) -> list[RefreshResult]:
        """After a restart: register the last good copy of each source that has one."""
        results: list[RefreshResult] = []
        for source in self.sources:
            path = self.cache_path(source)
            if path is None or not path.exists():
                continue
            with self._lock:
                state = self._state[source]
                now = self._clock.now()
                try:
                    entities = load_metadata(path.read_bytes(), self._trust, self._clock)
                except (MetadataError, OSError) as exc:
                    log.warning("metadata %s: cached copy refused (%s)", _name(source),
                                type(exc).__name__)
                    continue
                self._accept(source, state, entities, now)
                # A cached copy is no fresh fetch: ask the source at the next opportunity.
                state.next_refresh = now
                results.append(RefreshResult(source, True, state.entity_ids, now))
        return results

    # --- background thread ---------------------------------------------------------------

    def start(self, poll: timedelta = timedelta(seconds=30)) -> threading.Thread:
        """Refresh in a daemon thread until :meth:`stop`; wakes at least every ``poll``."""
        if self._thread is not None and self._thread.is_alive():
            return self._thread
        self._stop.clear()

        def run() -> None:
            while not self._stop.is_set():
                try:
                    self.refresh_due()
                except Exception:  # noqa: BLE001 - the thread must outlive any one failure
                    log.exception("metadata refresh loop error")
                wait = (self.next_due() - self._clock.now()).total_seconds()
                self._stop.wait(max(1.0, min(wait, poll.total_seconds())))

        self._thread = threading.Thread(target=run, name="metadata-refresh", daemon=True)
        self._thread.start()
        return self._thread

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None


def _name(source: str) -> str:
    """A source as logged: URLs without their query (no tokens in logs)."""
    return source.split("?", 1)[0][:200]


__all__ = [
    "Fetch",
    "MetadataFetchError",
    "MetadataRefresher",
    "RefreshObserver",
    "RefreshResult",
    "fetch_source",
]
