#!/usr/bin/env python3
"""Sets the one version of every crate and package: `make bump-version VERSION=X.Y.Z`.

The places, each edited in its own text so that formatting and comments stay:
- Cargo.toml: [workspace.package] version and the versions of the workspace's path dependencies
  (every member's Cargo.toml too), and the workspace packages in Cargo.lock;
- bindings/node/package.json and package-lock.json, bench/node/package.json and package-lock.json;
- bindings/node/index.js, the loader napi generates from package.json (it checks the version of the
  platform package it loads);
- bindings/c/include/rudder_group.h: RUDDER_GROUP_VERSION and its MAJOR, MINOR and PATCH macros
  (what cbindgen would write from the new version);
- CHANGELOG.md: the top heading `## <version> (unreleased)` is renamed; a released one (any other
  text in the parentheses) gets a new unreleased heading above it.
pyproject.toml has no version of its own: maturin reads it from Cargo.

crates/rudder-group/tests/version_lockstep.rs reads every place back: it fails when they disagree,
and when this script misses one (it runs the script on a copy of the files).

Usage: bump_version.py NEW_VERSION [--root DIR]
"""

import argparse
import pathlib
import re
import sys

SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")
NPM_FILES = [
    "bindings/node/package.json",
    "bindings/node/package-lock.json",
    "bench/node/package.json",
    "bench/node/package-lock.json",
]
HEADER = "bindings/c/include/rudder_group.h"
LOADER = "bindings/node/index.js"


def current_version(root: pathlib.Path) -> str:
    """The [workspace.package] version of the root Cargo.toml."""
    text = (root / "Cargo.toml").read_text()
    section = text.split("[workspace.package]", 1)[1]
    return re.search(r'^version = "([^"]+)"', section, re.M).group(1)


def edit(path: pathlib.Path, change) -> None:
    text = path.read_text()
    new = change(text)
    if new == text:
        raise SystemExit(f"bump_version: nothing to change in {path}")
    path.write_text(new)


def cargo_manifests(root: pathlib.Path):
    yield root / "Cargo.toml"
    for path in sorted(root.glob("*/*/Cargo.toml")) + sorted(root.glob("*/Cargo.toml")):
        if "target" not in path.parts and "node_modules" not in path.parts:
            yield path


def bump(root: pathlib.Path, old: str, new: str) -> None:
    q_old = re.escape(old)
    # [workspace.package] version.
    edit(root / "Cargo.toml", lambda t: re.sub(rf'(?m)^version = "{q_old}"', f'version = "{new}"', t, 1))
    # Path dependencies on the workspace's crates, wherever they are declared.
    for manifest in cargo_manifests(root):
        text = manifest.read_text()
        changed = re.sub(
            rf'(?m)^(rudder-group[\w-]* = \{{[^}}\n]*\bpath = [^}}\n]*\bversion = "){q_old}(")',
            rf"\g<1>{new}\g<2>",
            text,
        )
        if changed != text:
            manifest.write_text(changed)
    # Cargo.lock: the workspace's packages (those without a source).
    edit(
        root / "Cargo.lock",
        lambda t: re.sub(
            rf'(\[\[package\]\]\nname = "rudder[\w-]*"\nversion = "){q_old}("\n(?!source))',
            rf"\g<1>{new}\g<2>",
            t,
        ),
    )
    # npm: the package's own version (package.json), and in the lock file the top one and the
    # root package's (packages[""]).
    for name in NPM_FILES:
        path = root / name
        count = 2 if name.endswith("package-lock.json") else 1
        edit(
            path,
            lambda t, c=count: re.sub(
                rf'(?m)^(  "version": |      "version": ){json_str(old)}',
                rf'\g<1>"{new}"',
                t,
                c,
            ),
        )
    edit(
        root / LOADER,
        lambda t: t.replace(f"bindingPackageVersion !== '{old}'", f"bindingPackageVersion !== '{new}'")
        .replace(f"expected {old} but got", f"expected {new} but got"),
    )
    major, minor, patch = SEMVER.match(new).groups()

    def header(text: str) -> str:
        text = re.sub(r'(?m)^#define RUDDER_GROUP_VERSION "[^"]*"$', f'#define RUDDER_GROUP_VERSION "{new}"', text)
        for part, value in (("MAJOR", major), ("MINOR", minor), ("PATCH", patch)):
            text = re.sub(rf"(?m)^#define RUDDER_GROUP_VERSION_{part} \d+$", f"#define RUDDER_GROUP_VERSION_{part} {value}", text)
        return text

    edit(root / HEADER, header)
    edit(root / "CHANGELOG.md", lambda t: changelog(t, new))


def json_str(version: str) -> str:
    return re.escape(f'"{version}"')


def changelog(text: str, new: str) -> str:
    top = re.search(r"(?m)^## (\S+) \(([^)]*)\)$", text)
    if top is None:
        raise SystemExit("bump_version: CHANGELOG.md has no `## <version> (...)` heading")
    if top.group(2) == "unreleased":
        return text[: top.start()] + f"## {new} (unreleased)" + text[top.end() :]
    return text[: top.start()] + f"## {new} (unreleased)\n\n" + text[top.start() :]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("version", help="the new version, MAJOR.MINOR.PATCH")
    parser.add_argument("--root", type=pathlib.Path, default=pathlib.Path(__file__).resolve().parent.parent)
    args = parser.parse_args()
    if not SEMVER.match(args.version):
        print(f"bump_version: {args.version!r} is not MAJOR.MINOR.PATCH", file=sys.stderr)
        return 2
    old = current_version(args.root)
    if old == args.version:
        print(f"bump_version: the version is already {old}", file=sys.stderr)
        return 2
    bump(args.root, old, args.version)
    print(f"bump_version: {old} -> {args.version}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
