"""`make bench`: serve the app under gunicorn on PostgreSQL + Redis (or SQLite), load it from
wrk and a Python generator, measure argon2id alone, print a table, write results/latest.json.

Nothing here asserts a time: it measures and prints. See bench/README.md.
"""

import signal
import sys
from pathlib import Path

# Run as a script, sys.path[0] is bench/ itself; import the package from the repository root.
sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench.main import main  # noqa: E402

if __name__ == "__main__":
    # SIGTERM (a CI timeout, `kill`) unwinds like Ctrl-C, so the server is stopped too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # the server was already stopped on the way out
        print("\ninterrupted: benchmark server stopped", file=sys.stderr)
        sys.exit(130)
