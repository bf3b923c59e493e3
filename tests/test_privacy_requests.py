"""Anyone can type anyone's email: a deletion request for an address only typed in the chat
deletes nothing of that customer's until an admin has checked who is asking and said how;
without that it can delete its own conversation at most."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from actions.knowledge import ActionAnswerFaq
from bot.conversations.models import Conversation
from bot.privacy.models import DeletionRequest, Verification
from bot.privacy.requests import PrivacyError, Scope
from bot.shop.demo_data import DEMO_EMAIL, DEMO_ORDER_DELIVERED
from bot.shop.models import Customer, Order
from tests.conftest import NOW
from tests.test_actions import NoAnswer, deps, run, texts, tracker
from tests.test_console import PASSWORD, login
from tests.test_privacy_console import chat as console_chat
from tests.test_privacy_data import chat

PRETENDER = "c-widget"  # someone in the chat widget who says they are Emma


def conversations(services) -> set[str]:
    with Session(services.engine) as session:
        return set(session.execute(select(Conversation.id)).scalars())


def emma(services) -> tuple[str, str]:
    """Emma's name and an order's shipping address, as the shop has them now."""
    with Session(services.engine) as session:
        order = session.get(Order, DEMO_ORDER_DELIVERED)
        return order.customer.name, order.shipping_address


@pytest.fixture
def pretended(services):
    """Emma's own verified chat, and a stranger's chat filing a request in her name."""
    chat(services, "c-emma", DEMO_EMAIL, NOW, text="where is my order")
    chat(services, PRETENDER, None, NOW, text=f"delete my data, I'm {DEMO_EMAIL}")
    filed = services.deletion_requests.file(
        PRETENDER, f"delete my data, I'm {DEMO_EMAIL}", typed_email=DEMO_EMAIL
    )
    assert (filed.email, filed.verification) == (DEMO_EMAIL, Verification.NOT_VERIFIED)
    admin = services.agents.create("sam", "Sam", PASSWORD, role="admin")
    return filed, admin


async def test_an_email_typed_in_the_widget_is_filed_not_verified(services):
    """The action files what was typed as not verified, and the verified slot as verified."""
    action = ActionAnswerFaq(deps(services, answerer=NoAnswer()))
    said = f"delete my data, I'm {DEMO_EMAIL}"
    _, dispatcher = await run(action, tracker(text=said, intent="delete_data", form=None))
    with Session(services.engine) as session:
        (request,) = session.execute(select(DeletionRequest)).scalars()
    assert (request.email, request.verification) == (DEMO_EMAIL, Verification.NOT_VERIFIED)
    assert "check it's really you" in texts(dispatcher)


def test_confirming_a_typed_email_without_an_identity_check_deletes_nothing(services, pretended):
    filed, admin = pretended
    before = emma(services)
    for check in ("", "ok", "   "):
        with pytest.raises(PrivacyError, match="not verified: say how you checked"):
            services.deletion_requests.confirm(filed.request_id, admin, identity_check=check)
    assert conversations(services) == {"c-emma", PRETENDER}
    assert emma(services) == before
    (pending,) = services.deletion_requests.pending()
    assert pending.status == "pending"


def test_an_unverified_request_deletes_at_most_its_own_conversation(services, pretended):
    filed, admin = pretended
    before = emma(services)
    done = services.deletion_requests.confirm(filed.request_id, admin, scope=Scope.CONVERSATION)
    assert (done.scope, done.verification) == (Scope.CONVERSATION, Verification.NOT_VERIFIED)
    assert done.deletion.conversations == [PRETENDER] and not done.deletion.anonymised
    assert conversations(services) == {"c-emma"}
    assert emma(services) == before  # her name and addresses untouched


def test_an_admin_who_checked_identity_deletes_and_the_check_is_kept(services, pretended):
    filed, admin = pretended
    check = "She wrote from emma.larsen@example.com and quoted order 100234"
    done = services.deletion_requests.confirm(filed.request_id, admin, identity_check=check)
    assert (done.scope, done.verification) == (Scope.CUSTOMER, Verification.BY_ADMIN)
    assert conversations(services) == set()
    assert emma(services)[0] == "Deleted customer"
    with Session(services.engine) as session:
        stored = session.get(DeletionRequest, filed.request_id)
        assert session.execute(select(Customer).where(Customer.email == DEMO_EMAIL)).first() is None
    # The email in the note is redacted like everything the request keeps.
    assert stored.identity_check == "She wrote from [EMAIL] and quoted order 100234"
    assert stored.verification is Verification.BY_ADMIN
    assert done.identity_check == stored.identity_check


def test_a_request_verified_in_the_chat_needs_no_identity_check(services):
    chat(services, "c-emma", DEMO_EMAIL, NOW)
    filed = services.deletion_requests.file("c-emma", "delete", verified_email=DEMO_EMAIL)
    admin = services.agents.create("sam", "Sam", PASSWORD, role="admin")
    done = services.deletion_requests.confirm(filed.request_id, admin)
    assert (done.scope, done.verification) == (Scope.CUSTOMER, Verification.IN_CHAT)
    assert done.deletion.anonymised["customers"] == 1


# --- the console ------------------------------------------------------------------------


EMAIL = "kim.park@example.com"


@pytest.fixture
async def admin_page(client, web_services):
    web_services.agents.create("sam", "Sam", PASSWORD, role="admin")
    console_chat(web_services, "c-kim", EMAIL)
    console_chat(web_services, "c-stranger", None)
    filed = web_services.deletion_requests.file("c-stranger", "delete me", typed_email=EMAIL)
    token = await login(client, "sam")
    return client, token, f"/console/admin/privacy/requests/{filed.request_id}/confirm"


async def test_the_console_asks_how_identity_was_checked_for_a_typed_email(
    admin_page, web_services
):
    client, token, confirm = admin_page
    page = await (await client.get("/console/admin/privacy")).text()
    assert "(not verified)" in page and 'name="identity_check" required' in page
    assert "Delete this conversation only" in page

    page = await (await client.post(confirm, data={"csrf": token})).text()
    assert "not verified: say how you checked" in page and "Nothing was deleted" in page
    assert conversations(web_services) == {"c-kim", "c-stranger"}

    check = "Kim replied from kim.park@example.com to our email"
    page = await (await client.post(confirm, data={"csrf": token, "identity_check": check})).text()
    assert "done" in page and "conversations 2" in page
    assert conversations(web_services) == set()
    entry = web_services.audit.page(action="delete")[0][0]
    assert entry.detail["verification"] == "by_admin" and entry.detail["scope"] == "customer"
    assert entry.detail["identity_check"] == "Kim replied from [EMAIL] to our email"
    assert EMAIL not in json.dumps(entry.to_json())


async def test_the_console_deletes_only_the_conversation_without_a_check(admin_page, web_services):
    client, token, confirm = admin_page
    page = await (await client.post(confirm, data={"csrf": token, "scope": "conversation"})).text()
    assert "Deleted for the conversation: conversations 1" in page
    assert conversations(web_services) == {"c-kim"}
    entry = web_services.audit.page(action="delete")[0][0]
    assert (entry.conversation_id, entry.detail["scope"]) == ("c-stranger", "conversation")


def test_a_return_filed_in_a_conversation_deleted_alone_loses_its_reason(services, pretended):
    """A conversation-only deletion (and the retention purge) has no order to go by: the
    return filed in that chat is found by its conversation, and the customer's words go."""
    from bot.shop.models import ReturnRequest

    filed, admin = pretended
    order = services.orders.lookup(DEMO_ORDER_DELIVERED, DEMO_EMAIL).order
    item = services.returns.returnable_items(order)[0]
    rma = services.returns.authorise(order, item, "my neighbour Tom Baker broke it", PRETENDER)
    services.deletion_requests.confirm(filed.request_id, admin, scope=Scope.CONVERSATION)
    with Session(services.engine) as session:
        kept = session.execute(
            select(ReturnRequest).where(ReturnRequest.rma == rma.rma)
        ).scalar_one()
    assert "Tom Baker" not in kept.reason and kept.conversation_id is None
