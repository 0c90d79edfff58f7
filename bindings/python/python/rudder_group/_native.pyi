"""The compiled module ``rudder_group._native``. Its public names are re-exported and documented
by the package (``rudder_group/__init__.pyi``); this stub types what the package's own Python
modules use."""

from collections.abc import Callable
from typing import Any, Optional, final

from typing_extensions import Self, disjoint_base

from rudder_group import (
    DEFAULT_MAX_EVENT_BYTES as DEFAULT_MAX_EVENT_BYTES,
    ERROR_CODES as ERROR_CODES,
    FlushResult as FlushResult,
    GroupEvent as GroupEvent,
    Issue as Issue,
    Outcome as Outcome,
    __version__ as __version__,
    error_class as error_class,
    validate as validate,
)

@final
class OutcomeQueue:
    """Outcomes pushed by the worker thread, popped by the package's outcome thread."""

    def get(self, timeout: Optional[float] = None) -> Optional[Outcome]:
        """The next outcome, waiting with the GIL released; ``None`` on timeout or when closed
        and drained."""
    @property
    def pushed(self) -> int:
        """Outcomes pushed since the client started."""
    @property
    def done(self) -> bool:
        """Closed and drained: the outcome thread can stop."""

@disjoint_base
class Client:
    """The native client; ``rudder_group.Client`` derives from it and documents it."""

    def __new__(
        cls,
        write_key: str,
        data_plane_url: str,
        *,
        on_outcome: Optional[Callable[[Outcome], object]] = None,
        exit_timeout: Optional[float] = None,
        **settings: Any,
    ) -> Self: ...
    def group(
        self,
        group_id: Any,
        traits: Any = None,
        *,
        user_id: Any = None,
        anonymous_id: Any = None,
        context: Any = None,
        integrations: Any = None,
        timestamp: Any = None,
        message_id: Any = None,
    ) -> str: ...
    def flush(self, timeout: Optional[float] = None) -> FlushResult: ...
    def close(self, timeout: Optional[float] = None) -> FlushResult: ...
    def sent_events(self) -> list[dict[str, Any]]: ...
    @property
    def stats(self) -> dict[str, int]: ...
    @property
    def closed(self) -> bool: ...
    @property
    def data_plane_url(self) -> str: ...
    @property
    def exit_timeout(self) -> Optional[float]: ...
    @property
    def _outcomes(self) -> OutcomeQueue: ...
    def _after_fork_in_child(self) -> None: ...

__all__ = [
    "DEFAULT_MAX_EVENT_BYTES",
    "ERROR_CODES",
    "Client",
    "FlushResult",
    "GroupEvent",
    "Issue",
    "Outcome",
    "OutcomeQueue",
    "__version__",
    "error_class",
    "validate",
]
