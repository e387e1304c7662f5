//! Results of a call (`geomrt_result`): named dense and sparse outputs, borrowed as slices.
use std::cell::Cell;
use std::ffi::CStr;
use std::marker::PhantomData;
use std::mem::MaybeUninit;
use std::ptr::NonNull;

use geomrt_sys as sys;

use crate::args::c_name;
use crate::error::{Error, ErrorCode, Result, check};
use crate::tensor::DType;

/// Kinds of values an input or output slot carries (`geomrt_kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Kind {
    /// Dense tensor of any rank (rank 0 = scalar).
    Dense,
    /// Sparse CSR matrix (f64 values, i64 indices).
    Sparse,
}

impl Kind {
    /// The variant of a raw `geomrt_kind`; `None` for a value this crate does not know.
    pub fn from_raw(raw: i32) -> Option<Self> {
        match raw {
            sys::GEOMRT_KIND_DENSE => Some(Kind::Dense),
            sys::GEOMRT_KIND_SPARSE => Some(Kind::Sparse),
            _ => None,
        }
    }
}

/// The outputs of one successful call. Owns the `geomrt_result` handle and frees it on drop;
/// views borrow from it, so they cannot outlive it.
///
/// Outputs do not borrow the [`Runtime`](crate::Runtime): the result owns its memory and
/// stays valid after the runtime is dropped. `Send` (move it to another thread), not
/// `Sync` (geomrt allows one thread per result handle at a time); the slices it lends out
/// are plain memory and may be shared freely.
pub struct Outputs {
    raw: NonNull<sys::geomrt_result>,
    _not_sync: PhantomData<Cell<()>>,
}

// SAFETY: the handle is owned; every access goes through &self of a !Sync value.
unsafe impl Send for Outputs {}

/// Element data of a dense output, borrowed from [`Outputs`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TensorData<'a> {
    /// f64 elements
    F64(&'a [f64]),
    /// f32 elements
    F32(&'a [f32]),
    /// i64 elements
    I64(&'a [i64]),
}

/// A dense output: shape and row-major data, borrowed from [`Outputs`] (no copy).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TensorView<'a> {
    shape: &'a [i64],
    data: TensorData<'a>,
}

impl<'a> TensorView<'a> {
    /// Extents (empty for a scalar).
    pub fn shape(&self) -> &'a [i64] {
        self.shape
    }
    /// Extents as `usize`.
    pub fn dims(&self) -> Vec<usize> {
        self.shape.iter().map(|&e| e as usize).collect()
    }
    /// Rank (0 for a scalar).
    pub fn ndim(&self) -> usize {
        self.shape.len()
    }
    /// Number of elements.
    pub fn len(&self) -> usize {
        match self.data {
            TensorData::F64(s) => s.len(),
            TensorData::F32(s) => s.len(),
            TensorData::I64(s) => s.len(),
        }
    }
    /// Whether there are no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Element type.
    pub fn dtype(&self) -> DType {
        match self.data {
            TensorData::F64(_) => DType::F64,
            TensorData::F32(_) => DType::F32,
            TensorData::I64(_) => DType::I64,
        }
    }
    /// The data, whatever its type.
    pub fn data(&self) -> TensorData<'a> {
        self.data
    }
    /// The data if it is f64.
    pub fn as_f64(&self) -> Option<&'a [f64]> {
        if let TensorData::F64(s) = self.data { Some(s) } else { None }
    }
    /// The data if it is f32.
    pub fn as_f32(&self) -> Option<&'a [f32]> {
        if let TensorData::F32(s) = self.data { Some(s) } else { None }
    }
    /// The data if it is i64.
    pub fn as_i64(&self) -> Option<&'a [i64]> {
        if let TensorData::I64(s) = self.data { Some(s) } else { None }
    }
    /// A copy as f64 (converting f32 and i64).
    pub fn to_f64_vec(&self) -> Vec<f64> {
        match self.data {
            TensorData::F64(s) => s.to_vec(),
            TensorData::F32(s) => s.iter().map(|&v| v as f64).collect(),
            TensorData::I64(s) => s.iter().map(|&v| v as f64).collect(),
        }
    }
}

/// A sparse CSR output, borrowed from [`Outputs`] (no copy).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SparseView<'a> {
    /// Number of rows.
    pub rows: usize,
    /// Number of columns.
    pub cols: usize,
    /// `rows + 1` row pointers.
    pub indptr: &'a [i64],
    /// `nnz` column indices, sorted within each row.
    pub indices: &'a [i64],
    /// `nnz` values.
    pub values: &'a [f64],
}

impl<'a> SparseView<'a> {
    /// Number of stored entries.
    pub fn nnz(&self) -> usize {
        self.values.len()
    }
    /// Stored entries as `(row, col, value)`, row by row.
    pub fn iter(&self) -> impl Iterator<Item = (usize, usize, f64)> + 'a {
        let (indptr, indices, values) = (self.indptr, self.indices, self.values);
        (0..self.rows).flat_map(move |r| {
            (indptr[r] as usize..indptr[r + 1] as usize).map(move |k| (r, indices[k] as usize, values[k]))
        })
    }
    /// The dense `rows x cols` matrix, row-major (duplicates are summed).
    pub fn to_dense(&self) -> Vec<f64> {
        let mut out = vec![0.0; self.rows * self.cols];
        for (r, c, v) in self.iter() {
            out[r * self.cols + c] += v;
        }
        out
    }
}

impl Outputs {
    /// Take ownership of a result handle from `geomrt_invoke`.
    ///
    /// # Safety
    /// `raw` must be a live result handle that nothing else frees.
    pub unsafe fn from_raw(raw: NonNull<sys::geomrt_result>) -> Self {
        Outputs { raw, _not_sync: PhantomData }
    }

    /// The raw handle, still owned by `self`.
    pub fn as_raw(&self) -> *const sys::geomrt_result {
        self.raw.as_ptr()
    }

    fn ptr(&self) -> *const sys::geomrt_result {
        self.raw.as_ptr()
    }

    /// Number of outputs.
    pub fn len(&self) -> usize {
        unsafe { sys::geomrt_result_count(self.ptr()) }
    }

    /// Whether the method produced no outputs.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Output names, in the order of the method's descriptor.
    pub fn names(&self) -> Vec<&str> {
        (0..self.len())
            .filter_map(|i| {
                let p = unsafe { sys::geomrt_result_name(self.ptr(), i) };
                // SAFETY: owned by the result, which `self` keeps alive for the borrow.
                (!p.is_null()).then(|| unsafe { CStr::from_ptr(p) }.to_str().ok()).flatten()
            })
            .collect()
    }

    /// Whether there is an output of this name.
    pub fn contains(&self, name: &str) -> bool {
        match c_name(name) {
            Ok(c) => unsafe { sys::geomrt_result_has(self.ptr(), c.as_ptr()) == 1 },
            Err(_) => false,
        }
    }

    /// Dense or sparse.
    pub fn kind(&self, name: &str) -> Result<Kind> {
        let c = c_name(name)?;
        let k = unsafe { sys::geomrt_result_kind(self.ptr(), c.as_ptr()) };
        if k < 0 {
            return Err(Error::from_last(k));
        }
        Kind::from_raw(k).ok_or_else(|| Error::new(ErrorCode::DType, format!("output '{name}' has unknown kind {k}")))
    }

    /// A one-element output (f64, f32 or i64) as f64 (`geomrt_result_scalar`).
    pub fn scalar(&self, name: &str) -> Result<f64> {
        let c = c_name(name)?;
        let mut v = 0.0;
        check(unsafe { sys::geomrt_result_scalar(self.ptr(), c.as_ptr(), &mut v) })?;
        Ok(v)
    }

    /// A dense output, borrowed (`geomrt_result_tensor`).
    pub fn tensor(&self, name: &str) -> Result<TensorView<'_>> {
        let c = c_name(name)?;
        let mut v = MaybeUninit::<sys::geomrt_tensor_view>::zeroed();
        check(unsafe { sys::geomrt_result_tensor(self.ptr(), c.as_ptr(), v.as_mut_ptr()) })?;
        // SAFETY: filled by the successful call (and zeroed before it).
        let v = unsafe { v.assume_init() };
        let ndim = usize::try_from(v.ndim).map_err(|_| internal(name, "negative rank"))?;
        let numel = usize::try_from(v.numel).map_err(|_| internal(name, "negative element count"))?;
        // SAFETY: shape and data are owned by the result and live as long as &self.
        let shape: &[i64] =
            unsafe { slice_or_empty(v.shape, ndim) }.ok_or_else(|| internal(name, "bad shape pointer"))?;
        let data = match DType::from_raw(v.dtype) {
            Some(DType::F64) => TensorData::F64(
                unsafe { slice_or_empty(v.data.cast(), numel) }.ok_or_else(|| internal(name, "bad data pointer"))?,
            ),
            Some(DType::F32) => TensorData::F32(
                unsafe { slice_or_empty(v.data.cast(), numel) }.ok_or_else(|| internal(name, "bad data pointer"))?,
            ),
            Some(DType::I64) => TensorData::I64(
                unsafe { slice_or_empty(v.data.cast(), numel) }.ok_or_else(|| internal(name, "bad data pointer"))?,
            ),
            None => {
                return Err(Error::new(
                    ErrorCode::DType,
                    format!("output '{name}' has dtype {} unknown to this crate", v.dtype),
                ));
            }
        };
        Ok(TensorView { shape, data })
    }

    /// A dense f64 output's data, borrowed; an [`ErrorCode::DType`] error for other types.
    pub fn tensor_f64(&self, name: &str) -> Result<&[f64]> {
        let t = self.tensor(name)?;
        t.as_f64().ok_or_else(|| {
            Error::new(
                ErrorCode::DType,
                format!("output '{name}' is {:?}, not F64: use tensor() or to_dense_f64()", t.dtype()),
            )
        })
    }

    /// A sparse output, borrowed (`geomrt_result_sparse`).
    pub fn sparse(&self, name: &str) -> Result<SparseView<'_>> {
        let c = c_name(name)?;
        let mut v = MaybeUninit::<sys::geomrt_sparse_view>::zeroed();
        check(unsafe { sys::geomrt_result_sparse(self.ptr(), c.as_ptr(), v.as_mut_ptr()) })?;
        let v = unsafe { v.assume_init() };
        let rows = usize::try_from(v.rows).map_err(|_| internal(name, "negative rows"))?;
        let cols = usize::try_from(v.cols).map_err(|_| internal(name, "negative cols"))?;
        let nnz = usize::try_from(v.nnz).map_err(|_| internal(name, "negative nnz"))?;
        let bad = || internal(name, "bad CSR pointer");
        // SAFETY: owned by the result, alive as long as &self.
        let indptr: &[i64] = unsafe { slice_or_empty(v.indptr, rows + 1) }.ok_or_else(bad)?;
        let indices: &[i64] = unsafe { slice_or_empty(v.indices, nnz) }.ok_or_else(bad)?;
        let values: &[f64] = unsafe { slice_or_empty(v.values, nnz) }.ok_or_else(bad)?;
        // The iterator and to_dense index with these, so they must be in range.
        let ok_ptr = indptr.first() == Some(&0)
            && indptr.last() == Some(&(nnz as i64))
            && indptr.windows(2).all(|w| w[0] <= w[1]);
        if !ok_ptr || indices.iter().any(|&c| c < 0 || c as usize >= cols) {
            return Err(internal(name, "malformed CSR arrays"));
        }
        Ok(SparseView { rows, cols, indptr, indices, values })
    }

    /// Shape of an output (dense or sparse).
    pub fn shape(&self, name: &str) -> Result<Vec<i64>> {
        match self.kind(name)? {
            Kind::Sparse => {
                let s = self.sparse(name)?;
                Ok(vec![s.rows as i64, s.cols as i64])
            }
            _ => Ok(self.tensor(name)?.shape().to_vec()),
        }
    }

    /// A copy of an output as dense row-major f64 (`geomrt_result_copy_f64`): f32 and i64
    /// are converted, a sparse matrix becomes its dense `rows x cols` matrix.
    pub fn to_dense_f64(&self, name: &str) -> Result<Vec<f64>> {
        let n = match self.kind(name)? {
            Kind::Sparse => {
                let s = self.sparse(name)?;
                s.rows.checked_mul(s.cols).ok_or_else(|| {
                    Error::new(
                        ErrorCode::NoMemory,
                        format!("output '{name}': {} x {} does not fit in memory", s.rows, s.cols),
                    )
                })?
            }
            _ => self.tensor(name)?.len(),
        };
        let c = c_name(name)?;
        let mut buf = vec![0.0f64; n];
        check(unsafe { sys::geomrt_result_copy_f64(self.ptr(), c.as_ptr(), buf.as_mut_ptr(), n as i64) })?;
        Ok(buf)
    }
}

impl Drop for Outputs {
    fn drop(&mut self) {
        unsafe { sys::geomrt_result_free(self.raw.as_ptr()) }
    }
}

impl std::fmt::Debug for Outputs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outputs").field("names", &self.names()).finish()
    }
}

fn internal(name: &str, what: &str) -> Error {
    Error::new(ErrorCode::Internal, format!("output '{name}': {what} from the C API"))
}

/// A slice from a C pointer and a length: `Some(&[])` for length 0 (whatever the pointer),
/// `None` for a NULL or misaligned pointer with a nonzero length.
///
/// # Safety
/// A non-NULL `p` must point at `len` initialized elements valid for `'a`.
unsafe fn slice_or_empty<'a, T>(p: *const T, len: usize) -> Option<&'a [T]> {
    if len == 0 {
        return Some(&[]);
    }
    if p.is_null() || !p.is_aligned() {
        return None;
    }
    Some(unsafe { std::slice::from_raw_parts(p, len) })
}
