"""The local data plane (`rudder-group serve`) as a subprocess, and its admin API."""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any, Callable, List, Optional

REPO = Path(__file__).resolve().parents[3]
WRITE_KEY = "test-write-key"

# The admin API is on loopback: never through a proxy from the environment.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def binary() -> str:
    """The `rudder-group` binary: `$RUDDER_GROUP_BIN`, else the workspace's debug build."""
    return os.environ.get("RUDDER_GROUP_BIN") or str(REPO / "target" / "debug" / "rudder-group")


class DataPlane:
    """A running `rudder-group serve` and its admin API under `/_rudder_group/`."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [binary(), "serve", "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.process.stdout is not None
        self.url = self.process.stdout.readline().strip()
        if not self.url.startswith("http://"):
            self.process.kill()
            raise RuntimeError(f"rudder-group serve printed {self.url!r} instead of its URL")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()

    def _admin(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            f"{self.url}/_rudder_group/{path}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        with _opener.open(req, timeout=30) as resp:
            return json.loads(resp.read())

    def events(self) -> List[dict]:
        """Every stored event, in arrival order."""
        return list(self._admin("GET", "events"))

    def requests(self) -> List[dict]:
        """Every request received, with its headers (lower-cased), status and events."""
        return list(self._admin("GET", "requests"))

    def stats(self) -> dict:
        """`{"requests": N, "events": N}`."""
        return dict(self._admin("GET", "stats"))

    def fault(self, **fault: Any) -> None:
        """Injects a fault, e.g. `fault(status=500, next=2)`."""
        self._admin("POST", "faults", fault)

    def clear_faults(self) -> None:
        self._admin("DELETE", "faults")

    def reset(self) -> None:
        """Forgets requests, events and faults."""
        self._admin("POST", "reset", {})

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 30.0) -> bool:
        """Polls `predicate` until it holds or `timeout` passes (for other processes' sends)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(0.05)
        return predicate()
