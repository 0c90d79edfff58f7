"""RudderStack group calls, built once in Rust.

Every name of the package, with its documentation. Values given to ``GroupEvent.build``,
``Client.group`` and ``validate`` are converted to JSON by these rules:

- ``str``; ``int`` of any size (exact; for ``group_id``, ``user_id``, ``anonymous_id`` and
  ``message_id``, its decimal string); ``float`` (NaN and ±inf are ``NON_FINITE_NUMBER``);
  ``bool``; ``None``; ``dict`` with ``str`` keys, ``list``, ``tuple`` and their subclasses.
- ``datetime`` with a time zone: ISO-8601 in UTC with milliseconds (``2022-02-01T19:14:18.381Z``).
- A naive ``datetime`` is never given a time zone by guesswork: inside traits, context or
  integrations it is written as it is, without an offset (``2020-01-31T10:00:00.000``); as
  ``timestamp=``, which must name an instant, it is refused with ``INVALID_TIMESTAMP``.
- ``date``: ``2020-01-31``. ``decimal.Decimal``: a number with exactly its digits (never through
  float). ``uuid.UUID``: its string. ``enum.Enum``: its value, converted by these rules.
- Anything else (``bytes``, ``set``, objects, a non-``str`` key, a container that contains itself,
  a ``str`` with a lone surrogate) is ``UNSUPPORTED_VALUE`` with the JSON-pointer path of the value.

The caller's objects are only read, never changed.
"""

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from enum import Enum
from typing import Any, Final, Literal, Optional, Union, final
from uuid import UUID

__version__: Final[str]
"""The package version (the same for every crate and package of the project)."""

DEFAULT_MAX_EVENT_BYTES: Final[int]
"""The default limit on one serialized event: 32768 bytes."""

ERROR_CODES: Final[tuple[str, ...]]
"""Every stable error code, validation codes first, then client codes."""

_Validation = Literal["strict", "lenient"]
# ``timestamp=``: an aware ``datetime`` or an RFC 3339 string (e.g. ``2022-02-01T19:14:18.381Z``).
_Timestamp = Union[datetime, str]
# An id: ``str``, or ``int`` (written as its decimal string); a ``UUID`` or an ``Enum`` converts too.
_Id = Union[str, int, UUID, Enum]

@final
class Issue:
    """One problem with an event."""

    @property
    def code(self) -> str:
        """The stable code, e.g. ``"MISSING_GROUP_ID"``."""
    @property
    def path(self) -> str:
        """JSON pointer to the offending value (``/traits/tags/2``); ``""`` for the whole event."""
    @property
    def message(self) -> str:
        """What is wrong and what would be right."""
    @property
    def severity(self) -> Literal["error", "warning"]:
        """``"error"`` (the event is refused) or ``"warning"`` (lenient: sent as given)."""
    def __new__(cls, code: str, path: str, message: str, severity: str = "error") -> "Issue":
        """An issue; ``code`` must be one of ``ERROR_CODES``."""
    def __eq__(self, value: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class GroupEvent:
    """One validated group call: immutable, always valid."""

    @staticmethod
    def build(
        group_id: _Id,
        traits: Optional[Mapping[str, Any]] = None,
        *,
        user_id: Optional[_Id] = None,
        anonymous_id: Optional[_Id] = None,
        context: Optional[Mapping[str, Any]] = None,
        integrations: Optional[Mapping[str, Any]] = None,
        timestamp: Optional[_Timestamp] = None,
        message_id: Optional[_Id] = None,
        validation: _Validation = "strict",
        max_event_bytes: int = 32768,
    ) -> "GroupEvent":
        """Builds and validates an event; raises ``ValidationError`` listing every problem.

        ``timestamp`` becomes ``originalTimestamp`` (the time of the call when ``None``);
        ``message_id`` is a fresh UUID v4 when ``None``. ``validation="lenient"`` turns
        reserved-trait errors into ``warnings``. A bad setting raises ``ConfigError``.
        """
    @staticmethod
    def from_json(text: str, *, validation: _Validation = "strict", max_event_bytes: int = 32768) -> "GroupEvent":
        """Parses and validates a JSON payload as a data plane receives it (camelCase keys;
        unknown top-level keys are kept). Raises ``ValidationError`` (``INVALID_JSON`` for text
        that is not a JSON object)."""
    def to_json(self) -> str:
        """Canonical JSON: keys in the contract's order, no whitespace, the same bytes as the core."""
    def to_dict(self) -> dict[str, Any]:
        """The event as a new dict, equal to ``json.loads(event.to_json())``."""
    @property
    def message_id(self) -> str:
        """The event's id; it stays the same across retries."""
    @property
    def group_id(self) -> str:
        """The group's id."""
    @property
    def user_id(self) -> Optional[str]:
        """The user's id, if given."""
    @property
    def anonymous_id(self) -> Optional[str]:
        """The anonymous id, if given."""
    @property
    def original_timestamp(self) -> str:
        """When the event happened: ``2022-02-01T19:14:18.381Z``."""
    @property
    def traits(self) -> dict[str, Any]:
        """The traits (a new dict at every access)."""
    @property
    def context(self) -> dict[str, Any]:
        """The context with ``library`` = ``{"name": "rudder-group-python", "version": ...}``."""
    @property
    def integrations(self) -> dict[str, Any]:
        """The integrations (``{"All": True}`` unless given)."""
    @property
    def warnings(self) -> list[Issue]:
        """Reserved-trait problems let through by ``validation="lenient"``."""
    def __eq__(self, value: object, /) -> bool: ...

def validate(
    payload: Union[Mapping[str, Any], str],
    *,
    validation: _Validation = "strict",
    max_event_bytes: int = 32768,
) -> list[Issue]:
    """Every problem of a payload (a dict with the wire's camelCase keys, or JSON text): errors
    first in check order, then warnings. An empty list means the event is valid. Never raises
    for a bad event; ``TypeError`` for a payload of another type."""

def error_class(code: str) -> type["RudderGroupError"]:
    """The exception class raised for a code (``ValueError`` for an unknown code)."""

@final
class Outcome:
    """One terminal outcome for a set of events: a batch, half of a split batch, or one
    dropped event."""

    @property
    def kind(self) -> Literal["delivered", "failed", "dropped"]:
        """What happened."""
    @property
    def message_ids(self) -> tuple[str, ...]:
        """The messageIds of the events concerned."""
    @property
    def status(self) -> Optional[int]:
        """The last HTTP status, if an answer came."""
    @property
    def body(self) -> Optional[str]:
        """The last answer's body (plain text), if an answer came."""
    @property
    def reason(self) -> str:
        """Why, in a sentence."""
    @property
    def attempts(self) -> int:
        """How many requests were made for these events."""

@final
class FlushResult:
    """Outcomes reached since the previous ``flush`` or ``close`` of the client returned."""

    def __new__(cls, delivered: int = 0, failed: int = 0, dropped: int = 0) -> "FlushResult":
        """A result with these counts."""
    @property
    def delivered(self) -> int:
        """Events delivered (2xx)."""
    @property
    def failed(self) -> int:
        """Events refused for good, or whose retries ran out."""
    @property
    def dropped(self) -> int:
        """Events never sent: the queue was full, or a close timed out."""
    def check(self) -> "FlushResult":
        """Returns the result, or raises ``DeliveryFailedError`` if anything failed or was dropped."""
    def __eq__(self, value: object, /) -> bool: ...

class Client:
    """A group-call client. ``group()`` validates in the caller's thread and enqueues; a native
    worker thread batches, gzips, sends ``POST {data_plane_url}/v1/batch`` and retries. One client
    may be shared by any number of threads. Seconds are floats, sizes are bytes.

    At process exit an ``atexit`` hook closes every live client, waiting at most ``exit_timeout``
    (``None``: ``get_exit_timeout()``, 5 s). After ``os.fork()`` the child's client starts afresh
    with the same settings and an empty queue. An unclosed client that is garbage-collected is
    closed on a background thread, waiting at most ``shutdown_timeout``.
    """

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
        """Checks every setting (``ConfigError`` names the first one out of range; an unknown
        keyword is a ``TypeError``) and starts the worker. ``None`` keeps the default. Seconds
        are floats, at most 86400; sizes are bytes. The defaults, from the settings table:

        - ``flush_at`` 100: a batch is due when this many events are queued;
        - ``flush_interval`` 1.0: ... or when its oldest event has waited this long;
        - ``max_batch_bytes`` 512000: the largest request body before gzip (at most 4096000);
        - ``max_queue_events`` 100000 and ``max_queue_bytes`` 67108864: the queue's bounds;
        - ``overflow`` "drop": ``"block"`` makes a full queue wait (GIL released) up to
        - ``block_timeout`` 1.0 before ``QueueFullError``;
        - ``max_concurrent_requests`` 4: requests in flight, one per lane; an identity's events
          keep their order;
        - ``gzip`` True and ``gzip_level`` 6;
        - ``connect_timeout`` 10.0 and ``request_timeout`` 30.0;
        - ``retry_max_attempts`` None: no cap, the time budget alone ends retries;
        - ``retry_max_elapsed`` 120.0: the retry budget of a batch;
        - ``retry_initial_backoff`` 0.1 and ``retry_max_backoff`` 10.0;
        - ``proxy`` None: ``HTTPS_PROXY`` and the like are read;
        - ``validation`` "strict": ``"lenient"`` turns reserved-trait errors into warnings;
        - ``max_event_bytes`` 32768: the largest serialized event;
        - ``transport`` "http": ``"memory"`` sends nothing and keeps events for ``sent_events()``;
        - ``shutdown_timeout`` 5.0: the wait when an unclosed client is garbage-collected.

        ``on_outcome`` is called with every ``Outcome`` on the package's outcome thread; what it
        raises is logged on the ``rudder_group`` logger. ``exit_timeout`` bounds the wait at
        process exit (``None``: ``get_exit_timeout()``).
        """
    def group(
        self,
        group_id: _Id,
        traits: Optional[Mapping[str, Any]] = None,
        *,
        user_id: Optional[_Id] = None,
        anonymous_id: Optional[_Id] = None,
        context: Optional[Mapping[str, Any]] = None,
        integrations: Optional[Mapping[str, Any]] = None,
        timestamp: Optional[_Timestamp] = None,
        message_id: Optional[_Id] = None,
    ) -> str:
        """Validates and enqueues one group call; returns its messageId. Never waits on the
        network. Raises ``ValidationError``, ``QueueFullError`` or ``ClientClosedError``."""
    def flush(self, timeout: Optional[float] = None) -> FlushResult:
        """Waits (GIL released) until every event enqueued before the call has an outcome and
        ``on_outcome`` has seen it. ``FlushTimeoutError`` after ``timeout`` seconds: nothing is
        lost, the events stay queued."""
    def close(self, timeout: Optional[float] = None) -> FlushResult:
        """Flushes, then stops the worker and the outcome thread. Idempotent; ``group()`` after
        it raises ``ClientClosedError``. On timeout, what is left is reported as dropped and
        ``FlushTimeoutError`` is raised."""
    async def flush_async(self, timeout: Optional[float] = None) -> FlushResult:
        """``flush()`` on the event loop's executor: the loop never blocks."""
    async def close_async(self, timeout: Optional[float] = None) -> FlushResult:
        """``close()`` on the event loop's executor: the loop never blocks."""
    @property
    def stats(self) -> dict[str, int]:
        """Counters since the client started: ``enqueued``, ``delivered``, ``failed``,
        ``dropped``, ``retried``, ``batches`` (requests), ``bytes`` (sent), ``queued`` (now)."""
    @property
    def closed(self) -> bool:
        """Whether ``close()`` was called."""
    @property
    def data_plane_url(self) -> str:
        """The data plane URL."""
    @property
    def exit_timeout(self) -> Optional[float]:
        """Seconds the exit hook waits for this client; ``None`` for ``get_exit_timeout()``."""
    def sent_events(self) -> list[dict[str, Any]]:
        """``transport="memory"``: every event sent so far, as the data plane would receive it."""
    def __enter__(self) -> "Client": ...
    def __exit__(self, *exc_info: object) -> None:
        """Closes the client."""

def set_exit_timeout(seconds: float) -> None:
    """Sets how long the exit hook waits for each client without an ``exit_timeout`` of its own."""

def get_exit_timeout() -> float:
    """The exit hook's wait per client, in seconds (5.0 unless set)."""

class RudderGroupError(Exception):
    """Base of every error of the package."""

    code: str
    """The stable code; for a validation error, the code of its first issue."""
    issues: list[Issue]
    """Every problem of a refused event, errors first then warnings; empty for client errors."""
    def __init__(self, message: str, code: str, issues: Sequence[Issue] = (), **details: Any) -> None: ...

class ValidationError(RudderGroupError, ValueError):
    """An event was refused: ``issues`` holds every problem with its code and path."""

class ClientClosedError(RudderGroupError, RuntimeError):
    """``CLIENT_CLOSED``: the client was closed; nothing more can be enqueued."""

class QueueFullError(RudderGroupError):
    """``QUEUE_FULL``: the queue is full and the overflow setting refused the event (reported as a
    dropped outcome too)."""

    message_id: str
    """The dropped event's id."""
    queued_events: int
    """Events queued at the time."""
    queued_bytes: int
    """Bytes queued at the time."""

class FlushTimeoutError(RudderGroupError, TimeoutError):
    """``FLUSH_TIMEOUT``: a flush or close did not finish in time."""

    pending: int
    """Events without an outcome when the time ran out."""

class DeliveryFailedError(RudderGroupError):
    """``DELIVERY_FAILED``: events failed or were dropped (``FlushResult.check()``)."""

    failed: int
    """Events that failed."""
    dropped: int
    """Events that were dropped."""

class ConfigError(RudderGroupError, ValueError):
    """``INVALID_CONFIG``: a setting is out of range or malformed."""

    setting: str
    """The keyword argument at fault."""

__all__ = [
    "__version__",
    "DEFAULT_MAX_EVENT_BYTES",
    "ERROR_CODES",
    "Client",
    "ClientClosedError",
    "ConfigError",
    "DeliveryFailedError",
    "FlushResult",
    "FlushTimeoutError",
    "GroupEvent",
    "Issue",
    "Outcome",
    "QueueFullError",
    "RudderGroupError",
    "ValidationError",
    "error_class",
    "get_exit_timeout",
    "set_exit_timeout",
    "validate",
]
