"""The client: the native client plus what a Python process needs around it.

- Outcomes: the native worker thread pushes every terminal outcome into a queue and never
  touches Python; a daemon thread per client, started by its first ``group()``, pops them, logs
  failures on the ``rudder_group`` logger and calls ``on_outcome``. An exception in ``on_outcome`` is logged, never raised into
  delivery.
- Exit: an ``atexit`` hook closes every live client, waiting at most its exit timeout.
- Fork: in a child process every live client leaks its parent's worker state and starts afresh
  with the same settings and an empty queue.
"""

from __future__ import annotations

import asyncio
import atexit
import functools
import logging
import math
import os
import sys
import threading
import time
import weakref
from typing import Any, Callable, Literal, Optional

from . import _native
from ._errors import ConfigError, FlushTimeoutError
from ._native import FlushResult, Outcome

__all__ = ["Client", "set_exit_timeout", "get_exit_timeout"]

logger = logging.getLogger("rudder_group")

_exit_timeout = 5.0
_live: "weakref.WeakSet[Client]" = weakref.WeakSet()


def set_exit_timeout(seconds: float) -> None:
    """Sets how long the exit hook waits for each client that has no ``exit_timeout`` of its own."""
    global _exit_timeout
    value = float(seconds)
    if not math.isfinite(value) or value < 0:
        raise ConfigError(
            f"invalid setting `exit_timeout`: must be a finite number of seconds, at least 0, got {seconds!r}",
            "INVALID_CONFIG",
            setting="exit_timeout",
        )
    _exit_timeout = value


def get_exit_timeout() -> float:
    """The exit hook's default wait per client, in seconds (5 unless set)."""
    return _exit_timeout


class _Dispatcher:
    """Pops outcomes on a daemon thread and hands them to the logger and ``on_outcome``."""

    def __init__(self, queue: Any, on_outcome: Optional[Callable[[Outcome], object]]) -> None:
        self.queue = queue
        self._on_outcome = on_outcome
        self._handled = 0
        self._finished = False
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="rudder-group-outcomes", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        queue = self.queue
        try:
            while True:
                outcome = queue.get(None)
                if outcome is None:
                    if queue.done:
                        break
                    continue
                self._deliver(outcome)
                with self._cond:
                    self._handled += 1
                    self._cond.notify_all()
        finally:
            with self._cond:
                self._finished = True
                self._cond.notify_all()

    def _deliver(self, outcome: Outcome) -> None:
        if outcome.kind != "delivered":
            logger.warning(
                "%d events %s after %d attempts (status %s): %s",
                len(outcome.message_ids),
                outcome.kind,
                outcome.attempts,
                outcome.status,
                outcome.reason,
            )
        callback = self._on_outcome
        if callback is None:
            return
        try:
            callback(outcome)
        except BaseException:  # noqa: BLE001 - a callback must never stop the outcome thread
            logger.exception("on_outcome raised; delivery goes on")

    def on_own_thread(self) -> bool:
        return threading.current_thread() is self._thread

    def wait_handled(self, target: int, timeout: Optional[float]) -> None:
        """Waits until ``target`` outcomes were handed to ``on_outcome`` (or the thread ended)."""
        if self.on_own_thread():
            return
        with self._cond:
            self._cond.wait_for(lambda: self._handled >= target or self._finished, timeout)

    def join(self, timeout: Optional[float]) -> None:
        if not self.on_own_thread():
            self._thread.join(timeout)


def _remaining(deadline: Optional[float]) -> Optional[float]:
    # threading's waits refuse timeouts past TIMEOUT_MAX: a longer one is as good as none.
    if deadline is None:
        return None
    return min(max(0.0, deadline - time.monotonic()), threading.TIMEOUT_MAX)


class Client(_native.Client):
    """A group-call client: validates in the caller's thread, enqueues, and delivers from a
    native worker thread. Thread-safe; see the stub (``__init__.pyi``) for every setting."""

    def __init__(
        self,
        write_key: str,
        data_plane_url: str,
        *,
        flush_at: Optional[int] = None,
        flush_interval: Optional[float] = None,
        max_batch_bytes: Optional[int] = None,
        max_queue_events: Optional[int] = None,
        max_queue_bytes: Optional[int] = None,
        overflow: Optional[Literal["drop", "block"]] = None,
        block_timeout: Optional[float] = None,
        max_concurrent_requests: Optional[int] = None,
        gzip: Optional[bool] = None,
        gzip_level: Optional[int] = None,
        connect_timeout: Optional[float] = None,
        request_timeout: Optional[float] = None,
        retry_max_attempts: Optional[int] = None,
        retry_max_elapsed: Optional[float] = None,
        retry_initial_backoff: Optional[float] = None,
        retry_max_backoff: Optional[float] = None,
        proxy: Optional[str] = None,
        validation: Optional[Literal["strict", "lenient"]] = None,
        max_event_bytes: Optional[int] = None,
        transport: Optional[Literal["http", "memory"]] = None,
        shutdown_timeout: Optional[float] = None,
        on_outcome: Optional[Callable[[Outcome], object]] = None,
        exit_timeout: Optional[float] = None,
    ) -> None:
        # The native constructor has already checked and applied every setting.
        self._on_outcome = on_outcome
        self._dispatcher: Optional[_Dispatcher] = None
        _live.add(self)

    def _start_outcomes(self) -> None:
        # Called by the native group() before the first event (and the first after a fork).
        self._dispatcher = _Dispatcher(self._outcomes, self._on_outcome)

    def flush(self, timeout: Optional[float] = None) -> FlushResult:
        """Waits until every event enqueued before the call has an outcome and ``on_outcome``
        has seen it; raises ``FlushTimeoutError`` after ``timeout`` seconds (nothing is lost)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        result = super().flush(timeout)
        dispatcher = self._dispatcher
        if dispatcher is not None:
            dispatcher.wait_handled(dispatcher.queue.pushed, _remaining(deadline))
        return result

    def close(self, timeout: Optional[float] = None) -> FlushResult:
        """Flushes, stops the worker and the outcome thread. Idempotent."""
        deadline = None if timeout is None else time.monotonic() + timeout
        result = super().close(timeout)
        if self._dispatcher is not None:
            self._dispatcher.join(_remaining(deadline))
        _live.discard(self)
        return result

    async def flush_async(self, timeout: Optional[float] = None) -> FlushResult:
        """``flush`` on a worker thread of the event loop: the loop never blocks."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, functools.partial(self.flush, timeout))

    async def close_async(self, timeout: Optional[float] = None) -> FlushResult:
        """``close`` on a worker thread of the event loop: the loop never blocks."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, functools.partial(self.close, timeout))

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _restart_after_fork(self) -> None:
        self._dispatcher = None
        self._after_fork_in_child()


Client.__module__ = "rudder_group"


def _close_all_at_exit() -> None:
    for client in list(_live):
        own = client.exit_timeout
        timeout = _exit_timeout if own is None else own
        try:
            client.close(timeout)
        except FlushTimeoutError as err:
            logger.warning(
                "at exit, %d events were not delivered within %s s; they were dropped",
                getattr(err, "pending", 0),
                timeout,
            )
        except Exception:  # noqa: BLE001 - exit must go on
            logger.exception("closing a client at exit failed")


class _ForkToken:
    """Kept alive so that multiprocessing's after-fork registry (weak-valued) keeps our hook."""


_fork_token = _ForkToken()


def _after_fork_in_child() -> None:
    for client in list(_live):
        try:
            client._restart_after_fork()
        except Exception:  # noqa: BLE001 - a broken client must not break the child
            logger.exception("restarting a client after fork failed")
    # multiprocessing children end with os._exit(), which skips atexit, after running its own
    # exit finalizers: close there too. Its registry is cleared in the child after this hook,
    # and its after-fork callbacks run after that.
    util = sys.modules.get("multiprocessing.util")
    if util is not None:
        util.register_after_fork(_fork_token, _register_multiprocessing_exit)


def _register_multiprocessing_exit(_token: object) -> None:
    import multiprocessing.util as util

    util.Finalize(None, _close_all_at_exit, exitpriority=100)


atexit.register(_close_all_at_exit)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
