"""The client: the native client plus what a Python process needs around it.

- Outcomes: the native worker thread pushes every terminal outcome into a bounded queue and
  never touches Python; a daemon thread per client, started by its first ``group()``, pops them,
  logs failures on the ``rudder_group`` logger (WARNING, with the status, the answer and the
  reason) and calls ``on_outcome``. An exception in ``on_outcome`` is logged, never raised into
  delivery. Each ``flush()`` and ``close()`` logs its counts at INFO. The worker's log records
  (each request with its answer, each retry with its wait, each batch a 413 split) travel the
  same queue and are logged at DEBUG, their facts in the record's ``rudder_group`` attribute;
  past 256 waiting, new ones are dropped and the next record or outcome popped says how many.
  They are made only while the ``rudder_group`` logger is enabled for DEBUG: the outcome thread
  asks the logger when it starts and after each item it pops, so a program that turns DEBUG
  on later sees records from the next outcome on.
- Exit: an ``atexit`` hook closes every live client at once, each on a thread of its own,
  waiting at most its exit timeout.
- Fork: in a child process every live client leaks its parent's worker state and starts afresh
  with the same settings and an empty queue.
"""

from __future__ import annotations

import asyncio
import atexit
import functools
import inspect
import logging
import math
import os
import sys
import threading
import time
import weakref
from typing import Any, Callable, List, Literal, Optional, Union

from . import _native
from ._errors import ConfigError, FlushTimeoutError
from ._native import FlushResult, Outcome

__all__ = ["Client", "set_exit_timeout", "get_exit_timeout"]

logger = logging.getLogger("rudder_group")

_exit_timeout = 5.0
# The longest wait any duration setting allows.
_MAX_EXIT_TIMEOUT = 86_400.0
# How long the exit hook waits, past the longest exit timeout, for the closing threads to end.
_EXIT_GRACE = 1.0
_live: "weakref.WeakSet[Client]" = weakref.WeakSet()


def set_exit_timeout(seconds: float) -> None:
    """Sets how long the exit hook waits for each client without an ``exit_timeout`` of its own."""
    global _exit_timeout
    value = float(seconds)
    if not math.isfinite(value) or value < 0 or value > _MAX_EXIT_TIMEOUT:
        raise ConfigError(
            "invalid setting `exit_timeout`: must be a finite number of seconds from 0 to "
            f"{_MAX_EXIT_TIMEOUT:.0f} (a day, as every duration setting), got {seconds!r}",
            "INVALID_CONFIG",
            setting="exit_timeout",
        )
    _exit_timeout = value


def get_exit_timeout() -> float:
    """The exit hook's wait per client, in seconds (5.0 unless set)."""
    return _exit_timeout


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _duration(seconds: float) -> str:
    """A duration as every message writes it: ``98 ms`` below a second, then ``1.2 s``."""
    ms = seconds * 1000.0
    return f"{ms:.0f} ms" if ms < 999.5 else f"{seconds:.1f} s"


def _log_result(level: int, what: str, result: FlushResult) -> None:
    logger.log(
        level,
        "%s: %s delivered, %s failed, %s dropped",
        what,
        result.delivered,
        result.failed,
        result.dropped,
    )


_LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warn": logging.WARNING,
    "error": logging.ERROR,
}


def _log_record(dropped: int, record: Optional[_native.LogRecord]) -> None:
    """A worker's log record on the ``rudder_group`` logger, its facts in ``extra``, after a
    warning for the ``dropped`` records before it."""
    if dropped:
        logger.warning("%s dropped: the outcome thread fell behind", _count(dropped, "log record"))
    if record is None:
        return
    level = _LEVELS.get(record.level, logging.WARNING)
    if logger.isEnabledFor(level):
        extra = {
            "rudder_group": {
                "kind": record.kind,
                "events": record.events,
                "attempt": record.attempt,
                "status": record.status,
            }
        }
        logger.log(level, "%s", record.message, extra=extra)


class _Dispatcher:
    """Pops outcomes on a daemon thread and hands them to the logger and ``on_outcome``."""

    def __init__(
        self, queue: _native.OutcomeQueue, on_outcome: Optional[Callable[[Outcome], object]]
    ) -> None:
        self.queue = queue
        self._on_outcome = on_outcome
        self._handled = 0
        self._finished = False
        self._cond = threading.Condition()
        queue.set_debug_logs(logger.isEnabledFor(logging.DEBUG))
        self._thread = threading.Thread(target=self._run, name="rudder-group-outcomes", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        queue = self.queue
        try:
            while True:
                item = queue.get(None)
                queue.set_debug_logs(logger.isEnabledFor(logging.DEBUG))
                if item is None:
                    if queue.done:
                        break
                    continue
                if isinstance(item, _native.LogRecord):
                    _log_record(item.dropped_before, item)
                    continue
                _log_record(queue.take_logs_dropped(), None)
                self._deliver(item)
                with self._cond:
                    # Only this thread pops: every outcome popped so far (merged ones
                    # included) has now been handed over.
                    self._handled = queue.popped
                    self._cond.notify_all()
        finally:
            with self._cond:
                self._finished = True
                self._cond.notify_all()

    def _deliver(self, outcome: Outcome) -> None:
        if outcome.kind != "delivered":
            answer = (
                "no answer"
                if outcome.status is None
                else f"status {outcome.status}: {(outcome.body or '').strip()}"
            )
            logger.warning(
                "%s %s after %s (%s): %s",
                _count(outcome.count, "event"),
                outcome.kind,
                _count(outcome.attempts, "attempt"),
                answer,
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


# The name pyo3 gives the native constructor in its argument errors.
_NATIVE_NEW = "Client.__new__()"


class Client(_native.Client):
    """A group-call client. ``group()`` validates in the caller's thread and enqueues; a native
    worker thread batches, gzips, sends ``POST {data_plane_url}/v1/batch`` and retries. One client
    may be shared by any number of threads. Seconds are floats, sizes are bytes.

    ``with rg.Client(...) as client:`` and ``async with rg.Client(...) as client:`` close it at
    the end of the block. At process exit an ``atexit`` hook closes every live client at once,
    each waiting at most its ``exit_timeout`` (``None``: ``get_exit_timeout()``, 5 s). After
    ``os.fork()`` the child's client starts afresh with the same settings and an empty queue,
    without the parent's ``spool_dir`` (the parent keeps its spool; the child's events are kept
    in memory only). An
    unclosed client that is garbage-collected is closed on a background thread, waiting at most
    ``shutdown_timeout``. Ctrl-C reaches a ``flush()``, ``close()`` or blocking ``group()`` of
    the main thread as ``KeyboardInterrupt``; nothing queued is lost.
    """

    def __new__(cls, *args: Any, **kwargs: Any) -> Client:
        # The native constructor checks the arguments, and pyo3 names it "Client.__new__()" in
        # its TypeErrors (a missing or extra positional argument); the caller wrote Client().
        try:
            return super().__new__(cls, *args, **kwargs)
        except TypeError as error:
            message = str(error)
            if message.startswith(_NATIVE_NEW):
                raise TypeError("Client()" + message[len(_NATIVE_NEW) :]) from None
            raise

    def __init__(
        self,
        write_key: str,
        data_plane_url: str,
        *,
        # BEGIN GENERATED: settings keywords
        # @generated by `make generate` (tools/generate). DO NOT EDIT.
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
        spool_dir: Optional[Union[str, os.PathLike[str]]] = None,
        max_spool_bytes: Optional[int] = None,
        spool_sync: Optional[Literal["event", "group", "interval"]] = None,
        spool_sync_interval: Optional[float] = None,
        # END GENERATED: settings keywords
        on_outcome: Optional[Callable[[Outcome], object]] = None,
        exit_timeout: Optional[float] = None,
    ) -> None:
        """Checks every setting (``ConfigError`` names the first one out of range; an unknown
        keyword is a ``TypeError``) and starts the worker. ``None`` keeps the default. Seconds
        are floats, at most 86400; sizes are bytes. A full queue with ``overflow="block"`` waits
        with the GIL released, then raises ``QueueFullError``. Each setting with its default,
        from the settings table:

        .. BEGIN GENERATED: settings docs
        .. @generated by `make generate` (tools/generate). DO NOT EDIT.

        - ``flush_at`` 100: A batch is due when this many events are queued. Accepts a whole number
          from 1 to 1000000.
        - ``flush_interval`` 1.0 s: A batch is due when its oldest event has waited this long.
          Accepts a number of seconds more than 0 and at most 86400.
        - ``max_batch_bytes`` 1024000: The largest request body before gzip; at least one event of
          max_event_bytes. The most is the gateway's limit on one request body, measured after
          gunzip. Accepts a whole number from 1 to 4096000.
        - ``max_queue_events`` 100000: Events queued at most. Accepts a whole number from 1 to
          4294967296.
        - ``max_queue_bytes`` 67108864: Bytes queued at most; at least one event of max_event_bytes.
          Accepts a whole number from 1 to 1099511627776.
        - ``overflow`` "drop": A full queue drops the new event, or blocks the caller up to
          block_timeout. A dropped event is counted and reported as a dropped outcome
          (`QUEUE_FULL`). Accepts "drop" or "block".
        - ``block_timeout`` 1.0 s: With overflow "block": how long a call waits for room before
          dropping. Accepts a number of seconds from 0 to 86400.
        - ``max_concurrent_requests`` 8: Requests in flight at most, one per lane; an identity's
          events keep their order. Every event of one identity (user id, else anonymous id) takes
          the same lane; 1 sends one request at a time. The default was chosen by the wire benchmark
          (see the crate docs). Accepts a whole number from 1 to 64.
        - ``gzip`` True: gzip request bodies (data planes older than 1.4 reject gzip). Accepts true
          or false.
        - ``gzip_level`` 6: gzip level, 0 (store) to 9 (smallest). Accepts a whole number from 0 to
          9.
        - ``connect_timeout`` 10.0 s: How long connecting to the data plane may take. Accepts a
          number of seconds more than 0 and at most 86400.
        - ``request_timeout`` 30.0 s: How long one request may take, answer included. Accepts a
          number of seconds more than 0 and at most 86400.
        - ``retry_max_attempts`` None: Requests per batch at most; unset, the time budget alone ends
          retries. The first request counts. Retried: 408, 429, 5xx, connection errors and timeouts.
          Accepts a whole number from 1 to 4294967295.
        - ``retry_max_elapsed`` 120.0 s: The retry budget: a batch is retried until this long after
          its first attempt. Accepts a number of seconds from 0 to 86400.
        - ``retry_initial_backoff`` 0.1 s: The first backoff's cap; each retry doubles it, up to
          retry_max_backoff. Accepts a number of seconds more than 0 and at most 86400.
        - ``retry_max_backoff`` 10.0 s: The largest backoff between two attempts (a Retry-After may
          ask for more, up to 60 s). Accepts a number of seconds more than 0 and at most 86400.
        - ``proxy`` None: An HTTP(S) proxy URL; unset, HTTPS_PROXY / https_proxy / ALL_PROXY are
          read. Accepts a string.
        - ``validation`` "strict": "lenient" turns reserved-trait errors into warnings; the event is
          sent as given. Accepts "strict" or "lenient".
        - ``max_event_bytes`` 32768: The largest serialized event, sentAt included. The most is the
          gateway's limit on a request body less the batch around one event. Accepts a whole number
          from 64 to 4095952.
        - ``transport`` "http": "memory" is the test mode: nothing leaves the process, every batch
          is answered 200. Accepts "http" or "memory".
        - ``shutdown_timeout`` 5.0 s: How long dropping (collecting, freeing) an open client waits
          to deliver what is queued. What is still queued then is reported as dropped. Accepts a
          number of seconds from 0 to 86400.
        - ``spool_dir`` None: A directory for the durable spool: group() returns once the event is
          on disk, and a crash loses nothing. An event leaves the spool only when its batch was
          acknowledged or failed for good; a client started on a directory with events left in it
          sends them first, with their messageIds, and its flush waits for them. A close that times
          out leaves what is unsent in the spool. One live client per directory (another is refused
          with INVALID_CONFIG naming the holder's pid); a child after fork(2) must not share its
          parent's spool. Accepts a string.
        - ``max_spool_bytes`` 1073741824: With a spool: its size on disk at most; past it the
          overflow policy applies. It bounds the backlog in place of max_queue_bytes, which then
          bounds only what is also kept in memory. Accepts a whole number from 1 to 17592186044416.
        - ``spool_sync`` "group": With a spool: flush to disk per event, in groups off the caller's
          thread, or every spool_sync_interval. This matters on power loss only: a process crash
          loses nothing in any mode. Accepts "event" or "group" or "interval".
        - ``spool_sync_interval`` 1.0 s: With spool_sync "interval": how often the spool is flushed
          to disk. Accepts a number of seconds more than 0 and at most 86400.

        .. END GENERATED: settings docs

        ``on_outcome`` is called with every ``Outcome`` on the package's outcome thread; what it
        raises is logged on the ``rudder_group`` logger. When it falls behind, outcomes of one
        kind are merged (see ``Outcome``). ``exit_timeout`` bounds the wait at process exit
        (``None``: ``get_exit_timeout()``).
        """
        # The native constructor has already checked and applied every setting.
        self._on_outcome = on_outcome
        self._dispatcher: Optional[_Dispatcher] = None
        _live.add(self)
        _close_at_multiprocessing_exit()
        if spool_dir is not None:
            # Events an earlier client left in the spool are sent at once: their outcomes need
            # the outcome thread before the first group().
            self._begin_outcomes()

    # help() and inspect.signature() show these keywords, not the catch-all of __new__ above.
    __signature__ = inspect.signature(__init__).replace(
        parameters=list(inspect.signature(__init__).parameters.values())[1:]
    )

    def _start_outcomes(self) -> None:
        # Called by the native group() before the first event (and the first after a fork).
        self._dispatcher = _Dispatcher(self._outcomes, self._on_outcome)

    def flush(self, timeout: Optional[float] = None) -> FlushResult:
        """Waits (GIL released) until every event enqueued before the call has an outcome and
        ``on_outcome`` has seen it. ``FlushTimeoutError`` after ``timeout`` seconds, and
        ``KeyboardInterrupt`` on Ctrl-C: nothing is lost, the events stay queued."""
        deadline = None if timeout is None else time.monotonic() + timeout
        result = super().flush(timeout)
        dispatcher = self._dispatcher
        if dispatcher is not None:
            dispatcher.wait_handled(dispatcher.queue.pushed, _remaining(deadline))
        # A flush is routine (the drop-in's sync_mode makes one per call): DEBUG, a close INFO.
        _log_result(logging.DEBUG, "flush", result)
        return result

    def close(self, timeout: Optional[float] = None) -> FlushResult:
        """Flushes, then stops the worker and the outcome thread. Idempotent; ``group()`` after
        it raises ``ClientClosedError``. When it returns or raises, every event the client
        accepted has had its one outcome handed to ``on_outcome`` (and the logger), and no
        outcome comes later. On timeout, what is left is reported as dropped, requests still
        under way included ("abandoned in flight; may have been delivered"), and
        ``FlushTimeoutError`` is raised with the counts; with a ``spool_dir`` those events stay
        in the spool for the next client instead (``kept``), unreported. ``timeout`` bounds the
        wait for delivery, not ``on_outcome`` itself: the outcomes it is handed after the
        deadline are still handed before the return. On Ctrl-C, ``KeyboardInterrupt``: the
        client goes on delivering what is queued, and a later ``close()`` (or the exit hook)
        waits for it."""
        try:
            result = super().close(timeout)
        except FlushTimeoutError:
            self._outcomes_handed_over()
            raise
        self._outcomes_handed_over()
        _log_result(logging.INFO, "close", result)
        return result

    def _outcomes_handed_over(self) -> None:
        # The native close put every outcome in the channel and closed it: the outcome thread
        # hands them over and ends.
        if self._dispatcher is not None:
            self._dispatcher.join(None)
        _live.discard(self)

    async def flush_async(self, timeout: Optional[float] = None) -> FlushResult:
        """``flush()`` on the event loop's executor: the loop never blocks."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, functools.partial(self.flush, timeout))

    async def close_async(self, timeout: Optional[float] = None) -> FlushResult:
        """``close()`` on the event loop's executor: the loop never blocks."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, functools.partial(self.close, timeout))

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Closes the client."""
        self.close()

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        """Closes the client on the event loop's executor: the loop never blocks."""
        await self.close_async()

    def _restart_after_fork(self) -> None:
        self._dispatcher = None
        self._after_fork_in_child()


Client.__module__ = "rudder_group"


def _close_at_exit(client: Client, timeout: float) -> None:
    try:
        client.close(timeout)
    except FlushTimeoutError as err:
        pending = int(getattr(err, "pending", 0))
        kept = int(getattr(err, "kept", 0))
        logger.warning(
            "at exit, %s not delivered within %s; %s",
            _count(pending, "event") + (" was" if pending == 1 else " were"),
            _duration(timeout),
            ("it was" if pending == 1 else "they were")
            + (" kept in the spool for the next client" if kept else " dropped"),
        )
    except Exception:  # noqa: BLE001 - exit must go on
        logger.exception("closing a client at exit failed")


def _close_all_at_exit() -> None:
    """Closes every live client at once, each on a thread of its own with its exit timeout, and
    waits for them all until the longest of those timeouts (and a grace) has passed."""
    threads: List[threading.Thread] = []
    longest = 0.0
    for client in list(_live):
        own = client.exit_timeout
        timeout = _exit_timeout if own is None else own
        longest = max(longest, timeout)
        thread = threading.Thread(
            target=_close_at_exit, args=(client, timeout), name="rudder-group-exit", daemon=True
        )
        try:
            thread.start()
        except RuntimeError:  # no thread to be had: close it here
            _close_at_exit(client, timeout)
            continue
        threads.append(thread)
    deadline = time.monotonic() + longest + _EXIT_GRACE
    for thread in threads:
        thread.join(_remaining(deadline))


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
    global _multiprocessing_exit_pid
    import multiprocessing.util as util

    util.Finalize(None, _close_all_at_exit, exitpriority=100)
    _multiprocessing_exit_pid = os.getpid()


# The process whose multiprocessing exit finalizers close the clients, once registered there.
_multiprocessing_exit_pid: Optional[int] = None


def _close_at_multiprocessing_exit() -> None:
    """In a multiprocessing child, registers the exit finalizer that closes every client, once
    per process. The fork hook does it for a child forked after this module was loaded; a child
    that first loads it itself (a pool's initializer making the first client) needs this."""
    if _multiprocessing_exit_pid == os.getpid():
        return
    process = sys.modules.get("multiprocessing.process")
    if process is None or process.parent_process() is None:
        return
    _register_multiprocessing_exit(None)


atexit.register(_close_all_at_exit)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
