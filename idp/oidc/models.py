from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from idp.extensions import UTCDateTime
from idp.extensions import db
from idp.extensions import utcnow


class SigningKey(db.Model):
    """An RS256 key. Signs from ``activates_at`` until ``retired_at``; stays in the JWKS until
    every token it signed has expired. The private key is AES-256-GCM encrypted at rest."""

    __tablename__ = "signing_keys"

    kid: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    alg: Mapped[str] = mapped_column(sa.String(16), default="RS256")
    public_jwk: Mapped[dict] = mapped_column(sa.JSON)
    private_key_encrypted: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    activates_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    retired_at: Mapped[object | None] = mapped_column(UTCDateTime)
