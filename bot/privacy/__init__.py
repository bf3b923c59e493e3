"""Customers' personal data: kept out of what csbot stores, exported and deleted on request.

- `redact`: card numbers and their expiry dates and security codes, IBANs, phone numbers,
  passwords and PINs, and emails replaced by labels before the log, tickets, classifier data
  and unanswered questions store a text; `redact_at_edge`: cards, IBANs and passwords out of
  what customers type before it reaches Rasa.
- `customer_data`: one customer's rows in every table (and Rasa's tracker store): export,
  delete (orders and returns anonymised), and the retention purge.
- `requests`: deletion requests the bot files and an admin confirms or rejects.
"""

from bot.privacy.customer_data import Deletion, Purge, delete_customer, export_customer, purge
from bot.privacy.redact import Redactor, redact, redact_at_edge, redact_event
from bot.privacy.requests import DeletionRequests, Filed, PrivacyError

__all__ = [
    "Deletion",
    "DeletionRequests",
    "Filed",
    "PrivacyError",
    "Purge",
    "Redactor",
    "delete_customer",
    "export_customer",
    "purge",
    "redact",
    "redact_at_edge",
    "redact_event",
]
