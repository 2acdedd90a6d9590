"""support.py: what the Python suite's test modules share: temporary trees,
the fixture runs, launching and killing trainers, and the checks that a
tree reads under the Python original's format rules (SPEC §3, §5)."""

import datetime
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
import unittest
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_ROOT = os.path.dirname(os.path.dirname(HERE))
EXAMPLES = os.path.join(SOURCE_ROOT, "examples")
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable


def fixtures_dir() -> str:
    """$CKPT_FIXTURES, else the project's own tests/data/fixtures/."""
    candidates = [os.environ.get("CKPT_FIXTURES"),
                  os.path.join(SOURCE_ROOT, "tests", "data", "fixtures")]
    for path in candidates:
        if path and os.path.exists(os.path.join(path, "candle-runs.tar.gz")):
            return path
    raise AssertionError("no candle-runs.tar.gz in any of %s" % candidates)


def unpack_fixtures(dest: str) -> str:
    """Unpacks the original's runs into dest; returns dest/exp-2026-03.

    Their best/last links are absolute paths on the machine that wrote them
    (/scratch/candle/...). So that no test depends on this machine having
    such a path, every absolute target is moved below dest/gone, which does
    not exist, as tests/testutil.c does for the C tests."""
    with tarfile.open(os.path.join(fixtures_dir(), "candle-runs.tar.gz")) as tar:
        tar.extractall(dest)
    gone = os.path.join(dest, "gone")
    for folder, dirs, files in os.walk(dest):
        for name in dirs + files:
            path = os.path.join(folder, name)
            if os.path.islink(path) and os.readlink(path).startswith("/"):
                target = gone + os.readlink(path)
                os.unlink(path)
                os.symlink(target, path)
    return os.path.join(dest, "exp-2026-03")


def child_env(**extra) -> dict:
    env = dict(os.environ)
    env.setdefault("PYTHONPATH", os.path.join(SOURCE_ROOT, "python"))
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update({k: str(v) for k, v in extra.items() if v is not None})
    for k in [k for k, v in extra.items() if v is None]:
        env.pop(k, None)
    return env


class TreeTestCase(unittest.TestCase):
    """Each test in its own temporary folder, removed afterwards."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="ckpt-test-")
        os.chmod(self.tmp, 0o755)
        self.addCleanup(shutil.rmtree, self.tmp, True)


# ---- launching and killing ----------------------------------------------------

class Launch:
    """A trainer process whose stdout lines are read as they come."""

    def __init__(self, args, env, **kw):
        self.proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, **kw)
        self.lines = []

    def wait_for_line(self, pattern, timeout=120):
        """Reads lines until one matches (True) or the process ends (False)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                return False
            self.lines.append(line.rstrip("\n"))
            if re.search(pattern, line):
                return True
        raise AssertionError("no line matching %r within %ds" % (pattern, timeout))

    def kill(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)

    def finish(self, timeout=300):
        out, err = self.proc.communicate(timeout=timeout)
        self.lines.extend(out.splitlines())
        self.stderr = err
        return self.proc.returncode

    def describe(self):
        return "exit %s; stdout: %s; stderr: %s" % (
            self.proc.returncode, self.lines[-5:], (self.stderr or "")[-2000:])


# ---- the original's format rules -------------------------------------------------

ORIGINAL_KEYS = {"epoch", "save_best_metric", "best_metric_last", "model_file", "checksum",
                 "timestamp", "time_elapsed", "metadata"}


def check_original_format(tc: unittest.TestCase, root: str, checksums: bool = True):
    """Every epochs/NNN/ckpt-info.json read with Python's json has the
    original's keys and types; checksums are zlib.crc32 of model.h5 in
    decimal (or __DISABLED__); best/last are relative links to epochs."""
    epochs_dir = os.path.join(root, "epochs")
    names = sorted(os.listdir(epochs_dir))
    tc.assertTrue(names, "%s: no epochs" % epochs_dir)
    for name in names:
        where = os.path.join(epochs_dir, name)
        with open(os.path.join(where, "ckpt-info.json")) as f:
            info = json.load(f)
        tc.assertLessEqual(ORIGINAL_KEYS, set(info), where)
        tc.assertIs(type(info["epoch"]), int, where)
        tc.assertEqual("%03d" % info["epoch"], name)
        tc.assertIsInstance(info["save_best_metric"], str, where)
        tc.assertIs(type(info["best_metric_last"]), float, where)
        tc.assertEqual(info["model_file"], "model.h5")
        datetime.datetime.strptime(info["timestamp"], "%Y-%m-%d %H:%M:%S")
        elapsed = info["time_elapsed"]
        tc.assertTrue(elapsed == "__FIRST__" or type(elapsed) is float, (where, elapsed))
        tc.assertTrue(info["metadata"] is None or isinstance(info["metadata"], str))
        with open(os.path.join(where, "model.h5"), "rb") as f:
            crc = str(zlib.crc32(f.read()))
        tc.assertEqual(info["checksum"], crc if checksums else "__DISABLED__", where)
    for link in ("best", "last"):
        path = os.path.join(root, link)
        if os.path.lexists(path):
            target = os.readlink(path)
            tc.assertFalse(os.path.isabs(target), "%s -> %s" % (path, target))
            tc.assertRegex(target, r"^epochs/\d{3,}$")


def original_restart(root: str) -> dict:
    """What the original's restart() reads: last/ckpt-info.json with
    Python's json, its checksum checked with zlib as the original does."""
    last = os.path.join(root, "last")
    with open(os.path.join(last, "ckpt-info.json")) as f:
        info = json.load(f)
    with open(os.path.join(last, "model.h5"), "rb") as f:
        if info["checksum"] != "__DISABLED__":
            assert str(zlib.crc32(f.read())) == info["checksum"], "checksum mismatch"
    return info


def history_values(run) -> dict:
    """epoch -> the value of its last history point (the one that counts)."""
    return {p.epoch: p.value for p in run.history()}


def expected_linear_kept(saved, best, limit):
    """SPEC §3 linear retention over one session's saved epochs."""
    kept, count = set(), 0
    for e in sorted(saved, reverse=True):
        if e == max(saved) or e == best or count < limit:
            kept.add(e)
            count += 1
    return kept
