"""Every shared vector of tests/vectors, through every Python entry point that validates.

- `GroupEvent.from_json` on the case's text: the canonical output (compared as parsed JSON with
  exact number digits and key order everywhere) or every issue's code, path and message.
- `validate(text)`: the same issues, without raising.
- `validate(dict)` for cases given as a JSON object: the same issues through the conversion of
  Python values.
"""

from __future__ import annotations

import json
import re
from collections import OrderedDict
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest
import rudder_group as rg

VECTORS = Path(__file__).resolve().parents[3] / "tests" / "vectors"
LIBRARY = OrderedDict([("name", "rudder-group-python"), ("version", rg.__version__)])


class Raw(str):
    """A JSON number kept as its exact digits."""


def raw(text: str) -> Raw:
    # The exponent's spelling is not significant (`1e308`, `1E+308`); the digits are.
    return Raw(text.replace("E", "e").replace("e+", "e"))


def exact_loads(text: str) -> Any:
    """JSON with exact numbers (as `Raw` digits) and ordered objects (order-sensitive equality)."""
    return json.loads(text, object_pairs_hook=OrderedDict, parse_float=raw, parse_int=raw)


def exact_dumps(value: Any) -> str:
    """The inverse of `exact_loads`: numbers written with their exact digits."""
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, dict):
        return "{" + ",".join(json.dumps(k) + ":" + exact_dumps(v) for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(exact_dumps(v) for v in value) + "]"
    return json.dumps(value)


def load_cases() -> List[Tuple[str, Dict[str, Any], Dict[str, Any]]]:
    cases = []
    for path in sorted(VECTORS.glob("*.json")):
        text = path.read_text(encoding="utf-8")
        exact = exact_loads(text)
        plain = json.loads(text)
        for case, plain_case in zip(exact["cases"], plain["cases"], strict=True):
            cases.append((f"{path.stem}/{case['name']}", case, plain_case))
    return cases


CASES = load_cases()


# The vectors' sizes are measured with context.library naming rudder-group-rust; this binding's
# name is longer, so every size limit moves by the difference, and so does every size an
# EVENT_TOO_LARGE message gives.
SIZE_DELTA = len("rudder-group-python") - len("rudder-group-rust")


def options(case: Dict[str, Any]) -> Dict[str, Any]:
    opts = case.get("options") or {}
    out: Dict[str, Any] = {}
    if opts.get("lenient"):
        out["validation"] = "lenient"
    limit = int(opts.get("max_event_bytes", rg.DEFAULT_MAX_EVENT_BYTES))
    out["max_event_bytes"] = limit + SIZE_DELTA
    return out


def text_of(case: Dict[str, Any]) -> str:
    if "input_text" in case:
        return str(case["input_text"])
    return exact_dumps(case["input"])


Found = Tuple[str, str, str]


def pairs(items: List[Any]) -> List[Found]:
    """Code, path and message of each expected issue: the core's wording is compared too."""
    return [(i["code"], i["path"], sized(i["code"], i["message"])) for i in items]


def sized(code: str, message: str) -> str:
    """An expected message with the sizes of an EVENT_TOO_LARGE moved by SIZE_DELTA."""
    if code != "EVENT_TOO_LARGE":
        return message
    return re.sub(r"\d+", lambda m: str(int(m.group()) + SIZE_DELTA), message)


def split(issues: List[rg.Issue]) -> Tuple[List[Found], List[Found]]:
    errors = [(i.code, i.path, i.message) for i in issues if i.severity == "error"]
    warnings = [(i.code, i.path, i.message) for i in issues if i.severity == "warning"]
    return errors, warnings


def test_there_are_vectors() -> None:
    assert len(CASES) > 200
    names = [name for name, _, _ in CASES]
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("name,case,plain", CASES, ids=[c[0] for c in CASES])
def test_from_json(name: str, case: Dict[str, Any], plain: Dict[str, Any]) -> None:
    text = text_of(case)
    expected_warnings = pairs(case.get("expected_warnings", []))
    if "expected" in case:
        event = rg.GroupEvent.from_json(text, **options(case))
        expected = case["expected"]
        expected["context"]["library"] = LIBRARY
        actual = exact_loads(event.to_json())
        assert list(actual.keys()) == list(expected.keys())
        assert actual == expected
        assert [(w.code, w.path, w.message) for w in event.warnings] == expected_warnings
        assert all(w.severity == "warning" for w in event.warnings)
        assert event.to_dict() == json.loads(event.to_json())
        assert event.message_id == expected["messageId"]
    else:
        with pytest.raises(rg.ValidationError) as info:
            rg.GroupEvent.from_json(text, **options(case))
        errors, warnings = split(info.value.issues)
        assert errors == pairs(case["expected_error"])
        assert warnings == expected_warnings
        assert info.value.code == case["expected_error"][0]["code"]


@pytest.mark.parametrize("name,case,plain", CASES, ids=[c[0] for c in CASES])
def test_validate_text(name: str, case: Dict[str, Any], plain: Dict[str, Any]) -> None:
    errors, warnings = split(rg.validate(text_of(case), **options(case)))
    assert errors == pairs(case.get("expected_error", []))
    assert warnings == pairs(case.get("expected_warnings", []))


DICT_CASES = [c for c in CASES if isinstance(c[2].get("input"), dict)]


@pytest.mark.parametrize("name,case,plain", DICT_CASES, ids=[c[0] for c in DICT_CASES])
def test_validate_dict(name: str, case: Dict[str, Any], plain: Dict[str, Any]) -> None:
    payload = plain["input"]
    before = json.dumps(payload)
    errors, warnings = split(rg.validate(payload, **options(case)))
    assert errors == pairs(case.get("expected_error", []))
    assert warnings == pairs(case.get("expected_warnings", []))
    assert json.dumps(payload) == before


# The same vectors through the keyword entry points, `GroupEvent.build` and `Client.group` (which
# convert Python values straight to canonical bytes), for every case whose payload is an object
# with only the keys a call takes. `originalTimestamp` is the `timestamp` argument, so its
# problems are reported at `/timestamp`.
CALL_KEYWORDS = {
    "messageId": "message_id",
    "groupId": "group_id",
    "userId": "user_id",
    "anonymousId": "anonymous_id",
    "traits": "traits",
    "context": "context",
    "integrations": "integrations",
    "originalTimestamp": "timestamp",
}
CALL_CASES = [c for c in DICT_CASES if set(c[2]["input"]) <= set(CALL_KEYWORDS)]


def canonical(value: Any) -> str:
    """Canonical JSON of an exactly loaded object: compact, UTF-8, exact digits, keys in order."""
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, dict):
        return (
            "{"
            + ",".join(
                json.dumps(k, ensure_ascii=False) + ":" + canonical(v) for k, v in value.items()
            )
            + "}"
        )
    if isinstance(value, list):
        return "[" + ",".join(canonical(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def call_arguments(payload: Dict[str, Any]) -> Tuple[Any, Dict[str, Any]]:
    kwargs = {CALL_KEYWORDS[k]: v for k, v in payload.items() if k != "groupId"}
    return payload.get("groupId"), kwargs


def as_argument(issues: List[Found]) -> List[Found]:
    """The expected issues with `originalTimestamp` named as the `timestamp` argument."""
    out = []
    for code, path, message in issues:
        if path == "/originalTimestamp":
            path = "/timestamp"
            message = message.replace("originalTimestamp", "timestamp", 1)
        out.append((code, path, message))
    return out


def expected_bytes(case: Dict[str, Any]) -> str:
    expected = case["expected"]
    expected["context"]["library"] = LIBRARY
    return canonical(expected)


def test_most_cases_run_as_calls() -> None:
    assert len(CALL_CASES) > 150


@pytest.mark.parametrize("name,case,plain", CALL_CASES, ids=[c[0] for c in CALL_CASES])
def test_build(name: str, case: Dict[str, Any], plain: Dict[str, Any]) -> None:
    payload = plain["input"]
    before = json.dumps(payload)
    group_id, kwargs = call_arguments(payload)
    expected_warnings = pairs(case.get("expected_warnings", []))
    if "expected" in case:
        event = rg.GroupEvent.build(group_id, **kwargs, **options(case))
        assert event.to_json() == expected_bytes(case)
        assert [(w.code, w.path, w.message) for w in event.warnings] == expected_warnings
        assert event.to_dict() == json.loads(event.to_json())
    else:
        with pytest.raises(rg.ValidationError) as info:
            rg.GroupEvent.build(group_id, **kwargs, **options(case))
        errors, warnings = split(info.value.issues)
        assert errors == as_argument(pairs(case["expected_error"]))
        assert warnings == expected_warnings
    assert json.dumps(payload) == before


@pytest.mark.parametrize("name,case,plain", CALL_CASES, ids=[c[0] for c in CALL_CASES])
def test_client_group(name: str, case: Dict[str, Any], plain: Dict[str, Any]) -> None:
    payload = plain["input"]
    group_id, kwargs = call_arguments(payload)
    opts = options(case)
    client = rg.Client(
        "test-write-key",
        "memory",
        transport="memory",
        validation=opts.get("validation", "strict"),
        max_event_bytes=opts["max_event_bytes"],
    )
    try:
        if "expected" in case:
            assert client.group(group_id, **kwargs) == case["expected"]["messageId"]
            client.flush(5)
            sent = client.sent_events()
            assert len(sent) == 1
            del sent[0]["sentAt"]
            assert list(sent[0].keys()) == list(json.loads(expected_bytes(case)).keys())
            assert sent[0] == json.loads(expected_bytes(case))
        else:
            with pytest.raises(rg.ValidationError) as info:
                client.group(group_id, **kwargs)
            errors, warnings = split(info.value.issues)
            assert errors == as_argument(pairs(case["expected_error"]))
            client.flush(5)
            assert client.sent_events() == []
    finally:
        client.close(5)
