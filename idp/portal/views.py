"""The portal's blueprint with every view attached (``idp.app.BLUEPRINTS`` names this module).
"""

from __future__ import annotations

from idp.portal import views_admin
from idp.portal import views_login
from idp.portal import views_mandates
from idp.portal import views_means
from idp.portal import views_operator
from idp.portal import views_public
from idp.portal import views_requests
from idp.portal import views_self
from idp.portal.blueprint import blueprint

VIEW_MODULES = (views_admin, views_login, views_mandates, views_means, views_operator,
                views_public, views_requests, views_self)

__all__ = ["VIEW_MODULES", "blueprint"]
