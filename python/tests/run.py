#!/usr/bin/python3
"""run.py: runs one test module of the Python suite with unittest in a
temporary HOME, XDG_CACHE_HOME and TMPDIR (removed afterwards). Prints TAP
on stdout (one line per test, so meson shows "N subtests passed"; failures'
tracebacks as # lines), unittest's own report on stderr, and a closing
"N passed, N failed, N errors, N skipped" line; exits nonzero on any
failure, error or skip: a test that cannot run (torch missing) fails, it is
never skipped (a skip is reported "not ok").

Usage: run.py TEST_MODULE.py [unittest names...]
"""

import os
import shutil
import sys
import tempfile
import unittest


class TapResult(unittest.TextTestResult):
    """unittest's report on stderr, TAP on stdout as each test ends."""

    def __init__(self, stream, descriptions, verbosity):
        super().__init__(stream, descriptions, verbosity)
        self.count = 0

    def tap(self, ok, test, detail=None):
        self.count += 1
        print("%s %d - %s" % ("ok" if ok else "not ok", self.count, test.id()), flush=True)
        for line in (detail or "").rstrip().splitlines():
            print("# " + line, flush=True)

    def addSuccess(self, test):
        super().addSuccess(test)
        self.tap(True, test)

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self.tap(False, test, self.failures[-1][1])

    def addError(self, test, err):
        super().addError(test, err)
        self.tap(False, test, self.errors[-1][1])

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self.tap(False, test, "skipped, which this suite counts as a failure: " + reason)

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self.tap(True, test)

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self.tap(False, test, "unexpected success")

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            print("# failed: %s" % subtest.id(), flush=True)


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    path = os.path.abspath(argv[1])
    here = os.path.dirname(path)
    scratch = tempfile.mkdtemp(prefix="ckpt-pytest-")
    os.chmod(scratch, 0o755)  # the distributed test runs a rank as another user
    for name in ("HOME", "XDG_CACHE_HOME", "TMPDIR"):
        os.makedirs(os.path.join(scratch, name.lower()), exist_ok=True)
        os.chmod(os.path.join(scratch, name.lower()), 0o1777)
        os.environ[name] = os.path.join(scratch, name.lower())
    tempfile.tempdir = None
    sys.path.insert(0, here)
    try:
        loader = unittest.TestLoader()
        module = os.path.splitext(os.path.basename(path))[0]
        names = [module + "." + n for n in argv[2:]] or [module]
        suite = loader.loadTestsFromNames(names)
        print("1..%d" % suite.countTestCases(), flush=True)
        runner = unittest.TextTestRunner(stream=sys.stderr, verbosity=2,
                                         resultclass=TapResult)
        result = runner.run(suite)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    failed, errors, skipped = (len(result.failures) + len(result.unexpectedSuccesses),
                               len(result.errors), len(result.skipped))
    passed = result.testsRun - failed - errors - skipped
    print("# %s: %d passed, %d failed, %d errors, %d skipped"
          % (module, passed, failed, errors, skipped))
    return 0 if failed == errors == skipped == 0 and result.testsRun > 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
