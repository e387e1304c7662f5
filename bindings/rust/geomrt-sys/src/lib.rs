//! Raw declarations of the geomrt application API, `capi/include/geomrt/geomrt.h`.
//!
//! Everything here mirrors the header one to one: the same names, `#[repr(C)]`
//! structs with the same fields in the same order, C enums as `c_int` constants,
//! and `unsafe extern "C"` functions. Nothing is added and nothing is checked:
//! the rules of the header (ownership, borrowed pointers, one thread per args or
//! result handle) are the caller's to keep. The safe wrapper is the `geomrt` crate.
//!
//! The build script links `libgeomrt` found through `GEOMRT_LIB_DIR` or
//! `pkg-config geomrt` and prints `cargo:lib_dir=<dir>`, which dependents' build
//! scripts read as `DEP_GEOMRT_LIB_DIR` (to give their binaries an rpath).
#![no_std]
#![allow(non_camel_case_types)]

use core::ffi::{c_char, c_int, c_uint, c_void};
use core::marker::{PhantomData, PhantomPinned};

// --------------------------------------------------------------------------
// Versions

/// Major version of the header these declarations follow.
pub const GEOMRT_VERSION_MAJOR: c_int = 0;
/// Minor version of the header these declarations follow.
pub const GEOMRT_VERSION_MINOR: c_int = 1;
/// Patch version of the header these declarations follow.
pub const GEOMRT_VERSION_PATCH: c_int = 0;
/// `GEOMRT_VERSION_STRING`; `geomrt_version()` gives the library's.
pub const GEOMRT_VERSION_STRING: &core::ffi::CStr = c"0.1.0";

// --------------------------------------------------------------------------
// Enums (C enums are `int` on every platform geomrt supports)

/// `enum geomrt_error`: `GEOMRT_OK` or a negative code.
pub type geomrt_error = c_int;
/// success
pub const GEOMRT_OK: geomrt_error = 0;
/// invalid argument or value (NULL, NaN, negative mass, out of range)
pub const GEOMRT_EINVAL: geomrt_error = -1;
/// no such method, input, output, parameter or file
pub const GEOMRT_ENOTFOUND: geomrt_error = -2;
/// tensor rank or shape does not match the method's signature
pub const GEOMRT_ESHAPE: geomrt_error = -3;
/// tensor element type or parameter type does not match
pub const GEOMRT_EDTYPE: geomrt_error = -4;
/// ABI or options-struct version not supported
pub const GEOMRT_EVERSION: geomrt_error = -5;
/// a plugin could not be loaded or registered
pub const GEOMRT_EPLUGIN: geomrt_error = -6;
/// an iterative solver did not reach its tolerance
pub const GEOMRT_ENOCONVERGE: geomrt_error = -7;
/// the call was cancelled by the caller
pub const GEOMRT_ECANCELLED: geomrt_error = -8;
/// out of memory
pub const GEOMRT_ENOMEM: geomrt_error = -9;
/// internal error (a bug: please report it)
pub const GEOMRT_EINTERNAL: geomrt_error = -10;

/// `enum geomrt_dtype`: element types of tensors.
pub type geomrt_dtype = c_int;
/// double
pub const GEOMRT_DTYPE_F64: geomrt_dtype = 1;
/// float
pub const GEOMRT_DTYPE_F32: geomrt_dtype = 2;
/// int64_t
pub const GEOMRT_DTYPE_I64: geomrt_dtype = 3;

/// `enum geomrt_kind`: kinds of values an input or output slot carries.
pub type geomrt_kind = c_int;
/// dense tensor of any rank (rank 0 = scalar)
pub const GEOMRT_KIND_DENSE: geomrt_kind = 1;
/// sparse matrix in CSR form (f64 values, i64 indices)
pub const GEOMRT_KIND_SPARSE: geomrt_kind = 2;

/// `enum geomrt_param_type`: types of method parameters.
pub type geomrt_param_type = c_int;
pub const GEOMRT_PARAM_F64: geomrt_param_type = 1;
pub const GEOMRT_PARAM_I64: geomrt_param_type = 2;
pub const GEOMRT_PARAM_BOOL: geomrt_param_type = 3;
pub const GEOMRT_PARAM_STRING: geomrt_param_type = 4;
/// a string restricted to a list of choices
pub const GEOMRT_PARAM_ENUM: geomrt_param_type = 5;

/// `enum geomrt_plugin_status`: status of one plugin path in the report.
pub type geomrt_plugin_status = c_int;
/// loaded; its methods are registered
pub const GEOMRT_PLUGIN_LOADED: geomrt_plugin_status = 0;
/// tried and rejected; see the reason
pub const GEOMRT_PLUGIN_REJECTED: geomrt_plugin_status = 1;

// --------------------------------------------------------------------------
// Flags

/// the input may be omitted
pub const GEOMRT_IO_OPTIONAL: c_uint = 0x1;
/// caller-owned state the method updates (set with geomrt_args_set_inplace)
pub const GEOMRT_IO_INPLACE: c_uint = 0x2;
/// every entry must be >= 0 (checked by the host)
pub const GEOMRT_IO_NONNEGATIVE: c_uint = 0x4;
/// NaN/Inf allowed (otherwise the host rejects them)
pub const GEOMRT_IO_ALLOW_NONFINITE: c_uint = 0x8;
/// the method reads strided data itself (otherwise the host hands it a contiguous copy)
pub const GEOMRT_IO_STRIDED: c_uint = 0x10;
/// zero-size dimensions allowed (otherwise rejected)
pub const GEOMRT_IO_ALLOW_EMPTY: c_uint = 0x20;
/// float32 or float64 as passed (the method reads the dtype it got); outputs: the method picks either
pub const GEOMRT_IO_ANY_FLOAT: c_uint = 0x40;
/// a sparse CSR input that also accepts a dense float64 matrix of the same shape
pub const GEOMRT_IO_ALSO_DENSE: c_uint = 0x80;

/// value must be > min (otherwise >= min)
pub const GEOMRT_PARAM_MIN_EXCLUSIVE: c_uint = 0x1;
/// value must be < max (otherwise <= max)
pub const GEOMRT_PARAM_MAX_EXCLUSIVE: c_uint = 0x2;
/// an F64 parameter may be +inf or -inf (within its range); otherwise finite
pub const GEOMRT_PARAM_ALLOW_INF: c_uint = 0x4;

// --------------------------------------------------------------------------
// Opaque handles

macro_rules! opaque {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[repr(C)]
        pub struct $name {
            _data: [u8; 0],
            // Not Send, not Sync, not Unpin: only ever used behind a pointer.
            _marker: PhantomData<(*mut u8, PhantomPinned)>,
        }
    )*};
}

opaque! {
    /// `geomrt_runtime`: plugins and their methods.
    geomrt_runtime;
    /// `geomrt_method`: a method descriptor, owned by its runtime.
    geomrt_method;
    /// `geomrt_args`: named inputs and parameters of one call.
    geomrt_args;
    /// `geomrt_result`: named outputs of one call.
    geomrt_result;
}

// --------------------------------------------------------------------------
// Structs

/// Options for `geomrt_runtime_new()`. Start from [`GEOMRT_RUNTIME_OPTIONS_INIT`].
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct geomrt_runtime_options {
    /// `GEOMRT_RUNTIME_OPTIONS_VERSION`
    pub version: c_uint,
    /// plugin files or directories searched first (may be NULL)
    pub plugin_paths: *const *const c_char,
    /// number of entries in plugin_paths
    pub n_plugin_paths: usize,
    /// nonzero: skip GEOMRT_PLUGIN_PATH and the default directories
    pub no_default_search: c_int,
}
pub const GEOMRT_RUNTIME_OPTIONS_VERSION: c_uint = 1;
/// `GEOMRT_RUNTIME_OPTIONS_INIT`
pub const GEOMRT_RUNTIME_OPTIONS_INIT: geomrt_runtime_options = geomrt_runtime_options {
    version: GEOMRT_RUNTIME_OPTIONS_VERSION,
    plugin_paths: core::ptr::null(),
    n_plugin_paths: 0,
    no_default_search: 0,
};

/// Description of an input or output slot. Strings are owned by the runtime.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct geomrt_slot_info {
    /// e.g. "M"
    pub name: *const c_char,
    /// what it is
    pub doc: *const c_char,
    /// geomrt_kind
    pub kind: c_int,
    /// geomrt_dtype (for sparse: of the values)
    pub dtype: c_int,
    /// required rank, or -1 for any rank
    pub ndim: c_int,
    /// shape signature, e.g. "n,m"; "" if free
    pub shape: *const c_char,
    /// GEOMRT_IO_*
    pub flags: c_uint,
}

/// Description of a parameter. Strings are owned by the runtime.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct geomrt_param_info {
    /// e.g. "reg"
    pub name: *const c_char,
    /// what it does
    pub doc: *const c_char,
    /// geomrt_param_type (`type` in C)
    pub type_: c_int,
    /// default as text ("" if the parameter is required)
    pub default_value: *const c_char,
    /// numeric range (-inf if unbounded)
    pub min: f64,
    /// numeric range (inf if unbounded)
    pub max: f64,
    /// GEOMRT_PARAM_*
    pub flags: c_uint,
    /// for GEOMRT_PARAM_ENUM: allowed values separated by '|'; else ""
    pub choices: *const c_char,
    /// nonzero if the caller must set it
    pub required: c_int,
}

/// Progress callback: called on the invoking thread; return nonzero to cancel.
/// `fraction` is in `[0, 1]`, or -1 if unknown.
pub type geomrt_progress_fn =
    Option<unsafe extern "C" fn(user: *mut c_void, fraction: f64, iteration: i64, residual: f64) -> c_int>;

/// Options of one call. Start from [`GEOMRT_CALL_OPTIONS_INIT`].
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct geomrt_call_options {
    /// `GEOMRT_CALL_OPTIONS_VERSION`
    pub version: c_uint,
    /// threads a method may use; 0 = all cores
    pub num_threads: c_int,
    /// may be NULL (None)
    pub progress: geomrt_progress_fn,
    /// passed to progress
    pub progress_user: *mut c_void,
    /// `const volatile int *` in C: if not NULL and `*cancel_flag != 0` the call stops with
    /// GEOMRT_ECANCELLED. Another thread may set it, so in Rust point it at an `AtomicI32`
    /// (same size and alignment as `int`) and only ever write it with atomic stores.
    pub cancel_flag: *const c_int,
}
pub const GEOMRT_CALL_OPTIONS_VERSION: c_uint = 1;
/// `GEOMRT_CALL_OPTIONS_INIT`
pub const GEOMRT_CALL_OPTIONS_INIT: geomrt_call_options = geomrt_call_options {
    version: GEOMRT_CALL_OPTIONS_VERSION,
    num_threads: 0,
    progress: None,
    progress_user: core::ptr::null_mut(),
    cancel_flag: core::ptr::null(),
};

/// View of a dense output (C-contiguous). Memory owned by the result.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct geomrt_tensor_view {
    /// geomrt_dtype
    pub dtype: c_int,
    /// rank (0 for a scalar)
    pub ndim: c_int,
    /// ndim extents
    pub shape: *const i64,
    /// numel elements, row-major
    pub data: *const c_void,
    /// product of shape (1 for a scalar)
    pub numel: i64,
}

/// View of a sparse CSR output. Memory owned by the result.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct geomrt_sparse_view {
    pub rows: i64,
    pub cols: i64,
    pub nnz: i64,
    /// rows+1 entries
    pub indptr: *const i64,
    /// nnz column indices, sorted within each row
    pub indices: *const i64,
    /// nnz values
    pub values: *const f64,
}

// --------------------------------------------------------------------------
// Functions

unsafe extern "C" {
    // Versions and errors
    pub fn geomrt_version() -> *const c_char;
    pub fn geomrt_version_numbers(major: *mut c_int, minor: *mut c_int, patch: *mut c_int);
    pub fn geomrt_last_error() -> *const c_char;
    pub fn geomrt_last_error_code() -> c_int;
    pub fn geomrt_error_name(code: c_int) -> *const c_char;

    // Runtime and plugins
    pub fn geomrt_runtime_new(out: *mut *mut geomrt_runtime, opts: *const geomrt_runtime_options) -> c_int;
    pub fn geomrt_runtime_free(rt: *mut geomrt_runtime);
    pub fn geomrt_runtime_load_plugin(rt: *mut geomrt_runtime, path: *const c_char) -> c_int;
    pub fn geomrt_runtime_plugin_report_count(rt: *const geomrt_runtime) -> usize;
    pub fn geomrt_runtime_plugin_report_at(
        rt: *const geomrt_runtime,
        index: usize,
        path: *mut *const c_char,
        status: *mut c_int,
        name: *mut *const c_char,
        reason: *mut *const c_char,
    ) -> c_int;

    // Introspection
    pub fn geomrt_method_count(rt: *const geomrt_runtime) -> usize;
    pub fn geomrt_method_at(out: *mut *const geomrt_method, rt: *const geomrt_runtime, index: usize) -> c_int;
    pub fn geomrt_method_find(out: *mut *const geomrt_method, rt: *const geomrt_runtime, name: *const c_char) -> c_int;
    pub fn geomrt_method_name(m: *const geomrt_method) -> *const c_char;
    pub fn geomrt_method_summary(m: *const geomrt_method) -> *const c_char;
    pub fn geomrt_method_description(m: *const geomrt_method) -> *const c_char;
    pub fn geomrt_method_citation(m: *const geomrt_method) -> *const c_char;
    pub fn geomrt_method_plugin(m: *const geomrt_method) -> *const c_char;
    pub fn geomrt_method_json(m: *const geomrt_method) -> *const c_char;
    pub fn geomrt_method_input_count(m: *const geomrt_method) -> usize;
    pub fn geomrt_method_input(m: *const geomrt_method, index: usize, out: *mut geomrt_slot_info) -> c_int;
    pub fn geomrt_method_output_count(m: *const geomrt_method) -> usize;
    pub fn geomrt_method_output(m: *const geomrt_method, index: usize, out: *mut geomrt_slot_info) -> c_int;
    pub fn geomrt_method_param_count(m: *const geomrt_method) -> usize;
    pub fn geomrt_method_param(m: *const geomrt_method, index: usize, out: *mut geomrt_param_info) -> c_int;

    // Arguments
    pub fn geomrt_args_new(out: *mut *mut geomrt_args) -> c_int;
    pub fn geomrt_args_free(args: *mut geomrt_args);
    pub fn geomrt_args_clear(args: *mut geomrt_args);
    pub fn geomrt_args_set_tensor(
        args: *mut geomrt_args,
        name: *const c_char,
        dtype: c_int,
        data: *const c_void,
        ndim: c_int,
        shape: *const i64,
        strides: *const i64,
    ) -> c_int;
    pub fn geomrt_args_set_f64(
        args: *mut geomrt_args,
        name: *const c_char,
        data: *const f64,
        ndim: c_int,
        shape: *const i64,
    ) -> c_int;
    pub fn geomrt_args_set_inplace(
        args: *mut geomrt_args,
        name: *const c_char,
        dtype: c_int,
        data: *mut c_void,
        ndim: c_int,
        shape: *const i64,
        strides: *const i64,
    ) -> c_int;
    pub fn geomrt_args_set_sparse(
        args: *mut geomrt_args,
        name: *const c_char,
        rows: i64,
        cols: i64,
        nnz: i64,
        indptr: *const i64,
        indices: *const i64,
        values: *const f64,
    ) -> c_int;
    pub fn geomrt_args_set_param_f64(args: *mut geomrt_args, name: *const c_char, value: f64) -> c_int;
    pub fn geomrt_args_set_param_i64(args: *mut geomrt_args, name: *const c_char, value: i64) -> c_int;
    pub fn geomrt_args_set_param_bool(args: *mut geomrt_args, name: *const c_char, value: c_int) -> c_int;
    pub fn geomrt_args_set_param_string(args: *mut geomrt_args, name: *const c_char, value: *const c_char) -> c_int;

    // Invocation
    pub fn geomrt_invoke(
        out: *mut *mut geomrt_result,
        rt: *mut geomrt_runtime,
        method: *const c_char,
        args: *const geomrt_args,
        opts: *const geomrt_call_options,
    ) -> c_int;

    // Results
    pub fn geomrt_result_free(res: *mut geomrt_result);
    pub fn geomrt_result_count(res: *const geomrt_result) -> usize;
    pub fn geomrt_result_name(res: *const geomrt_result, index: usize) -> *const c_char;
    pub fn geomrt_result_has(res: *const geomrt_result, name: *const c_char) -> c_int;
    pub fn geomrt_result_kind(res: *const geomrt_result, name: *const c_char) -> c_int;
    pub fn geomrt_result_tensor(res: *const geomrt_result, name: *const c_char, out: *mut geomrt_tensor_view) -> c_int;
    pub fn geomrt_result_sparse(res: *const geomrt_result, name: *const c_char, out: *mut geomrt_sparse_view) -> c_int;
    pub fn geomrt_result_scalar(res: *const geomrt_result, name: *const c_char, out: *mut f64) -> c_int;
    pub fn geomrt_result_copy_f64(
        res: *const geomrt_result,
        name: *const c_char,
        buf: *mut f64,
        capacity: i64,
    ) -> c_int;
}
