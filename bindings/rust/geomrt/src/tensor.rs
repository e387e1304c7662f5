//! Borrowed input tensors: slices of the caller's memory plus a shape (and optional
//! strides). Nothing is copied: geomrt reads the slice during the call and never keeps it.
use std::ffi::c_void;

use geomrt_sys as sys;

use crate::error::{Error, ErrorCode, Result};

/// Element types of tensors (`geomrt_dtype`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DType {
    /// `f64` (`GEOMRT_DTYPE_F64`)
    F64,
    /// `f32` (`GEOMRT_DTYPE_F32`)
    F32,
    /// `i64` (`GEOMRT_DTYPE_I64`)
    I64,
}

impl DType {
    /// The raw `geomrt_dtype` value.
    pub fn raw(self) -> i32 {
        match self {
            DType::F64 => sys::GEOMRT_DTYPE_F64,
            DType::F32 => sys::GEOMRT_DTYPE_F32,
            DType::I64 => sys::GEOMRT_DTYPE_I64,
        }
    }

    /// The variant of a raw value; `None` for a value this crate does not know.
    pub fn from_raw(raw: i32) -> Option<Self> {
        match raw {
            sys::GEOMRT_DTYPE_F64 => Some(DType::F64),
            sys::GEOMRT_DTYPE_F32 => Some(DType::F32),
            sys::GEOMRT_DTYPE_I64 => Some(DType::I64),
            _ => None,
        }
    }

    /// Size of one element in bytes.
    pub fn size(self) -> usize {
        match self {
            DType::F64 | DType::I64 => 8,
            DType::F32 => 4,
        }
    }
}

mod private {
    pub trait Sealed {}
    impl Sealed for f64 {}
    impl Sealed for f32 {}
    impl Sealed for i64 {}
}

/// Element types geomrt tensors can hold: `f64`, `f32`, `i64`.
pub trait Element: Copy + Send + Sync + 'static + private::Sealed {
    /// The matching geomrt dtype.
    const DTYPE: DType;
}
impl Element for f64 {
    const DTYPE: DType = DType::F64;
}
impl Element for f32 {
    const DTYPE: DType = DType::F32;
}
impl Element for i64 {
    const DTYPE: DType = DType::I64;
}

#[derive(Debug, Clone, Copy)]
enum Data<'a> {
    F64(&'a [f64]),
    F32(&'a [f32]),
    I64(&'a [i64]),
    Sparse { rows: usize, cols: usize, indptr: &'a [i64], indices: &'a [i64], values: &'a [f64] },
}

/// An input tensor that borrows the caller's memory without copying it.
///
/// Dense tensors are a slice of `f64`, `f32` or `i64` with a shape (row-major unless
/// strides are given, in elements); sparse matrices are CSR triplets of slices. The
/// shape is checked against the slice when the tensor is added to [`Args`](crate::Args)
/// (or passed to [`Runtime::invoke`](crate::Runtime::invoke)): a mismatch is an
/// [`ErrorCode::Shape`] error, never an out-of-bounds read.
///
/// ```no_run
/// # use geomrt::Tensor;
/// let xs = vec![0.0, 0.0, 1.0, 0.0, 0.0, 1.0]; // 3 points in 2-D, row-major
/// let t = Tensor::new(&xs, &[3, 2]);
/// assert_eq!(t.as_ptr(), xs.as_ptr().cast()); // the very same memory
/// let col_major = Tensor::new(&xs, &[2, 3]).with_strides(&[1, 2]); // a Fortran-order 2 x 3 matrix
/// ```
#[derive(Debug, Clone)]
pub struct Tensor<'a> {
    data: Data<'a>,
    shape: Vec<usize>,
    strides: Option<Vec<isize>>,
}

impl<'a> Tensor<'a> {
    /// A C-contiguous (row-major) tensor of the given shape over `data`
    /// (`data.len()` must equal the product of `shape`).
    pub fn new<T: Element>(data: &'a [T], shape: &[usize]) -> Self {
        Tensor { data: wrap(data), shape: shape.to_vec(), strides: None }
    }

    /// A vector (rank 1) of `data.len()` elements.
    pub fn vector<T: Element>(data: &'a [T]) -> Self {
        Self::new(data, &[data.len()])
    }

    /// A row-major `rows x cols` matrix.
    pub fn matrix<T: Element>(data: &'a [T], rows: usize, cols: usize) -> Self {
        Self::new(data, &[rows, cols])
    }

    /// A column-major (Fortran order) `rows x cols` matrix: strides `(1, rows)`.
    pub fn matrix_col_major<T: Element>(data: &'a [T], rows: usize, cols: usize) -> Self {
        Self::new(data, &[rows, cols]).with_strides(&[1, rows as isize])
    }

    /// A rank-0 tensor holding one value.
    pub fn scalar<T: Element>(value: &'a T) -> Self {
        Self::new(std::slice::from_ref(value), &[])
    }

    /// A sparse `rows x cols` matrix in CSR form: `rows + 1` row pointers, and equally
    /// many column indices and values.
    pub fn csr(rows: usize, cols: usize, indptr: &'a [i64], indices: &'a [i64], values: &'a [f64]) -> Self {
        Tensor { data: Data::Sparse { rows, cols, indptr, indices, values }, shape: vec![rows, cols], strides: None }
    }

    /// The same tensor read through strides (in elements, one per dimension; may be zero
    /// or negative). Every element the strides reach must lie inside the slice; for
    /// negative strides the first element of the slice is the lowest address reached.
    pub fn with_strides(mut self, strides: &[isize]) -> Self {
        self.strides = Some(strides.to_vec());
        self
    }

    /// The shape.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// The strides, if any were given.
    pub fn strides(&self) -> Option<&[isize]> {
        self.strides.as_deref()
    }

    /// The element type (`F64` for sparse matrices: the type of their values).
    pub fn dtype(&self) -> DType {
        match self.data {
            Data::F64(_) | Data::Sparse { .. } => DType::F64,
            Data::F32(_) => DType::F32,
            Data::I64(_) => DType::I64,
        }
    }

    /// Whether this is a sparse CSR matrix.
    pub fn is_sparse(&self) -> bool {
        matches!(self.data, Data::Sparse { .. })
    }

    /// Start of the borrowed slice (of the values, for a sparse matrix): geomrt reads the
    /// caller's memory at this address (adjusted by negative strides, if any).
    pub fn as_ptr(&self) -> *const c_void {
        match self.data {
            Data::F64(s) => s.as_ptr().cast(),
            Data::F32(s) => s.as_ptr().cast(),
            Data::I64(s) => s.as_ptr().cast(),
            Data::Sparse { values, .. } => values.as_ptr().cast(),
        }
    }

    fn len(&self) -> usize {
        match self.data {
            Data::F64(s) => s.len(),
            Data::F32(s) => s.len(),
            Data::I64(s) => s.len(),
            Data::Sparse { values, .. } => values.len(),
        }
    }

    /// Check the shape and strides against the slice and produce what the C call needs.
    pub(crate) fn checked(&self, name: &str) -> Result<Checked<'a>> {
        if let Data::Sparse { rows, cols, indptr, indices, values } = self.data {
            if self.strides.is_some() {
                return Err(Error::new(
                    ErrorCode::InvalidArgument,
                    format!("input '{name}': a CSR matrix takes no strides"),
                ));
            }
            if Some(indptr.len()) != rows.checked_add(1) {
                return Err(shape_err(format!(
                    "input '{name}': indptr has {} entries but a CSR matrix of {rows} rows needs {}",
                    indptr.len(),
                    rows as u128 + 1
                )));
            }
            if indices.len() != values.len() {
                return Err(shape_err(format!(
                    "input '{name}': {} column indices but {} values",
                    indices.len(),
                    values.len()
                )));
            }
            return Ok(Checked::Sparse {
                rows: to_i64(rows, name)?,
                cols: to_i64(cols, name)?,
                nnz: to_i64(values.len(), name)?,
                indptr: indptr.as_ptr(),
                indices: indices.as_ptr(),
                values: values.as_ptr(),
                _p: std::marker::PhantomData,
            });
        }
        let shape = self.shape.iter().map(|&e| to_i64(e, name)).collect::<Result<Vec<i64>>>()?;
        let len = self.len();
        let numel = self.shape.iter().try_fold(1u128, |acc, &e| acc.checked_mul(e as u128));
        let mut ptr = self.as_ptr();
        let strides = match &self.strides {
            None => {
                if numel != Some(len as u128) {
                    return Err(shape_err(format!(
                        "input '{name}': shape {:?} has {} elements but the slice has {len}",
                        self.shape,
                        numel.map_or("too many".to_string(), |n| n.to_string())
                    )));
                }
                None
            }
            Some(strides) => {
                if strides.len() != self.shape.len() {
                    return Err(shape_err(format!(
                        "input '{name}': {} strides for a shape of rank {}",
                        strides.len(),
                        self.shape.len()
                    )));
                }
                if numel != Some(0) {
                    // Lowest and highest element offsets the strides reach, relative to the
                    // first element (extents are < 2^63 here, so each product fits in i128;
                    // the sums are checked).
                    let (mut lo, mut hi) = (0i128, 0i128);
                    for (&e, &s) in self.shape.iter().zip(strides) {
                        let span = (e as i128 - 1) * s as i128;
                        let sum = if span < 0 { lo.checked_add(span) } else { hi.checked_add(span) };
                        let Some(sum) = sum else {
                            return Err(shape_err(format!("input '{name}': strides {strides:?} overflow")));
                        };
                        if span < 0 { lo = sum } else { hi = sum }
                    }
                    let reach = hi.checked_sub(lo).unwrap_or(i128::MAX);
                    if reach >= len as i128 {
                        return Err(shape_err(format!(
                            "input '{name}': shape {:?} with strides {strides:?} reaches {} elements but the slice has {len}",
                            self.shape,
                            reach.saturating_add(1)
                        )));
                    }
                    // SAFETY: -lo < len, so the pointer stays inside the slice.
                    ptr = unsafe { ptr.cast::<u8>().add((-lo) as usize * self.dtype().size()) }.cast();
                }
                Some(strides.iter().map(|&s| s as i64).collect())
            }
        };
        Ok(Checked::Dense { dtype: self.dtype(), ptr, shape, strides, _p: std::marker::PhantomData })
    }
}

fn wrap<T: Element>(data: &[T]) -> Data<'_> {
    let (ptr, len) = (data.as_ptr(), data.len());
    // SAFETY: T::DTYPE names T itself (Element is sealed to these three types), so each cast
    // is to the slice's own type.
    unsafe {
        match T::DTYPE {
            DType::F64 => Data::F64(std::slice::from_raw_parts(ptr.cast(), len)),
            DType::F32 => Data::F32(std::slice::from_raw_parts(ptr.cast(), len)),
            DType::I64 => Data::I64(std::slice::from_raw_parts(ptr.cast(), len)),
        }
    }
}

fn to_i64(v: usize, name: &str) -> Result<i64> {
    i64::try_from(v).map_err(|_| shape_err(format!("input '{name}': extent {v} does not fit in an int64")))
}

fn shape_err(message: String) -> Error {
    Error::new(ErrorCode::Shape, message)
}

/// A tensor whose shape and strides were checked against its slice.
pub(crate) enum Checked<'a> {
    Dense {
        dtype: DType,
        ptr: *const c_void,
        shape: Vec<i64>,
        strides: Option<Vec<i64>>,
        _p: std::marker::PhantomData<&'a [u8]>,
    },
    Sparse {
        rows: i64,
        cols: i64,
        nnz: i64,
        indptr: *const i64,
        indices: *const i64,
        values: *const f64,
        _p: std::marker::PhantomData<&'a [u8]>,
    },
}

impl<'a, T: Element> From<&'a [T]> for Tensor<'a> {
    /// A vector.
    fn from(data: &'a [T]) -> Self {
        Tensor::vector(data)
    }
}

impl<'a, T: Element> From<&'a Vec<T>> for Tensor<'a> {
    /// A vector.
    fn from(data: &'a Vec<T>) -> Self {
        Tensor::vector(data)
    }
}

impl<'a, T: Element, const N: usize> From<&'a [T; N]> for Tensor<'a> {
    /// A vector.
    fn from(data: &'a [T; N]) -> Self {
        Tensor::vector(data)
    }
}
