"""Progress events handed to the progress callables of long calls."""

from dataclasses import dataclass
from typing import Optional

from . import _lib


@dataclass(frozen=True)
class ProgressEvent:
    """Where a long call (scan, verify, clean) stands.

    stage: "scan", "verify", "clean" or "checksum". For verify, done/total
    count bytes of the whole call and items_done/items_total epochs; for
    scan, done counts runs read and items_done folders seen; for clean,
    done/total count epochs. total is 0 when unknown. A progress callable
    returns True to cancel (the call then raises CancelledError); an
    exception it raises cancels too, and propagates.
    """

    stage: str
    run: Optional[str]
    epoch: int
    done: int
    total: int
    items_done: int
    items_total: int

    @property
    def fraction(self) -> Optional[float]:
        """done/total, or None while the total is unknown."""
        return self.done / self.total if self.total else None

    @classmethod
    def _from_c(cls, ev):
        stage = _lib.STAGES[ev.stage] if 0 <= ev.stage < len(_lib.STAGES) else str(ev.stage)
        return cls(stage, _lib.text(ev.run), ev.epoch, ev.done, ev.total,
                   ev.items_done, ev.items_total)
