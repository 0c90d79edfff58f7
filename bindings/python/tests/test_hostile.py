"""Hostile values: every user object meets a depth, cycle or size bound.

Cases that could crash the interpreter or take gigabytes run in a subprocess, which prints the
issues it got and its peak resident memory (VmHWM from /proc/self/status).
"""

from __future__ import annotations

import enum
import json
import subprocess
import sys
import textwrap
from typing import Any, Dict, List, Tuple

import pytest
import rudder_group as rg

MB = 1024 * 1024


def in_subprocess(setup: str, call: str) -> Dict[str, Any]:
    """Runs `setup`, then `call` (an expression giving a list of rg.Issue, or raising
    rg.ValidationError); returns the issues' codes, paths and messages, the error's code and the
    peak RSS in bytes."""
    script = textwrap.dedent(
        """
        import enum, json
        import rudder_group as rg
        {setup}
        code = None
        try:
            issues = {call}
        except rg.ValidationError as err:
            issues, code = err.issues, err.code
        peak = 0
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    peak = int(line.split()[1]) * 1024
        found = [[i.code, i.path, i.message] for i in issues]
        print(json.dumps({{"issues": found, "code": code, "peak": peak}}))
        """
    ).format(setup=textwrap.dedent(setup).strip(), call=call)
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, (
        f"the interpreter died ({result.returncode}): {result.stderr[-2000:]}"
    )
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def codes_and_paths(found: Dict[str, Any]) -> List[Tuple[str, str]]:
    return [(code, path) for code, path, _ in found["issues"]]


SELF_VALUE_ENUM = """
class E(enum.Enum):
    A = 1

    @property
    def value(self):
        return self
"""


def test_an_enum_whose_value_is_itself_is_a_circular_reference() -> None:
    found = in_subprocess(SELF_VALUE_ENUM, 'rg.GroupEvent.build("g", {"e": E.A}, user_id="u")')
    assert codes_and_paths(found) == [("UNSUPPORTED_VALUE", "/traits/e")]
    assert "circular reference" in found["issues"][0][2]


def test_an_enum_whose_stored_value_is_itself_is_a_circular_reference() -> None:
    setup = """
    class E(enum.Enum):
        A = 1
    E.A._value_ = E.A
    """
    call = 'rg.validate({"groupId": "g", "userId": "u", "traits": {"x": [E.A]}})'
    assert codes_and_paths(in_subprocess(setup, call)) == [("UNSUPPORTED_VALUE", "/traits/x/0")]


def test_an_enum_whose_value_wraps_itself_in_new_lists_is_bounded() -> None:
    class E(enum.Enum):  # type: ignore[misc]
        A = 1

        @property
        def value(self) -> Any:  # type: ignore[override]
            return [self]

    with pytest.raises(rg.ValidationError) as info:
        rg.GroupEvent.build("g", {"e": E.A}, user_id="u")
    assert [(i.code, i.path) for i in info.value.issues] == [("UNSUPPORTED_VALUE", "/traits/e/0")]


def test_enums_whose_values_are_other_enums_are_followed() -> None:
    class Inner(enum.Enum):  # type: ignore[misc]
        X = "x"

    class Outer(enum.Enum):  # type: ignore[misc]
        Y = Inner.X

    ev = rg.GroupEvent.build("g", {"o": Outer.Y, "again": Outer.Y}, user_id="u")
    assert ev.to_dict()["traits"] == {"o": "x", "again": "x"}


DOUBLING = """
d = "x"
for _ in range(24):
    d = [d, d]
"""


@pytest.mark.parametrize(
    "setup,call",
    [
        (DOUBLING, 'rg.GroupEvent.build("g", {"d": d}, user_id="u")'),
        ("big = [0] * 10**7", 'rg.GroupEvent.build("g", {"big": big}, user_id="u")'),
        (DOUBLING, 'rg.validate({"groupId": "g", "userId": "u", "context": {"d": d}})'),
    ],
    ids=["shared-references-doubling", "ten-million-items", "doubling-through-validate"],
)
def test_huge_values_stop_at_the_size_limit_in_bounded_memory(setup: str, call: str) -> None:
    found = in_subprocess(setup, call)
    assert codes_and_paths(found) == [("EVENT_TOO_LARGE", "")]
    # Before the budget: 3.2 GB for the doubling, 1.1 GB for the list (which itself is 80 MB).
    assert found["code"] in ("EVENT_TOO_LARGE", None)  # validate() returns, build() raises
    assert found["peak"] < 200 * MB, f"peak RSS {found['peak'] / MB:.0f} MB"


def test_validate_of_a_huge_dict_stops_at_the_size_limit() -> None:
    payload = {"groupId": "g", "userId": "u", "traits": {f"k{i}": i for i in range(100_000)}}
    issues = rg.validate(payload)
    assert [(i.code, i.path) for i in issues] == [("EVENT_TOO_LARGE", "")]


def test_problems_found_before_the_limit_come_after_event_too_large() -> None:
    traits = {"n": float("nan"), "b": b"x", "big": "y" * 40_000, "after": float("inf")}
    with pytest.raises(rg.ValidationError) as info:
        rg.GroupEvent.build("g", traits, user_id="u")
    assert info.value.code == "EVENT_TOO_LARGE"
    assert [(i.code, i.path) for i in info.value.issues] == [
        ("EVENT_TOO_LARGE", ""),
        ("NON_FINITE_NUMBER", "/traits/n"),
        ("UNSUPPORTED_VALUE", "/traits/b"),
    ]


def test_the_limit_counts_what_the_event_takes() -> None:
    # Values just under a raised limit are converted in full and the event is measured exactly.
    traits = {"big": "y" * 40_000}
    ev = rg.GroupEvent.build("g", traits, user_id="u", max_event_bytes=41_000)
    assert ev.traits == traits
    # One byte short of the event as written: the values fit, the event (sentAt included) does not.
    limit = len(ev.to_json().encode()) - 1
    with pytest.raises(rg.ValidationError) as info:
        rg.GroupEvent.build("g", traits, user_id="u", max_event_bytes=limit)
    [issue] = info.value.issues
    assert (issue.code, issue.path) == ("EVENT_TOO_LARGE", "")
    # Its size is the event's with sentAt as it is sent.
    size = limit + 1 + len('"sentAt":"2022-02-01T19:14:18.381Z",')
    assert (
        issue.message
        == f"the event is {size} bytes serialized with sentAt, over the limit of {limit} bytes"
    )
