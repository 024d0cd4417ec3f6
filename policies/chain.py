"""Which services accept chain authorisations (ketenmachtigingen), spec §7.

The service catalogue has no flag that says "chain mandates allowed" or "excluded" (spec §7
UNCERTAIN: exclusion is done by DV policy or broker configuration in practice), so the register
reads it from a small policy file instead::

    # chain.yaml
    refuse_chains_for:            # ServiceUUIDs whose DV does not accept chain mandates
      - 3f0c...-...
    minimum_level: eH2            # chains below this level are refused (eH1 always is)

Chains are always refused at eH1 (spec §7; eH1 itself ended in 2021), whatever the file says.
A missing file means: chains allowed for every service at eH2 and above.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from typing import Final

import yaml

from policies.loa import Loa

#: The level below which no chain is ever accepted (spec §7: not at eH1).
FLOOR: Final = Loa.EH2


class ChainPolicyError(ValueError):
    """The chain policy file has problems; ``problems`` lists every one (STYLE §4.7)."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(f"{source}: " + "; ".join(problems))


@dataclass(frozen=True, slots=True)
class ChainPolicy:
    """Where chain authorisations are refused."""

    #: ServiceUUIDs (lower case) whose provider does not accept chain mandates.
    refused_services: frozenset[str] = frozenset()
    #: Chains are refused when the requested level is below this (never below eH2).
    minimum_level: Loa = FLOOR

    def allows(self, service_uuid: str, level: Loa) -> bool:
        """Whether a chain may be used for ``service_uuid`` when ``level`` is asked."""
        if not level.satisfies(FLOOR) or not level.satisfies(self.minimum_level):
            return False
        return service_uuid.strip().lower() not in self.refused_services


def parse_chain_policy(raw: Any, source: str = "chain policy") -> ChainPolicy:
    """Read the policy from already-loaded YAML data; every problem is reported at once."""
    if raw is None:
        return ChainPolicy()
    if not isinstance(raw, dict):
        raise ChainPolicyError(source, ["the policy is not a mapping"])
    problems = [f"unknown key {key!r}" for key in raw if key not in _KEYS]
    refused: set[str] = set()
    services = raw.get("refuse_chains_for", [])
    if not isinstance(services, list):
        problems.append("'refuse_chains_for' must be a list of ServiceUUIDs")
        services = []
    for item in services:
        try:
            refused.add(str(uuid.UUID(str(item))))
        except ValueError:
            problems.append(f"'refuse_chains_for' holds a value that is not a UUID: {item!r}")
    minimum = FLOOR
    if "minimum_level" in raw:
        try:
            minimum = Loa.from_label(str(raw["minimum_level"]))
        except ValueError:
            problems.append("'minimum_level' must be a level label such as eH3")
        else:
            if not minimum.satisfies(FLOOR):
                problems.append("'minimum_level' may not be below eH2 (chains never at eH1)")
    if problems:
        raise ChainPolicyError(source, problems)
    return ChainPolicy(frozenset(refused), minimum)


_KEYS: Final = frozenset({"refuse_chains_for", "minimum_level"})


def load_chain_policy(path: Path | None) -> ChainPolicy:
    """The policy in ``path``; the permissive default when ``path`` is None or absent."""
    if path is None or not path.exists():
        return ChainPolicy()
    return parse_chain_policy(yaml.safe_load(path.read_text(encoding="utf-8")), str(path))
