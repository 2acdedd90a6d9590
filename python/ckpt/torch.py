"""CandleCkptPyTorch: CANDLE's PyTorch checkpointing over libckpt.

Saves what the original saves (epoch, model_state_dict,
optimizer_state_dict, loss) plus the random number generators' states, so
that a run resumed from any saved epoch continues exactly as an
uninterrupted one; its restart() loads them back (the original's called
Keras' load_weights). Importing this module imports torch.
"""

import random
import sys
from typing import Any, Dict, Mapping, Optional

import torch

from .candle import CandleCkpt

RNG_KEY = "rng_state"  # beside the original's keys; the original ignores it


def rng_state() -> Dict[str, Any]:
    """The states of torch's CPU and CUDA generators, Python's random and,
    when the trainer imported it, NumPy's global generator."""
    state = {"torch": torch.get_rng_state(), "python": random.getstate()}
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda"] = torch.cuda.get_rng_state_all()
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        state["numpy"] = numpy.random.get_state()
    return state


def set_rng_state(state: Mapping[str, Any]) -> None:
    """Restores what rng_state() saved (parts this process lacks are skipped)."""
    if "torch" in state:
        torch.set_rng_state(state["torch"])
    if "python" in state:
        random.setstate(state["python"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])
    numpy = sys.modules.get("numpy")
    if "numpy" in state and numpy is not None:
        numpy.random.set_state(state["numpy"])


class CandleCkptPyTorch(CandleCkpt):
    """PyTorch checkpointing (candle.pytorch_utils' CandleCkptPyTorch).

    Usage::

        ckpt = CandleCkptPyTorch(gParameters)
        ckpt.set_model({"model": net, "optimizer": opt})
        J = ckpt.restart()              # None, or the ckpt-info.json dict
        start = J["epoch"] if J else 0
        for epoch in range(start, gParameters["epochs"]):
            ...train...
            ckpt.ckpt_epoch(epoch, val_loss, accuracy=acc)

    In a torch.distributed job every rank makes one (after
    init_process_group) and feeds the same metric; only rank 0 writes.
    """

    def __init__(self, gParameters: Mapping[str, Any], logger="DEFAULT",
                 verbose: bool = True, *, rank: Optional[int] = None):
        super().__init__(gParameters, logger, verbose, rank=rank)
        self._loss = 0.0

    def set_model(self, model: Mapping[str, Any]) -> None:
        """model: {"model": torch.nn.Module, "optimizer": torch.optim.Optimizer}
        (the optimizer may be absent)."""
        self.model = model

    def ckpt_epoch(self, epoch: int, metric_value: float, direction: str = "-",
                   **metrics: float):
        """The training loop calls this each epoch (0-based) with the
        tracked metric (smaller is better unless direction="+") and any
        extra metrics as keywords."""
        self._loss = float(metric_value)
        return super().ckpt_epoch(epoch, direction, metric_value, **metrics)

    def write_model_backend(self, model, epoch: int) -> None:
        model = self.model
        optimizer = model.get("optimizer")
        torch.save({
            "epoch": epoch,
            "model_state_dict": model["model"].state_dict(),
            "optimizer_state_dict": optimizer.state_dict() if optimizer is not None else None,
            "loss": self._loss,
            RNG_KEY: rng_state(),
        }, self.model_file)

    def build_model(self, model_file: str) -> None:
        checkpoint = torch.load(model_file, map_location="cpu")
        self.model["model"].load_state_dict(checkpoint["model_state_dict"])
        optimizer = self.model.get("optimizer")
        if optimizer is not None and checkpoint.get("optimizer_state_dict") is not None:
            optimizer.load_state_dict(checkpoint["optimizer_state_dict"])
        if RNG_KEY in checkpoint:
            set_rng_state(checkpoint[RNG_KEY])

    def restart(self, model: Optional[Mapping[str, Any]] = None, verbose: bool = True):
        """Loads model, optimizer and RNG states from the epoch `last` names
        and returns its ckpt-info.json as a dict (None: start from scratch).
        model, when given, is the {"model", "optimizer"} dict to load into."""
        if model is None and self.model is None:
            raise ValueError("CandleCkptPyTorch.restart: no model: call "
                             "set_model({'model': net, 'optimizer': opt}) or pass it")
        return super().restart(model, verbose)
