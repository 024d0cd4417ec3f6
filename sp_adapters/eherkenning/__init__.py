"""eHerkenning for a DV's Flask application (spec §4.4, §4.5, §5.1, §6, §9).

``EHerkenningSP.from_settings(load_settings("dv.yaml"))`` gives an extension with ``login()``
and ``logout()`` and a Blueprint for ``/saml/acs``, ``/saml/slo``, ``/saml/metadata`` and
``/saml/ars``; the application receives an :class:`EHerkenningLogin` or a
:class:`LoginFailure` in its callbacks. :mod:`sp_adapters.eherkenning.response` is the
framework-free verification core, :mod:`sp_adapters.eherkenning.dv_metadata` generates the DV's
metadata and catalogue entry.
"""

from sp_adapters.eherkenning.config import ConfigError
from sp_adapters.eherkenning.config import SpConfig
from sp_adapters.eherkenning.config import config_from_settings
from sp_adapters.eherkenning.dv_metadata import dv_catalogue_entry
from sp_adapters.eherkenning.dv_metadata import dv_metadata
from sp_adapters.eherkenning.flask_sp import EHerkenningSP
from sp_adapters.eherkenning.result import CompanyIdType
from sp_adapters.eherkenning.result import EHerkenningLogin
from sp_adapters.eherkenning.result import FailureKind
from sp_adapters.eherkenning.result import LoginFailure

__all__ = [
    "CompanyIdType",
    "ConfigError",
    "EHerkenningLogin",
    "EHerkenningSP",
    "FailureKind",
    "LoginFailure",
    "SpConfig",
    "config_from_settings",
    "dv_catalogue_entry",
    "dv_metadata",
]
