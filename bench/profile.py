"""Profile the scenarios in-process: the app from create_app, Flask's test client, cProfile.

    .venv/bin/python bench/profile.py [scenario ...] [-n 2000] [--limit 30] [--cpu]

Same storage and fixtures as `make bench` (it empties idp_bench and Redis db 14 too). Prints, per
scenario, the mean wall and CPU time of one request in-process (no profiler; waits on
PostgreSQL and Redis are in wall, not CPU) and the top functions by cumulative wall time (CPU
time with --cpu); each report is also written to bench/results/profile-<scenario>.txt.
"""

import sys
from pathlib import Path

# Run as a script, sys.path[0] is bench/ itself; import the package from the repository root.
sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench.profiling import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
