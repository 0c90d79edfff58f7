"""Python values to JSON: every supported type, every refused one, with its path."""

from __future__ import annotations

import collections
import copy
import enum
import json
import uuid
from datetime import date, datetime, timedelta, timezone, tzinfo
from decimal import Decimal
from typing import Any, List, Optional, Tuple

import pytest
import rudder_group as rg

MID = "3f1a0c52-8d2e-4d8a-9f4e-7d1f2b6c9a10"
TS = "2022-02-01T19:14:18.381Z"


def traits_json(traits: Any) -> str:
    """The `traits` member of the canonical JSON, as text."""
    text = rg.GroupEvent.build("g", traits, user_id="u", message_id=MID, timestamp=TS).to_json()
    start = text.index('"traits":') + len('"traits":')
    end = text.index(',"context":')
    return text[start:end]


def problems(**kwargs: Any) -> List[Tuple[str, str]]:
    kwargs.setdefault("user_id", "u")
    group_id = kwargs.pop("group_id", "g")
    with pytest.raises(rg.ValidationError) as info:
        rg.GroupEvent.build(group_id, **kwargs)
    return [(i.code, i.path) for i in info.value.issues]


class Color(enum.Enum):
    RED = "red"
    NESTED = {"a": [1, 2]}


class Size(enum.IntEnum):
    BIG = 3


class Kind(str, enum.Enum):
    A = "kind-a"


class MyStr(str):
    pass


class MyInt(int):
    def __repr__(self) -> str:
        return "not digits"


class MyFloat(float):
    pass


class MyList(list):  # type: ignore[type-arg]
    pass


def test_scalars() -> None:
    assert traits_json({"s": "x", "t": True, "f": False, "n": None, "i": -7, "x": 1.5}) == (
        '{"s":"x","t":true,"f":false,"n":null,"i":-7,"x":1.5}'
    )


def test_unicode_strings_kept_exactly() -> None:
    value = "Café 🚀 \u0301 株式会社 \x00"
    assert json.loads(traits_json({"k": value}))["k"] == value


def test_integers_of_any_size_are_exact() -> None:
    big = 2**64 + 1
    text = traits_json({"a": 2**63 - 1, "b": 2**64 - 1, "c": big, "d": -(2**80), "e": 10**40})
    assert text == (
        '{"a":9223372036854775807,"b":18446744073709551615,"c":18446744073709551617,'
        '"d":-1208925819614629174706176,"e":10000000000000000000000000000000000000000}'
    )
    assert rg.GroupEvent.build("g", {"c": big}, user_id="u").traits == {"c": big}


def test_integer_ids_become_decimal_strings() -> None:
    ev = rg.GroupEvent.build(12345, user_id=2**70, anonymous_id=-3, message_id=99)
    assert (ev.group_id, ev.user_id, ev.anonymous_id, ev.message_id) == (
        "12345",
        str(2**70),
        "-3",
        "99",
    )
    assert ev.to_dict()["groupId"] == "12345"


@pytest.mark.parametrize("bad", [True, 1.5, [], {}, b"x"])
def test_ids_of_other_types_are_refused(bad: Any) -> None:
    found = problems(group_id="g", user_id=bad)
    assert found[0][1] == "/userId"
    assert found[0][0] in ("INVALID_FIELD_TYPE", "UNSUPPORTED_VALUE")


def test_floats() -> None:
    text = traits_json({"a": 0.1, "b": -2.5e-7, "c": 1e16, "d": 3.0, "e": 1e-5})
    assert text == '{"a":0.1,"b":-2.5e-7,"c":1e+16,"d":3.0,"e":0.00001}'
    assert json.loads(text) == {"a": 0.1, "b": -2.5e-7, "c": 1e16, "d": 3.0, "e": 1e-5}


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_non_finite_floats_are_refused_with_their_path(value: float) -> None:
    assert problems(traits={"a": {"b": [1, value]}}) == [("NON_FINITE_NUMBER", "/traits/a/b/1")]


def test_lists_tuples_and_subclasses() -> None:
    od = collections.OrderedDict([("z", 1), ("a", 2)])
    dd: collections.defaultdict[str, int] = collections.defaultdict(int, {"k": 1})
    assert traits_json(
        {"l": [1, [2]], "t": (1, (2, 3)), "od": od, "dd": dd, "ml": MyList([4])}
    ) == ('{"l":[1,[2]],"t":[1,[2,3]],"od":{"z":1,"a":2},"dd":{"k":1},"ml":[4]}')


def test_key_order_is_kept() -> None:
    keys = ["zeta", "alpha", "mid", "beta"]
    ev = rg.GroupEvent.build("g", {k: 1 for k in keys}, user_id="u", context={"b": 1, "a": 2})
    assert list(ev.traits) == keys
    assert list(ev.context) == ["b", "a", "library"]


def test_subclasses_of_str_int_float() -> None:
    assert (
        traits_json({"s": MyStr("x"), "i": MyInt(5), "f": MyFloat(2.5)})
        == '{"s":"x","i":5,"f":2.5}'
    )
    assert traits_json({"big": MyInt(2**70)}) == '{"big":1180591620717411303424}'


def test_aware_datetimes_become_utc_with_milliseconds() -> None:
    est = timezone(timedelta(hours=-5))
    value = datetime(2022, 2, 1, 14, 14, 18, 381999, tzinfo=est)
    assert traits_json({"at": value}) == '{"at":"2022-02-01T19:14:18.381Z"}'


def test_naive_datetimes_in_traits_are_written_without_an_offset() -> None:
    value = datetime(2020, 1, 31, 10, 0, 0, 5000)
    assert traits_json({"createdAt": value, "x": [value]}) == (
        '{"createdAt":"2020-01-31T10:00:00.005","x":["2020-01-31T10:00:00.005"]}'
    )


def test_dates() -> None:
    assert traits_json({"createdAt": date(2020, 1, 31), "d": date(5, 6, 7)}) == (
        '{"createdAt":"2020-01-31","d":"0005-06-07"}'
    )


def test_timestamp_aware_datetime_goes_to_original_timestamp() -> None:
    cet = timezone(timedelta(hours=1))
    ev = rg.GroupEvent.build(
        "g", user_id="u", timestamp=datetime(2022, 2, 1, 20, 14, 18, 381000, tzinfo=cet)
    )
    assert ev.original_timestamp == "2022-02-01T19:14:18.381Z"
    assert "timestamp" not in ev.to_dict()


def test_timestamp_string_is_normalized() -> None:
    ev = rg.GroupEvent.build("g", user_id="u", timestamp="2022-02-01T20:14:18.3814+01:00")
    assert ev.original_timestamp == "2022-02-01T19:14:18.381Z"


@pytest.mark.parametrize(
    "value",
    [
        datetime(2022, 2, 1, 19, 14, 18),
        "2022-02-01T19:14:18",
        "yesterday",
        date(2022, 2, 1),
        1643742858,
    ],
)
def test_timestamps_that_name_no_instant_are_refused(value: Any) -> None:
    assert problems(timestamp=value) == [("INVALID_TIMESTAMP", "/timestamp")]


def test_decimals_keep_their_digits() -> None:
    text = traits_json(
        {
            "a": Decimal("1.50"),
            "b": Decimal("-0"),
            "c": Decimal("1E+3"),
            "d": Decimal("0.1000000000000000000000000001"),
        }
    )
    assert text == '{"a":1.50,"b":-0,"c":1e+3,"d":0.1000000000000000000000000001}'


@pytest.mark.parametrize("value", ["NaN", "sNaN", "Infinity", "-Infinity"])
def test_non_finite_decimals_are_refused(value: str) -> None:
    assert problems(traits={"x": Decimal(value)}) == [("NON_FINITE_NUMBER", "/traits/x")]


def test_uuids_and_enums() -> None:
    u = uuid.UUID("12345678-1234-5678-1234-567812345678")
    assert traits_json({"u": u, "c": Color.RED, "n": Color.NESTED, "s": Size.BIG, "k": Kind.A}) == (
        '{"u":"12345678-1234-5678-1234-567812345678","c":"red","n":{"a":[1,2]},"s":3,"k":"kind-a"}'
    )
    assert rg.GroupEvent.build(Kind.A, user_id=u, message_id=u).user_id == str(u)


class Thing:
    pass


@pytest.mark.parametrize(
    "value,type_name",
    [
        (b"bytes", "bytes"),
        (bytearray(b"x"), "bytearray"),
        ({1, 2}, "set"),
        (frozenset(), "frozenset"),
        (Thing(), "Thing"),
        (len, "builtin_function_or_method"),
        (1j, "complex"),
        (range(3), "range"),
    ],
)
def test_values_without_json_form_are_refused_with_path(value: Any, type_name: str) -> None:
    with pytest.raises(rg.ValidationError) as info:
        rg.GroupEvent.build("g", {"ok": 1, "list": ["fine", value]}, user_id="u")
    [issue] = info.value.issues
    assert (issue.code, issue.path, issue.severity) == (
        "UNSUPPORTED_VALUE",
        "/traits/list/1",
        "error",
    )
    assert type_name in issue.message


def test_non_str_keys_are_refused() -> None:
    assert problems(traits={1: "a", (1, 2): "b", "ok": 1}, context={None: 1}) == [
        ("UNSUPPORTED_VALUE", "/traits/1"),
        ("UNSUPPORTED_VALUE", "/traits/(1, 2)"),
        ("UNSUPPORTED_VALUE", "/context/None"),
    ]


def test_lone_surrogates_are_refused() -> None:
    found = problems(traits={"v": "a\udc00b", "k\ud800": 1})
    assert found[0] == ("UNSUPPORTED_VALUE", "/traits/v")
    # A path is UTF-8 text too: the surrogate of the key shows as U+FFFD.
    assert found[1][0] == "UNSUPPORTED_VALUE"
    assert found[1][1].startswith("/traits/k\ufffd") and len(found) == 2


def test_cycles_are_refused_and_shared_values_are_not() -> None:
    d: dict = {"x": 1}  # type: ignore[type-arg]
    d["self"] = d
    lst: list = [1]  # type: ignore[type-arg]
    lst.append({"back": lst})
    assert problems(traits={"d": d, "l": lst}) == [
        ("UNSUPPORTED_VALUE", "/traits/d/self"),
        ("UNSUPPORTED_VALUE", "/traits/l/1/back"),
    ]
    shared = {"s": [1, 2]}
    assert traits_json({"a": shared, "b": shared, "c": [shared, shared]}) == (
        '{"a":{"s":[1,2]},"b":{"s":[1,2]},"c":[{"s":[1,2]},{"s":[1,2]}]}'
    )


def nest(levels: int, leaf: Any) -> Any:
    value = leaf
    for _ in range(levels):
        value = {"a": value}
    return value


def test_depth_limit_and_very_deep_values() -> None:
    # traits is level 2: 64 nested dicts reach level 65, one too deep.
    rg.GroupEvent.build("g", nest(63, 1), user_id="u")
    assert problems(traits=nest(64, 1)) == [("TOO_DEEP", "/traits" + "/a" * 63)]
    deep: list = []  # type: ignore[type-arg]
    for _ in range(100_000):
        deep = [deep]
    assert problems(traits={"x": deep}) == [("TOO_DEEP", "/traits/x" + "/0" * 62)]


def test_the_callers_objects_are_not_changed() -> None:
    traits = {"name": "Acme", "nested": {"tags": ["a", "b"]}, "at": datetime(2020, 1, 1)}
    context = {"ip": "1.2.3.4", "library": {"name": "mine"}}
    integrations = {"All": False}
    before = copy.deepcopy((traits, context, integrations))
    ev = rg.GroupEvent.build("g", traits, user_id="u", context=context, integrations=integrations)
    assert (traits, context, integrations) == before
    assert ev.context["library"]["name"] == "rudder-group-python"
    got = ev.traits
    got["name"] = "changed"
    assert ev.traits["name"] == "Acme"


def test_every_problem_comes_back_together_conversion_first() -> None:
    found = problems(
        group_id="", user_id=None, traits={"employees": -1, "b": b"x", "n": float("nan")}
    )
    assert found == [
        ("UNSUPPORTED_VALUE", "/traits/b"),
        ("NON_FINITE_NUMBER", "/traits/n"),
        ("MISSING_GROUP_ID", "/groupId"),
        ("MISSING_IDENTITY", "/userId"),
        ("INVALID_TRAIT", "/traits/employees"),
    ]


class MutatingZone(tzinfo):
    """A time zone whose utcoffset empties the dict being converted."""

    def __init__(self, victim: dict) -> None:  # type: ignore[type-arg]
        self.victim = victim

    def utcoffset(self, dt: Optional[datetime]) -> timedelta:
        self.victim.clear()
        return timedelta(0)

    def dst(self, dt: Optional[datetime]) -> timedelta:
        return timedelta(0)


class BrokenZone(tzinfo):
    def utcoffset(self, dt: Optional[datetime]) -> timedelta:
        raise RuntimeError("no offset today")


def test_code_run_during_conversion_cannot_break_it() -> None:
    victim: dict = {"a": 1, "b": 2}  # type: ignore[type-arg]
    victim["at"] = datetime(2020, 1, 1, tzinfo=MutatingZone(victim))
    victim["z"] = 3
    found = problems(traits={"v": victim})
    assert found == [("UNSUPPORTED_VALUE", "/traits/v")]
    assert problems(traits={"at": datetime(2020, 1, 1, tzinfo=BrokenZone())}) == [
        ("UNSUPPORTED_VALUE", "/traits/at")
    ]


def test_null_traits_are_kept_and_differ_from_absent() -> None:
    ev = rg.GroupEvent.build("g", {"plan": None, "name": None}, user_id="u")
    assert ev.to_dict()["traits"] == {"plan": None, "name": None}
    assert rg.GroupEvent.build("g", user_id="u").to_dict()["traits"] == {}


class SameText(str):
    """A key type whose equal texts are different dict keys."""

    def __hash__(self) -> int:
        return id(self)

    def __eq__(self, other: object) -> bool:
        return self is other


def test_a_key_text_given_twice_is_refused() -> None:
    traits = {SameText("tier"): "gold", SameText("tier"): "silver", "seats": 3}
    assert len(traits) == 3
    assert problems(traits=traits) == [("UNSUPPORTED_VALUE", "/traits/tier")]
    assert traits_json({SameText("tier"): "gold", "seats": 3}) == '{"tier":"gold","seats":3}'


def test_problems_in_the_written_fields_come_where_validation_scans() -> None:
    # Field errors first (the id's type, the reserved trait), then the scan's findings in the
    # order of the event's keys: a Decimal past a float, a container past the depth limit.
    deep: Any = {}
    for _ in range(70):
        deep = {"d": deep}
    with pytest.raises(rg.ValidationError) as info:
        rg.GroupEvent.build(
            "g",
            {"big": Decimal("1E+999"), "name": 5},
            user_id=1.5,
            context={"deep": deep},
            integrations={"x": Decimal("-1E+999")},
        )
    assert [
        i.message.split(" is not")[0] for i in info.value.issues if i.code == "NON_FINITE_NUMBER"
    ] == [
        "1e+999",
        "-1e+999",
    ]
    found = problems(
        user_id=1.5,
        traits={"big": Decimal("1E+999"), "name": 5},
        context={"deep": deep},
        integrations={"x": Decimal("-1E+999")},
    )
    assert found == [
        ("INVALID_FIELD_TYPE", "/userId"),
        ("INVALID_TRAIT", "/traits/name"),
        ("NON_FINITE_NUMBER", "/traits/big"),
        ("TOO_DEEP", "/context" + "/deep" + "/d" * 62),
        ("NON_FINITE_NUMBER", "/integrations/x"),
    ]


def test_the_callers_library_is_replaced_in_place() -> None:
    event = rg.GroupEvent.build(
        "g", user_id="u", context={"ip": "1.2.3.4", "library": {"x": 1}, "os": "linux"}
    )
    text = event.to_json()
    assert '"context":{"ip":"1.2.3.4","library":{"name":"rudder-group-python","version":"' in text
    assert event.context["os"] == "linux"
    assert list(event.context) == ["ip", "library", "os"]
    assert list(rg.GroupEvent.build("g", user_id="u", context={}).context) == ["library"]
