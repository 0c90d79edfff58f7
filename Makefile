# rudder-group: one Rust core, bindings for Python, Node and C.
#
#   make demo   the main job end to end against the embedded local data plane
#   make test   every test of every language (installs what it needs itself)
#   make bench  benchmarks (Rust criterion, and each binding against its peer SDK)
#   make soak   real-time runs of minutes (outages ridden through), never part of make test
#   make fault-matrix   prints what each fault of the data plane does to delivery (also in make test)
#   make install PREFIX=/usr/local   the C library, headers and rudder_group.pc

REPO  := $(abspath .)
CARGO ?= cargo
export RUDDER_GROUP_BIN := $(REPO)/target/debug/rudder-group
export CARGO_TERM_PROGRESS_WHEN := never

.PHONY: test lint test-rust build-cli test-python test-node test-c demo bench install soak fault-matrix

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

soak:
	$(CARGO) test --locked -p rudder-group-client --features soak --test soak -- --nocapture

fault-matrix:
	$(CARGO) test --locked -p rudder-group-client --test fault_matrix -- --nocapture

install:
	$(MAKE) -C bindings/c install PREFIX=$(or $(PREFIX),/usr/local)
