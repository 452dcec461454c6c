"""The results table on stdout and bench/results/latest.json."""

from __future__ import annotations

import json
from pathlib import Path

from bench.measurement import Measurement

RESULTS = Path(__file__).resolve().parent / "results"
COLUMNS = ("scenario", "requests/s", "p50 ms", "p99 ms", "errors", "target", "met")


def table(measurements: list[Measurement]) -> str:
    rows = [COLUMNS]
    for m in measurements:
        errors = str(m.errors) + (f" (+{m.socket_errors} socket)" if m.socket_errors else "")
        met = "-" if m.met is None else ("yes" if m.met else "NO")
        rows.append((m.scenario, f"{m.rps:.1f}", f"{m.p50_ms:.1f}", f"{m.p99_ms:.1f}", errors,
                     m.target, met))
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    numeric = {1, 2, 3}
    lines = []
    for n, row in enumerate(rows):
        cells = [cell.rjust(widths[i]) if i in numeric and n else cell.ljust(widths[i])
                 for i, cell in enumerate(row)]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def write_json(document: dict, name: str = "latest.json") -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / name
    path.write_text(json.dumps(document, indent=2) + "\n")
    return path
