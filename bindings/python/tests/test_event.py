"""GroupEvent, validate and Issue: the event side of the API."""

from __future__ import annotations

import json
import pickle

import pytest
import rudder_group as rg

MID = "3f1a0c52-8d2e-4d8a-9f4e-7d1f2b6c9a10"
TS = "2022-02-01T19:14:18.381Z"


def seed() -> rg.GroupEvent:
    return rg.GroupEvent.build(
        "12345",
        traits={"name": "MyGroup", "employees": 450},
        user_id="u1",
        message_id=MID,
        timestamp=TS,
    )


def test_build_gives_the_canonical_json_of_the_core() -> None:
    assert seed().to_json() == (
        '{"type":"group","messageId":"3f1a0c52-8d2e-4d8a-9f4e-7d1f2b6c9a10","groupId":"12345",'
        '"userId":"u1","traits":{"name":"MyGroup","employees":450},'
        '"context":{"library":{"name":"rudder-group-python","version":"' + rg.__version__ + '"}},'
        '"integrations":{"All":true},"originalTimestamp":"2022-02-01T19:14:18.381Z","channel":"server"}'
    )


def test_getters_and_to_dict() -> None:
    ev = seed()
    assert ev.message_id == MID
    assert ev.group_id == "12345"
    assert ev.user_id == "u1"
    assert ev.anonymous_id is None
    assert ev.original_timestamp == TS
    assert ev.traits == {"name": "MyGroup", "employees": 450}
    assert ev.context == {"library": {"name": "rudder-group-python", "version": rg.__version__}}
    assert ev.integrations == {"All": True}
    assert ev.warnings == []
    assert ev.to_dict() == json.loads(ev.to_json())
    assert list(ev.to_dict()) == [
        "type",
        "messageId",
        "groupId",
        "userId",
        "traits",
        "context",
        "integrations",
        "originalTimestamp",
        "channel",
    ]
    assert repr(ev) == f"GroupEvent(message_id='{MID}', group_id='12345')"


def test_defaults_fresh_message_id_and_now() -> None:
    a = rg.GroupEvent.build("g", anonymous_id="anon")
    b = rg.GroupEvent.build("g", anonymous_id="anon")
    assert a.message_id != b.message_id and len(a.message_id) == 36
    assert a.original_timestamp.endswith("Z") and len(a.original_timestamp) == 24
    assert a.anonymous_id == "anon" and a.user_id is None


def test_events_are_immutable_and_compare_by_content() -> None:
    ev = seed()
    with pytest.raises(AttributeError):
        ev.message_id = "x"  # type: ignore[misc]
    assert ev == seed()
    assert ev != rg.GroupEvent.build("12345", user_id="u1")


def test_from_json_round_trip() -> None:
    ev = seed()
    again = rg.GroupEvent.from_json(ev.to_json())
    assert again.to_json() == ev.to_json()
    with pytest.raises(rg.ValidationError) as info:
        rg.GroupEvent.from_json("[1]")
    assert info.value.code == "INVALID_JSON"


def test_lenient_turns_reserved_trait_errors_into_warnings() -> None:
    with pytest.raises(rg.ValidationError) as info:
        rg.GroupEvent.build("g", {"employees": -1, "email": 5}, user_id="u")
    assert [(i.code, i.path) for i in info.value.issues] == [
        ("INVALID_TRAIT", "/traits/employees"),
        ("INVALID_TRAIT", "/traits/email"),
    ]
    ev = rg.GroupEvent.build("g", {"employees": -1, "email": 5}, user_id="u", validation="lenient")
    assert [(w.code, w.path, w.severity) for w in ev.warnings] == [
        ("INVALID_TRAIT", "/traits/employees", "warning"),
        ("INVALID_TRAIT", "/traits/email", "warning"),
    ]
    assert ev.traits == {"employees": -1, "email": 5}


def test_max_event_bytes() -> None:
    with pytest.raises(rg.ValidationError) as info:
        rg.GroupEvent.build("g", {"blob": "x" * 500}, user_id="u", max_event_bytes=400)
    assert [(i.code, i.path) for i in info.value.issues] == [("EVENT_TOO_LARGE", "")]
    rg.GroupEvent.build("g", {"blob": "x" * 500}, user_id="u", max_event_bytes=4000)


@pytest.mark.parametrize(
    "kwargs", [{"validation": "loose"}, {"max_event_bytes": 0}, {"max_event_bytes": -5}]
)
def test_bad_validation_settings_are_config_errors(kwargs: dict) -> None:  # type: ignore[type-arg]
    with pytest.raises(rg.ConfigError) as info:
        rg.GroupEvent.build("g", user_id="u", **kwargs)
    assert info.value.code == "INVALID_CONFIG"
    assert info.value.setting in ("validation", "max_event_bytes")  # type: ignore[attr-defined]


def test_validate_takes_dicts_and_text_and_never_raises_for_bad_events() -> None:
    payload = {"groupId": "", "traits": {"employees": "many", "createdAt": 3}}
    issues = rg.validate(payload)
    assert [(i.code, i.path) for i in issues] == [
        ("MISSING_GROUP_ID", "/groupId"),
        ("MISSING_IDENTITY", "/userId"),
        ("INVALID_TRAIT", "/traits/createdAt"),
    ]
    assert rg.validate(json.dumps(payload)) == issues
    assert rg.validate({"groupId": 1, "userId": 2}) == []
    assert rg.validate("not json")[0].code == "INVALID_JSON"
    lenient = rg.validate(
        {"groupId": "g", "userId": "u", "traits": {"plan": 1}}, validation="lenient"
    )
    assert [(i.code, i.severity) for i in lenient] == [("INVALID_TRAIT", "warning")]
    with pytest.raises(TypeError):
        rg.validate([1, 2])  # type: ignore[arg-type]


def test_validate_dict_converts_python_values() -> None:
    issues = rg.validate({"groupId": "g", "userId": "u", "traits": {"b": b"x"}, 5: 1})
    assert [(i.code, i.path) for i in issues] == [
        ("UNSUPPORTED_VALUE", "/traits/b"),
        ("UNSUPPORTED_VALUE", "/5"),
    ]


def test_issue_class() -> None:
    issue = rg.validate({"userId": "u"})[0]
    assert (issue.code, issue.path, issue.severity) == ("MISSING_GROUP_ID", "/groupId", "error")
    assert "groupId" in issue.message
    assert str(issue).startswith("MISSING_GROUP_ID at /groupId: ")
    assert repr(issue).startswith("Issue(code='MISSING_GROUP_ID', path='/groupId'")
    assert eval(repr(issue), {"Issue": rg.Issue}) == issue
    made = rg.Issue("MISSING_GROUP_ID", "/groupId", issue.message)
    assert made == issue and hash(made) == hash(issue)
    assert pickle.loads(pickle.dumps(issue)) == issue
    assert str(rg.Issue("TOO_DEEP", "", "m", "warning")) == "TOO_DEEP at (event): m"
    with pytest.raises(ValueError):
        rg.Issue("NOT_A_CODE", "", "m")
    with pytest.raises(ValueError):
        rg.Issue("TOO_DEEP", "", "m", "fatal")


def test_large_events_round_trip() -> None:
    # Past 16 KiB, validation and serialization run with the GIL released: same results.
    traits = {f"k{i}": "v" * 100 for i in range(250)}
    ev = rg.GroupEvent.build("g", traits, user_id="u", max_event_bytes=100_000)
    assert len(ev.to_json()) > 25_000
    assert ev.traits == traits
    assert rg.GroupEvent.from_json(ev.to_json(), max_event_bytes=100_000) == ev
    assert rg.validate(ev.to_json(), max_event_bytes=100_000) == []
