# modssl-rs as a MicroPython user C module, for the make-based ports
# (unix, qemu).  MicroPython includes this file when built with
#
#     make -C ports/unix USER_C_MODULES=/path/to/modssl-rs
#
# (USER_C_MODULES names the directory that *contains* this `micropython/`
# directory: py/py.mk includes $(USER_C_MODULES)/*/micropython.mk).
# It needs nothing from our top-level Makefile: it builds the Rust core with
# scripts/build-core.sh (the cargo command micropython.cmake runs too),
# generates the C header with cbindgen (installing the pinned cbindgen if
# missing) and links the core after the C objects.
#
# Settings (make variables; the defaults suit the unix port; build-core.sh
# has the defaults not given here):
#   MODSSL_CROSS_RUSTFLAGS  more RUSTFLAGS for cross targets (default: -Zfmt-debug=none)
#   MODSSL_RUSTFLAGS   more RUSTFLAGS for the core (default: none)
#   MODSSL_RUST_TARGET a Rust target triple or a target JSON (targets/*.json);
#                      empty = the host on unix; on qemu the board's default
#                      (MPS2_AN385: targets/thumbv6m-none-eabi-cas.json, the
#                      RP2040's code; VIRT_RV32: targets/riscv32imc-unknown-none-elf-cas.json,
#                      the ESP32-C3's).  Cross targets build with -Zbuild-std.
#   MODSSL_CROSS_CARGO the cargo for cross targets (default: Debian's rustc-web
#                      /usr/bin/cargo, whose rust-web-src has the std sources;
#                      Espressif's for Xtensa)
#   MODSSL_BUILD_STD_FEATURES  core's and alloc's features on cross targets
#                      (default: optimize_for_size)
#   MODSSL_PROFILE     the feature profile (micropython/features.sh, docs/building.md):
#                      full (default: everything + CA bundle), general, client,
#                      small-client, minimal
#   MODSSL_TLS12 MODSSL_SERVER MODSSL_P384 MODSSL_RSA MODSSL_ED25519
#   MODSSL_SIGN_ECDSA MODSSL_SIGN_RSA MODSSL_SIGN_ED25519 MODSSL_CA_BUNDLE
#   MODSSL_CA_COMPACT MODSSL_PQ MODSSL_RPK MODSSL_CERT_COMPRESS
#                      1 or 0: add one feature to the profile, or take it away
#   MODSSL_CARGO_FEATURES  more --features for modssl_rs (test-only ones)
#   MODSSL_CARGO_TARGET_DIR  where cargo builds (default: <repo>/target/mpy-<triple|host>)
#   CARGO              the cargo to run (default: rustup's ~/.cargo/bin/cargo, else PATH's;
#                      cross targets too, when they have no cargo of their own)

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
#
# Plus the port's hooks (randomness, time, ...): ports/<port>.c, the port
# being the directory make runs in (ports/unix, ports/qemu).
MODSSL_PORT ?= $(notdir $(CURDIR))
MODSSL_PORT_C := $(MODSSL_MOD_DIR)/ports/$(MODSSL_PORT).c
ifeq ($(wildcard $(MODSSL_PORT_C)),)
$(error modssl-rs has no hooks for the '$(MODSSL_PORT)' port (no $(MODSSL_PORT_C)): see docs/porting.md for what a port provides)
endif
MODSSL_SRC_C := $(addprefix /.,$(abspath $(sort $(wildcard $(MODSSL_MOD_DIR)/*.c)) $(MODSSL_PORT_C)))
SRC_USERMOD_C += $(MODSSL_SRC_C)
CFLAGS_USERMOD += -I$(MODSSL_MOD_DIR) -DMICROPY_PY_SSL=0

# ---- the qemu port (tests under emulation) ------------------------------------------
# CFLAGS_USERMOD goes into the whole build's CFLAGS (py/py.mk), which is what
# MICROPY_TRACKED_ALLOC needs: py/ and our shim must agree on it.  The Rust
# archive for these boards is built for a CPU without compare-and-swap
# (targets/README.md), so the shim provides the __sync_* helpers.
ifeq ($(MODSSL_PORT),qemu)
CFLAGS_USERMOD += -DMICROPY_TRACKED_ALLOC=1
ifeq ($(MODSSL_RUST_TARGET),)
ifeq ($(QEMU_ARCH),arm)
MODSSL_RUST_TARGET := $(MODSSL_ROOT)/targets/thumbv6m-none-eabi-cas.json
else ifeq ($(QEMU_ARCH),riscv32)
MODSSL_RUST_TARGET := $(MODSSL_ROOT)/targets/riscv32imc-unknown-none-elf-cas.json
else
$(error modssl-rs: no default Rust target for qemu QEMU_ARCH='$(QEMU_ARCH)'; set MODSSL_RUST_TARGET)
endif
endif
endif
# ---- the unix port: uzlib's compressor too ------------------------------------------
# Certificate compression (cert-compress) inflates with the uzlib the
# firmware has for its `deflate` module (MICROPY_PY_DEFLATE, on in every
# port we build), and a server compresses its chain with uzlib's LZ77
# compressor (MICROPY_PY_DEFLATE_COMPRESS), which only MicroPython's "full
# features" builds have.  The unix port has the room: turn it on there
# (micropython/modssl_zlib.c; the boards send their chains uncompressed).
ifeq ($(MODSSL_PORT),unix)
CFLAGS_USERMOD += -DMICROPY_PY_DEFLATE_COMPRESS=1
endif

ifneq ($(filter %-cas.json,$(MODSSL_RUST_TARGET)),)
CFLAGS_USERMOD += -DMODSSL_PROVIDE_SYNC_HELPERS=1
endif

# The objects MicroPython makes of them (the same expression as py/py.mk's).
MODSSL_OBJ := $(addprefix $(BUILD)/,$(patsubst $(USER_C_MODULES)/%.c,%.o,$(MODSSL_SRC_C)))

# ---- the Rust core ----------------------------------------------------------------
# scripts/build-core.sh runs cargo, the same command micropython.cmake and
# make cross run (`cargo rustc --crate-type staticlib`; cross targets build
# core and alloc from source), and finds the cargo: rustup's for the host,
# Debian's rustc-web for cross targets.  Settings left unset here keep the
# script's defaults (MODSSL_CROSS_RUSTFLAGS, MODSSL_BUILD_STD_FEATURES, the
# target dir), which is why only those given are passed on.
#
# What the core can do, and so what it costs in flash: a feature profile,
# adjusted per feature.  `full` has everything, including the built-in CA
# bundle (webpki-roots: Mozilla's roots, ~58 KB of flash on thumbv6m) behind
# ssl.create_default_context(); what a build leaves out raises ValueError
# saying so.
MODSSL_PROFILE ?= full
modssl_if_set = $(if $(filter undefined,$(origin $(1))),,$(2)='$($(1))')
MODSSL_CORE_ARGS := --profile='$(MODSSL_PROFILE)' \
    $(foreach f,TLS12 SERVER P384 RSA ED25519 SIGN_ECDSA SIGN_RSA SIGN_ED25519 CA_BUNDLE CA_COMPACT PQ RPK CERT_COMPRESS,$(f)='$(MODSSL_$(f))') \
    $(if $(MODSSL_RUST_TARGET),--target='$(MODSSL_RUST_TARGET)' $(if $(MODSSL_CROSS_CARGO),--cargo='$(MODSSL_CROSS_CARGO)'), \
        $(if $(CARGO),--cargo='$(CARGO)')) \
    $(if $(MODSSL_CARGO_FEATURES),--features='$(MODSSL_CARGO_FEATURES)') \
    $(if $(MODSSL_CARGO_TARGET_DIR),--target-dir='$(MODSSL_CARGO_TARGET_DIR)') \
    --rustflags='$(MODSSL_RUSTFLAGS)' $(call modssl_if_set,MODSSL_CROSS_RUSTFLAGS,--cross-rustflags) \
    $(call modssl_if_set,MODSSL_BUILD_STD_FEATURES,--build-std-features)
MODSSL_BUILD_CORE := '$(MODSSL_ROOT)/scripts/build-core.sh' $(MODSSL_CORE_ARGS)
# The archive's path, which also checks the settings before anything is built.
MODSSL_LIB := $(shell $(MODSSL_BUILD_CORE) --print=lib || echo FAILED)
ifeq ($(MODSSL_LIB),FAILED)
$(error modssl-rs: bad MODSSL_PROFILE, MODSSL_<FEATURE> or MODSSL_RUST_TARGET setting (scripts/build-core.sh's message above))
endif

# cargo runs every time (its own up-to-date check takes well under a second);
# it leaves the archive untouched when nothing changed, so make relinks only
# when the core really changed.  `+` passes make's jobserver to cargo.
$(MODSSL_LIB): FORCE
	$(ECHO) "CARGO modssl_rs ($(or $(patsubst %.json,%,$(notdir $(MODSSL_RUST_TARGET))),host), $(MODSSL_PROFILE))"
	+$(Q)$(MODSSL_BUILD_CORE) >/dev/null

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
MODSSL_LINK_LIB := $(MODSSL_LIB)
LDFLAGS_USERMOD += $(MODSSL_LIB)
else
# Bare-metal make ports (qemu): `$(CC) $(LDFLAGS) -o $@ $(OBJ) $(LIBS)`, so
# LDFLAGS would come before the objects; append to LIBS for the firmware
# link only (a target-specific append survives the port's later `LIBS =`).
# The archive keeps compiler_builtins here: the qemu port links with
# -nostdlib (libgcc only), and the core's __aeabi_memcpy & co. come from it.
# The shim's guard needs setjmp/longjmp, which the C library has: the Arm
# board links no libc at all, so its newlib libc.a is named after the core
# (only setjmp.o is taken from it).  VIRT_RV32 links picolibc already.
#
# On Arm the core's objects carry .ARM.exidx (EHABI "cannot unwind")
# entries, which the qemu port's linker script does not place: the orphan
# section then overlaps .data's load address.  Nothing unwinds (panic =
# abort), so the firmware links a copy of the archive without them.
MODSSL_LINK_TARGET := $(BUILD)/firmware.elf
ifeq ($(QEMU_ARCH),arm)
MODSSL_LINK_LIB := $(BUILD)/modssl/libmodssl_rs.a
$(MODSSL_LINK_LIB): $(MODSSL_LIB)
	$(Q)$(MKDIR) -p $(dir $@)
	$(Q)$(OBJCOPY) -R .ARM.exidx -R '.ARM.exidx.*' -R '.rel.ARM.exidx*' -R .ARM.extab -R '.ARM.extab.*' $< $@
$(MODSSL_LINK_TARGET): LIBS += $(MODSSL_LINK_LIB) $(shell $(CC) $(CFLAGS) -print-file-name=libc.a)
else
MODSSL_LINK_LIB := $(MODSSL_LIB)
$(MODSSL_LINK_TARGET): LIBS += $(MODSSL_LINK_LIB)
endif
endif
$(MODSSL_LINK_TARGET): $(MODSSL_LINK_LIB)

FORCE:
.PHONY: FORCE

# ---- stale frozen code ------------------------------------------------------------
# MicroPython's makemanifest.py regenerates frozen_content.c only when frozen
# code changed, but the qstr numbers inside it follow the firmware's whole
# qstr list, which grows when our sources gain a qstr; the stale file then
# fails to compile ("redeclaration of enumerator MP_QSTR_...").  Drop it when
# the qstr list changed.
MODSSL_FROZEN_STAMP := $(BUILD)/modssl/frozen-qstr.stamp
$(BUILD)/frozen_content.c: $(MODSSL_FROZEN_STAMP)
$(MODSSL_FROZEN_STAMP): $(BUILD)/genhdr/qstrdefs.generated.h
	$(Q)rm -f $(BUILD)/frozen_content.c
	$(Q)$(MKDIR) -p $(dir $@)
	$(Q)touch $@
