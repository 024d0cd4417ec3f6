"""The specific pseudonym (spec §3.2) and the chain policy file (spec §7)."""

from __future__ import annotations

from pathlib import Path

import pytest

from idp.mr.pseudonym import PATTERN
from idp.mr.pseudonym import PseudonymInput
from idp.mr.pseudonym import derive_secret
from idp.mr.pseudonym import specific_pseudonym
from policies.chain import ChainPolicy
from policies.chain import ChainPolicyError
from policies.chain import load_chain_policy
from policies.chain import parse_chain_policy
from policies.loa import Loa

SECRET = derive_secret(b"k" * 32)
PERSON = "a" * 64
DV_A = "00000099000000000003"
DV_B = "00000099000000000004"
SERVICE = "6b1f2ec3-4b5a-4a42-9d5e-1f0a8c3e7d11"


def test_pseudonym_has_the_spec_format_and_is_stable() -> None:
    who = PseudonymInput(PERSON, "kvk:69599084", DV_A)
    value = specific_pseudonym(SECRET, who)
    assert PATTERN.fullmatch(value) and len(value) == 64 + 1 + 32
    assert specific_pseudonym(SECRET, who) == value


def test_pseudonym_differs_per_dv_company_intermediary_and_secret() -> None:
    base = PseudonymInput(PERSON, "kvk:69599084", DV_A)
    value = specific_pseudonym(SECRET, base)
    others = {
        specific_pseudonym(SECRET, PseudonymInput(PERSON, "kvk:69599084", DV_B)),
        specific_pseudonym(SECRET, PseudonymInput(PERSON, "kvk:71234560", DV_A)),
        specific_pseudonym(SECRET, PseudonymInput(PERSON, "kvk:69599084", DV_A, "kvk:1")),
        specific_pseudonym(SECRET, PseudonymInput("b" * 64, "kvk:69599084", DV_A)),
        specific_pseudonym(derive_secret(b"z" * 32), base),
    }
    assert value not in others and len(others) == 5
    # Another person acting for the same company at the same DV shares the representation part.
    colleague = specific_pseudonym(SECRET, PseudonymInput("b" * 64, "kvk:69599084", DV_A))
    assert colleague.split("@")[1] == value.split("@")[1]


def test_pseudonym_fields_cannot_run_into_each_other() -> None:
    one = specific_pseudonym(SECRET, PseudonymInput("ab", "c", DV_A))
    two = specific_pseudonym(SECRET, PseudonymInput("a", "bc", DV_A))
    assert one != two


def test_short_secret_is_refused() -> None:
    with pytest.raises(ValueError):
        derive_secret(b"short")


def test_chain_policy_refuses_eh1_and_listed_services() -> None:
    policy = parse_chain_policy({"refuse_chains_for": [SERVICE.upper()],
                                 "minimum_level": "eH3"})
    assert not policy.allows(SERVICE, Loa.EH4)
    other = "0f6d9a51-94e1-4c9c-8a77-2d1b1c0e5a22"
    assert policy.allows(other, Loa.EH3)
    assert not policy.allows(other, Loa.EH2PLUS)
    assert not ChainPolicy().allows(other, Loa.EH1)
    assert ChainPolicy().allows(other, Loa.EH2)


def test_chain_policy_file_reports_every_problem(tmp_path: Path) -> None:
    with pytest.raises(ChainPolicyError) as caught:
        parse_chain_policy({"refuse_chains_for": ["nope"], "minimum_level": "eH1", "x": 1})
    assert len(caught.value.problems) == 3
    path = tmp_path / "chain.yaml"
    path.write_text(f"refuse_chains_for:\n  - {SERVICE}\n")
    assert load_chain_policy(path).refused_services == frozenset({SERVICE})
    assert load_chain_policy(tmp_path / "absent.yaml") == ChainPolicy()
    assert load_chain_policy(None) == ChainPolicy()
