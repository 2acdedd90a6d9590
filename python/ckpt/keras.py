"""CandleCkptKeras: CANDLE's Keras checkpoint callback over libckpt.

A Keras callback (pass it to model.fit(callbacks=[...])): each epoch's end
feeds the tracked metric (ckpt_save_best_metric, default val_loss) and
every other log as an extra metric; the model is saved with model.save and
restored with model.load_weights. The base class is Keras' own Callback
when Keras is installed, else a stand-in with the same hooks.
"""

import importlib
import importlib.util
import sys
from typing import Any, Dict, Mapping, Optional

from . import errors
from .candle import CandleCkpt
from .metrics import direction_of


def _keras_callback_class():
    """keras.callbacks.Callback (standalone Keras or TensorFlow's), or None."""
    for name in ("keras.callbacks", "tensorflow.keras.callbacks"):
        top = name.split(".")[0]
        if top not in sys.modules and importlib.util.find_spec(top) is None:
            continue
        try:
            return importlib.import_module(name).Callback
        except Exception:  # a broken install: use the stand-in
            continue
    return None


class _CallbackShape:
    """The hooks Keras calls on a callback, doing nothing."""

    def __init__(self):
        self.model = None
        self.params = {}

    def set_params(self, params):
        self.params = params

    def set_model(self, model):
        self.model = model

    def _noop(self, *args, **kwargs):
        pass

    on_train_begin = on_epoch_begin = on_train_batch_begin = on_train_batch_end = _noop
    on_test_begin = on_test_end = on_test_batch_begin = on_test_batch_end = _noop
    on_predict_begin = on_predict_end = on_predict_batch_begin = on_predict_batch_end = _noop
    on_batch_begin = on_batch_end = _noop


KerasCallback = _keras_callback_class() or _CallbackShape


class CandleCkptKeras(CandleCkpt, KerasCallback):
    """Keras checkpointing (candle.keras_utils' CandleCkptKeras).

    The tracked metric's direction comes from ckpt.metrics.direction_of
    (loss-like names "-", accuracy-like "+"), or the parameter
    ckpt_save_best_direction. Usage::

        ckpt = CandleCkptKeras(gParameters)
        J = ckpt.restart(model)
        model.fit(..., initial_epoch=J["epoch"] if J else 0, callbacks=[ckpt])
    """

    def __init__(self, gParameters: Mapping[str, Any], logger="DEFAULT",
                 verbose: bool = True, *, rank: Optional[int] = None):
        KerasCallback.__init__(self)
        CandleCkpt.__init__(self, gParameters, logger, verbose, rank=rank)
        try:
            self.direction = direction_of(self.save_best_metric,
                                          self.params.get("ckpt_save_best_direction"))
        except ValueError:
            self.close()  # the lock must not wait for the garbage collector
            raise

    def set_model(self, model) -> None:
        """model: the Keras model (Keras calls this itself in fit)."""
        self.model = model

    def on_epoch_end(self, epoch: int, logs: Optional[Dict[str, Any]] = None) -> None:
        logs = dict(logs or {})
        if self.save_best_metric not in logs:
            raise errors.InvalidError(
                "CandleCkptKeras: save_best_metric='%s' not in the model's metrics: %s"
                % (self.save_best_metric, sorted(logs)))
        value = logs.pop(self.save_best_metric)
        extra = {}
        for name, v in logs.items():
            try:
                extra[name] = float(v)
            except (TypeError, ValueError):
                continue  # not a number (Keras may log strings or arrays)
        self.ckpt_epoch(epoch, self.direction, value, **extra)

    def on_train_end(self, logs=None) -> None:
        self.report_final()

    def write_model_backend(self, model, epoch: int) -> None:
        self.model.save(str(self.model_file))

    def build_model(self, model_file: str) -> None:
        self.model.load_weights(model_file)

    def restart(self, model=None, verbose: bool = True):
        """Loads the weights of the epoch `last` names into model (or the
        model set earlier) and returns its ckpt-info.json as a dict, or
        None to start from scratch."""
        if model is None and self.model is None:
            raise ValueError("CandleCkptKeras.restart: no model: pass it or call set_model")
        return super().restart(model, verbose)

