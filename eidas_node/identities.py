"""Test identities of a few member states (no real persons). The identifier follows the eIDAS
``XX/YY/id`` format with NL as the destination country (the Dutch services the broker serves)."""

from __future__ import annotations

from dataclasses import dataclass

from eidas_node import vocab


@dataclass(frozen=True, slots=True)
class TestIdentity:
    key: str
    country: str
    label: str
    attributes: tuple[tuple[str, str], ...]

    @property
    def is_legal_person(self) -> bool:
        return any(name == vocab.LEGAL_PERSON_IDENTIFIER for name, _ in self.attributes)


def _person(country: str, ident: str, given: str, family: str, born: str,
            extra: tuple[tuple[str, str], ...] = ()) -> tuple[tuple[str, str], ...]:
    return (
        (vocab.PERSON_IDENTIFIER, f"{country}/NL/{ident}"),
        (vocab.FAMILY_NAME, family),
        (vocab.GIVEN_NAME, given),
        (vocab.DATE_OF_BIRTH, born),
        *extra,
    )


IDENTITIES: tuple[TestIdentity, ...] = (
    TestIdentity("es-1", "ES", "Javier García Fernández",
                 _person("ES", "02635542Y", "Javier", "García Fernández", "1975-03-14")),
    TestIdentity("de-1", "DE", "Erika Mustermann",
                 _person("DE", "T22000129", "Erika", "Mustermann", "1964-08-12",
                         ((vocab.BIRTH_NAME, "Gabler"),))),
    TestIdentity("be-1", "BE", "Marie Dupont",
                 _person("BE", "85073003328", "Marie", "Dupont", "1985-07-30")),
    TestIdentity("it-1", "IT", "Mario Rossi",
                 _person("IT", "RSSMRA80A01H501U", "Mario", "Rossi", "1980-01-01")),
    TestIdentity(
        "be-company", "BE", "Chocolaterie Dupont NV (Marie Dupont)",
        (*_person("BE", "85073003328", "Marie", "Dupont", "1985-07-30"),
         (vocab.LEGAL_PERSON_IDENTIFIER, "BE/NL/0123456789"),
         (vocab.LEGAL_NAME, "Chocolaterie Dupont NV")),
    ),
)

COUNTRIES: dict[str, str] = {"ES": "España", "DE": "Deutschland", "BE": "België / Belgique",
                             "IT": "Italia"}


def identity(key: str) -> TestIdentity:
    for item in IDENTITIES:
        if item.key == key:
            return item
    raise KeyError(key)
