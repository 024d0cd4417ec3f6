"""The back channel's TLS trust and forward proxy come from the roles' settings files.

The back channel ignores the process environment's proxy and CA-bundle variables (see
etoegang.exchange.transport), so a network behind an egress proxy, or trusting a private root
for its peers' TLS, says so in ``broker.yaml`` / ``idp.yaml``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import urllib3
import yaml

from broker.settings import ConfigError
from broker.settings import load_settings as load_broker_settings
from etoegang.exchange.transport import back_channel
from idp.settings import SettingsError
from idp.settings import load_settings as load_idp_settings
from makelaar.network import Network


def _with(network: Network, role: str, tmp_path: Path, **extra: object) -> Path:
    source = network.settings_file(role)
    data = yaml.safe_load(source.read_text())
    data.update(extra)
    target = source.parent / f"{role}-back-channel-{tmp_path.name}.yaml"
    target.write_text(yaml.safe_dump(data))
    return target


def test_broker_settings_carry_the_proxy_and_ca_file(network: Network, tmp_path: Path) -> None:
    ca = next(network.directory.rglob("*.crt"))
    settings = load_broker_settings(_with(network, "broker", tmp_path,
                                          back_channel_proxy="http://proxy.example:3128",
                                          back_channel_ca_file=str(ca)))
    assert settings.back_channel_proxy == "http://proxy.example:3128"
    assert settings.back_channel_ca_file == ca
    plain = load_broker_settings(network.settings_file("broker"))
    assert (plain.back_channel_proxy, plain.back_channel_ca_file) == (None, None)


@pytest.mark.parametrize("proxy", ["proxy.example:3128", "socks5://proxy.example", 3128])
def test_a_broker_proxy_that_is_not_an_http_url_is_refused(
    network: Network, tmp_path: Path, proxy: object
) -> None:
    with pytest.raises(ConfigError, match="back_channel_proxy"):
        load_broker_settings(_with(network, "broker", tmp_path, back_channel_proxy=proxy))


def test_idp_settings_carry_the_proxy_and_ca_file(network: Network, tmp_path: Path) -> None:
    settings = load_idp_settings(_with(network, "idp", tmp_path,
                                       back_channel_proxy="http://proxy.example:3128",
                                       back_channel_ca_file="/etc/ssl/private-root.pem"))
    assert settings.back_channel_proxy == "http://proxy.example:3128"
    assert settings.back_channel_ca_file == Path("/etc/ssl/private-root.pem")
    with pytest.raises(SettingsError, match="back_channel_proxy"):
        load_idp_settings(_with(network, "idp", tmp_path, back_channel_proxy=3128))


def test_the_transport_follows_the_settings(tmp_path: Path) -> None:
    ca = tmp_path / "root.pem"
    ca.write_text("placeholder")
    proxied = back_channel(ca, "http://proxy.example:3128")
    assert isinstance(proxied._pool, urllib3.ProxyManager)
    assert proxied._pool.proxy is not None and proxied._pool.proxy.host == "proxy.example"
    assert proxied._pool.connection_pool_kw["ca_certs"] == str(ca)
    direct = back_channel()
    assert not isinstance(direct._pool, urllib3.ProxyManager)
    assert direct._pool.connection_pool_kw["cert_reqs"] == "CERT_REQUIRED"
    assert "ca_certs" not in direct._pool.connection_pool_kw
