# The mbedTLS anchor and the side-by-side benchmark (issue 6), included by the
# top-level Makefile (which defines REPO, B, GET_MPY, MPY_LIB_STUB,
# MPY_CROSS_BUILD, MICROPYTHON, SUBJOBS, QUIET, PYTHON).
#
#   make anchor   the same MicroPython as `make` (unix port, standard variant,
#                 same frozen manifest) twice more, from the same tree:
#                   build/micropython-mbedtls  with MicroPython's own mbedTLS `tls`
#                                              (mbedTLS 3.6 from Debian's source package)
#                   build/micropython-notls    with no TLS at all (MICROPY_PY_SSL=0)
#   make bench    ours and the anchor side by side: one table, ratios ours / mbedTLS,
#                 also appended to bench/results/<date>.md (bench/README.md)
#   make clean-anchor   remove what `make anchor` built (keeps the mbedTLS source)
#
# MicroPython's tree is never written: the anchor builds from a symlink farm
# (bench/anchor-tree.sh) with lib/mbedtls pointing at the mbedTLS source and
# Debian's "use system mbedtls" patch reversed in its copy of extmod/extmod.mk.

.PHONY: anchor bench clean-anchor

ANCHOR := $(B)/anchor
MICROPYTHON_MBEDTLS := $(B)/micropython-mbedtls
MICROPYTHON_NOTLS := $(B)/micropython-notls
MALLOCCOUNT := $(B)/bench/libmalloccount.so
BENCH_ARGS ?=

# Everything as in UNIX_MAKE_VARS except the TLS choice and the user module.
ANCHOR_COMMON_VARS = VARIANT=standard USER_C_MODULES= MICROPY_SSL_AXTLS=0 MICROPY_PY_BTREE=0 \
	FROZEN_MANIFEST=$(REPO)/micropython/manifest.py MPY_LIB_DIR=$(MPY_LIB_STUB) \
	MICROPY_MPYCROSS=$(MPY_CROSS_BUILD)/mpy-cross $(MPY_MAKE_ARGS)

anchor: $(MICROPYTHON_MBEDTLS) $(MICROPYTHON_NOTLS)

$(MICROPYTHON_MBEDTLS) $(MICROPYTHON_NOTLS) &: $(B)/.deps.stamp FORCE
	@set -e; mpy=$$($(GET_MPY)); \
	mbed=$$($(REPO)/scripts/get-mbedtls.sh $(ANCHOR)/src); \
	tree=$$($(REPO)/bench/anchor-tree.sh "$$mpy" "$$mbed" $(ANCHOR)/micropython); \
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

$(MALLOCCOUNT): $(REPO)/bench/malloccount.c
	@mkdir -p $(@D)
	$(CC) -O2 -shared -fPIC -o $@ $<

# Not part of `make test`: it prints numbers and asserts nothing.
bench: $(MICROPYTHON) $(MICROPYTHON_MBEDTLS) $(MICROPYTHON_NOTLS) $(MALLOCCOUNT)
	@command -v valgrind >/dev/null || { echo "make bench: installing valgrind (callgrind rows)"; \
	    $$([ "$$(id -u)" = 0 ] || echo sudo) apt-get install -y -qq valgrind; }
	cd $(REPO) && python3 bench/bench.py --ours $(MICROPYTHON) --anchor $(MICROPYTHON_MBEDTLS) \
	    --notls $(MICROPYTHON_NOTLS) --malloccount $(MALLOCCOUNT) $(BENCH_ARGS)

clean-anchor:
	rm -rf $(ANCHOR)/micropython $(ANCHOR)/unix-mbedtls $(ANCHOR)/unix-notls \
	    $(MICROPYTHON_MBEDTLS) $(MICROPYTHON_NOTLS) $(B)/bench
