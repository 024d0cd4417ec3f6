"""Settings of the means issuer's server (AD, MR and MR2), read from idp.yaml.

Every problem in the file is reported at once (STYLE §4.7): a missing key, an unknown key, a
wrong type. Secrets come from files, never from the YAML itself.
"""

from __future__ import annotations

from dataclasses import MISSING
from dataclasses import dataclass
from dataclasses import fields
from pathlib import Path
from typing import Any

import yaml


class SettingsError(ValueError):
    """The settings file has problems; ``problems`` lists every one."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(f"{path}: " + "; ".join(problems))


@dataclass(frozen=True, slots=True)
class IdpSettings:
    base_url: str
    ad_entity_id: str
    mr_entity_id: str
    mr2_entity_id: str
    #: Directory with ad-*, mr-* and mr2-* keys (``makelaar keys init``).
    keys_dir: Path
    #: Signed metadata of the brokers we serve.
    metadata: tuple[Path, ...]
    #: CA certificates whose certificates may sign metadata (PKIoverheid; the dev CA).
    metadata_authorities: tuple[Path, ...]
    catalogue: Path
    #: Metadata of the catalogue's publisher, whose signing keys must have signed it.
    catalogue_signer_metadata: Path
    db_url: str
    state_url: str
    sms_outbox: Path
    secret_key_file: Path
    #: Demo mode shows the SMS outbox page; never in production.
    demo_mode: bool = False
    #: Where chain authorisations are refused (policies.chain); absent: allowed from eH2.
    chain_policy_file: Path | None = None
    #: Key of the specific pseudonyms (spec §3.2). Its own file, so that rotating the server
    #: secret does not change every pseudonym the DVs know.
    pseudonym_secret_file: Path | None = None
    #: Directory holding our own signed metadata (ad.xml, mr.xml, mr2.xml) to publish.
    published_metadata_dir: Path | None = None
    #: Production SMS gateway (idp.sms.http); without it codes go to the development outbox.
    sms_gateway_url: str | None = None
    sms_gateway_username: str | None = None
    #: File holding the gateway's password or API key (never the YAML itself).
    sms_gateway_secret_file: Path | None = None
    #: CA certificates (PEM) the back channel trusts for peers' TLS; None: the system's.
    back_channel_ca_file: Path | None = None
    #: A forward proxy for the back channel (``http://proxy:3128``); None: direct. The
    #: process environment's ``*_proxy`` variables are not read.
    back_channel_proxy: str | None = None

    def secret_key(self) -> bytes:
        return bytes.fromhex(self.secret_key_file.read_text().strip())

    def pseudonym_secret(self) -> bytes | None:
        if self.pseudonym_secret_file is None:
            return None
        return bytes.fromhex(self.pseudonym_secret_file.read_text().strip())


_PATHS = {
    "keys_dir",
    "catalogue",
    "catalogue_signer_metadata",
    "sms_outbox",
    "secret_key_file",
    "chain_policy_file",
    "pseudonym_secret_file",
    "sms_gateway_secret_file",
    "published_metadata_dir",
    "back_channel_ca_file",
}
_PATH_LISTS = {"metadata", "metadata_authorities"}


def load_settings(path: Path) -> IdpSettings:
    raw: Any = yaml.safe_load(path.read_text())
    if not isinstance(raw, dict):
        raise SettingsError(path, ["the file is not a mapping"])
    known = {f.name: f for f in fields(IdpSettings)}
    problems = [f"unknown key {key!r}" for key in raw if key not in known]
    values: dict[str, Any] = {}
    for name, field in known.items():
        if name not in raw:
            if field.default is MISSING:
                problems.append(f"missing key {name!r}")
            continue
        value = raw[name]
        if name in _PATHS:
            values[name] = Path(str(value))
        elif name in _PATH_LISTS:
            if not isinstance(value, list):
                problems.append(f"{name!r} must be a list")
                continue
            values[name] = tuple(Path(str(v)) for v in value)
        elif name in ("sms_gateway_url", "sms_gateway_username", "back_channel_proxy"):
            if value is not None and not isinstance(value, str):
                problems.append(f"{name!r} must be a string")
            values[name] = value
        elif name == "demo_mode":
            if not isinstance(value, bool):
                problems.append("'demo_mode' must be true or false")
            values[name] = bool(value)
        else:
            if not isinstance(value, str) or not value:
                problems.append(f"{name!r} must be a non-empty string")
            values[name] = str(value)
    if problems:
        raise SettingsError(path, problems)
    return IdpSettings(**values)
