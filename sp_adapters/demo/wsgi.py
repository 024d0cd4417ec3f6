"""The demo DV as a WSGI application for gunicorn: ``gunicorn sp_adapters.demo.wsgi:app``.

Reads the settings file named by ``MAKELAAR_SETTINGS`` (default ``/etc/makelaar/dv.yaml``) and
writes JSON log lines.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from sp_adapters.demo.app import create_app
from sp_adapters.settings import load_settings
from web.logging_json import configure_json_logging


def build() -> Flask:
    configure_json_logging("dv", os.environ.get("MAKELAAR_LOG_LEVEL", "INFO"))
    settings = load_settings(Path(os.environ.get("MAKELAAR_SETTINGS", "/etc/makelaar/dv.yaml")))
    return create_app(settings)


app = build()
