"""Settings from the environment: the public address follows the listening one unless set."""

from __future__ import annotations

import pytest

from server.settings import Settings, listening_url


def test_public_url_defaults_to_the_listening_address() -> None:
    assert Settings.from_env({}).public_url == "http://127.0.0.1:8000"
    assert Settings.from_env({"CPTS_PORT": "8100"}).public_url == "http://127.0.0.1:8100"
    settings = Settings.from_env({"CPTS_HOST": "cpts.local", "CPTS_PORT": "9000"})
    assert settings.public_url == "http://cpts.local:9000"
    assert Settings(port=8200).public_url == "http://127.0.0.1:8200"


def test_a_set_public_url_wins_without_its_trailing_slash() -> None:
    env = {"CPTS_PORT": "8100", "CPTS_PUBLIC_URL": "https://cpts.example/"}
    assert Settings.from_env(env).public_url == "https://cpts.example"
    assert Settings(public_url="https://cpts.example/").public_url == "https://cpts.example"


@pytest.mark.parametrize(
    ("host", "url"),
    [
        ("0.0.0.0", "http://127.0.0.1:8000"),  # noqa: S104
        ("::", "http://[::1]:8000"),
        ("::1", "http://[::1]:8000"),
        ("192.0.2.10", "http://192.0.2.10:8000"),
    ],
)
def test_wildcard_and_ipv6_binds_give_a_usable_link(host: str, url: str) -> None:
    assert listening_url(host, 8000) == url
    assert Settings.from_env({"CPTS_HOST": host}).public_url == url
