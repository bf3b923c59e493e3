"""Messaging platforms (Facebook Messenger, Telegram) on Rasa's own channels.

The platforms reach csbot through the web app's public entry (`bot.web.channels` forwards
their webhooks to Rasa on the internal host); Rasa runs csbot's subclasses of its
`facebook` and `telegram` channels (`messenger.py`, `telegram.py`), which check each
platform's signature or secret and talk to a configurable API base URL; they answer a call
once its turns are queued (`in_order.py`) and handle each delivery once (`deliveries.py`).
`signatures.py` and `messenger_format.py` import no Rasa, so the web app and tests use them
directly.
"""
