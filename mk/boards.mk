# Microcontroller targets, included by the top-level Makefile (which defines
# REPO, B, GET_MPY, PYTHON, MPY_LIB_STUB, SUBJOBS, QUIET).
#
#   make cross       the core for RP2040, RP2350, ESP32-C3, ESP32-C6 (the crate's
#                    default features, or MODSSL_PROFILE and the other settings
#                    of micropython.mk)
#   make cross-xtensa  ... for the ESP32 (Xtensa), with Debian's rustc and GNU as
#                    configured for the chip (XTENSA_DYNCONFIG_DIR, XTENSA_OVERLAYS_DIR)
#   make xtensa-emu  that core run on QEMU with the ESP32's core (docs/esp32.md)
#   make qemu        MicroPython's qemu port with our module: the MPS2_AN385
#                    board running the RP2040's thumbv6m code, VIRT_RV32 the
#                    ESP32-C3's riscv32imc code
#   make qemu-test   TLS 1.3/1.2 handshakes on both boards, then the pytest
#                    suite in --device mode on MPS2_AN385 over its UART pty
#   make profiles    the qemu firmware of each feature profile (micropython/features.sh)
#   make feature-costs  flash each feature of the general profile costs (thumbv6m)
#   make size        flash and static RAM the module adds, by component
#   make rp2 BOARD=RPI_PICO_W MICROPY_DIR=...        firmware (pico-sdk)
#   make esp32 BOARD=ESP32_GENERIC_C3 MICROPY_DIR=... firmware (ESP-IDF)
#   make rp2-emu BOARD="RPI_PICO_W ..." MICROPY_DIR=... RP2040JS_DIR=...
#                    that firmware booted on an emulated RP2040 (rp2040js) and
#                    tested over its USB CDC (not part of make test)
# docs/building.md has the details per board.

.PHONY: cross-deps cross cross-xtensa xtensa-emu stack-report qemu qemu-test profiles feature-costs size rp2 esp32 rp2-emu

CROSS_DEPS := $(B)/.cross-deps.stamp
$(CROSS_DEPS): $(REPO)/scripts/cross-deps.sh
	$(REPO)/scripts/cross-deps.sh
	@mkdir -p $(@D) && touch $@
cross-deps: $(CROSS_DEPS)

# ---- cross builds of the core ---------------------------------------------------------
# RP2040 and ESP32-C3 have no compare-and-swap: their target JSONs claim it
# (targets/README.md) and the shim provides the __sync_* helpers.
CROSS_TARGETS := \
	$(REPO)/targets/thumbv6m-none-eabi-cas.json \
	thumbv8m.main-none-eabi \
	$(REPO)/targets/riscv32imc-unknown-none-elf-cas.json \
	riscv32imac-unknown-none-elf

# The settings of micropython.mk that a build of the core alone takes
# (scripts/build-core.sh); without MODSSL_PROFILE, the crate's default features.
MODSSL_FEATURE_NAMES := TLS12 SERVER P384 RSA ED25519 SIGN_ECDSA SIGN_RSA SIGN_ED25519 CA_BUNDLE CA_COMPACT PQ RPK CERT_COMPRESS
modssl_if_set = $(if $(filter undefined,$(origin $(1))),,$(2)='$($(1))')
CROSS_CORE_ARGS = $(if $(MODSSL_PROFILE),--profile='$(MODSSL_PROFILE)') \
	$(foreach f,$(MODSSL_FEATURE_NAMES),$(f)='$(MODSSL_$(f))') \
	$(if $(MODSSL_CARGO_FEATURES),--features='$(MODSSL_CARGO_FEATURES)') \
	$(if $(MODSSL_CARGO_TARGET_DIR),--target-dir='$(MODSSL_CARGO_TARGET_DIR)') \
	$(if $(MODSSL_CROSS_CARGO),--cargo='$(MODSSL_CROSS_CARGO)') \
	--rustflags='$(MODSSL_RUSTFLAGS)' $(call modssl_if_set,MODSSL_CROSS_RUSTFLAGS,--cross-rustflags) \
	$(call modssl_if_set,MODSSL_BUILD_STD_FEATURES,--build-std-features)

cross: $(CROSS_DEPS)
	@set -e; for t in $(CROSS_TARGETS); do \
	    case $$t in \
	        *thumbv6m*) what="RP2040 (Pico, Pico W)";; \
	        *thumbv8m*) what="RP2350 (Pico 2, Pico 2 W; Arm cores)";; \
	        *riscv32imc-*) what="ESP32-C3";; \
	        *riscv32imac*) what="ESP32-C6, RP2350 RISC-V cores";; \
	    esac; \
	    echo "== $$(basename $$t .json): $$what"; \
	    lib=$$($(REPO)/scripts/build-core.sh --target=$$t $(CROSS_CORE_ARGS)); \
	    ls -l $$lib | awk '{print "   " $$5 " bytes  " $$9}'; \
	done
	@echo "== Xtensa (ESP32): 'make cross-xtensa' (its own assembly route, docs/building.md)"

# Where the core's stack goes on the RP2040 (thumbv6m, every feature): the
# largest frames and the deepest call chains from the C ABI and from the
# trait objects, from the compiler's own frame sizes (-Z emit-stack-sizes;
# its own target directory, so the firmware builds' objects stay as they are).
# scripts/stack-report.py says what the static graph can and cannot follow.
stack-report: $(CROSS_DEPS)
	@lib=$$($(REPO)/scripts/build-core.sh --target=$(REPO)/targets/thumbv6m-none-eabi-cas.json $(CROSS_CORE_ARGS) \
	    --target-dir=$(REPO)/target/stack-thumbv6m --cross-rustflags="-Zfmt-debug=none -Zemit-stack-sizes") && \
	python3 $(REPO)/scripts/stack-report.py $$lib

# Xtensa (ESP32): Debian's rustc-web 1.96, whose LLVM 22 has an Xtensa
# backend, with targets/xtensa-esp32-none-elf-cas.json; thin LTO (fat LTO
# crashes LLVM 22's Xtensa backend); each module assembled by GNU as
# configured for the ESP32 (LLVM's own assembler misplaces literal pools),
# then a link check at the ESP32's flash addresses and the sizes, per profile
# (scripts/xtensa-core.sh; docs/building.md "Xtensa").  Needs two fetched
# trees, never part of this repository (the script says how to get them):
#   make cross-xtensa XTENSA_DYNCONFIG_DIR=<espressif/xtensa-dynconfig> XTENSA_OVERLAYS_DIR=<espressif/xtensa-overlays>
# MODSSL_PROFILE builds that profile only (default: all five, about 2 min
# each after the first); XTENSA_LTO=fat shows LLVM 22 failing (docs/building.md).
# XTENSA_TOOLCHAIN=esp: Espressif's fork of Rust/LLVM instead (rustup's `esp`
# toolchain from espup; XTENSA_TARGET, the built-in triple), as before.
XTENSA_TOOLCHAIN ?= debian
XTENSA_CHIP ?= esp32
XTENSA_LTO ?= thin
XTENSA_PROFILES ?= full general client small-client minimal
XTENSA_TARGET ?= xtensa-esp32-none-elf
XTENSA_CORE_ARGS = $(foreach f,$(MODSSL_FEATURE_NAMES),$(f)='$(MODSSL_$(f))') \
	$(if $(MODSSL_CARGO_FEATURES),--features='$(MODSSL_CARGO_FEATURES)') \
	$(if $(MODSSL_CROSS_CARGO),--cargo='$(MODSSL_CROSS_CARGO)') \
	--rustflags='$(MODSSL_RUSTFLAGS)' $(call modssl_if_set,MODSSL_CROSS_RUSTFLAGS,--cross-rustflags) \
	$(call modssl_if_set,MODSSL_BUILD_STD_FEATURES,--build-std-features)
cross-xtensa:
ifeq ($(XTENSA_TOOLCHAIN),esp)
	@cargo=$$($(REPO)/scripts/build-core.sh --target=$(XTENSA_TARGET) --print=cargo) && \
	echo "== $(XTENSA_TARGET) (Espressif toolchain: $$cargo)" && \
	$(REPO)/scripts/build-core.sh --target=$(XTENSA_TARGET) $(CROSS_CORE_ARGS)
else
	@$(REPO)/scripts/cross-deps.sh xtensa
	@set -e; export XTENSA_DYNCONFIG_DIR='$(XTENSA_DYNCONFIG_DIR)' XTENSA_OVERLAYS_DIR='$(XTENSA_OVERLAYS_DIR)'; \
	$(REPO)/scripts/xtensa-as.sh --chip=$(XTENSA_CHIP) >/dev/null; \
	sizes=; for p in $(or $(MODSSL_PROFILE),$(XTENSA_PROFILES)); do \
	    echo "== $(XTENSA_CHIP) (Xtensa LX6), profile $$p, $(XTENSA_LTO) LTO, Debian's rustc $$(/usr/bin/rustc --version | cut -d' ' -f2)"; \
	    start=$$(date +%s); \
	    lib=$$($(REPO)/scripts/xtensa-core.sh --chip=$(XTENSA_CHIP) --lto=$(XTENSA_LTO) --profile=$$p $(XTENSA_CORE_ARGS)); \
	    ls -l $$lib | awk '{print "   " $$5 " bytes  " $$9}'; \
	    sizes="$$sizes$$p: $$(cat $$(dirname $$lib)/size.txt) [$$(( $$(date +%s) - start )) s]\n"; \
	done; \
	printf "== link check at the $(XTENSA_CHIP)'s flash addresses (code + literals, read-only data, data), per profile:\n$$sizes"
endif

# The core's Xtensa code executed (docs/esp32.md): Debian's qemu source with
# the ESP32's core imported from xtensa-overlays (scripts/xtensa-qemu.sh, about
# 7 min once), then on its `sim` machine a bare-metal start-up check and the
# four handshakes + an out-of-memory escape through the C ABI beside clang-22's
# C (scripts/xtensa-qemu-test.sh), with the general profile's archive.
#   make xtensa-emu QEMU_SRC_DIR=<apt-get source qemu> XTENSA_DYNCONFIG_DIR=... XTENSA_OVERLAYS_DIR=...
xtensa-emu:
	@set -e; export QEMU_SRC_DIR='$(QEMU_SRC_DIR)' XTENSA_DYNCONFIG_DIR='$(XTENSA_DYNCONFIG_DIR)' XTENSA_OVERLAYS_DIR='$(XTENSA_OVERLAYS_DIR)'; \
	qemu=$$($(REPO)/scripts/xtensa-qemu.sh); echo "== $$qemu: $$($$qemu --version | head -1)"; \
	echo "== start-up, register windows, setjmp/longjmp"; \
	QEMU_XTENSA=$$qemu $(REPO)/scripts/xtensa-qemu-test.sh hello; \
	$(MAKE) --no-print-directory cross-xtensa MODSSL_PROFILE=general; \
	echo "== handshakes through the C ABI (profile general)"; \
	QEMU_XTENSA=$$qemu $(REPO)/scripts/xtensa-qemu-test.sh handshake

# ---- MicroPython's qemu port with our module -------------------------------------------
QEMU_BOARDS := MPS2_AN385 VIRT_RV32
QEMU_FIRMWARE := $(foreach b,$(QEMU_BOARDS),$(B)/qemu-$(b)/firmware.elf)
# No frozen modules (the default manifest wants micropython-lib's unittest).
# The GC heap of a Pico W's stock firmware (205,312 B; the port's default
# is 140 KiB), so that the qemu boards have the heap our users' boards have:
# with handshakes on a core stack taken from that heap (micropython/
# modssl_stack.c), a client and a server in one interpreter need it.
QEMU_HEAP_SIZE ?= 205312
QEMU_COMMON_VARS = FROZEN_MANIFEST= MPY_LIB_DIR=$(MPY_LIB_STUB) MICROPY_PY_SSL=0 MICROPY_HEAP_SIZE=$(QEMU_HEAP_SIZE)
# Debian's riscv64-unknown-elf gcc 12 has rv32 multilibs for rv32imac, not
# for the port's default rv32imac_zicsr (misc/micropython-ssl-facts.md).
QEMU_RV32_VARS = RV32_ARCH=rv32imac AFLAGS="-mabi=ilp32 -march=rv32imac -misa-spec=2.2"
QEMU_RV32_CFLAGS = -misa-spec=2.2

qemu: $(QEMU_FIRMWARE)

# $(1): board, $(2): build dir, $(3): with the module (1) or not (empty),
# $(4): more make variables for the port build.
# A different MicroPython tree (or heap size) than last time starts the build
# dir afresh.
define qemu_build
	@set -e; mpy=$$($(GET_MPY)); tree="$$mpy heap=$(QEMU_HEAP_SIZE)"; \
	if [ -f $(2)/.tree ] && [ "$$(cat $(2)/.tree)" != "$$tree" ]; then rm -rf $(2); fi; \
	mkdir -p $(2) $(MPY_LIB_STUB); echo "$$tree" > $(2)/.tree; \
	[ -f $(MPY_LIB_STUB)/README.md ] || echo "Stand-in for micropython-lib." > $(MPY_LIB_STUB)/README.md; \
	echo "== qemu port $(1)$(if $(3), + modssl-rs, (without modssl-rs))"; \
	$(MAKE) $(SUBJOBS) $(QUIET) -C "$$mpy/ports/qemu" BOARD=$(1) BUILD=$(2) $(QEMU_COMMON_VARS) \
	    $(if $(3),USER_C_MODULES=$(REPO),USER_C_MODULES=) $(4) \
	    $(if $(filter VIRT_RV32,$(1)),$(QEMU_RV32_VARS) CFLAGS_EXTRA="$(QEMU_RV32_CFLAGS)$(if $(3),, -DMICROPY_TRACKED_ALLOC=1)",$(if $(3),,CFLAGS_EXTRA=-DMICROPY_TRACKED_ALLOC=1))
endef

$(B)/qemu-%/firmware.elf: $(B)/.deps.stamp $(CROSS_DEPS) FORCE
	$(call qemu_build,$*,$(B)/qemu-$*,1)

$(B)/qemu-base-%/firmware.elf: $(CROSS_DEPS) FORCE
	$(call qemu_build,$*,$(B)/qemu-base-$*,)

# ---- feature profiles on the qemu boards (make profiles; make bench's flash rows) ----
# build/qemu-<board> is the `full` profile (micropython.mk's default); the
# others (micropython/features.sh) get a build dir each, started from a copy
# of the full one (only the Rust core and the link differ), and a cargo
# target dir each.  About 1 min per profile and board the first time.
QEMU_PROFILES := general client small-client minimal
QEMU_PROFILE_FIRMWARE := $(foreach p,$(QEMU_PROFILES),$(foreach b,$(QEMU_BOARDS),$(B)/qemu-profile-$(p)-$(b)/firmware.elf))
profile_board = $(lastword $(subst -, ,$(1)))
profile_name = $(patsubst %-$(call profile_board,$(1)),%,$(1))
profiles: $(QEMU_PROFILE_FIRMWARE)

$(B)/qemu-profile-%/firmware.elf: $(QEMU_FIRMWARE) FORCE
	@[ -d $(@D) ] || cp -a $(B)/qemu-$(call profile_board,$*) $(@D)
	$(call qemu_build,$(call profile_board,$*),$(@D),1,MODSSL_PROFILE=$(call profile_name,$*) \
	    MODSSL_CARGO_TARGET_DIR=$(REPO)/target/profile-$(call profile_name,$*)-$(call profile_board,$*))

# What each feature of the general profile costs on thumbv6m: the general
# firmware again without one feature at a time; and the features general
# leaves out (FEATURE_ADD_NAMES), with one added at a time (make
# feature-costs; about 1 min per feature the first time).
# bench/feature_costs.py prints the table.
FEATURE_ADD_NAMES := PQ
FEATURE_COST_NAMES := $(filter-out CA_BUNDLE $(FEATURE_ADD_NAMES),$(MODSSL_FEATURE_NAMES))
FEATURE_COST_FIRMWARE := $(foreach f,$(FEATURE_COST_NAMES),$(B)/qemu-without-$(f)-MPS2_AN385/firmware.elf) \
	$(foreach f,$(FEATURE_ADD_NAMES),$(B)/qemu-with-$(f)-MPS2_AN385/firmware.elf)
feature-costs: $(FEATURE_COST_FIRMWARE)
	@cd $(REPO) && $(PYTHON) bench/feature_costs.py --build $(B)

$(B)/qemu-with-%-MPS2_AN385/firmware.elf: $(B)/qemu-profile-general-MPS2_AN385/firmware.elf FORCE
	@[ -d $(@D) ] || cp -a $(B)/qemu-profile-general-MPS2_AN385 $(@D)
	$(call qemu_build,MPS2_AN385,$(@D),1,MODSSL_PROFILE=general MODSSL_$*=1 \
	    MODSSL_CARGO_TARGET_DIR=$(REPO)/target/with-$*)

$(B)/qemu-without-%-MPS2_AN385/firmware.elf: $(B)/qemu-profile-general-MPS2_AN385/firmware.elf FORCE
	@[ -d $(@D) ] || cp -a $(B)/qemu-profile-general-MPS2_AN385 $(@D)
	$(call qemu_build,MPS2_AN385,$(@D),1,MODSSL_PROFILE=general MODSSL_$*=0 \
	    MODSSL_CARGO_TARGET_DIR=$(REPO)/target/without-$*)

# TLS on both boards (tests/test_qemu.py), each board against host OpenSSL over its
# UART (tests/test_qemu_peer.py), every feature profile's stacks on
# MPS2_AN385 against host OpenSSL (tests/test_qemu_profiles.py), MPS2_AN385
# taking a compressed chain from the rustls peer (tests/test_cert_compress.py,
# its emulated cases), then the
# pytest suite against the MPS2_AN385 board as a "device" over its UART pty
# with mpremote: the same path as `pytest tests --device /dev/ttyACM0` on a
# Pico W.
QEMU_PYTEST_ARGS ?= -q
QEMU_PROFILE_TEST_FIRMWARE := $(foreach p,$(QEMU_PROFILES),$(B)/qemu-profile-$(p)-MPS2_AN385/firmware.elf)
qemu-test: $(QEMU_FIRMWARE) $(QEMU_PROFILE_TEST_FIRMWARE) peers
	cd $(REPO) && MODSSL_QEMU_TESTS=1 $(PYTHON) -m pytest tests/test_qemu.py tests/test_qemu_peer.py \
	    tests/test_qemu_profiles.py $(QEMU_PYTEST_ARGS)
	cd $(REPO) && MODSSL_QEMU_TESTS=1 $(PYTHON) -m pytest tests/test_cert_compress.py -k emulated $(QEMU_PYTEST_ARGS)
	@cat $(B)/qemu-report.txt
	@echo "== pytest --device on the emulated MPS2_AN385 (mpremote over the qemu UART pty)"
	cd $(REPO)/tests && $(PYTHON) -m helpers.qemu MPS2_AN385 -- \
	    $(PYTHON) -m pytest $(REPO)/tests --device {pty} $(QEMU_PYTEST_ARGS) -p no:cacheprovider -p emulated_device_plugin

# ---- size ----------------------------------------------------------------------------------
size: $(QEMU_FIRMWARE) $(B)/qemu-base-MPS2_AN385/firmware.elf $(B)/qemu-base-VIRT_RV32/firmware.elf
	@python3 $(REPO)/scripts/size-report.py "thumbv6m (RP2040 code) in qemu MPS2_AN385" \
	    $(B)/qemu-MPS2_AN385/firmware.elf $(B)/qemu-base-MPS2_AN385/firmware.elf arm-none-eabi- \
	    $$(find $(B)/qemu-MPS2_AN385 -path '*/micropython/*' -name '*.o')
	@python3 $(REPO)/scripts/size-report.py "riscv32imc (ESP32-C3 code) in qemu VIRT_RV32" \
	    $(B)/qemu-VIRT_RV32/firmware.elf $(B)/qemu-base-VIRT_RV32/firmware.elf riscv64-unknown-elf- \
	    $$(find $(B)/qemu-VIRT_RV32 -path '*/micropython/*' -name '*.o')

# ---- firmware for real boards ---------------------------------------------------------------
# They take the user's full MicroPython checkout (with its submodules) and
# never download it; scripts/board-firmware.sh checks for the SDKs and says
# exactly what is missing.
rp2 esp32:
	@$(REPO)/scripts/board-firmware.sh $@ "$(BOARD)" "$(MICROPY_DIR)" $(B)

# ---- the rp2 firmware on an emulated RP2040 ------------------------------------------------
# Builds each board's firmware with `make rp2`, boots that UF2 on rp2040js
# and runs tests/test_rp2emu.py and pytest --device over its USB CDC
# (scripts/rp2-emu.sh).  Needs MICROPY_DIR and RP2040JS_DIR.
rp2-emu: $(B)/.deps.stamp
	@$(REPO)/scripts/rp2-emu.sh "$(or $(BOARD),RPI_PICO_W)" "$(MICROPY_DIR)" "$(RP2040JS_DIR)" $(B) $(PYTHON)
