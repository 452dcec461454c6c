from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from idp.extensions import UTCDateTime
from idp.extensions import db
from idp.extensions import utcnow


class PasswordChangeRequired(db.Model):
    """An account that must replace its password before it may do anything else: the
    one-time password of the break-glass account (`idp admin emergency`).

    ``password_digest`` is the keyed digest of the password hash that was handed out: once the
    account's hash differs, the password was changed and the requirement is met (the accounts
    package needs to know nothing of it).
    """

    __tablename__ = "password_change_required"

    user_id: Mapped[str] = mapped_column(
        sa.String(32), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    reason: Mapped[str] = mapped_column(sa.String(32))
    password_digest: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[object | None] = mapped_column(UTCDateTime)
