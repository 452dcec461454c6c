"""Lockout after repeated failures (FR-UI-002-05, BR-UI-006, EC-UI-004).

The interface other packages call. Passwords (accounts) and second-factor codes (mfa) both
count: ``check`` before verifying, ``record_failure`` after a wrong one, ``record_success``
after a right one.

IDP_LOCKOUT_THRESHOLD consecutive wrong passwords, or wrong codes, lock the account for
IDP_LOCKOUT_SECONDS, twice as long at each further lock (up to IDP_LOCKOUT_MAX_SECONDS).
Passwords and codes have separate counts: a right password does not wipe the wrong codes
(someone who knows the password cannot alternate it with code guesses).

Attempts are counted in buckets so a lock is no denial of service against the owner: every
device that never signed in to the account shares the ``unknown`` bucket, and each device that
did (``security.suspicious.is_known_device``) has its own. Strangers lock strangers out.

Atomicity: ``check(user, factor=…)`` *reserves* the attempt before the expensive verification,
with one Redis Lua script, or one conditional UPDATE in the request's unit of work: its row
lock (PostgreSQL; SQLite's write lock) holds concurrent attempts on the same bucket until the
request commits, and they then re-check the count. However many requests race, at most the
threshold of them get past the check (a reservation counts as a failure until
``record_success`` gives it back). No second connection is needed: a request never waits for a
pool connection while holding one. Only a failure sets the lock, once the count has reached the
threshold (``settle_failure``): attempts still being verified never lock the account by
themselves, so several right passwords at once (an office sharing an account) are paced with a
429, not locked out.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from typing import Protocol

import redis
import sqlalchemy as sa
from flask import current_app
from flask import g
from flask import has_request_context
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite

from idp import audit
from idp.audit import AuditEvent
from idp.errors import IdpError
from idp.extensions import UTCDateTime
from idp.extensions import db
from idp.extensions import utcnow
from idp.security.models import LockoutState

log = logging.getLogger(__name__)

_EXTENSION_KEY = "idp.lockout_store"
UNKNOWN = "unknown"
ADMIN = "admin"
FACTORS = ("password", "code")
#: An administrator's lock lasts until someone lifts it.
FOREVER = datetime(9999, 1, 1, tzinfo=UTC)


class AccountLocked(IdpError):
    code = "account_locked"
    status = 423
    description = _l("Too many failed attempts. The account is locked for a while.")

    def __init__(self, description=None, *, detail=None, retry_after: int | None = None):
        super().__init__(description, detail=detail)
        #: Seconds until the lock ends (None: until an administrator or an unlock link lifts it).
        self.retry_after = retry_after


@dataclass(frozen=True)
class Reservation:
    """The outcome of counting one attempt before verifying it."""

    allowed: bool
    #: When the bucket is locked until (the lock this attempt set, or the one refusing it).
    locked_until: datetime | None = None
    #: This attempt reached the threshold: it set the lock.
    locked_now: bool = False


@dataclass(frozen=True)
class Policy:
    threshold: int
    base: int
    longest: int
    reset: int

    @classmethod
    def from_config(cls) -> Policy:
        config = current_app.config
        return cls(config["IDP_LOCKOUT_THRESHOLD"], config["IDP_LOCKOUT_SECONDS"],
                   config["IDP_LOCKOUT_MAX_SECONDS"], config["IDP_LOCKOUT_RESET_SECONDS"])

    def duration(self, level: int) -> int:
        """Seconds of the lock after ``level`` earlier ones."""
        return min(self.base * 2 ** min(level, 32), self.longest)


class LockoutStore(Protocol):
    def reserve(self, user_id: str, bucket: str, factor: str, policy: Policy, *,
                own_transaction: bool) -> Reservation:
        """Count an attempt unless ``bucket`` is locked or its count is at the threshold."""

    def settle_failure(self, user_id: str, bucket: str, factor: str,
                       policy: Policy) -> Reservation:
        """After a failure: lock ``bucket`` if its count reached the threshold."""

    def succeed(self, user_id: str, bucket: str, factor: str | None) -> None:
        """Clear ``factor``'s count in ``bucket``, or the whole bucket when None."""

    def locked_until(self, user_id: str, buckets: tuple[str, ...]) -> datetime | None:
        """The latest lock end among ``buckets`` still in the future, or None."""

    def lock(self, user_id: str, bucket: str, until: datetime) -> None: ...

    def clear(self, user_id: str, *, keep_admin: bool) -> None: ...


# --- the database store (no Redis) ------------------------------------------------------------


def _column(factor: str):
    return LockoutState.password_failures if factor == "password" else LockoutState.code_failures


class DatabaseLockoutStore:
    table = LockoutState.__table__

    def _ensure_row(self, connection, user_id: str, bucket: str) -> None:
        values = dict(user_id=user_id, bucket=bucket, password_failures=0, code_failures=0,
                      lock_level=0, updated_at=utcnow())
        dialect = connection.dialect.name
        if dialect in {"sqlite", "postgresql"}:
            module = sqlite if dialect == "sqlite" else postgresql
            connection.execute(module.insert(self.table).values(**values)
                               .on_conflict_do_nothing())
            return
        exists = connection.scalar(sa.select(self.table.c.bucket).where(
            self.table.c.user_id == user_id, self.table.c.bucket == bucket))
        if exists is None:
            connection.execute(sa.insert(self.table).values(**values))

    def _row(self, connection, user_id: str, bucket: str):
        return connection.execute(sa.select(self.table).where(
            self.table.c.user_id == user_id, self.table.c.bucket == bucket)).first()

    def _reserve(self, connection, user_id, bucket, factor, policy: Policy) -> Reservation:
        now = utcnow()
        admin = self._row(connection, user_id, ADMIN)
        if admin is not None and admin.locked_until and admin.locked_until > now:
            return Reservation(False, admin.locked_until)
        self._ensure_row(connection, user_id, bucket)
        t = self.table
        count, other = t.c[_column(factor).key], t.c[
            _column("code" if factor == "password" else "password").key]
        expired = sa.and_(t.c.locked_until.is_not(None), t.c.locked_until <= now)
        # One statement decides: concurrent reservations serialise on the row, and only those
        # that find the bucket unlocked and below the threshold match. A lock that has ended
        # starts the counts again.
        result = connection.execute(
            sa.update(t)
            .where(t.c.user_id == user_id, t.c.bucket == bucket,
                   sa.or_(t.c.locked_until.is_(None), t.c.locked_until <= now),
                   sa.or_(expired, count < policy.threshold))
            .values({count: sa.case((expired, 1), else_=count + 1),
                     other: sa.case((expired, 0), else_=other),
                     t.c.locked_until: sa.null(), t.c.updated_at: now}))
        if result.rowcount == 1:
            return Reservation(True)
        after = self._row(connection, user_id, bucket)
        return Reservation(False, after.locked_until if after.locked_until
                           and after.locked_until > now else None)

    def settle_failure(self, user_id, bucket, factor, policy: Policy) -> Reservation:
        """Lock ``bucket`` if its ``factor`` count has reached the threshold and it is not
        locked yet; ``locked_now`` says whether this call set the lock."""
        connection = db.session.connection()
        now = utcnow()
        row = self._row(connection, user_id, bucket)
        if row is None:
            return Reservation(True)
        if row.locked_until is not None and row.locked_until > now:
            return Reservation(False, row.locked_until)
        level = row.lock_level
        if row.locked_at is None or (now - row.locked_at).total_seconds() > policy.reset:
            level = 0
        until = now + timedelta(seconds=policy.duration(level))
        t = self.table
        result = connection.execute(
            sa.update(t)
            .where(t.c.user_id == user_id, t.c.bucket == bucket,
                   t.c[_column(factor).key] >= policy.threshold,
                   sa.or_(t.c.locked_until.is_(None), t.c.locked_until <= now))
            .values(locked_until=until, lock_level=level + 1, locked_at=now, updated_at=now))
        if result.rowcount == 1:
            return Reservation(False, until, locked_now=True)
        return Reservation(True)

    def reserve(self, user_id, bucket, factor, policy, *, own_transaction):
        if own_transaction:
            # Committed before the password is verified, so that racing requests see it; the
            # request's own unit of work may still roll back.
            with db.engine.begin() as connection:
                return self._reserve(connection, user_id, bucket, factor, policy)
        return self._reserve(db.session.connection(), user_id, bucket, factor, policy)

    def succeed(self, user_id, bucket, factor):
        t = self.table
        values = ({_column(factor).key: 0} if factor else
                  dict(password_failures=0, code_failures=0, locked_until=None, lock_level=0,
                       locked_at=None))
        db.session.execute(sa.update(t).where(t.c.user_id == user_id, t.c.bucket == bucket)
                           .values(updated_at=utcnow(), **values))

    def locked_until(self, user_id, buckets):
        t = self.table
        latest = db.session.scalar(sa.select(sa.func.max(t.c.locked_until)).where(
            t.c.user_id == user_id, t.c.bucket.in_(buckets), t.c.locked_until > utcnow()))
        return UTCDateTime().process_result_value(latest, None) if latest else None

    def lock(self, user_id, bucket, until):
        connection = db.session.connection()
        self._ensure_row(connection, user_id, bucket)
        t = self.table
        connection.execute(sa.update(t).where(t.c.user_id == user_id, t.c.bucket == bucket)
                           .values(locked_until=until, locked_at=utcnow(), updated_at=utcnow()))

    def clear(self, user_id, *, keep_admin):
        t = self.table
        query = sa.delete(t).where(t.c.user_id == user_id)
        db.session.execute(query.where(t.c.bucket != ADMIN) if keep_admin else query)


# --- the Redis store --------------------------------------------------------------------------

# KEYS[1]: the user's hash. ARGV: bucket, counted field, other field, now (ms), threshold,
# key lifetime (ms). Counts the attempt unless locked or at the threshold; a lock that has
# ended starts the counts again. Returns {allowed, locked_until_ms}.
_RESERVE = """
local key, b = KEYS[1], ARGV[1]
local now, threshold = tonumber(ARGV[4]), tonumber(ARGV[5])
local admin = tonumber(redis.call('HGET', key, 'admin:until') or '0')
if admin > now then return {0, admin} end
local lock = tonumber(redis.call('HGET', key, b .. ':until') or '0')
if lock > now then return {0, lock} end
local field, other = b .. ':' .. ARGV[2], b .. ':' .. ARGV[3]
if lock > 0 then
  redis.call('HSET', key, field, 1, other, 0, b .. ':until', 0)
else
  if tonumber(redis.call('HGET', key, field) or '0') >= threshold then return {0, 0} end
  redis.call('HINCRBY', key, field, 1)
end
redis.call('PEXPIRE', key, tonumber(ARGV[6]))
return {1, 0}
"""

# KEYS[1]: the user's hash. ARGV: bucket, counted field, now (ms), threshold, first lock (ms),
# longest lock (ms), reset (ms). After a failure: lock the bucket if the count has reached the
# threshold and it is not locked yet. Returns {locked_until_ms, locked_now}.
_SETTLE = """
local key, b = KEYS[1], ARGV[1]
local now, threshold = tonumber(ARGV[3]), tonumber(ARGV[4])
local lock = tonumber(redis.call('HGET', key, b .. ':until') or '0')
if lock > now then return {lock, 0} end
if tonumber(redis.call('HGET', key, b .. ':' .. ARGV[2]) or '0') < threshold then
  return {0, 0}
end
local level = tonumber(redis.call('HGET', key, b .. ':level') or '0')
local at = tonumber(redis.call('HGET', key, b .. ':at') or '0')
if now - at > tonumber(ARGV[7]) then level = 0 end
local locked = now + math.min(tonumber(ARGV[5]) * math.pow(2, math.min(level, 32)),
                              tonumber(ARGV[6]))
redis.call('HSET', key, b .. ':until', locked, b .. ':level', level + 1, b .. ':at', now)
return {locked, 1}
"""


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _from_ms(value) -> datetime | None:
    value = int(value or 0)
    return datetime.fromtimestamp(value / 1000, tz=UTC) if value else None


class RedisLockoutStore:
    prefix = "idp:lockout:"

    def __init__(self, client: redis.Redis):
        self.client = client
        self._reserve = client.register_script(_RESERVE)
        self._settle = client.register_script(_SETTLE)

    def reserve(self, user_id, bucket, factor, policy, *, own_transaction):
        other = "code" if factor == "password" else "password"
        now = utcnow()
        allowed, until = self._reserve(
            keys=[self.prefix + user_id],
            args=[bucket, factor, other, _ms(now), policy.threshold,
                  (policy.reset + policy.longest) * 1000])
        until = _from_ms(until)
        return Reservation(bool(allowed), until if until and until > now else None)

    def settle_failure(self, user_id, bucket, factor, policy):
        now = utcnow()
        until, locked_now = self._settle(
            keys=[self.prefix + user_id],
            args=[bucket, factor, _ms(now), policy.threshold, policy.base * 1000,
                  policy.longest * 1000, policy.reset * 1000])
        until = _from_ms(until)
        return Reservation(not until, until if until and until > now else None,
                           bool(locked_now))

    def succeed(self, user_id, bucket, factor):
        key = self.prefix + user_id
        if factor:
            self.client.hset(key, f"{bucket}:{factor}", 0)
        else:
            self.client.hdel(key, *(f"{bucket}:{field}" for field in
                                    ("password", "code", "until", "level", "at")))

    def locked_until(self, user_id, buckets):
        values = self.client.hmget(self.prefix + user_id, [f"{b}:until" for b in buckets])
        now = utcnow()
        ends = [end for end in map(_from_ms, values) if end and end > now]
        return max(ends) if ends else None

    def lock(self, user_id, bucket, until):
        self.client.hset(self.prefix + user_id, f"{bucket}:until", _ms(until))

    def clear(self, user_id, *, keep_admin):
        key = self.prefix + user_id
        if not keep_admin:
            self.client.delete(key)
            return
        fields = [f for f in self.client.hkeys(key) if not f.startswith(b"admin:")]
        if fields:
            self.client.hdel(key, *fields)


class FailoverLockoutStore:
    """Redis, and the database while Redis does not answer: a lock keeps working (counts
    restart in the other store, which errs on the side of the user for one window)."""

    def __init__(self, primary: RedisLockoutStore):
        self.primary = primary
        self.fallback = DatabaseLockoutStore()

    def __getattr__(self, name):
        def call(*args, **kwargs):
            try:
                return getattr(self.primary, name)(*args, **kwargs)
            except redis.RedisError as exc:
                log.warning("lockout: Redis unavailable (%s); using the database", exc)
                return getattr(self.fallback, name)(*args, **kwargs)

        return call


def _store() -> LockoutStore:
    store = current_app.extensions.get(_EXTENSION_KEY)
    if store is None:
        url = current_app.config["IDP_REDIS_URL"]
        store = (FailoverLockoutStore(RedisLockoutStore(redis.Redis.from_url(
            url, socket_timeout=2, socket_connect_timeout=2))) if url
            else DatabaseLockoutStore())
        current_app.extensions[_EXTENSION_KEY] = store
    return store


# --- the interface ----------------------------------------------------------------------------


def bucket_of(user) -> str:
    """The request's bucket for ``user``: its own device's if that device signed in before."""
    if not has_request_context():
        return UNKNOWN
    cache = g.setdefault("idp_lockout_buckets", {})
    if user.id not in cache:
        from idp.security.suspicious import is_known_device
        from idp.sessions.devices import device_key

        key = device_key()
        cache[user.id] = f"d:{key}" if is_known_device(user.id, key) else UNKNOWN
    return cache[user.id]


def _reserved() -> dict:
    # ``g`` lives as long as the app context: one request, or one command or test.
    return g.setdefault("idp_lockout_reserved", {})


def seconds_until(until: datetime | None) -> int | None:
    """Whole seconds from now to ``until`` (at least 1), None for no end or a lock forever."""
    if until is None or until >= FOREVER:
        return None
    return max(1, int((until - utcnow()).total_seconds() + 0.999))


def check(user, *, factor: str | None = None) -> None:
    """Raise AccountLocked when ``user`` (may be None) may not try now.

    With ``factor`` (``"password"`` or ``"code"``) the attempt is also counted, atomically,
    before the caller verifies it: call it right before the expensive check so that racing
    requests cannot exceed the threshold. ``record_failure`` then only reports it, and
    ``record_success`` gives it back. Without ``factor`` only the lock is looked at.
    """
    if user is None:
        return
    bucket = bucket_of(user)
    if factor is None:
        until = _store().locked_until(user.id, (bucket, ADMIN))
        if until is not None:
            raise AccountLocked(retry_after=seconds_until(until))
        return
    if factor not in FACTORS:
        raise ValueError(f"unknown factor {factor!r}")
    reservation = _store().reserve(user.id, bucket, factor, Policy.from_config(),
                                   own_transaction=False)
    if not reservation.allowed:
        if reservation.locked_until is None:
            # As many attempts as the threshold are being verified right now: wait for them.
            from idp.security.errors import TooManyAttempts

            raise TooManyAttempts(1)
        raise AccountLocked(retry_after=seconds_until(reservation.locked_until))
    _reserved()[(user.id, factor)] = reservation


def record_failure(user, *, factor: str) -> datetime | None:
    """A wrong ``factor`` (``"password"`` or ``"code"``) for ``user`` (may be None).

    Counts it (unless ``check`` reserved it already) and, when it reaches the threshold, locks
    the bucket and records ``security:account:locked``. Returns when the account is locked
    until, if this failure locked it (an administrator's lock: ``FOREVER``), else None. Writes
    in the caller's unit of work when nothing was reserved: the caller commits.
    """
    if user is None:
        return None
    policy = Policy.from_config()
    if _reserved().pop((user.id, factor), None) is None:
        _store().reserve(user.id, bucket_of(user), factor, policy, own_transaction=False)
    reservation = _store().settle_failure(user.id, bucket_of(user), factor, policy)
    if reservation.locked_now:
        seconds = seconds_until(reservation.locked_until)
        audit.record(AuditEvent.Security.Locked, user_id=user.id, result="failure",
                     factor=factor, bucket=_bucket_kind(bucket_of(user)), seconds=seconds)
        return reservation.locked_until
    return None


def record_success(user, *, factor: str | None = None) -> None:
    """``user`` proved who they are: the failure count starts again.

    ``factor="password"`` clears only the wrong-password count (a second factor may follow);
    without it (the login is complete) the request's bucket is cleared entirely.
    """
    if user is None:
        return
    for name in FACTORS:
        _reserved().pop((user.id, name), None)
    _store().succeed(user.id, bucket_of(user), factor)


def locked_until(user) -> datetime | None:
    """When the lock that applies to this request for ``user`` ends, or None if not locked."""
    return _store().locked_until(user.id, (bucket_of(user), ADMIN)) if user else None


def lock(user, *, reason: str, actor_id: str | None = None) -> None:
    """An administrator locks ``user`` until unlocked (the admin API): every device refused.
    Records ``security:account:locked``; the caller commits."""
    _store().lock(user.id, ADMIN, FOREVER)
    audit.record(AuditEvent.Security.Locked, user_id=user.id, actor_id=actor_id,
                 reason=reason[:200], bucket=ADMIN)


def unlock(user, *, actor_id: str | None = None, keep_admin_lock: bool = False) -> None:
    """Lift any lock on ``user`` and reset the failure count (admin API, unlock link).

    ``keep_admin_lock`` (the user's own unlock link) leaves an administrator's lock in place.
    Records ``security:account:unlocked`` with ``how`` = ``admin`` when ``actor_id`` is given,
    else ``link``; the caller commits.
    """
    _store().clear(user.id, keep_admin=keep_admin_lock)
    g.pop("idp_lockout_reserved", None)
    audit.record(AuditEvent.Security.Unlocked, user_id=user.id, actor_id=actor_id,
                 how="admin" if actor_id else "link")


def _bucket_kind(bucket: str) -> str:
    return "known_device" if bucket.startswith("d:") else bucket
