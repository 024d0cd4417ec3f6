"""The AD's Flask blueprint object; the route modules attach their views to it."""

from __future__ import annotations

from typing import cast

from flask import Blueprint
from flask import Flask
from flask.blueprints import BlueprintSetupState

from idp.ad.services import EXTENSION
from idp.ad.services import default_services
from idp.app import context_of

blueprint = Blueprint("ad", __name__, url_prefix="/ad", template_folder="templates")


@blueprint.record_once
def _setup(state: BlueprintSetupState) -> None:
    app = cast(Flask, state.app)
    if EXTENSION not in app.extensions:
        app.extensions[EXTENSION] = default_services(
            app.extensions["idp_settings"], context_of(app).clock
        )
