"""Customers' personal data: kept out of what csbot stores, exported and deleted on request.

- `redact`: card numbers and their expiry dates and security codes, IBANs, phone numbers,
  passwords and PINs, and emails replaced by labels before the log, tickets, classifier data
  and unanswered questions store a text; `redact_at_edge`: cards, IBANs and passwords out of
  what customers type before it reaches Rasa. Its finders: `recognizers` (Presidio),
  `phones`, `credentials`; `spans` merges what they find; `rasa_events` redacts what the
  customer wrote in a Rasa event (`redact_event`).
- `holdings`: the one list of what holds customer data, tables and files, and what erasing
  each means; `footprint` finds a customer's rows in those tables, `export`, `deletion` and
  `purge` export, delete (orders and returns anonymised) and purge by it, `taught` finds
  their words the workbench copied and `customer_files` their lines in files.
- `customer_data`: `CustomerData`, the service the console and the CLI call for all three.
- `requests`: deletion requests the bot files and an admin confirms or rejects; what a
  confirmation may delete depends on how the asker's email was verified.
"""

from bot.privacy.customer_data import CustomerData, CustomerExport, Deletion, Purge
from bot.privacy.customer_files import Files
from bot.privacy.models import Verification
from bot.privacy.rasa_events import redact_event
from bot.privacy.redact import Redactor, redact, redact_at_edge
from bot.privacy.requests import Confirmed, DeletionRequests, Filed, PrivacyError, Scope

__all__ = [
    "Confirmed",
    "CustomerData",
    "CustomerExport",
    "Deletion",
    "DeletionRequests",
    "Filed",
    "Files",
    "PrivacyError",
    "Purge",
    "Redactor",
    "Scope",
    "Verification",
    "redact",
    "redact_at_edge",
    "redact_event",
]
