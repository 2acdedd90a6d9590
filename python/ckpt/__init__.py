"""ckpt: CANDLE checkpoint/restart over libckpt (ctypes; no compiler needed).

Trainers: replace ``from candle import CandleCkpt`` with
``from ckpt import CandleCkpt`` (or ``ckpt.torch.CandleCkptPyTorch``,
``ckpt.keras.CandleCkptKeras``); the trees stay readable by the original.
Browsing: ``ckpt.scan(path)`` and ``ckpt.Run(path)``, with the facts and
operations of the ``ckpt`` command (verify, rollback, clean, relink).

The library is found through $CKPT_LIBRARY, else the one installed beside
this package, else the system's; its major.minor version must match this
package's. Importing ckpt never imports torch or numpy.
"""

from . import _lib
from ._events import ProgressEvent
from ._version import __version__
from .candle import CandleCkpt, EpochResult, Restart
from .errors import (AmbiguousError, CallbackError, CancelledError, ChecksumError, Error,
                     FormatError, InvalidError, IoError, LibraryError, LockedError,
                     NoMemoryError, NotFoundError, RefusedError, UnsafeError)
from .history import History, Point
from .metrics import direction_of
from .ops import CleanItem, CleanPlan, VerifyItem
from .params import Params
from .run import Check, Epoch, Run, RunList, WriterInfo, scan

#: The version of the libckpt actually loaded, and where it was found.
library_version: str = _lib.version
library_path: str = _lib.path


def root_for(path) -> str:
    """The checkpoint root a trainer should write for path: the root path
    is (or holds: ckpts/, save/ckpts/), else path/ckpts for a new run."""
    out = _lib.c_void_p()
    _lib.root_for(_lib.byref(out), _lib.arg(path))
    return _lib.take_text(out.value)


__all__ = [
    "CandleCkpt", "EpochResult", "Restart", "Params", "Run", "RunList", "Epoch", "Check",
    "WriterInfo", "History", "Point", "VerifyItem", "CleanPlan", "CleanItem",
    "ProgressEvent", "scan", "root_for", "direction_of", "Error", "LibraryError",
    "InvalidError", "IoError", "NotFoundError", "FormatError", "LockedError",
    "ChecksumError", "CancelledError", "UnsafeError", "NoMemoryError", "CallbackError",
    "RefusedError", "AmbiguousError", "__version__", "library_version", "library_path",
]
