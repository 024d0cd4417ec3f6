"""The simulator's settings, read from ``eidas_node.yaml`` (unknown or missing keys are errors,
every problem reported at once, STYLE §4.7)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from typing import Final

import yaml

from eidas_node.vocab import Signing


class NodeConfigError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("eIDAS node settings refused:\n- " + "\n- ".join(problems))


@dataclass(frozen=True, slots=True)
class NodeSettings:
    base_url: str
    keys_dir: Path
    key_role: str
    metadata_authorities: tuple[Path, ...]
    #: Our proxy service (IdP) and connector (SP) entity IDs: their metadata URLs.
    proxy_entity_id: str
    connector_entity_id: str
    #: The broker's eIDAS connector (whose requests we answer) and proxy service (where our
    #: foreign SP sends Dutch businesses), as signed metadata.
    broker_connector_metadata: Path
    broker_proxy_metadata: Path
    own_proxy_metadata: Path
    own_connector_metadata: Path
    secret_key_file: Path
    signing: Signing = Signing.ECDSA

    @property
    def prefix(self) -> str:
        return self.base_url.rstrip("/") + "/eidas-node"

    def secret(self) -> bytes:
        return self.secret_key_file.read_text().strip().encode()


_STRINGS: Final = ("base_url", "key_role", "proxy_entity_id", "connector_entity_id")
_PATHS: Final = ("keys_dir", "broker_connector_metadata", "broker_proxy_metadata",
                 "own_proxy_metadata", "own_connector_metadata", "secret_key_file")


def load_node_settings(path: Path | str) -> NodeSettings:
    file = Path(path)
    try:
        data: Any = yaml.safe_load(file.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise NodeConfigError([f"{file}: {exc}"]) from exc
    if not isinstance(data, dict):
        raise NodeConfigError([f"{file}: the settings must be a mapping"])
    problems: list[str] = []
    known = {*_STRINGS, *_PATHS, "metadata_authorities", "signing"}
    problems += [f"unknown key {k!r}" for k in sorted(set(data) - known)]
    problems += [f"missing key {k!r}" for k in (*_STRINGS, *_PATHS, "metadata_authorities")
                 if k not in data]
    values: dict[str, Any] = {}
    for key in _STRINGS:
        if key in data:
            if isinstance(data[key], str) and data[key].strip():
                values[key] = data[key].strip()
            else:
                problems.append(f"{key} must be a non-empty string")
    for key in _PATHS:
        if key in data:
            values[key] = file.parent / str(data[key])
            if not values[key].exists():
                problems.append(f"{key}: {values[key]} does not exist")
    raw = data.get("metadata_authorities")
    if raw is not None:
        if not isinstance(raw, list) or not raw:
            problems.append("metadata_authorities must be a non-empty list of paths")
        else:
            values["metadata_authorities"] = tuple(file.parent / str(p) for p in raw)
    try:
        values["signing"] = Signing(data.get("signing", "ecdsa"))
    except ValueError as exc:
        problems.append(str(exc))
    if problems:
        raise NodeConfigError(problems)
    return NodeSettings(**values)


#: The name ``makelaar.serve`` looks for.
load_settings = load_node_settings
