# rudder-group: one Rust core, bindings for Python, Node and C.
#
#   make demo   the main job end to end against the embedded local data plane
#   make test   every test of every language (installs what it needs itself)
#   make bench  benchmarks (Rust criterion, each binding against its peer SDK, over a far data plane)
#   make soak   real-time runs of minutes (outages ridden through), never part of make test
#   make fault-matrix   prints what each fault of the data plane does to delivery (also in make test)
#   make fuzz   libFuzzer on every Rust target, then the C call sequences: FUZZ_SECONDS each (60)
#   make install PREFIX=/usr/local   the C library, headers and rudder_group.pc

REPO  := $(abspath .)
CARGO ?= cargo
export RUDDER_GROUP_BIN := $(REPO)/target/debug/rudder-group
export CARGO_TERM_PROGRESS_WHEN := never

.PHONY: test lint test-rust build-cli test-python test-node test-c demo bench install soak fault-matrix fuzz

test: lint test-rust test-python test-node test-c
	@echo "make test: every suite passed"

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

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

demo:
	$(CARGO) run --release --locked -p rudder-group-cli -- demo

bench:
	$(CARGO) bench --locked -p rudder-group -p rudder-group-client
	$(MAKE) -C bindings/python bench
	$(MAKE) -C bindings/node bench
	$(MAKE) -C bindings/c bench
	python3 bench/send_faults.py --send target/release/rudder-group --server target/release/rudder-group

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
