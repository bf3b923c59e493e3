"""Drive a running csbot (`make run`) with scripted customers and an agent, so the log,
the console and `csbot report` have real conversations to show.

    python scripts/demo_traffic.py [--url http://127.0.0.1:8000] [--agent alex]

The agent's password comes from CSBOT_AGENT_PASSWORD, else it is asked for: never on the
command line, where every user of the machine sees it in `ps`.

Customers chat through the web app's API; the agent works escalated tickets through the
console (login, take, reply, resolve) exactly as a person would; customers then rate.
"""

from __future__ import annotations

import argparse
import getpass
import os
import random
import re
import time

import requests

CUSTOMERS = [
    ["hi", "where is my order 100234?", "emma.larsen@example.com", "thanks!"],
    ["can I return an opened blender?", "thank you"],
    [
        "recommend a quiet dishwasher under 600 dollars",
        "compare Sony WH-1000XM5 and Bose QuietComfort Ultra Headphones",
    ],
    ["how much is express shipping?", "that didn't help", "no thanks"],
    ["do you price match?", "bye"],
    ["I was charged twice for my order, two payments on my card", "I want to talk to a person"],
    ["my dishwasher arrived with a dent in the door", "no", "can I speak to someone please"],
    ["qwzx plorb", "fnord blarg zzyzx"],
    ["THIS IS RIDICULOUS, third time I ask where my refund is!!!"],
    ["is the Smeg KLF03 kettle in stock?", "gift for a coffee lover"],
    ["how do I descale my coffee machine", "thanks"],
    ["I can't log in to my account", "reset password"],
]


class Customer:
    """One browser: the web app keeps its conversation in a cookie."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.http = requests.Session()

    def say(self, text: str) -> list[dict]:
        return self._send({"message": text})

    def click(self, payload: str) -> list[dict]:
        return self._send({"payload": payload})

    def _send(self, body: dict) -> list[dict]:
        response = self.http.post(f"{self.base}/api/messages", json=body, timeout=120)
        response.raise_for_status()
        return response.json()["messages"]

    def updates(self) -> list[dict]:
        response = self.http.get(f"{self.base}/api/updates", params={"after": 0}, timeout=30)
        return response.json()["messages"]


class Agent:
    def __init__(self, base: str, username: str, password: str) -> None:
        self.base = base
        self.http = requests.Session()
        page = self.http.get(f"{base}/console/login").text
        self.http.post(
            f"{base}/console/login",
            data={"username": username, "password": password, "csrf": self._csrf(page)},
        )
        self.csrf = self._csrf(self.http.get(f"{base}/console").text)

    @staticmethod
    def _csrf(page: str) -> str:
        return re.search(r'name="csrf" value="([^"]+)"', page).group(1)

    def open_tickets(self) -> list[int]:
        page = self.http.get(f"{self.base}/console").text
        return [int(n) for n in re.findall(r'href="/console/tickets/(\d+)"', page)]

    def work(self, ticket: int) -> None:
        self.http.post(f"{self.base}/console/tickets/{ticket}/take", data={"csrf": self.csrf})
        time.sleep(random.uniform(1, 3))
        text = "Hi, I'm sorry about this - I've checked and sorted it out for you."
        self.http.post(
            f"{self.base}/console/api/tickets/{ticket}/reply",
            json={"text": text},
            headers={"X-CSRF-Token": self.csrf},
        )
        time.sleep(random.uniform(1, 2))
        self.http.post(f"{self.base}/console/tickets/{ticket}/resolve", data={"csrf": self.csrf})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--agent", default="alex")
    args = parser.parse_args()
    # The agent's password (printed by `csbot run`; `csbot agents passwd` sets one).
    password = os.environ.get("CSBOT_AGENT_PASSWORD") or getpass.getpass(
        f"Password of {args.agent}: "
    )
    agent = Agent(args.url, args.agent, password)  # logged in: the agent is online
    customers = []
    for script in CUSTOMERS:
        customer = Customer(args.url)
        for line in script:
            customer.say(line)
        customers.append(customer)
    tickets = agent.open_tickets()
    for ticket in tickets:
        agent.work(ticket)
    time.sleep(3)
    for customer in customers:  # rate where the bot asked for it, with its buttons
        for message in customer.updates():
            if "How would you rate" in message["text"] and message.get("buttons"):
                rating = str(random.choice([4, 5, 5, 3]))
                button = next(b for b in message["buttons"] if b["title"] == rating)
                customer.click(button["payload"])
    print(f"{len(customers)} conversations, {len(tickets)} tickets worked by {args.agent}.")


if __name__ == "__main__":
    main()
