"""The eHerkenning service catalogue (``urn:etoegang:1.13:service-catalog``): model and parser.

Spec: ``shared/spec/eherkenning.md`` §6 (structure), §1 (ServiceID, ServiceUUID, OIN), §2 (the
catalogue LoA is the level a service needs), §3.2 (identifying types, ECTA sets, Vestigingsnr)
and §3.4 (RequestedAttribute with PurposeStatement).

This is the public face of the catalogue; import from here. The work is done in
:mod:`metadata.catalogue_model` (vocabularies and frozen values),
:mod:`metadata.catalogue_parse` (document -> values; with ``trust``, only from the element
whose signature verified; judging is left to :mod:`metadata.catalogue_lint`) and
:mod:`metadata.catalogue_view` (:class:`ServiceView`, an instance joined with its definition
for the broker).
"""

from __future__ import annotations

from metadata.catalogue_model import SUBDOSSIER_NR
from metadata.catalogue_model import CatalogueRequestedAttribute
from metadata.catalogue_model import EctaSet
from metadata.catalogue_model import IdentifierType
from metadata.catalogue_model import IntermediationAllowed
from metadata.catalogue_model import ServiceCatalogue
from metadata.catalogue_model import ServiceDefinition
from metadata.catalogue_model import ServiceInstance
from metadata.catalogue_model import ServiceIntermediation
from metadata.catalogue_model import ServiceProvider
from metadata.catalogue_model import ServiceRestriction
from metadata.catalogue_model import esc
from metadata.catalogue_parse import MAX_FUTURE_SKEW
from metadata.catalogue_parse import parse_catalogue
from metadata.catalogue_parse import service_certificate
from metadata.catalogue_view import ServiceView

__all__ = [
    "CatalogueRequestedAttribute",
    "EctaSet",
    "IdentifierType",
    "IntermediationAllowed",
    "MAX_FUTURE_SKEW",
    "SUBDOSSIER_NR",
    "ServiceCatalogue",
    "ServiceDefinition",
    "ServiceInstance",
    "ServiceIntermediation",
    "ServiceProvider",
    "ServiceRestriction",
    "ServiceView",
    "esc",
    "parse_catalogue",
    "service_certificate",
]
