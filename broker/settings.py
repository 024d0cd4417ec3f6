"""The broker's typed settings, read from ``broker.yaml`` and validated before anything serves
(STYLE §4.7, DESIGN §5 "typed settings validated at start-up, with every problem reported at
once").

An unknown key is an error, a missing required key is an error, and every problem found is
reported together in one :class:`ConfigError`, so an operator fixes the file in one go.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from typing import Final

import yaml


class ConfigError(ValueError):
    """The settings file is not acceptable; ``problems`` lists every reason."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("broker settings refused:\n- " + "\n- ".join(problems))


@dataclass(frozen=True, slots=True)
class BrokerSettings:
    """Everything the broker needs to start; paths are absolute or relative to the file."""

    #: Our EntityID (``urn:etoegang:HM:<OIN>:entities:<n>``).
    entity_id: str
    #: Scheme, host and optional path prefix the broker is reached at.
    base_url: str
    keys_dir: Path
    #: The key-file stem in ``keys_dir`` (``hm`` gives hm-signing.key, ...).
    key_role: str
    #: Signed metadata files of every registered peer (DVs, ADs, MRs, MR2s).
    metadata: tuple[Path, ...]
    #: CA certificates that metadata signatures must chain to.
    metadata_authorities: tuple[Path, ...]
    catalogue: Path
    #: Our own published metadata (read for our ACS index; its keys also sign the catalogue).
    catalogue_signer_metadata: Path
    #: ``memory://`` or ``redis://host:port/db?prefix=...``.
    state_url: str
    #: A file with the secret that signs our cookies and CSRF tokens (hex, >= 32 bytes).
    secret_key_file: Path
    #: Longest a login may take from the DV's request to the answer (SMS included).
    flow_ttl_seconds: int = 900
    #: Broker SSO session lifetime; spec §9: at most 2 hours.
    sso_session_seconds: int = 7200
    #: Accepted clock difference with peers.
    clock_skew_seconds: int = 60
    #: Oldest DV AuthnRequest accepted (IssueInstant).
    request_max_age_seconds: int = 300
    #: The OIDC face's client registrations (docs/oidc.md); None: no OIDC face.
    oidc_clients: Path | None = None
    #: The eIDAS bridge's settings file (docs/eidas.md); None: no eIDAS bridge.
    eidas: Path | None = None
    #: Lifetime of an authorization code (single use; at most 60 s).
    oidc_code_seconds: int = 60
    #: Lifetime of an access token (for the userinfo endpoint only).
    oidc_access_token_seconds: int = 300
    #: CA certificates (PEM) the back channel trusts for peers' TLS; None: the system's.
    back_channel_ca_file: Path | None = None
    #: A forward proxy for the back channel (``http://proxy:3128``); None: direct. The
    #: process environment's ``*_proxy`` variables are not read.
    back_channel_proxy: str | None = None

    @property
    def prefix(self) -> str:
        return self.base_url.rstrip("/") + "/broker"

    def secret(self) -> bytes:
        """The cookie/CSRF secret (read on demand; never kept in the settings object)."""
        text = self.secret_key_file.read_text().strip()
        try:
            value = bytes.fromhex(text)
        except ValueError:
            value = text.encode()
        return value


_REQUIRED: Final = (
    "entity_id",
    "base_url",
    "keys_dir",
    "key_role",
    "metadata",
    "metadata_authorities",
    "catalogue",
    "catalogue_signer_metadata",
    "state_url",
    "secret_key_file",
)
_OPTIONAL_INTS: Final = {
    "flow_ttl_seconds": (60, 3600),
    "sso_session_seconds": (60, 7200),
    "clock_skew_seconds": (0, 600),
    "request_max_age_seconds": (30, 3600),
    "oidc_code_seconds": (5, 60),
    "oidc_access_token_seconds": (30, 3600),
}
#: Optional paths: checked like the required ones when present.
_OPTIONAL_PATHS: Final = ("oidc_clients", "eidas", "back_channel_ca_file")
_PATH_KEYS: Final = ("keys_dir", "catalogue", "catalogue_signer_metadata", "secret_key_file")
_PATH_LIST_KEYS: Final = ("metadata", "metadata_authorities")


def _path(base: Path, value: str) -> Path:
    path = Path(value)
    return path if path.is_absolute() else base / path


def settings_from_mapping(data: Mapping[str, Any], base: Path) -> BrokerSettings:
    """Validate a mapping (the parsed YAML) into settings; raise one :class:`ConfigError`."""
    problems: list[str] = []
    known = set(_REQUIRED) | set(_OPTIONAL_INTS) | set(_OPTIONAL_PATHS) | {"back_channel_proxy"}
    for key in sorted(set(data) - known):
        problems.append(f"unknown key {key!r}")
    for key in _REQUIRED:
        if key not in data:
            problems.append(f"missing key {key!r}")
    values: dict[str, Any] = {}
    for key in ("entity_id", "base_url", "key_role", "state_url"):
        if key in data:
            if not isinstance(data[key], str) or not data[key].strip():
                problems.append(f"{key} must be a non-empty string")
            else:
                values[key] = data[key].strip()
    proxy = data.get("back_channel_proxy")
    if proxy is not None:
        if not isinstance(proxy, str) or not proxy.startswith(("http://", "https://")):
            problems.append("back_channel_proxy must be an http:// or https:// URL")
        else:
            values["back_channel_proxy"] = proxy
    entity = values.get("entity_id", "")
    if entity and not entity.startswith("urn:etoegang:HM:"):
        problems.append("entity_id must be an HM EntityID (urn:etoegang:HM:<OIN>:entities:<n>)")
    base_url = values.get("base_url", "")
    if base_url and not base_url.startswith(("http://", "https://")):
        problems.append("base_url must start with http:// or https://")
    for key in (*_PATH_KEYS, *_OPTIONAL_PATHS):
        if key in data:
            if not isinstance(data[key], str):
                problems.append(f"{key} must be a path")
                continue
            path = _path(base, data[key])
            if not path.exists():
                problems.append(f"{key}: {path} does not exist")
            values[key] = path
    for key in _PATH_LIST_KEYS:
        if key in data:
            raw = data[key]
            if not isinstance(raw, list) or not raw or not all(isinstance(v, str) for v in raw):
                problems.append(f"{key} must be a non-empty list of paths")
                continue
            paths = tuple(_path(base, v) for v in raw)
            for path in paths:
                if not path.exists():
                    problems.append(f"{key}: {path} does not exist")
            values[key] = paths
    for key, (low, high) in _OPTIONAL_INTS.items():
        if key in data:
            raw = data[key]
            if isinstance(raw, bool) or not isinstance(raw, int) or not low <= raw <= high:
                problems.append(f"{key} must be a whole number from {low} to {high}")
            else:
                values[key] = raw
    if problems:
        raise ConfigError(problems)
    return BrokerSettings(**values)


def load_settings(path: Path | str) -> BrokerSettings:
    """Read and validate ``broker.yaml``.

    :raises ConfigError: with every problem found (unreadable file, unknown or missing keys,
        wrong types, paths that do not exist).
    """
    file = Path(path)
    try:
        data = yaml.safe_load(file.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError([f"{file}: {exc}"]) from exc
    if not isinstance(data, dict):
        raise ConfigError([f"{file}: the settings must be a mapping of keys to values"])
    return settings_from_mapping(data, file.parent)
