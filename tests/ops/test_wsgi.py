"""The gunicorn entry points build their role's app from the settings file named in
MAKELAAR_SETTINGS, and the app serves /healthz."""

from __future__ import annotations

import importlib
import logging
import sys

import pytest

from makelaar.network import Network


@pytest.mark.parametrize(("module", "role"), [("broker.wsgi", "broker"),
                                              ("sp_adapters.demo.wsgi", "dv")])
def test_wsgi_module_builds_the_app_from_the_environment(
    module: str, role: str, network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MAKELAAR_SETTINGS", str(network.settings_file(role)))
    monkeypatch.delenv("MAKELAAR_METADATA_SOURCES", raising=False)
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    sys.modules.pop(module, None)
    try:
        loaded = importlib.import_module(module)
        assert loaded.app.test_client().get("/healthz").status_code == 200
        assert any(type(h.formatter).__name__ == "JsonFormatter" for h in root.handlers)
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(level)
        sys.modules.pop(module, None)
