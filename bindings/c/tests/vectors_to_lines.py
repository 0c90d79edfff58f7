#!/usr/bin/env python3
"""Flattens the shared vectors (tests/vectors/*.json) into a line format the C test reads.

The C test vendors no JSON library, so this script does the JSON work that is not under test:
it writes each case's input text, its options, and its expectation with
`expected.context.library` replaced by the C library's name and version. Numbers keep the exact
digits of the vector file, in the form the core's parser keeps them (serde_json with
arbitrary precision: the exponent is written `e` with its sign, `1E5` is `1e+5`), so the expected
canonical JSON is byte-for-byte what the core writes, as in the Rust runner.

Output, one record per case (hex strings are prefixed with "x" so an empty one is visible):

    case <file>/<name>
    options <lenient 0|1> <max_event_bytes>
    input x<hex of the input text>
    expect x<hex of the expected canonical JSON>      (a valid case)
    errors <n>                                        (a refused case), then n lines:
    issue <CODE> x<hex of the JSON pointer> x<hex of the message>
    warnings <n>, then n issue lines
    end

`max_event_bytes`: the vectors' limits are computed for events naming `rudder-group-rust`;
`rudder-group-c` is shorter, so every limit (the default 32,768 included) is shifted by the
difference in bytes, and so is every size an `EVENT_TOO_LARGE` message gives. The at-limit and
one-past-limit cases then test the same boundary.

Usage: vectors_to_lines.py VECTORS_DIR VERSION OUT_FILE
"""

import glob
import json
import os
import re
import sys

DEFAULT_MAX_EVENT_BYTES = 32768


class RawNumber(str):
    """A JSON number kept as the digits it was written with."""


EXPONENT = re.compile(r"[eE]([+-]?)")


def raw_number(text):
    return RawNumber(EXPONENT.sub(lambda m: "e" + (m.group(1) or "+"), text))


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f, parse_int=raw_number, parse_float=raw_number)


def dump(value):
    """Compact JSON in the caller's key order, numbers as written, UTF-8 unescaped."""
    if isinstance(value, RawNumber):
        return str(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ",".join(dump(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(dump(k) + ":" + dump(v) for k, v in value.items()) + "}"
    raise TypeError(f"unexpected {type(value).__name__}")


def library(name, version):
    return dump({"name": name, "version": version})


def hexed(text):
    return "x" + text.encode("utf-8").hex()


def issues(kind, items, out, shift):
    out.append(f"{kind} {len(items)}")
    for item in items:
        message = item["message"]
        if item["code"] == "EVENT_TOO_LARGE":
            # The sizes it gives move with the limit.
            message = re.sub(r"\d+", lambda m: str(int(m.group()) + shift), message)
        out.append(f"issue {item['code']} {hexed(item['path'])} {hexed(message)}")


def main():
    vectors_dir, version, out_file = sys.argv[1:4]
    shift = len(library("rudder-group-c", version)) - len(library("rudder-group-rust", version))
    lines = []
    count = 0
    for path in sorted(glob.glob(os.path.join(vectors_dir, "*.json"))):
        file = os.path.basename(path)
        for case in load(path)["cases"]:
            name = f"{file}/{case['name']}"
            if "\n" in name:
                raise SystemExit(f"{name!r}: a case name holds a newline")
            text = case["input_text"] if "input_text" in case else dump(case["input"])
            if "\0" in text:
                raise SystemExit(f"{name}: a NUL byte cannot be passed as a C string")
            options = case.get("options", {})
            lenient = 1 if options.get("lenient", False) else 0
            limit = int(options.get("max_event_bytes", DEFAULT_MAX_EVENT_BYTES)) + shift
            lines.append(f"case {name}")
            lines.append(f"options {lenient} {limit}")
            lines.append(f"input {hexed(text)}")
            if "expected" in case:
                expected = case["expected"]
                expected["context"]["library"] = {"name": "rudder-group-c", "version": version}
                lines.append(f"expect {hexed(dump(expected))}")
            else:
                issues("errors", case["expected_error"], lines, shift)
            issues("warnings", case.get("expected_warnings", []), lines, shift)
            lines.append("end")
            count += 1
    if count == 0:
        raise SystemExit(f"no vector cases in {vectors_dir}")
    with open(out_file, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    print(f"{count} vector cases -> {out_file}")


if __name__ == "__main__":
    main()
