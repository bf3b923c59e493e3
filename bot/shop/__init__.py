"""The shop itself: customers' orders, returns, product recommendations and the demo data.

- `orders`: verified order lookup (number + email) and what the customer is told about it.
- `returns`: which items can go back, and return authorisations (RMA numbers).
- `recommend`: recommendations, comparisons and product facts over the catalogue index.
- `demo_data`: deterministic demo customers and orders, from a demo pack's demo.yml.
"""

from bot.shop.orders import (
    LineItem,
    LookupOutcome,
    OrderLookup,
    OrderService,
    OrderStatus,
    OrderView,
)
from bot.shop.returns import ReturnAuthorisation, ReturnRefused, ReturnService

__all__ = [
    "LineItem",
    "LookupOutcome",
    "OrderLookup",
    "OrderService",
    "OrderStatus",
    "OrderView",
    "ReturnAuthorisation",
    "ReturnRefused",
    "ReturnService",
]
