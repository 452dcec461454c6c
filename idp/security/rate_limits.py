"""Rate limits per client address and per identifier (NFR-UI-002-03).

Flask-Limiter decorators do the per-address limits; the token endpoint's (per address and per
client) are counted here, and so are limits keyed by what the user typed, from the services,
because only they know whether the device asking is one that signed in to the account before
(exempt: an attacker cannot use up the owner's allowance). Storage is Flask-Limiter's own
(Redis when IDP_REDIS_URL is set, else memory); when it fails, Flask-Limiter falls back to
memory (RATELIMIT_IN_MEMORY_FALLBACK_ENABLED) and so does ``_hit`` here.
"""

from __future__ import annotations

import base64
import functools
import logging
import time

from flask import current_app
from flask import request
from limits import parse
from limits.storage import MemoryStorage
from limits.storage import RedisStorage
from limits.strategies import FixedWindowRateLimiter
from redis.exceptions import NoScriptError

from idp.accounts.identifiers import InvalidIdentifier
from idp.accounts.identifiers import parse_identifier
from idp.extensions import limiter
from idp.security import crypto
from idp.security.errors import TooManyAttempts
from idp.security.limit_batches import LimitBatches

log = logging.getLogger(__name__)
_FALLBACK_KEY = "idp.rate_limit_fallback"
_BATCHES_KEY = "idp.token_limit_batches"


def identifier_digest(raw: str | None) -> str:
    """A keyed digest of an email address or phone number as typed, normalised where it
    parses: rate-limit keys never hold the address itself."""
    raw = raw or ""
    try:
        value = parse_identifier(raw)[1]
    except InvalidIdentifier:
        value = raw.strip().lower()
    return crypto.keyed_digest(value)


def _fallback() -> FixedWindowRateLimiter:
    strategy = current_app.extensions.get(_FALLBACK_KEY)
    if strategy is None:
        strategy = current_app.extensions[_FALLBACK_KEY] = FixedWindowRateLimiter(
            MemoryStorage())
    return strategy


def limit_identifier(scope: str, identifier: str | None, setting: str) -> None:
    """Count one request of ``scope`` for ``identifier`` against the limit in ``setting``.

    Raises TooManyAttempts (with the seconds until the window ends) when it is spent.
    """
    _hit(setting, f"idp:{scope}", identifier_digest(identifier))


def limit_token_request() -> None:
    """The token endpoint's limits: per client address and per client (the client_id the
    request claims). Counted here rather than by Flask-Limiter decorators: the same storage and
    fallback, without the decorators' per-request bookkeeping, and in batches of up to
    IDP_TOKEN_LIMIT_BATCH requests per worker (``idp/security/limit_batches.py``)."""
    limit_many([("IDP_TOKEN_IP_RATE_LIMIT", ("idp:token:ip", request.remote_addr or "-")),
                ("IDP_TOKEN_CLIENT_RATE_LIMIT", ("idp:token:client", client_key()))],
               batches=_token_batches())


def _token_batches() -> LimitBatches | None:
    batch = current_app.config["IDP_TOKEN_LIMIT_BATCH"]
    if batch <= 1:
        return None
    batches = current_app.extensions.get(_BATCHES_KEY)
    if batches is None or batches.batch != batch:
        batches = current_app.extensions[_BATCHES_KEY] = LimitBatches(batch)
    return batches


def limit_address(scope: str, setting: str) -> None:
    """Count one request of ``scope`` from the client's address against ``setting``; raises
    TooManyAttempts. What a Flask-Limiter decorator does, without its per-request bookkeeping,
    for a hot POST (/login)."""
    limit_many([(setting, (f"idp:{scope}:ip", request.remote_addr or "-"))])


def limit_many(limits: list[tuple[str, tuple[str, ...]]],
               batches: LimitBatches | None = None) -> None:
    """Count one request against each (setting, key); raises TooManyAttempts for the first
    that is spent. In one Redis round trip when the storage is Redis and the strategy
    fixed-window (the defaults): the storage's own increment script and keys, queued on one
    pipeline, so Flask-Limiter reads the same counters. With ``batches``, a limit the worker
    admits on its own count costs no round trip, and one that goes to Redis carries the
    requests admitted since (and asks its window's time to live). Otherwise, or when Redis
    fails, one ``_hit`` after the other."""
    strategy = limiter.limiter
    storage = strategy.storage
    if type(strategy) is FixedWindowRateLimiter and isinstance(storage, RedisStorage):
        counted = []
        for name, key in limits:
            item = _parsed(current_app.config[name])
            sync = batches.admit(item, key) if batches is not None else None
            if batches is None or sync is not None:
                counted.append((name, item, key, sync))
        if not counted:
            return
        try:
            pipe = storage.get_connection().pipeline(transaction=False)
            for _name, item, key, sync in counted:
                redis_key = storage.prefixed_key(item.key_for(*key))
                # EVALSHA itself: a Script queued on a pipeline costs a SCRIPT EXISTS round
                # trip first. A NOSCRIPT answer (Redis restarted) falls back below, and the
                # Script there loads it again.
                pipe.execute_command("EVALSHA", storage.lua_incr_expire.sha, 1, redis_key,
                                     item.get_expiry(), sync.amount if sync else 1)
                if sync is not None:
                    pipe.pttl(redis_key)
            answers = iter(pipe.execute())
        except Exception as exc:  # as ``hit``: any storage failure, count one by one
            for _name, _item, _key, sync in counted:
                if sync is not None:
                    batches.forget(sync)
            if not isinstance(exc, NoScriptError):
                log.warning("rate limit pipeline failed (%s); counting one by one", exc)
        else:
            for name, item, key, sync in counted:
                count = int(next(answers))
                if sync is not None:
                    ttl_ms = int(next(answers))
                    batches.learn(sync, count, ttl_ms)
                if count > item.amount:
                    reset_at = (time.time() + max(ttl_ms, 0) / 1000 if sync is not None
                                else strategy.get_window_stats(item, *key).reset_time)
                    raise TooManyAttempts(retry_after=reset_at - time.time(), limit=name)
            return
    for name, key in limits:
        _hit(name, *key)


def hit(item, *key: str):
    """Count one request against the limit ``item`` for ``key`` in Flask-Limiter's storage,
    or in this process's memory while that storage fails. Returns (allowed, the strategy that
    counted it)."""
    try:
        strategy = limiter.limiter
        return strategy.hit(item, *key), strategy
    except Exception as exc:  # any storage failure: keep limiting, in this process's memory
        log.warning("rate limit storage unavailable (%s); limiting in memory", exc)
        strategy = _fallback()
        return strategy.hit(item, *key), strategy


@functools.lru_cache(maxsize=64)
def _parsed(text: str):
    """A limit setting's text parsed once (limits' parser costs ~20 µs a call)."""
    return parse(text)


def _hit(setting: str, *key: str) -> None:
    limit = _parsed(current_app.config[setting])
    allowed, strategy = hit(limit, *key)
    if not allowed:
        reset_at = strategy.get_window_stats(limit, *key).reset_time
        raise TooManyAttempts(retry_after=reset_at - time.time(), limit=setting)


def identifier_key(field: str, scope: str):
    """A Flask-Limiter ``key_func``: the digest of the form field ``field``."""

    def key() -> str:
        return f"{scope}:{identifier_digest(request.form.get(field, ''))}"

    return key


def identifier_limit(field: str, scope: str, setting_name: str):
    """A Flask-Limiter decorator limiting POSTs per value of the form field ``field`` (a
    digest); a POST that leaves the field empty is not counted."""
    return limiter.limit(setting(setting_name), methods=["POST"],
                         key_func=identifier_key(field, scope),
                         exempt_when=lambda: not request.form.get(field, "").strip())


def client_key() -> str:
    """A Flask-Limiter ``key_func`` for the token endpoint: the client_id the request claims
    (HTTP Basic or the form), else the address: guesses are counted per client."""
    auth = request.headers.get("Authorization", "")
    client_id = None
    if auth[:6].lower() == "basic ":
        try:
            client_id = base64.b64decode(auth[6:], validate=True).decode().split(":", 1)[0]
        except (ValueError, UnicodeDecodeError):
            client_id = None
    client_id = client_id or request.form.get("client_id")
    return f"client:{client_id[:128]}" if client_id else f"ip:{request.remote_addr}"


def setting(name: str):
    """A Flask-Limiter limit provider reading the setting ``name`` at request time."""
    return lambda: current_app.config[name]
