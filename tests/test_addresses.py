"""Counting clients by address: one IPv6 host picks addresses from its /64 at will, so the
limits and the login throttle count the /64 (an IPv4 address, and one mapped into IPv6, is
one client)."""

from __future__ import annotations

import pytest

from bot.support.addresses import client_key
from bot.support.logins import address_key, pair_key


@pytest.mark.parametrize(
    "one, other",
    [
        ("2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:ffff"),
        ("2001:DB8:1:2::1", "2001:db8:1:2::abcd%eth0"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
    ],
)
def test_addresses_of_one_client_count_as_one(one, other):
    assert client_key(one) == client_key(other)
    assert address_key(one) == address_key(other)
    assert pair_key("sam", one) == pair_key("sam", other)


@pytest.mark.parametrize(
    "one, other",
    [("2001:db8:1:2::1", "2001:db8:1:3::1"), ("203.0.113.7", "203.0.113.8")],
)
def test_different_clients_count_apart(one, other):
    assert client_key(one) != client_key(other)


def test_no_address_and_non_ip_peers_are_counted_too():
    assert client_key(None) == client_key("") == "unknown"
    assert client_key("/run/csbot.sock") == "/run/csbot.sock"
