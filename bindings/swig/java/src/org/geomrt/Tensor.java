package org.geomrt;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.util.Arrays;

/**
 * A float64 input tensor with its shape: a {@code double[]} (copied once when the call is
 * made) or a direct {@link DoubleBuffer} (passed by address: no copy); or a sparse CSR
 * matrix ({@link #csr}, copied).
 *
 * <p>{@link Runtime#invoke} also accepts plain values: {@code double[]} (rank 1),
 * {@code double[][]} (rank 2, copied to row-major), a {@code DoubleBuffer} (rank 1) and a
 * {@code Number} (rank 0).
 *
 * <p>A direct buffer must be in native byte order ({@link #allocate} makes one) and must
 * not change until the call returns; its elements are read from its position. A heap or
 * non-native-order buffer is copied instead.
 */
public final class Tensor {
    final double[] array;      // copied at invoke, or
    final DoubleBuffer buffer; // borrowed
    final long[] shape;
    final long[] strides;      // in elements; null = row-major
    final boolean inplace;
    final long[] indptr, indices; // a CSR matrix: array holds its values

    private Tensor(double[] array, DoubleBuffer buffer, long[] shape, long[] strides, boolean inplace) {
        this(array, buffer, shape, strides, inplace, null, null);
    }

    private Tensor(double[] array, DoubleBuffer buffer, long[] shape, long[] strides, boolean inplace, long[] indptr,
                   long[] indices) {
        this.indptr = indptr;
        this.indices = indices;
        this.array = array;
        this.buffer = buffer;
        this.shape = shape.clone();
        this.strides = strides == null ? null : strides.clone();
        this.inplace = inplace;
        for (long d : shape) {
            if (d < 0) throw new IllegalArgumentException("geomrt: negative extent in shape " + Arrays.toString(shape));
        }
        if (strides != null && strides.length != shape.length) {
            throw new IllegalArgumentException("geomrt: " + strides.length + " strides for " + shape.length + " dimensions");
        }
        if (indptr != null) {
            if (indptr.length != shape[0] + 1 || indices.length != array.length) {
                throw new IllegalArgumentException("geomrt: CSR matrix needs rows+1 = " + (shape[0] + 1) + " row pointers and as many "
                                                   + "indices as values (got " + indptr.length + ", " + indices.length + ", "
                                                   + array.length + ")");
            }
        } else if (array != null && numel(shape) != array.length) {
            throw new IllegalArgumentException("geomrt: " + array.length + " values do not fill shape " + Arrays.toString(shape));
        }
    }

    /** Row-major data with this shape (rank 1 of data.length if no shape is given). Copied at invoke. */
    public static Tensor of(double[] data, long... shape) {
        return new Tensor(data, null, shape.length == 0 ? new long[] {data.length} : shape, null, false);
    }

    /** A matrix given by rows (all of one length), copied to row-major. */
    public static Tensor of(double[][] rows) {
        int n = rows.length, m = n == 0 ? 0 : rows[0].length;
        double[] flat = new double[Math.multiplyExact(n, m)];
        for (int i = 0; i < n; ++i) {
            if (rows[i].length != m) {
                throw new IllegalArgumentException("geomrt: ragged double[][]: row " + i + " has " + rows[i].length
                                                   + " values, row 0 has " + m);
            }
            System.arraycopy(rows[i], 0, flat, i * m, m);
        }
        return new Tensor(flat, null, new long[] {n, m}, null, false);
    }

    /** A rank-0 tensor (a scalar input). */
    public static Tensor scalar(double value) {
        return new Tensor(new double[] {value}, null, new long[0], null, false);
    }

    /**
     * Row-major view of a buffer from its position (rank 1 of buffer.remaining() if no shape
     * is given). A direct native-order buffer is passed without a copy.
     */
    public static Tensor of(DoubleBuffer buffer, long... shape) {
        return new Tensor(null, buffer.slice(), shape.length == 0 ? new long[] {buffer.remaining()} : shape, null, false);
    }

    /**
     * A strided view of a direct buffer: element (i, j, ...) is at position
     * i*strides[0] + j*strides[1] + ... (in elements). A column-major n x m matrix has
     * strides {1, n}.
     */
    public static Tensor strided(DoubleBuffer buffer, long[] shape, long[] strides) {
        return new Tensor(null, buffer.slice(), shape, strides, false);
    }

    /** A column-major (Fortran-order) n x m matrix in a buffer: strides {1, n}. */
    public static Tensor columnMajor(DoubleBuffer buffer, long rows, long cols) {
        return strided(buffer, new long[] {rows, cols}, new long[] {1, rows});
    }

    /**
     * Caller-owned state for an in-place input (GEOMRT_IO_INPLACE): a direct native-order
     * buffer the method updates when the call succeeds.
     */
    public static Tensor inplace(DoubleBuffer buffer, long... shape) {
        return new Tensor(null, buffer.slice(), shape.length == 0 ? new long[] {buffer.remaining()} : shape, null, true);
    }

    /**
     * A sparse matrix in CSR form (for sparse inputs): row i holds values[indptr[i] ..
     * indptr[i+1]-1] at columns indices[...]. Copied at invoke.
     */
    public static Tensor csr(long rows, long cols, long[] indptr, long[] indices, double[] values) {
        return new Tensor(values, null, new long[] {rows, cols}, null, false, indptr, indices);
    }

    /** A direct buffer of n doubles in native byte order: the zero-copy input type. */
    public static DoubleBuffer allocate(int n) {
        return ByteBuffer.allocateDirect(Math.multiplyExact(n, Double.BYTES)).order(ByteOrder.nativeOrder()).asDoubleBuffer();
    }

    /** The shape (a copy). */
    public long[] shape() {
        return shape.clone();
    }

    /** Whether the runtime reads this tensor's memory directly (no copy). */
    public boolean isZeroCopy() {
        return buffer != null && buffer.isDirect() && buffer.order() == ByteOrder.nativeOrder();
    }

    static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) n = Math.multiplyExact(n, d);
        return n;
    }

    /** Hand this tensor to the native argument set; returns what must stay reachable. */
    Object setInto(ArgsHandle args, String name) {
        if (indptr != null) {
            args.setSparseCopy(name, shape[0], shape[1], indptr, indices, array);
            return null;
        }
        if (isZeroCopy()) {
            args.setBuffer(name, buffer, shape, strides, inplace);
            return buffer;
        }
        if (inplace) {
            throw new IllegalArgumentException("geomrt: in-place input '" + name
                                               + "' needs a direct buffer in native byte order");
        }
        if (array != null) {
            args.setTensorCopy(name, array, shape);
            return null;
        }
        // A heap or non-native-order buffer: gather its elements (row-major) into one copy.
        double[] copy = new double[Math.toIntExact(numel(shape))];
        long[] st = strides != null ? strides : rowMajorStrides(shape);
        long[] idx = new long[shape.length];
        for (int k = 0; k < copy.length; ++k) {
            long off = 0;
            for (int d = 0; d < shape.length; ++d) off += idx[d] * st[d];
            copy[k] = buffer.get(Math.toIntExact(off));
            for (int d = shape.length - 1; d >= 0; --d) {
                if (++idx[d] < shape[d]) break;
                idx[d] = 0;
            }
        }
        args.setTensorCopy(name, copy, shape);
        return null;
    }

    private static long[] rowMajorStrides(long[] shape) {
        long[] st = new long[shape.length];
        long s = 1;
        for (int d = shape.length - 1; d >= 0; --d) {
            st[d] = s;
            s *= shape[d];
        }
        return st;
    }
}
