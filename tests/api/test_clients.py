"""Client address through trusted proxies, and log redaction: table-driven cases and properties."""

from __future__ import annotations

import ipaddress
import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tutorassist.api.clients import forwarded_client
from tutorassist.api.logs import RedactSecrets, redact
from tutorassist.config import Settings, parse_networks

PROXIES = parse_networks("10.0.0.0/8, 192.168.1.1, ::1")

CASES = [
    # peer, X-Forwarded-For headers, expected client
    ("203.0.113.5", ["198.51.100.1"], "203.0.113.5"),  # untrusted peer: its header is ignored
    ("10.0.0.2", [], "10.0.0.2"),  # a trusted peer with nothing forwarded is the client
    ("10.0.0.2", ["198.51.100.1"], "198.51.100.1"),
    ("10.0.0.2", ["1.1.1.1, 198.51.100.1"], "198.51.100.1"),  # the left entry is the client's own claim
    ("10.0.0.2", ["1.1.1.1, 198.51.100.1, 192.168.1.1"], "198.51.100.1"),  # through two of our proxies
    ("10.0.0.2", ["1.1.1.1", "198.51.100.1"], "198.51.100.1"),  # several headers read as one list
    ("10.0.0.2", ["10.1.1.1, 10.2.2.2"], "10.1.1.1"),  # all ours: the farthest back
    ("10.0.0.2", ["not-an-address"], None),  # a hop we cannot read: unknown, not guessed
    ("10.0.0.2", ["2001:db8::1"], "2001:db8::1"),
    ("::1", ["203.0.113.9"], "203.0.113.9"),
    (None, ["203.0.113.9"], None),
]


@pytest.mark.parametrize(("peer", "headers", "expected"), CASES)
def test_forwarded_client(peer, headers, expected):
    assert forwarded_client(peer, headers, PROXIES) == expected


addresses = st.one_of(st.ip_addresses(v=4), st.ip_addresses(v=6)).map(str)
hops = st.lists(st.one_of(addresses, st.text(max_size=12)), max_size=6)


@given(peer=addresses, chain=hops)
def test_without_trusted_proxies_the_peer_is_the_client(peer, chain):
    assert forwarded_client(peer, [", ".join(chain)], ()) == peer


@given(peer=addresses, chain=hops)
def test_the_client_is_the_peer_or_a_forwarded_hop(peer, chain):
    result = forwarded_client(peer, [", ".join(chain)], PROXIES)
    assert result is None or result == peer or result in {str(ipaddress.ip_address(h.strip())) for h in chain
                                                           if _is_address(h)}


@given(client=addresses, forged=st.lists(addresses, max_size=3), ours=st.lists(st.sampled_from(["10.4.4.4", "192.168.1.1"]),
                                                                                 max_size=3))
def test_a_client_behind_our_proxies_cannot_forge_its_address(client, forged, ours):
    if any(ipaddress.ip_address(client) in n for n in PROXIES):
        return  # a client inside our proxy network is indistinguishable from a proxy
    chain = [*forged, client, *ours]
    assert forwarded_client("10.0.0.2", [", ".join(chain)], PROXIES) == client


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text.strip())
    except ValueError:
        return False
    return True


def test_trusted_proxies_setting_refuses_a_bad_entry():
    assert Settings(TUTORASSIST_TRUSTED_PROXIES=" 10.0.0.0/8 ,, 127.0.0.1").trusted_proxy_networks() == parse_networks(
        "10.0.0.0/8,127.0.0.1")
    with pytest.raises(ValueError, match="'proxy.example' is not an IP address"):
        Settings(TUTORASSIST_TRUSTED_PROXIES="10.0.0.1, proxy.example")


def test_serve_refuses_bad_trusted_proxies_with_a_message(monkeypatch):
    from typer.testing import CliRunner

    from tutorassist.cli import app
    from tutorassist.config import get_settings

    monkeypatch.setenv("TUTORASSIST_TRUSTED_PROXIES", "10.0.0.1, proxy.example")
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["serve"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 2 and "'proxy.example' is not an IP address" in " ".join(result.output.split())
    assert "Traceback" not in result.output


@pytest.mark.parametrize(("line", "expected"), [
    ('1.2.3.4 - "GET /invites/abc_DEF-123 HTTP/1.1" 200', '1.2.3.4 - "GET /invites/[redacted] HTTP/1.1" 200'),
    ("POST /invites/abc/accept", "POST /invites/[redacted]/accept"),
    ("GET /invites/abc?x=1", "GET /invites/[redacted]?x=1"),
    ("GET /workspaces/1/invites", "GET /workspaces/1/invites"),
])
def test_redact(line, expected):
    assert redact(line) == expected


@given(st.text(alphabet=st.characters(categories=("L", "N", "P", "S"), exclude_characters="/?#\"'"), min_size=1, max_size=60),
       st.sampled_from(["", "/accept", "?next=/x", " HTTP/1.1"]))
def test_no_token_survives_redaction(token, tail):
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s "%s %s"', ("1.2.3.4", "GET",
                               f"/invites/{token}{tail}"), None)
    RedactSecrets().filter(record)
    assert record.getMessage() == f'1.2.3.4 "GET /invites/[redacted]{tail}"'
