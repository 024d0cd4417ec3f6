"""The AD's web endpoints as one blueprint (``idp.app.BLUEPRINTS`` registers ``blueprint``).

Routes (prefix ``/ad``): ``sso`` (+ ``/1.13``), ``ars`` (+ ``/1.13``), ``slo`` (+ ``/1.13``),
``login``, ``code``, ``consent``, ``cancel``. Importing the route modules attaches them.
"""

from __future__ import annotations

from idp.ad import login as _login  # noqa: F401  (attaches the page routes)
from idp.ad import protocol as _protocol  # noqa: F401  (attaches SSO and ARS)
from idp.ad import slo as _slo  # noqa: F401  (attaches SLO)
from idp.ad import texts as _texts  # noqa: F401  (registers the texts)
from idp.ad.blueprint import blueprint

__all__ = ["blueprint"]
