"""gunicorn settings for `make serve` and production: threaded workers, counts from settings."""

import os

from idp.config import load_settings

_settings = load_settings()

bind = f"127.0.0.1:{os.environ.get('PORT', '5000')}"
worker_class = "gthread"
workers = _settings["IDP_WORKERS"]
threads = _settings["IDP_THREADS"]
keepalive = 5
timeout = 30
accesslog = None
# The app is built in each worker after fork: no database connection crosses a fork.
preload_app = False
