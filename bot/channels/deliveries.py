"""Each platform delivery processed once.

Meta and Telegram redeliver a webhook call whose answer was slow or lost, and a second
delivery of "I want to return my kettle" would be a second turn: a second ticket, a second
return. The channels record each delivery's own id (Messenger's message `mid`, Telegram's
`update_id`) here before its turn is queued and skip an id already recorded. In the
database, not in memory: a restarted Rasa and every replica see the same ids. Ids are kept
KEEP long (the platforms stop retrying within a day) and older ones are pruned as new ones
come. Blocking: the channels call it in a worker thread.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.channels.models import WebhookDelivery
from bot.runtime.database import make_engine

KEEP = timedelta(days=7)
PRUNE_EVERY = timedelta(hours=1)
MAX_ID = 200  # longer ids are stored as their SHA-256


class Deliveries:
    """`first_time(channel, id)`: True once per id, False for every redelivery."""

    def __init__(
        self, engine: Engine | str, clock: Callable[[], datetime] = datetime.utcnow
    ) -> None:
        """`engine`, or a database URL whose engine opens on first use (the channels are
        built while Rasa loads, before anyone writes)."""
        self._engine = engine
        self._clock = clock
        self._lock = threading.Lock()
        self._pruned = datetime.min

    def _opened(self) -> Engine:
        with self._lock:
            if isinstance(self._engine, str):
                self._engine = make_engine(self._engine)
            return self._engine

    def first_time(self, channel: str, delivery_id: str) -> bool:
        """Record the delivery; False when it was recorded before. Database errors propagate
        (the channel answers 503, and the platform retries later)."""
        if len(delivery_id) > MAX_ID:
            delivery_id = hashlib.sha256(delivery_id.encode()).hexdigest()
        now = self._clock()
        try:
            with Session(self._opened()) as session, session.begin():
                if now - self._pruned >= PRUNE_EVERY:
                    cutoff = now - KEEP
                    session.execute(
                        delete(WebhookDelivery).where(WebhookDelivery.received_at < cutoff)
                    )
                    self._pruned = now
                session.add(
                    WebhookDelivery(channel=channel, delivery_id=delivery_id, received_at=now)
                )
        except IntegrityError:
            return False
        return True
