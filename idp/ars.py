"""The means issuer's ArtifactResolutionService view, shared by AD, MR and MR2 (spec §4.1).

``ArtifactService`` answers every request; an artifact it cannot honour (unknown, already
used, expired, not ours, or asked for by another party than its recipient) is answered with an
empty ArtifactResponse and logged at info level by the core. At the means issuer such a
request is a replay or a probe (the HM resolves each answer once), so it is logged here as one
warning with the outcome and the requester only (issue 5).
"""

from __future__ import annotations

import logging

from flask import Response
from flask import request

from etoegang.bindings.artifact import ResolutionOutcome
from idp.context import EntityKit

log = logging.getLogger(__name__)


def answer_artifact_resolve(kit: EntityKit) -> Response:
    """Answer the SOAP ArtifactResolve in the current request for ``kit``'s entity."""
    answer = kit.service.handle(request.get_data(), request.content_type or "")
    # None: a SOAP fault, already logged as a warning by the service.
    if answer.outcome is not None and answer.outcome is not ResolutionOutcome.RESOLVED:
        log.warning("artifact resolve at %s gave nothing: %s", kit.me.entity_id[:120],
                    answer.outcome.value)
    return Response(answer.body, status=answer.status, content_type=answer.content_type)
