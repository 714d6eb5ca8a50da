"""Serve the app with gunicorn on a free loopback port, for tests that need a real server.

Used by the browser tests (one worker) and the concurrency tests (several workers). The
server gets its settings from the environment, as in production; its output goes to a
log file the test can read afterwards (e.g. to look for "database is locked").
"""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    """A TCP port nobody listens on right now, on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class LiveServer:
    """A running gunicorn: its base URL and the file its output goes to."""

    url: str
    log_path: Path

    def log(self) -> str:
        """Everything the server wrote so far."""
        return self.log_path.read_text(errors="replace")


@contextmanager
def gunicorn(
    env: dict[str, str],
    log_path: Path,
    *,
    workers: int = 1,
    threads: int = 4,
    start_timeout: float = 30.0,
) -> Iterator[LiveServer]:
    """Start `gunicorn wsgi:app` on 127.0.0.1 with extra environment; stop it afterwards."""
    port = free_port()
    with log_path.open("w") as log:
        process = subprocess.Popen(  # noqa: S603 - our own server, fixed arguments
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}",
             "--workers", str(workers), "--threads", str(threads), "wsgi:app"],
            cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_until_up(process, url, start_timeout, log_path)
            yield LiveServer(url=url, log_path=log_path)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def _wait_until_up(process: subprocess.Popen, url: str, timeout: float, log_path: Path) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url + "/", timeout=1)  # noqa: S310 - loopback only
            return
        except urllib.error.HTTPError:
            return  # it answers, even if not with a page
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"gunicorn did not start; see {log_path}") from None
            time.sleep(0.2)
