# A small stand-in for micropython-lib's `unittest`, which Debian's `+ds`
# source of MicroPython does not ship.  Enough for MicroPython's own ssl/tls
# tests (tls_noleak.py, tls_threads.py): TestCase with the usual assertions,
# skipping, and main() printing the summary that run-tests.py looks for:
#
#   ----------------------------------------------------------------------
#   Ran N tests
#
#   OK            (or: FAILED (failures=F, errors=E))
import sys


class SkipTest(Exception):
    pass


class _AssertRaises:
    def __init__(self, exc):
        self.expected = exc
        self.exception = None

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_value, tb):
        if exc_type is None:
            raise AssertionError("%r not raised" % (self.expected,))
        if issubclass(exc_type, self.expected):
            self.exception = exc_value
            return True
        return False


class TestCase:
    def __init__(self, name="runTest"):
        self._testMethodName = name

    def setUp(self):
        pass

    def tearDown(self):
        pass

    def skipTest(self, reason):
        raise SkipTest(reason)

    def fail(self, msg=""):
        raise AssertionError(msg)

    def assertEqual(self, a, b, msg=None):
        if not a == b:
            raise AssertionError(msg or "%r != %r" % (a, b))

    def assertNotEqual(self, a, b, msg=None):
        if a == b:
            raise AssertionError(msg or "%r == %r" % (a, b))

    def assertTrue(self, x, msg=None):
        if not x:
            raise AssertionError(msg or "%r is not true" % (x,))

    def assertFalse(self, x, msg=None):
        if x:
            raise AssertionError(msg or "%r is not false" % (x,))

    def assertIs(self, a, b, msg=None):
        if a is not b:
            raise AssertionError(msg or "%r is not %r" % (a, b))

    def assertIsNot(self, a, b, msg=None):
        if a is b:
            raise AssertionError(msg or "%r is %r" % (a, b))

    def assertIsNone(self, x, msg=None):
        self.assertIs(x, None, msg)

    def assertIsNotNone(self, x, msg=None):
        self.assertIsNot(x, None, msg)

    def assertIn(self, a, b, msg=None):
        if a not in b:
            raise AssertionError(msg or "%r not in %r" % (a, b))

    def assertNotIn(self, a, b, msg=None):
        if a in b:
            raise AssertionError(msg or "%r in %r" % (a, b))

    def assertIsInstance(self, x, t, msg=None):
        if not isinstance(x, t):
            raise AssertionError(msg or "%r is not an instance of %r" % (x, t))

    def assertLess(self, a, b, msg=None):
        if not a < b:
            raise AssertionError(msg or "%r not less than %r" % (a, b))

    def assertGreater(self, a, b, msg=None):
        if not a > b:
            raise AssertionError(msg or "%r not greater than %r" % (a, b))

    def assertRaises(self, exc, func=None, *args, **kwargs):
        cm = _AssertRaises(exc)
        if func is None:
            return cm
        with cm:
            func(*args, **kwargs)


def skip(reason):
    def deco(f):
        def skipped(*args, **kwargs):
            raise SkipTest(reason)

        return skipped

    return deco


def skipIf(cond, reason):
    return skip(reason) if cond else (lambda f: f)


def skipUnless(cond, reason):
    return skip(reason) if not cond else (lambda f: f)


def _cases(module):
    for name in sorted(dir(module)):
        obj = getattr(module, name)
        if isinstance(obj, type) and issubclass(obj, TestCase) and obj is not TestCase:
            yield obj


def main(module="__main__"):
    if isinstance(module, str):
        module = __import__(module)
    ran = failures = errors = skipped = 0
    for cls in _cases(module):
        for name in sorted(dir(cls)):
            if not name.startswith("test"):
                continue
            t = cls(name)
            print("%s (%s) ..." % (name, cls.__name__), end=" ")
            ran += 1
            try:
                t.setUp()
                try:
                    getattr(t, name)()
                finally:
                    t.tearDown()
                print("ok")
            except SkipTest as e:
                skipped += 1
                print("skipped:", e.args[0] if e.args else "")
            except AssertionError as e:
                failures += 1
                print("FAIL")
                sys.print_exception(e) if hasattr(sys, "print_exception") else print(repr(e))
            except Exception as e:
                errors += 1
                print("ERROR")
                sys.print_exception(e) if hasattr(sys, "print_exception") else print(repr(e))
    print("-" * 70)
    print("Ran %d tests" % ran)
    print()
    if failures or errors:
        print("FAILED (failures=%d, errors=%d)" % (failures, errors))
        raise SystemExit(1)
    print("OK" + (" (skipped=%d)" % skipped if skipped else ""))
