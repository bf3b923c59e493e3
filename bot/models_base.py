"""The declarative base every part's models register their tables with.

Below everything: it imports nothing of csbot, so a part's `models.py` depends on SQLAlchemy
and this module only, never on the runtime layer (engines, migrations) above it.
"""

from __future__ import annotations

from sqlalchemy.orm import declarative_base

Base = declarative_base()
