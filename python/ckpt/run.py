"""Browsing runs: ckpt.Run (one run's snapshot, with the facts `ckpt ls`
shows and the operations `ckpt` offers) and ckpt.scan (every run under a
folder). A Run is immutable, as libckpt's ckpt_run is: refresh() gives a
new one."""

import json
import math
from dataclasses import dataclass
from typing import Callable, Dict, FrozenSet, Iterable, List, Optional

from . import _lib
from .candle import Restart
from .history import History
from .ops import CleanPlan, VerifyItem, verify_run
from ._events import ProgressEvent

ProgressFn = Callable[[ProgressEvent], Optional[bool]]


@dataclass(frozen=True)
class Check:
    """This user's last verify of an epoch: state "current" (its files
    have not changed since) or "changed"; result as verify reports it."""

    state: str
    result: str
    at: int  # unix time


@dataclass(frozen=True)
class Epoch:
    """One epoch directory as the snapshot read it.

    info is "ok", "missing", "invalid" or "unreadable"; model is "ok",
    "missing", "not-regular" or "unreadable"; health "ok", "incomplete",
    "unreadable" or "damaged". checksum is the stored text ("2365479138",
    "sha256:...", "__DISABLED__") or None. Unknown numbers are None.
    """

    epoch: int
    dir: str
    info: str
    info_error: Optional[str]
    model: str
    model_bytes: Optional[int]
    checksum: Optional[str]
    checksum_kind: str  # "none", "disabled", "crc32", "sha256", "unknown"
    best_metric_last: Optional[float]
    timestamp: Optional[str]
    time_elapsed: Optional[float]
    first_save: bool
    metadata: Optional[str]
    save_best_metric: Optional[str]
    metric: Optional[float]
    metrics: Dict[str, float]
    saved_at: int
    complete: bool
    health: str
    check: Optional[Check]

    @classmethod
    def _read(cls, e) -> "Epoch":
        kind = _lib.epoch_checksum_kind(e)
        checksum = _lib.text(_lib.epoch_checksum(e))
        if kind == _lib.CHECKSUM_KIND_DISABLED:
            checksum = "__DISABLED__"
        result, when = _lib.c_int(), _lib.c_int64()
        state = _lib.epoch_check(_lib.byref(result), _lib.byref(when), e)
        check = None if state == _lib.CHECK_NEVER else Check(
            _lib.text(_lib.check_state_name(state)),
            _lib.text(_lib.verify_result_name(result.value)), when.value)
        model_bytes = _lib.epoch_model_bytes(e)
        return cls(
            epoch=_lib.epoch_number(e), dir=_lib.text(_lib.epoch_dir(e)),
            info=_lib.text(_lib.info_state_name(_lib.epoch_info_state(e))),
            info_error=_lib.text(_lib.epoch_info_error(e)),
            model=_lib.text(_lib.model_state_name(_lib.epoch_model_state(e))),
            model_bytes=model_bytes if model_bytes >= 0 else None,
            checksum=checksum,
            checksum_kind=("none", "disabled", "crc32", "sha256", "unknown")[kind],
            best_metric_last=_lib.optional_double(_lib.epoch_best_metric_last, e),
            timestamp=_lib.text(_lib.epoch_timestamp(e)),
            time_elapsed=_lib.optional_double(_lib.epoch_time_elapsed, e),
            first_save=_lib.epoch_first_save(e),
            metadata=_lib.text(_lib.epoch_metadata(e)),
            save_best_metric=_lib.text(_lib.epoch_save_best_metric(e)),
            metric=_lib.optional_double(_lib.epoch_metric, e),
            metrics={_lib.text(_lib.epoch_extra_name(e, i)): _lib.epoch_extra_value(e, i)
                     for i in range(_lib.epoch_extra_count(e))},
            saved_at=_lib.epoch_saved_at(e), complete=_lib.epoch_is_complete(e),
            health=_lib.text(_lib.epoch_state_name(_lib.epoch_health(e))), check=check)

    def __repr__(self):
        return "<Epoch %d %s model=%s metric=%s%s>" % (
            self.epoch, self.health, self.model_bytes, self.metric,
            "" if self.info == "ok" else " info=" + self.info)


@dataclass(frozen=True)
class WriterInfo:
    """Who holds a run's lock: live is False for a leftover process of a
    writer that exited."""

    pid: int
    host: Optional[str]
    since: Optional[str]
    live: bool


class Run:
    """One run (a checkpoint root, or a run folder holding ckpts/ or the
    legacy save/ckpts/), as it was on disk when opened.

    The facts ``ckpt ls`` shows are attributes: name, path (the checkpoint
    root), folder, layout, metric, direction, best/best_state,
    last/last_state, epochs (Epoch objects), size, updated, live, writer,
    strays, work_leftover, health (a frozenset of flag names) and
    health_text, problem, keep_limit/keep_mode (None unless its writer
    recorded them). to_dict() is the ``ckpt ls --json`` object.
    """

    def __init__(self, path):
        out = _lib.c_void_p()
        _lib.run_open(_lib.byref(out), _lib.arg(path))
        self._handle = out.value
        self._read()

    @classmethod
    def _adopt(cls, handle) -> "Run":
        """A Run over a ckpt_run reference the caller hands over."""
        run = cls.__new__(cls)
        run._handle = handle
        run._read()
        return run

    def _read(self):
        h = self._handle
        t = _lib.text
        self.name: str = t(_lib.run_name(h))
        self.path: str = t(_lib.run_root(h))
        self.folder: str = t(_lib.run_folder(h))
        self.layout: str = t(_lib.layout_name(_lib.run_layout(h)))
        self.metric: Optional[str] = t(_lib.run_metric(h))
        direction = _lib.run_direction(h)
        self.direction: Optional[str] = t(direction) if direction != b"\0" else None
        best, last = _lib.run_best(h), _lib.run_last(h)
        self.best: Optional[int] = best or None
        self.best_state: str = t(_lib.link_state_name(_lib.run_best_state(h)))
        self.last: Optional[int] = last or None
        self.last_state: str = t(_lib.link_state_name(_lib.run_last_state(h)))
        self.work_leftover: bool = _lib.run_work_leftover(h)
        self.strays: List[str] = [t(_lib.run_stray(h, i))
                                  for i in range(_lib.run_stray_count(h))]
        self.live: bool = _lib.run_live(h)
        pid, host = _lib.run_writer_pid(h), t(_lib.run_writer_host(h))
        self.writer: Optional[WriterInfo] = WriterInfo(
            pid, host, t(_lib.run_writer_since(h)), self.live) if pid or host else None
        self.problem: Optional[str] = t(_lib.run_problem(h))
        flags = _lib.run_health(h)
        self.health: FrozenSet[str] = _lib.health_names(flags)
        self.has_problem: bool = _lib.health_is_problem(flags)
        self.health_text: str = t(_lib.run_health_text(h))
        self.size: int = _lib.run_total_bytes(h)
        self.updated: int = _lib.run_updated(h)
        self.best_metric: Optional[float] = _lib.optional_double(_lib.run_best_metric, h)
        limit, mode = _lib.c_int64(), _lib.c_int()
        own = _lib.run_keep_policy(_lib.byref(limit), _lib.byref(mode), h)
        self.keep_limit: Optional[int] = limit.value if own else None
        self.keep_mode: Optional[str] = t(_lib.keep_mode_name(mode.value)) if own else None
        self.epochs: List[Epoch] = [Epoch._read(_lib.run_epoch(h, i))
                                    for i in range(_lib.run_epoch_count(h))]
        self._by_number = {e.epoch: e for e in self.epochs}

    # ---- looking ---------------------------------------------------------------

    def epoch(self, number: int) -> Optional[Epoch]:
        """The epoch of that number, or None."""
        return self._by_number.get(number)

    def to_dict(self) -> dict:
        """The RUN object of ``ckpt ls --json`` (non-finite numbers as the
        strings "inf", "-inf", "nan", as there)."""
        return json.loads(_lib.json_of(_lib.run_to_json, self._handle))

    def epoch_dict(self, number: int) -> dict:
        """The EPOCH object of ``ckpt show RUN EPOCH --json``."""
        return json.loads(_lib.json_of(_lib.epoch_to_json, self._handle,
                                       self._epoch_handle(number)))

    def history(self) -> History:
        """The tracked metric of every epoch the run's writers saw."""
        out = _lib.c_void_p()
        _lib.history_load(_lib.byref(out), self._handle)
        return History(out.value, self)

    def log_tail(self, lines: int = 20) -> str:
        """The last lines of the run's ckpt.log ("" without one)."""
        out = _lib.c_void_p()
        _lib.run_log_tail(_lib.byref(out), self._handle, lines)
        return _lib.take_text(out.value) or ""

    def refresh(self) -> "Run":
        """The run as it is now (self when nothing changed on disk)."""
        out, changed = _lib.c_void_p(), _lib.c_bool()
        _lib.run_refresh(_lib.byref(out), _lib.byref(changed), self._handle)
        if not changed.value:
            _lib.run_unref(out.value)
            return self
        return Run._adopt(out.value)

    # ---- operations ------------------------------------------------------------

    def verify(self, epochs: Optional[Iterable[int]] = None, *, changed: bool = False,
               record: bool = True, progress: Optional[ProgressFn] = None,
               on_item: Optional[Callable[[VerifyItem], Optional[bool]]] = None
               ) -> List[VerifyItem]:
        """Recomputes the checksums of the given epochs (default all) and
        returns a VerifyItem per epoch, in order; on_item gets each as it
        completes (return True to stop). changed=True re-reads only the
        epochs without a current verify record; record=False does not
        remember the results."""
        return verify_run(self._handle, epochs, changed, record, progress, on_item)

    def rollback(self, epoch: int, force: bool = False, dry_run: bool = False) -> Restart:
        """Re-points last at epoch, so that the next restart loads it.
        Raises RefusedError for an incomplete or damaged epoch unless
        force; dry_run checks and changes nothing."""
        flags = (_lib.FLAG_FORCE if force else 0) | (_lib.FLAG_DRY_RUN if dry_run else 0)
        out = _lib.c_void_p()
        _lib.rollback(_lib.byref(out), self._handle, int(epoch), flags)
        return Restart._take(out.value)

    def clean_plan(self, keep: Optional[int] = None, mode: Optional[str] = None) -> CleanPlan:
        """Which epochs retention would keep and delete (changes nothing):
        keep limit and mode ("linear", "exponential", "all") default to
        the run's own. .apply() carries the plan out."""
        mode_value = _lib.c_int(_lib.KEEP_RUNS_OWN)
        if mode is not None:
            _lib.keep_mode_from_name(_lib.byref(mode_value), _lib.arg(mode))
        out = _lib.c_void_p()
        _lib.clean_plan_new(_lib.byref(out), self._handle, int(keep or 0), mode_value.value)
        return CleanPlan(out.value)

    def relink(self) -> int:
        """Rewrites absolute or relocated best/last as relative links;
        returns how many were rewritten."""
        changed = _lib.c_int()
        _lib.relink(_lib.byref(changed), self._handle)
        return changed.value

    # ---- plumbing --------------------------------------------------------------

    def _epoch_handle(self, number):
        e = _lib.run_find_epoch(self._handle, int(number))
        if not e:
            from .errors import NotFoundError
            raise NotFoundError("%s: no epoch %d" % (self.path, number))
        return e

    # Bound here: at interpreter exit the module's globals may be gone first.
    _free = staticmethod(_lib.run_unref)

    def __del__(self):
        handle, self._handle = getattr(self, "_handle", None), None
        if handle:
            self._free(handle)

    def __repr__(self):
        def link(n, state):
            return "%s%s" % (n, "" if state == "ok" else " (%s)" % state)
        metric = "" if self.best_metric is None or math.isnan(self.best_metric) else \
            " %s=%g" % (self.metric, self.best_metric)
        return "<Run %r epochs=%d best=%s last=%s size=%d %s%s>" % (
            self.name, len(self.epochs), link(self.best, self.best_state),
            link(self.last, self.last_state), self.size, self.health_text, metric)


class RunList(list):
    """The runs scan() found (a list of Run, sorted by name); problems
    holds "path: cause" for each run that could not be read."""

    def __init__(self, runs=(), problems=(), path=None):
        super().__init__(runs)
        self.problems: List[str] = list(problems)
        self.path = path

    def __repr__(self):
        return "<RunList %r: %d runs, %d problems>" % (self.path, len(self), len(self.problems))


def scan(path=".", depth: int = 0, progress: Optional[ProgressFn] = None,
         on_run: Optional[Callable[[Run], Optional[bool]]] = None) -> RunList:
    """Every run under path (a root, a run folder, or any folder above many
    runs, at most depth folders down; 0: libckpt's default of 6), never
    following symlinked folders. on_run gets each run as soon as it is read
    (return True to stop)."""
    with _lib.Guard() as guard:
        c_progress = guard.progress(progress)
        c_on_run = _lib.SCAN_FN()  # NULL
        if on_run is not None:
            def found(run, payload):
                return 1 if on_run(Run._adopt(_lib.run_ref(run))) is True else 0
            c_on_run = guard.wrap(_lib.SCAN_FN, found)
        out = _lib.c_void_p()
        _lib.scan(_lib.byref(out), _lib.arg(path), depth,
                  _lib.byref(c_progress) if c_progress else None, c_on_run, None)
    handle = out.value
    try:
        runs = [Run._adopt(_lib.run_ref(_lib.run_list_get(handle, i)))
                for i in range(_lib.run_list_count(handle))]
        problems = [_lib.text(_lib.run_list_problem(handle, i))
                    for i in range(_lib.run_list_problem_count(handle))]
    finally:
        _lib.run_list_free(handle)
    return RunList(runs, problems, path)

