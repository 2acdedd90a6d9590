"""writer-original.py: the Python original's save procedure, re-enacted for
bench-writer. CANDLE's CandleCkpt.ckpt_epoch (candle.ckpt_utils) saves an
epoch by writing the model into ckpts/work, writing ckpt-info.json there,
deleting an older epochs/NNN and renaming work/ in its place, re-creating
the best and last links (delete, then symlink an absolute target), and
deleting what retention no longer keeps (shutil.rmtree), logging each step
to ckpt.log through a logging.FileHandler. It syncs nothing. Same model
bytes, metric values and retention as the C side (bench-writer.c).

Usage: /usr/bin/python3 writer-original.py ROOT EPOCHS MODEL KEEP_LIMIT KEEP_MODE
Prints "<seconds of the epoch loop alone>". Around the loop it makes a
getpriority() call on an absent process, the mark bench-writer's system
call counter starts and stops at.
"""

import json
import logging
import os
import shutil
import sys
import time

MARK_WHO = 999999999  # no such process: the counter's mark


def mark():
    try:
        os.getpriority(os.PRIO_PROCESS, MARK_WHO)
    except OSError:
        pass


def metric_value(epoch0):
    # bench-writer.c's metric_value: better on even epochs, worse on odd ones.
    return 1.0 / (1.0 + epoch0) if epoch0 % 2 == 0 else 2.0


class CandleCkpt:
    def __init__(self, root, epochs, model_bytes, keep_limit, keep_mode):
        self.ckpt_directory = root
        self.epochs = epochs
        self.model_bytes = model_bytes
        self.keep_limit = keep_limit
        self.keep_mode = keep_mode
        self.save_best = True
        self.save_best_metric = "val_loss"
        self.best_metric_last = float("inf")
        self.epoch_best = 0
        self.saved = []
        self.timestamp_last = None
        os.makedirs(os.path.join(root, "epochs"), exist_ok=True)
        self.logger = logging.getLogger("CandleCkpt")
        self.logger.setLevel(logging.DEBUG)
        handler = logging.FileHandler(os.path.join(root, "ckpt.log"))
        handler.setFormatter(
            logging.Formatter("%(asctime)s CandleCkpt: %(message)s", "%Y-%m-%d %H:%M:%S")
        )
        self.logger.handlers = [handler]
        self.logger.propagate = False
        self.info("Callback initialized.")
        self.info("save_best_metric='%s'" % self.save_best_metric)

    def info(self, message):
        self.logger.info(message)

    def ckpt_epoch(self, epoch, direction, metric_value):
        epoch += 1
        if not self.save_check(epoch, direction, metric_value):
            return
        self.write_model(os.path.join(self.ckpt_directory, "work"), epoch)
        dir_old = os.path.join(self.ckpt_directory, "epochs", "%03i" % epoch)
        if os.path.exists(dir_old):
            self.info("remove:  '%s'" % dir_old)
            shutil.rmtree(dir_old)
        dir_work = os.path.join(self.ckpt_directory, "work")
        self.info("rename:  '%s' -> '%s'" % (dir_work, dir_old))
        os.rename(dir_work, dir_old)
        if self.epoch_best == epoch:
            self.symlink(dir_old, os.path.join(self.ckpt_directory, "best"))
        self.symlink(dir_old, os.path.join(self.ckpt_directory, "last"))
        self.saved.append(epoch)
        self.clean(epoch)

    def save_check(self, epoch, direction, metric_value):
        improved = metric_value < self.best_metric_last if direction == "-" else \
            metric_value > self.best_metric_last
        symbol = "<" if metric_value < self.best_metric_last else \
            ">" if metric_value > self.best_metric_last else "="
        self.info("metrics: %s: current=%f %s last=%f" % (
            self.save_best_metric, metric_value, symbol, self.best_metric_last))
        if self.save_best and improved:
            self.best_metric_last = metric_value
            self.epoch_best = epoch
            return True
        if epoch == self.epochs:
            self.info("writing final epoch %i ..." % epoch)
            return True
        return True  # ckpt_save_interval 1: every epoch is saved

    def write_model(self, dir_work, epoch):
        os.makedirs(dir_work, exist_ok=True)
        model_file = os.path.join(dir_work, "model.h5")
        self.info("writing model to: '%s'" % model_file)
        start = time.time()
        with open(model_file, "wb") as f:
            f.write(self.model_bytes)
        stop = time.time()
        mb = os.stat(model_file).st_size / (1024 * 1024)
        self.info("model wrote: %0.3f MB in %0.3f seconds (%0.2f MB/s)." % (
            mb, stop - start, mb / max(stop - start, 1e-6)))
        self.write_json(os.path.join(dir_work, "ckpt-info.json"), epoch)

    def write_json(self, jsonfile, epoch):
        now = time.time()
        elapsed = "__FIRST__" if self.timestamp_last is None else now - self.timestamp_last
        self.timestamp_last = now
        record = {
            "epoch": epoch,
            "save_best_metric": self.save_best_metric,
            "best_metric_last": self.best_metric_last,
            "model_file": "model.h5",
            "checksum": "__DISABLED__",
            "timestamp": time.strftime("%Y-%m-%d %H:%M:%S"),
            "time_elapsed": elapsed,
            "metadata": None,
        }
        with open(jsonfile, "w") as f:
            json.dump(record, f)
            f.write("\n")

    def symlink(self, src, dst):
        # The original's: delete, then create (with an absolute target).
        if os.path.lexists(dst):
            os.unlink(dst)
        os.symlink(os.path.abspath(src), dst)
        self.info("linking: '%s' -> '%s'" % (dst, src))

    def clean(self, epoch_now):
        if self.keep_mode == "all":
            return
        kept = 0
        for epoch in reversed(list(self.saved)):
            self.info("clean(): checking epoch directory: %i" % epoch)
            if self.keep(epoch, epoch_now, kept):
                kept += 1
                continue
            self.delete(epoch)

    def keep(self, epoch, epoch_now, kept):
        if epoch == epoch_now:
            self.info("keep(): epoch is latest: %i" % epoch)
            return True
        if self.epoch_best == epoch:
            self.info("keep(): epoch is best: %i" % epoch)
            return True
        if kept < self.keep_limit:
            self.info("keep(): ckpt count is < limit=%i" % self.keep_limit)
            return True
        return False

    def delete(self, epoch):
        dir_old = os.path.join(self.ckpt_directory, "epochs", "%03i" % epoch)
        if os.path.exists(dir_old):
            self.info("removing: '%s'" % dir_old)
            shutil.rmtree(dir_old)
        else:
            self.info("checkpoint for epoch=%i is already gone!" % epoch)
        self.saved.remove(epoch)
        self.info("clean(): deleted epoch: %i" % epoch)


def main():
    root, epochs, model, keep_limit, keep_mode = sys.argv[1:6]
    epochs, keep_limit = int(epochs), int(keep_limit)
    with open(model, "rb") as f:
        model_bytes = f.read()
    ckpt = CandleCkpt(root, epochs, model_bytes, keep_limit, keep_mode)
    mark()
    start = time.perf_counter()
    for epoch0 in range(epochs):
        ckpt.ckpt_epoch(epoch0, "-", metric_value(epoch0))
    took = time.perf_counter() - start
    mark()
    print("%.6f" % took)


if __name__ == "__main__":
    main()
