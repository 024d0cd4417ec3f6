"""Send a register's signed Response to the HM: by artifact, through a 303 to its ACS (§4.1)."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Response
from lxml import etree

from idp.context import EntityKit


def artifact_redirect(
    kit: EntityKit, response: etree._Element, *, hm: str, acs_url: str, relay_state: str | None
) -> Response:
    """Store ``response`` for ``hm`` and send the browser to ``acs_url`` with SAMLart.

    ``acs_url`` comes from the HM's metadata (never from the query), and RelayState is echoed
    unchanged (spec §4.2).
    """
    artifact = kit.issuer.issue(response, recipient=hm)
    params = {"SAMLart": artifact.encode()}
    if relay_state is not None:
        params["RelayState"] = relay_state
    separator = "&" if "?" in acs_url else "?"
    answer = Response(status=303)
    answer.headers["Location"] = f"{acs_url}{separator}{urlencode(params)}"
    return answer
