#!/usr/bin/env python3
"""python-compat.py: runs written by libckpt (through `ckpt demo`) read back the
way CANDLE's Python CandleCkpt reads them: every ckpt-info.json through Python's
own json module with the original's field names and types, zlib.crc32 checksums,
relative best/last links, and the original's restart comparison.

Usage: python-compat.py PATH/TO/ckpt     (standard library only)
"""
import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zlib

RESULTS = {"passed": 0, "failed": 0}


def check(condition, what):
    if condition:
        RESULTS["passed"] += 1
    else:
        RESULTS["failed"] += 1
        print("FAIL: " + what)
    return condition


def run_demo(ckpt, run_dir, *extra):
    args = [ckpt, "demo", run_dir, "--epochs", "12", "--every", "0"] + list(extra)
    proc = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True)
    check(proc.returncode == 0,
          "%s exited %d: %s" % (" ".join(args[1:]), proc.returncode, proc.stderr.strip()))
    return proc.returncode == 0


def check_info(path, info, checksums_on):
    name = os.path.relpath(path)
    expected = {"epoch", "save_best_metric", "best_metric_last", "model_file", "checksum",
                "timestamp", "time_elapsed", "metadata"}
    check(expected <= set(info), "%s: missing keys %s" % (name, sorted(expected - set(info))))
    epoch = info.get("epoch")
    check(type(epoch) is int, "%s: epoch is %r, not an int" % (name, epoch))
    check(isinstance(info.get("save_best_metric"), str), "%s: save_best_metric not a str" % name)
    best = info.get("best_metric_last")
    # Python's json reads Infinity as float('inf'): still a float.
    check(type(best) is float, "%s: best_metric_last is %r, not a float" % (name, best))
    check(info.get("model_file") == "model.h5", "%s: model_file is %r" % (name, info.get("model_file")))
    checksum = info.get("checksum")
    check(isinstance(checksum, str) and (checksum.isdigit() or checksum == "__DISABLED__"),
          "%s: checksum %r is neither digits nor __DISABLED__" % (name, checksum))
    if checksums_on:
        check(isinstance(checksum, str) and checksum.isdigit(), "%s: checksum disabled" % name)
    try:
        datetime.datetime.strptime(info.get("timestamp"), "%Y-%m-%d %H:%M:%S")
        check(True, "timestamp")
    except (TypeError, ValueError):
        check(False, "%s: timestamp %r is not %%Y-%%m-%%d %%H:%%M:%%S" % (name, info.get("timestamp")))
    elapsed = info.get("time_elapsed")
    check(type(elapsed) is float or elapsed == "__FIRST__",
          "%s: time_elapsed is %r" % (name, elapsed))
    metadata = info.get("metadata")
    check(metadata is None or isinstance(metadata, str), "%s: metadata is %r" % (name, metadata))
    check_additions(name, info)
    return epoch


def check_additions(name, info):
    """libckpt's own keys, after the original's: plain JSON types that Python's
    json reads and the original ignores."""
    value = info.get("metric_value")
    check(value is None or type(value) is float, "%s: metric_value is %r" % (name, value))
    check(info.get("direction") in (None, "-", "+"), "%s: direction is %r" % (name, info.get("direction")))
    metrics = info.get("metrics", {})
    check(isinstance(metrics, dict) and all(type(v) is float for v in metrics.values()),
          "%s: metrics is %r" % (name, metrics))
    # Since 0.2: the writer session, and the retention `ckpt clean` follows.
    session = info.get("session")
    check(isinstance(session, str) and session != "", "%s: session is %r" % (name, session))
    limit = info.get("keep_limit")
    check(type(limit) is int and limit > 0, "%s: keep_limit is %r" % (name, limit))
    mode = info.get("keep_mode")
    check(mode in ("linear", "all", "exponential"), "%s: keep_mode is %r" % (name, mode))
    keys = list(info)
    original = ["epoch", "save_best_metric", "best_metric_last", "model_file", "checksum",
                "timestamp", "time_elapsed", "metadata"]
    check(keys[:len(original)] == original,
          "%s: the original's keys do not come first, in its order: %r" % (name, keys))


def check_model(epoch_dir, info):
    model = os.path.join(epoch_dir, "model.h5")
    if not check(os.path.isfile(model), "%s: no model.h5" % epoch_dir):
        return
    with open(model, "rb") as f:
        data = f.read()
    check(data.startswith(b"\x89HDF\r\n\x1a\n"), "%s: no HDF5 signature" % model)
    checksum = info.get("checksum")
    if isinstance(checksum, str) and checksum.isdigit():
        check(zlib.crc32(data) & 0xFFFFFFFF == int(checksum),
              "%s: zlib.crc32 %d != stored %s" % (model, zlib.crc32(data), checksum))


def check_link(root, name, must_exist):
    link = os.path.join(root, name)
    if not must_exist:
        check(not os.path.lexists(link), "%s exists although save_best is off" % link)
        return None
    if not check(os.path.islink(link), "%s is not a symbolic link" % link):
        return None
    target = os.readlink(link)
    relative = check(not os.path.isabs(target), "%s -> %s is absolute" % (link, target))
    resolved = os.path.realpath(link)
    epochs = os.path.realpath(os.path.join(root, "epochs"))
    inside = check(os.path.dirname(resolved) == epochs and os.path.isdir(resolved),
                   "%s -> %s does not resolve inside the run" % (link, target))
    return resolved if relative and inside else None


def restart_like_the_original(root):
    """CandleCkpt.restart(): read last/ckpt-info.json, take best_metric_last,
    and compare it with the next epoch's metric."""
    with open(os.path.join(root, "last", "ckpt-info.json")) as f:
        info = json.load(f)
    best = info["best_metric_last"]
    try:
        _ = 0.5 < best, 0.5 > best, best < 0.5, best > 0.5
        check(True, "restart comparison")
    except TypeError as e:
        check(False, "%s: restart comparison fails: %s" % (root, e))
    return info["epoch"]


def check_run(run_dir, save_best=True, keep_limit=None, epochs=12):
    root = os.path.join(run_dir, "ckpts")
    epochs_dir = os.path.join(root, "epochs")
    names = sorted(os.listdir(epochs_dir))
    check(len(names) > 0, "%s: no epochs" % epochs_dir)
    if keep_limit is not None:
        check(len(names) <= keep_limit + 1,
              "%s: %d epochs kept with keep_limit %d" % (epochs_dir, len(names), keep_limit))
    for name in names:
        epoch_dir = os.path.join(epochs_dir, name)
        with open(os.path.join(epoch_dir, "ckpt-info.json")) as f:
            info = json.load(f)
        epoch = check_info(os.path.join(epoch_dir, "ckpt-info.json"), info, True)
        check(name == "%03d" % epoch, "%s: directory name does not match epoch %r" % (epoch_dir, epoch))
        check_model(epoch_dir, info)
        if not save_best:
            check(info.get("best_metric_last") == float("inf"),
                  "%s: best_metric_last is %r with save_best off" % (name, info.get("best_metric_last")))
    check_link(root, "best", save_best)
    last = check_link(root, "last", True)
    if last:
        check(os.path.basename(last) == "%03d" % epochs, "last is %s, not the final epoch" % last)
        check(restart_like_the_original(root) == epochs, "restart epoch is not the final one")


def run_all(ckpt, tmp):
    run = os.path.join(tmp, "keep3")
    if run_demo(ckpt, run, "--ckpt_keep_limit=3"):
        check_run(run, keep_limit=3)
        with open(os.path.join(run, "ckpts", "last", "ckpt-info.json")) as f:
            info = json.load(f)
        check(info.get("keep_limit") == 3 and info.get("keep_mode") == "linear",
              "keep3: recorded retention is %r/%r" % (info.get("keep_limit"), info.get("keep_mode")))
    run = os.path.join(tmp, "accuracy")
    if run_demo(ckpt, run, "--direction", "+"):
        check_run(run)
        with open(os.path.join(run, "ckpts", "best", "ckpt-info.json")) as f:
            info = json.load(f)
        check(info["save_best_metric"] == "val_accuracy",
              "direction + tracks %r" % info["save_best_metric"])
        check(0.0 < info["best_metric_last"] <= 1.0,
              "direction + best_metric_last %r is not an accuracy" % info["best_metric_last"])
    run = os.path.join(tmp, "nobest")
    if run_demo(ckpt, run, "--ckpt_save_best=false"):
        check_run(run, save_best=False)


def main():
    if len(sys.argv) != 2:
        print("usage: python-compat.py PATH/TO/ckpt", file=sys.stderr)
        return 2
    ckpt = os.path.abspath(sys.argv[1])
    tmp = tempfile.mkdtemp(prefix="ckpt-python-compat-")
    try:
        run_all(ckpt, tmp)
    except (OSError, ValueError, KeyError, TypeError) as e:
        check(False, "unexpected %s: %s" % (type(e).__name__, e))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (RESULTS["passed"], RESULTS["failed"]))
    return 1 if RESULTS["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
