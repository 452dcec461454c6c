"""Re-encrypting the data at rest under the newest data key (``idp keys rotate-data-key``).

NFR-UI-002-02. Every AES-256-GCM value names its key (``<key id>.<payload>``, see
``crypto.encrypt``). To rotate: put a new key first in IDP_DATA_KEYS (keep the old ones), run
this, then drop the old keys. Values already under the newest key are left alone, so a run
that stops halfway is finished by running it again.

The columns are listed here, with the context each was sealed with, rather than asked of
each package: a key rotation must reach every one of them, and one list is what an operator
and a reviewer check. It works on the tables directly (SQLAlchemy Core), ``batch`` rows per
transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from idp import audit
from idp.audit import AuditEvent
from idp.extensions import db
from idp.security import crypto


@dataclass(frozen=True)
class EncryptedColumn:
    table: str
    column: str
    context: str
    key: str = "id"


#: Every encrypted column (grep ``crypto.encrypt(`` when adding one).
ENCRYPTED_COLUMNS = (
    EncryptedColumn("mfa_methods", "secret_encrypted", "mfa_methods.secret"),
    EncryptedColumn("users", "phone_encrypted", "users.phone"),
    EncryptedColumn("verifications", "target_encrypted", "verifications.target"),
    EncryptedColumn("outbox_messages", "recipient_encrypted", "outbox"),
    EncryptedColumn("outbox_messages", "subject_encrypted", "outbox"),
    EncryptedColumn("outbox_messages", "body_encrypted", "outbox"),
    EncryptedColumn("signing_keys", "private_key_encrypted", "signing_keys", key="kid"),
)


def newest_key_id() -> str:
    return crypto.encrypt(b"", context="probe").partition(".")[0]


def rotate_data_key(*, batch: int = 500) -> dict[str, int]:
    """Re-encrypt every value not under the newest key of IDP_DATA_KEYS; commit per batch.

    Returns how many values were re-encrypted per ``table.column``. Raises
    crypto.DataKeyError when a value names a key IDP_DATA_KEYS no longer holds (nothing of
    that batch is written). Records ``security:data_key:rotated``.
    """
    newest = newest_key_id()
    counts: dict[str, int] = {}
    metadata = sa.MetaData()
    for spec in ENCRYPTED_COLUMNS:
        table = sa.Table(spec.table, metadata, autoload_with=db.engine)
        key, value = table.c[spec.key], table.c[spec.column]
        stale = sa.and_(value.is_not(None), sa.not_(value.startswith(newest + ".")))
        done = 0
        last = None
        while True:
            query = sa.select(key, value).where(stale).order_by(key).limit(batch)
            if last is not None:
                query = query.where(key > last)
            rows = db.session.execute(query).all()
            for row_key, sealed in rows:
                plain = crypto.decrypt(sealed, context=spec.context)
                db.session.execute(sa.update(table).where(key == row_key, value == sealed)
                                   .values({spec.column: crypto.encrypt(
                                       plain, context=spec.context)}))
            db.session.commit()
            done += len(rows)
            if len(rows) < batch:
                break
            last = rows[-1][0]
        counts[f"{spec.table}.{spec.column}"] = done
    audit.record(AuditEvent.Mfa.DataKeyRotated, key_id=newest, counts=counts)
    db.session.commit()
    return counts
