"""A run's metric history: every epoch call of every writer session, saved
or not (from libckpt's metrics.jsonl, or recovered from the original's
ckpt.log)."""

import json
from dataclasses import dataclass
from typing import Dict, List, Optional

from . import _lib


@dataclass(frozen=True)
class Point:
    """One epoch call: its tracked value (None when unknown), whether it was
    saved and became the best, the writer session (from 1), the time, the
    extra metrics; recovered: known only from the epoch's ckpt-info.json;
    on_disk: this save's files are the run's epoch now."""

    epoch: int
    value: Optional[float]
    saved: bool
    became_best: bool
    session: int
    time: Optional[str]
    recovered: bool
    on_disk: bool
    metrics: Dict[str, float]


class History:
    """The history of a run (Run.history()): a sequence of Point, with
    metric, direction, sessions (count), extra_names and problem (what
    could not be read, or None). to_dict() is ``ckpt history --json``."""

    def __init__(self, handle, run):
        self._handle = handle
        h = handle
        self.metric: Optional[str] = _lib.text(_lib.history_metric(h))
        direction = _lib.history_direction(h)
        self.direction: Optional[str] = _lib.text(direction) if direction != b"\0" else None
        self.sessions: int = _lib.history_session_count(h)
        self.problem: Optional[str] = _lib.text(_lib.history_problem(h))
        self.extra_names: List[str] = [_lib.text(_lib.history_extra_name(h, j))
                                       for j in range(_lib.history_extra_name_count(h))]
        names = [(n, _lib.arg(n)) for n in self.extra_names]
        self.points: List[Point] = []
        for i in range(_lib.history_count(h)):
            extras = {}
            for name, raw in names:
                v = _lib.optional_double(_lib.history_extra, h, i, raw)
                if v is not None:
                    extras[name] = v
            self.points.append(Point(
                epoch=_lib.history_epoch(h, i),
                value=_lib.optional_double(_lib.history_value, h, i),
                saved=_lib.history_saved(h, i), became_best=_lib.history_became_best(h, i),
                session=_lib.history_session(h, i), time=_lib.text(_lib.history_time(h, i)),
                recovered=_lib.history_recovered(h, i),
                on_disk=_lib.history_on_disk(h, i, run._handle), metrics=extras))

    def __len__(self):
        return len(self.points)

    def __iter__(self):
        return iter(self.points)

    def __getitem__(self, i):
        return self.points[i]

    def to_dict(self) -> dict:
        """The ``ckpt history --json`` object."""
        return json.loads(_lib.json_of(_lib.history_to_json, self._handle))

    # Bound here: at interpreter exit the module's globals may be gone first.
    _free = staticmethod(_lib.history_free)

    def __del__(self):
        handle, self._handle = getattr(self, "_handle", None), None
        if handle:
            self._free(handle)

    def __repr__(self):
        return "<History %s (%s): %d points, %d sessions%s>" % (
            self.metric, self.direction, len(self.points), self.sessions,
            ", problem: " + self.problem if self.problem else "")
