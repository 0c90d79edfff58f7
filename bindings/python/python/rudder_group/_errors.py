"""The exception classes: one per error code family, each with ``.code`` and ``.issues``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, Iterable, List, Tuple

if TYPE_CHECKING:
    from ._native import Issue

__all__ = [
    "RudderGroupError",
    "ValidationError",
    "ClientClosedError",
    "QueueFullError",
    "FlushTimeoutError",
    "DeliveryFailedError",
    "ConfigError",
]


class RudderGroupError(Exception):
    """Base of every error of the package.

    ``code`` is the stable code string (for a validation error, the code of its first issue);
    ``issues`` lists every problem of a refused event (empty for client errors).
    """

    code: str
    """The stable code; for a validation error, the code of its first issue."""
    issues: List["Issue"]
    """Every problem of a refused event, errors first then warnings; empty for client errors."""

    def __init__(
        self, message: str, code: str, issues: Iterable["Issue"] = (), **details: Any
    ) -> None:
        super().__init__(message)
        self.code = code
        self.issues = list(issues)
        self._details = details
        for name, value in details.items():
            setattr(self, name, value)

    def __reduce__(self) -> Tuple[Any, ...]:
        return (_rebuild, (type(self), str(self), self.code, self.issues, self._details))


def _rebuild(
    cls: type, message: str, code: str, issues: List["Issue"], details: Dict[str, Any]
) -> RudderGroupError:
    err: RudderGroupError = cls(message, code, issues, **details)
    return err


class ValidationError(RudderGroupError, ValueError):
    """An event was refused: ``issues`` holds every problem with its code and JSON-pointer path."""


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
    """``FLUSH_TIMEOUT``: a flush or close did not finish in time. After ``flush()`` the
    ``pending`` events stay queued. After ``close()`` they have had their outcome before it
    raised: ``dropped`` were reported dropped (to ``on_outcome`` and the logger), ``kept`` stay
    in the spool for the next client on its directory."""

    pending: int
    """Events without an outcome when the time ran out."""
    dropped: int
    """Of those, events a close reported as dropped (0 after a flush)."""
    kept: int
    """Of those, events a close left in the spool (0 after a flush, or without a spool)."""


class DeliveryFailedError(RudderGroupError):
    """``DELIVERY_FAILED``: events reached a terminal failure (``failed`` and ``dropped`` counts)."""

    failed: int
    """Events that failed."""
    dropped: int
    """Events that were dropped."""


class ConfigError(RudderGroupError, ValueError):
    """``INVALID_CONFIG``: a setting is out of range or malformed; the message names it."""

    setting: str
    """The keyword argument at fault."""


def _public(*classes: type) -> None:
    for cls in classes:
        cls.__module__ = "rudder_group"


_public(
    RudderGroupError,
    ValidationError,
    ClientClosedError,
    QueueFullError,
    FlushTimeoutError,
    DeliveryFailedError,
    ConfigError,
)
