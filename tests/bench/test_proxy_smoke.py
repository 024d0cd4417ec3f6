"""The proxy benchmark's harness runs end to end through the Makelaar proxy (not timed).

Two logins at concurrency 1 through the thin plain proxy (``bench.proxy_makelaar``) under
gunicorn, with the pysaml2 test peers; then a leak check of a few logins. SATOSA is not
needed here (it lives in a virtual environment of its own, made only for the benchmark).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bench import proxy_satosa

pytestmark = pytest.mark.skipif(
    shutil.which("xmlsec1") is None, reason="the pysaml2 test peers need xmlsec1"
)


def test_two_logins_through_the_makelaar_proxy_are_measured(tmp_path: Path) -> None:
    args = proxy_satosa.parser().parse_args(
        [
            # 6 logins: at about 5 ms each the proxy's CPU spans several 10 ms clock ticks
            # (2 logins could fall within one tick and read as 0).
            "--only-makelaar", "--logins", "6", "--concurrency", "1", "--workers", "1",
            "--warmup", "1", "--leak", "3", "--leak-concurrency", "1",
            "--dir", str(tmp_path / "proxy"),
        ]
    )
    result = proxy_satosa.run(args)

    [phase] = result["proxies"]["makelaar"]
    assert (phase["logins"], phase["errors"]) == (6, 0), phase["first_error"]
    assert phase["cpu_ms_per_login"] > 0
    leak = result["leak"]
    assert leak["errors"] == 0, leak["first_error"]
    assert leak["rss_kib"] and all(before > 0 for before, _ in leak["rss_kib"].values())
    assert "makelaar" in proxy_satosa.summarise(result)
