"""The WSGI entry point for gunicorn: ``gunicorn wsgi:app``."""

from idp.app import create_app

app = create_app()
