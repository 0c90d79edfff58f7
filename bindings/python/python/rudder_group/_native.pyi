"""The compiled module ``rudder_group._native``: the one stub of it, checked against it by
stubtest. The package re-exports its public names; ``rudder_group.Client`` derives from its
``Client``. The conversion rules of the values it takes are in the package's docstring."""

from collections.abc import Callable, Mapping
from datetime import datetime
from enum import Enum
from typing import Any, Final, Literal, Optional, Union, final
from uuid import UUID

from typing_extensions import Self, disjoint_base

from rudder_group._errors import RudderGroupError

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
        wire_timestamp: Optional[str] = None,
    ) -> "GroupEvent":
        """Builds and validates an event; raises ``ValidationError`` listing every problem.

        ``timestamp`` becomes ``originalTimestamp`` (the time of the call when ``None``);
        ``message_id`` is a fresh UUID v4 when ``None``. ``validation="lenient"`` turns
        reserved-trait errors into ``warnings``. A bad setting raises ``ConfigError``.

        ``wire_timestamp`` is sent as the event's ``timestamp`` key, unchanged: an RFC 3339
        string, checked as a parsed payload's ``timestamp`` is (``INVALID_TIMESTAMP`` at
        ``/timestamp``). The data plane keeps a ``timestamp`` it is sent instead of computing one
        from ``originalTimestamp`` and ``sentAt``: this is how ``rudder_group.analytics`` sends
        its caller's ``timestamp``, as rudder-sdk-python did. Without ``timestamp``, the
        event's ``originalTimestamp`` is the same instant (the event's time is the caller's).
        """
    @staticmethod
    def from_json(
        text: str, *, validation: _Validation = "strict", max_event_bytes: int = 32768
    ) -> "GroupEvent":
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

def setting_default(name: str) -> Union[int, float, bool, str, None]:
    """A client setting's default from the settings table, in Python's units (seconds as a
    float; ``None`` where unset), e.g. ``setting_default("request_timeout") == 30.0``.
    ``ValueError`` for a name that is no setting."""

@final
class Outcome:
    """One terminal outcome for a set of events: a batch, half of a split batch, or one
    dropped event.

    When ``on_outcome`` falls behind (1,024 outcomes waiting for it), each new outcome is merged
    into the latest waiting one of its kind: ``count`` and ``merged`` say how many events and
    outcomes it stands for, ``message_ids`` keeps the first 1,000 ids, ``attempts`` is the sum,
    and ``status``, ``body`` and ``reason`` are the first outcome's. Memory stays bounded; the
    counters (``Client.stats``, ``FlushResult``) stay exact."""

    @property
    def kind(self) -> Literal["delivered", "failed", "dropped"]:
        """What happened."""
    @property
    def message_ids(self) -> tuple[str, ...]:
        """The messageIds of the events concerned (of a merged outcome, the first 1,000)."""
    @property
    def count(self) -> int:
        """How many events this outcome concerns."""
    @property
    def merged(self) -> int:
        """How many outcomes were merged into this one: 1 unless ``on_outcome`` fell behind."""
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
        """How many requests were made for these events (of a merged outcome, in all)."""

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

@final
class OutcomeQueue:
    """Outcomes pushed by the worker thread, popped by the package's outcome thread; at most
    ``limit`` wait, outcomes of one kind merging past that."""

    def get(self, timeout: Optional[float] = None) -> Union[Outcome, LogRecord, None]:
        """The next outcome or log record, in the order the worker pushed them, waiting with the
        GIL released; ``None`` on timeout or when closed and drained."""
    @property
    def pushed(self) -> int:
        """Outcomes pushed since the client started."""
    @property
    def popped(self) -> int:
        """Outcomes popped since the client started, each merged one counted."""
    @property
    def peak(self) -> int:
        """The most outcomes that waited at once."""
    @property
    def limit(self) -> int:
        """The most outcomes that may wait at once."""
    def set_debug_logs(self, on: bool) -> None:
        """Whether the worker's debug records are queued from now on (at first they are)."""
    def take_logs_dropped(self) -> int:
        """Log records dropped and not yet reported by a record after them, now counted as
        reported."""
    @property
    def logs_dropped(self) -> int:
        """Log records dropped since the client started because ``log_limit`` waited."""
    @property
    def log_limit(self) -> int:
        """The most log records that may wait at once."""
    @property
    def done(self) -> bool:
        """Closed and drained: the outcome thread can stop."""

@final
class LogRecord:
    """One line of the client's log: a request, a retry, a split batch, or a failure while
    sending."""

    @property
    def level(self) -> str:
        """``"debug"``, ``"info"``, ``"warn"`` or ``"error"``."""
    @property
    def kind(self) -> str:
        """``"request"``, ``"retry"``, ``"split"`` or ``"internal"``."""
    @property
    def message(self) -> str:
        """The sentence."""
    @property
    def events(self) -> int:
        """The events concerned."""
    @property
    def attempt(self) -> int:
        """The attempt (1 for a batch's first request; 0 when none was made)."""
    @property
    def status(self) -> Optional[int]:
        """The HTTP status of the answer, if one came."""
    @property
    def dropped_before(self) -> int:
        """Log records dropped just before this one (the queue held ``log_limit``)."""

@disjoint_base
class Client:
    """The native client, base of ``rudder_group.Client`` (which documents the client and
    names every setting): ``group()`` validates in the caller's thread and enqueues; a native
    worker thread batches, sends and retries. One client may be shared by any number of threads.
    """

    def __new__(
        cls,
        write_key: str,
        data_plane_url: str,
        *,
        on_outcome: Optional[Callable[[Outcome], object]] = None,
        exit_timeout: Optional[float] = None,
        **settings: Any,
    ) -> Self:
        """Checks every setting through the client crate's settings table and starts the
        worker; ``rudder_group.Client`` names each setting."""
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
    def enqueue(self, event: GroupEvent) -> str:
        """Enqueues an event built with ``GroupEvent.build`` (validated there, with that call's
        options) and returns its messageId; the event is not converted again. Raises
        ``QueueFullError`` or ``ClientClosedError``."""
    def flush(self, timeout: Optional[float] = None) -> FlushResult:
        """Waits (GIL released) until every event enqueued before the call has an outcome."""
    def close(self, timeout: Optional[float] = None) -> FlushResult:
        """Flushes, then stops the worker (GIL released). Idempotent."""
    @property
    def stats(self) -> dict[str, int]:
        """Counters since the client started: ``enqueued``, ``delivered``, ``failed``,
        ``dropped``, ``retried``, ``throttled`` (429 answers, each of which halved the requests
        in flight), ``batches`` (requests), ``bytes`` (sent), ``queued`` (now),
        ``recovered`` (events an earlier client left in the spool, queued again at start) and
        ``spool_skipped`` (torn or damaged places skipped while reading the spool)."""
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
    @property
    def _outcomes(self) -> OutcomeQueue:
        """The queue the outcomes of the current worker go to."""
    def _after_fork_in_child(self) -> None:
        """In a child after ``fork()``: a fresh worker with the same settings, an empty queue,
        no spool."""
    def _begin_outcomes(self) -> None:
        """Starts the outcome thread now rather than at the first ``group()``: a client on a
        spool may have outcomes (of events an earlier client left) before any call."""

@final
class DropIn:
    """The group call of ``rudder_group.analytics`` for one of its clients: ``group`` is its
    ``Client.group`` for the common call, from the peer's arguments to ``(True, message)`` in
    one native call.
    A call it does not finish is handed to ``general`` (every call that needs a mapping of the
    peer's arguments, is refused, or comes while the ``rudder_group`` logger takes DEBUG lines)
    or, once the event is queued or dropped with a word to say (a lenient warning, a full
    queue, a closed client, ``kept`` past ``kept_max``), to ``finish(message, warnings, error)``.
    ``kept`` holds each message under its messageId from before its event can have an outcome
    (``None``: none is kept)."""

    def __new__(
        cls,
        client: Client,
        kept: Optional[dict[str, dict[str, Any]]],
        kept_max: int,
        general: Callable[..., tuple[bool, dict[str, Any]]],
        finish: Callable[
            [dict[str, Any], Optional[list[Issue]], Optional[RudderGroupError]],
            tuple[bool, dict[str, Any]],
        ],
    ) -> "DropIn": ...
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
    ) -> tuple[bool, dict[str, Any]]:
        """``Client.group`` of the drop-in: ``(success, message)``."""
    def send_call(
        self,
        group_id: _Id,
        traits: Optional[Mapping[str, Any]],
        user_id: Optional[_Id],
        anonymous_id: Optional[_Id],
        context: Optional[Mapping[str, Any]],
        integrations: Optional[Mapping[str, Any]],
        message_id: Optional[_Id],
        wire_timestamp: Optional[str],
        /,
    ) -> tuple[dict[str, Any], Optional[list[Issue]], Optional[RudderGroupError]]:
        """One call of the drop-in's general path: validates with the client's options
        (``wire_timestamp`` as in ``GroupEvent.build``), makes the message (a new dict equal to
        ``GroupEvent.to_dict()``), keeps it and enqueues the event. Returns ``(message,
        warnings, error)``: lenient validation's warnings (``None`` when none) and the enqueue's
        ``QueueFullError`` or ``ClientClosedError``. Raises ``ValidationError``."""

__all__ = [
    "DEFAULT_MAX_EVENT_BYTES",
    "ERROR_CODES",
    "Client",
    "DropIn",
    "FlushResult",
    "GroupEvent",
    "Issue",
    "LogRecord",
    "Outcome",
    "OutcomeQueue",
    "__version__",
    "error_class",
    "setting_default",
    "validate",
]
