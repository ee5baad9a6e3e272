"""Who is on the other end of a request: the client address and scheme, believing forwarding headers only from
trusted proxies (TUTORASSIST_TRUSTED_PROXIES). Anyone can send X-Forwarded-For; only a proxy we run appends to it."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

from starlette.requests import Request

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _address(value: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address((value or "").strip())
    except ValueError:
        return None


def is_trusted(value: str | None, trusted: Sequence[Network]) -> bool:
    address = _address(value)
    return address is not None and any(address in network for network in trusted)


def forwarded_client(peer: str | None, forwarded_for: Iterable[str], trusted: Sequence[Network]) -> str | None:
    """The right-most hop that is not a trusted proxy: the peer itself unless it is trusted, then X-Forwarded-For read
    from the right. A hop that is not an address makes the client unknown (None) rather than guessed."""
    if not is_trusted(peer, trusted):
        return peer
    hops = [hop.strip() for header in forwarded_for for hop in header.split(",") if hop.strip()]
    if not hops:
        return peer
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            return None
        if not any(address in network for network in trusted):
            return str(address)
    return str(_address(hops[0]))  # every hop is ours: the first one is as far back as anyone can tell


def _trusted(request: Request) -> Sequence[Network]:
    return getattr(request.app.state, "trusted_proxies", ())


def client_address(request: Request) -> str | None:
    """The client's address as far as trusted proxies vouch for it."""
    peer = request.client.host if request.client else None
    return forwarded_client(peer, request.headers.getlist("x-forwarded-for"), _trusted(request))


def came_over_https(request: Request) -> bool:
    """HTTPS to us, or to a trusted proxy in front of us (its X-Forwarded-Proto, right-most value)."""
    if request.url.scheme == "https":
        return True
    peer = request.client.host if request.client else None
    proto = request.headers.get("x-forwarded-proto", "").split(",")[-1].strip().lower()
    return proto == "https" and is_trusted(peer, _trusted(request))
