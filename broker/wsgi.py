"""The broker as a WSGI application for gunicorn: ``gunicorn broker.wsgi:app``.

Reads the settings file named by ``MAKELAAR_SETTINGS`` (default ``/etc/makelaar/broker.yaml``),
writes JSON log lines (``MAKELAAR_LOG_LEVEL``, default INFO) and, when
``MAKELAAR_METADATA_SOURCES`` is set, refreshes peers' metadata in a background thread of each
worker (do not run gunicorn with ``--preload``: threads do not survive the fork).
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from broker.app import create_app
from broker.context import BrokerContext
from broker.settings import load_settings
from web import ops
from web.logging_json import configure_json_logging


def build() -> Flask:
    configure_json_logging("broker", os.environ.get("MAKELAAR_LOG_LEVEL", "INFO"))
    settings = load_settings(Path(os.environ.get("MAKELAAR_SETTINGS", "/etc/makelaar/broker.yaml")))
    application = create_app(settings)
    context: BrokerContext = application.extensions["broker"]
    ops.refresher_from_env(context.network.registry, settings.metadata_authorities)
    return application


app = build()
