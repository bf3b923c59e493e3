"""Agent console: login, roles, CSRF, the queue, taking/replying/resolving a ticket."""

from __future__ import annotations

import re

import pytest

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
        "conv-7", "customer_request", [("customer", "charged twice!")]
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
    assert joined["append"] == "conv-7" and joined["events"][0] == {"event": "pause"}
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
    assert rasa.received[-2] == {"execute": "conv-7", "name": "action_ask_rating"}
    assert rasa.received[-1]["events"] == [{"event": "action", "name": "action_listen"}]
    stored = web_services.tickets.latest("conv-7")
    assert stored.status == "resolved" and stored.first_response_at is not None


async def test_agent_corrects_category_and_priority(client, people, ticket, web_services):
    token = await login(client, "alex")
    await client.post(
        f"/console/tickets/{ticket}/correct",
        data={"csrf": token, "category": "billing", "priority": "urgent"},
    )
    stored = web_services.tickets.latest("conv-7")
    assert (stored.priority, stored.predicted_priority) == ("urgent", "high")


async def test_agent_sees_only_tickets_of_their_queues(client, people, web_services):
    other = web_services.escalation.open(
        "conv-8", "customer_request", [("customer", "where is my parcel")]
    )
    await login(client, "alex")
    assert (await client.get(f"/console/tickets/{other.ticket_id}")).status == 404
