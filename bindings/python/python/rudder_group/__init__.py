"""RudderStack group calls, built once in Rust: validated events, canonical JSON, and a client
that batches, retries and reports every outcome. Every name is typed and documented where it is
defined: the facade's modules inline, the native module in ``_native.pyi``.

Values given to ``GroupEvent.build``, ``Client.group`` and ``validate`` are converted to JSON by
these rules:

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

import typing as _typing

if _typing.TYPE_CHECKING:
    from ._client import Client, get_exit_timeout, set_exit_timeout
    from ._errors import (
        ClientClosedError,
        ConfigError,
        DeliveryFailedError,
        FlushTimeoutError,
        QueueFullError,
        RudderGroupError,
        ValidationError,
    )
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

# The module each public name comes from. They are imported on first use, not by
# `import rudder_group`: the package's pytest plugin and `rudder_group.testing` are imported in
# every test run of a project that installs the package, and must not load the native module
# or register the client's exit and fork hooks there.
_HOMES: _typing.Dict[str, str] = {
    **dict.fromkeys(
        [
            "DEFAULT_MAX_EVENT_BYTES",
            "ERROR_CODES",
            "FlushResult",
            "GroupEvent",
            "Issue",
            "Outcome",
            "__version__",
            "error_class",
            "validate",
        ],
        "_native",
    ),
    **dict.fromkeys(
        [
            "ClientClosedError",
            "ConfigError",
            "DeliveryFailedError",
            "FlushTimeoutError",
            "QueueFullError",
            "RudderGroupError",
            "ValidationError",
        ],
        "_errors",
    ),
    **dict.fromkeys(["Client", "get_exit_timeout", "set_exit_timeout"], "_client"),
}

if not _typing.TYPE_CHECKING:

    def __getattr__(name: str) -> _typing.Any:
        home = _HOMES.get(name)
        if home is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        import importlib

        value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
        globals()[name] = value
        return value

    def __dir__() -> _typing.List[str]:
        return sorted(set(globals()) | set(__all__))
