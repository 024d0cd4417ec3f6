"""Every Prometheus metric of Makelaar, declared once, with closed label sets (issue 9 Metrics).

STYLE §5.2: "declared once ... with closed label sets, never user-derived label values". A label
value is accepted only when it is in the set the running role declared at start-up (registered
entity ids and ServiceIDs from its metadata and catalogue, the broker's ErrorKind values, the
levels); anything else is counted under ``other``. So a hostile entity id in a refused request
can never create a new time series.

The metrics live in the process-wide default registry, as prometheus-client expects: one process
serves one role, and each role declares its own label values (declarations only add to the sets).
This module imports no web framework, so the sans-IO flow code may call its helpers.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from datetime import datetime
from enum import Enum
from typing import Final
from typing import ParamSpec
from typing import TypeVar

from prometheus_client import REGISTRY
from prometheus_client import Counter
from prometheus_client import Gauge
from prometheus_client import Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from etoegang.errors import MetadataError
from metadata.model import EntityMetadata
from metadata.registry import MetadataRegistry
from policies.loa import Loa

#: The label value for anything outside the declared set.
OTHER: Final = "other"
#: The label value for "not known at this point of the login" (e.g. no AD chosen yet).
NONE: Final = "none"


class Label(Enum):
    """The labels whose values come from a declared set."""

    OUTCOME = "outcome"
    LEVEL = "level"
    ISSUER = "issuer"
    SERVICE = "service"
    LEG = "leg"
    PEER = "peer"
    SOURCE = "source"


class LabelSets:
    """The declared values of each :class:`Label`; thread-safe, additive."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._allowed: dict[Label, frozenset[str]] = {
            Label.OUTCOME: frozenset({"success"}),
            Label.LEVEL: frozenset(loa.label for loa in Loa),
            Label.LEG: frozenset({"dv_request", "ad", "mr", "mr2"}),
        }

    def declare(self, label: Label, values: Iterable[str]) -> None:
        with self._lock:
            self._allowed[label] = self._allowed.get(label, frozenset()) | frozenset(values)

    def value(self, label: Label, raw: str | None) -> str:
        """``raw`` if declared; ``none`` for an absent value; ``other`` otherwise."""
        if raw is None or raw == "":
            return NONE
        return raw if raw in self._allowed.get(label, frozenset()) else OTHER


LABELS = LabelSets()


def declare(label: Label, values: Iterable[str]) -> None:
    """Add ``values`` to the accepted values of ``label`` (called at start-up only)."""
    LABELS.declare(label, values)


# --- the metrics ----------------------------------------------------------------------------

LOGINS = Counter(
    "makelaar_logins",
    "Logins that ended, by outcome (success or the ErrorKind), level, means issuer and service",
    ["outcome", "level", "issuer", "service"],
)
LEG_SECONDS = Histogram(
    "makelaar_leg_seconds",
    "Time the server spent on one leg of a login (including the back-channel resolution)",
    ["leg"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
SMS = Counter("makelaar_sms", "SMS messages handed to the gateway, by result", ["result"])
CODE_LOCKOUTS = Counter(
    "makelaar_code_lockouts", "One-time codes locked after the last wrong try"
)
METADATA_REFRESH_FAILURES = Counter(
    "makelaar_metadata_refresh_failures", "Failed metadata refreshes, by source", ["source"]
)
METADATA_REFRESHES = Counter(
    "makelaar_metadata_refreshes", "Successful metadata refreshes, by source", ["source"]
)
CERTIFICATE_DAYS_LEFT = Gauge(
    "makelaar_certificate_days_left",
    "Days until one of our certificates expires, by key file and KeyName",
    ["key", "key_name"],
)
KEY_ACTIVATION = Gauge(
    "makelaar_key_activation_timestamp_seconds",
    "When a scheduled next key takes over (Unix time), by use and KeyName, as the key files say",
    ["use", "key_name"],
)
KEY_IN_USE = Gauge(
    "makelaar_key_in_use",
    "1 for the key this process uses now (signs with, has peers encrypt for), 0 for the "
    "other published keys, by use and KeyName",
    ["use", "key_name"],
)
STATE_STORE_ERRORS = Counter(
    "makelaar_state_store_errors", "Requests that failed because the state store (Redis) did"
)
DATABASE_ERRORS = Counter("makelaar_database_errors", "Failed database operations")
READY = Gauge("makelaar_ready", "1 when the readiness check passes, by check", ["check"])


# --- helpers the roles call at the places where the events happen ----------------------------


def observe_login(
    outcome: str,
    level: Loa | str | None = None,
    issuer: str | None = None,
    service: str | None = None,
) -> None:
    """One login ended: ``success`` or an ErrorKind value, the level label (``eH3``), the
    means issuer's entity id and the ServiceID."""
    LOGINS.labels(
        outcome=LABELS.value(Label.OUTCOME, outcome),
        level=LABELS.value(Label.LEVEL, level.label if isinstance(level, Loa) else level),
        issuer=LABELS.value(Label.ISSUER, issuer),
        service=LABELS.value(Label.SERVICE, service),
    ).inc()


def observe_sms(sent: bool) -> None:
    SMS.labels(result="sent" if sent else "failed").inc()


def observe_code_check(locked: bool) -> None:
    """Called after each wrong code; counts the try that locked the code."""
    if locked:
        CODE_LOCKOUTS.inc()


P = ParamSpec("P")
R = TypeVar("R")


def timed_leg(
    leg: str | Callable[..., str],
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorate a step: its duration goes to ``makelaar_leg_seconds{leg}``.

    ``leg`` is a name, or a function of the step's arguments that returns one (for a step that
    serves several legs, e.g. the ACS for the AD, MR and MR2 answers).
    """

    def decorate(step: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(step)
        def timed(*args: P.args, **kwargs: P.kwargs) -> R:
            started = time.perf_counter()
            try:
                return step(*args, **kwargs)
            finally:
                try:
                    name = leg if isinstance(leg, str) else leg(*args, **kwargs)
                except Exception:  # noqa: BLE001 - a label must never break a login
                    name = OTHER
                LEG_SECONDS.labels(leg=LABELS.value(Label.LEG, name)).observe(
                    time.perf_counter() - started
                )

        return timed

    return decorate


# --- metadata: age and time left, computed at scrape time ------------------------------------


class MetadataWatch(Collector):
    """Per peer, when its metadata was last accepted and its validUntil, exported at scrape
    time as ``makelaar_metadata_age_seconds`` and ``makelaar_metadata_valid_seconds``."""

    def __init__(self, now: Callable[[], float] = time.time) -> None:
        self._now = now
        self._lock = threading.Lock()
        self._peers: dict[str, tuple[float, float | None]] = {}

    def accepted(self, peer: str, at: datetime, valid_until: datetime | None) -> None:
        LABELS.declare(Label.PEER, (peer,))
        until = valid_until.timestamp() if valid_until is not None else None
        with self._lock:
            self._peers[peer] = (at.timestamp(), until)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        now = self._now()
        age = GaugeMetricFamily(
            "makelaar_metadata_age_seconds", "Seconds since the peer's metadata was accepted",
            labels=["peer"],
        )
        left = GaugeMetricFamily(
            "makelaar_metadata_valid_seconds",
            "Seconds until the peer's metadata validUntil (negative: expired)",
            labels=["peer"],
        )
        with self._lock:
            peers = dict(self._peers)
        for peer, (accepted, until) in sorted(peers.items()):
            age.add_metric([peer], now - accepted)
            if until is not None:
                left.add_metric([peer], until - now)
        yield age
        yield left

    def describe(self) -> Iterator[GaugeMetricFamily]:
        return iter(())


METADATA = MetadataWatch()
REGISTRY.register(METADATA)


def _source_label(source: str) -> str:
    # Sources come from configuration, not from users; the query is dropped (no tokens).
    return LABELS.value(Label.SOURCE, source.split("?", 1)[0])


class RefreshMetrics:
    """The :class:`metadata.refresh.RefreshObserver` that feeds these metrics."""

    def __init__(self, sources: Iterable[str]) -> None:
        declare(Label.SOURCE, (str(s).split("?", 1)[0] for s in sources))

    def accepted(self, source: str, entities: tuple[EntityMetadata, ...], at: datetime) -> None:
        METADATA_REFRESHES.labels(source=_source_label(source)).inc()
        for entity in entities:
            METADATA.accepted(entity.entity_id, at, entity.valid_until)

    def failed(self, source: str, error: MetadataError) -> None:
        METADATA_REFRESH_FAILURES.labels(source=_source_label(source)).inc()


def track_registry(registry: MetadataRegistry, at: datetime) -> None:
    """Declare the registered peers (issuer and peer labels) and start their metadata gauges
    from the metadata loaded at start-up."""
    ids = tuple(registry)
    declare(Label.ISSUER, ids)
    for entity_id in ids:
        METADATA.accepted(entity_id, at, registry.get(entity_id).valid_until)


__all__ = [
    "CERTIFICATE_DAYS_LEFT",
    "CODE_LOCKOUTS",
    "DATABASE_ERRORS",
    "KEY_ACTIVATION",
    "KEY_IN_USE",
    "LEG_SECONDS",
    "LOGINS",
    "METADATA",
    "METADATA_REFRESHES",
    "METADATA_REFRESH_FAILURES",
    "READY",
    "SMS",
    "STATE_STORE_ERRORS",
    "Label",
    "MetadataWatch",
    "RefreshMetrics",
    "declare",
    "observe_code_check",
    "observe_login",
    "observe_sms",
    "timed_leg",
    "track_registry",
]
