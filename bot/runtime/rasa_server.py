"""`python -m bot.runtime.rasa_server run ...`: Rasa's own command line with `--auth-token`
added from CSBOT_RASA_TOKEN (or var/rasa.token), so the token protects Rasa's HTTP API
without showing in the process list, where every local user could read it, and with
csbot's fixes to Rasa's hot path installed (`bot.runtime.rasa_patches`)."""

from __future__ import annotations

import sys

from bot.runtime.settings import Settings
from bot.runtime.tokens import rasa_token


def main() -> None:
    token = rasa_token(Settings.from_env())
    # One argument with "=": a token may start with "-", which argparse would take for an option.
    sys.argv = ["rasa", *sys.argv[1:], f"--auth-token={token}"]
    from rasa.__main__ import main as rasa_main

    from bot.runtime import rasa_patches

    rasa_patches.install()
    rasa_main()


if __name__ == "__main__":
    main()
