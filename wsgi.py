"""The WSGI entry point for gunicorn: ``gunicorn wsgi:app``."""

from idp.app import create_app
from idp.sessions.user_agents import warm_up

app = create_app()
# ua-parser compiles its regexes at the first parse (~0.3 s here): the worker does it before
# it accepts connections, not during somebody's login.
warm_up()
