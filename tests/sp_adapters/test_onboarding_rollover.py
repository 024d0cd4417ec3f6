"""Onboarding a DV across an HM signing-key rollover keeps the broker catalogue loadable.

The broker catalogue is signed by the HM. After the HM's next signing key has taken over,
``makelaar dv onboard`` must still read the catalogue signed with the old key and write it signed
with the key in use now, so that after the runbook's last step (old key files moved out, the new
key promoted to ``hm-signing``) the broker and the means issuer still load it.
"""

from __future__ import annotations

import shutil
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from typing import Any

from etoegang.clock import FixedClock
from keys.ring import KeyRing
from keys.ring import load_ring
from keys.rollover import write_activation
from metadata.catalogue_parse import parse_catalogue
from metadata.loading import load_catalogue
from tests.sp_adapters.test_onboarding import _run
from tests.sp_adapters.test_onboarding import new_dv


def test_onboarding_after_the_switch_signs_the_catalogue_with_the_new_key(
    sp_network: Any, rings: dict[str, KeyRing], tmp_path: Path
) -> None:
    keys = tmp_path / "hmkeys"
    shutil.copytree(sp_network.keys_dir, keys)
    broker = tmp_path / "broker"
    shutil.copytree(sp_network.directory / "metadata", broker / "metadata")
    shutil.copy(sp_network.catalogue_file, broker / "catalogue.xml")
    now = datetime.now(UTC).replace(microsecond=0)
    write_activation(keys, "hm", "signing", now - timedelta(minutes=1))
    ring = load_ring(keys, "hm")
    assert ring.signing_next is not None
    old, new = ring.signing, ring.signing_next
    # The catalogue as it stands was signed with the old key only.
    data = (broker / "catalogue.xml").read_bytes()
    parse_catalogue(data, trust=(old.as_peer(),), clock=FixedClock(now))

    metadata, catalogue = new_dv(sp_network, rings["eb"], tmp_path / "dv")
    assert _run(["dv", "onboard", "--metadata", str(metadata), "--catalogue", str(catalogue),
                 "--registry", str(broker / "metadata"), "--hm-keys", str(keys),
                 "--authority", str(sp_network.ca_file)]) == 0
    written = (broker / "catalogue.xml").read_bytes()
    parse_catalogue(written, trust=(new.as_peer(),), clock=FixedClock(now))

    # The runbook's last step: the old key out, the next key promoted, the schedule removed.
    for ext in ("key", "crt"):
        (keys / f"hm-signing.{ext}").unlink()
        (keys / f"hm-signing-next.{ext}").rename(keys / f"hm-signing.{ext}")
    (keys / "hm-signing-next.activation").unlink()
    promoted = load_ring(keys, "hm")
    assert promoted.published_signing() == (promoted.signing,)
    signers = tuple(pair.as_peer() for pair in promoted.published_signing())
    load_catalogue(broker / "catalogue.xml", signers, FixedClock(now))
