"""The register's refusals, split by who gets told (STYLE §4.6).

* :class:`QueryUntrusted`: the query itself cannot be trusted (bad artifact, signature, replay,
  unknown HM, wrong Destination). There is no safe place to answer: an error page, no redirect.
* :class:`QueryRefused`: a query from a registered HM that we verified, whose content we refuse
  (a forged or re-used AD assertion, an unknown service, another MR named). The HM gets a
  Response with status Requester/RequestUnsupported and the public text.
"""

from __future__ import annotations

from etoegang.errors import ProtocolError


class QueryUntrusted(ProtocolError):
    """The authorisation query could not be trusted."""

    code = "mr_query_untrusted"


class QueryRefused(ProtocolError):
    """The authorisation query was refused."""

    code = "mr_query_refused"
