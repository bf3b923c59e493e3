"""Screenshots of the admin workbench for the README, taken from a real conversation log.

    make eval-journeys   # plays the journey set; its database is printed (csbot-journeys-*)
    python scripts/workbench_screenshots.py sqlite:////tmp/csbot-journeys-XXXX/shop.db

Starts the web app alone on that database (the review pages need no Rasa), gives the admin
`sam` a fresh password, and saves the review list, a conversation's timeline and the
analytics page as PNGs under docs/.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CSBOT_CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _admin_password(env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "bot.runtime.cli", "agents", "passwd", "sam", "--generate"],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    return re.search(r"shown this once\): (\S+)", done.stdout).group(1)


def _wait(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"the web app did not answer at {url}")


def shoot(base: str, password: str, out: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(base + "/console/login")
        page.fill("#username", "sam")
        page.fill("#password", password)
        page.click("#login")
        page.wait_for_selector("text=Open tickets")
        page.goto(base + "/console/admin/conversations?outcome=handed_off")
        page.screenshot(path=out / "workbench-review-list.png")
        page.locator("table a[href*='/console/admin/conversations/']").first.click()
        page.wait_for_load_state()
        page.screenshot(path=out / "workbench-timeline.png")
        page.goto(base + "/console/admin/analytics")
        page.screenshot(path=out / "workbench-analytics.png")
        browser.close()


def main(database_url: str) -> None:
    port = _free_port()
    env = {**os.environ, "CSBOT_DATABASE_URL": database_url, "CSBOT_RASA_URL": "http://127.0.0.1:9"}
    password = _admin_password(env)
    server = subprocess.Popen(
        [sys.executable, "-m", "bot.web", "--port", str(port)], cwd=ROOT, env=env
    )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait(base + "/console/login")
        out = ROOT / "docs"
        out.mkdir(exist_ok=True)
        shoot(base, password, out)
        print(f"Screenshots in {out}")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main(sys.argv[1])
