package org.geomrt;

import java.util.Arrays;

/**
 * One named output of a call: a dense tensor (rank 0 = scalar) or a sparse CSR matrix.
 * Its values were copied from the runtime's result, which is already freed.
 *
 * <p>The arrays returned by {@link #data()}, {@link #longData()}, {@link #indptr()},
 * {@link #indices()} and {@link #values()} belong to this object and are not copied
 * again: do not modify them.
 */
public final class Output {
    /** Dense tensor or sparse CSR matrix. */
    public enum Kind { DENSE, SPARSE }

    private final String name;
    private final Kind kind;
    private final String dtype;
    private final long[] shape;
    private final double[] doubles; // dense f64/f32 values (row-major), or null
    private final long[] longs;     // dense i64 values, or null
    private final long[] indptr, indices;
    private final double[] values;

    private Output(String name, Kind kind, String dtype, long[] shape, double[] doubles, long[] longs,
                   long[] indptr, long[] indices, double[] values) {
        this.name = name;
        this.kind = kind;
        this.dtype = dtype;
        this.shape = shape;
        this.doubles = doubles;
        this.longs = longs;
        this.indptr = indptr;
        this.indices = indices;
        this.values = values;
    }

    static Output dense(String name, String dtype, long[] shape, double[] doubles, long[] longs) {
        return new Output(name, Kind.DENSE, dtype, shape, doubles, longs, null, null, null);
    }

    static Output sparse(String name, long rows, long cols, long[] indptr, long[] indices, double[] values) {
        return new Output(name, Kind.SPARSE, "float64", new long[] {rows, cols}, null, null, indptr, indices, values);
    }

    public String name() {
        return name;
    }

    public Kind kind() {
        return kind;
    }

    public boolean isSparse() {
        return kind == Kind.SPARSE;
    }

    /** "float64", "float32" or "int64" (float32 values are held as exact doubles). */
    public String dtype() {
        return dtype;
    }

    /** The extents (a copy); {} for a scalar, {rows, cols} for a sparse matrix. */
    public long[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    /** Number of elements (rows*cols for a sparse matrix). */
    public long size() {
        return Tensor.numel(shape);
    }

    /** A rank-0 dense output. */
    public boolean isScalar() {
        return kind == Kind.DENSE && shape.length == 0;
    }

    /** The value of a one-element dense output. */
    public double doubleValue() {
        requireOne();
        return longs != null ? (double) longs[0] : doubles[0];
    }

    /** The value of a one-element int64 output, exactly. */
    public long longValue() {
        requireOne();
        if (longs == null) throw new IllegalStateException("geomrt: output '" + name + "' is " + dtype + ", not int64");
        return longs[0];
    }

    /**
     * Dense values in row-major order as doubles (int64 converted); for a sparse matrix, its
     * dense rows x cols form (computed on each call).
     */
    public double[] data() {
        if (kind == Kind.SPARSE) return dense();
        if (doubles != null) return doubles;
        double[] d = new double[longs.length];
        for (int i = 0; i < d.length; ++i) d[i] = longs[i];
        return d;
    }

    /** The values of an int64 dense output. */
    public long[] longData() {
        if (longs == null) throw new IllegalStateException("geomrt: output '" + name + "' is not an int64 tensor");
        return longs;
    }

    /** A rank-2 output (dense or sparse) as rows. */
    public double[][] toMatrix() {
        if (shape.length != 2) {
            throw new IllegalStateException("geomrt: output '" + name + "' has rank " + shape.length + ", not 2");
        }
        double[] flat = data();
        int n = Math.toIntExact(shape[0]), m = Math.toIntExact(shape[1]);
        double[][] rows = new double[n][];
        for (int i = 0; i < n; ++i) rows[i] = Arrays.copyOfRange(flat, i * m, (i + 1) * m);
        return rows;
    }

    /** Rows of a sparse matrix. */
    public long rows() {
        requireSparse();
        return shape[0];
    }

    /** Columns of a sparse matrix. */
    public long cols() {
        requireSparse();
        return shape[1];
    }

    /** Stored entries of a sparse matrix. */
    public int nnz() {
        requireSparse();
        return values.length;
    }

    /** CSR row pointers (rows+1): row i holds entries indptr[i] .. indptr[i+1]-1. */
    public long[] indptr() {
        requireSparse();
        return indptr;
    }

    /** CSR column indices (nnz), sorted within each row. */
    public long[] indices() {
        requireSparse();
        return indices;
    }

    /** CSR values (nnz). */
    public double[] values() {
        requireSparse();
        return values;
    }

    @Override
    public String toString() {
        if (isScalar()) return name + " = " + (longs != null ? Long.toString(longs[0]) : Double.toString(doubles[0]));
        if (kind == Kind.SPARSE) return name + ": sparse " + shape[0] + "x" + shape[1] + ", nnz " + values.length;
        return name + ": " + dtype + " " + Arrays.toString(shape);
    }

    private double[] dense() {
        int n = Math.toIntExact(shape[0]), m = Math.toIntExact(shape[1]);
        double[] d = new double[Math.multiplyExact(n, m)];
        for (int i = 0; i < n; ++i) {
            for (long k = indptr[i]; k < indptr[i + 1]; ++k) d[i * m + (int) indices[(int) k]] += values[(int) k];
        }
        return d;
    }

    private void requireOne() {
        if (kind != Kind.DENSE || size() != 1) {
            throw new IllegalStateException("geomrt: output '" + name + "' is not a scalar");
        }
    }

    private void requireSparse() {
        if (kind != Kind.SPARSE) throw new IllegalStateException("geomrt: output '" + name + "' is not sparse");
    }
}
