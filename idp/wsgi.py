"""The means issuer (AD, MR, MR2) as a WSGI application for gunicorn: ``gunicorn idp.wsgi:app``.

Reads the settings file named by ``MAKELAAR_SETTINGS`` (default ``/etc/makelaar/idp.yaml``),
writes JSON log lines and, when ``MAKELAAR_METADATA_SOURCES`` is set, refreshes peers' metadata
in a background thread of each worker. Database migrations are not run here when
``MAKELAAR_MIGRATE=0`` (production runs ``makelaar db upgrade`` as a separate job).
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from idp.app import context_of
from idp.app import create_app
from idp.settings import load_settings
from web import ops
from web.logging_json import configure_json_logging


def build() -> Flask:
    configure_json_logging("idp", os.environ.get("MAKELAAR_LOG_LEVEL", "INFO"))
    settings = load_settings(Path(os.environ.get("MAKELAAR_SETTINGS", "/etc/makelaar/idp.yaml")))
    application = create_app(settings, migrate=os.environ.get("MAKELAAR_MIGRATE", "1") != "0")
    ops.refresher_from_env(context_of(application).registry, settings.metadata_authorities)
    return application


app = build()
