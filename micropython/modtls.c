// The `tls` module: a drop-in for MicroPython's C module of that name, so
// micropython-lib's ssl.py, requests, umqtt and asyncio run unchanged.
#include "py/runtime.h"

#include "modssl_rs.h"
#include "modssl_guard.h"
#include "modssl_shim.h"

#if defined(MODSSL_OOM_INJECT)
// Test builds only (build/micropython-oom): tls._oom_inject(n) makes the
// core's nth allocation from now fail (0: none) and returns how many
// allocations the core made since the previous call.
static mp_obj_t tls_oom_inject(mp_obj_t n) {
    size_t made = 0;
    MPSSL_GUARDED(made = modssl_oom_inject(mp_obj_get_int(n)), mpssl_raise(escape_code));
    return mp_obj_new_int_from_uint(made);
}
static MP_DEFINE_CONST_FUN_OBJ_1(tls_oom_inject_obj, tls_oom_inject);
#endif

#if defined(MODSSL_VALGRIND)
// Test builds only (build/micropython-valgrind): tls._valgrind_selftest(n)
// makes one deliberate memory error in the core (modssl_valgrind_selftest),
// which memcheck must report (tests/test_valgrind.py).
static mp_obj_t tls_valgrind_selftest(mp_obj_t n) {
    int32_t ret = MODSSL_INTERNAL;
    CTX_CALL(ret, modssl_valgrind_selftest(mp_obj_get_int(n)));
    return mp_obj_new_int(ret);
}
static MP_DEFINE_CONST_FUN_OBJ_1(tls_valgrind_selftest_obj, tls_valgrind_selftest);
#endif

static const mp_rom_map_elem_t tls_module_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_tls) },
    { MP_ROM_QSTR(MP_QSTR_SSLContext), MP_ROM_PTR(&mpssl_tls_context_type) },
    // No MBEDTLS_VERSION: MicroPython's tests probe for it to detect mbedTLS.
    MODSSL_MODULE_CONSTANTS,
    #if defined(MODSSL_OOM_INJECT)
    { MP_ROM_QSTR(MP_QSTR__oom_inject), MP_ROM_PTR(&tls_oom_inject_obj) },
    #endif
    #if defined(MODSSL_VALGRIND)
    { MP_ROM_QSTR(MP_QSTR__valgrind_selftest), MP_ROM_PTR(&tls_valgrind_selftest_obj) },
    #endif
};
static MP_DEFINE_CONST_DICT(tls_module_globals, tls_module_globals_table);

const mp_obj_module_t mpssl_tls_module = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&tls_module_globals,
};

MP_REGISTER_MODULE(MP_QSTR_tls, mpssl_tls_module);
