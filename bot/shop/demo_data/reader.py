"""A walker over hand-edited YAML that turns values into settings and problems into lines.

`demo.yml` is edited by hand, so the loader (`bot.shop.demo_data.load`) lists every problem
at once with the line to fix rather than stopping at the first: `Reader` converts each value
with a converter (`bot.shop.demo_data.values`), and what fails, is missing or is not a known
setting (`KEYS`) becomes a `PackProblem` with its file and line; `read_document` parses the
file, keeping the lines, or refuses one that is not YAML or not a mapping.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import InvalidOperation
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from bot.pack.load import PackProblem, YamlReader, read_mapping

KEYS = {
    "top": {
        "seed",
        "customers",
        "walkthrough",
        "order_numbers",
        "single_quantity_over",
        "complements",
        "carriers",
        "delivery",
        "countries",
    },
    "walkthrough": {"name", "email", "address", "customer_for_days", "seed", "orders"},
    "walkthrough order": {"number", "status", "days_ago", "categories"},
    "order_numbers": {"first", "step"},
    "delivery": {"dispatch_hours", "transit_days", "estimate_days"},
    "carrier": {"name", "tracking"},
    "country": {
        "name",
        "share",
        "first_names",
        "last_names",
        "email_domains",
        "address",
        "house_numbers",
        "streets",
        "places",
    },
    "place": {"city", "district", "region", "postcode", "streets", "share"},
}


class Reader(YamlReader):
    """demo.yml's reader: the pack's, plus mappings of known keys and lists of items."""

    def mapping(self, node: Any, key: str, what: str) -> CommentedMap | None:
        """`node[key]` when it is a mapping of known keys (unknown ones are problems)."""
        value = node.get(key) if isinstance(node, CommentedMap) else None
        if not isinstance(value, CommentedMap):
            self.problem(node, key, f"`{key}` must be a mapping of settings")
            return None
        self.known(value, what)
        return value

    def known(self, node: CommentedMap, what: str) -> None:
        for key in node:
            if key not in KEYS[what]:
                allowed = ", ".join(sorted(KEYS[what]))
                self.problem(node, key, f"`{key}` is not a {what} setting ({allowed})")

    def items(self, node: Any, key: str, convert: Callable[[Any], Any], default: Any = ...) -> list:
        """Every item of the list `node[key]`, converted; each failure is a problem on its own
        line. A missing list (with no default) or an empty one is a problem."""
        value = node.get(key) if isinstance(node, CommentedMap) else None
        if value is None and default is not ...:
            return default
        if not isinstance(value, CommentedSeq) or not value:
            self.problem(node, key, f"`{key}` must be a list of at least one item")
            return []
        converted = []
        for i, item in enumerate(value):
            try:
                converted.append(convert(item))
            except (TypeError, ValueError, InvalidOperation) as exc:
                self.problems.append(PackProblem(self.path, self.line(value, i), f"`{key}`: {exc}"))
        return converted


def read_document(path: Path) -> CommentedMap:
    return read_mapping(path, "no demo.yml: this pack has no demo shop")
