# Frozen manifest for the unix build of modssl-rs (FROZEN_MANIFEST=...).
#
# The unix port's own variants/manifest.py also asks for micropython-lib
# (`unix-ffi`, `mip-cmdline`, `ssl`), which Debian's +ds source tarball does
# not ship; `ssl` is ours anyway (a built-in module).  Keep the rest of what
# the standard variant freezes: asyncio.
include("$(MPY_DIR)/extmod/asyncio")
