"""The eIDAS bridge's settings, read from ``eidas.yaml`` (named by ``eidas`` in broker.yaml) and
validated before anything serves (STYLE §4.7: unknown or missing keys are errors, every problem
reported at once).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from typing import Final

import yaml

from broker.eidas.vocab import SpType


class EidasConfigError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("eIDAS settings refused:\n- " + "\n- ".join(problems))


@dataclass(frozen=True, slots=True)
class EidasSettings:
    #: The EB EntityID DVs name in Scoping/IDPList to ask for eIDAS (spec §8.1).
    eb_entity_id: str
    #: Our connector (eIDAS SP) and proxy-service (eIDAS IdP) entity IDs: metadata URLs.
    connector_entity_id: str
    proxy_entity_id: str
    keys_dir: Path
    #: Key files of the eIDAS faces (``eb``: RSA, signs RSASSA-PSS, decrypts GCM assertions).
    key_role: str
    metadata_authorities: tuple[Path, ...]
    #: The eIDAS node (proxy service) foreign persons are sent to, and its signed metadata.
    node_entity_id: str
    node_metadata: tuple[Path, ...]
    #: Foreign connectors allowed to use our proxy service, and their country codes.
    connector_metadata: tuple[Path, ...]
    connector_countries: Mapping[str, str]
    #: Our own published eIDAS metadata (served as is).
    own_connector_metadata: Path
    own_proxy_metadata: Path
    #: HMAC secret of the DV-specific pseudonyms (hex, >= 32 bytes).
    pseudonym_secret_file: Path
    #: The catalogue service the outbound logins run under (a DV service of the broker itself,
    #: whose ServiceCertificate is our eIDAS encryption certificate) and its DV EntityID.
    proxy_service_id: str
    proxy_dv_entity_id: str
    country: str = "NL"
    sp_type: SpType = SpType.PUBLIC

    def pseudonym_secret(self) -> bytes:
        text = self.pseudonym_secret_file.read_text().strip()
        try:
            return bytes.fromhex(text)
        except ValueError:
            return text.encode()


_STRINGS: Final = (
    "eb_entity_id", "connector_entity_id", "proxy_entity_id", "key_role", "node_entity_id",
    "proxy_service_id", "proxy_dv_entity_id",
)
_PATHS: Final = ("keys_dir", "own_connector_metadata", "own_proxy_metadata",
                 "pseudonym_secret_file")
_PATH_LISTS: Final = ("metadata_authorities", "node_metadata", "connector_metadata")
_OPTIONAL: Final = ("country", "sp_type", "connector_countries")


def _path(base: Path, value: str) -> Path:
    path = Path(value)
    return path if path.is_absolute() else base / path


def settings_from_mapping(data: Mapping[str, Any], base: Path) -> EidasSettings:
    problems: list[str] = []
    known = {*_STRINGS, *_PATHS, *_PATH_LISTS, *_OPTIONAL}
    problems += [f"unknown key {key!r}" for key in sorted(set(data) - known)]
    problems += [f"missing key {key!r}" for key in (*_STRINGS, *_PATHS, *_PATH_LISTS)
                 if key not in data]
    values: dict[str, Any] = {}
    for key in _STRINGS:
        if key in data:
            if not isinstance(data[key], str) or not data[key].strip():
                problems.append(f"{key} must be a non-empty string")
            else:
                values[key] = data[key].strip()
    if not str(values.get("eb_entity_id", "urn:etoegang:EB:")).startswith("urn:etoegang:EB:"):
        problems.append("eb_entity_id must be an EB EntityID (urn:etoegang:EB:<OIN>:entities:<n>)")
    for key in _PATHS:
        if key in data:
            if not isinstance(data[key], str):
                problems.append(f"{key} must be a path")
                continue
            values[key] = _path(base, data[key])
            if not values[key].exists():
                problems.append(f"{key}: {values[key]} does not exist")
    for key in _PATH_LISTS:
        if key in data:
            raw = data[key]
            if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
                problems.append(f"{key} must be a list of paths")
                continue
            values[key] = tuple(_path(base, v) for v in raw)
            problems += [f"{key}: {p} does not exist" for p in values[key] if not p.exists()]
    if not values.get("node_metadata", (1,)):
        problems.append("node_metadata must name at least one file")
    countries = data.get("connector_countries", {})
    if not isinstance(countries, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and len(v) == 2 and v.isupper()
        for k, v in countries.items()
    ):
        problems.append("connector_countries must map entity IDs to two-letter country codes")
    else:
        values["connector_countries"] = dict(countries)
    country = data.get("country", "NL")
    if not isinstance(country, str) or len(country) != 2 or not country.isupper():
        problems.append("country must be a two-letter country code")
    else:
        values["country"] = country
    try:
        values["sp_type"] = SpType(data.get("sp_type", "public"))
    except ValueError:
        problems.append("sp_type must be public or private")
    if problems:
        raise EidasConfigError(problems)
    return EidasSettings(**values)


def load_eidas_settings(path: Path | str) -> EidasSettings:
    file = Path(path)
    try:
        data = yaml.safe_load(file.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise EidasConfigError([f"{file}: {exc}"]) from exc
    if not isinstance(data, dict):
        raise EidasConfigError([f"{file}: the settings must be a mapping of keys to values"])
    return settings_from_mapping(data, file.parent)
