# The qemu anchor's glue (make anchor-qemu): mbedTLS port hooks, and mbedTLS's
# own C compiled for Cortex-M0+ (the RP2040's core), as our Rust core is built
# for thumbv6m on these boards; MicroPython's glue (modtls_mbedtls.c) keeps
# the board's flags, as our C shim does.
ANCHOR_GLUE_DIR := $(USERMOD_DIR)
SRC_USERMOD_C += $(ANCHOR_GLUE_DIR)/mbedtls_glue.c
CFLAGS_USERMOD += -I$(ANCHOR_GLUE_DIR)
ifeq ($(QEMU_ARCH),arm)
$(BUILD)/lib/mbedtls/%.o: CFLAGS += -mcpu=cortex-m0plus
$(BUILD)/lib/mbedtls_errors/%.o: CFLAGS += -mcpu=cortex-m0plus
# The Arm board links no C library, and mbedTLS needs a few of its functions
# (and libgcc's 64-bit division).  Their .ARM.exidx entries have no place in
# the port's linker script (the orphan overlaps .data), and nothing unwinds:
# link copies without them, as micropython/micropython.mk does for our core.
ANCHOR_LIBC := $(BUILD)/anchor-libs/libc.a
ANCHOR_LIBGCC := $(BUILD)/anchor-libs/libgcc.a
$(ANCHOR_LIBC):
	$(Q)$(MKDIR) -p $(dir $@)
	$(Q)$(OBJCOPY) -R .ARM.exidx -R '.ARM.exidx.*' -R '.rel.ARM.exidx*' -R .ARM.extab -R '.ARM.extab.*' \
	    $(shell $(CC) $(CFLAGS) -print-file-name=libc.a) $@
$(ANCHOR_LIBGCC):
	$(Q)$(MKDIR) -p $(dir $@)
	$(Q)$(OBJCOPY) -R .ARM.exidx -R '.ARM.exidx.*' -R '.rel.ARM.exidx*' -R .ARM.extab -R '.ARM.extab.*' \
	    $(shell $(CC) $(CFLAGS) -print-libgcc-file-name) $@
$(BUILD)/firmware.elf: $(ANCHOR_LIBC) $(ANCHOR_LIBGCC)
$(BUILD)/firmware.elf: LIBS = $(ANCHOR_LIBGCC) $(ANCHOR_LIBC) $(ANCHOR_LIBGCC)
endif
