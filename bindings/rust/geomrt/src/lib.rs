//! Safe Rust interface to geomrt, a runtime for optimal-transport methods.
//!
//! Methods live in plugins and are called by name with named tensors and typed
//! parameters; results are named outputs owned by an [`Outputs`] handle.
//!
//! ```no_run
//! use geomrt::{Runtime, Tensor};
//! # fn main() -> Result<(), geomrt::Error> {
//! let rt = Runtime::new()?;
//! let (xs, xt) = ([0.0, 0.0, 1.0, 1.0], [0.5, 0.0, 1.5, 1.0]); // two 2-D points each, row-major
//! let inputs = [("xs", Tensor::matrix(&xs, 2, 2)), ("xt", Tensor::matrix(&xt, 2, 2))]; // borrowed, not copied
//! let exact = rt.invoke("ot.emd", &inputs, &[])?.scalar("cost")?; // 0.25
//! let entropic = rt.invoke("ot.sinkhorn", &inputs, &[("reg", 0.05.into())])?.scalar("cost")?;
//! # let _ = (exact, entropic);
//! # Ok(()) }
//! ```
//!
//! Outputs are read in place: `out.tensor("f")?.as_f64()` and `out.sparse("plan")?` borrow
//! the result's memory; [`Outputs::to_dense_f64`] copies.
//!
//! Mapping to the C API (`geomrt.h`):
//!
//! | Rust | C |
//! |---|---|
//! | [`Runtime`] (`Send + Sync`, `Drop`) | `geomrt_runtime_new` / `_free`, `geomrt_method_*`, plugin report |
//! | [`Tensor`] (borrows `&[f64]`/`&[f32]`/`&[i64]`) | `geomrt_args_set_tensor` / `_set_sparse` (no copy) |
//! | [`Args`] (reusable, in-place tensors) | `geomrt_args_*` |
//! | [`Param`] | `geomrt_args_set_param_*` |
//! | [`CallOptions`] (threads, `&AtomicI32` cancel flag, progress closure) | `geomrt_call_options` |
//! | [`Outputs`] (`Drop` frees) | `geomrt_result_*`; views borrow the result's memory |
//! | [`Error`] (code + message) | negative codes + `geomrt_last_error()` |
//!
//! Linking: the `geomrt-sys` build script finds `libgeomrt` through `GEOMRT_LIB_DIR` or
//! `pkg-config geomrt` (see `docs/bindings-rust.md`).
#![warn(missing_docs)]

mod args;
mod call;
mod error;
mod outputs;
mod runtime;
mod tensor;

pub use args::{Args, Param};
pub use call::{CallOptions, Progress};
pub use error::{Error, ErrorCode, Result};
pub use outputs::{Kind, Outputs, SparseView, TensorData, TensorView};
pub use runtime::{Method, ParamInfo, ParamType, PluginReport, Runtime, RuntimeBuilder, SlotInfo};
pub use tensor::{DType, Element, Tensor};

/// The raw declarations, for what this crate does not wrap.
pub use geomrt_sys as sys;

/// Version of the linked library, e.g. `"0.1.0"` (`geomrt_version`).
pub fn version() -> &'static str {
    // SAFETY: static storage, never NULL.
    unsafe { std::ffi::CStr::from_ptr(sys::geomrt_version()) }.to_str().unwrap_or("")
}

/// Version of the linked library as numbers (`geomrt_version_numbers`).
pub fn version_numbers() -> (i32, i32, i32) {
    let (mut a, mut b, mut c) = (0, 0, 0);
    unsafe { sys::geomrt_version_numbers(&mut a, &mut b, &mut c) };
    (a, b, c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}
    fn assert_send<T: Send>() {}

    #[test]
    fn thread_safety_markers_follow_the_c_contract() {
        assert_send_sync::<Runtime>();
        assert_send_sync::<Method<'static>>();
        assert_send_sync::<Tensor<'static>>();
        assert_send_sync::<TensorView<'static>>();
        assert_send_sync::<SparseView<'static>>();
        assert_send::<Args<'static>>();
        assert_send::<Outputs>();
        assert_send_sync::<Error>();
    }

    #[test]
    fn tensor_checks_shape_against_the_slice_before_any_c_call() {
        let v = [1.0f64; 6];
        assert!(Tensor::new(&v, &[2, 3]).checked("x").is_ok());
        let e = Tensor::new(&v, &[2, 4]).checked("x").err().unwrap();
        assert_eq!(e.code, ErrorCode::Shape);
        assert!(e.message.contains("input 'x'") && e.message.contains("8 elements"), "{e}");
        // Column-major 2 x 3 over 6 elements: fine; stride 3 on the rows reaches element 7: refused.
        assert!(Tensor::matrix_col_major(&v, 2, 3).checked("x").is_ok());
        assert_eq!(Tensor::new(&v, &[2, 3]).with_strides(&[3, 2]).checked("x").err().unwrap().code, ErrorCode::Shape);
        // Negative strides read backwards from the far end of the slice.
        let Ok(tensor::Checked::Dense { ptr, .. }) = Tensor::new(&v, &[6]).with_strides(&[-1]).checked("x") else {
            panic!()
        };
        assert_eq!(ptr, v[5..].as_ptr().cast());
        // Zero extents need no elements, whatever the strides.
        let empty: [f64; 0] = [];
        assert!(Tensor::new(&empty, &[0, 3]).with_strides(&[100, 1]).checked("x").is_ok());
        // Overflowing shapes and strides are refused, not wrapped.
        assert!(Tensor::new(&v, &[usize::MAX, 2]).checked("x").is_err());
        let huge = [1usize << 62; 8];
        assert!(Tensor::new(&v, &huge).with_strides(&[isize::MAX; 8]).checked("x").is_err());
        assert!(Tensor::new(&v, &huge).with_strides(&[isize::MIN; 8]).checked("x").is_err());
    }

    #[test]
    fn csr_lengths_are_checked() {
        let (indptr, indices, values) = ([0i64, 1, 2], [0i64, 1], [1.0, 2.0]);
        assert!(Tensor::csr(2, 2, &indptr, &indices, &values).checked("C").is_ok());
        assert!(Tensor::csr(3, 2, &indptr, &indices, &values).checked("C").is_err());
        assert!(Tensor::csr(2, 2, &indptr, &indices[..1], &values).checked("C").is_err());
        assert!(Tensor::csr(2, 2, &indptr, &indices, &values).with_strides(&[2, 1]).checked("C").is_err());
    }

    #[test]
    fn error_codes_round_trip_and_have_c_names() {
        for raw in -10..=-1 {
            let c = ErrorCode::from_raw(raw);
            assert_eq!(c.raw(), raw);
            assert!(c.name().starts_with("GEOMRT_E"), "{}", c.name());
        }
        assert_eq!(ErrorCode::from_raw(-99), ErrorCode::Other(-99));
        assert_eq!(ErrorCode::Shape.to_string(), "GEOMRT_ESHAPE");
    }
}
