"""SAML metadata for every eHerkenning role: model, generation, import with trust, lint
(spec §5), and the service catalogue.

Modules, one job each: :mod:`metadata.model` (typed values), :mod:`metadata.identifiers`
(EntityID/ServiceID, §1), :mod:`metadata.inputs` and :mod:`metadata.build` (generation),
:mod:`metadata.parse` (reading), :mod:`metadata.trust` (signature and trust anchors),
:mod:`metadata.registry` (entityID -> metadata), :mod:`metadata.lint` (DV metadata checks).
"""
