//! The runtime: plugins, introspection and invocation (`geomrt_runtime`).
use std::ffi::{CStr, CString, c_char};
use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::ptr::NonNull;

use geomrt_sys as sys;

use crate::args::{Args, Param, c_name};
use crate::call::CallOptions;
use crate::error::{Error, ErrorCode, Result, check};
use crate::outputs::{Kind, Outputs};
use crate::tensor::{DType, Tensor};

/// A geomrt runtime: the plugins it loaded and their methods.
///
/// `Send + Sync`: the C runtime may be used from many threads at once, so share it by
/// reference (`std::thread::scope`) or in an `Arc`. Loading more plugins takes `&mut self`,
/// because the C API forbids it while other threads invoke methods.
pub struct Runtime {
    raw: NonNull<sys::geomrt_runtime>,
}

// SAFETY: geomrt.h: "A runtime may be used from many threads at once"; the only call that
// may not run concurrently (geomrt_runtime_load_plugin) takes &mut self.
unsafe impl Send for Runtime {}
unsafe impl Sync for Runtime {}

/// Builder for a [`Runtime`] with explicit plugin paths (`geomrt_runtime_options`).
#[derive(Debug, Clone, Default)]
pub struct RuntimeBuilder {
    paths: Vec<PathBuf>,
    no_default_search: bool,
}

impl RuntimeBuilder {
    /// A plugin file or directory searched before `GEOMRT_PLUGIN_PATH` and the defaults.
    pub fn plugin_path(mut self, path: impl AsRef<Path>) -> Self {
        self.paths.push(path.as_ref().to_path_buf());
        self
    }

    /// Skip `GEOMRT_PLUGIN_PATH` and the default directories: load only the given paths.
    pub fn no_default_search(mut self, yes: bool) -> Self {
        self.no_default_search = yes;
        self
    }

    /// Create the runtime and load plugins (`geomrt_runtime_new`). A plugin file that
    /// cannot be loaded does not fail this: see [`Runtime::plugin_report`].
    pub fn build(self) -> Result<Runtime> {
        let paths = self.paths.iter().map(|p| path_cstring(p)).collect::<Result<Vec<CString>>>()?;
        let ptrs: Vec<*const c_char> = paths.iter().map(|p| p.as_ptr()).collect();
        let mut opts = sys::GEOMRT_RUNTIME_OPTIONS_INIT;
        opts.plugin_paths = if ptrs.is_empty() { std::ptr::null() } else { ptrs.as_ptr() };
        opts.n_plugin_paths = ptrs.len();
        opts.no_default_search = self.no_default_search as i32;
        let mut raw = std::ptr::null_mut();
        check(unsafe { sys::geomrt_runtime_new(&mut raw, &opts) })?;
        let raw =
            NonNull::new(raw).ok_or_else(|| Error::new(ErrorCode::Internal, "geomrt_runtime_new returned NULL"))?;
        Ok(Runtime { raw })
    }
}

/// Status of one plugin path in [`Runtime::plugin_report`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginReport {
    /// The file tried.
    pub path: PathBuf,
    /// Whether it loaded (its methods are registered).
    pub loaded: bool,
    /// The plugin's declared name ("" if unknown).
    pub name: String,
    /// Why it was rejected ("" if loaded).
    pub reason: String,
}

impl Runtime {
    /// A runtime with the default plugin search: `GEOMRT_PLUGIN_PATH`, then
    /// `<dir of libgeomrt>/geomrt/plugins` and the install directory.
    pub fn new() -> Result<Self> {
        RuntimeBuilder::default().build()
    }

    /// A runtime that searches these plugin files or directories first, then the defaults.
    pub fn with_plugin_paths<P: AsRef<Path>>(paths: &[P]) -> Result<Self> {
        paths.iter().fold(RuntimeBuilder::default(), |b, p| b.plugin_path(p)).build()
    }

    /// A builder, for more control over plugin discovery.
    pub fn builder() -> RuntimeBuilder {
        RuntimeBuilder::default()
    }

    /// Load one plugin file, or every plugin in a directory, now (`geomrt_runtime_load_plugin`).
    pub fn load_plugin(&mut self, path: impl AsRef<Path>) -> Result<()> {
        let c = path_cstring(path.as_ref())?;
        check(unsafe { sys::geomrt_runtime_load_plugin(self.raw.as_ptr(), c.as_ptr()) })
    }

    /// Every plugin file tried, in order, loaded or rejected and why.
    pub fn plugin_report(&self) -> Vec<PluginReport> {
        let rt = self.raw.as_ptr();
        let n = unsafe { sys::geomrt_runtime_plugin_report_count(rt) };
        let mut out = Vec::with_capacity(n);
        for i in 0..n {
            let (mut path, mut name, mut reason) = (std::ptr::null(), std::ptr::null(), std::ptr::null());
            let mut status = 0;
            let rc =
                unsafe { sys::geomrt_runtime_plugin_report_at(rt, i, &mut path, &mut status, &mut name, &mut reason) };
            if rc != sys::GEOMRT_OK {
                continue;
            }
            out.push(PluginReport {
                path: PathBuf::from(unsafe { owned(path) }),
                loaded: status == sys::GEOMRT_PLUGIN_LOADED,
                name: unsafe { owned(name) },
                reason: unsafe { owned(reason) },
            });
        }
        out
    }

    /// Every registered method, sorted by name.
    pub fn methods(&self) -> Vec<Method<'_>> {
        let rt = self.raw.as_ptr();
        let n = unsafe { sys::geomrt_method_count(rt) };
        (0..n)
            .filter_map(|i| {
                let mut m = std::ptr::null();
                let rc = unsafe { sys::geomrt_method_at(&mut m, rt, i) };
                (rc == sys::GEOMRT_OK && !m.is_null()).then_some(Method { raw: m, _rt: PhantomData })
            })
            .collect()
    }

    /// A method by its dotted name, e.g. `"ot.sinkhorn"`.
    pub fn method(&self, name: &str) -> Result<Method<'_>> {
        let c = c_name(name)?;
        let mut m = std::ptr::null();
        check(unsafe { sys::geomrt_method_find(&mut m, self.raw.as_ptr(), c.as_ptr()) })?;
        if m.is_null() {
            return Err(Error::new(ErrorCode::Internal, "geomrt_method_find returned NULL"));
        }
        Ok(Method { raw: m, _rt: PhantomData })
    }

    /// The method's whole descriptor as JSON (`geomrt_method_json`): name, summary,
    /// inputs, outputs, parameters.
    pub fn describe(&self, name: &str) -> Result<String> {
        Ok(self.method(name)?.json().to_string())
    }

    /// Call a method with borrowed input tensors and parameters, default call options.
    ///
    /// ```no_run
    /// # fn main() -> Result<(), geomrt::Error> {
    /// use geomrt::{Runtime, Tensor};
    /// let rt = Runtime::new()?;
    /// let (xs, xt) = (vec![0.0, 0.0, 1.0, 1.0], vec![0.5, 0.0, 1.5, 1.0]);
    /// let out = rt.invoke(
    ///     "ot.sinkhorn",
    ///     &[("xs", Tensor::matrix(&xs, 2, 2)), ("xt", Tensor::matrix(&xt, 2, 2))],
    ///     &[("reg", 0.05.into())],
    /// )?;
    /// println!("cost {}", out.scalar("cost")?);
    /// # Ok(()) }
    /// ```
    pub fn invoke(&self, method: &str, inputs: &[(&str, Tensor<'_>)], params: &[(&str, Param<'_>)]) -> Result<Outputs> {
        let args = build_args(inputs, params)?;
        self.invoke_with(method, &args, &mut CallOptions::new())
    }

    /// [`invoke`](Self::invoke) with call options (threads, cancel flag, progress).
    pub fn invoke_opts(
        &self,
        method: &str,
        inputs: &[(&str, Tensor<'_>)],
        params: &[(&str, Param<'_>)],
        opts: &mut CallOptions<'_>,
    ) -> Result<Outputs> {
        let args = build_args(inputs, params)?;
        self.invoke_with(method, &args, opts)
    }

    /// Call a method with a prepared [`Args`] (reusable across calls) and call options
    /// (`geomrt_invoke`). If the progress closure panicked, the panic resumes here.
    pub fn invoke_with(&self, method: &str, args: &Args<'_>, opts: &mut CallOptions<'_>) -> Result<Outputs> {
        let m = c_name(method)?;
        let ((rc, res, err), panic) = opts.with_raw(|o| {
            let mut res = std::ptr::null_mut();
            let rc = unsafe { sys::geomrt_invoke(&mut res, self.raw.as_ptr(), m.as_ptr(), args.as_raw(), o) };
            // Read the thread's message before any other geomrt call can replace it.
            let err = (rc != sys::GEOMRT_OK).then(|| Error::from_last(rc));
            (rc, res, err)
        });
        let out = NonNull::new(res).map(|r| unsafe { Outputs::from_raw(r) });
        if let Some(payload) = panic {
            drop(out);
            std::panic::resume_unwind(payload);
        }
        match (err, out) {
            (Some(e), _) => Err(e),
            (None, Some(out)) => Ok(out),
            (None, None) => Err(Error::new(ErrorCode::Internal, format!("geomrt_invoke returned {rc} and no result"))),
        }
    }

    /// The raw handle, still owned by `self`.
    pub fn as_raw(&self) -> *mut sys::geomrt_runtime {
        self.raw.as_ptr()
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        unsafe { sys::geomrt_runtime_free(self.raw.as_ptr()) }
    }
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime").field("methods", &unsafe { sys::geomrt_method_count(self.raw.as_ptr()) }).finish()
    }
}

fn build_args<'a>(inputs: &[(&str, Tensor<'a>)], params: &[(&str, Param<'_>)]) -> Result<Args<'a>> {
    let mut args = Args::new()?;
    for (name, t) in inputs {
        args.input(name, t)?;
    }
    for (name, p) in params {
        args.param(name, *p)?;
    }
    Ok(args)
}

/// A method descriptor, owned by the runtime it borrows.
#[derive(Clone, Copy)]
pub struct Method<'rt> {
    raw: *const sys::geomrt_method,
    _rt: PhantomData<&'rt Runtime>,
}

// SAFETY: an immutable descriptor owned by a Sync runtime, readable from any thread.
unsafe impl Send for Method<'_> {}
unsafe impl Sync for Method<'_> {}

/// An input or output slot of a method.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotInfo<'rt> {
    /// e.g. `"M"`
    pub name: &'rt str,
    /// What it is.
    pub doc: &'rt str,
    /// Dense or sparse (`None`: unknown to this crate).
    pub kind: Option<Kind>,
    /// Element type (of the values, for sparse; `None`: unknown to this crate).
    pub dtype: Option<DType>,
    /// Required rank, `None` for any rank.
    pub ndim: Option<usize>,
    /// Shape signature, e.g. `"n,m"`; equal names tie dimensions across slots; `""` if free.
    pub shape: &'rt str,
    /// `GEOMRT_IO_*` flags.
    pub flags: u32,
}

impl SlotInfo<'_> {
    /// The input may be omitted.
    pub fn is_optional(&self) -> bool {
        self.flags & sys::GEOMRT_IO_OPTIONAL != 0
    }
    /// Caller-owned state the method updates (set with [`Args::inplace`]).
    pub fn is_inplace(&self) -> bool {
        self.flags & sys::GEOMRT_IO_INPLACE != 0
    }
    /// The method reads strided data itself (otherwise the host makes a contiguous copy).
    pub fn is_strided(&self) -> bool {
        self.flags & sys::GEOMRT_IO_STRIDED != 0
    }
}

/// Types of method parameters (`geomrt_param_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ParamType {
    /// f64
    F64,
    /// i64
    I64,
    /// bool
    Bool,
    /// free text
    String,
    /// a string from a list of choices
    Enum,
}

/// A parameter of a method.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamInfo<'rt> {
    /// e.g. `"reg"`
    pub name: &'rt str,
    /// What it does.
    pub doc: &'rt str,
    /// Type (`None`: unknown to this crate).
    pub ty: Option<ParamType>,
    /// Default as text (`""` if the parameter is required).
    pub default: &'rt str,
    /// Numeric range (-inf if unbounded).
    pub min: f64,
    /// Numeric range (inf if unbounded).
    pub max: f64,
    /// `GEOMRT_PARAM_*` flags.
    pub flags: u32,
    /// Allowed values of an enum parameter.
    pub choices: Vec<&'rt str>,
    /// Whether the caller must set it.
    pub required: bool,
}

impl<'rt> Method<'rt> {
    /// Dotted name, e.g. `"ot.emd"`.
    pub fn name(&self) -> &'rt str {
        unsafe { borrowed(sys::geomrt_method_name(self.raw)) }
    }
    /// One-line summary.
    pub fn summary(&self) -> &'rt str {
        unsafe { borrowed(sys::geomrt_method_summary(self.raw)) }
    }
    /// Objective, behaviour, returned values.
    pub fn description(&self) -> &'rt str {
        unsafe { borrowed(sys::geomrt_method_description(self.raw)) }
    }
    /// Paper citation(s).
    pub fn citation(&self) -> &'rt str {
        unsafe { borrowed(sys::geomrt_method_citation(self.raw)) }
    }
    /// Path of the plugin file that provides it.
    pub fn plugin(&self) -> &'rt str {
        unsafe { borrowed(sys::geomrt_method_plugin(self.raw)) }
    }
    /// The whole descriptor as JSON.
    pub fn json(&self) -> &'rt str {
        unsafe { borrowed(sys::geomrt_method_json(self.raw)) }
    }

    /// Input slots.
    pub fn inputs(&self) -> Vec<SlotInfo<'rt>> {
        let n = unsafe { sys::geomrt_method_input_count(self.raw) };
        (0..n).filter_map(|i| self.slot(i, sys::geomrt_method_input)).collect()
    }

    /// Output slots.
    pub fn outputs(&self) -> Vec<SlotInfo<'rt>> {
        let n = unsafe { sys::geomrt_method_output_count(self.raw) };
        (0..n).filter_map(|i| self.slot(i, sys::geomrt_method_output)).collect()
    }

    fn slot(
        &self,
        i: usize,
        get: unsafe extern "C" fn(*const sys::geomrt_method, usize, *mut sys::geomrt_slot_info) -> i32,
    ) -> Option<SlotInfo<'rt>> {
        let mut s = std::mem::MaybeUninit::<sys::geomrt_slot_info>::zeroed();
        if unsafe { get(self.raw, i, s.as_mut_ptr()) } != sys::GEOMRT_OK {
            return None;
        }
        let s = unsafe { s.assume_init() };
        Some(SlotInfo {
            name: unsafe { borrowed(s.name) },
            doc: unsafe { borrowed(s.doc) },
            kind: Kind::from_raw(s.kind),
            dtype: DType::from_raw(s.dtype),
            ndim: usize::try_from(s.ndim).ok(),
            shape: unsafe { borrowed(s.shape) },
            flags: s.flags,
        })
    }

    /// Parameters.
    pub fn params(&self) -> Vec<ParamInfo<'rt>> {
        let n = unsafe { sys::geomrt_method_param_count(self.raw) };
        (0..n)
            .filter_map(|i| {
                let mut p = std::mem::MaybeUninit::<sys::geomrt_param_info>::zeroed();
                if unsafe { sys::geomrt_method_param(self.raw, i, p.as_mut_ptr()) } != sys::GEOMRT_OK {
                    return None;
                }
                let p = unsafe { p.assume_init() };
                let choices = unsafe { borrowed(p.choices) };
                Some(ParamInfo {
                    name: unsafe { borrowed(p.name) },
                    doc: unsafe { borrowed(p.doc) },
                    ty: match p.type_ {
                        sys::GEOMRT_PARAM_F64 => Some(ParamType::F64),
                        sys::GEOMRT_PARAM_I64 => Some(ParamType::I64),
                        sys::GEOMRT_PARAM_BOOL => Some(ParamType::Bool),
                        sys::GEOMRT_PARAM_STRING => Some(ParamType::String),
                        sys::GEOMRT_PARAM_ENUM => Some(ParamType::Enum),
                        _ => None,
                    },
                    default: unsafe { borrowed(p.default_value) },
                    min: p.min,
                    max: p.max,
                    flags: p.flags,
                    choices: if choices.is_empty() { Vec::new() } else { choices.split('|').collect() },
                    required: p.required != 0,
                })
            })
            .collect()
    }
}

impl std::fmt::Debug for Method<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Method").field("name", &self.name()).finish()
    }
}

/// A string owned by the runtime, borrowed for `'rt`: "" for NULL; invalid UTF-8 (which
/// geomrt does not produce) is cut at the first bad byte.
unsafe fn borrowed<'rt>(p: *const c_char) -> &'rt str {
    if p.is_null() {
        return "";
    }
    let bytes = unsafe { CStr::from_ptr(p) }.to_bytes();
    match std::str::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or(""),
    }
}

unsafe fn owned(p: *const c_char) -> String {
    if p.is_null() { String::new() } else { unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned() }
}

fn path_cstring(p: &Path) -> Result<CString> {
    #[cfg(unix)]
    let bytes = {
        use std::os::unix::ffi::OsStrExt;
        p.as_os_str().as_bytes().to_vec()
    };
    #[cfg(not(unix))]
    let bytes = p
        .to_str()
        .ok_or_else(|| Error::new(ErrorCode::InvalidArgument, format!("path {} is not valid UTF-8", p.display())))?
        .as_bytes()
        .to_vec();
    CString::new(bytes)
        .map_err(|_| Error::new(ErrorCode::InvalidArgument, format!("path {} contains a NUL byte", p.display())))
}
