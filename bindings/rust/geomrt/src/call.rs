//! Options of one call: threads, a cancel flag and a progress callback (`geomrt_call_options`).
use std::any::Any;
use std::ffi::{c_int, c_void};
use std::ops::ControlFlow;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::AtomicI32;

use geomrt_sys as sys;

/// One progress report of a long solve.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    /// Fraction done in [0, 1], or `None` if the method cannot tell.
    pub fraction: Option<f64>,
    /// Iteration count so far.
    pub iteration: i64,
    /// Current residual (method-specific, e.g. the marginal error of Sinkhorn).
    pub residual: f64,
}

type ProgressFn<'a> = dyn FnMut(Progress) -> ControlFlow<()> + 'a;

/// Options of one call.
///
/// ```no_run
/// # use geomrt::{CallOptions, Progress};
/// # use std::{ops::ControlFlow, sync::atomic::{AtomicI32, Ordering}};
/// let cancel = AtomicI32::new(0); // another thread may `cancel.store(1, Ordering::Relaxed)`
/// let mut opts = CallOptions::new().threads(2).cancel_flag(&cancel).progress(|p: Progress| {
///     eprintln!("iteration {} residual {:e}", p.iteration, p.residual);
///     ControlFlow::Continue(()) // Break(()) cancels the call
/// });
/// ```
///
/// **Cancel flag.** The C API reads the flag as `const volatile int *`, polled by the method
/// while another thread may set it. The Rust type for an `int` that another thread writes
/// while this one reads is [`AtomicI32`]: same size and alignment as `int`, interior
/// mutability (so a shared `&AtomicI32` may be written), and stores that are single
/// aligned 32-bit writes, which is what a volatile `int` read on the C side observes.
/// Write it only with atomic stores (`Relaxed` suffices: the flag carries no data).
///
/// **Progress.** The closure runs on the thread that called `invoke` (geomrt guarantees
/// this), so it needs neither `Send` nor `Sync`. Returning `ControlFlow::Break(())`
/// cancels the call, which then fails with [`ErrorCode::Cancelled`](crate::ErrorCode).
/// A panic inside the closure never crosses into C: it is caught, the call is cancelled,
/// and the panic resumes in the caller once `invoke` has returned and freed its state.
#[derive(Default)]
pub struct CallOptions<'a> {
    threads: usize,
    cancel: Option<&'a AtomicI32>,
    progress: Option<Box<ProgressFn<'a>>>,
}

impl<'a> CallOptions<'a> {
    /// Defaults: all cores, no cancel flag, no progress callback.
    pub fn new() -> Self {
        Self::default()
    }

    /// Threads the method may use; 0 (the default) means all cores.
    pub fn threads(mut self, n: usize) -> Self {
        self.threads = n;
        self
    }

    /// A flag that cancels the call once nonzero; any thread may set it.
    pub fn cancel_flag(mut self, flag: &'a AtomicI32) -> Self {
        self.cancel = Some(flag);
        self
    }

    /// A progress callback; see the type's documentation.
    pub fn progress(mut self, f: impl FnMut(Progress) -> ControlFlow<()> + 'a) -> Self {
        self.progress = Some(Box::new(f));
        self
    }

    /// Run `call` with the C options struct; returns its value and a panic caught in the
    /// progress closure, if any (the caller resumes it once the C call's state is freed).
    pub(crate) fn with_raw<R>(
        &mut self,
        call: impl FnOnce(&sys::geomrt_call_options) -> R,
    ) -> (R, Option<Box<dyn Any + Send + 'static>>) {
        let mut o = sys::GEOMRT_CALL_OPTIONS_INIT;
        o.num_threads = c_int::try_from(self.threads).unwrap_or(c_int::MAX);
        if let Some(flag) = self.cancel {
            o.cancel_flag = flag.as_ptr().cast_const();
        }
        let mut state = ProgressState { f: self.progress.as_deref_mut(), panic: None };
        if state.f.is_some() {
            o.progress = Some(trampoline);
            o.progress_user = (&raw mut state).cast::<c_void>();
        }
        let r = call(&o);
        (r, state.panic.take())
    }
}

impl std::fmt::Debug for CallOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallOptions")
            .field("threads", &self.threads)
            .field("cancel", &self.cancel)
            .field("progress", &self.progress.as_ref().map(|_| "FnMut"))
            .finish()
    }
}

/// What the trampoline sees through `progress_user`.
struct ProgressState<'s, 'a> {
    f: Option<&'s mut ProgressFn<'a>>,
    /// A panic caught in the closure, resumed after the C call returns.
    panic: Option<Box<dyn Any + Send + 'static>>,
}

unsafe extern "C" fn trampoline(user: *mut c_void, fraction: f64, iteration: i64, residual: f64) -> c_int {
    // SAFETY: `user` is the ProgressState that CallOptions::with_raw made; the C call that
    // invokes us runs inside the borrow, on this thread, and never calls us reentrantly.
    let state = unsafe { &mut *user.cast::<ProgressState<'_, '_>>() };
    if state.panic.is_some() {
        return 1;
    }
    let Some(f) = state.f.as_deref_mut() else { return 0 };
    let p = Progress { fraction: (fraction >= 0.0).then_some(fraction), iteration, residual };
    match catch_unwind(AssertUnwindSafe(|| f(p))) {
        Ok(ControlFlow::Continue(())) => 0,
        Ok(ControlFlow::Break(())) => 1,
        Err(payload) => {
            state.panic = Some(payload);
            1
        }
    }
}
