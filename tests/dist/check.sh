#!/bin/sh
# Installs each artifact of dist/ the way a user would, with no cargo or rustc on PATH, and sends
# group calls through it to one local data plane:
#   - the wheel into a fresh venv (pip may not build anything: --no-index --only-binary :all:);
#   - the npm package into a scratch npm project (`npm install ./rudder-group-<version>.tgz`);
#   - the C tarball unpacked: a C program linked through its pkg-config file, and a C++ program
#     through find_package(rudder_group CONFIG) with CMAKE_PREFIX_PATH, shared and static;
#   - the same C++ program against INSTALL_PREFIX, where `make install` put the library, to show
#     that it installs the same CMake package.
# Each program checks its own outcomes; then the data plane's stored events are counted per
# binding and groupId. Every artifact must also be under 15 MB (the static archive is exempt),
# and each native library stripped (no symbol table, no debug sections).
#
# A user's test through each package's test helper, with nothing else to find the command:
# pytest with the `rudder_data_plane` fixture (user_test.py), node --test with
# rudder-group/testing's LocalDataPlane (user_test.mjs).
#
# Each package's `rudder-group` command runs from where it was installed (the wheel's console
# script and `python -m rudder_group`, `npx rudder-group`, the tarball's bin/): `--version`, and
# `serve` answering /health; the tarball's serves the data plane the programs send to.
#
# With GLIBC_FLOOR set (2.17 on Linux), every shipped ELF file (the wheel's module and command,
# the addon and the npm package's command, the C library and command) must need no GLIBC_ symbol
# version above it, and the wheel must be tagged manylinux_2_17 (auditwheel agrees).
#
# Usage: check.sh DIST_DIR WORK_DIR VERSION TARGET INSTALL_PREFIX
set -eu

here=$(cd "$(dirname "$0")" && pwd)
dist=$(cd "$1" && pwd)
work=$2
version=$3
target=$4
install_prefix=$(cd "$5" && pwd)
repo=$(cd "$here/../.." && pwd)
floor=${GLIBC_FLOOR:-}
count=5
limit=$((15 * 1024 * 1024))

# PATH without any directory that holds cargo or rustc.
no_rust_path=
old_ifs=$IFS
IFS=:
for dir in $PATH; do
    if [ -n "$dir" ] && [ ! -x "$dir/cargo" ] && [ ! -x "$dir/rustc" ]; then
        no_rust_path=${no_rust_path:+$no_rust_path:}$dir
    fi
done
IFS=$old_ifs
PATH=$no_rust_path
export PATH
if command -v cargo >/dev/null 2>&1 || command -v rustc >/dev/null 2>&1; then
    echo "dist-check: cargo or rustc is still on PATH ($PATH)" >&2
    exit 2
fi
unset CARGO CARGO_HOME RUSTUP_HOME RUSTUP_TOOLCHAIN CARGO_TARGET_DIR

wheel=$(ls "$dist"/rudder_group-"$version"-cp310-abi3-*.whl)
npm_tgz=$dist/rudder-group-$version.tgz
c_tgz=$dist/rudder_group-$version-$target.tar.gz

size_ok() {
    size=$(wc -c <"$1")
    echo "dist-check: $(basename "$1"): $size bytes"
    if [ "$size" -ge "$limit" ]; then
        echo "dist-check: $1 is $size bytes, over 15 MB" >&2
        exit 1
    fi
}

stripped() {
    if [ ! -f "$1" ]; then
        echo "dist-check: no native library at '$1'" >&2
        exit 1
    fi
    if readelf -S --wide "$1" | grep -Eq ' \.(symtab|debug_[a-z]+) '; then
        echo "dist-check: $1 is not stripped" >&2
        exit 1
    fi
}

# The highest GLIBC_ symbol version an ELF file needs, checked against the floor.
glibc_ok() {
    needs=$(objdump -T "$1" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -n 1)
    echo "dist-check: $(basename "$1") needs glibc ${needs:-(none)}"
    if [ -n "$floor" ] && [ -n "$needs" ] &&
        [ "$(printf '%s\n%s\n' "$floor" "$needs" | sort -V | tail -n 1)" != "$floor" ]; then
        echo "dist-check: $1 needs GLIBC_$needs, above the floor $floor" >&2
        exit 1
    fi
}

# A packaged command: its version, then `serve` answering /health; it ends when its standard
# input (a FIFO this script holds open) closes, through whatever shim started it.
command_ok() {
    what=$1
    shift
    "$@" --version | grep -q "rudder-group $version" ||
        { echo "dist-check: $what: '$* --version' did not say $version" >&2; exit 1; }
    out=$work/serve-$what.out
    fifo=$work/serve-$what.stdin
    rm -f "$fifo" && mkfifo "$fifo"
    "$@" serve --port 0 --exit-with-stdin <"$fifo" >"$out" 2>/dev/null &
    serve_pid=$!
    exec 3>"$fifo"
    tries=0
    until [ -s "$out" ]; do
        tries=$((tries + 1))
        if [ "$tries" -gt 600 ]; then
            exec 3>&-
            echo "dist-check: $what: serve printed no URL" >&2
            exit 1
        fi
        sleep 0.05
    done
    url=$(head -n 1 "$out")
    health=$(python3 -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1] + "/health").status)' "$url")
    exec 3>&-
    wait "$serve_pid" || { echo "dist-check: $what: serve did not end cleanly when its stdin closed" >&2; exit 1; }
    test "$health" = 200 || { echo "dist-check: $what: /health answered $health" >&2; exit 1; }
    echo "dist-check: $what: rudder-group $version served and ended with its stdin"
}

rm -rf "$work"
mkdir -p "$work"
work=$(cd "$work" && pwd)

# The C tarball: unpacked where no build tree is.
tar -C "$work" -xzf "$c_tgz"
c_root=$work/rudder_group-$version-$target
test -s "$c_root/examples/group.cpp" ||
    { echo "dist-check: the C tarball lacks examples/group.cpp, which its README links" >&2; exit 1; }
size_ok "$wheel"
size_ok "$npm_tgz"
size_ok "$c_root/lib/librudder_group.so.$version"
stripped "$c_root/lib/librudder_group.so.$version"
stripped "$c_root/bin/rudder-group"
glibc_ok "$c_root/lib/librudder_group.so.$version"
glibc_ok "$c_root/bin/rudder-group"
if [ -n "$floor" ]; then
    case $(basename "$wheel") in
        *manylinux_2_17*) ;;
        *) echo "dist-check: $(basename "$wheel") is not tagged manylinux_2_17" >&2; exit 1 ;;
    esac
    "$repo/.venv/bin/auditwheel" show "$wheel" >"$work/auditwheel.txt"
    grep -q 'manylinux_2_17' "$work/auditwheel.txt" ||
        { cat "$work/auditwheel.txt" >&2; echo "dist-check: auditwheel disagrees" >&2; exit 1; }
fi

# Python: a fresh venv, the wheel alone, no index, no source build.
python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-index \
    --only-binary :all: "$wheel"
site=$(ls -d "$work"/venv/lib/python3*/site-packages)
stripped "$(ls "$site"/rudder_group/_native*.so)"
glibc_ok "$(ls "$site"/rudder_group/_native*.so)"
glibc_ok "$site/rudder_group/_bin/rudder-group"
command_ok wheel-script "$work/venv/bin/rudder-group"
command_ok wheel-module "$work/venv/bin/python" -m rudder_group
# A user's pytest run with the package's fixture, served by the packaged command (pytest itself
# from PyPI; the wheel stays the only thing installed from dist/).
"$work/venv/bin/python" -m pip install --quiet --disable-pip-version-check pytest==9.2.0
mkdir -p "$work/user-test" && cp "$here/user_test.py" "$work/user-test/"
(cd "$work/user-test" && env -u RUDDER_GROUP_BIN "$work/venv/bin/python" -m pytest -q \
    -p no:cacheprovider user_test.py) || { echo "dist-check: the user's pytest run failed" >&2; exit 1; }

# Node: a scratch project installing the tarball, offline (it has no dependencies).
mkdir -p "$work/npm-project"
(cd "$work/npm-project" && npm init -y >/dev/null &&
    npm install --offline --no-audit --no-fund --silent "$npm_tgz")
stripped "$(ls "$work"/npm-project/node_modules/rudder-group/*.node)"
glibc_ok "$(ls "$work"/npm-project/node_modules/rudder-group/*.node)"
glibc_ok "$work/npm-project/node_modules/rudder-group/rudder-group"
command_ok npx sh -c 'cd "$0/npm-project" && exec npx --no-install rudder-group "$@"' "$work"
cp "$here/user_test.mjs" "$work/npm-project/"
(cd "$work/npm-project" && env -u RUDDER_GROUP_BIN node --test user_test.mjs) ||
    { echo "dist-check: the user's node --test run failed" >&2; exit 1; }
cp "$here/send.js" "$work/npm-project/"

# C through the relocatable pkg-config file; the run finds the library through the rpath.
pc() { PKG_CONFIG_PATH=$c_root/lib/pkgconfig pkg-config "$@" rudder_group; }
test "$(pc --modversion)" = "$version"
cc -std=c11 -Wall -Wextra -Werror "$here/send.c" -o "$work/send_c" $(pc --cflags --libs) \
    -Wl,-rpath,"$(pc --variable=libdir)"

# C++ through the CMake package: the tarball's, and the one `make install` wrote.
cmake_build() {
    cmake -S "$here/cmake" -B "$work/$1" -DCMAKE_PREFIX_PATH="$2" \
        -DRUDDER_GROUP_EXPECTED_VERSION="$version" -DCMAKE_BUILD_TYPE=Release >"$work/$1.log" &&
        cmake --build "$work/$1" >>"$work/$1.log" || { cat "$work/$1.log" >&2; exit 1; }
    grep -q "rudder_group_DIR:PATH=$2/lib/cmake/rudder_group" "$work/$1/CMakeCache.txt" ||
        { echo "dist-check: CMake did not find the package under $2" >&2; exit 1; }
}
cmake_build cmake-build "$c_root"
cmake_build cmake-install "$install_prefix"

command_ok tarball "$c_root/bin/rudder-group"

# Every program against one data plane (the tarball's command serves it), then what it stored.
RUDDER_GROUP_BIN=$c_root/bin/rudder-group "$here/../../bindings/c/tests/with_dataplane.sh" sh -c '
    set -e
    "$1/venv/bin/python" "$2/send.py"
    (cd "$1/npm-project" && node send.js)
    "$1/send_c"
    "$1/cmake-build/send_shared" dist-cpp-shared
    "$1/cmake-build/send_static" dist-cpp-static
    "$1/cmake-install/send_shared" dist-cpp-install
    python3 "$2/stored.py" "$RUDDER_DATA_PLANE_URL" "$3" \
        rudder-group-python:dist-python rudder-group-node:dist-node rudder-group-c:dist-c \
        rudder-group-c:dist-cpp-shared rudder-group-c:dist-cpp-static \
        rudder-group-c:dist-cpp-install
' check "$work" "$here" "$count"
echo "dist-check: the wheel, the npm package and the C tarball installed without cargo and delivered"
