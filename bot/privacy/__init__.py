"""Customers' personal data: kept out of what csbot stores, exported and deleted on request.

- `redact`: card numbers and their expiry dates and security codes, IBANs, phone numbers,
  passwords and PINs, and emails replaced by labels before the log, tickets, classifier data
  and unanswered questions store a text; `redact_at_edge`: cards, IBANs and passwords out of
  what customers type before it reaches Rasa.
- `holdings`: the one list of what holds customer data, tables and files, and what erasing
  each means; `customer_data` (rows) and `customer_files` (lines of files written from
  customer text) export, delete (orders and returns anonymised) and purge by it.
- `requests`: deletion requests the bot files and an admin confirms or rejects; what a
  confirmation may delete depends on how the asker's email was verified.
"""

from bot.privacy.customer_data import Deletion, Purge, delete_customer, export_customer, purge
from bot.privacy.customer_files import Files
from bot.privacy.models import Verification
from bot.privacy.redact import Redactor, redact, redact_at_edge, redact_event
from bot.privacy.requests import Confirmed, DeletionRequests, Filed, PrivacyError, Scope

__all__ = [
    "Confirmed",
    "Deletion",
    "DeletionRequests",
    "Filed",
    "Files",
    "PrivacyError",
    "Purge",
    "Redactor",
    "Scope",
    "Verification",
    "delete_customer",
    "export_customer",
    "purge",
    "redact",
    "redact_at_edge",
    "redact_event",
]
