"""A drop-in for ``rudderstack.analytics`` (rudder-sdk-python 2.x), for group calls.

``import rudder_group.analytics as rudder_analytics`` where a script had ``import
rudderstack.analytics as rudder_analytics``: the module-level settings, ``group()`` with the same
positional order, ``flush()``, ``join()``, ``shutdown()`` and ``Client(write_key, host=...)``
keep their names and their return values. Underneath is ``rudder_group.Client``: validation by
the core, a bounded queue, lanes, retries and delivery at exit. ``docs/migrating.md`` lists every
difference; the ones a script can see:

- ``group()`` returns ``(success, message)``; ``message`` is the event as it is sent (the wire
  of this package: ``originalTimestamp`` and ``sentAt``, ``context.library`` naming
  ``rudder-group-python``), or, when the event was not accepted, the call's values under the
  wire's keys. The module-level ``group()`` returns ``None``, as the peer's does.
- A ``timestamp`` given to ``group()`` is sent as the event's ``timestamp``, as the peer sent it
  (a ``datetime`` as its ``isoformat()``, an RFC 3339 ``str`` as it is), and the data plane
  stores it unchanged; without one, the data plane computes ``timestamp`` from
  ``originalTimestamp`` and ``sentAt``, correcting the clock's skew.
- Where the peer raised (no ``user_id`` and no ``anonymous_id``, no ``group_id``, ``traits``,
  ``context`` or ``integrations`` not a ``dict``, a ``timestamp`` that is not a ``datetime``, an
  event over the size limit), ``ValidationError`` is raised: it is ``rudder_group.ValidationError``
  and also an ``AssertionError``, so ``except AssertionError`` keeps working. Where the peer sent
  data that the core refuses (NaN, a negative ``employees``, a ``set``), nothing is raised: the
  call returns ``(False, message)``, logs a warning on the ``rudder_group`` logger and calls
  ``on_error(error, [message])``. ``validation="lenient"`` (the ``Client`` keyword, or the
  module's setting) sends what breaks only the reserved-trait rules (a negative ``employees``),
  with a warning.
- Ids: numbers are stringified (``1.5`` -> ``"1.5"``; integers exactly). A naive ``datetime``
  given as ``timestamp`` is read as the peer reads it: local time when it is less than 5 seconds
  before now (or in the future), UTC otherwise.
- ``on_error(error, batch)`` is called on the package's outcome thread for every failed or
  dropped outcome, with a ``rudder_group.DeliveryFailedError`` (``status``, ``reason``) and the
  messages concerned.
- Defaults are this package's unless the peer's option is given (``None`` means "not given").
  ``thread`` is not honoured (a warning, once).
"""

from __future__ import annotations

import logging
import numbers
import sys
import threading
import warnings
from datetime import datetime, timezone
from typing import (
    Any,
    Callable,
    Dict,
    List,
    Literal,
    Mapping,
    Optional,
    Sequence,
    Set,
    Tuple,
    Union,
    cast,
)

from . import _errors
from ._client import _MAX_EXIT_TIMEOUT as _A_DAY
from ._client import Client as _Client
from ._native import DropIn, GroupEvent, Issue, Outcome, setting_default, validate

__all__ = [
    "Client",
    "ConfigError",
    "ValidationError",
    "write_key",
    "host",
    "dataPlaneUrl",
    "data_plane_url",
    "on_error",
    "debug",
    "send",
    "sync_mode",
    "gzip",
    "timeout",
    "max_retries",
    "upload_size",
    "upload_interval",
    "max_queue_size",
    "validation",
    "default_client",
    "group",
    "flush",
    "join",
    "shutdown",
]

logger = logging.getLogger("rudder_group.analytics")

Message = Dict[str, Any]
OnError = Callable[[Exception, List[Message]], object]


class ValidationError(_errors.ValidationError, AssertionError):
    """A refused event where the peer SDK raised ``AssertionError``: both classes catch it."""


class ConfigError(_errors.ConfigError, AssertionError):
    """A missing write key or data plane URL (the peer SDK raised ``AssertionError``)."""


ValidationError.__module__ = ConfigError.__module__ = __name__

# How a naive ``timestamp`` is read: local time when it is at most this far in the past (it was
# most likely made by ``datetime.now()``), UTC otherwise. The peer SDK's rule, kept.
_LOCAL_WINDOW_SECONDS = 5.0
# Messages kept for ``on_error`` at most; past it the oldest give only their ``messageId``.
_KEPT_MESSAGES = 100_000

# The peer's retries (its consumer's ``backoff.expo`` with full jitter): at most
# ``max_retries + 1`` requests per batch, the k-th wait drawn between zero and 2**(k-1) seconds.
_PEER_FIRST_WAIT = 1.0

_warned: Set[str] = set()
_warned_lock = threading.Lock()
# The handler ``debug=True`` adds to the ``rudder_group`` logger when nothing handles it.
_debug_handler: Optional[logging.Handler] = None


def _warn_once(option: str, text: str) -> None:
    with _warned_lock:
        if option in _warned:
            return
        _warned.add(option)
    warnings.warn(text, UserWarning, stacklevel=4)


def _show_debug() -> None:
    """``debug=True``: the ``rudder_group`` logger at DEBUG, its lines on stderr. The peer set its
    ``rudderstack`` logger to DEBUG and left the printing to the app's logging; a script without
    any saw nothing. When the app's logging has no handler for ``rudder_group``, one
    ``StreamHandler`` on stderr is added, once, writing the lines as ``logging.basicConfig()``
    writes the peer's (``DEBUG:rudder_group.analytics:queueing: {...}``)."""
    global _debug_handler
    package = logging.getLogger("rudder_group")
    package.setLevel(logging.DEBUG)
    with _warned_lock:
        if _debug_handler is not None or package.hasHandlers():
            return
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(logging.BASIC_FORMAT))
        package.addHandler(handler)
        _debug_handler = handler


def _retry_settings(max_retries: Optional[int], request_timeout: float) -> Dict[str, Any]:
    """The client's retry settings for the peer's ``max_retries`` (``None``: none, so this
    package's 120 s budget applies), so that every outage the peer rode through is ridden through.

    - ``retry_max_elapsed``: the peer's longest retry window, its waits without jitter
      (1 + 2 + ... + 2**(n-1) = 2**n - 1 seconds) and ``n`` requests that run to
      ``request_timeout`` before its last one, at most a day;
    - ``retry_initial_backoff`` 1 s and ``retry_max_backoff`` 2**(n-1) s: the peer's waits;
    - ``retry_max_attempts`` 2n + 8 (1 for 0): drawn with full jitter, a wait is half its cap on
      average, so n + 1 requests would end before the peer's longest window more often than not;
      of 2n + 8, fewer than one sequence of draws in 100,000 ends before it (about 4 in a
      million, for n = 1 and 2), and the budget ends the rest there. The rule is
      ``rudder-group/compat``'s for ``retryCount``: the two schedules differ only in their first
      wait.
    """
    if max_retries is None:
        return {}
    if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
        raise ConfigError(
            f"max_retries must be a whole number, at least 0, got {max_retries!r}",
            "INVALID_CONFIG",
            setting="max_retries",
        )
    n = max_retries
    # Every duration past 2**17 seconds is a day: larger powers change nothing.
    waits = _PEER_FIRST_WAIT * (2.0 ** min(n, 64) - 1)
    settings: Dict[str, Any] = {
        "retry_max_attempts": 2 * n + 8 if n > 0 else 1,
        "retry_max_elapsed": min(waits + n * request_timeout, _A_DAY),
    }
    if n > 0:
        settings["retry_initial_backoff"] = _PEER_FIRST_WAIT
        settings["retry_max_backoff"] = min(_PEER_FIRST_WAIT * 2.0 ** min(n - 1, 64), _A_DAY)
    return settings


def _stringify_id(value: Any) -> Any:
    """Numbers as the peer sends them: their ``str``; ints go to the core, which is exact."""
    if isinstance(value, numbers.Number) and not isinstance(value, (bool, int)):
        return str(value)
    return value


def _read_timestamp(value: Any) -> Any:
    """The ``timestamp`` as the peer sent it: a ``datetime`` as its ``isoformat()`` (a naive one
    read by the peer's rule first), anything else as given (a ``str`` must be RFC 3339)."""
    if not isinstance(value, datetime):
        return value
    if value.tzinfo is None or value.utcoffset() is None:
        if (datetime.now() - value).total_seconds() < _LOCAL_WINDOW_SECONDS:
            value = value.astimezone()
        else:
            value = value.replace(tzinfo=timezone.utc)
    return value.isoformat()


def _is_id(value: Any) -> bool:
    return isinstance(value, (numbers.Number, str))


def _peer_raises(
    user_id: Any,
    anonymous_id: Any,
    group_id: Any,
    traits: Any,
    context: Any,
    integrations: Any,
    timestamp: Any,
) -> bool:
    """Whether the peer SDK raised for these arguments (its argument checks, not validation)."""
    return not (
        _is_id(user_id or anonymous_id)
        and _is_id(group_id)
        and isinstance(traits, dict)
        and isinstance(context, dict)
        and isinstance(integrations, dict)
        and (timestamp is None or isinstance(timestamp, datetime))
    )


def _warn_sent(issues: Sequence[Issue]) -> None:
    """``validation="lenient"``: an event sent with reserved-trait problems says which."""
    problems = "; ".join(f"{issue.path}: {issue.message} ({issue.code})" for issue in issues)
    logger.warning('group call sent with validation="lenient" despite: %s', problems)


def _as_given(args: Mapping[str, Any]) -> Message:
    """A message that was not accepted: the call's values under the wire's keys."""
    keys = (
        ("type", "type"),
        ("messageId", "message_id"),
        ("groupId", "group_id"),
        ("userId", "user_id"),
        ("anonymousId", "anonymous_id"),
        ("traits", "traits"),
        ("context", "context"),
        ("integrations", "integrations"),
        ("timestamp", "timestamp"),
    )
    return {wire: args[name] for wire, name in keys if args.get(name) is not None}


class Client:
    """``rudderstack.analytics.Client`` for group calls, over ``rudder_group.Client``.

    Keywords left ``None`` keep this package's defaults; given, they map to its settings:
    ``host`` -> ``data_plane_url`` (required: there is no default data plane), ``upload_size``
    -> ``flush_at``, ``upload_interval`` -> ``flush_interval``, ``max_queue_size`` ->
    ``max_queue_events``, ``gzip``, ``timeout`` -> ``request_timeout``, ``max_retries`` -> the
    retry settings that cover the peer's retries (``_retry_settings``: a budget of the peer's
    longest retry window, its backoffs, 2n + 8 requests), ``proxies`` (a URL, or a dict's
    ``https``/``http``)
    -> ``proxy``. ``send=False`` validates and sends nothing; ``sync_mode=True`` makes every call
    wait for its delivery and raise ``DeliveryFailedError`` when it failed; ``debug=True`` sets
    the ``rudder_group`` logger to DEBUG and, when the app's logging has no handler for it,
    prints its lines on stderr (``_show_debug``). ``thread`` is not honoured (a warning, once).

    ``validation`` is this package's: ``"strict"`` refuses an event that breaks the Group spec's
    reserved-trait rules (``(False, message)``, ``on_error``); ``"lenient"`` sends it as given
    and logs a warning naming each problem. The other refusals (NaN, a ``set``, an event over
    the size limit, ...) stay: the data plane would refuse or corrupt those events.
    """

    def __init__(
        self,
        write_key: Optional[str] = None,
        host: Optional[str] = None,
        debug: bool = False,
        max_queue_size: Optional[int] = None,
        send: bool = True,
        on_error: Optional[OnError] = None,
        gzip: Optional[bool] = None,
        max_retries: Optional[int] = None,
        sync_mode: bool = False,
        timeout: Optional[float] = None,
        proxies: Union[str, Mapping[str, str], None] = None,
        thread: Optional[int] = None,
        upload_size: Optional[int] = None,
        upload_interval: Optional[float] = None,
        validation: Literal["strict", "lenient"] = "strict",
    ) -> None:
        if not isinstance(write_key, str) or not write_key:
            # Never the value itself: a write key given as bytes is still a secret.
            got = (
                "an empty str"
                if write_key == ""
                else "None"
                if write_key is None
                else (f"a value of type {type(write_key).__name__}")
            )
            raise ConfigError(
                f"write_key must be a non-empty str, got {got}",
                "INVALID_CONFIG",
                setting="write_key",
            )
        if thread is not None:
            _warn_once(
                "thread",
                "rudder_group.analytics: `thread` is not honoured; "
                "max_concurrent_requests of rudder_group.Client sets requests in flight",
            )
        self.write_key = write_key
        self.host = host
        self.on_error = on_error
        self.debug = debug
        self.send = send
        self.sync_mode = sync_mode
        self.validation = validation
        self._kept: Dict[str, Message] = {}
        self._kept_lock = threading.Lock()
        if debug:
            _show_debug()
        settings: Dict[str, Any] = {"validation": validation}
        for name, value in (
            ("flush_at", upload_size),
            ("flush_interval", upload_interval),
            ("max_queue_events", max_queue_size),
            ("gzip", gzip),
            ("request_timeout", timeout),
            ("proxy", _proxy(proxies)),
        ):
            if value is not None:
                settings[name] = value
        # A `timeout` that is no number is refused by the client as `request_timeout`.
        request_timeout = (
            timeout
            if isinstance(timeout, (int, float))
            else cast(float, setting_default("request_timeout"))
        )
        settings.update(_retry_settings(max_retries, float(request_timeout)))
        self.client: Optional[_Client] = None
        self._dropin: Optional[DropIn] = None
        if send:
            if not isinstance(host, str) or not host:
                raise ConfigError(
                    f"host (dataPlaneUrl) must be your data plane's URL, got {host!r}",
                    "INVALID_CONFIG",
                    setting="host",
                )
            self.client = _Client(write_key, host, on_outcome=self._on_outcome, **settings)
            # on_error is read once, as the peer's consumer read it: its messages are kept.
            kept = None if on_error is None else self._kept
            self._dropin = DropIn(self.client, kept, _KEPT_MESSAGES, self._group, self._finish)
            if not sync_mode:
                # The common call goes from the caller's arguments to its result natively; the
                # rest comes back to _group and _finish.
                self.group = self._dropin.group  # type: ignore[method-assign]
        else:
            # No client checks the settings: `validation` is checked as the client would.
            validate("{}", validation=validation)

    def group(
        self,
        user_id: Any = None,
        group_id: Any = None,
        traits: Optional[Mapping[str, Any]] = None,
        context: Optional[Mapping[str, Any]] = None,
        timestamp: Union[datetime, str, None] = None,
        anonymous_id: Any = None,
        integrations: Optional[Mapping[str, Any]] = None,
        message_id: Any = None,
    ) -> Tuple[bool, Message]:
        """Validates and enqueues a group call; returns ``(success, message)``. Raises
        ``ValidationError`` where the peer SDK raised; see the module's documentation."""
        return self._group(
            user_id, group_id, traits, context, timestamp, anonymous_id, integrations, message_id
        )

    def _group(
        self,
        user_id: Any,
        group_id: Any,
        traits: Optional[Mapping[str, Any]],
        context: Optional[Mapping[str, Any]],
        timestamp: Union[datetime, str, None],
        anonymous_id: Any,
        integrations: Optional[Mapping[str, Any]],
        message_id: Any,
    ) -> Tuple[bool, Message]:
        """``group()`` with every mapping of the peer's arguments (``DropIn`` hands over each
        call it does not finish itself)."""
        wire_timestamp = _read_timestamp(timestamp)
        group_id, user_id, anonymous_id, message_id = map(
            _stringify_id, (group_id, user_id, anonymous_id, message_id)
        )
        # The peer's `traits or {}`: a value that is false is no value.
        traits, context, integrations = traits or None, context or None, integrations or None
        try:
            if self._dropin is not None:
                message, warnings, error = self._dropin.send_call(
                    group_id,
                    traits,
                    user_id,
                    anonymous_id,
                    context,
                    integrations,
                    message_id,
                    wire_timestamp,
                )
            else:
                event = GroupEvent.build(
                    group_id,
                    traits,
                    user_id=user_id,
                    anonymous_id=anonymous_id,
                    context=context,
                    integrations=integrations,
                    message_id=message_id,
                    wire_timestamp=wire_timestamp,
                    validation=self.validation,
                )
                message, warnings, error = event.to_dict(), event.warnings or None, None
        except _errors.ValidationError as err:
            traits, context = traits or {}, context or {}
            too_large = any(issue.code == "EVENT_TOO_LARGE" for issue in err.issues)
            if too_large or _peer_raises(
                user_id, anonymous_id, group_id, traits, context, integrations or {}, timestamp
            ):
                raise ValidationError(str(err), err.code, err.issues) from None
            return self._refused(
                err,
                _as_given(
                    {
                        "type": "group",
                        "message_id": message_id,
                        "group_id": group_id,
                        "user_id": user_id,
                        "anonymous_id": anonymous_id,
                        "traits": traits,
                        "context": context,
                        "integrations": integrations,
                        "timestamp": wire_timestamp,
                    }
                ),
            )
        return self._finish(message, warnings, error)

    def _finish(
        self,
        message: Message,
        warnings: Optional[List[Issue]],
        error: Optional[_errors.RudderGroupError],
    ) -> Tuple[bool, Message]:
        """The result of a call whose event was made into ``message``: queued unless ``error``
        (``DropIn`` hands over the calls with a word to say)."""
        if warnings:
            _warn_sent(warnings)
        logger.debug("queueing: %s", message)
        if error is not None:
            if isinstance(error, _errors.QueueFullError):
                # Its dropped outcome reaches on_error through the outcome thread.
                return False, message
            return self._refused(error, message)
        if len(self._kept) > _KEPT_MESSAGES:
            self._trim_kept()
        if self.sync_mode and self.client is not None:
            self.client.flush().check()
        return True, message

    def flush(self) -> None:
        """Waits until every event queued before the call has an outcome."""
        if self.client is not None:
            self.client.flush()

    def join(self) -> None:
        """Delivers what is queued, then stops the client (the peer stopped its thread and left
        the queue unsent). Later calls return ``(False, message)``."""
        if self.client is not None:
            self.client.close()

    def shutdown(self) -> None:
        """Flushes, then stops the client."""
        self.flush()
        self.join()

    def _refused(self, err: _errors.RudderGroupError, message: Message) -> Tuple[bool, Message]:
        logger.warning("group call not sent: %s", err)
        self._call_on_error(err, [message])
        return False, message

    def _call_on_error(self, err: Exception, batch: List[Message]) -> None:
        callback = self.on_error
        if callback is None:
            return
        try:
            callback(err, batch)
        except Exception:  # noqa: BLE001 - a callback must never break a call or delivery
            logger.exception("on_error raised; delivery goes on")

    def _trim_kept(self) -> None:
        with self._kept_lock:
            kept = self._kept
            while len(kept) > _KEPT_MESSAGES:
                del kept[next(iter(kept))]

    def _forget(self, message_id: str) -> Optional[Message]:
        with self._kept_lock:
            return self._kept.pop(message_id, None)

    def _on_outcome(self, outcome: Outcome) -> None:
        if self.on_error is None:
            return
        batch = [self._forget(mid) or {"messageId": mid} for mid in outcome.message_ids]
        if outcome.kind == "delivered":
            return
        answer = (
            ""
            if outcome.status is None
            else f" (status {outcome.status}: {(outcome.body or '').strip()})"
        )
        noun = "event" if outcome.count == 1 else "events"
        err = _errors.DeliveryFailedError(
            f"{outcome.count} {noun} {outcome.kind}{answer}: {outcome.reason}",
            "DELIVERY_FAILED",
            status=outcome.status,
            body=outcome.body,
            reason=outcome.reason,
            failed=outcome.count if outcome.kind == "failed" else 0,
            dropped=outcome.count if outcome.kind == "dropped" else 0,
        )
        self._call_on_error(err, batch)


Client.__module__ = __name__


def _proxy(proxies: Union[str, Mapping[str, str], None]) -> Optional[str]:
    if proxies is None or isinstance(proxies, str):
        return proxies or None
    return proxies.get("https") or proxies.get("http")


# The module-level settings, read when the first call makes ``default_client``. ``None`` keeps
# this package's default.
write_key: Optional[str] = None
"""The source's write key."""
host: Optional[str] = None
"""The data plane's URL, by the peer's older name."""
dataPlaneUrl: Optional[str] = None  # noqa: N816 - the peer's name
"""The data plane's URL, by the peer's name."""
data_plane_url: Optional[str] = None
"""The data plane's URL (``dataPlaneUrl`` and ``host`` are read first)."""
on_error: Optional[OnError] = None
"""Called as ``on_error(error, batch)`` for events that failed or were dropped."""
debug: bool = False
"""True logs each request and outcome at DEBUG."""
send: bool = True
"""False validates every call and sends nothing."""
sync_mode: bool = False
"""True flushes after every call (each call waits for its delivery)."""
gzip: Optional[bool] = None
"""False sends request bodies uncompressed."""
timeout: Optional[float] = None
"""Seconds one request may take."""
max_retries: Optional[int] = None
"""Retries of a batch at most (mapped as the ``Client`` docstring says)."""
upload_size: Optional[int] = None
"""Events per batch."""
upload_interval: Optional[float] = None
"""Seconds a batch waits for more events at most."""
max_queue_size: Optional[int] = None
"""Events queued at most."""
validation: Literal["strict", "lenient"] = "strict"
"""``"lenient"`` turns reserved-trait errors into warnings."""

default_client: Optional[Client] = None
"""The client the module-level functions use, made by the first call from the settings above."""
_default_lock = threading.Lock()


def _default() -> Client:
    global default_client
    with _default_lock:
        if default_client is None:
            url = next(
                (u for u in (dataPlaneUrl, data_plane_url, host) if isinstance(u, str) and u), None
            )
            default_client = Client(
                write_key,
                host=url,
                debug=debug,
                max_queue_size=max_queue_size,
                send=send,
                on_error=on_error,
                gzip=gzip,
                max_retries=max_retries,
                sync_mode=sync_mode,
                timeout=timeout,
                upload_size=upload_size,
                upload_interval=upload_interval,
                validation=validation,
            )
        return default_client


def group(
    user_id: Any = None,
    group_id: Any = None,
    traits: Optional[Mapping[str, Any]] = None,
    context: Optional[Mapping[str, Any]] = None,
    timestamp: Union[datetime, str, None] = None,
    anonymous_id: Any = None,
    integrations: Optional[Mapping[str, Any]] = None,
    message_id: Any = None,
) -> None:
    """``Client.group`` on ``default_client`` (made from the module's settings at the first call);
    returns ``None``, as the peer's does."""
    _default().group(
        user_id, group_id, traits, context, timestamp, anonymous_id, integrations, message_id
    )


def flush() -> None:
    """Waits until every event queued before the call has an outcome."""
    _default().flush()


def join() -> None:
    """Delivers what is queued, then stops ``default_client``."""
    _default().join()


def shutdown() -> None:
    """Flushes, then stops ``default_client``."""
    _default().shutdown()
