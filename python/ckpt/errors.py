"""The exceptions of the ckpt package: one per libckpt error code.

Every failing libckpt call raises a subclass of :class:`Error` carrying
libckpt's own message, which names the file or parameter and the rule
broken ("epochs/028/ckpt-info.json: line 1: unexpected end of input").
"""


class Error(Exception):
    """A libckpt call failed.

    Attributes:
        code: the negative ``CKPT_E*`` code libckpt returned.
        name: libckpt's short name for it ("locked", "refused", ...).
        message: libckpt's message (also ``str(error)``).
    """

    code = 0
    name = "error"

    def __init__(self, message: str, code: int = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def __repr__(self):
        return "%s(%r)" % (type(self).__name__, self.message)


class LibraryError(ImportError):
    """libckpt could not be loaded, or is not the version or layout this
    package was written for (raised when ``ckpt`` is imported)."""


class InvalidError(Error, ValueError):
    """A bad parameter or argument (CKPT_EINVAL)."""
    code, name = -1, "invalid"


class IoError(Error):
    """An I/O or permission error (CKPT_EIO)."""
    code, name = -2, "io"


class NotFoundError(Error):
    """A file, run or epoch that is not there (CKPT_ENOENT)."""
    code, name = -3, "not-found"


class FormatError(Error):
    """A file that does not follow its format (CKPT_EFORMAT)."""
    code, name = -4, "format"


class LockedError(Error):
    """Another process (a writer) holds the run's lock (CKPT_ELOCKED)."""
    code, name = -5, "locked"


class ChecksumError(Error):
    """A stored checksum does not match the model (CKPT_ECHECKSUM)."""
    code, name = -6, "checksum"


class CancelledError(Error):
    """Cancelled by a progress callback (CKPT_ECANCELLED)."""
    code, name = -7, "cancelled"


class UnsafeError(Error):
    """Refused for good: it would lose or damage data (CKPT_EUNSAFE)."""
    code, name = -8, "unsafe"


class NoMemoryError(Error, MemoryError):
    """libckpt ran out of memory (CKPT_ENOMEM)."""
    code, name = -9, "no-memory"


class CallbackError(Error):
    """The trainer's model writer or loader failed (CKPT_ECALLBACK).

    A Python writer or loader that raises surfaces as its own exception,
    not as this one; this is raised when a callback failed without one."""
    code, name = -10, "callback"


class RefusedError(Error):
    """Refused, but the caller may insist: pass ``force=True``
    (CKPT_EREFUSED)."""
    code, name = -11, "refused"


class AmbiguousError(Error):
    """A folder holds two checkpoint roots (ckpts/ and save/ckpts/): name
    one (CKPT_EAMBIGUOUS)."""
    code, name = -12, "ambiguous"


_BY_CODE = {cls.code: cls for cls in (
    InvalidError, IoError, NotFoundError, FormatError, LockedError,
    ChecksumError, CancelledError, UnsafeError, NoMemoryError, CallbackError,
    RefusedError, AmbiguousError)}


def error_for(code: int, message: str) -> Error:
    """The exception for a libckpt code (a plain Error for an unknown one)."""
    cls = _BY_CODE.get(code)
    if cls is None:
        return Error(message or "libckpt error %d" % code, code)
    return cls(message or "libckpt: %s" % cls.name)
