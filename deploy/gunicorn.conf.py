"""gunicorn settings for `make serve` and production: threaded workers, counts from settings."""

import os

from idp.config import load_settings

_settings = load_settings()

bind = f"127.0.0.1:{os.environ.get('PORT', '5000')}"
worker_class = "gthread"
# Twice the cores, not one per core: every worker accepts from the one listening socket, so a
# burst of new connections can all land on one worker, which then holds them on one core
# (measured on 2 cores: 2 workers x 8 threads fell to ~700 introspections/s after such a
# burst; 4 x 4 stayed at 1,500-1,800/s).
workers = _settings["IDP_WORKERS"] or 2 * (os.cpu_count() or 1)
threads = _settings["IDP_THREADS"]
# A worker holding this many connections stops accepting, so the next ones go to the other
# workers: without it, 16 keep-alive connections opened at once were seen all on one worker
# (16+0+0+0), which serves them on one core. Half of them may be idle keep-alive ones.
worker_connections = _settings["IDP_WORKER_CONNECTIONS"] or 2 * threads
keepalive = 5
timeout = 30
accesslog = None
# The app is built in each worker after fork: no database connection crosses a fork.
preload_app = False
