"""Agent console: login, roles, CSRF, the queue, taking/replying/resolving a ticket."""

from __future__ import annotations

import html
import re

import pytest

from tests.conftest import conversation_of

PASSWORD = "correct horse battery"


@pytest.fixture
def people(web_services):
    services = web_services
    alex = services.agents.create("alex", "Alex", PASSWORD, skills=["billing"])
    sam = services.agents.create("sam", "Sam", PASSWORD, role="admin")
    return alex, sam


@pytest.fixture
def ticket(web_services):
    """A billing ticket, high priority (the keyword classifier of conftest)."""
    opened = web_services.escalation.open(
        "visitor-0007", "customer_request", [("customer", "charged twice!")]
    )
    return opened.ticket_id


async def csrf_of(client, path="/console/login") -> str:
    page = await (await client.get(path)).text()
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


async def login(client, username="alex"):
    token = await csrf_of(client)
    response = await client.post(
        "/console/login",
        data={"username": username, "password": PASSWORD, "csrf": token},
        allow_redirects=False,
    )
    assert response.status == 302
    return await csrf_of(client, "/console")


@pytest.mark.parametrize(
    "path",
    ["/console", "/console/tickets/1", "/console/admin/metrics", "/console/admin/conversations"],
)
async def test_no_console_page_without_login(client, path):
    response = await client.get(path, allow_redirects=False)
    assert response.status == 302 and response.headers["Location"].startswith("/console/login")


async def test_wrong_password_is_refused(client, people):
    token = await csrf_of(client)
    response = await client.post(
        "/console/login", data={"username": "alex", "password": "nope", "csrf": token}
    )
    assert response.status == 401 and "Wrong username or password" in await response.text()


async def test_login_form_needs_the_csrf_token(client, people):
    await client.get("/console/login")
    response = await client.post("/console/login", data={"username": "alex", "password": PASSWORD})
    assert response.status == 403


async def test_agent_cannot_open_admin_pages_but_admin_can(client, people):
    await login(client, "alex")
    assert (await client.get("/console/admin/metrics")).status == 403
    assert (await client.get("/console/admin/conversations")).status == 403
    await client.post("/console/logout", data={"csrf": await csrf_of(client, "/console")})
    await login(client, "sam")
    page = await (await client.get("/console/admin/metrics")).text()
    assert "Containment rate" in page
    plot = await client.get("/console/admin/metrics.png")
    assert plot.content_type == "image/png" and len(await plot.read()) > 1000


async def test_take_reply_and_resolve_a_ticket(client, rasa, people, ticket, web_services):
    token = await login(client, "alex")
    assert f"#{ticket}" in await (await client.get("/console")).text()

    reply = {"text": "Hi, I'm looking into it"}
    early = await client.post(
        f"/console/api/tickets/{ticket}/reply", json=reply, headers={"X-CSRF-Token": token}
    )
    assert early.status == 409  # must take the ticket first

    await client.post(f"/console/tickets/{ticket}/take", data={"csrf": token})
    joined = rasa.received[-1]
    assert joined["append"] == "visitor-0007" and joined["events"][0] == {"event": "pause"}
    assert "Alex from the Kettle & Volt team has joined" in joined["events"][1]["text"]

    without_token = await client.post(f"/console/api/tickets/{ticket}/reply", json=reply)
    assert without_token.status == 403
    sent = await client.post(
        f"/console/api/tickets/{ticket}/reply", json=reply, headers={"X-CSRF-Token": token}
    )
    assert sent.status == 200
    assert rasa.received[-1]["events"][0]["metadata"]["agent_name"] == "Alex"

    await client.post(f"/console/tickets/{ticket}/resolve", data={"csrf": token})
    assert rasa.received[-3]["events"][-1] == {"event": "resume"}
    assert rasa.received[-2] == {"execute": "visitor-0007", "name": "action_ask_rating"}
    assert rasa.received[-1]["events"] == [{"event": "action", "name": "action_listen"}]
    stored = web_services.tickets.latest("visitor-0007")
    assert stored.status == "resolved" and stored.first_response_at is not None


async def test_agent_corrects_category_and_priority(client, people, ticket, web_services):
    token = await login(client, "alex")
    await client.post(
        f"/console/tickets/{ticket}/correct",
        data={"csrf": token, "category": "billing", "priority": "urgent"},
    )
    stored = web_services.tickets.latest("visitor-0007")
    assert (stored.priority, stored.predicted_priority) == ("urgent", "high")


async def test_agent_sees_only_tickets_of_their_queues(client, people, web_services):
    other = web_services.escalation.open(
        "conv-8", "customer_request", [("customer", "where is my parcel")]
    )
    await login(client, "alex")
    assert (await client.get(f"/console/tickets/{other.ticket_id}")).status == 404


async def test_reply_with_malformed_json_is_a_400(client, people, ticket):
    token = await login(client, "alex")
    await client.post(f"/console/tickets/{ticket}/take", data={"csrf": token})
    response = await client.post(
        f"/console/api/tickets/{ticket}/reply",
        data="{not json",
        headers={"X-CSRF-Token": token, "Content-Type": "application/json"},
    )
    assert response.status == 400 and "send JSON" in (await response.json())["error"]


@pytest.mark.parametrize("query", ["page=abc", "page=0", "page=99999999999999999999", "from=27-11"])
async def test_bad_admin_query_parameters_are_a_400(client, people, query):
    await login(client, "sam")
    for path in ("/console/admin/conversations", "/console/admin/conversations/visitor-0007"):
        if "from" in query and path.endswith("visitor-0007"):
            continue
        assert (await client.get(f"{path}?{query}")).status == 400


async def test_an_error_with_a_hash_reaches_the_page_whole(client, rasa, people, ticket):
    token = await login(client, "alex")
    await client.post(f"/console/tickets/{ticket}/take", data={"csrf": token})
    await client.post(f"/console/tickets/{ticket}/resolve", data={"csrf": token})
    again = await client.post(f"/console/tickets/{ticket}/resolve", data={"csrf": token})
    assert f"ticket #{ticket} is already resolved" in await again.text()


async def test_an_agent_cannot_take_or_resolve_anothers_ticket(
    client, rasa, people, ticket, web_services
):
    web_services.agents.create("jo", "Jo", PASSWORD, skills=["billing"])
    token = await login(client, "alex")
    await client.post(f"/console/tickets/{ticket}/take", data={"csrf": token})
    await client.post("/console/logout", data={"csrf": token})
    token = await login(client, "jo")
    page = await (await client.get(f"/console/tickets/{ticket}")).text()
    assert 'id="take"' not in page and 'id="resolve"' not in page
    told = len(rasa.received)
    taken = await client.post(f"/console/tickets/{ticket}/take", data={"csrf": token})
    assert f"Alex already took ticket #{ticket}" in await taken.text()
    resolved = await client.post(f"/console/tickets/{ticket}/resolve", data={"csrf": token})
    refusal = f"ticket #{ticket} is Alex's; ask an admin to reassign it"
    assert refusal in html.unescape(await resolved.text())
    assert len(rasa.received) == told  # the customer was told nothing
    assert web_services.tickets.latest("visitor-0007").agent_id == people[0].id


async def test_admin_reassigns_from_the_ticket_page(client, rasa, people, ticket, web_services):
    alex, sam = people
    token = await login(client, "sam")
    page = await (await client.get(f"/console/tickets/{ticket}")).text()
    assert 'id="reassign"' in page
    await client.post(
        f"/console/tickets/{ticket}/reassign", data={"csrf": token, "agent_id": str(alex.id)}
    )
    assert web_services.tickets.latest("visitor-0007").agent_id == alex.id


async def test_customer_writing_after_resolution_reopens_the_ticket(
    client, rasa, people, web_services
):
    customer = await conversation_of(client)  # the cookie's conversation, not a chosen id
    ticket = web_services.escalation.open(
        customer, "customer_request", [("customer", "charged twice!")]
    ).ticket_id
    token = await login(client, "alex")
    await client.post(f"/console/tickets/{ticket}/take", data={"csrf": token})
    await client.post(f"/console/tickets/{ticket}/resolve", data={"csrf": token})
    thanks = await client.post("/api/messages", json={"message": "thanks!"})
    assert "reopened" not in await thanks.text()
    sent = await client.post("/api/messages", json={"message": "it charged me again today"})
    first = (await sent.json())["messages"][0]["text"]
    assert first == f"I've reopened ticket #{ticket}; Alex is back with you in this chat."
    reopened = next(r for r in rasa.received if r.get("append") and len(r["events"]) == 2)
    assert reopened["events"][0] == {"event": "pause"}
    stored = web_services.tickets.latest(customer)
    assert (stored.status, stored.agent_id, stored.reopened) == ("assigned", people[0].id, 1)


async def test_a_ticket_is_reopened_only_when_rasa_can_be_told(client, rasa, people, web_services):
    """Rasa down: the message waits for the widget's resend, and the ticket stays resolved,
    so the resend reopens it and pauses the bot (not a reopened ticket with the bot talking)."""
    customer = await conversation_of(client)
    ticket = web_services.escalation.open(
        customer, "customer_request", [("customer", "charged twice!")]
    ).ticket_id
    token = await login(client, "alex")
    await client.post(f"/console/tickets/{ticket}/take", data={"csrf": token})
    await client.post(f"/console/tickets/{ticket}/resolve", data={"csrf": token})
    await rasa.close()
    sent = await client.post("/api/messages", json={"message": "it charged me again today"})
    assert sent.status == 503 and (await sent.json())["resend"] is True
    assert web_services.tickets.latest(customer).status == "resolved"
