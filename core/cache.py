"""The Redis cache that degrades to no cache while Redis is unreachable.

The cache only ever holds what can be computed again (home page figures, import progress, an
import's planned rows), so a Redis outage must not turn pages into errors: every call that cannot
reach Redis answers as a cache miss (``get`` → default, ``add`` → False …) and the page is computed
from the database. Connections time out quickly (settings: ``socket_connect_timeout``,
``socket_timeout``), and after a failure the cache is skipped for ``retry_seconds`` so that a page
with many cache calls pays the timeout once, not on every call. The outage is logged once when it
starts and once when Redis answers again (:class:`Outage`), not on every call.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache

log = logging.getLogger("touyan.outage")


class Outage:
    """One external service's state for the log: a warning when it first fails, an info line when
    it answers again; nothing in between. ``down_until`` lets callers skip the service for a
    while after a failure (monotonic clock)."""

    def __init__(self, name: str, what: str):
        self.name, self.what = name, what
        self.down = False
        self.down_until = 0.0
        self._lock = threading.Lock()

    def failed(self, exc: BaseException, *, retry_seconds: float = 0.0) -> None:
        with self._lock:
            self.down_until = time.monotonic() + retry_seconds
            first = not self.down
            self.down = True
        if first:
            log.warning("%s unavailable (%s: %s): %s", self.name, type(exc).__name__, exc, self.what)

    def ok(self) -> None:
        if self.down:
            with self._lock:
                was_down, self.down = self.down, False
            if was_down:
                log.warning("%s available again", self.name)

    def skipping(self) -> bool:
        return self.down and time.monotonic() < self.down_until


def _redis_errors() -> tuple[type[BaseException], ...]:
    from redis.exceptions import RedisError

    return (RedisError, OSError)


_OUTAGES: dict[str, Outage] = {}
_OUTAGES_LOCK = threading.Lock()


def cache_outage(location: str) -> Outage:
    """One Outage per Redis location, shared by the per-thread cache instances of a process."""
    with _OUTAGES_LOCK:
        if location not in _OUTAGES:
            _OUTAGES[location] = Outage("Redis cache", "pages are served without the cache until it answers again")
        return _OUTAGES[location]


class ResilientRedisCache(RedisCache):
    """Django's RedisCache; while Redis cannot be reached, every call answers like a miss."""

    retry_seconds = 5.0

    def __init__(self, server, params):
        super().__init__(server, params)
        self.retry_seconds = float(params.get("RETRY_SECONDS", self.retry_seconds))
        self.outage = cache_outage(str(server))
        self._errors = _redis_errors()

    def _call(self, method: str, fallback, *args, **kwargs):
        if self.outage.skipping():
            return fallback
        try:
            result = getattr(super(), method)(*args, **kwargs)
        except self._errors as exc:
            self.outage.failed(exc, retry_seconds=self.retry_seconds)
            return fallback
        self.outage.ok()
        return result

    def get(self, key, default=None, version=None):
        return self._call("get", default, key, default, version)

    def get_many(self, keys, version=None):
        return self._call("get_many", {}, keys, version)

    def has_key(self, key, version=None):
        return self._call("has_key", False, key, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", False, key, value, timeout, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", None, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", list(data), data, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", False, key, timeout, version)

    def delete(self, key, version=None):
        return self._call("delete", False, key, version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", None, keys, version)

    def incr(self, key, delta=1, version=None):
        missing = object()
        result = self._call("incr", missing, key, delta, version)
        if result is missing:
            raise ValueError(f"Key '{key}' not found (the cache is unavailable).")
        return result

    def clear(self):
        return self._call("clear", False)


def cached_per_scope(name: str, *, user, parts: Iterable, compute: Callable[[], Any], seconds: int) -> Any:
    """``compute()`` kept in the cache under ``name``, ``user``'s data scope and ``parts`` (whatever
    else decides the answer: a year, a day, a data version such as core.dashboard.models_version),
    for ``seconds``. The scope part (core.scope.scope_key) means an answer is shared only by users
    who see the same rows: a clerk never reads the county's figures."""
    from django.core.cache import cache

    from .scope import scope_key

    key = ":".join([name, scope_key(user), *map(str, parts)])
    found = cache.get(key)
    if found is None:
        found = compute()
        cache.set(key, found, seconds)
    return found
