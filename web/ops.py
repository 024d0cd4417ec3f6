"""Operation endpoints every role serves: ``/healthz``, ``/readyz``, ``/metrics``, the
correlation id of each request, and a clear 503 page when the state store is down (issue 9
Health, Metrics, Logs; DESIGN §4 Scale).

* ``/healthz``: the process answers (liveness). It checks nothing else, so a Redis outage
  never makes an orchestrator restart healthy nodes.
* ``/readyz``: every readiness check passes (the state store takes and returns a probe key,
  the database answers ``SELECT 1`` where the role has one, our keys load and are not
  expired); else 503 with the JSON detail, so the load balancer sends no logins here.
* ``/metrics``: the Prometheus text format of :mod:`web.metrics`.
* A :class:`~etoegang.state.StateStoreError` or redis-py error escaping a view becomes a 503
  page (with ``Retry-After``) instead of a 500. Every state change of a login is one atomic
  command (compare-and-set, SET NX, GETDEL), so a failed step leaves the login as it was; and
  redis-py reconnects by itself, so the node recovers without a restart.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import time
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Sequence
from contextvars import Token
from datetime import datetime
from pathlib import Path
from typing import Any
from typing import Final

import redis
from flask import Flask
from flask import Response
from flask import g
from flask import request
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client import REGISTRY
from prometheus_client import generate_latest

from etoegang.clock import Clock
from etoegang.clock import SystemClock
from etoegang.state.store import StateStore
from etoegang.state.store import StateStoreError
from keys.ring import KeyRing
from metadata.catalogue import ServiceCatalogue
from metadata.catalogue_view import ServiceView
from metadata.refresh import MetadataRefresher
from metadata.registry import MetadataRegistry
from web import metrics
from web.app import render_error
from web.logging_json import CORRELATION_ID

log = logging.getLogger(__name__)

#: One readiness check: its name and whether it passed. It must not raise.
Check = Callable[[], tuple[str, bool]]

#: An X-Request-ID we take over as it is: short, and nothing that could forge a log line.
_REQUEST_ID: Final = re.compile(r"[A-Za-z0-9._-]{1,64}")
#: How many characters of a flow id make the correlation id (48 bits: unique enough to find
#: one login's lines, useless as the flow id itself).
CORRELATION_CHARS: Final = 8
#: Certificates expiring within this many days are reported (log line at WARNING).
DEFAULT_WARN_DAYS: Final = 30
PROBE_TTL: Final = 30


# --- readiness checks -----------------------------------------------------------------------


def state_store_check(store: StateStore) -> Check:
    """Put a random probe key, read it back, delete it."""

    def check() -> tuple[str, bool]:
        key = f"ops:probe:{secrets.token_hex(8)}"
        value = secrets.token_bytes(8)
        try:
            store.put(key, value, PROBE_TTL)
            ok = store.get(key) == value
            store.delete(key)
        except (StateStoreError, redis.RedisError, OSError) as exc:
            metrics.STATE_STORE_ERRORS.inc()
            log.warning("readiness: state store unavailable (%s)", type(exc).__name__)
            return "state_store", False
        return "state_store", ok

    return check


def database_check(sessions: Callable[[], Any]) -> Check:
    """``SELECT 1`` through a SQLAlchemy session factory (a ``sessionmaker``)."""
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    def check() -> tuple[str, bool]:
        try:
            with sessions() as session:
                ok = session.execute(text("SELECT 1")).scalar() == 1
        except (SQLAlchemyError, OSError) as exc:
            metrics.DATABASE_ERRORS.inc()
            log.warning("readiness: database unavailable (%s)", type(exc).__name__)
            return "database", False
        return "database", bool(ok)

    return check


def certificate_days(ring: KeyRing, now: datetime) -> dict[str, tuple[str, float]]:
    """Per slot of the ring (``signing``, ``encryption_next``, ...): KeyName, days left."""
    slots = {
        "signing": ring.signing,
        "encryption": ring.encryption,
        "signing_next": ring.signing_next,
        "encryption_next": ring.encryption_next,
    }
    return {
        slot: (pair.key_name, (pair.not_after - now).total_seconds() / 86400)
        for slot, pair in slots.items()
        if pair is not None
    }


def keys_check(
    load: Callable[[], KeyRing],
    *,
    live: Callable[[], KeyRing] | None = None,
    clock: Clock | None = None,
    warn_days: int = DEFAULT_WARN_DAYS,
) -> Check:
    """Our keys load from disk and none in use has expired; also sets the certificate-expiry
    gauges and logs an alert line for each certificate within ``warn_days`` of its end.

    :param live: the ring this process signs with now (its context's ``keys``). With it the
        key-in-use gauges show what the process really does, so a scheduled activation that a
        process never loaded (it was not restarted after the schedule was written) shows as
        an activation past while the new key is unused (alert ``MakelaarKeyActivationMissed``).
    """
    clock = clock or SystemClock()

    def check() -> tuple[str, bool]:
        try:
            ring = load()
        except Exception as exc:  # noqa: BLE001 - any failure to load means "not ready"
            log.error("readiness: keys not loadable (%s)", type(exc).__name__)
            return "keys", False
        now = clock.now()
        days = certificate_days(ring, now)
        for slot, (key_name, left) in days.items():
            metrics.CERTIFICATE_DAYS_LEFT.labels(key=slot, key_name=key_name[:16]).set(left)
            if left < warn_days:
                log.warning(
                    "certificate expiry alert: %s key %s expires in %.1f days",
                    slot, key_name[:16], left,
                )
        for scheduled in ring.scheduled():
            metrics.KEY_ACTIVATION.labels(
                use=scheduled.use, key_name=scheduled.pair.key_name[:16]
            ).set(scheduled.activation.timestamp())
        in_use = live() if live is not None else ring.at(now)
        for use, published, current in (
            ("signing", ring.published_signing(), in_use.signing),
            ("encryption", ring.published_encryption(), in_use.encryption),
        ):
            for pair in published:
                metrics.KEY_IN_USE.labels(use=use, key_name=pair.key_name[:16]).set(
                    1 if pair.key_name == current.key_name else 0
                )
        return "keys", all(
            pair.not_after > now for pair in (in_use.signing, in_use.encryption)
        )

    return check


def ring_loader(keys_dir: Path, role: str) -> Callable[[], KeyRing]:
    """A loader for :func:`keys_check` that reads the ring from disk each time."""
    from keys.ring import load_ring

    return lambda: load_ring(keys_dir, role)


def run_checks(checks: Sequence[Check]) -> dict[str, bool]:
    results: dict[str, bool] = {}
    for check in checks:
        try:
            name, ok = check()
        except Exception:  # noqa: BLE001 - a broken check is a failed check, not a 500
            log.exception("readiness check failed")
            name, ok = getattr(check, "__name__", "check"), False
        results[name] = results.get(name, True) and ok
        metrics.READY.labels(check=name).set(1 if ok else 0)
    return results


def declare_network(
    registry: MetadataRegistry,
    catalogue: ServiceCatalogue | None = None,
    outcomes: Iterable[str] = (),
) -> None:
    """Declare the metric label values of this role: the registered peers (means issuers),
    the catalogue's ServiceIDs and the role's outcome kinds (closed sets, never user input)."""
    metrics.track_registry(registry, SystemClock().now())
    if catalogue is not None:
        metrics.declare(metrics.Label.SERVICE, (v.service_id for v in ServiceView.all(catalogue)))
    metrics.declare(metrics.Label.OUTCOME, outcomes)


def refresher_from_env(
    registry: MetadataRegistry, authorities: Sequence[Path], clock: Clock | None = None
) -> MetadataRefresher | None:
    """A started metadata refresher when ``MAKELAAR_METADATA_SOURCES`` lists sources
    (whitespace-separated URLs or paths); the last good copies go to
    ``MAKELAAR_METADATA_CACHE`` when set. None when no sources are configured."""
    sources = os.environ.get("MAKELAAR_METADATA_SOURCES", "").split()
    if not sources:
        return None
    from metadata.loading import trust_from_files

    cache = os.environ.get("MAKELAAR_METADATA_CACHE")
    refresher = MetadataRefresher(
        sources,
        trust_from_files(authorities),
        registry,
        clock or SystemClock(),
        cache_dir=Path(cache) if cache else None,
        observer=metrics.RefreshMetrics(sources),
    )
    refresher.load_cached()
    refresher.start()
    return refresher


# --- correlation ----------------------------------------------------------------------------


def correlation_for(flow_id: str | None) -> str:
    """The correlation id: ``X-Request-ID`` if acceptable, else the flow id's first
    characters, else a fresh random id for this request."""
    asked = request.headers.get("X-Request-ID", "")
    if _REQUEST_ID.fullmatch(asked):
        return asked
    if flow_id:
        return flow_id[:CORRELATION_CHARS]
    return secrets.token_hex(CORRELATION_CHARS // 2)


# --- installation ---------------------------------------------------------------------------


def install_ops(
    app: Flask,
    *,
    role: str,
    readiness: Sequence[Check],
    flow_id: Callable[[], str | None] | None = None,
) -> None:
    """Add ``/healthz``, ``/readyz``, ``/metrics``, the correlation id and the 503 page.

    :param role: ``broker``, ``idp`` or ``dv`` (shown in ``/readyz``).
    :param readiness: the checks of this role (:func:`state_store_check`, ...).
    :param flow_id: reads the current login's flow id from the request, if any.
    """
    checks = tuple(readiness)
    started = time.time()

    def _flow() -> str | None:
        if flow_id is None:
            return None
        try:
            return flow_id()
        except Exception:  # noqa: BLE001 - a correlation id is never worth a failed request
            return None

    @app.before_request
    def _correlate() -> None:
        g.ops_correlation = CORRELATION_ID.set(correlation_for(_flow()))

    @app.after_request
    def _echo(response: Response) -> Response:
        # (Not headers.setdefault: werkzeug builds an exception object for an absent header.)
        if not any(name.lower() == "x-request-id" for name, _ in response.headers):
            response.headers.add("X-Request-ID", CORRELATION_ID.get())
        return response

    @app.teardown_request
    def _forget(_exc: BaseException | None) -> None:
        token: Token[str] | None = g.pop("ops_correlation", None)
        if token is not None:
            CORRELATION_ID.reset(token)

    def healthz() -> Response:
        return Response('{"status":"alive"}\n', mimetype="application/json")

    def readyz() -> Response:
        import json

        results = run_checks(checks)
        ready = all(results.values())
        body = {
            "status": "ready" if ready else "unavailable",
            "role": role,
            "checks": results,
            "uptime_seconds": int(time.time() - started),
        }
        if not ready:
            log.warning("not ready: %s", ", ".join(n for n, ok in results.items() if not ok))
        return Response(
            json.dumps(body) + "\n", status=200 if ready else 503, mimetype="application/json"
        )

    def metrics_page() -> Response:
        return Response(generate_latest(REGISTRY), mimetype=None,
                        headers={"Content-Type": CONTENT_TYPE_LATEST})

    app.add_url_rule("/healthz", "ops_healthz", healthz, methods=["GET"])
    app.add_url_rule("/readyz", "ops_readyz", readyz, methods=["GET"])
    app.add_url_rule("/metrics", "ops_metrics", metrics_page, methods=["GET"])

    def unavailable(exc: Exception) -> Response:
        metrics.STATE_STORE_ERRORS.inc()
        log.error("state store unavailable: %s", type(exc).__name__)
        response = render_error(503, _UNAVAILABLE.get(_language(), _UNAVAILABLE["nl"]))
        response.headers["Retry-After"] = "30"
        return response

    app.register_error_handler(StateStoreError, unavailable)
    app.register_error_handler(redis.RedisError, unavailable)
    app.extensions["ops"] = {"role": role, "checks": checks}


_UNAVAILABLE: Final = {
    "nl": "De dienst is tijdelijk niet beschikbaar. Probeer het over een minuut opnieuw; "
    "uw gegevens zijn niet verloren.",
    "en": "The service is temporarily unavailable. Please try again in a minute; "
    "nothing you entered was lost.",
}


def _language() -> str:
    from web import i18n

    try:
        return i18n.current_language()
    except Exception:  # noqa: BLE001 - the error page must render even without a language
        return "nl"


__all__ = [
    "Check",
    "certificate_days",
    "correlation_for",
    "database_check",
    "declare_network",
    "install_ops",
    "refresher_from_env",
    "keys_check",
    "ring_loader",
    "run_checks",
    "state_store_check",
]
