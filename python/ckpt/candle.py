"""CandleCkpt: CANDLE's checkpoint/restart class over libckpt's writer.

The same name, constructor and call shapes as candle.ckpt_utils.CandleCkpt,
so a trainer switches by changing its import; the trees it writes restart
under the original. libckpt adds atomic durable saves, checksums (crc32 or
sha256), extra metrics, a metric history and multi-process training.
"""

import json
import logging
import math
import os
import pathlib
from dataclasses import dataclass
from typing import Any, Dict, Mapping, Optional

from . import _lib, distributed, errors
from .params import Params


@dataclass(frozen=True)
class EpochResult:
    """What ckpt_epoch decided for one epoch (epoch is 1-based)."""

    epoch: int
    saved: bool
    became_best: bool
    best_epoch: int  # 0 while no best this session
    best_value: float
    deleted_count: int  # epochs removed by retention in this call


@dataclass(frozen=True)
class Restart:
    """What a restart loaded, or what a rollback makes the next one load.

    info is the epoch's ckpt-info.json as the original's restart() returns
    it (json.loads: Infinity reads as float('inf')), or None.
    """

    resumed: bool
    epoch: int
    best_metric_last: Optional[float]
    model_path: Optional[str]
    info: Optional[Dict[str, Any]]

    @classmethod
    def _take(cls, handle) -> "Restart":
        """Reads a ckpt_restart and frees it."""
        try:
            best = _lib.restart_best_metric_last(handle)
            raw = _lib.text(_lib.restart_info_json(handle))
            return cls(resumed=_lib.restart_resumed(handle),
                       epoch=_lib.restart_epoch(handle),
                       best_metric_last=None if math.isnan(best) else best,
                       model_path=_lib.text(_lib.restart_model_path(handle)),
                       info=json.loads(raw) if raw is not None else None)
        finally:
            _lib.restart_free(handle)


class CandleCkpt:
    """CANDLE's checkpoint/restart engine (candle.ckpt_utils.CandleCkpt).

    gParameters is the trainer's parameter dict (SPEC §1: ``epochs`` is
    required; ``ckpt_directory``, ``ckpt_save_best_metric``,
    ``ckpt_keep_limit``...); unknown keys are kept. logger is a
    logging.Logger, None, or "DEFAULT" for logging.getLogger("CandleCkpt");
    libckpt writes the run's own ckpt.log itself.

    Subclasses (ckpt.torch.CandleCkptPyTorch, ckpt.keras.CandleCkptKeras)
    override write_model_backend(model, epoch), which writes
    ``self.model_file``, and build_model(model_file), as with the original.

    In a distributed job only rank 0 writes (see ckpt.distributed.rank, or
    pass rank=); the others decide identically and write nothing. The
    writer holds the run's lock until close(): use ``with CandleCkpt(...)``.
    """

    def __init__(self, gParameters: Optional[Mapping[str, Any]] = None,
                 logger="DEFAULT", verbose: bool = True, *, rank: Optional[int] = None):
        if gParameters is None:
            raise errors.InvalidError("CandleCkpt: gParameters is required "
                                      "(at least 'epochs')")
        self._writer = None
        self.gParams = gParameters
        self.logger = logging.getLogger("CandleCkpt") if logger == "DEFAULT" else logger
        self.verbose = verbose
        self.rank = distributed.rank(rank)
        self.follower = self.rank != 0
        self.params = Params(gParameters)
        self.model = None
        self.model_file: Optional[pathlib.Path] = None
        self.epochs = []  # epochs this instance saved (on rank 0: still kept)
        self.epoch_best = 0
        self.best_metric_last = math.inf
        self.restart_result: Optional[Restart] = None
        self._epoch_now = 0
        self._guard = _lib.Guard()
        self._open_writer()
        try:
            self._write_fn = self._guard.wrap(_lib.MODEL_FN, self._write_cb)
            self._load_fn = self._guard.wrap(_lib.MODEL_FN, self._load_cb)
            _lib.writer_set_model_io(self._writer, self._write_fn, self._load_fn, None)
            self.ckpt_directory = _lib.text(_lib.writer_root(self._writer))
            self.save_best_metric = self.params.get("ckpt_save_best_metric", "val_loss")
            self.epoch_max = int(self.params.get("epochs"))
        except BaseException:
            self.close()  # never leave the lock to the garbage collector
            raise
        self._info("Callback initialized (rank %d%s): %s" % (
            self.rank, ", follower" if self.follower else "", self.ckpt_directory))

    def _open_writer(self):
        """Rank 0 first (it takes the lock and repairs what a crash left),
        then the followers, which read the run it repaired."""
        out = _lib.c_void_p()
        flags = _lib.WRITER_FOLLOWER if self.follower else 0
        if self.follower:
            distributed.barrier()
            _lib.writer_new(_lib.byref(out), self.params._handle, flags)
        else:
            try:
                _lib.writer_new(_lib.byref(out), self.params._handle, flags)
            finally:
                distributed.barrier()
        self._writer = out.value

    # ---- the trainer's calls ------------------------------------------------

    def set_model(self, model) -> None:
        """The backend's model (what write_model_backend saves)."""
        self.model = model

    def ckpt_epoch(self, epoch: int, direction: str, metric_value: float,
                   **metrics: float) -> EpochResult:
        """After each epoch: epoch is 0-based (libckpt adds 1 at once, as the
        original does); direction "-" (smaller is better) or "+"; any other
        keyword metrics (loss=..., accuracy=...) are recorded in the
        history and the epoch's ckpt-info.json."""
        if direction not in ("-", "+"):
            raise errors.InvalidError("direction %r: must be '-' or '+'" % (direction,))
        names = [_lib.arg(str(name)) for name in metrics]
        extra = (_lib.Metric * len(names))(*[
            _lib.Metric(n, float(v)) for n, v in zip(names, metrics.values())])
        out = _lib.EpochResult()
        out.size = _lib.ctypes.sizeof(out)
        self._epoch_now = int(epoch) + 1
        with self._guard:
            _lib.writer_epoch(_lib.byref(out), self._handle(), int(epoch),
                              direction.encode(), float(metric_value),
                              extra if names else None, len(names))
        result = EpochResult(out.epoch, out.saved, out.became_best, out.best_epoch,
                             out.best_value, out.deleted_count)
        self._note_epoch(result)
        return result

    def _note_epoch(self, result: EpochResult) -> None:
        # What retention still keeps is the writer's to say (a follower's
        # list grows only: the writing rank deletes).
        handle = self._handle()
        self.epochs = [_lib.writer_kept(handle, i) for i in range(_lib.writer_kept_count(handle))]
        if result.best_epoch:
            self.epoch_best = result.best_epoch
            self.best_metric_last = result.best_value
        self._debug("epoch %d: %s%s" % (result.epoch, "saved" if result.saved else "not saved",
                                        ", best" if result.became_best else ""))

    def restart(self, model=None, verbose: bool = True) -> Optional[Dict[str, Any]]:
        """Loads the epoch `last` names (through build_model) and returns
        its ckpt-info.json as a dict, as the original does (training
        resumes after its "epoch"); None when there is nothing to resume
        from (or ckpt_restart_mode is "off"). model, when given, is set
        first with set_model."""
        if model is not None:
            self.set_model(model)
        out = _lib.c_void_p()
        with self._guard:
            _lib.writer_restart(_lib.byref(out), self._handle())
        self.restart_result = restart = Restart._take(out.value)
        if not restart.resumed:
            return None
        info = restart.info
        if info is None:  # require_json false and no ckpt-info.json
            info = {"epoch": restart.epoch, "best_metric_last": restart.best_metric_last,
                    "model_file": "model.h5"}
        if restart.best_metric_last is not None:
            self.best_metric_last = restart.best_metric_last
        if verbose:
            self._info("restarting from epoch: %d" % restart.epoch)
        return info

    def report_final(self) -> None:
        """Logs the kept checkpoints to ckpt.log, as the original does."""
        self._info("checkpoints kept: %d %s" % (len(self.epochs), self.epochs))
        if not self.follower:  # a follower writes nothing, not even the log
            _lib.writer_report_final(self._handle())

    def on_train_end(self, logs=None) -> None:
        """Keras' end-of-training hook: report_final()."""
        self.report_final()

    def run(self):
        """The run as it is on disk now (a ckpt.Run snapshot)."""
        from .run import Run
        return Run(self.ckpt_directory)

    def enabled(self, key: str) -> bool:
        """Is this parameter set to True? (as the original)"""
        return key in self.gParams and bool(self.gParams[key])

    def disabled(self, key: str) -> bool:
        """Is this parameter set to False? (as the original)"""
        return key in self.gParams and not self.gParams[key]

    # ---- what backends override ---------------------------------------------

    def write_model_backend(self, model, epoch: int) -> None:
        """Writes `model` to self.model_file (a pathlib.Path in libckpt's
        staging directory) for 1-based `epoch`."""
        raise NotImplementedError(
            "%s.write_model_backend: a backend must override this method "
            "(see ckpt.torch.CandleCkptPyTorch, ckpt.keras.CandleCkptKeras)"
            % type(self).__name__)

    def build_model(self, model_file: str) -> None:
        """Loads the model saved in model_file into self.model."""
        raise NotImplementedError("%s.build_model: a backend must override this method"
                                  % type(self).__name__)

    # ---- plumbing -------------------------------------------------------------

    def _write_cb(self, path, payload):
        self.model_file = pathlib.Path(os.fsdecode(path))
        self.write_model_backend(self.model, self._epoch_now)
        return 0

    def _load_cb(self, path, payload):
        self.build_model(os.fsdecode(path))
        return 0

    def _handle(self):
        if not self._writer:
            raise errors.InvalidError("%s: closed" % type(self).__name__)
        return self._writer

    def _info(self, message):
        if self.logger is not None:
            self.logger.info(message)

    def _debug(self, message):
        if self.logger is not None:
            self.logger.debug(message)

    # Bound here: at interpreter exit the module's globals may be gone first.
    _writer_free = staticmethod(_lib.writer_free)

    def close(self) -> None:
        """Frees the writer and releases the run's lock (idempotent)."""
        writer, self._writer = getattr(self, "_writer", None), None
        if writer:
            self._writer_free(writer)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __del__(self):
        self.close()

    def __repr__(self):
        best = ("%d (%s)" % (self.epoch_best, self.best_metric_last)
                if self.epoch_best else "none")
        return "<%s %r rank=%d%s metric=%s saved=%s best=%s%s>" % (
            type(self).__name__, getattr(self, "ckpt_directory", None), self.rank,
            " follower" if self.follower else "", getattr(self, "save_best_metric", None),
            self.epochs, best, "" if self._writer else " closed")
