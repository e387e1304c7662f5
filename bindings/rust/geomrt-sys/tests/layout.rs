//! The `#[repr(C)]` structs match geomrt.h: sizes and field offsets are compared with
//! what a C compiler computes from the real header, and the constants with the
//! library's own answers.
use std::ffi::CStr;
use std::mem::{offset_of, size_of};
use std::path::PathBuf;
use std::process::Command;

use geomrt_sys::*;

/// `struct.field offset` / `struct size` lines for every struct in the header.
const LAYOUT_C: &str = r#"
#include <stddef.h>
#include <stdio.h>
#include <geomrt/geomrt.h>
#define S(T) printf(#T " size %zu align %zu\n", sizeof(T), _Alignof(T));
#define F(T, f) printf(#T "." #f " %zu\n", offsetof(T, f));
int main(void) {
    S(geomrt_runtime_options) F(geomrt_runtime_options, version) F(geomrt_runtime_options, plugin_paths)
    F(geomrt_runtime_options, n_plugin_paths) F(geomrt_runtime_options, no_default_search)
    S(geomrt_slot_info) F(geomrt_slot_info, name) F(geomrt_slot_info, doc) F(geomrt_slot_info, kind)
    F(geomrt_slot_info, dtype) F(geomrt_slot_info, ndim) F(geomrt_slot_info, shape) F(geomrt_slot_info, flags)
    S(geomrt_param_info) F(geomrt_param_info, name) F(geomrt_param_info, doc) F(geomrt_param_info, type)
    F(geomrt_param_info, default_value) F(geomrt_param_info, min) F(geomrt_param_info, max)
    F(geomrt_param_info, flags) F(geomrt_param_info, choices) F(geomrt_param_info, required)
    S(geomrt_call_options) F(geomrt_call_options, version) F(geomrt_call_options, num_threads)
    F(geomrt_call_options, progress) F(geomrt_call_options, progress_user) F(geomrt_call_options, cancel_flag)
    S(geomrt_tensor_view) F(geomrt_tensor_view, dtype) F(geomrt_tensor_view, ndim) F(geomrt_tensor_view, shape)
    F(geomrt_tensor_view, data) F(geomrt_tensor_view, numel)
    S(geomrt_sparse_view) F(geomrt_sparse_view, rows) F(geomrt_sparse_view, cols) F(geomrt_sparse_view, nnz)
    F(geomrt_sparse_view, indptr) F(geomrt_sparse_view, indices) F(geomrt_sparse_view, values)
    S(geomrt_error) S(geomrt_dtype)
    printf("GEOMRT_EINTERNAL %d\nGEOMRT_DTYPE_I64 %d\nGEOMRT_KIND_SPARSE %d\nGEOMRT_PARAM_ENUM %d\n",
           (int)GEOMRT_EINTERNAL, (int)GEOMRT_DTYPE_I64, (int)GEOMRT_KIND_SPARSE, (int)GEOMRT_PARAM_ENUM);
    printf("GEOMRT_IO_ALLOW_EMPTY %u\nGEOMRT_PARAM_MAX_EXCLUSIVE %u\n", GEOMRT_IO_ALLOW_EMPTY, GEOMRT_PARAM_MAX_EXCLUSIVE);
    printf("GEOMRT_IO_ANY_FLOAT %u\nGEOMRT_IO_ALSO_DENSE %u\nGEOMRT_PARAM_ALLOW_INF %u\n", GEOMRT_IO_ANY_FLOAT,
           GEOMRT_IO_ALSO_DENSE, GEOMRT_PARAM_ALLOW_INF);
    printf("GEOMRT_RUNTIME_OPTIONS_VERSION %d\nGEOMRT_CALL_OPTIONS_VERSION %d\n",
           GEOMRT_RUNTIME_OPTIONS_VERSION, GEOMRT_CALL_OPTIONS_VERSION);
    return 0;
}
"#;

/// What Rust thinks, in the same format.
fn rust_layout() -> Vec<String> {
    let mut v = Vec::new();
    macro_rules! s {
        ($t:ty, $name:literal) => {
            v.push(format!("{} size {} align {}", $name, size_of::<$t>(), std::mem::align_of::<$t>()))
        };
    }
    macro_rules! f {
        ($t:ty, $name:literal, $f:ident, $cf:literal) => {
            v.push(format!("{}.{} {}", $name, $cf, offset_of!($t, $f)))
        };
    }
    s!(geomrt_runtime_options, "geomrt_runtime_options");
    f!(geomrt_runtime_options, "geomrt_runtime_options", version, "version");
    f!(geomrt_runtime_options, "geomrt_runtime_options", plugin_paths, "plugin_paths");
    f!(geomrt_runtime_options, "geomrt_runtime_options", n_plugin_paths, "n_plugin_paths");
    f!(geomrt_runtime_options, "geomrt_runtime_options", no_default_search, "no_default_search");
    s!(geomrt_slot_info, "geomrt_slot_info");
    f!(geomrt_slot_info, "geomrt_slot_info", name, "name");
    f!(geomrt_slot_info, "geomrt_slot_info", doc, "doc");
    f!(geomrt_slot_info, "geomrt_slot_info", kind, "kind");
    f!(geomrt_slot_info, "geomrt_slot_info", dtype, "dtype");
    f!(geomrt_slot_info, "geomrt_slot_info", ndim, "ndim");
    f!(geomrt_slot_info, "geomrt_slot_info", shape, "shape");
    f!(geomrt_slot_info, "geomrt_slot_info", flags, "flags");
    s!(geomrt_param_info, "geomrt_param_info");
    f!(geomrt_param_info, "geomrt_param_info", name, "name");
    f!(geomrt_param_info, "geomrt_param_info", doc, "doc");
    f!(geomrt_param_info, "geomrt_param_info", type_, "type");
    f!(geomrt_param_info, "geomrt_param_info", default_value, "default_value");
    f!(geomrt_param_info, "geomrt_param_info", min, "min");
    f!(geomrt_param_info, "geomrt_param_info", max, "max");
    f!(geomrt_param_info, "geomrt_param_info", flags, "flags");
    f!(geomrt_param_info, "geomrt_param_info", choices, "choices");
    f!(geomrt_param_info, "geomrt_param_info", required, "required");
    s!(geomrt_call_options, "geomrt_call_options");
    f!(geomrt_call_options, "geomrt_call_options", version, "version");
    f!(geomrt_call_options, "geomrt_call_options", num_threads, "num_threads");
    f!(geomrt_call_options, "geomrt_call_options", progress, "progress");
    f!(geomrt_call_options, "geomrt_call_options", progress_user, "progress_user");
    f!(geomrt_call_options, "geomrt_call_options", cancel_flag, "cancel_flag");
    s!(geomrt_tensor_view, "geomrt_tensor_view");
    f!(geomrt_tensor_view, "geomrt_tensor_view", dtype, "dtype");
    f!(geomrt_tensor_view, "geomrt_tensor_view", ndim, "ndim");
    f!(geomrt_tensor_view, "geomrt_tensor_view", shape, "shape");
    f!(geomrt_tensor_view, "geomrt_tensor_view", data, "data");
    f!(geomrt_tensor_view, "geomrt_tensor_view", numel, "numel");
    s!(geomrt_sparse_view, "geomrt_sparse_view");
    f!(geomrt_sparse_view, "geomrt_sparse_view", rows, "rows");
    f!(geomrt_sparse_view, "geomrt_sparse_view", cols, "cols");
    f!(geomrt_sparse_view, "geomrt_sparse_view", nnz, "nnz");
    f!(geomrt_sparse_view, "geomrt_sparse_view", indptr, "indptr");
    f!(geomrt_sparse_view, "geomrt_sparse_view", indices, "indices");
    f!(geomrt_sparse_view, "geomrt_sparse_view", values, "values");
    s!(geomrt_error, "geomrt_error");
    s!(geomrt_dtype, "geomrt_dtype");
    v.push(format!("GEOMRT_EINTERNAL {GEOMRT_EINTERNAL}"));
    v.push(format!("GEOMRT_DTYPE_I64 {GEOMRT_DTYPE_I64}"));
    v.push(format!("GEOMRT_KIND_SPARSE {GEOMRT_KIND_SPARSE}"));
    v.push(format!("GEOMRT_PARAM_ENUM {GEOMRT_PARAM_ENUM}"));
    v.push(format!("GEOMRT_IO_ALLOW_EMPTY {GEOMRT_IO_ALLOW_EMPTY}"));
    v.push(format!("GEOMRT_PARAM_MAX_EXCLUSIVE {GEOMRT_PARAM_MAX_EXCLUSIVE}"));
    v.push(format!("GEOMRT_IO_ANY_FLOAT {GEOMRT_IO_ANY_FLOAT}"));
    v.push(format!("GEOMRT_IO_ALSO_DENSE {GEOMRT_IO_ALSO_DENSE}"));
    v.push(format!("GEOMRT_PARAM_ALLOW_INF {GEOMRT_PARAM_ALLOW_INF}"));
    v.push(format!("GEOMRT_RUNTIME_OPTIONS_VERSION {GEOMRT_RUNTIME_OPTIONS_VERSION}"));
    v.push(format!("GEOMRT_CALL_OPTIONS_VERSION {GEOMRT_CALL_OPTIONS_VERSION}"));
    v
}

fn include_dir() -> Option<PathBuf> {
    let dirs = [
        std::env::var_os("GEOMRT_INCLUDE_DIR").map(PathBuf::from),
        Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../capi/include")),
    ];
    dirs.into_iter().flatten().find(|d| d.join("geomrt/geomrt.h").exists())
}

#[test]
fn structs_and_constants_match_what_a_c_compiler_computes_from_geomrt_h() {
    let Some(include) = include_dir() else {
        eprintln!("skipped: geomrt.h not found (set GEOMRT_INCLUDE_DIR)");
        return;
    };
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".to_string());
    let dir = std::env::temp_dir().join(format!("geomrt-sys-layout-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let src = dir.join("layout.c");
    let exe = dir.join("layout");
    std::fs::write(&src, LAYOUT_C).unwrap();
    let compiled = Command::new(&cc).arg("-std=c11").arg("-I").arg(&include).arg(&src).arg("-o").arg(&exe).status();
    match compiled {
        Ok(s) if s.success() => {}
        Ok(s) => panic!("{cc} failed to compile the layout probe ({s})"),
        Err(e) => {
            eprintln!("skipped: no C compiler `{cc}` ({e})");
            return;
        }
    }
    let out = Command::new(&exe).output().expect("run the layout probe");
    let _ = std::fs::remove_dir_all(&dir);
    let c: Vec<String> = String::from_utf8(out.stdout).unwrap().lines().map(str::to_string).collect();
    assert_eq!(rust_layout(), c);
}

#[test]
fn sizes_on_lp64_are_the_hand_checked_ones() {
    if cfg!(target_pointer_width = "64") {
        assert_eq!(size_of::<geomrt_runtime_options>(), 32);
        assert_eq!(size_of::<geomrt_slot_info>(), 48);
        assert_eq!(size_of::<geomrt_param_info>(), 72);
        assert_eq!(size_of::<geomrt_call_options>(), 32);
        assert_eq!(size_of::<geomrt_tensor_view>(), 32);
        assert_eq!(size_of::<geomrt_sparse_view>(), 48);
    }
    // The cancel flag is read as `const volatile int *`; the safe crate passes an AtomicI32.
    assert_eq!(size_of::<std::sync::atomic::AtomicI32>(), size_of::<std::ffi::c_int>());
    assert_eq!(std::mem::align_of::<std::sync::atomic::AtomicI32>(), std::mem::align_of::<std::ffi::c_int>());
}

#[test]
fn library_reports_the_header_version_and_error_names() {
    let v = unsafe { CStr::from_ptr(geomrt_version()) };
    assert_eq!(v, GEOMRT_VERSION_STRING);
    let (mut major, mut minor, mut patch) = (-1, -1, -1);
    unsafe { geomrt_version_numbers(&mut major, &mut minor, &mut patch) };
    assert_eq!((major, minor, patch), (GEOMRT_VERSION_MAJOR, GEOMRT_VERSION_MINOR, GEOMRT_VERSION_PATCH));
    let name = unsafe { CStr::from_ptr(geomrt_error_name(GEOMRT_ESHAPE)) };
    assert_eq!(name.to_str().unwrap(), "GEOMRT_ESHAPE");
}

#[test]
fn raw_invoke_of_an_unknown_method_fails_with_a_message() {
    unsafe {
        let mut rt = std::ptr::null_mut();
        assert_eq!(geomrt_runtime_new(&mut rt, std::ptr::null()), GEOMRT_OK);
        let mut res = std::ptr::null_mut();
        let rc = geomrt_invoke(&mut res, rt, c"no.such_method".as_ptr(), std::ptr::null(), std::ptr::null());
        assert_eq!(rc, GEOMRT_ENOTFOUND);
        assert!(res.is_null());
        assert_eq!(geomrt_last_error_code(), GEOMRT_ENOTFOUND);
        let msg = CStr::from_ptr(geomrt_last_error()).to_string_lossy();
        assert!(msg.contains("no.such_method"), "{msg}");
        geomrt_runtime_free(rt);
    }
}
