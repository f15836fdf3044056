# The mbedTLS anchor and the side-by-side benchmark (issue 6), included by the
# top-level Makefile (which defines REPO, B, GET_MPY, MPY_LIB_STUB,
# MPY_CROSS_BUILD, MICROPYTHON, SUBJOBS, QUIET, PYTHON).
#
#   make anchor   the same MicroPython as `make` (unix port, standard variant,
#                 same frozen manifest) twice more, from the same tree:
#                   build/micropython-mbedtls  with MicroPython's own mbedTLS `tls`
#                                              (mbedTLS 3.6 from Debian's source package)
#                   build/micropython-notls    with no TLS at all (MICROPY_PY_SSL=0)
#                 and the qemu boards of `make qemu` with MicroPython's mbedTLS `tls`
#                 (bare-metal configuration, mbedTLS's C for Cortex-M0+ on MPS2_AN385):
#                   build/anchor/qemu-mbedtls-{MPS2_AN385,VIRT_RV32}/firmware.elf
#                 (their no-TLS counterparts are `make size`'s qemu-base-* firmware)
#   make anchor-unix / anchor-qemu   one half of it
#   make bench    ours and the anchor side by side: one table, ratios ours / mbedTLS,
#                 also appended to bench/results/<date>.md (bench/README.md)
#   make pkops    the public-key micro-benchmarks (bench/pkops), built by make bench
#   make clean-anchor   remove what `make anchor` built (keeps the mbedTLS source)
#
# MicroPython's tree is never written: the anchor builds from a symlink farm
# (bench/anchor-tree.sh) with lib/mbedtls pointing at the mbedTLS source and
# Debian's "use system mbedtls" patch reversed in its copy of extmod/extmod.mk.

.PHONY: bench-rp2 anchor anchor-unix anchor-qemu bench clean-anchor

ANCHOR := $(B)/anchor
MICROPYTHON_MBEDTLS := $(B)/micropython-mbedtls
MICROPYTHON_NOTLS := $(B)/micropython-notls
MALLOCCOUNT := $(B)/bench/libmalloccount.so
BENCH_ARGS ?=

# Everything as in UNIX_MAKE_VARS except the TLS choice and the user module.
ANCHOR_COMMON_VARS = VARIANT=standard USER_C_MODULES= MICROPY_SSL_AXTLS=0 MICROPY_PY_BTREE=0 \
	FROZEN_MANIFEST=$(REPO)/micropython/manifest.py MPY_LIB_DIR=$(MPY_LIB_STUB) \
	MICROPY_MPYCROSS=$(MPY_CROSS_BUILD)/mpy-cross $(MPY_MAKE_ARGS)

# Shell: sets mpy (MicroPython's tree), mbed (mbedTLS's) and tree (the anchor's).
ANCHOR_TREE = mpy=$$($(GET_MPY)); \
	mbed=$$($(REPO)/scripts/get-mbedtls.sh $(ANCHOR)/src); \
	tree=$$($(REPO)/bench/anchor-tree.sh "$$mpy" "$$mbed" $(ANCHOR)/micropython)

anchor: anchor-unix anchor-qemu
anchor-unix: $(MICROPYTHON_MBEDTLS) $(MICROPYTHON_NOTLS)

$(MICROPYTHON_MBEDTLS) $(MICROPYTHON_NOTLS) &: $(B)/.deps.stamp FORCE
	@set -e; $(ANCHOR_TREE); \
	mkdir -p $(MPY_LIB_STUB); \
	[ -f $(MPY_LIB_STUB)/README.md ] || echo "Stand-in for micropython-lib." > $(MPY_LIB_STUB)/README.md; \
	echo "== mpy-cross ($$mpy)"; \
	$(MAKE) $(SUBJOBS) $(QUIET) -C "$$mpy/mpy-cross" BUILD=$(MPY_CROSS_BUILD) USER_C_MODULES=; \
	echo "== anchor: unix port + MicroPython's mbedTLS tls ($$(basename $$mbed))"; \
	$(MAKE) $(SUBJOBS) $(QUIET) -C "$$tree/ports/unix" $(ANCHOR_COMMON_VARS) BUILD=$(ANCHOR)/unix-mbedtls \
	    MICROPY_PY_SSL=1 MICROPY_SSL_MBEDTLS=1; \
	echo "== anchor: unix port without TLS"; \
	$(MAKE) $(SUBJOBS) $(QUIET) -C "$$mpy/ports/unix" $(ANCHOR_COMMON_VARS) BUILD=$(ANCHOR)/unix-notls \
	    MICROPY_PY_SSL=0 MICROPY_SSL_MBEDTLS=0; \
	for v in mbedtls notls; do \
	    cmp -s $(ANCHOR)/unix-$$v/micropython $(B)/micropython-$$v || \
	        { cp -p $(ANCHOR)/unix-$$v/micropython $(B)/micropython-$$v.tmp && mv -f $(B)/micropython-$$v.tmp $(B)/micropython-$$v; }; \
	done
	@size $(MICROPYTHON_MBEDTLS) $(MICROPYTHON_NOTLS)

# The qemu boards as `make qemu` builds them (mk/boards.mk: no frozen
# modules, tracked allocation on, the RV32 multilib settings, a Pico W's GC
# heap), with the port's
# mbedTLS `tls` and bench/anchor-qemu/mbedtls_glue (port hooks, Cortex-M0+ flags
# for mbedTLS's C, a C library for the Arm board) instead of our module.
ANCHOR_QEMU_FIRMWARE := $(foreach b,$(QEMU_BOARDS),$(ANCHOR)/qemu-mbedtls-$(b)/firmware.elf)
anchor-qemu: $(ANCHOR_QEMU_FIRMWARE)

$(ANCHOR)/qemu-mbedtls-%/firmware.elf: $(CROSS_DEPS) FORCE
	@set -e; $(ANCHOR_TREE); \
	mkdir -p $(MPY_LIB_STUB); \
	[ -f $(MPY_LIB_STUB)/README.md ] || echo "Stand-in for micropython-lib." > $(MPY_LIB_STUB)/README.md; \
	echo "== anchor: qemu port $* + MicroPython's mbedTLS tls ($$(basename $$mbed))"; \
	heap=$(ANCHOR)/qemu-mbedtls-$*/.heap; \
	if [ -f $$heap ] && [ "$$(cat $$heap)" != "$(QEMU_HEAP_SIZE)" ]; then rm -rf $(ANCHOR)/qemu-mbedtls-$*; fi; \
	mkdir -p $(ANCHOR)/qemu-mbedtls-$*; echo "$(QEMU_HEAP_SIZE)" > $$heap; \
	$(MAKE) $(SUBJOBS) $(QUIET) -C "$$tree/ports/qemu" BOARD=$* BUILD=$(ANCHOR)/qemu-mbedtls-$* \
	    FROZEN_MANIFEST= MPY_LIB_DIR=$(MPY_LIB_STUB) MICROPY_PY_SSL=1 MICROPY_SSL_MBEDTLS=1 \
	    MICROPY_HEAP_SIZE=$(QEMU_HEAP_SIZE) \
	    USER_C_MODULES=$(REPO)/bench/anchor-qemu \
	    $(if $(filter VIRT_RV32,$*),$(QEMU_RV32_VARS) CFLAGS_EXTRA="$(QEMU_RV32_CFLAGS) -DMICROPY_TRACKED_ALLOC=1",CFLAGS_EXTRA=-DMICROPY_TRACKED_ALLOC=1)

$(MALLOCCOUNT): $(REPO)/bench/malloccount.c
	@mkdir -p $(@D)
	$(CC) -O2 -shared -fPIC -o $@ $<

# The public-key operations alone (bench/pkops): ours from the core's crypto
# module, mbedTLS's from the anchor's own objects and configuration.
PKOPS_OURS := $(REPO)/target/bench-pkops/release/pkops
PKOPS_MBEDTLS := $(B)/bench/pkops_mbedtls
.PHONY: pkops
pkops: $(PKOPS_OURS) $(PKOPS_MBEDTLS)
$(PKOPS_OURS): FORCE
	cd $(REPO)/bench/pkops && CARGO_TARGET_DIR=$(REPO)/target/bench-pkops cargo build --release --quiet
$(PKOPS_MBEDTLS): $(REPO)/bench/pkops/pkops_mbedtls.c $(MICROPYTHON_MBEDTLS)
	@mkdir -p $(@D)
	rm -f $(B)/bench/libanchor-mbedtls.a
	ar rcs $(B)/bench/libanchor-mbedtls.a $(ANCHOR)/unix-mbedtls/lib/mbedtls/library/*.o
	cd $(ANCHOR)/micropython/ports/unix && $(CC) -std=gnu99 -Os -DNDEBUG -DUNIX -DMICROPY_PY_SSL=1 \
	    -DMICROPY_SSL_MBEDTLS=1 -DMICROPY_PY_THREAD=1 -DMICROPY_PY_THREAD_GIL=0 -DMICROPY_PY_SOCKET=1 \
	    '-DMBEDTLS_CONFIG_FILE="mbedtls/mbedtls_config_port.h"' -I../../lib/mbedtls/include -I. -I../.. \
	    -I$(ANCHOR)/unix-mbedtls -Ivariants/standard -o $@ $< $(B)/bench/libanchor-mbedtls.a

# Not part of `make test`: it prints numbers and asserts nothing.  The qemu
# flash rows need the qemu firmware, ours (every feature profile: `make
# profiles`, ~8 min the first time) and the anchor's (BENCH_QEMU=0: the unix
# rows only, qemu rows from whatever firmware is already built).
BENCH_QEMU ?= 1
BENCH_QEMU_DEPS = $(if $(filter 1,$(BENCH_QEMU)),$(QEMU_FIRMWARE) $(foreach b,$(QEMU_BOARDS),$(B)/qemu-base-$(b)/firmware.elf) $(ANCHOR_QEMU_FIRMWARE) $(QEMU_PROFILE_FIRMWARE))
bench: $(MICROPYTHON) $(MICROPYTHON_MBEDTLS) $(MICROPYTHON_NOTLS) $(MALLOCCOUNT) $(PKOPS_OURS) $(PKOPS_MBEDTLS) $(BENCH_QEMU_DEPS)
	@command -v valgrind >/dev/null || { echo "make bench: installing valgrind (callgrind rows)"; \
	    $$([ "$$(id -u)" = 0 ] || echo sudo) apt-get install -y -qq valgrind; }
	cd $(REPO) && $(PYTHON) bench/bench.py --ours $(MICROPYTHON) --anchor $(MICROPYTHON_MBEDTLS) \
	    --notls $(MICROPYTHON_NOTLS) --malloccount $(MALLOCCOUNT) --build $(B) \
	    --pkops-ours $(PKOPS_OURS) --pkops-mbedtls $(PKOPS_MBEDTLS) $(BENCH_ARGS)

# The rp2 rows: our Pico W firmware and the stock one (the port's mbedTLS
# `tls`, `make -C ports/rp2` with no user module) from the same MICROPY_DIR,
# both on the emulated RP2040 (bench/rp2emu_bench.py).  Needs MICROPY_DIR and
# RP2040JS_DIR, as make rp2-emu; not part of make test.
BENCH_RP2_BOARD ?= RPI_PICO_W
bench-rp2: $(B)/.deps.stamp
	@[ -n "$(MICROPY_DIR)" ] && [ -n "$(RP2040JS_DIR)" ] || { \
	    echo "make bench-rp2: needs MICROPY_DIR and RP2040JS_DIR (see make rp2-emu, docs/building.md)"; exit 2; }
	@$(REPO)/scripts/board-firmware.sh rp2 $(BENCH_RP2_BOARD) "$(MICROPY_DIR)" $(B)
	@set -e; mpy=$$(cd "$(MICROPY_DIR)" && pwd); \
	ver=$$($(REPO)/scripts/mpy-version.sh "$$mpy"); \
	stock=$(B)/rp2-stock-$(BENCH_RP2_BOARD)-v$$ver; \
	echo "== stock $(BENCH_RP2_BOARD) firmware (MicroPython $$ver, mbedTLS) -> $$stock"; \
	$(MAKE) $(SUBJOBS) $(QUIET) -C "$$mpy/ports/rp2" BOARD=$(BENCH_RP2_BOARD) BUILD=$$stock; \
	cd $(REPO) && RP2040JS_DIR="$(RP2040JS_DIR)" $(PYTHON) bench/rp2emu_bench.py \
	    --ours $(B)/rp2-$(BENCH_RP2_BOARD)-v$$ver/firmware.uf2 --stock $$stock/firmware.uf2 \
	    --results $(REPO)/bench/results/$$(date -u +%Y-%m-%d).md $(BENCH_RP2_ARGS)

clean-anchor:
	rm -rf $(ANCHOR)/micropython $(ANCHOR)/unix-mbedtls $(ANCHOR)/unix-notls $(ANCHOR)/qemu-mbedtls-* \
	    $(MICROPYTHON_MBEDTLS) $(MICROPYTHON_NOTLS) $(B)/bench
