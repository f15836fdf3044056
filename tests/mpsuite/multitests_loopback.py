# Runs MicroPython's tests/run-multitests.py unchanged, with two things
# patched at import time (MicroPython's files are not edited):
#
# * get_host_ip() returns 127.0.0.1.  The runner otherwise looks up the
#   address of the default-route interface (a UDP "connect" to 8.8.8.8) and
#   hands it to the tests as HOST_IP: we keep every byte on loopback.
# * Each test's raw output (as compared with its .exp) is also written to
#   <result dir>/<test name>.out, so that tests/mpsuite/run.py can tell an
#   expected "not supported" failure (DTLS) from any other.
#
# Usage: multitests_loopback.py <path to MicroPython's tests dir> [run-multitests args...]
import importlib.util
import os
import sys

sys.dont_write_bytecode = True  # nothing written into MicroPython's tree

tests_dir = os.path.abspath(sys.argv[1])
sys.argv = [os.path.join(tests_dir, "run-multitests.py")] + sys.argv[2:]
sys.path.insert(0, tests_dir)  # for its `__import__("run-tests")`

spec = importlib.util.spec_from_file_location("run_multitests", sys.argv[0])
mt = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mt)

LOOPBACK = "127.0.0.1"
mt.get_host_ip = lambda _ip_cache=None: LOOPBACK

_run_test_on_instances = mt.run_test_on_instances


def run_test_on_instances(test_file, num_instances, instances):
    error, skip, output, metrics = _run_test_on_instances(test_file, num_instances, instances)
    result_dir = mt.cmd_args.result_dir
    name = os.path.basename(test_file)
    with open(os.path.join(result_dir, name + ".out"), "w") as f:
        f.write(output)
    return error, skip, output, metrics


mt.run_test_on_instances = run_test_on_instances

if __name__ == "__main__":
    mt.main()
