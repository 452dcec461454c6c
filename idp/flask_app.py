"""The Flask class the factory builds: Flask, minus two pieces of per-request work that give the
same answer every time. Each was measured in-process on the API endpoints (token,
introspection, UserInfo, discovery): about 25-45 µs and 20-50 µs of a request."""

from __future__ import annotations

from flask import Flask
from flask.sessions import SecureCookieSessionInterface

#: Functions whose ``ensure_sync`` answer is remembered, at most: hooks and views are a fixed
#: set, so this is only a guard against a caller passing a new function at every request.
_SYNC_CACHE_SIZE = 1024


class CookieSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, without building the signing serializer for a request
    that carries no session cookie (every API call): it answers the same empty session."""

    def open_session(self, app, request):
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)


class IdpFlask(Flask):
    session_interface = CookieSessionInterface()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._sync = {}

    def ensure_sync(self, func):
        """Flask's answer, remembered per function: Flask asks it of every hook and the view
        at every request, and each answer costs an ``inspect.iscoroutinefunction``."""
        try:
            return self._sync[func]
        except KeyError:
            answer = super().ensure_sync(func)
            if len(self._sync) < _SYNC_CACHE_SIZE:
                self._sync[func] = answer
            return answer
        except TypeError:  # an unhashable callable
            return super().ensure_sync(func)
