"""Platform deliveries the channels have taken on (`bot.channels.deliveries`)."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, String

from bot.models_base import Base


class WebhookDelivery(Base):
    """One platform delivery, by its own id (Messenger's message `mid`, Telegram's
    `update_id`): a redelivery of the same id is acknowledged and not processed again. No
    sender and no text, so nothing here is anyone's personal data."""

    __tablename__ = "webhook_deliveries"

    channel = Column(String(20), primary_key=True)  # facebook | telegram
    delivery_id = Column(String(200), primary_key=True)
    received_at = Column(DateTime, nullable=False, index=True)
