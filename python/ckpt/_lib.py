"""_lib.py: libckpt through ctypes. Finds and loads the library, checks its
version and struct layout, and declares every foreign function once; a call
returning a negative code raises the matching ckpt.errors exception with
ckpt_error_last()'s text. The rest of the package uses only this module's
names, and hands no ctypes object to its users."""

import ctypes
import ctypes.util
import os
import sys

from . import errors
from ._version import __version__

# ---- finding the library --------------------------------------------------

SONAME = "libckpt.so.0"


def _installed_candidate():
    """The library meson installed beside this package: <prefix>/<libdir>,
    the prefix found by taking the package's install subdir off its path."""
    try:
        from . import _install
    except ImportError:  # a checkout: no install-time facts
        return None
    here = os.path.dirname(os.path.abspath(__file__))
    tail = os.path.normpath(_install.PACKAGE_DIR)
    if not here.endswith(os.sep + tail):
        return None
    prefix = here[: -len(tail) - 1]
    return os.path.join(prefix, _install.LIBDIR, SONAME)


def _load():
    looked = []
    env = os.environ.get("CKPT_LIBRARY")
    if env:
        try:
            return ctypes.CDLL(env), env
        except OSError as exc:
            raise errors.LibraryError(
                "CKPT_LIBRARY=%s: cannot load it: %s" % (env, exc)) from None
    looked.append("CKPT_LIBRARY (not set)")
    installed = _installed_candidate()
    if installed:
        if os.path.exists(installed):
            return ctypes.CDLL(installed), installed
        looked.append(installed)
    else:
        looked.append("beside the package (not an installed package)")
    found = ctypes.util.find_library("ckpt")
    if found:
        return ctypes.CDLL(found), found
    looked.append("the system's libraries (ctypes.util.find_library('ckpt'))")
    raise errors.LibraryError(
        "libckpt not found; looked at: %s. Build it (ninja -C build) and set "
        "CKPT_LIBRARY=build/libckpt/%s, or install it (meson install)"
        % ("; ".join(looked), SONAME))


lib, path = _load()


def _check_version():
    try:
        fn = lib.ckpt_version
    except AttributeError:
        raise errors.LibraryError("%s: not libckpt (no ckpt_version)" % path) from None
    fn.restype = ctypes.c_char_p
    fn.argtypes = []
    found = fn().decode()
    if found.split(".")[:2] != __version__.split(".")[:2]:
        raise errors.LibraryError(
            "%s is libckpt %s, but this ckpt package (%s) needs libckpt %s.x"
            % (path, found, __version__, ".".join(__version__.split(".")[:2])))
    return found


version = _check_version()

# ---- the public structs ---------------------------------------------------

c_bool, c_int, c_uint, c_int64, c_uint64 = (
    ctypes.c_bool, ctypes.c_int, ctypes.c_uint, ctypes.c_int64, ctypes.c_uint64)
c_double, c_size_t, c_char_p, c_void_p = (
    ctypes.c_double, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_void_p)
P = ctypes.POINTER
byref = ctypes.byref


class ProgressEvent(ctypes.Structure):
    _fields_ = [("size", c_size_t), ("stage", c_int), ("run", c_char_p),
                ("epoch", c_int64), ("done", c_uint64), ("total", c_uint64),
                ("items_done", c_uint64), ("items_total", c_uint64)]


PROGRESS_FN = ctypes.CFUNCTYPE(c_int, P(ProgressEvent), c_void_p)


class Progress(ctypes.Structure):
    _fields_ = [("fn", PROGRESS_FN), ("payload", c_void_p), ("cancel", P(c_int))]


class Metric(ctypes.Structure):
    _fields_ = [("name", c_char_p), ("value", c_double)]


class EpochResult(ctypes.Structure):
    _fields_ = [("size", c_size_t), ("epoch", c_int64), ("saved", c_bool),
                ("became_best", c_bool), ("best_epoch", c_int64),
                ("best_value", c_double), ("deleted_count", c_size_t)]


class VerifyItem(ctypes.Structure):
    _fields_ = [("size", c_size_t), ("epoch", c_int64), ("result", c_int),
                ("stored", c_char_p), ("computed", c_char_p),
                ("from_record", c_bool), ("checked_at", c_int64)]


MODEL_FN = ctypes.CFUNCTYPE(c_int, c_char_p, c_void_p)
VERIFY_FN = ctypes.CFUNCTYPE(c_int, P(VerifyItem), c_void_p)
SCAN_FN = ctypes.CFUNCTYPE(c_int, c_void_p, c_void_p)

# Frozen structs never change: the library's must be exactly ours (arrays of
# ckpt_metric are passed). Size-tagged ones only grow at the end: the
# library's may be larger, never smaller.
LAYOUT = {
    "ckpt_metric": (Metric, "frozen"),
    "ckpt_progress": (Progress, "frozen"),
    "ckpt_epoch_result": (EpochResult, "grows"),
    "ckpt_progress_event": (ProgressEvent, "grows"),
    "ckpt_verify_item": (VerifyItem, "grows"),
}


def check_layout(struct_size, where=None):
    """Compares each mirrored struct with the library's sizeof (struct_size:
    name -> size); raises LibraryError naming every struct that differs."""
    problems = []
    for name, (cls, kind) in LAYOUT.items():
        theirs, ours = struct_size(name), ctypes.sizeof(cls)
        if theirs == 0:
            problems.append("%s: unknown to the library" % name)
        elif kind == "frozen" and theirs != ours:
            problems.append("%s is %d bytes there, %d here (a frozen struct)"
                            % (name, theirs, ours))
        elif theirs < ours:
            problems.append("%s is %d bytes there, smaller than the %d this "
                            "package reads" % (name, theirs, ours))
    if problems:
        raise errors.LibraryError(
            "%s does not match the ckpt package's view of libckpt %s: %s"
            % (where or path, version, "; ".join(problems)))



def _library_struct_size(name):
    fn = lib.ckpt_struct_size
    fn.restype, fn.argtypes = c_size_t, [c_char_p]
    return fn(name.encode())


# Before any other declaration: a library whose structs are smaller than
# ours must be refused for that, not for whatever else it lacks.
check_layout(_library_struct_size)

# ---- errors ---------------------------------------------------------------

lib.ckpt_error_last.restype = c_char_p
lib.ckpt_error_last.argtypes = []
lib.ckpt_error_set.restype = None
lib.ckpt_error_set.argtypes = [c_char_p]


def last_error() -> str:
    return text(lib.ckpt_error_last()) or ""


def _check_status(result, func, args):
    if result < 0:
        raise errors.error_for(result, last_error())
    return result


# ---- declarations ---------------------------------------------------------

STATUS = object()  # restype int, negative raises
s, cs, i64, u64, sz, b, d = (STATUS, c_char_p, c_int64, c_uint64, c_size_t,
                             c_bool, c_double)
V, VP, PP = None, c_void_p, P(c_void_p)

_DECLARATIONS = {
    # errors, memory, versions
    "ckpt_error_name": (cs, [c_int]),
    "ckpt_free": (V, [VP]),
    "ckpt_struct_size": (sz, [cs]),
    "ckpt_escape_dup": (VP, [cs, c_uint]),
    "ckpt_format_number": (cs, [ctypes.c_char * 32, d]),
    # parameters
    "ckpt_params_new": (s, [PP]),
    "ckpt_params_free": (V, [VP]),
    "ckpt_params_set": (s, [VP, cs, cs]),
    "ckpt_params_set_int": (s, [VP, cs, i64]),
    "ckpt_params_set_double": (s, [VP, cs, d]),
    "ckpt_params_set_bool": (s, [VP, cs, b]),
    "ckpt_params_set_null": (s, [VP, cs]),
    "ckpt_params_unset": (s, [VP, cs]),
    "ckpt_params_load_json": (s, [VP, cs]),
    "ckpt_params_load_config": (s, [VP, cs]),
    "ckpt_params_check": (s, [VP]),
    "ckpt_params_get": (c_int, [P(c_char_p), VP, cs]),  # ENOENT is an answer
    # the writer
    "ckpt_writer_new": (s, [PP, VP, c_uint]),
    "ckpt_writer_free": (V, [VP]),
    "ckpt_writer_set_model_io": (V, [VP, MODEL_FN, MODEL_FN, VP]),
    "ckpt_writer_root": (cs, [VP]),
    "ckpt_restart_free": (V, [VP]),
    "ckpt_restart_resumed": (b, [VP]),
    "ckpt_restart_epoch": (i64, [VP]),
    "ckpt_restart_best_metric_last": (d, [VP]),
    "ckpt_restart_model_path": (cs, [VP]),
    "ckpt_restart_info_json": (cs, [VP]),
    "ckpt_writer_restart": (s, [PP, VP]),
    "ckpt_writer_epoch": (s, [P(EpochResult), VP, i64, ctypes.c_char, d, P(Metric), sz]),
    "ckpt_writer_report_final": (s, [VP]),
    "ckpt_writer_kept_count": (sz, [VP]),
    "ckpt_writer_kept": (i64, [VP, sz]),
    "ckpt_root_for": (s, [PP, cs]),
    # epochs
    "ckpt_epoch_number": (i64, [VP]),
    "ckpt_epoch_dir": (cs, [VP]),
    "ckpt_epoch_info_state": (c_int, [VP]),
    "ckpt_epoch_info_error": (cs, [VP]),
    "ckpt_epoch_model_state": (c_int, [VP]),
    "ckpt_epoch_model_bytes": (i64, [VP]),
    "ckpt_epoch_checksum": (cs, [VP]),
    "ckpt_epoch_checksum_kind": (c_int, [VP]),
    "ckpt_epoch_best_metric_last": (b, [P(d), VP]),
    "ckpt_epoch_timestamp": (cs, [VP]),
    "ckpt_epoch_time_elapsed": (b, [P(d), VP]),
    "ckpt_epoch_first_save": (b, [VP]),
    "ckpt_epoch_metadata": (cs, [VP]),
    "ckpt_epoch_save_best_metric": (cs, [VP]),
    "ckpt_epoch_metric": (b, [P(d), VP]),
    "ckpt_epoch_extra_count": (sz, [VP]),
    "ckpt_epoch_extra_name": (cs, [VP, sz]),
    "ckpt_epoch_extra_value": (d, [VP, sz]),
    "ckpt_epoch_saved_at": (i64, [VP]),
    "ckpt_epoch_is_complete": (b, [VP]),
    "ckpt_epoch_health": (c_int, [VP]),
    "ckpt_epoch_check": (c_int, [P(c_int), P(i64), VP]),
    # runs
    "ckpt_run_open": (s, [PP, cs]),
    "ckpt_run_refresh": (s, [PP, P(b), VP]),
    "ckpt_run_ref": (VP, [VP]),
    "ckpt_run_unref": (V, [VP]),
    "ckpt_run_name": (cs, [VP]),
    "ckpt_run_root": (cs, [VP]),
    "ckpt_run_folder": (cs, [VP]),
    "ckpt_run_layout": (c_int, [VP]),
    "ckpt_run_metric": (cs, [VP]),
    "ckpt_run_direction": (ctypes.c_char, [VP]),
    "ckpt_run_best": (i64, [VP]),
    "ckpt_run_best_state": (c_int, [VP]),
    "ckpt_run_last": (i64, [VP]),
    "ckpt_run_last_state": (c_int, [VP]),
    "ckpt_run_work_leftover": (b, [VP]),
    "ckpt_run_stray_count": (sz, [VP]),
    "ckpt_run_stray": (cs, [VP, sz]),
    "ckpt_run_live": (b, [VP]),
    "ckpt_run_writer_pid": (i64, [VP]),
    "ckpt_run_writer_host": (cs, [VP]),
    "ckpt_run_writer_since": (cs, [VP]),
    "ckpt_run_epoch_count": (sz, [VP]),
    "ckpt_run_epoch": (VP, [VP, sz]),
    "ckpt_run_find_epoch": (VP, [VP, i64]),
    "ckpt_run_total_bytes": (u64, [VP]),
    "ckpt_run_updated": (i64, [VP]),
    "ckpt_run_problem": (cs, [VP]),
    "ckpt_run_best_metric": (b, [P(d), VP]),
    "ckpt_run_keep_policy": (b, [P(i64), P(c_int), VP]),
    "ckpt_run_health": (c_uint, [VP]),
    "ckpt_health_is_problem": (b, [c_uint]),
    "ckpt_run_health_text": (cs, [VP]),
    "ckpt_run_log_tail": (s, [PP, VP, sz]),
    "ckpt_link_state_name": (cs, [c_int]),
    "ckpt_info_state_name": (cs, [c_int]),
    "ckpt_model_state_name": (cs, [c_int]),
    "ckpt_layout_name": (cs, [c_int]),
    "ckpt_epoch_state_name": (cs, [c_int]),
    "ckpt_run_to_json": (s, [PP, VP, c_uint]),
    "ckpt_epoch_to_json": (s, [PP, VP, VP, c_uint]),
    # many runs
    "ckpt_scan": (s, [PP, cs, c_int, P(Progress), SCAN_FN, VP]),
    "ckpt_run_list_free": (V, [VP]),
    "ckpt_run_list_count": (sz, [VP]),
    "ckpt_run_list_get": (VP, [VP, sz]),
    "ckpt_run_list_problem_count": (sz, [VP]),
    "ckpt_run_list_problem": (cs, [VP, sz]),
    # history
    "ckpt_history_load": (s, [PP, VP]),
    "ckpt_history_free": (V, [VP]),
    "ckpt_history_count": (sz, [VP]),
    "ckpt_history_session_count": (sz, [VP]),
    "ckpt_history_metric": (cs, [VP]),
    "ckpt_history_direction": (ctypes.c_char, [VP]),
    "ckpt_history_problem": (cs, [VP]),
    "ckpt_history_extra_name_count": (sz, [VP]),
    "ckpt_history_extra_name": (cs, [VP, sz]),
    "ckpt_history_epoch": (i64, [VP, sz]),
    "ckpt_history_value": (b, [P(d), VP, sz]),
    "ckpt_history_saved": (b, [VP, sz]),
    "ckpt_history_became_best": (b, [VP, sz]),
    "ckpt_history_session": (c_int, [VP, sz]),
    "ckpt_history_time": (cs, [VP, sz]),
    "ckpt_history_recovered": (b, [VP, sz]),
    "ckpt_history_extra": (b, [P(d), VP, sz, cs]),
    "ckpt_history_on_disk": (b, [VP, sz, VP]),
    "ckpt_history_to_json": (s, [PP, VP, c_uint]),
    # checksums and verify
    "ckpt_checksum_file": (s, [ctypes.c_char * 80, cs, c_int, P(Progress)]),
    "ckpt_verify_result_name": (cs, [c_int]),
    "ckpt_verify_result_is_problem": (b, [c_int]),
    "ckpt_check_state_name": (cs, [c_int]),
    "ckpt_verify": (s, [VP, P(i64), sz, c_uint, P(Progress), VERIFY_FN, VP]),
    # browser operations
    "ckpt_rollback": (s, [PP, VP, i64, c_uint]),
    "ckpt_keep_mode_name": (cs, [c_int]),
    "ckpt_keep_mode_from_name": (s, [P(c_int), cs]),
    "ckpt_clean_reason_name": (cs, [c_int]),
    "ckpt_clean_plan_new": (s, [PP, VP, i64, c_int]),
    "ckpt_clean_plan_free": (V, [VP]),
    "ckpt_clean_plan_keep_limit": (i64, [VP]),
    "ckpt_clean_plan_mode": (c_int, [VP]),
    "ckpt_clean_plan_limit_is_runs_own": (b, [VP]),
    "ckpt_clean_plan_limit_is_guess": (b, [VP]),
    "ckpt_clean_plan_unverified_count": (sz, [VP]),
    "ckpt_clean_plan_count": (sz, [VP]),
    "ckpt_clean_plan_epoch": (i64, [VP, sz]),
    "ckpt_clean_plan_keeps": (b, [VP, sz]),
    "ckpt_clean_plan_reason": (c_int, [VP, sz]),
    "ckpt_clean_plan_bytes": (u64, [VP, sz]),
    "ckpt_clean_plan_health": (c_int, [VP, sz]),
    "ckpt_clean_plan_delete_count": (sz, [VP]),
    "ckpt_clean_plan_bytes_freed": (u64, [VP]),
    "ckpt_clean_plan_removes_work": (b, [VP]),
    "ckpt_clean_plan_note": (cs, [VP]),
    "ckpt_clean_plan_to_json": (s, [PP, VP, c_uint]),
    "ckpt_clean_apply": (s, [VP, P(Progress)]),
    "ckpt_relink": (s, [P(c_int), VP]),
}


def _declare():
    module = sys.modules[__name__]
    missing = []
    for name, (restype, argtypes) in _DECLARATIONS.items():
        try:
            fn = getattr(lib, name)
        except AttributeError:
            missing.append(name)
            continue
        fn.argtypes = argtypes
        if restype is STATUS:
            fn.restype = c_int
            fn.errcheck = _check_status
        else:
            fn.restype = restype
        # ckpt_run_open as _lib.run_open, and so on.
        setattr(module, name[len("ckpt_"):], fn)
    if missing:
        raise errors.LibraryError("%s (libckpt %s) lacks %s"
                                  % (path, version, ", ".join(missing)))


_declare()

# ---- small conversions the classes share ------------------------------------

# Flags and enum values of ckpt.h.
WRITER_FOLLOWER = 1
JSON_PRETTY = 1
VERIFY_CHANGED, VERIFY_NO_RECORD = 1, 2
FLAG_FORCE, FLAG_DRY_RUN = 1, 2
KEEP_RUNS_OWN = -1
CHECKSUM_KIND_NONE, CHECKSUM_KIND_DISABLED = 0, 1
CHECK_NEVER = 0
STAGES = ("scan", "verify", "clean", "checksum")
HEALTH_FLAGS = ("live", "incomplete", "damaged", "unreadable", "relocated",
                "broken-link", "work-leftover", "strays", "stale-lock")
VERIFY_RESULTS = ("ok", "mismatch", "missing-model", "no-checksum", "no-info",
                  "unreadable", "gone")


def text(raw):
    """Library bytes as str (paths keep undecodable bytes as surrogates)."""
    return None if raw is None else raw.decode("utf-8", "surrogateescape")


def arg(value):
    """A str or path as the bytes libckpt takes."""
    if value is None:
        return None
    return os.fsencode(value) if isinstance(value, (str, os.PathLike)) else value


def take_text(pointer):
    """Text libckpt allocated for us (freed here)."""
    if not pointer:
        return None
    try:
        return text(ctypes.string_at(pointer))
    finally:
        free(pointer)  # noqa: F821 - ckpt_free, declared by _declare()


def json_of(fn, *args, flags=0):
    """Calls a ckpt_*_to_json(&out, ..., flags) and returns the text."""
    out = c_void_p()
    fn(byref(out), *args, flags)
    return take_text(out.value)


def optional_double(fn, *args):
    """A bool fn(double *out, ...) accessor as a float or None."""
    value = c_double()
    return value.value if fn(byref(value), *args) else None


def health_names(flags: int) -> frozenset:
    return frozenset(n for bit, n in enumerate(HEALTH_FLAGS) if flags & (1 << bit))


class Guard:
    """Runs Python callbacks for C: an exception a callback raises is kept
    (libckpt gets ckpt_error_set(str(exc)) and a nonzero return) and raised
    again, with its own traceback, once the C call has returned. Keeps the
    ctypes callback objects alive for the guard's life."""

    def __init__(self):
        self.exc = None
        self.keep = []

    def wrap(self, cfunctype, fn, fail=1):
        def trampoline(*args):
            if self.exc is not None:
                return fail
            try:
                return fn(*args) or 0
            except BaseException as exc:  # noqa: B902 - even Ctrl-C must not cross C
                self.exc = exc
                try:
                    lib.ckpt_error_set(str(exc).encode("utf-8", "replace")
                                       or type(exc).__name__.encode())
                except BaseException:
                    pass
                return fail
        c_fn = cfunctype(trampoline)
        self.keep.append(c_fn)
        return c_fn

    def progress(self, fn, cancel=None):
        """A ckpt_progress for a Python progress(event) (or None)."""
        from ._events import ProgressEvent as Event
        if fn is None:
            return None

        def call(event_p, payload):
            return 1 if fn(Event._from_c(event_p.contents)) is True else 0
        return Progress(self.wrap(PROGRESS_FN, call), None, None)

    def __enter__(self):
        return self

    def __exit__(self, kind, value, tb):
        if self.exc is not None:
            exc, self.exc = self.exc, None
            if isinstance(value, errors.Error) and hasattr(exc, "add_note"):
                exc.add_note("libckpt: %s" % value.message)
            raise exc.with_traceback(exc.__traceback__) from None
        return False
