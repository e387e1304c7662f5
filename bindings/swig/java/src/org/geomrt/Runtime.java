package org.geomrt;

import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.nio.DoubleBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A geomrt runtime: the loaded plugins and their methods, called by name.
 *
 * <pre>{@code
 * try (Runtime rt = new Runtime()) {
 *     Result r = rt.invoke("ot.emd", Map.of("xs", xs, "xt", xt), Map.of("metric", "sqeuclidean"));
 *     double cost = r.scalar("cost");
 * }
 * }</pre>
 *
 * <p>Inputs (name to value): {@link Tensor}, {@code double[]} (rank 1), {@code double[][]}
 * (rank 2, copied to row-major), a {@link DoubleBuffer} (rank 1; a direct native-order one
 * is read in place, without a copy) or a {@link Number} (rank 0). Java arrays are copied
 * once into native memory for the call. Parameters (name to value): Boolean, an integral
 * Number (int64), a floating Number (float64) or a String / enum (text, parsed by the
 * runtime). Errors throw the unchecked {@link GeomrtException} with the runtime's message
 * and code.
 *
 * <p>Thread-safe: several threads may invoke methods at once; {@link #close()} waits for
 * running calls. A runtime that is never closed is freed when it becomes unreachable.
 */
public final class Runtime implements AutoCloseable {
    private static final Cleaner CLEANER = Cleaner.create();

    /** What the cleaner frees: holds no reference to the Runtime. */
    private static final class State implements Runnable {
        final RuntimeHandle handle;

        State(RuntimeHandle handle) {
            this.handle = handle;
        }

        @Override
        public void run() {
            handle.close();
            handle.delete();
        }
    }

    private final RuntimeHandle handle;
    private final Cleaner.Cleanable cleanable;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private boolean closed;

    /** A runtime with the default plugin search ($GEOMRT_PLUGIN_PATH, then beside libgeomrt). */
    public Runtime() {
        this(Collections.emptyList(), true);
    }

    /** A runtime that searches these plugin files or directories first, then the defaults. */
    public Runtime(String... pluginPaths) {
        this(Arrays.asList(pluginPaths), true);
    }

    /**
     * A runtime that searches pluginPaths first, then, if defaultSearch, $GEOMRT_PLUGIN_PATH
     * and the plugin directory beside libgeomrt.
     */
    public Runtime(List<String> pluginPaths, boolean defaultSearch) {
        RuntimeHandle h = new RuntimeHandle();
        try {
            for (String p : pluginPaths) h.addPluginPath(p);
            h.setDefaultSearch(defaultSearch);
            h.open();
        } catch (RuntimeException | Error e) {
            h.delete();
            throw e;
        }
        handle = h;
        cleanable = CLEANER.register(this, new State(h));
    }

    /** The geomrt library's version, e.g. "0.1.0". */
    public static String version() {
        return RuntimeHandle.version();
    }

    /** Free the runtime (after any running call returns). Idempotent. */
    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            closed = true;
            cleanable.clean();
        } finally {
            lock.writeLock().unlock();
        }
    }

    // ------------------------------------------------------------ introspection

    /** Names of every registered method, sorted. */
    public List<String> methods() {
        enter();
        try {
            long n = handle.methodCount();
            List<String> names = new ArrayList<>();
            for (long i = 0; i < n; ++i) names.add(handle.methodName(i));
            return names;
        } finally {
            leave();
        }
    }

    /** Method name to its one-line summary, sorted by name. */
    public Map<String, String> methodSummaries() {
        Map<String, String> out = new LinkedHashMap<>();
        for (String name : methods()) out.put(name, summary(name));
        return out;
    }

    /** A method's one-line summary. */
    public String summary(String method) {
        enter();
        try {
            return handle.methodSummary(method);
        } finally {
            leave();
        }
    }

    /** A method's whole descriptor as JSON (geomrt_method_json): inputs, outputs, params. */
    public String describeJson(String method) {
        enter();
        try {
            return handle.methodJson(method);
        } finally {
            leave();
        }
    }

    /** One entry of the plugin report. */
    public static final class PluginStatus {
        public final String path, name, reason;
        public final boolean loaded;

        PluginStatus(String path, boolean loaded, String name, String reason) {
            this.path = path;
            this.loaded = loaded;
            this.name = name;
            this.reason = reason;
        }

        @Override
        public String toString() {
            return path + (loaded ? ": loaded (" + name + ")" : ": rejected: " + reason);
        }
    }

    /** The plugin report: every file tried, in order, loaded or rejected and why. */
    public List<PluginStatus> plugins() {
        enter();
        try {
            List<PluginStatus> out = new ArrayList<>();
            long n = handle.pluginCount();
            for (long i = 0; i < n; ++i) {
                out.add(new PluginStatus(handle.pluginPath(i), handle.pluginLoaded(i), handle.pluginName(i),
                                         handle.pluginReason(i)));
            }
            return out;
        } finally {
            leave();
        }
    }

    /** Load a plugin file (or every plugin in a directory) now. */
    public void loadPlugin(String path) {
        lock.writeLock().lock();  // the C API: not while other threads invoke
        try {
            requireOpen();
            handle.loadPlugin(path);
        } finally {
            lock.writeLock().unlock();
        }
    }

    // ------------------------------------------------------------ invoke

    /** Call a method with inputs only. */
    public Result invoke(String method, Map<String, ?> inputs) {
        return invoke(method, inputs, null, 0);
    }

    /** Call a method with inputs and parameters, on all cores. */
    public Result invoke(String method, Map<String, ?> inputs, Map<String, ?> params) {
        return invoke(method, inputs, params, 0);
    }

    /**
     * Call a method by name.
     *
     * @param inputs  name to Tensor / double[] / double[][] / DoubleBuffer / Number (may be null)
     * @param params  name to Boolean / Number / String / enum (may be null)
     * @param threads threads the method may use (0 = all cores)
     * @return the outputs, copied out of the runtime
     * @throws GeomrtException with the runtime's message and code
     */
    public Result invoke(String method, Map<String, ?> inputs, Map<String, ?> params, int threads) {
        List<Object> keep = new ArrayList<>();
        ArgsHandle args = null;
        ResultHandle res = null;
        enter();
        try {
            args = new ArgsHandle();
            if (inputs != null) {
                for (Map.Entry<String, ?> e : inputs.entrySet()) keep.add(toTensor(e.getKey(), e.getValue()).setInto(args, e.getKey()));
            }
            if (params != null) {
                for (Map.Entry<String, ?> e : params.entrySet()) setParam(args, e.getKey(), e.getValue());
            }
            res = handle.invoke(method, args, threads);
            return read(res);
        } finally {
            if (res != null) res.delete();
            if (args != null) args.delete();
            leave();
            Reference.reachabilityFence(keep);
            Reference.reachabilityFence(inputs);
            Reference.reachabilityFence(this);
        }
    }

    /**
     * Test hook: the data address of input {@code name} that the last invoke() on this
     * thread handed to the runtime (0 if none). For a direct buffer it equals the buffer's
     * address: nothing was copied.
     */
    public static long debugLastInputAddress(String name) {
        return geomrt.debugLastInputAddress(name);
    }

    private static Tensor toTensor(String name, Object v) {
        if (v instanceof Tensor) return (Tensor) v;
        if (v instanceof double[]) return Tensor.of((double[]) v);
        if (v instanceof double[][]) return Tensor.of((double[][]) v);
        if (v instanceof DoubleBuffer) return Tensor.of((DoubleBuffer) v);
        if (v instanceof Number) return Tensor.scalar(((Number) v).doubleValue());
        throw new IllegalArgumentException("geomrt: input '" + name + "' must be a Tensor, double[], double[][], "
                                           + "DoubleBuffer or Number, not " + (v == null ? "null" : v.getClass().getName()));
    }

    private static void setParam(ArgsHandle args, String name, Object v) {
        if (v instanceof Boolean) {
            args.setParamBool(name, (Boolean) v);
        } else if (v instanceof Double || v instanceof Float || v instanceof java.math.BigDecimal) {
            args.setParamF64(name, ((Number) v).doubleValue());
        } else if (v instanceof Number) {
            args.setParamI64(name, ((Number) v).longValue());
        } else if (v instanceof CharSequence || v instanceof Enum) {
            args.setParamString(name, v.toString());
        } else {
            throw new IllegalArgumentException("geomrt: parameter '" + name + "' must be a Boolean, Number or String, not "
                                               + (v == null ? "null" : v.getClass().getName()));
        }
    }

    private static final int KIND_SPARSE = 2, DTYPE_F32 = 2, DTYPE_I64 = 3;

    private static Result read(ResultHandle res) {
        LinkedHashMap<String, Output> outputs = new LinkedHashMap<>();
        long n = res.count();
        for (long i = 0; i < n; ++i) {
            String name = res.name(i);
            if (res.kind(name) == KIND_SPARSE) {
                outputs.put(name, Output.sparse(name, res.sparseRows(name), res.sparseCols(name), res.sparseIndptr(name),
                                                res.sparseIndices(name), res.sparseValues(name)));
                continue;
            }
            int dtype = res.dtype(name), ndim = res.ndim(name);
            long[] shape = new long[ndim];
            for (int a = 0; a < ndim; ++a) shape[a] = res.dim(name, a);
            if (dtype == DTYPE_I64) {
                outputs.put(name, Output.dense(name, "int64", shape, null, res.i64(name)));
            } else {
                outputs.put(name, Output.dense(name, dtype == DTYPE_F32 ? "float32" : "float64", shape, res.f64(name), null));
            }
        }
        return new Result(outputs);
    }

    private void enter() {
        lock.readLock().lock();
        if (closed) {
            lock.readLock().unlock();
            throw new GeomrtException("the runtime is closed", GeomrtException.EINVAL);
        }
    }

    private void leave() {
        lock.readLock().unlock();
    }

    private void requireOpen() {
        if (closed) throw new GeomrtException("the runtime is closed", GeomrtException.EINVAL);
    }
}
