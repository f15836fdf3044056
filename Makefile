# modssl-rs: MicroPython's ssl/tls modules on rustls.
#
#   make          build MicroPython's unix port with our module: build/micropython
#   make demo     ... then a verified HTTPS GET from MicroPython to a local server
#   make lint     cargo fmt --check, the shim's C in MicroPython's style (uncrustify,
#                 scripts/c-format.sh) and cargo clippy -D warnings (run by make test)
#   make test     ... then `cargo test`, the pytest suite against real peers and
#                 MicroPython's own ssl/tls tests (make mp-suite)
#   make coverage MicroPython's unix coverage variant with our module:
#                 build/micropython-coverage (for ssl_poll.py / ssl_ioctl.py)
#   make deps     install what a fresh Debian machine lacks (run by the above)
#   make cross / qemu / qemu-test / size / rp2 / esp32: microcontroller targets,
#                 see mk/boards.mk and docs/building.md
#   make anchor / bench: MicroPython's own mbedTLS build beside ours, and the
#                 side-by-side benchmark (bench/README.md; not part of make test)
#   make mutants  mutation testing, a report of the survivors (not part of make
#                 test; tests/README.md "Mutation testing"): cargo-mutants on the
#                 core's unit-tested files (make mutants-core, .cargo/mutants.toml)
#                 and the hand-written mutations of the shim, the qemu port and
#                 the Python API (make mutants-shim, tests/mutants/*.patch)
#   make clean    remove build outputs (keeps the MicroPython source and build/venv)
#   make distclean  remove build/ and target/ entirely
#
# MICROPY_DIR=/path/to/micropython builds against your own MicroPython tree
# instead of Debian's source package.  Nothing inside that tree is written:
# every build product goes under build/.
#
# The real work of adding the module is in micropython/micropython.mk, which
# MicroPython's own `make USER_C_MODULES=...` also uses; this file only
# drives it.

SHELL := /bin/bash
.DEFAULT_GOAL := all

REPO := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))
B := $(REPO)/build

# rustup's cargo/rustc first: a distribution's cargo may also be installed.
CARGO_BIN := $(if $(CARGO_HOME),$(CARGO_HOME),$(HOME)/.cargo)/bin
export PATH := $(CARGO_BIN):$(PATH)
# Keep MicroPython's tree free of __pycache__ from its build scripts.
export PYTHONDONTWRITEBYTECODE := 1

JOBS ?= $(shell nproc 2>/dev/null || echo 2)
VENV := $(B)/venv
PYTHON := $(VENV)/bin/python
MICROPYTHON := $(B)/micropython
UNIX_BUILD := $(B)/unix-standard
MICROPYTHON_COV := $(B)/micropython-coverage
UNIX_COV_BUILD := $(B)/unix-coverage
MPY_CROSS_BUILD := $(B)/mpy-cross
MPY_LIB_STUB := $(B)/micropython-lib-stub
GET_MPY := $(REPO)/scripts/get-micropython.sh $(B)/src
PYTEST_ARGS ?=
# Extra arguments for the unix port's make (e.g. MICROPY_PY_BTREE=1 with a tree
# that has its berkeley-db submodule).
MPY_MAKE_ARGS ?=
# More RUSTFLAGS for the core, as in micropython/micropython.mk (none by default).
MODSSL_RUSTFLAGS ?=
export MODSSL_RUSTFLAGS

# Sub-makes print MicroPython's own "CC file" progress lines; V=1 shows
# every command.
QUIET = $(if $(V),,-s)

# `-jN` for the sub-makes unless we already run under a jobserver (make -jN).
SUBJOBS = $$(case " $$MAKEFLAGS" in *" -j"*|*jobserver*) ;; *) echo -j$(JOBS);; esac)

# The unix port, standard variant, with the port's TLS off and our module on.
# The +ds source lacks the git submodules: no berkeley-db (btree), no
# micropython-lib (our manifest freezes only extmod/asyncio; MPY_LIB_DIR
# points at a stub so that upstream trees' submodule check passes).
UNIX_MAKE_VARS = VARIANT=standard BUILD=$(UNIX_BUILD) USER_C_MODULES=$(REPO) \
	MICROPY_PY_SSL=0 MICROPY_SSL_MBEDTLS=0 MICROPY_SSL_AXTLS=0 MICROPY_PY_BTREE=0 \
	FROZEN_MANIFEST=$(REPO)/micropython/manifest.py MPY_LIB_DIR=$(MPY_LIB_STUB) \
	MICROPY_MPYCROSS=$(MPY_CROSS_BUILD)/mpy-cross $(MPY_MAKE_ARGS)

.PHONY: all unix coverage deps test lint cargo-test pytest mp-suite demo sizes clean distclean FORCE

all unix: $(MICROPYTHON)

# ---- dependencies ---------------------------------------------------------------
$(B)/.deps.stamp: $(REPO)/scripts/deps.sh $(REPO)/scripts/fetch-mpy-libs.sh $(REPO)/scripts/ensure-cbindgen.sh $(REPO)/tests/requirements.txt $(REPO)/scripts/constraints.txt
	$(REPO)/scripts/deps.sh $(VENV)
	@mkdir -p $(@D) && touch $@

deps: $(B)/.deps.stamp

# ---- MicroPython with our module ---------------------------------------------------
# Always descends: MicroPython's make and cargo decide what is out of date.
# A different MicroPython tree (MICROPY_DIR) than last time wipes the old
# build directories first (their dependency files name the old tree).
$(MICROPYTHON): $(B)/.deps.stamp FORCE
	@set -e; mpy=$$($(GET_MPY)); \
	if [ -f $(B)/.micropython-tree ] && [ "$$(cat $(B)/.micropython-tree)" != "$$mpy" ]; then \
	    echo "MicroPython tree changed to $$mpy: removing the old build"; \
	    rm -rf $(UNIX_BUILD) $(UNIX_COV_BUILD) $(MPY_CROSS_BUILD); \
	fi; \
	echo "$$mpy" > $(B)/.micropython-tree; \
	mkdir -p $(MPY_LIB_STUB); \
	echo "Stand-in for micropython-lib: modssl-rs freezes nothing from it." > $(MPY_LIB_STUB)/README.md; \
	echo "== mpy-cross ($$mpy)"; \
	$(MAKE) $(SUBJOBS) $(QUIET) -C "$$mpy/mpy-cross" BUILD=$(MPY_CROSS_BUILD) USER_C_MODULES=; \
	echo "== unix port + modssl-rs"; \
	$(MAKE) $(SUBJOBS) $(QUIET) -C "$$mpy/ports/unix" $(UNIX_MAKE_VARS); \
	if ! cmp -s $(UNIX_BUILD)/micropython $@; then cp -p $(UNIX_BUILD)/micropython $@.tmp && mv -f $@.tmp $@; fi
	@echo "== built $@"

# The coverage variant (as MicroPython's CI builds it: -O0, MICROPY_UNIX_COVERAGE,
# which gives SSLSocket a Python-visible ioctl()), with the same settings as
# above.  Its own manifest freezes micropython-lib's unix-ffi/ssl and test
# files the +ds tarball lacks: ours (extmod/asyncio only) replaces it.  The
# example user C modules it would add are replaced by ours.  It is a test
# vehicle: its extra warnings (-Wshadow, -Wmissing-prototypes, ...) are shown
# but not fatal (the port's CWARN without -Werror); the standard build keeps
# -Werror.
UNIX_COV_MAKE_VARS = $(subst VARIANT=standard BUILD=$(UNIX_BUILD),VARIANT=coverage BUILD=$(UNIX_COV_BUILD),$(UNIX_MAKE_VARS)) \
	'CWARN=-Wall -Wextra -Wno-unused-parameter -Wpointer-arith -Wdouble-promotion -Wfloat-conversion'

coverage: $(MICROPYTHON_COV)

$(MICROPYTHON_COV): $(MICROPYTHON) FORCE
	@set -e; mpy=$$($(GET_MPY)); \
	echo "== unix port (coverage variant) + modssl-rs"; \
	$(MAKE) $(SUBJOBS) $(QUIET) -C "$$mpy/ports/unix" $(UNIX_COV_MAKE_VARS); \
	if ! cmp -s $(UNIX_COV_BUILD)/micropython $@; then cp -p $(UNIX_COV_BUILD)/micropython $@.tmp && mv -f $@.tmp $@; fi
	@echo "== built $@"

# ---- tests ------------------------------------------------------------------------
test: $(MICROPYTHON)
	@$(MAKE) --no-print-directory lint
	@$(MAKE) --no-print-directory cargo-test
	@$(MAKE) --no-print-directory pytest
	@$(MAKE) --no-print-directory profile-test
	@$(MAKE) --no-print-directory mp-suite
	@$(MAKE) --no-print-directory qemu-test
	@$(MAKE) --no-print-directory fuzz-smoke
	@$(MAKE) --no-print-directory oom-sweep
	@$(MAKE) --no-print-directory valgrind VALGRIND_TESTS="$(VALGRIND_SMOKE_TESTS)"

# MicroPython's own tests/extmod/{ssl,tls}_*.py and tests/multi_net/*{ssl,tls}*.py
# from the tree the build uses, against our binaries (tests/mpsuite/README.md).
mp-suite: $(MICROPYTHON_COV)
	@mpy=$$($(GET_MPY)); cd $(REPO) && $(PYTHON) tests/mpsuite/run.py \
	    --micropython $(MICROPYTHON) --coverage $(MICROPYTHON_COV) \
	    --mp-dir "$$mpy" --work $(B)/mpsuite

# The core's unit tests (std, host).  Own target dir: they build with
# MODSSL_RUSTFLAGS (when set), and sharing target/ with a plain `cargo test` would
# rebuild everything on every switch.
cargo-test: $(B)/.deps.stamp
	cd $(REPO) && RUSTFLAGS='$(MODSSL_RUSTFLAGS)' CARGO_TARGET_DIR=$(REPO)/target/make-test \
	    cargo test -p modssl_rs
	@echo "== cargo test, smallest feature profile (src/profile_tests.rs)"
	cd $(REPO) && RUSTFLAGS='$(MODSSL_RUSTFLAGS)' CARGO_TARGET_DIR=$(REPO)/target/make-test \
	    cargo test -p modssl_rs --no-default-features
	@echo "== cargo test, the fuzz-only provider (src/crypto/fuzz.rs, feature fuzz)"
	cd $(REPO) && RUSTFLAGS='$(MODSSL_RUSTFLAGS)' CARGO_TARGET_DIR=$(REPO)/target/make-test \
	    cargo test -p modssl_rs --features fuzz --lib crypto::fuzz

# rustfmt (rustfmt.toml, options explicit) and clippy with every warning an
# error, for the full and the smallest feature set and the fuzz builds' (the
# full set with `fuzz`: src/crypto/fuzz.rs), with the toolchain the
# README installs (rustup's stable; its version is printed).  Own target dir.
lint: $(B)/.deps.stamp
	@cd $(REPO) && for c in rustfmt clippy; do \
	    cargo $${c/rustfmt/fmt} --version >/dev/null 2>&1 || rustup component add $$c || \
	    { echo "lint: cargo $$c is missing and rustup cannot add it: rustup component add $$c"; exit 1; }; done
	@echo "== lint: $$(cargo fmt --version), $$(cargo clippy --version)"
	cd $(REPO) && cargo fmt --check
	$(REPO)/scripts/c-format.sh "$$($(GET_MPY))"
	cd $(REPO) && for f in "" --no-default-features "--features fuzz"; do \
	    RUSTFLAGS='$(MODSSL_RUSTFLAGS)' CARGO_TARGET_DIR=$(REPO)/target/clippy \
	    cargo clippy -q -p modssl_rs --all-targets $$f -- -D warnings || exit 1; done

pytest: $(MICROPYTHON) $(MICROPYTHON_COV) peers
	cd $(REPO) && MICROPYTHON=$(MICROPYTHON) MICROPYTHON_COVERAGE=$(MICROPYTHON_COV) \
	    RUSTLS_AWS_PEER=$(RUSTLS_AWS_PEER) $(PYTHON) -m pytest tests $(PYTEST_ARGS)

# Test peers built from crates.io (tests/peers/): rustls on the aws-lc-rs
# provider, whose ML-KEM and X25519 are AWS-LC's (tests/test_pq.py).  Its own
# lock file and target dir; cargo decides what is out of date.
RUSTLS_AWS_PEER := $(REPO)/target/peers/release/rustls-aws-peer
.PHONY: peers
peers: $(B)/.deps.stamp
	cd $(REPO)/tests/peers/rustls-aws && nice cargo build -q --release --locked --target-dir $(REPO)/target/peers

# ---- demo -------------------------------------------------------------------------
demo: $(MICROPYTHON)
	@PYTHON=python3 $(REPO)/scripts/demo.sh $(MICROPYTHON) $(B)/demo

# ---- sizes ------------------------------------------------------------------------
sizes: $(MICROPYTHON)
	@size $(MICROPYTHON)
	@ls -l $(REPO)/target/mpy-host/release/libmodssl_rs.a

# ---- hardening (issue 7): fuzzing, OOM sweep, soak ------------------------------------
#   make fuzz-smoke   each fuzz target for FUZZ_SMOKE_SECONDS from fuzz/seeds (in `make test`)
#   make fuzz         each target for FUZZ_SECONDS, keeping its corpus in fuzz/corpus
#   make oom-sweep    build/micropython-oom; fail each allocation of a client and a server
#                     connection in turn (OOM_STEP=k: every k-th; in `make test`, all of them)
#   make soak         10,000 handshakes + 1,000 abandoned sockets (a bounded run is in pytest)
#   make valgrind     pytest files whose MicroPython processes run under memcheck (a few in `make test`),
#                     on build/micropython-valgrind (the core's blocks from malloc, where memcheck sees them)
FUZZ_TARGETS := client_records server_records pem_der cadata ffi_ops
FUZZ_SMOKE_SECONDS ?= 15
FUZZ_SECONDS ?= 600
FUZZ_RUN = cd $(REPO)/fuzz && nice cargo +nightly fuzz run -O
.PHONY: fuzz-deps fuzz-build fuzz-smoke fuzz oom-build oom-sweep profile-test soak valgrind valgrind-build

fuzz-deps:
	@command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
	@rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal

fuzz-build: fuzz-deps
	cd $(REPO)/fuzz && nice cargo +nightly fuzz build -O

# A fresh scratch corpus each time: the run starts from the seeds alone.
# The record targets' handshake states (fuzz/src/states.rs): the run's
# corpus and the seeds are run again, each input once, with
# MODSSL_FUZZ_STATES set, and fuzz/check-states.py prints how many inputs
# reach each state and fails if one is reached by none.
FUZZ_STATE_TARGETS := client_records server_records
fuzz-smoke: fuzz-build
	@set -e; for t in $(FUZZ_TARGETS); do \
	    rm -rf $(B)/fuzz-smoke/$$t $(B)/fuzz-smoke/$$t.states; mkdir -p $(B)/fuzz-smoke/$$t; \
	    echo "== fuzz-smoke $$t ($(FUZZ_SMOKE_SECONDS) s)"; \
	    ( $(FUZZ_RUN) $$t $(B)/fuzz-smoke/$$t seeds/$$t -- -max_total_time=$(FUZZ_SMOKE_SECONDS) \
	        -rss_limit_mb=2048 -print_final_stats=1 2>&1 ) > $(B)/fuzz-smoke/$$t.log || \
	        { tail -60 $(B)/fuzz-smoke/$$t.log; echo "fuzz-smoke: $$t FAILED (fuzz/artifacts/$$t)"; exit 1; }; \
	    grep -E '^stat::number_of_executed_units' $(B)/fuzz-smoke/$$t.log; \
	    case " $(FUZZ_STATE_TARGETS) " in *" $$t "*) \
	        ( export MODSSL_FUZZ_STATES=$(B)/fuzz-smoke/$$t.states; \
	          $(FUZZ_RUN) $$t $(B)/fuzz-smoke/$$t seeds/$$t -- -runs=0 2>&1 ) > $(B)/fuzz-smoke/$$t.replay.log || \
	            { tail -30 $(B)/fuzz-smoke/$$t.replay.log; echo "fuzz-smoke: $$t replay FAILED"; exit 1; }; \
	        echo "   handshake states ($$t: the run's corpus and seeds, fuzz/src/states.rs):"; \
	        python3 $(REPO)/fuzz/check-states.py $(B)/fuzz-smoke/$$t.states $$t || exit 1;; \
	    esac; \
	done

fuzz: fuzz-build
	@set -e -o pipefail; for t in $(FUZZ_TARGETS); do mkdir -p $(REPO)/fuzz/corpus/$$t; \
	    echo "== fuzz $$t ($(FUZZ_SECONDS) s)"; \
	    $(FUZZ_RUN) $$t corpus/$$t seeds/$$t -- -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 \
	        -print_final_stats=1 2>&1 | grep -E '^(stat::number_of_executed_units|Done|==.*ERROR)|panicked|Test unit written'; \
	done

# A unix build with our module and other settings, in its own build and cargo
# directories (never the normal binary's): $(1) its name (build/unix-$(1),
# target/mpy-host-$(1)), $(2) the extra make variables.  A fresh build dir
# generates its qstr headers first, on their own.
define unix_variant
	@set -e; mpy=$$(cat $(B)/.micropython-tree); echo "== unix port + modssl-rs ($(1))"; \
	vars="$(UNIX_MAKE_VARS) BUILD=$(B)/unix-$(1) MODSSL_CARGO_TARGET_DIR=$(REPO)/target/mpy-host-$(1) $(2)"; \
	if [ ! -f $(B)/unix-$(1)/genhdr/qstrdefs.preprocessed.h ]; then \
	    $(MAKE) $(SUBJOBS) $(QUIET) -C "$$mpy/ports/unix" $$vars $(B)/unix-$(1)/genhdr/qstrdefs.generated.h; \
	fi; \
	$(MAKE) $(SUBJOBS) $(QUIET) -C "$$mpy/ports/unix" $$vars; \
	if ! cmp -s $(B)/unix-$(1)/micropython $@; then cp -p $(B)/unix-$(1)/micropython $@.tmp && mv -f $@.tmp $@; fi
endef

# MicroPython with the core's allocator failing on demand (tls._oom_inject).
MICROPYTHON_OOM := $(B)/micropython-oom
OOM_STEP ?= 1
$(MICROPYTHON_OOM): $(MICROPYTHON) FORCE
	$(call unix_variant,oom,MODSSL_CARGO_FEATURES=oom-inject CFLAGS_EXTRA=-DMODSSL_OOM_INJECT=1)

oom-build: $(MICROPYTHON_OOM)

# MicroPython with the smallest feature profile (MODSSL_PROFILE=minimal: a
# TLS 1.3 client verifying ECDSA P-256 only, micropython/features.sh): what a
# reduced build refuses, and how (tests/test_profiles.py).
MICROPYTHON_MINIMAL := $(B)/micropython-minimal
$(MICROPYTHON_MINIMAL): $(MICROPYTHON) FORCE
	$(call unix_variant,minimal,MODSSL_PROFILE=minimal)

profile-test: $(MICROPYTHON_MINIMAL)
	cd $(REPO) && MICROPYTHON=$(MICROPYTHON) MICROPYTHON_MINIMAL=$(MICROPYTHON_MINIMAL) \
	    $(PYTHON) -m pytest tests/test_profiles.py -rA $(PYTEST_ARGS)

oom-sweep: $(MICROPYTHON_OOM)
	cd $(REPO) && MICROPYTHON=$(MICROPYTHON) MICROPYTHON_OOM=$(MICROPYTHON_OOM) OOM_STEP=$(OOM_STEP) \
	    $(PYTHON) -m pytest tests/test_oom_sweep.py -rA $(PYTEST_ARGS)

soak: $(MICROPYTHON)
	cd $(REPO) && MICROPYTHON=$(MICROPYTHON) SOAK_HANDSHAKES=10000 SOAK_ABANDONED=1000 \
	    $(PYTHON) -m pytest tests/test_soak.py -rA $(PYTEST_ARGS)

# MicroPython whose core memory memcheck can see: the port hooks take the
# core's blocks from malloc instead of MicroPython's heap (-DMODSSL_VALGRIND),
# each allocation of a connection is a block of its own (feature `valgrind`),
# symbols kept for memcheck's stacks (STRIP=).  docs/design.md, "Under valgrind".
MICROPYTHON_VALGRIND := $(B)/micropython-valgrind
$(MICROPYTHON_VALGRIND): $(MICROPYTHON) FORCE
	$(call unix_variant,valgrind,MODSSL_CARGO_FEATURES=valgrind CFLAGS_EXTRA=-DMODSSL_VALGRIND=1 STRIP=)

valgrind-build: $(MICROPYTHON_VALGRIND)

# scripts/valgrind-mpy.sh stands in for the binary (errors: invalid accesses,
# bad frees, memory definitely lost; exit 99 fails the snippet).
# tests/test_valgrind.py checks that memcheck does see the core's memory.
VALGRIND_TESTS ?= tests/test_valgrind.py tests/test_client_role.py tests/test_server_role.py \
	tests/test_hostile.py tests/test_interrupts_threads.py tests/test_soak.py
VALGRIND_SMOKE_TESTS := tests/test_valgrind.py tests/test_hostile.py tests/test_interrupts_threads.py \
	tests/test_soak.py
valgrind: $(MICROPYTHON_VALGRIND)
	@command -v valgrind >/dev/null || $(REPO)/scripts/deps.sh $(VENV)
	@rm -rf $(B)/valgrind && mkdir -p $(B)/valgrind
	cd $(REPO) && MICROPYTHON=$(REPO)/scripts/valgrind-mpy.sh MODSSL_VALGRIND_MPY=$(MICROPYTHON_VALGRIND) \
	    MODSSL_VALGRIND_LOGS=$(B)/valgrind SOAK_HANDSHAKES=20 SOAK_ABANDONED=10 \
	    $(PYTHON) -m pytest $(VALGRIND_TESTS) -q -p no:cacheprovider $(PYTEST_ARGS)
	@echo "valgrind: $$(ls $(B)/valgrind | wc -l) MicroPython processes under memcheck," \
	    "$$(find $(B)/valgrind -type f -size +0 | wc -l) with errors (logs in $(B)/valgrind)"


# ---- mutation testing (issue 18): a report, not a gate; not in `make test` ----------------
#   make mutants-core  cargo-mutants on the files of .cargo/mutants.toml, one job, in a
#                      copy of the tree (never --in-place), its own target dir
#                      target/mutants/cargo; results in target/mutants/mutants.out.
#                      MUTANTS_ARGS: more arguments (-f FILE adds files, -F REGEX narrows)
#   make mutants-shim  scripts/mutants.py: each tests/mutants/*.patch applied to a copy of
#                      the tree in build/mutants/, built, and the test its header names run
#                      (MUTANTS_SHIM_ARGS: e.g. --skip-qemu, or names of patches)
# Both print their survivors and exit 0 unless the tooling itself fails.
CARGO_MUTANTS_VERSION := 27.1.0
MUTANTS_ARGS ?=
MUTANTS_SHIM_ARGS ?=
.PHONY: mutants mutants-deps mutants-core mutants-shim

mutants:
	@$(MAKE) --no-print-directory mutants-core
	@$(MAKE) --no-print-directory mutants-shim

mutants-deps:
	@cargo mutants --version 2>/dev/null | grep -qx 'cargo-mutants $(CARGO_MUTANTS_VERSION)' || \
	    cargo install --locked --root $(patsubst %/bin,%,$(CARGO_BIN)) cargo-mutants --version $(CARGO_MUTANTS_VERSION)

# cargo-mutants exits 2 when mutants were missed, 3 when some timed out: a report.
mutants-core: mutants-deps
	@cd $(REPO) && rc=0; out=$(REPO)/target/mutants/mutants.out; \
	RUSTFLAGS='$(MODSSL_RUSTFLAGS)' CARGO_TARGET_DIR=$(REPO)/target/mutants/cargo \
	    nice cargo mutants -j 1 --output $(REPO)/target/mutants $(MUTANTS_ARGS) || rc=$$?; \
	case $$rc in 0|2|3) ;; *) echo "cargo-mutants failed (exit $$rc; $$out/log)"; exit $$rc;; esac; \
	echo "== cargo-mutants: $$(wc -l < $$out/caught.txt) caught, $$(wc -l < $$out/missed.txt) missed," \
	    "$$(wc -l < $$out/unviable.txt) unviable, $$(wc -l < $$out/timeout.txt) timeout ($$out)"; \
	if [ -s $$out/missed.txt ]; then echo "missed (no test failed):"; sed 's/^/  /' $$out/missed.txt; fi

mutants-shim: $(B)/.deps.stamp
	@cd $(REPO) && nice $(PYTHON) scripts/mutants.py $(MUTANTS_SHIM_ARGS)

# ---- cleaning ---------------------------------------------------------------------
clean:
	rm -rf $(UNIX_BUILD) $(MPY_CROSS_BUILD) $(MICROPYTHON) $(B)/demo $(MPY_LIB_STUB) \
	    $(UNIX_COV_BUILD) $(MICROPYTHON_COV) $(B)/mpsuite \
	    $(B)/.micropython-tree $(REPO)/target/mpy-host $(REPO)/target/make-test \
	    $(REPO)/micropython/modssl_rs.h

distclean: clean
	rm -rf $(B) $(REPO)/target

FORCE:

# Microcontroller targets: cross builds, emulated boards, size, board firmware.
include $(REPO)/mk/boards.mk

# The mbedTLS anchor and the side-by-side benchmark (issue 6).
include $(REPO)/bench/bench.mk
