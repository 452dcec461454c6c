"""`make bench`: serve the app under gunicorn on PostgreSQL + Redis (or SQLite), load it from
wrk and a Python generator, measure argon2id alone, print a table, write results/latest.json.

Nothing here asserts a time: it measures and prints. See bench/README.md.
"""

import sys
from pathlib import Path

# Run as a script, sys.path[0] is bench/ itself; import the package from the repository root.
sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench.main import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
