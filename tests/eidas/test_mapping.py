"""The eH <-> eIDAS level tables (spec §2) and the identifier format (spec §8.2)."""

from __future__ import annotations

import pytest

from broker.eidas.mapping import EidasIdentifier
from broker.eidas.mapping import LevelRefused
from broker.eidas.mapping import answered_eidas_level
from broker.eidas.mapping import asserted_level
from broker.eidas.mapping import outbound_level
from broker.eidas.mapping import requested_eidas_level
from policies.loa import EidasLoa
from policies.loa import Loa

L, S, H = EidasLoa.LOW, EidasLoa.SUBSTANTIAL, EidasLoa.HIGH


@pytest.mark.parametrize(("required", "asked"), [
    (Loa.EH2, L), (Loa.EH2PLUS, L), (Loa.EH3, S), (Loa.EH4, H)], ids=lambda v: str(v))
def test_inbound_request_level_for_every_eh_level(required: Loa, asked: EidasLoa) -> None:
    assert requested_eidas_level(required) is asked


@pytest.mark.parametrize(("required", "answered", "asserted"), [
    (Loa.EH2, L, Loa.EH2), (Loa.EH2, S, Loa.EH3), (Loa.EH2, H, Loa.EH4),
    (Loa.EH2PLUS, L, Loa.EH2PLUS), (Loa.EH2PLUS, S, Loa.EH3), (Loa.EH2PLUS, H, Loa.EH4),
    (Loa.EH3, S, Loa.EH3), (Loa.EH3, H, Loa.EH4), (Loa.EH4, H, Loa.EH4),
])
def test_asserted_level_never_below_required(required: Loa, answered: EidasLoa,
                                            asserted: Loa) -> None:
    assert asserted_level(required, answered.value) is asserted
    assert asserted >= required


@pytest.mark.parametrize(("required", "answered"), [
    (Loa.EH3, L), (Loa.EH4, L), (Loa.EH4, S)])
def test_lower_answer_is_refused(required: Loa, answered: EidasLoa) -> None:
    with pytest.raises(LevelRefused):
        asserted_level(required, answered.value)


def test_non_notified_or_missing_level_is_refused() -> None:
    for uri in ("http://eidas.europa.eu/NotNotified/LoA/high", None, Loa.EH3.urn):
        with pytest.raises(LevelRefused):
            asserted_level(Loa.EH2, uri)
    with pytest.raises(LevelRefused):
        requested_eidas_level(Loa.EH1)


def test_outbound_levels() -> None:
    assert [outbound_level(x) for x in (L, S, H)] == [Loa.EH2PLUS, Loa.EH3, Loa.EH4]
    assert [answered_eidas_level(x) for x in (Loa.EH2, Loa.EH2PLUS, Loa.EH3, Loa.EH4)] == [
        L, L, S, H]


def test_identifier_format() -> None:
    parsed = EidasIdentifier.parse("ES/NL/02635542Y")
    assert (parsed.issuing_country, parsed.destination_country, parsed.value) == (
        "ES", "NL", "02635542Y")
    for bad in ("ES/NL/", "es/NL/1", "ESP/NL/1", "ES-NL-1", "ES/NL/a b"):
        with pytest.raises(ValueError):
            EidasIdentifier.parse(bad)
