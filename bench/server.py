"""The app under gunicorn, started as `make serve` starts it, in its own process group."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
PREFERRED_PORT = 5077


def free_port(preferred: int = PREFERRED_PORT) -> int:
    """``preferred`` if nothing listens there, else a port the kernel picks."""
    for port in (preferred, 0):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return probe.getsockname()[1]
    raise RuntimeError("no free port")


class Gunicorn:
    """``with Gunicorn(env) as server:`` serves until the block ends, also on errors and Ctrl-C."""

    def __init__(self, env: dict[str, str], log_path: Path, app: str = "wsgi:app"):
        self.env = env
        self.port = int(env["PORT"])
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.process: subprocess.Popen | None = None
        self.command = [str(GUNICORN), "-c", "deploy/gunicorn.conf.py", app]

    def __enter__(self) -> Gunicorn:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(self.command, cwd=ROOT, env=self.env, stdout=log,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def _wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        url = self.base_url + "/.well-known/openid-configuration"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n"
                                   f"{self._log_tail()}\n(whole log: {self.log_path})")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"discovery did not answer within {timeout:.0f} s; see {self.log_path}")

    def check_running(self, during: str) -> None:
        """Raise if the server is gone (another process may stop every gunicorn by name)."""
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {self.process.returncode} during {during}, "
                               f"not stopped by the benchmark:\n{self._log_tail()}")

    def connections_per_worker(self) -> list[int]:
        """Established client connections each worker holds now, busiest first.

        Every worker accepts from the one listening socket, so keep-alive connections opened in
        a burst may pile up on a few workers, each bound to one core by the GIL: a skewed spread
        explains a low figure."""
        if self.process is None:
            return []
        master = self.process.pid
        try:
            children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
            listing = subprocess.run(["ss", "-Htnp", "state", "established",
                                      f"( sport = :{self.port} )"],
                                     capture_output=True, text=True, timeout=5).stdout
        except (OSError, subprocess.SubprocessError):
            return []
        counts = dict.fromkeys(map(int, children), 0)
        for line in listing.splitlines():
            for pid in {int(p) for p in re.findall(r"pid=(\d+)", line)}:
                if pid in counts:
                    counts[pid] += 1
        return sorted(counts.values(), reverse=True)

    def _log_tail(self, lines: int = 6) -> str:
        text = self.log_path.read_text(errors="replace").splitlines()
        errors = [line for line in text if "Error" in line or "error" in line]
        return "\n".join((errors or text)[-lines:])

    def stop(self) -> None:
        """SIGTERM the whole process group, SIGKILL it if it lingers."""
        if self.process is None or self.process.returncode is not None:
            return
        pgid = self.process.pid  # start_new_session: the group id is the master's pid
        for sig, grace in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
            try:
                os.killpg(pgid, sig)
            except ProcessLookupError:
                break
            try:
                self.process.wait(timeout=grace)
                break
            except subprocess.TimeoutExpired:
                continue
        # Workers may outlive the master briefly; make sure the group is gone.
        try:
            os.killpg(pgid, signal.SIGKILL)
        except ProcessLookupError:
            pass
