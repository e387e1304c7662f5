//! Errors: the C API's negative codes and the thread's last error message.
use std::ffi::CStr;
use std::fmt;

use geomrt_sys as sys;

/// What went wrong, one variant per `GEOMRT_E*` code of geomrt.h.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// `GEOMRT_EINVAL`: invalid argument or value (NULL, NaN, negative mass, out of range).
    InvalidArgument,
    /// `GEOMRT_ENOTFOUND`: no such method, input, output, parameter or file.
    NotFound,
    /// `GEOMRT_ESHAPE`: tensor rank or shape does not match the method's signature.
    Shape,
    /// `GEOMRT_EDTYPE`: tensor element type or parameter type does not match.
    DType,
    /// `GEOMRT_EVERSION`: ABI or options-struct version not supported.
    Version,
    /// `GEOMRT_EPLUGIN`: a plugin could not be loaded or registered.
    Plugin,
    /// `GEOMRT_ENOCONVERGE`: an iterative solver did not reach its tolerance.
    NoConverge,
    /// `GEOMRT_ECANCELLED`: the call was cancelled (cancel flag or progress callback).
    Cancelled,
    /// `GEOMRT_ENOMEM`: out of memory.
    NoMemory,
    /// `GEOMRT_EINTERNAL`: internal error (a bug in geomrt or a plugin).
    Internal,
    /// A code this version of the crate does not know (from a newer library).
    Other(i32),
}

impl ErrorCode {
    /// The variant of a raw `geomrt_error` code (`GEOMRT_OK` is not an error: it maps to `Other(0)`).
    pub fn from_raw(code: i32) -> Self {
        match code {
            sys::GEOMRT_EINVAL => Self::InvalidArgument,
            sys::GEOMRT_ENOTFOUND => Self::NotFound,
            sys::GEOMRT_ESHAPE => Self::Shape,
            sys::GEOMRT_EDTYPE => Self::DType,
            sys::GEOMRT_EVERSION => Self::Version,
            sys::GEOMRT_EPLUGIN => Self::Plugin,
            sys::GEOMRT_ENOCONVERGE => Self::NoConverge,
            sys::GEOMRT_ECANCELLED => Self::Cancelled,
            sys::GEOMRT_ENOMEM => Self::NoMemory,
            sys::GEOMRT_EINTERNAL => Self::Internal,
            other => Self::Other(other),
        }
    }

    /// The raw negative code, as the C API returns it.
    pub fn raw(self) -> i32 {
        match self {
            Self::InvalidArgument => sys::GEOMRT_EINVAL,
            Self::NotFound => sys::GEOMRT_ENOTFOUND,
            Self::Shape => sys::GEOMRT_ESHAPE,
            Self::DType => sys::GEOMRT_EDTYPE,
            Self::Version => sys::GEOMRT_EVERSION,
            Self::Plugin => sys::GEOMRT_EPLUGIN,
            Self::NoConverge => sys::GEOMRT_ENOCONVERGE,
            Self::Cancelled => sys::GEOMRT_ECANCELLED,
            Self::NoMemory => sys::GEOMRT_ENOMEM,
            Self::Internal => sys::GEOMRT_EINTERNAL,
            Self::Other(c) => c,
        }
    }

    /// The C name of the code, e.g. `"GEOMRT_ESHAPE"` (from `geomrt_error_name`).
    pub fn name(self) -> &'static str {
        // SAFETY: geomrt_error_name returns static storage, never NULL, for any code.
        let p = unsafe { sys::geomrt_error_name(self.raw()) };
        if p.is_null() {
            return "GEOMRT_E?";
        }
        unsafe { CStr::from_ptr(p) }.to_str().unwrap_or("GEOMRT_E?")
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A failed geomrt call: the code and the runtime's message, which names the method and
/// the argument and says what was expected
/// (`"ot.sinkhorn: input 'a' has 3 entries but cost 'M' has 4 rows"`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// What kind of failure.
    pub code: ErrorCode,
    /// The message of `geomrt_last_error()` (or of the Rust-side check that failed).
    pub message: String,
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error with a message written on the Rust side (argument checks before any C call).
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Error { code, message: message.into() }
    }

    /// The code.
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The error of a C call that just returned `rc` on this thread. Must be called before
    /// any other geomrt function on this thread (the message is thread-local and replaced by
    /// the next call).
    pub(crate) fn from_last(rc: i32) -> Self {
        // SAFETY: never NULL, valid until the next geomrt call on this thread; copied at once.
        let p = unsafe { sys::geomrt_last_error() };
        let message =
            if p.is_null() { String::new() } else { unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned() };
        let code = ErrorCode::from_raw(rc);
        let message = if message.is_empty() { format!("{} (no message)", code.name()) } else { message };
        Error { code, message }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// `Ok(())` for `GEOMRT_OK`, else the thread's last error.
pub(crate) fn check(rc: i32) -> Result<()> {
    if rc == sys::GEOMRT_OK { Ok(()) } else { Err(Error::from_last(rc)) }
}
