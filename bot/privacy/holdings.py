"""What holds customer data: the one list that export, deletion and the retention purge read.

Every table of the database is either here, with how its rows are found from a customer and
what erasing them means, or in `NOT_CUSTOMER_DATA` with the reason it holds none; every
module that writes is either the writer of a `FileHolding` (a file that copies customer
text) or in `OTHER_WRITERS` with the reason it keeps none. `tests/test_privacy_holdings.py`
fails when a table or a file writer is added without a line here, so a new copy of what
customers write cannot be missed by "export my data" and "delete my data".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from sqlalchemy import String, Table, cast, literal

DELETED_NAME = "Deleted customer"
DELETED_ADDRESS = "(deleted at the customer's request)"
DELETED_REASON = "(deleted at the customer's request)"
DELETED_TEXT = "(deleted at the customer's request)"


class Key(Enum):
    """What a column holds that ties its row to a customer."""

    CUSTOMER = "customer"  # the shop's customers.id
    ORDER = "order"  # one of their orders' numbers
    CONVERSATION = "conversation"  # one of their conversations (Rasa's sender id)
    TICKET = "ticket"  # a ticket of one of those conversations
    EMAIL = "email"  # their email address


class Erase(Enum):
    """What deleting a customer's data does to a row of theirs."""

    DELETE = "delete"
    ANONYMISE = "anonymise"  # a business record kept (invoices, warranty): personal columns go
    REDACT = "redact"  # a record of staff actions kept: the customer's words in it go
    KEEP = "keep"  # kept on purpose, see `why`


@dataclass(frozen=True)
class TableHolding:
    """A table with customer data: rows whose `column` holds one of the customer's `Key`s
    (any of `links`) are theirs."""

    table: str
    links: tuple[tuple[Key, str], ...]
    erase: Erase
    why: str
    name: str = ""  # its name in exports and counts, when not the table's
    rasa: bool = False  # Rasa's own table: there only when its tracker store shares the database
    ages_out: str | None = None  # a date column: rows older than the retention are purged too
    anonymise: Callable[[Table], dict[str, Any]] | None = None  # ANONYMISE: the new values

    @property
    def key(self) -> str:
        return self.name or self.table


def _customer(table: Table) -> dict[str, Any]:
    email = literal("deleted-") + cast(table.c.id, String) + literal("@invalid")
    return {"name": DELETED_NAME, "email": email}


CONVERSATION_ID = ((Key.CONVERSATION, "conversation_id"),)

# In export order, parents first; deletion goes backwards (children before parents).
TABLES: tuple[TableHolding, ...] = (
    TableHolding(
        "customers", ((Key.CUSTOMER, "id"),), Erase.ANONYMISE,
        "the shop's record: name and email", anonymise=_customer,
    ),
    TableHolding(
        "orders", ((Key.ORDER, "id"),), Erase.ANONYMISE,
        "invoices are kept as the law requires: the shipping address goes",
        anonymise=lambda t: {"shipping_address": DELETED_ADDRESS},
    ),
    TableHolding(
        "order_items", ((Key.ORDER, "order_id"),), Erase.KEEP,
        "what was bought, at what price: invoice lines, nothing personal",
    ),
    TableHolding(
        "return_requests", ((Key.ORDER, "order_id"), (Key.CONVERSATION, "conversation_id")),
        Erase.ANONYMISE,
        "warranty records: the customer's reason and the chat it came from go",
        anonymise=lambda t: {"reason": DELETED_REASON, "conversation_id": None},
    ),
    TableHolding("conversations", ((Key.CONVERSATION, "id"),), Erase.DELETE, "the chats"),
    TableHolding("logged_events", CONVERSATION_ID, Erase.DELETE, "every event of the chats"),
    TableHolding("messages", CONVERSATION_ID, Erase.DELETE, "what was said"),
    TableHolding("dead_letters", CONVERSATION_ID, Erase.DELETE, "events the log could not store"),
    TableHolding("conversation_tags", CONVERSATION_ID, Erase.DELETE, "reviewers' labels"),
    TableHolding("tickets", CONVERSATION_ID, Erase.DELETE, "handoffs: summary and topic"),
    TableHolding("ticket_events", ((Key.TICKET, "ticket_id"),), Erase.DELETE, "their timeline"),
    TableHolding(
        "csat_ratings", (*CONVERSATION_ID, (Key.TICKET, "ticket_id")), Erase.DELETE, "ratings"
    ),
    TableHolding(
        "unanswered_questions", CONVERSATION_ID, Erase.DELETE,
        "questions the FAQ could not answer", ages_out="created_at",
    ),
    TableHolding(
        "deletion_requests", ((Key.EMAIL, "email"), *CONVERSATION_ID), Erase.KEEP,
        "the record of the erasure: what was asked and what was deleted",
    ),
    TableHolding(
        "audit_log", CONVERSATION_ID, Erase.REDACT,
        "who did what stays; the customer's words a teach entry copied go (see customer_files)",
    ),
    TableHolding(
        "events", ((Key.CONVERSATION, "sender_id"),), Erase.DELETE,
        "Rasa's tracker store: the raw events", name="tracker_events", rasa=True,
    ),
)  # fmt: skip

NOT_CUSTOMER_DATA: dict[str, str] = {
    "agents": "staff accounts: the shop's agents and admins, not customers",
    "console_sessions": "staff browser sessions: a token digest and the agent's address",
    "login_throttle": "failed console logins, keyed by staff username or client address",
    "log_cursors": "how far the log has read Rasa's tracker store: a number",
    "webhook_deliveries": "platform delivery ids (Messenger's mid, Telegram's update_id) only",
}


@dataclass(frozen=True)
class FileHolding:
    """Files written from customer text: `pattern` under the folder `Files.<folder>`."""

    name: str
    folder: str  # nlu_dir | faq_dir | stories_dir | models_dir
    pattern: str
    writer: str  # the module that copies customer text into it
    what: str


FILES: tuple[FileHolding, ...] = (
    FileHolding(
        "nlu_examples", "nlu_dir", "*.yml", "bot.workbench.nlu_examples",
        "a customer message taught as an intent example (data/nlu, CSBOT_NLU_DIR)",
    ),
    FileHolding(
        "faq_phrasings", "faq_dir", "*.yml", "bot.workbench.faq_entries",
        "a customer question added to an FAQ entry, or made a new entry's question",
    ),
    FileHolding(
        "test_stories", "stories_dir", "*.yml", "bot.workbench.test_stories",
        "a conversation saved as a test story (tests/stories), named after it",
    ),
    FileHolding(
        "ticket_corrections", "models_dir", "tickets/corrections/*.csv",
        "bot.support.training_data",
        "the text of a ticket an agent re-labelled (corrections-<shop>.csv)",
    ),
    FileHolding(
        "nlu_snapshots", "models_dir", "*.nlu.json", "bot.runtime.training",
        "the intent examples a model was trained on, taught ones included",
    ),
)  # fmt: skip

# Modules that write, but no file csbot keeps with customer text in it (or only what a
# writer above hands them), with the reason.
OTHER_WRITERS: dict[str, str] = {
    "bot.csv_cells": "the CSV writer every CSV goes through",
    "bot.web.console.analytics": "CSV into an HTTP response (the admin's download), no file",
    "bot.web.console.review": "CSV into an HTTP response (the admin's download), no file",
    "bot.workbench.yaml_files": "the atomic writer the workbench writers above call",
    "bot.privacy.customer_files": "rewrites the files above without a customer's lines",
    "bot.runtime.private_files": "the 0600 writer others call (the corrections' is above)",
    "bot.workbench.retrain": "a temporary copy of data/nlu for one training run, then deleted",
    "bot.runtime.commands.privacy": "`csbot privacy export --out`: the export, where asked",
    "bot.runtime.tokens": "generated secrets",
    "bot.pack.imports.files": "the shop pack's catalogue and FAQ files, from the shop's export",
    "knowledge.answers": "the pack's thresholds.yml (`csbot tune`): numbers, no customer text",
    "bot.runtime.commands.tune": "`csbot tune`: the pack's thresholds.yml, numbers only",
    "bot.pack.imports.products": "CSV into a string for the pack's products.csv (no customer)",
    "bot.web.security": "the generated secret key",
    "bot.runtime.rasa_config": "endpoints.yml (Rasa's endpoints and passwords, no customer text)",
    "bot.runtime.stack": "the runner's notes about processes",
    "bot.runtime.model_choice": "which model file is active",
    "bot.nlu.intent_head": "model weights over sentence vectors (retrain after a deletion)",
    "bot.support.classifier": (
        "the trained ticket classifier; it learned from the corrections' words, so "
        "`csbot tickets retrain` after a deletion"
    ),
    "knowledge.index": "the FAQ index, rebuilt from the pack's faq/ (the console does on deletion)",
    "bot.pack.scaffold": "`csbot init`: a new shop pack from the template, no customer text",
    "knowledge.classifier": "model weights over sentence vectors, rebuilt with the index",
}
