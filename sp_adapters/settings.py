"""The DV's settings file (``dv.yaml``, as :mod:`makelaar.network` writes it), read and checked
at start-up with every problem reported at once (DESIGN §5, STYLE §4.1 "fail at start-up").

Required keys are exactly those ``makelaar.network`` writes: ``entity_id``, ``base_url``,
``keys_dir``, ``key_role``, ``hm_metadata``, ``metadata_authorities``, ``services`` (each with
``index``, ``service_id``, ``service_uuid``, ``name_nl``, ``name_en``, ``loa``) and
``secret_key_file``. Optional keys, each with a safe default:

* ``advice_metadata``: metadata files of the ADs and MRs whose assertions the HM puts in
  Advice; with them the adapter verifies every Advice signature itself (default: none).
* ``advice_trust``: ``verify`` (check each Advice assertion's signature with its issuer's
  registered keys; needs ``advice_metadata``) or ``hm`` (rely on the HM's signature over the
  whole assertion for the chain; the structural checks still run). Default: ``verify`` when
  ``advice_metadata`` is given, else ``hm``.
* ``request_binding``: ``post`` (default) or ``redirect`` for the AuthnRequest (spec §4.1).
* ``state_url``: ``memory://`` (default) or ``redis://...`` for pending logins and replay.
* ``organisation_nl`` / ``organisation_en``: names for generated metadata and catalogue.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any
from typing import Final

import yaml

from etoegang.errors import MalformedIdentifier
from metadata.identifiers import parse_entity_id
from metadata.identifiers import parse_service_id
from policies.loa import Loa

_REQUIRED: Final = (
    "entity_id",
    "base_url",
    "keys_dir",
    "key_role",
    "hm_metadata",
    "metadata_authorities",
    "services",
    "secret_key_file",
)
_OPTIONAL: Final = (
    "advice_metadata",
    "advice_trust",
    "request_binding",
    "state_url",
    "organisation_nl",
    "organisation_en",
    "oidc_issuer",
)
_SERVICE_KEYS: Final = ("index", "service_id", "service_uuid", "name_nl", "name_en", "loa")


class SettingsError(ValueError):
    """The settings file has problems; ``problems`` lists every one of them."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.problems = tuple(problems)
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{path}: {len(problems)} problem(s):\n{lines}")


class AdviceTrust(Enum):
    """How the adapter trusts the AD and MR assertions in the HM assertion's Advice."""

    #: Verify each Advice assertion with its issuer's registered keys (advice_metadata).
    VERIFY = "verify"
    #: Rely on the HM's signature, which covers Advice; links and identifiers are still checked.
    HM = "hm"

    @classmethod
    def _missing_(cls, value: object) -> AdviceTrust:
        raise ValueError(f"advice_trust is verify or hm, not {value!r}")


class RequestBinding(Enum):
    """How the AuthnRequest travels to the HM (spec §4.1: POST or Redirect; DVs mostly POST)."""

    POST = "post"
    REDIRECT = "redirect"

    @classmethod
    def _missing_(cls, value: object) -> RequestBinding:
        raise ValueError(f"request_binding is post or redirect, not {value!r}")


@dataclass(frozen=True, slots=True)
class ServiceSetting:
    """One of the DV's services: the AttributeConsumingService index and its catalogue facts."""

    index: int
    service_id: str
    service_uuid: str
    name_nl: str
    name_en: str
    loa: Loa

    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" else self.name_nl


@dataclass(frozen=True, slots=True)
class DvSettings:
    entity_id: str
    base_url: str
    keys_dir: Path
    key_role: str
    hm_metadata: Path
    metadata_authorities: tuple[Path, ...]
    services: tuple[ServiceSetting, ...]
    secret_key_file: Path
    advice_metadata: tuple[Path, ...] = ()
    advice_trust: AdviceTrust = AdviceTrust.HM
    request_binding: RequestBinding = RequestBinding.POST
    state_url: str = "memory://"
    organisation_nl: str = "Gemeente Voorbeeldstad"
    organisation_en: str = "Municipality of Exampletown"
    #: The broker's OIDC issuer; with it the demo DV also offers an OpenID Connect login.
    oidc_issuer: str | None = None

    @property
    def oin(self) -> str:
        """The DV's OIN, from its first ServiceID."""
        return parse_service_id(self.services[0].service_id).oin

    def service(self, index: int) -> ServiceSetting:
        for service in self.services:
            if service.index == index:
                return service
        raise KeyError(index)

    def secret(self) -> bytes:
        """The application secret (CSRF tokens, signed cookies)."""
        return self.secret_key_file.read_bytes().strip()


def _path(value: Any, key: str, problems: list[str], *, must_exist: bool = True) -> Path:
    if not isinstance(value, str) or not value:
        problems.append(f"{key}: must be a file path")
        return Path()
    path = Path(value)
    if must_exist and not path.exists():
        problems.append(f"{key}: {value} does not exist")
    return path


def _paths(value: Any, key: str, problems: list[str]) -> tuple[Path, ...]:
    if not isinstance(value, list):
        problems.append(f"{key}: must be a list of file paths")
        return ()
    return tuple(_path(item, f"{key}[{i}]", problems) for i, item in enumerate(value))


def _text(value: Any, key: str, problems: list[str]) -> str:
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{key}: must be a non-empty text")
        return ""
    return value


def _service(raw: Any, where: str, problems: list[str]) -> ServiceSetting | None:
    if not isinstance(raw, Mapping):
        problems.append(f"{where}: must be a mapping with {', '.join(_SERVICE_KEYS)}")
        return None
    start = len(problems)
    for key in raw:
        if key not in _SERVICE_KEYS:
            problems.append(f"{where}: unknown key {key!r}")
    for key in _SERVICE_KEYS:
        if key not in raw:
            problems.append(f"{where}: missing key {key!r}")
    if len(problems) > start:
        return None
    index = raw["index"]
    if not isinstance(index, int) or isinstance(index, bool) or not 1 <= index <= 65535:
        problems.append(f"{where}.index: must be a number from 1 to 65535")
        index = 0
    service_id = _text(raw["service_id"], f"{where}.service_id", problems)
    try:
        parsed = parse_service_id(service_id)
        if index and parsed.index != index:
            problems.append(f"{where}.service_id: its index {parsed.index} is not {index}")
    except MalformedIdentifier as exc:
        problems.append(f"{where}.service_id: {exc.public}")
    loa_text = _text(raw["loa"], f"{where}.loa", problems)
    loa = Loa.EH4
    try:
        loa = Loa.from_label(loa_text)
    except ValueError:
        problems.append(f"{where}.loa: {loa_text!r} is not eH2, eH2+, eH3 or eH4")
    service = ServiceSetting(
        index=index,
        service_id=service_id,
        service_uuid=_text(raw["service_uuid"], f"{where}.service_uuid", problems),
        name_nl=_text(raw["name_nl"], f"{where}.name_nl", problems),
        name_en=_text(raw["name_en"], f"{where}.name_en", problems),
        loa=loa,
    )
    return service if len(problems) == start else None


def load_settings(path: Path | str) -> DvSettings:
    """Read and check ``dv.yaml``.

    :raises SettingsError: listing every problem (unknown or missing keys, wrong types,
        missing files, malformed identifiers, inconsistent options).
    """
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SettingsError(path, [f"cannot read: {exc.strerror}"]) from exc
    except yaml.YAMLError as exc:
        raise SettingsError(path, [f"not YAML: {exc}"]) from exc
    if not isinstance(raw, Mapping):
        raise SettingsError(path, ["the file must hold a mapping of settings"])
    problems: list[str] = []
    for key in raw:
        if key not in _REQUIRED and key not in _OPTIONAL:
            problems.append(f"unknown key {key!r}")
    for key in _REQUIRED:
        if key not in raw:
            problems.append(f"missing key {key!r}")
    if problems:
        raise SettingsError(path, problems)

    entity_id = _text(raw["entity_id"], "entity_id", problems)
    if entity_id.startswith("urn:"):
        try:
            parse_entity_id(entity_id)
        except MalformedIdentifier as exc:
            problems.append(f"entity_id: {exc.public}")
    base_url = _text(raw["base_url"], "base_url", problems)
    if base_url and not base_url.startswith(("http://", "https://")):
        problems.append("base_url: must start with http:// or https://")
    services: list[ServiceSetting] = []
    if not isinstance(raw["services"], list) or not raw["services"]:
        problems.append("services: must be a non-empty list")
    else:
        for i, item in enumerate(raw["services"]):
            service = _service(item, f"services[{i}]", problems)
            if service is not None:
                services.append(service)
        if len({s.index for s in services}) != len(services):
            problems.append("services: indexes must be unique")
        if len({parse_service_id(s.service_id).oin for s in services}) > 1:
            problems.append("services: all ServiceIDs must carry the same OIN")

    advice_metadata = (
        _paths(raw["advice_metadata"], "advice_metadata", problems)
        if "advice_metadata" in raw
        else ()
    )
    trust = AdviceTrust.VERIFY if advice_metadata else AdviceTrust.HM
    if "advice_trust" in raw:
        try:
            trust = AdviceTrust(raw["advice_trust"])
        except ValueError as exc:
            problems.append(str(exc))
    if trust is AdviceTrust.VERIFY and not advice_metadata:
        problems.append("advice_trust: verify needs advice_metadata (the AD and MR metadata)")
    binding = RequestBinding.POST
    if "request_binding" in raw:
        try:
            binding = RequestBinding(raw["request_binding"])
        except ValueError as exc:
            problems.append(str(exc))
    state_url = raw.get("state_url", "memory://")
    if not isinstance(state_url, str) or not state_url.startswith(("memory://", "redis")):
        problems.append("state_url: must be memory:// or a redis:// URL")
        state_url = "memory://"
    settings = DvSettings(
        entity_id=entity_id,
        base_url=base_url.rstrip("/"),
        keys_dir=_path(raw["keys_dir"], "keys_dir", problems),
        key_role=_text(raw["key_role"], "key_role", problems),
        hm_metadata=_path(raw["hm_metadata"], "hm_metadata", problems),
        metadata_authorities=_paths(raw["metadata_authorities"], "metadata_authorities",
                                    problems),
        services=tuple(services),
        secret_key_file=_path(raw["secret_key_file"], "secret_key_file", problems),
        advice_metadata=advice_metadata,
        advice_trust=trust,
        request_binding=binding,
        state_url=state_url,
        organisation_nl=_text(raw.get("organisation_nl", "Gemeente Voorbeeldstad"),
                              "organisation_nl", problems),
        organisation_en=_text(raw.get("organisation_en", "Municipality of Exampletown"),
                              "organisation_en", problems),
        oidc_issuer=(
            _text(raw["oidc_issuer"], "oidc_issuer", problems) if raw.get("oidc_issuer") else None
        ),
    )
    if problems:
        raise SettingsError(path, problems)
    return settings
