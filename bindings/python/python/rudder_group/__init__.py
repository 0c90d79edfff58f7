"""RudderStack group calls, built once in Rust: validated events, canonical JSON, and a client
that batches, retries and reports every outcome. See ``__init__.pyi`` for the documented API."""

from ._native import (
    DEFAULT_MAX_EVENT_BYTES,
    ERROR_CODES,
    FlushResult,
    GroupEvent,
    Issue,
    Outcome,
    __version__,
    error_class,
    validate,
)
from ._errors import (
    ClientClosedError,
    ConfigError,
    DeliveryFailedError,
    FlushTimeoutError,
    QueueFullError,
    RudderGroupError,
    ValidationError,
)
from ._client import Client, get_exit_timeout, set_exit_timeout

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
