"""Assurance-level lattice, eH<->eIDAS mapping and per-service policy of the broker."""
