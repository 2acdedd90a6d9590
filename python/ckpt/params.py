"""CANDLE parameters (gParameters) as libckpt's ckpt_params (SPEC §1)."""

import ctypes
import json
import numbers
import os
from typing import Any, Mapping, Optional

from . import _lib


class Params:
    """A ckpt_params built from a gParameters dict.

    Each value goes through the setter of its type: bool, int, float, None
    (JSON null: "not given") and str as they are, a path as its text,
    lists, tuples and dicts as JSON text. Unknown keys are kept (trainers
    keep their hyperparameters there). libckpt checks types and allowed
    values when a writer is made, or on :meth:`check`.
    """

    def __init__(self, values: Optional[Mapping[str, Any]] = None):
        out = _lib.c_void_p()
        _lib.params_new(_lib.byref(out))
        self._handle = out.value
        for key, value in (values or {}).items():
            self[key] = value

    @classmethod
    def from_config(cls, path) -> "Params":
        """From a CANDLE config file (INI sections, key = python-literal)."""
        params = cls()
        _lib.params_load_config(params._handle, _lib.arg(path))
        return params

    @classmethod
    def from_json(cls, path) -> "Params":
        """From a JSON object file."""
        params = cls()
        _lib.params_load_json(params._handle, _lib.arg(path))
        return params

    def __setitem__(self, key: str, value: Any) -> None:
        h, k = self._handle, _lib.arg(str(key))
        if value is None:
            _lib.params_set_null(h, k)
        elif isinstance(value, bool):
            _lib.params_set_bool(h, k, value)
        elif isinstance(value, numbers.Integral):
            _lib.params_set_int(h, k, int(value))
        elif isinstance(value, numbers.Real):
            _lib.params_set_double(h, k, float(value))
        elif isinstance(value, (str, os.PathLike)):
            _lib.params_set(h, k, os.fsencode(value))
        elif isinstance(value, (list, tuple, dict)):
            _lib.params_set(h, k, json.dumps(value, default=str).encode())
        else:
            _lib.params_set(h, k, str(value).encode())

    def __delitem__(self, key: str) -> None:
        _lib.params_unset(self._handle, _lib.arg(key))

    def get(self, key: str, default: Optional[str] = None) -> Optional[str]:
        """The text form of a key's value, or default when unset."""
        out = ctypes.c_char_p()
        rc = _lib.params_get(_lib.byref(out), self._handle, _lib.arg(key))
        return default if rc != 0 or out.value is None else _lib.text(out.value)

    def check(self) -> None:
        """Raises InvalidError naming key, value and rule for a bad value."""
        _lib.params_check(self._handle)

    # Bound here: at interpreter exit the module's globals may be gone first.
    _free = staticmethod(_lib.params_free)

    def __del__(self):
        handle, self._handle = getattr(self, "_handle", None), None
        if handle:
            self._free(handle)
