"""Run the app the way production does: gunicorn with sync workers, bound to 127.0.0.1 only."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class ServerError(RuntimeError):
    """The server did not start or died: a harness failure, not a slow page."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _children(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (gunicorn's workers), read from /proc."""
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name is in parentheses and may contain spaces: split after it.
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid:
            children.append(int(entry.name))
    return children


def memory_kb(pid: int) -> dict[str, int]:
    """``rss`` (now) and ``peak`` (VmHWM, high-water mark) of one process, in KiB."""
    values = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values["rss" if key == "VmRSS" else "peak"] = int(rest.split()[0])
    except OSError:
        pass
    return values


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time a process has used so far (``/proc/<pid>/stat``), or None."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    # After the command name: state is field 3, utime and stime are fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class GunicornServer:
    """A gunicorn process serving ``timetracker.wsgi`` with ``bench.settings``."""

    def __init__(self, *, database_url: str, workers: int = 2, log_path: Path) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.database_url = database_url
        self.workers = workers
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self, *, timeout: float = 30.0) -> None:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DATABASE_URL": self.database_url,
        }
        command = [
            sys.executable, "-m", "gunicorn", "timetracker.wsgi:application",
            "--bind", f"127.0.0.1:{self.port}",
            "--workers", str(self.workers),
            "--worker-class", "sync",
            "--timeout", "120",
            "--error-logfile", str(self.log_path),
            "--log-level", "warning",
        ]  # fmt: skip
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerError(f"gunicorn exited with {self.process.returncode}: {self._log()}")
            try:
                with urllib.request.urlopen(self.base_url + "/accounts/login/", timeout=5):  # noqa: S310
                    return
            except urllib.error.HTTPError:
                return  # it answers; the report shows what
            except (urllib.error.URLError, OSError):
                time.sleep(0.2)
        self.stop()
        raise ServerError(f"gunicorn did not answer within {timeout:.0f} s: {self._log()}")

    def _log(self) -> str:
        try:
            return self.log_path.read_text()[-2000:]
        except OSError:
            return "(no log)"

    def worker_memory(self) -> dict:
        """Peak and current RSS of each worker (KiB) and of the master."""
        if self.process is None:
            return {}
        workers = {pid: memory_kb(pid) for pid in _children(self.process.pid)}
        return {
            "master": memory_kb(self.process.pid),
            "workers": list(workers.values()),
            "peak_worker_kb": max((m.get("peak", 0) for m in workers.values()), default=0),
            "total_rss_kb": sum(m.get("rss", 0) for m in workers.values()),
        }

    def worker_cpu(self) -> dict[int, float]:
        """CPU seconds used so far by each worker, by pid (a recycled worker has a new pid)."""
        if self.process is None:
            return {}
        times = {pid: cpu_seconds(pid) for pid in _children(self.process.pid)}
        return {pid: t for pid, t in times.items() if t is not None}

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)

    def __enter__(self) -> GunicornServer:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
