"""The browser's operations that report per epoch: verify (streaming, with
results as VerifyItem objects) and clean (a CleanPlan to look at, then
apply)."""

import json
from dataclasses import dataclass
from typing import Callable, Iterable, List, Optional

from . import _lib
from ._events import ProgressEvent


@dataclass(frozen=True)
class VerifyItem:
    """One epoch's verify result: "ok", "mismatch", "missing-model",
    "no-checksum", "no-info", "unreadable" or "gone". stored/computed are
    the checksum texts (None when absent); from_record: not read again,
    an earlier verify's result (changed=True)."""

    epoch: int
    result: str
    stored: Optional[str]
    computed: Optional[str]
    from_record: bool
    checked_at: int

    @property
    def ok(self) -> bool:
        """Nothing a user must look at (ok, no-checksum or gone)."""
        return not self.is_problem

    @property
    def is_problem(self) -> bool:
        return self.result not in ("ok", "no-checksum", "gone")

    def __repr__(self):
        return "<VerifyItem %d %s%s>" % (self.epoch, self.result,
                                         " (record)" if self.from_record else "")


def verify_run(handle, epochs: Optional[Iterable[int]], changed: bool, record: bool,
               progress: Optional[Callable[[ProgressEvent], Optional[bool]]],
               on_item: Optional[Callable[[VerifyItem], Optional[bool]]]) -> List[VerifyItem]:
    items: List[VerifyItem] = []

    def deliver(item_p, payload):
        c = item_p.contents
        result = (_lib.VERIFY_RESULTS[c.result] if 0 <= c.result < len(_lib.VERIFY_RESULTS)
                  else _lib.text(_lib.verify_result_name(c.result)))
        item = VerifyItem(c.epoch, result, _lib.text(c.stored), _lib.text(c.computed),
                          c.from_record, c.checked_at)
        items.append(item)
        return 1 if on_item is not None and on_item(item) is True else 0

    numbers = [int(e) for e in epochs] if epochs is not None else []
    if epochs is not None and not numbers:
        return items  # none asked for (libckpt would take 0 as "all")
    array = (_lib.c_int64 * len(numbers))(*numbers) if numbers else None
    flags = (_lib.VERIFY_CHANGED if changed else 0) | (0 if record else _lib.VERIFY_NO_RECORD)
    with _lib.Guard() as guard:
        c_progress = guard.progress(progress)
        _lib.verify(handle, array, len(numbers), flags,
                    _lib.byref(c_progress) if c_progress else None,
                    guard.wrap(_lib.VERIFY_FN, deliver), None)
    return items


@dataclass(frozen=True)
class CleanItem:
    """One epoch of a clean plan: kept or deleted, and why ("last", "best",
    "limit", "exponential", "all", "beyond-limit", "newest-intact",
    "best-intact"); bytes on disk; health as in Epoch."""

    epoch: int
    keeps: bool
    reason: str
    bytes: int
    health: str


class CleanPlan:
    """What retention would do to a run (Run.clean_plan()); immutable.
    items lists every epoch; apply() deletes under the run's lock and
    refuses (LockedError, RefusedError) when a writer is live or best/last
    moved since the plan."""

    def __init__(self, handle):
        self._handle = h = handle
        t = _lib.text
        self.keep_limit: int = _lib.clean_plan_keep_limit(h)
        self.mode: str = t(_lib.keep_mode_name(_lib.clean_plan_mode(h)))
        self.limit_is_runs_own: bool = _lib.clean_plan_limit_is_runs_own(h)
        self.limit_is_guess: bool = _lib.clean_plan_limit_is_guess(h)
        self.unverified_count: int = _lib.clean_plan_unverified_count(h)
        self.delete_count: int = _lib.clean_plan_delete_count(h)
        self.bytes_freed: int = _lib.clean_plan_bytes_freed(h)
        self.removes_work: bool = _lib.clean_plan_removes_work(h)
        self.note: Optional[str] = t(_lib.clean_plan_note(h))
        self.items: List[CleanItem] = [
            CleanItem(_lib.clean_plan_epoch(h, i), _lib.clean_plan_keeps(h, i),
                      t(_lib.clean_reason_name(_lib.clean_plan_reason(h, i))),
                      _lib.clean_plan_bytes(h, i),
                      t(_lib.epoch_state_name(_lib.clean_plan_health(h, i))))
            for i in range(_lib.clean_plan_count(h))]
        self.applied = False

    @property
    def deletes(self) -> List[int]:
        """The epochs the plan deletes."""
        return [item.epoch for item in self.items if not item.keeps]

    def apply(self, progress: Optional[Callable[[ProgressEvent], Optional[bool]]] = None
              ) -> "CleanPlan":
        """Carries the plan out; returns self."""
        with _lib.Guard() as guard:
            c_progress = guard.progress(progress)
            _lib.clean_apply(self._handle, _lib.byref(c_progress) if c_progress else None)
        self.applied = True
        return self

    def to_dict(self) -> dict:
        """The ``ckpt clean --json`` object (with "applied")."""
        d = json.loads(_lib.json_of(_lib.clean_plan_to_json, self._handle))
        d["applied"] = self.applied
        return d

    # Bound here: at interpreter exit the module's globals may be gone first.
    _free = staticmethod(_lib.clean_plan_free)

    def __del__(self):
        handle, self._handle = getattr(self, "_handle", None), None
        if handle:
            self._free(handle)

    def __repr__(self):
        return "<CleanPlan keep %d %s: delete %s (%d bytes)%s%s>" % (
            self.keep_limit, self.mode, self.deletes, self.bytes_freed,
            ", removes work/" if self.removes_work else "",
            " applied" if self.applied else "")
