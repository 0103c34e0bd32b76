"""The address of the client of a request, believing proxy headers only from trusted proxies.

uvicorn would take ``X-Forwarded-For`` from any loopback peer, so one client behind a local
proxy could name a new address per request and never meet the public rate limit. The gateway
runs uvicorn with ``proxy_headers=False`` and decides here: the peer's address, unless the
peer is one of ``trusted_proxies`` (addresses or networks, comma-separated); then the
right-most address of ``X-Forwarded-For`` that is not itself a trusted proxy.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from fastapi import Request

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=16)
def trusted_networks(setting: str | None) -> tuple[Network, ...]:
    """The networks of the ``trusted_proxies`` setting (a bare address is a /32 or /128)."""
    if not setting:
        return ()
    return tuple(
        ipaddress.ip_network(part.strip(), strict=False)
        for part in setting.split(",")
        if part.strip()
    )


def _trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(request: Request) -> str:
    """The client's address as the rate limits and the failed-key throttle count it."""
    peer = request.client.host if request.client else "unknown"
    networks = trusted_networks(request.app.state.settings.trusted_proxies)
    if not networks or not _trusted(peer, networks):
        return peer
    forwarded = ",".join(request.headers.getlist("x-forwarded-for"))
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, networks):
            return hop
    return hops[0] if hops else peer


def in_networks(address: str, setting: str | None) -> bool:
    """Whether ``address`` lies in one of the networks of a setting (``10.0.0.0/8,::1``)."""
    networks = trusted_networks(setting)
    return bool(networks) and _trusted(address, networks)
