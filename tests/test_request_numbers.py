"""Every number a request carries (ids in paths, pages, filters, form fields, resume ids) is
ASCII digits within 63 bits: "²" (a digit to `isdigit`, not to `int`) and a number no
database column holds get a 400 or a 404 (or the form's own error), never a 500."""

from __future__ import annotations

import pytest
from yarl import URL

from bot.web.numbers import MAX_NUMBER, NotANumber, whole_number
from tests.conftest import conversation_of
from tests.test_console import PASSWORD, login

SUPERSCRIPT_TWO = "²"
HUGE = "99999999999999999999999"
BAD = pytest.mark.parametrize("bad", [SUPERSCRIPT_TWO, HUGE], ids=["superscript", "huge"])


@pytest.mark.parametrize(
    "raw", ["²", "٣", " 7", "7 ", "+7", "-7", "1_0", "0x10", "", "1.0", str(MAX_NUMBER + 1)]
)
def test_only_ascii_digits_within_63_bits_are_whole_numbers(raw):
    with pytest.raises(NotANumber):
        whole_number(raw)


def test_a_whole_number_up_to_the_largest_a_column_holds_is_read():
    assert whole_number("0") == 0 and whole_number("0042") == 42
    assert whole_number(str(MAX_NUMBER)) == MAX_NUMBER
    with pytest.raises(NotANumber):
        whole_number("5", lowest=6)


@pytest.fixture
def ticket(web_services) -> int:
    web_services.agents.create("alex", "Alex", PASSWORD, skills=["billing"])
    web_services.agents.create("sam", "Sam", PASSWORD, role="admin", skills=["billing"])
    return web_services.escalation.open(
        "visitor-0007", "customer_request", [("customer", "charged twice!")]
    ).ticket_id


@pytest.fixture
async def admin(client, ticket) -> str:
    """The test client logged in as Sam (admin, billing queue); returns the CSRF token."""
    return await login(client, "sam")


@BAD
@pytest.mark.parametrize("path", ["/api/updates", "/api/stream"])
async def test_the_widgets_resume_id_is_a_400(client, path, bad):
    await conversation_of(client)
    response = await client.get(path, params={"after": bad})
    assert response.status == 400 and "message id" in (await response.json())["error"]


@BAD
@pytest.mark.parametrize(
    "method, path",
    [
        ("GET", "/console/tickets/{}"),
        ("POST", "/console/tickets/{}/take"),
        ("POST", "/console/tickets/{}/resolve"),
        ("POST", "/console/tickets/{}/correct"),
        ("POST", "/console/tickets/{}/reassign"),
        ("POST", "/console/api/tickets/{}/reply"),
        ("GET", "/console/api/tickets/{}/messages"),
        ("GET", "/console/api/tickets/{}/stream"),
        ("POST", "/console/admin/privacy/requests/{}/confirm"),
        ("POST", "/console/admin/privacy/requests/{}/reject"),
    ],
)
async def test_an_id_in_the_path_that_no_row_can_have_is_a_404(client, admin, method, path, bad):
    response = await client.request(
        method, path.format(bad), headers={"X-CSRF-Token": admin}, allow_redirects=False
    )
    assert response.status == 404


@BAD
@pytest.mark.parametrize(
    "path, key",
    [
        ("/console/api/tickets/{ticket}/messages", "after"),
        ("/console/api/tickets/{ticket}/stream", "after"),
        ("/console/admin/conversations", "page"),
        ("/console/admin/conversations", "agent"),
        ("/console/admin/audit", "page"),
        ("/console/admin/audit.json", "page"),
        ("/console/admin/conversations/visitor-0007", "page"),
    ],
)
async def test_a_number_in_the_query_is_a_400(client, admin, ticket, path, key, bad):
    response = await client.get(path.format(ticket=ticket), params={key: bad})
    assert response.status == 400


@BAD
async def test_reassigning_to_no_agent_says_pick_an_agent(client, admin, ticket, bad):
    response = await client.post(
        f"/console/tickets/{ticket}/reassign",
        data={"agent_id": bad, "csrf": admin},
        allow_redirects=False,
    )
    assert response.status == 302
    assert URL(response.headers["Location"]).query["error"] == "pick an agent"


@BAD
async def test_teaching_from_no_message_says_pick_a_customer_message(client, admin, bad):
    response = await client.post(
        "/console/admin/conversations/visitor-0007/teach/intent",
        data={"message": bad, "intent": "greet", "csrf": admin},
        allow_redirects=False,
    )
    assert response.status == 302
    assert URL(response.headers["Location"]).query["error"] == "pick a customer message"


@BAD
async def test_a_cluster_size_that_is_no_number_says_reload(client, admin, bad):
    response = await client.post(
        "/console/admin/gaps/phrasings",
        data={"faq_id": "returns-window", "question": "can I return it?", "size": bad},
        headers={"X-CSRF-Token": admin},
        allow_redirects=False,
    )
    assert response.status == 302
    assert "cluster size is a whole number" in URL(response.headers["Location"]).query["error"]


async def test_a_normal_id_still_opens_the_ticket(client, admin, ticket):
    page = await client.get(f"/console/tickets/{ticket}")
    assert page.status == 200 and f"#{ticket}" in await page.text()
    assert (await client.get("/console/admin/conversations", params={"agent": "2"})).status == 200
