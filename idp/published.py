"""Our own signed metadata, served where peers (and people) look for it: /ad/metadata,
/mr/metadata and /mr2/metadata. The files are made by whoever runs the means issuer (for the
demo: ``makelaar.network``); the server only publishes them, it never re-signs them."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint
from flask import Response
from flask import abort
from flask import current_app

blueprint = Blueprint("published", __name__)

_ROLES = ("ad", "mr", "mr2")


@blueprint.get("/<role>/metadata")
def metadata(role: str) -> Response:
    settings = current_app.extensions["idp_settings"]
    directory: Path | None = settings.published_metadata_dir
    if role not in _ROLES or directory is None:
        abort(404)
    path = directory / f"{role}.xml"
    if not path.is_file():
        abort(404)
    return Response(path.read_bytes(), mimetype="application/samlmetadata+xml")
