"""The WSGI entry point for gunicorn: ``gunicorn wsgi:app``."""

from idp.app import create_app
from idp.app import warm_up

app = create_app()
# Each worker (the app is built after the fork) does its one-time work before it accepts
# connections, not during somebody's request.
warm_up(app)
