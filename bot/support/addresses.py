"""Which client an address stands for, for counting: an IPv4 address is one client, an IPv6
address counts as its /64 network. A host is routinely given a whole /64 and may pick a new
address in it for every request, so keyed by the full address, one client would have 2**64
budgets for messages, streams and login attempts."""

from __future__ import annotations

import ipaddress


def client_key(address: str | None) -> str:
    """The key under which `address` is counted ("unknown" when there is none)."""
    if not address:
        return "unknown"
    try:
        parsed = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id
    except ValueError:
        return address[:64]  # not an IP address (a Unix socket): counted as it is
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{parsed}/64", strict=False))
    return str(parsed)
