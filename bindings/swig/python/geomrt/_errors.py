"""Exceptions raised by geomrt: one class per runtime error code, all subclasses of Error.

The native module raises them through from_code(code, message) with the runtime's own
code (a geomrt_error value, negative) and message.
"""

__all__ = [
    "Error", "InvalidArgumentError", "NotFoundError", "ShapeError", "DTypeError",
    "VersionError", "PluginError", "NoConvergenceError", "CancelledError",
    "OutOfMemoryError", "InternalError",
]


class Error(Exception):
    """A geomrt runtime error.

    Attributes:
        code: the geomrt_error code (negative int, e.g. -1 for GEOMRT_EINVAL)
        code_name: its name, e.g. "GEOMRT_EINVAL"
        message: the runtime's message (also str(error))
    """

    code = 0
    code_name = "GEOMRT_OK"

    def __init__(self, message, code=None):
        super().__init__(message)
        self.message = message
        if code is not None and code != type(self).code:
            self.code = code
            self.code_name = _NAMES.get(code, "GEOMRT_E?")

    def __str__(self):
        return self.message

    def __reduce__(self):
        return (from_code, (self.code, self.message))


class InvalidArgumentError(Error, ValueError):
    """GEOMRT_EINVAL: invalid argument or value (NaN, negative mass, out of range)."""
    code, code_name = -1, "GEOMRT_EINVAL"


class NotFoundError(Error, LookupError):
    """GEOMRT_ENOTFOUND: no such method, input, output, parameter or file."""
    code, code_name = -2, "GEOMRT_ENOTFOUND"


class ShapeError(Error, ValueError):
    """GEOMRT_ESHAPE: tensor rank or shape does not match the method's signature."""
    code, code_name = -3, "GEOMRT_ESHAPE"


class DTypeError(Error, TypeError):
    """GEOMRT_EDTYPE: element type or parameter type does not match."""
    code, code_name = -4, "GEOMRT_EDTYPE"


class VersionError(Error):
    """GEOMRT_EVERSION: ABI or options-struct version not supported."""
    code, code_name = -5, "GEOMRT_EVERSION"


class PluginError(Error):
    """GEOMRT_EPLUGIN: a plugin could not be loaded or registered."""
    code, code_name = -6, "GEOMRT_EPLUGIN"


class NoConvergenceError(Error):
    """GEOMRT_ENOCONVERGE: an iterative solver did not reach its tolerance."""
    code, code_name = -7, "GEOMRT_ENOCONVERGE"


class CancelledError(Error):
    """GEOMRT_ECANCELLED: the call was cancelled."""
    code, code_name = -8, "GEOMRT_ECANCELLED"


class OutOfMemoryError(Error, MemoryError):
    """GEOMRT_ENOMEM: out of memory."""
    code, code_name = -9, "GEOMRT_ENOMEM"


class InternalError(Error):
    """GEOMRT_EINTERNAL: internal error (a bug: please report it)."""
    code, code_name = -10, "GEOMRT_EINTERNAL"


_CLASSES = {cls.code: cls for cls in (
    InvalidArgumentError, NotFoundError, ShapeError, DTypeError, VersionError, PluginError,
    NoConvergenceError, CancelledError, OutOfMemoryError, InternalError)}
_NAMES = {code: cls.code_name for code, cls in _CLASSES.items()}


def from_code(code, message):
    """The exception for a runtime error code (Error itself for an unknown code)."""
    cls = _CLASSES.get(code, Error)
    return cls(message, code)

# Shown as geomrt.Error etc. in tracebacks (the package re-exports them).
for _cls in (Error,) + tuple(_CLASSES.values()):
    _cls.__module__ = "geomrt"
del _cls
