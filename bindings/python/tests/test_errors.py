"""The error model: every code maps to exactly one class, with the matching builtin."""

from __future__ import annotations

import pickle

import pytest
import rudder_group as rg

VALIDATION = [
    "MISSING_GROUP_ID",
    "MISSING_IDENTITY",
    "INVALID_FIELD_TYPE",
    "INVALID_TRAIT",
    "INVALID_TIMESTAMP",
    "NON_FINITE_NUMBER",
    "UNSUPPORTED_VALUE",
    "TOO_DEEP",
    "EVENT_TOO_LARGE",
    "INVALID_JSON",
]
CLIENT = {
    "CLIENT_CLOSED": rg.ClientClosedError,
    "QUEUE_FULL": rg.QueueFullError,
    "FLUSH_TIMEOUT": rg.FlushTimeoutError,
    "DELIVERY_FAILED": rg.DeliveryFailedError,
    "INVALID_CONFIG": rg.ConfigError,
}


def test_every_code_has_one_class() -> None:
    assert list(rg.ERROR_CODES) == VALIDATION + list(CLIENT)
    for code in VALIDATION:
        assert rg.error_class(code) is rg.ValidationError
    for code, cls in CLIENT.items():
        assert rg.error_class(code) is cls
    with pytest.raises(ValueError):
        rg.error_class("NOPE")


def test_hierarchy_and_builtins() -> None:
    for cls in [rg.ValidationError, *CLIENT.values()]:
        assert issubclass(cls, rg.RudderGroupError)
    assert issubclass(rg.RudderGroupError, Exception)
    assert issubclass(rg.ValidationError, ValueError)
    assert issubclass(rg.ConfigError, ValueError)
    assert issubclass(rg.FlushTimeoutError, TimeoutError)
    assert issubclass(rg.ClientClosedError, RuntimeError)


def test_validation_error_has_code_of_first_issue_and_every_issue() -> None:
    with pytest.raises(ValueError) as info:
        rg.GroupEvent.build("", traits={"employees": -1})
    err = info.value
    assert isinstance(err, rg.ValidationError)
    assert err.code == "MISSING_GROUP_ID"
    assert [i.code for i in err.issues] == ["MISSING_GROUP_ID", "MISSING_IDENTITY", "INVALID_TRAIT"]
    assert str(err).startswith("invalid group event (3 problems): MISSING_GROUP_ID at /groupId")


@pytest.mark.parametrize("code", VALIDATION)
def test_each_validation_code_raises_validation_error(code: str) -> None:
    # One event per code, built from Python values (TOO_DEEP and INVALID_JSON from text).
    cases = {
        "MISSING_GROUP_ID": lambda: rg.GroupEvent.build("  ", user_id="u"),
        "MISSING_IDENTITY": lambda: rg.GroupEvent.build("g", user_id=" "),
        "INVALID_FIELD_TYPE": lambda: rg.GroupEvent.build("g", user_id="u", traits=[1]),
        "INVALID_TRAIT": lambda: rg.GroupEvent.build("g", {"website": 3}, user_id="u"),
        "INVALID_TIMESTAMP": lambda: rg.GroupEvent.build("g", user_id="u", timestamp="soon"),
        "NON_FINITE_NUMBER": lambda: rg.GroupEvent.build("g", {"x": float("inf")}, user_id="u"),
        "UNSUPPORTED_VALUE": lambda: rg.GroupEvent.build("g", {"x": object()}, user_id="u"),
        "TOO_DEEP": lambda: rg.GroupEvent.build(
            "g",
            {
                "x": [
                    [
                        [
                            [
                                [
                                    [
                                        [
                                            [
                                                [
                                                    [
                                                        [
                                                            [
                                                                [
                                                                    [
                                                                        [
                                                                            [
                                                                                [
                                                                                    [
                                                                                        [
                                                                                            [
                                                                                                [
                                                                                                    [
                                                                                                        [
                                                                                                            [
                                                                                                                [
                                                                                                                    [
                                                                                                                        [
                                                                                                                            [
                                                                                                                                [
                                                                                                                                    [
                                                                                                                                        [
                                                                                                                                            [
                                                                                                                                                [
                                                                                                                                                    [
                                                                                                                                                        [
                                                                                                                                                            [
                                                                                                                                                                [
                                                                                                                                                                    [
                                                                                                                                                                        [
                                                                                                                                                                            [
                                                                                                                                                                                [
                                                                                                                                                                                    [
                                                                                                                                                                                        [
                                                                                                                                                                                            [
                                                                                                                                                                                                [
                                                                                                                                                                                                    [
                                                                                                                                                                                                        [
                                                                                                                                                                                                            [
                                                                                                                                                                                                                [
                                                                                                                                                                                                                    [
                                                                                                                                                                                                                        [
                                                                                                                                                                                                                            [
                                                                                                                                                                                                                                [
                                                                                                                                                                                                                                    [
                                                                                                                                                                                                                                        [
                                                                                                                                                                                                                                            [
                                                                                                                                                                                                                                                [
                                                                                                                                                                                                                                                    [
                                                                                                                                                                                                                                                        [
                                                                                                                                                                                                                                                            [
                                                                                                                                                                                                                                                                [
                                                                                                                                                                                                                                                                    [
                                                                                                                                                                                                                                                                        [
                                                                                                                                                                                                                                                                            []
                                                                                                                                                                                                                                                                        ]
                                                                                                                                                                                                                                                                    ]
                                                                                                                                                                                                                                                                ]
                                                                                                                                                                                                                                                            ]
                                                                                                                                                                                                                                                        ]
                                                                                                                                                                                                                                                    ]
                                                                                                                                                                                                                                                ]
                                                                                                                                                                                                                                            ]
                                                                                                                                                                                                                                        ]
                                                                                                                                                                                                                                    ]
                                                                                                                                                                                                                                ]
                                                                                                                                                                                                                            ]
                                                                                                                                                                                                                        ]
                                                                                                                                                                                                                    ]
                                                                                                                                                                                                                ]
                                                                                                                                                                                                            ]
                                                                                                                                                                                                        ]
                                                                                                                                                                                                    ]
                                                                                                                                                                                                ]
                                                                                                                                                                                            ]
                                                                                                                                                                                        ]
                                                                                                                                                                                    ]
                                                                                                                                                                                ]
                                                                                                                                                                            ]
                                                                                                                                                                        ]
                                                                                                                                                                    ]
                                                                                                                                                                ]
                                                                                                                                                            ]
                                                                                                                                                        ]
                                                                                                                                                    ]
                                                                                                                                                ]
                                                                                                                                            ]
                                                                                                                                        ]
                                                                                                                                    ]
                                                                                                                                ]
                                                                                                                            ]
                                                                                                                        ]
                                                                                                                    ]
                                                                                                                ]
                                                                                                            ]
                                                                                                        ]
                                                                                                    ]
                                                                                                ]
                                                                                            ]
                                                                                        ]
                                                                                    ]
                                                                                ]
                                                                            ]
                                                                        ]
                                                                    ]
                                                                ]
                                                            ]
                                                        ]
                                                    ]
                                                ]
                                            ]
                                        ]
                                    ]
                                ]
                            ]
                        ]
                    ]
                ]
            },
            user_id="u",
        ),
        "EVENT_TOO_LARGE": lambda: rg.GroupEvent.build("g", {"x": "y" * 40_000}, user_id="u"),
        "INVALID_JSON": lambda: rg.GroupEvent.from_json("{"),
    }
    with pytest.raises(rg.ValidationError) as info:
        cases[code]()
    assert info.value.code == code
    assert info.value.issues[0].code == code


def test_errors_pickle_with_their_details() -> None:
    with pytest.raises(rg.ValidationError) as info:
        rg.GroupEvent.build("", user_id="u")
    again = pickle.loads(pickle.dumps(info.value))
    assert type(again) is rg.ValidationError
    assert (again.code, again.issues, str(again)) == (
        info.value.code,
        info.value.issues,
        str(info.value),
    )
    timeout = rg.FlushTimeoutError("timed out", "FLUSH_TIMEOUT", pending=3)
    again_t = pickle.loads(pickle.dumps(timeout))
    assert (again_t.code, again_t.pending, again_t.issues) == ("FLUSH_TIMEOUT", 3, [])  # type: ignore[attr-defined]


def test_flush_result_check_raises_delivery_failed() -> None:
    ok = rg.FlushResult(delivered=3)
    assert ok.check() is ok
    with pytest.raises(rg.DeliveryFailedError) as info:
        rg.FlushResult(delivered=1, failed=2, dropped=1).check()
    assert info.value.code == "DELIVERY_FAILED"
    assert (info.value.failed, info.value.dropped) == (2, 1)  # type: ignore[attr-defined]
    assert repr(rg.FlushResult(1, 2, 3)) == "FlushResult(delivered=1, failed=2, dropped=3)"
    assert pickle.loads(pickle.dumps(rg.FlushResult(1, 2, 3))) == rg.FlushResult(1, 2, 3)
