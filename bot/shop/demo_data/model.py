"""What a pack's `demo.yml` says about its demo shop, as typed values (loaded by `load`).

Everything the generator needs that differs from one shop to another is here: who the
customers are and where they live, which carriers bring their parcels, what is bought
together, how orders are numbered, and the walkthrough customer whose orders the README and
the tests quote. How a demo shop behaves in general (how many orders a customer has, how old
they are, how often one is cancelled) is the generator's own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from bot.pack.model import OrderNumbers
from bot.shop.demo_data.formats import Format
from bot.shop.orders import OrderStatus

IN_TRANSIT = (OrderStatus.SHIPPED, OrderStatus.OUT_FOR_DELIVERY)


@dataclass(frozen=True)
class WalkthroughOrder:
    """One of the walkthrough customer's fixed orders: one product of each category, the
    first the catalogue lists."""

    number: int
    status: OrderStatus
    days_ago: int
    categories: tuple[str, ...]


@dataclass(frozen=True)
class Walkthrough:
    """The customer the README and the tests follow, with orders that are always there."""

    name: str
    email: str
    address: str
    customer_for_days: int
    seed: int  # the walkthrough orders' own random numbers (dispatch times, tracking)
    orders: tuple[WalkthroughOrder, ...]

    def number(self, *statuses: OrderStatus) -> int:
        """The number of the first walkthrough order in one of `statuses`."""
        return next(o.number for o in self.orders if o.status in statuses)

    @property
    def in_transit(self) -> int:
        return self.number(*IN_TRANSIT)

    @property
    def delivered(self) -> int:
        return self.number(OrderStatus.DELIVERED)

    @property
    def processing(self) -> int:
        return self.number(OrderStatus.PROCESSING)


@dataclass(frozen=True)
class Carrier:
    name: str
    tracking: Format  # what its tracking numbers look like


@dataclass(frozen=True)
class Place:
    """Where customers live: a town or a part of one, with its streets and postcode."""

    city: str
    postcode: Format
    streets: tuple[str, ...]
    district: str = ""
    region: str = ""  # a state, county or province, where the country's addresses name one
    share: int = 1  # how many times as likely as a place of share 1 (in its country)


@dataclass(frozen=True)
class Country:
    """Customers of one country: their names, email providers and addresses."""

    name: str
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    email_domains: tuple[str, ...]
    address: str  # "{number} {street}, {city}, {region} {postcode}"
    house_numbers: tuple[int, int]
    places: tuple[Place, ...]
    share: int = 1  # how many times as likely as a country of share 1


@dataclass(frozen=True)
class Delivery:
    """How long parcels take, in whole hours or days drawn from each range."""

    dispatch_hours: tuple[int, int]  # from the order to the parcel leaving
    transit_days: tuple[int, int]  # from leaving to the estimated delivery
    estimate_days: tuple[int, int]  # an unshipped order's estimate, from the order


@dataclass(frozen=True)
class DemoSettings:
    """One pack's demo shop (`shops/<slug>/demo.yml`)."""

    path: Path
    seed: int
    customers: int  # the walkthrough customer included
    walkthrough: Walkthrough
    first_number: int  # the first generated order's number
    number_step: tuple[int, int]  # each next order's number is this much higher
    order_numbers: OrderNumbers  # the pack's own (shop.yml), which every number must fit
    single_over: Decimal  # items priced above this are always bought one at a time
    complements: Mapping[str, tuple[str, ...]]  # what is bought with a category's products
    carriers: tuple[Carrier, ...]
    countries: tuple[Country, ...]
    delivery: Delivery
