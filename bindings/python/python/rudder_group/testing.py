"""A local data plane for testing code that sends group calls: ``rudder-group serve`` in a process
of its own, with its admin API as methods.

::

    from rudder_group.testing import LocalDataPlane

    with LocalDataPlane() as plane:
        with rg.Client(plane.write_key, plane.url) as client:
            client.group("acme", user_id="u1")
        [event] = plane.events()

The pytest plugin of the package (``rudder_group.pytest_plugin``) gives the same as the
``rudder_data_plane`` fixture: one data plane per test session, emptied before each test.

The data plane accepts one write key, fresh and random unless ``write_key=`` names one, and
answers like the real gateway; it stores what it accepted, and its faults make it answer as a
failing one would. Its process never outlives the ``LocalDataPlane``: it is stopped by
``close()``, at the end of a ``with`` block, when the object is garbage-collected and at
interpreter exit; and since it reads the end of a pipe this process holds, it also exits when
this process is killed.

This module uses the standard library alone and imports neither the native module nor the
client, so that importing it (as the pytest plugin does in every test run) costs nothing.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import tempfile
import threading
import urllib.error
import urllib.request
import weakref
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Dict, List, Optional, Tuple, Type, Union

__all__ = ["LocalDataPlane", "LocalDataPlaneError"]

# The admin API is on loopback: never through a proxy from the environment.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

# How long ``rudder-group serve`` may take to print its URL, and how long a stop waits for it to
# end after its stdin closes, then after SIGTERM, then after SIGKILL.
_START_TIMEOUT = 30.0
_STOP_TIMEOUT = 10.0
# The most of serve's stderr an error quotes.
_STDERR_QUOTED = 2000


class LocalDataPlaneError(RuntimeError):
    """The local data plane could not start (``binary`` names the program tried, when one was
    found), or its admin API refused a request (``binary`` is then ``None``)."""

    binary: Optional[str]
    """The program that was tried."""

    def __init__(self, message: str, binary: Optional[str] = None) -> None:
        super().__init__(message)
        self.binary = binary


def _shipped_binary() -> Path:
    """The ``rudder-group`` program inside the installed package, where a wheel ships one."""
    return Path(__file__).parent / "_bin" / "rudder-group"


def _find_binary(binary: Union[str, "os.PathLike[str]", None]) -> Tuple[str, str]:
    """The program to run and where it came from: ``binary=``, ``$RUDDER_GROUP_BIN``, the
    package's own, else ``rudder-group`` on ``PATH``."""
    if binary is not None:
        return os.fspath(binary), "binary="
    from_env = os.environ.get("RUDDER_GROUP_BIN")
    if from_env:
        return from_env, "$RUDDER_GROUP_BIN"
    shipped = _shipped_binary()
    if shipped.is_file():
        return str(shipped), "the package"
    on_path = shutil.which("rudder-group")
    if on_path is not None:
        return on_path, "PATH"
    raise LocalDataPlaneError(
        "cannot start the local data plane: no rudder-group program; looked for "
        f"binary=, $RUDDER_GROUP_BIN, {shipped} and rudder-group on PATH"
    )


def _stderr_text(stderr: IO[bytes]) -> str:
    stderr.seek(0)
    text = stderr.read().decode("utf-8", "replace").strip()
    if len(text) > _STDERR_QUOTED:
        text = "..." + text[-_STDERR_QUOTED:]
    return text or "(nothing on stderr)"


def _stop(process: "subprocess.Popen[bytes]", stderr: IO[bytes]) -> None:
    """Ends the process and closes the files this side holds; safe to call again."""
    if process.stdin is not None and not process.stdin.closed:
        # serve exits at the end of its stdin (--exit-with-stdin); SIGTERM, then SIGKILL, if not.
        try:
            process.stdin.close()
        except OSError:
            pass
    for signal_it in (None, process.terminate, process.kill):
        if process.poll() is not None:
            break
        if signal_it is not None:
            signal_it()
        try:
            process.wait(_STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            pass
    if process.stdout is not None:
        process.stdout.close()
    stderr.close()


def _first_line(process: "subprocess.Popen[bytes]") -> Optional[bytes]:
    """The first line serve prints, or ``None`` when it printed none within the start timeout.
    Read on a thread so that a program that prints nothing cannot hang the caller."""
    assert process.stdout is not None
    stdout = process.stdout
    lines: List[bytes] = []
    reader = threading.Thread(target=lambda: lines.append(stdout.readline()), daemon=True)
    reader.start()
    reader.join(_START_TIMEOUT)
    return lines[0] if lines else None


class LocalDataPlane:
    """``rudder-group serve`` on a free loopback port, accepting one write key, and its admin API.

    ``binary``: the ``rudder-group`` program; by default ``$RUDDER_GROUP_BIN``, else the one the
    package ships (``rudder_group/_bin/rudder-group``), else ``rudder-group`` on ``PATH``.
    ``write_key``: the key it accepts (any other is answered 401); by default a fresh random one.
    ``port``: 0 (the default) lets the system pick a free one; the URL says which.
    ``latency_ms`` (added before every answer), ``max_in_flight`` (requests handled at once before
    503) and ``rate_limit`` (requests per second before 429) are serve's options of the same names.

    It starts at once: ``LocalDataPlaneError`` names the program tried and why it did not run (not
    found, not executable, or its exit status and what it printed on stderr). ``close()`` stops
    it; so do the end of a ``with`` block, garbage collection and interpreter exit.
    """

    url: str
    """The data plane's URL, e.g. ``http://127.0.0.1:40123``: a client's ``data_plane_url``."""
    write_key: str
    """The write key the data plane accepts."""
    binary: str
    """The program that runs it."""
    process: "subprocess.Popen[bytes]"
    """The ``rudder-group serve`` process (its ``pid``, ``poll()``)."""

    def __init__(
        self,
        *,
        binary: Union[str, "os.PathLike[str]", None] = None,
        write_key: Optional[str] = None,
        port: int = 0,
        latency_ms: Optional[int] = None,
        max_in_flight: Optional[int] = None,
        rate_limit: Optional[int] = None,
    ) -> None:
        program, source = _find_binary(binary)
        self.binary = program
        self.write_key = secrets.token_hex(16) if write_key is None else write_key
        command = [
            program,
            "serve",
            "--port",
            str(port),
            "--exit-with-stdin",
            "--write-key",
            self.write_key,
        ]
        options = {
            "--latency-ms": latency_ms,
            "--max-in-flight": max_in_flight,
            "--rate-limit": rate_limit,
        }
        for option, value in options.items():
            if value is not None:
                command += [option, str(value)]
        stderr = tempfile.TemporaryFile()
        try:
            # stdin is a pipe that only this process writes to: when it closes, because of
            # close() or because this process died, serve exits (--exit-with-stdin).
            self.process = subprocess.Popen(
                command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr
            )
        except FileNotFoundError:
            stderr.close()
            raise LocalDataPlaneError(
                f"cannot start the local data plane: {program} (from {source}) does not exist",
                program,
            ) from None
        except PermissionError:
            stderr.close()
            raise LocalDataPlaneError(
                f"cannot start the local data plane: {program} (from {source}) is not executable",
                program,
            ) from None
        except OSError as error:
            stderr.close()
            raise LocalDataPlaneError(
                f"cannot start the local data plane: {program} (from {source}) cannot run: {error}",
                program,
            ) from None
        self._finalizer = weakref.finalize(self, _stop, self.process, stderr)
        line = _first_line(self.process)
        url = (line or b"").decode("utf-8", "replace").strip()
        if url.startswith("http://"):
            self.url = url
            return
        # It did not start: stop it if it still runs, then say why with what it printed.
        if line != b"":
            self.process.kill()
        try:
            self.process.wait(_STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        status = self.process.returncode
        if line is None:
            why = f"printed no URL within {_START_TIMEOUT:.0f} s"
        elif line:
            why = f"printed {url!r} instead of its URL"
        elif status < 0:
            why = f"was killed by signal {-status}"
        else:
            why = f"exited with status {status}"
        text = _stderr_text(stderr)
        self._finalizer()
        raise LocalDataPlaneError(
            f"cannot start the local data plane: {program} (from {source}) {why}: {text}", program
        )

    def __enter__(self) -> LocalDataPlane:
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        traceback: Optional[TracebackType],
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self.closed else "running"
        return f"<LocalDataPlane {getattr(self, 'url', '?')} {state}>"

    @property
    def closed(self) -> bool:
        """Whether ``close()`` (or the end of a ``with`` block) has stopped it."""
        return not self._finalizer.alive

    def close(self) -> None:
        """Stops the data plane and waits for its process to end. Idempotent."""
        self._finalizer()

    def events(self) -> List[Dict[str, Any]]:
        """Every event stored, in arrival order, as the data plane stored it (``sentAt``,
        ``receivedAt`` and the other fields the gateway adds included)."""
        return list(self._admin("GET", "events"))

    def requests(self) -> List[Dict[str, Any]]:
        """Every data request received, in arrival order: ``method``, ``path``, ``headers``
        (lower-cased names), ``status``, ``body``, ``events``, ``received_at``."""
        return list(self._admin("GET", "requests"))

    def stats(self) -> Dict[str, int]:
        """``{"requests": N, "events": N}``: the counts of ``requests()`` and ``events()``."""
        return dict(self._admin("GET", "stats"))

    def reset(self) -> None:
        """Forgets every request, event and fault (an outage ends)."""
        self._admin("POST", "reset", {})

    def fault(
        self,
        *,
        status: Optional[int] = None,
        retry_after: Union[str, int, None] = None,
        latency_ms: Optional[int] = None,
        drop: Optional[bool] = None,
        outage_ms: Optional[int] = None,
        next: Optional[int] = None,
        fraction: Optional[float] = None,
        requests: Optional[Tuple[int, int]] = None,
        every: Optional[int] = None,
    ) -> None:
        """Makes the data plane fail the coming data requests, as a failing gateway would.

        One kind: ``status`` (answer with it, 200 to 999, with ``retry_after`` as the
        Retry-After header), ``latency_ms`` (answer that much later), ``drop=True`` (close the
        connection without an answer) or ``outage_ms`` (answer no data request for that long).
        Which requests (not with an outage): ``next=N`` (the next N; the default is the next
        one), ``fraction`` (each with that chance, 0 to 1), ``requests=(first, last)`` (those
        numbers, counted from 1 since the last reset) or ``every=N`` (every Nth). Faults add up;
        ``clear_faults()`` or ``reset()`` ends them. The data plane checks the combination: a
        wrong one is a ``ValueError`` with its reason.
        """
        given = {
            "status": status,
            "retry_after": retry_after,
            "latency_ms": latency_ms,
            "drop": drop,
            "outage_ms": outage_ms,
            "next": next,
            "fraction": fraction,
            "requests": None if requests is None else list(requests),
            "every": every,
        }
        self._admin("POST", "faults", {k: v for k, v in given.items() if v is not None})

    def clear_faults(self) -> None:
        """Ends every fault (an outage too); what was stored stays."""
        self._admin("DELETE", "faults")

    def _admin(self, method: str, path: str, body: Any = None) -> Any:
        if self.closed:
            raise LocalDataPlaneError(f"the local data plane at {self.url} is closed")
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"{self.url}/_rudder_group/{path}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with _opener.open(request, timeout=30) as answer:
                return json.loads(answer.read())
        except urllib.error.HTTPError as error:
            with error:
                text = error.read().decode("utf-8", "replace")
            try:
                reason = str(json.loads(text)["error"])
            except (ValueError, KeyError, TypeError):
                reason = text
            if error.code == 400:
                raise ValueError(f"the data plane refused {body!r}: {reason}") from None
            raise LocalDataPlaneError(
                f"{method} /_rudder_group/{path}: status {error.code}: {reason}"
            ) from None
