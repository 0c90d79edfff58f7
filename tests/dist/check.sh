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
# Usage: check.sh DIST_DIR WORK_DIR VERSION TARGET INSTALL_PREFIX
# RUDDER_GROUP_BIN names the `rudder-group` command that serves the data plane (a built binary).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
dist=$(cd "$1" && pwd)
work=$2
version=$3
target=$4
install_prefix=$(cd "$5" && pwd)
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

rm -rf "$work"
mkdir -p "$work"
work=$(cd "$work" && pwd)

# The C tarball: unpacked where no build tree is.
tar -C "$work" -xzf "$c_tgz"
c_root=$work/rudder_group-$version-$target
size_ok "$wheel"
size_ok "$npm_tgz"
size_ok "$c_root/lib/librudder_group.so.$version"
stripped "$c_root/lib/librudder_group.so.$version"

# Python: a fresh venv, the wheel alone, no index, no source build.
python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-index \
    --only-binary :all: "$wheel"
stripped "$(ls "$work"/venv/lib/python3*/site-packages/rudder_group/_native*.so)"

# Node: a scratch project installing the tarball, offline (it has no dependencies).
mkdir -p "$work/npm-project"
(cd "$work/npm-project" && npm init -y >/dev/null &&
    npm install --offline --no-audit --no-fund --silent "$npm_tgz")
stripped "$(ls "$work"/npm-project/node_modules/rudder-group/*.node)"
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

# Every program against one data plane, then what it stored.
"$here/../../bindings/c/tests/with_dataplane.sh" sh -c '
    set -e
    "$1/venv/bin/python" "$2/send.py"
    (cd "$1/npm-project" && node send.js)
    "$1/send_c"
    "$1/cmake-build/send_shared" dist-cpp-shared
    "$1/cmake-build/send_static" dist-cpp-static
    "$1/cmake-install/send_shared" dist-cpp-install
    python3 "$2/stored.py" "$RUDDER_GROUP_URL" "$3" \
        rudder-group-python:dist-python rudder-group-node:dist-node rudder-group-c:dist-c \
        rudder-group-c:dist-cpp-shared rudder-group-c:dist-cpp-static \
        rudder-group-c:dist-cpp-install
' check "$work" "$here" "$count"
echo "dist-check: the wheel, the npm package and the C tarball installed without cargo and delivered"
