# modssl-rs as a MicroPython user C module, for the make-based ports
# (unix; qemu untested).  MicroPython includes this file when built with
#
#     make -C ports/unix USER_C_MODULES=/path/to/modssl-rs
#
# (USER_C_MODULES names the directory that *contains* this `micropython/`
# directory: py/py.mk includes $(USER_C_MODULES)/*/micropython.mk).
# It needs nothing from our top-level Makefile: it builds the Rust core with
# cargo, generates the C header with cbindgen (installing the pinned
# cbindgen if missing) and links the core after the C objects.
#
# Settings (make variables; the defaults suit the unix port):
#   MODSSL_RUSTFLAGS   RUSTFLAGS for the core (default: --cfg modssl_integrated,
#                      until the core exports its full API without it)
#   MODSSL_RUST_TARGET a Rust target triple; empty = the host (unix port)
#   MODSSL_CARGO_FEATURES  --features for modssl_rs (default: the crate's)
#   MODSSL_CARGO_TARGET_DIR  where cargo builds (default: <repo>/target/mpy-<triple|host>)
#   CARGO              the cargo to run (default: rustup's ~/.cargo/bin/cargo, else PATH's)

MODSSL_MOD_DIR := $(USERMOD_DIR)
MODSSL_ROOT := $(abspath $(MODSSL_MOD_DIR)/..)

# ---- the port's own TLS must be off: `ssl` and `tls` are ours ---------------
# The unix port's mpconfigport.mk turns on MICROPY_PY_SSL (mbedTLS); we turn it
# off here (extmod/extmod.mk is read after this file), so that a plain
# `make USER_C_MODULES=...` works.  Forcing it on from the command line would
# register a second `tls` module: refuse that with a clear message.
ifeq ($(origin MICROPY_PY_SSL),command line)
ifeq ($(MICROPY_PY_SSL),1)
$(error modssl-rs provides the ssl and tls modules: build with MICROPY_PY_SSL=0 (the port's mbedTLS/axTLS modules must be off))
endif
endif
MICROPY_PY_SSL := 0
MICROPY_SSL_MBEDTLS := 0
MICROPY_SSL_AXTLS := 0

# ---- C sources of the shim ------------------------------------------------------
# py/py.mk names the object of $(USER_C_MODULES)/micropython/x.c
# $(BUILD)/micropython/x.o, and the unix port's executable is
# $(BUILD)/micropython: the link would fail with "Is a directory".  So our
# sources are given as absolute paths spelled `/./abs/path/x.c`, which
# py.mk does not recognise as under $(USER_C_MODULES)/ and leaves whole: the
# objects go to $(BUILD)//./abs/path/x.o, clear of the executable, however
# USER_C_MODULES is spelled.
MODSSL_SRC_C := $(addprefix /.,$(abspath $(sort $(wildcard $(MODSSL_MOD_DIR)/*.c))))
SRC_USERMOD_C += $(MODSSL_SRC_C)
CFLAGS_USERMOD += -I$(MODSSL_MOD_DIR) -DMICROPY_PY_SSL=0

# The objects MicroPython makes of them (the same expression as py/py.mk's).
MODSSL_OBJ := $(addprefix $(BUILD)/,$(patsubst $(USER_C_MODULES)/%.c,%.o,$(MODSSL_SRC_C)))

# ---- the Rust core ----------------------------------------------------------------
# rustup's cargo first: a distribution's cargo may also be on PATH.
ifeq ($(CARGO),)
CARGO := $(firstword $(wildcard $(if $(CARGO_HOME),$(CARGO_HOME),$(HOME)/.cargo)/bin/cargo) \
    $(shell command -v cargo 2>/dev/null) cargo)
endif
MODSSL_RUSTFLAGS ?= --cfg modssl_integrated --check-cfg=cfg(modssl_integrated)
MODSSL_RUST_TARGET ?=
MODSSL_CARGO_FEATURES ?=
MODSSL_CARGO_TARGET_DIR ?= $(MODSSL_ROOT)/target/mpy-$(if $(MODSSL_RUST_TARGET),$(MODSSL_RUST_TARGET),host)
MODSSL_LIB := $(MODSSL_CARGO_TARGET_DIR)/$(if $(MODSSL_RUST_TARGET),$(MODSSL_RUST_TARGET)/)release/libmodssl_rs.a

# `cargo rustc --crate-type staticlib` rather than `cargo build`: the crate
# also declares an rlib, and with both kinds rustc skips LTO for the
# staticlib (the archive then holds every dependency's unoptimised objects:
# 13.7 MB instead of 4.3 MB on x86-64).
#
# cargo runs every time (its own up-to-date check takes well under a second);
# it leaves the archive untouched when nothing changed, so make relinks only
# when the core really changed.  `+` passes make's jobserver to cargo.
$(MODSSL_LIB): FORCE
	$(ECHO) "CARGO modssl_rs$(if $(MODSSL_RUST_TARGET), ($(MODSSL_RUST_TARGET)))"
	+$(Q)RUSTFLAGS='$(MODSSL_RUSTFLAGS)' CARGO_TARGET_DIR='$(MODSSL_CARGO_TARGET_DIR)' \
	    '$(CARGO)' rustc --release --quiet -p modssl_rs --crate-type staticlib \
	    --manifest-path '$(MODSSL_ROOT)/Cargo.toml' \
	    $(if $(MODSSL_RUST_TARGET),--target $(MODSSL_RUST_TARGET)) \
	    $(if $(MODSSL_CARGO_FEATURES),--features '$(MODSSL_CARGO_FEATURES)')

# ---- the generated header (the only contract between Rust and C) ------------
# Regenerated when the core's sources or the cbindgen config change; the
# script rewrites the file only when its text changes, and the stamp keeps
# make from rerunning cbindgen when nothing did.
MODSSL_HEADER := $(MODSSL_MOD_DIR)/modssl_rs.h
MODSSL_HEADER_STAMP := $(BUILD)/modssl/header.stamp
MODSSL_RUST_SRC := $(shell find '$(MODSSL_ROOT)/modssl_rs/src' -name '*.rs' 2>/dev/null)

$(MODSSL_HEADER_STAMP): $(MODSSL_RUST_SRC) $(MODSSL_ROOT)/cbindgen.toml $(MODSSL_ROOT)/modssl_rs/Cargo.toml
	$(ECHO) "CBINDGEN $(MODSSL_HEADER)"
	$(Q)$(MKDIR) -p $(dir $@)
	$(Q)'$(MODSSL_ROOT)/scripts/gen-header.sh' '$(MODSSL_HEADER)'
	$(Q)touch $@

$(MODSSL_HEADER): $(MODSSL_HEADER_STAMP)
	$(Q)test -f $@ || '$(MODSSL_ROOT)/scripts/gen-header.sh' '$@'

# Our objects include the header; the qstr/module-definition scan
# preprocesses our sources, so it needs the header to exist too.
$(MODSSL_OBJ): $(MODSSL_HEADER)
QSTR_GLOBAL_REQUIREMENTS += $(MODSSL_HEADER)

# ---- linking: the Rust archive after the C objects that use it ------------------
ifneq ($(PROG),)
# unix: `$(CC) -o $@ $^ $(LIB) $(LDFLAGS)`.  The prerequisite below relinks
# when the archive changes and puts it at the end of $^ (after every object,
# the prerequisites of the recipe's own rule come first); LDFLAGS_USERMOD
# lands after the objects as well, before -lm/-lpthread/-ldl.
MODSSL_LINK_TARGET := $(BUILD)/$(PROG)
LDFLAGS_USERMOD += $(MODSSL_LIB)
else
# Bare-metal make ports (qemu): `$(CC) $(LDFLAGS) -o $@ $(OBJ) $(LIBS)`, so
# LDFLAGS would come before the objects; append to LIBS for the firmware
# link only (a target-specific append survives the port's later `LIBS =`).
# UNTESTED: needs MODSSL_RUST_TARGET (e.g. thumbv7m-none-eabi) and the port
# hooks for that port in the shim.
MODSSL_LINK_TARGET := $(BUILD)/firmware.elf
$(MODSSL_LINK_TARGET): LIBS += $(MODSSL_LIB)
endif
$(MODSSL_LINK_TARGET): $(MODSSL_LIB)

FORCE:
.PHONY: FORCE
