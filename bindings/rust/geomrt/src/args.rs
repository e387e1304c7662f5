//! Arguments of one call: named borrowed tensors and typed parameters (`geomrt_args`).
use std::cell::Cell;
use std::ffi::{CString, c_int};
use std::marker::PhantomData;
use std::ptr::NonNull;

use geomrt_sys as sys;

use crate::error::{Error, ErrorCode, Result, check};
use crate::tensor::{Checked, Element, Tensor};

/// A parameter value. Numbers convert between `F64` and `I64` when exact; `Str` is parsed
/// by numeric and boolean parameters (`"0.1"`, `"true"`) and is the way to set enums.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Param<'a> {
    /// `geomrt_args_set_param_f64`
    F64(f64),
    /// `geomrt_args_set_param_i64`
    I64(i64),
    /// `geomrt_args_set_param_bool`
    Bool(bool),
    /// `geomrt_args_set_param_string` (copied by geomrt)
    Str(&'a str),
}

impl From<f64> for Param<'_> {
    fn from(v: f64) -> Self {
        Param::F64(v)
    }
}
impl From<f32> for Param<'_> {
    fn from(v: f32) -> Self {
        Param::F64(v as f64)
    }
}
impl From<i64> for Param<'_> {
    fn from(v: i64) -> Self {
        Param::I64(v)
    }
}
impl From<i32> for Param<'_> {
    fn from(v: i32) -> Self {
        Param::I64(v as i64)
    }
}
impl From<u32> for Param<'_> {
    fn from(v: u32) -> Self {
        Param::I64(v as i64)
    }
}
impl From<bool> for Param<'_> {
    fn from(v: bool) -> Self {
        Param::Bool(v)
    }
}
impl<'a> From<&'a str> for Param<'a> {
    fn from(v: &'a str) -> Self {
        Param::Str(v)
    }
}
impl<'a> From<&'a String> for Param<'a> {
    fn from(v: &'a String) -> Self {
        Param::Str(v)
    }
}

/// Named inputs and parameters for [`Runtime::invoke_with`](crate::Runtime::invoke_with),
/// reusable across calls (`geomrt_args`).
///
/// `'a` is the lifetime of the borrowed tensors: they are not copied, so they must
/// outlive the `Args`. In-place tensors (state a method updates, inputs flagged
/// `GEOMRT_IO_INPLACE`) are borrowed mutably and written only when a call succeeds.
///
/// An `Args` may move to another thread (`Send`) but not be shared between threads
/// (`!Sync`): geomrt allows one thread per args handle at a time.
pub struct Args<'a> {
    raw: NonNull<sys::geomrt_args>,
    _borrows: PhantomData<&'a mut [u8]>,
    _not_sync: PhantomData<Cell<()>>,
}

// SAFETY: the handle is owned and only touched through &mut self or one invoke at a time
// (Args is !Sync); the borrowed data are plain numbers (Send + Sync).
unsafe impl Send for Args<'_> {}

impl<'a> Args<'a> {
    /// An empty argument set (`geomrt_args_new`).
    pub fn new() -> Result<Self> {
        let mut raw = std::ptr::null_mut();
        check(unsafe { sys::geomrt_args_new(&mut raw) })?;
        let raw = NonNull::new(raw).ok_or_else(|| Error::new(ErrorCode::Internal, "geomrt_args_new returned NULL"))?;
        Ok(Args { raw, _borrows: PhantomData, _not_sync: PhantomData })
    }

    /// Set an input tensor (`geomrt_args_set_tensor` / `geomrt_args_set_sparse`); setting a
    /// name twice replaces the earlier value. The data are borrowed, not copied.
    pub fn input(&mut self, name: &str, tensor: &Tensor<'a>) -> Result<&mut Self> {
        let cname = c_name(name)?;
        let rc = match tensor.checked(name)? {
            Checked::Dense { dtype, ptr, shape, strides, .. } => unsafe {
                sys::geomrt_args_set_tensor(
                    self.raw.as_ptr(),
                    cname.as_ptr(),
                    dtype.raw(),
                    ptr,
                    rank(&shape, name)?,
                    shape.as_ptr(),
                    strides.as_ref().map_or(std::ptr::null(), |s| s.as_ptr()),
                )
            },
            Checked::Sparse { rows, cols, nnz, indptr, indices, values, .. } => unsafe {
                sys::geomrt_args_set_sparse(self.raw.as_ptr(), cname.as_ptr(), rows, cols, nnz, indptr, indices, values)
            },
        };
        check(rc)?;
        Ok(self)
    }

    /// Set a caller-owned in-place tensor (`geomrt_args_set_inplace`), C-contiguous with the
    /// given shape. The method reads it and, only if the call succeeds, writes it.
    pub fn inplace<T: Element>(&mut self, name: &str, data: &'a mut [T], shape: &[usize]) -> Result<&mut Self> {
        self.inplace_impl(name, data, shape, None)
    }

    /// Like [`inplace`](Self::inplace), read and written through strides (in elements).
    pub fn inplace_strided<T: Element>(
        &mut self,
        name: &str,
        data: &'a mut [T],
        shape: &[usize],
        strides: &[isize],
    ) -> Result<&mut Self> {
        self.inplace_impl(name, data, shape, Some(strides))
    }

    fn inplace_impl<T: Element>(
        &mut self,
        name: &str,
        data: &'a mut [T],
        shape: &[usize],
        strides: Option<&[isize]>,
    ) -> Result<&mut Self> {
        let cname = c_name(name)?;
        let view = Tensor::new(&*data, shape);
        let view = match strides {
            Some(s) => view.with_strides(s),
            None => view,
        };
        let Checked::Dense { dtype, ptr, shape, strides, .. } = view.checked(name)? else {
            unreachable!("dense by construction")
        };
        // Only the address of the checked view is kept: the pointer handed to C derives from
        // the unique borrow, which the Args holds for 'a.
        let offset = (ptr as usize - data.as_ptr() as usize) / std::mem::size_of::<T>();
        // SAFETY: checked() kept ptr inside the slice; offset is in elements.
        let ptr = unsafe { data.as_mut_ptr().add(offset) };
        let rc = unsafe {
            sys::geomrt_args_set_inplace(
                self.raw.as_ptr(),
                cname.as_ptr(),
                dtype.raw(),
                ptr.cast(),
                rank(&shape, name)?,
                shape.as_ptr(),
                strides.as_ref().map_or(std::ptr::null(), |s| s.as_ptr()),
            )
        };
        check(rc)?;
        Ok(self)
    }

    /// Set a parameter (`geomrt_args_set_param_*`); the value is copied.
    pub fn param<'p>(&mut self, name: &str, value: impl Into<Param<'p>>) -> Result<&mut Self> {
        let cname = c_name(name)?;
        let args = self.raw.as_ptr();
        let rc = match value.into() {
            Param::F64(v) => unsafe { sys::geomrt_args_set_param_f64(args, cname.as_ptr(), v) },
            Param::I64(v) => unsafe { sys::geomrt_args_set_param_i64(args, cname.as_ptr(), v) },
            Param::Bool(v) => unsafe { sys::geomrt_args_set_param_bool(args, cname.as_ptr(), v as c_int) },
            Param::Str(v) => {
                let cv = CString::new(v).map_err(|_| {
                    Error::new(ErrorCode::InvalidArgument, format!("parameter '{name}': the value contains a NUL byte"))
                })?;
                unsafe { sys::geomrt_args_set_param_string(args, cname.as_ptr(), cv.as_ptr()) }
            }
        };
        check(rc)?;
        Ok(self)
    }

    /// Remove every input and parameter (`geomrt_args_clear`).
    pub fn clear(&mut self) {
        unsafe { sys::geomrt_args_clear(self.raw.as_ptr()) }
    }

    /// The raw handle, for calls this crate does not wrap. Still owned by `self`.
    pub fn as_raw(&self) -> *const sys::geomrt_args {
        self.raw.as_ptr()
    }
}

impl Drop for Args<'_> {
    fn drop(&mut self) {
        unsafe { sys::geomrt_args_free(self.raw.as_ptr()) }
    }
}

impl std::fmt::Debug for Args<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Args").field("raw", &self.raw).finish()
    }
}

pub(crate) fn c_name(name: &str) -> Result<CString> {
    CString::new(name).map_err(|_| Error::new(ErrorCode::InvalidArgument, format!("name {name:?} contains a NUL byte")))
}

fn rank(shape: &[i64], name: &str) -> Result<c_int> {
    c_int::try_from(shape.len())
        .map_err(|_| Error::new(ErrorCode::Shape, format!("input '{name}': rank {} is too large", shape.len())))
}
