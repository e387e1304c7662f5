package org.geomrt.test;

import java.io.File;
import java.io.IOException;
import java.nio.DoubleBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import org.geomrt.GeomrtException;
import org.geomrt.Output;
import org.geomrt.Result;
import org.geomrt.Runtime;
import org.geomrt.Tensor;

/**
 * Tests of the Java binding, one group per CTest test:
 *   java -cp geomrt.jar:test-classes org.geomrt.test.GeomrtTest api|errors|bitexact|nocopy|leak
 * System properties: geomrt.cli (the geomrt CLI, for bit-for-bit and message comparisons),
 * geomrt.scratch (a scratch directory). No -Djava.library.path: the jar finds its JNI library.
 */
public final class GeomrtTest {
    private static int checks, failures;

    private static void check(boolean ok, String what) {
        ++checks;
        if (!ok) {
            ++failures;
            System.out.println("FAILED: " + what);
        }
    }

    private static void checkEquals(Object expected, Object actual, String what) {
        check(expected == null ? actual == null : expected.equals(actual), what + ": expected <" + expected + "> got <" + actual + ">");
    }

    interface Body {
        void run() throws Exception;
    }

    private static <T extends Throwable> T expectThrows(Class<T> cls, Body body, String what) {
        try {
            body.run();
        } catch (Throwable t) {
            if (cls.isInstance(t)) return cls.cast(t);
            check(false, what + ": threw " + t);
            return null;
        }
        check(false, what + ": nothing thrown");
        return null;
    }

    private static boolean sameBits(double[] a, double[] b) {
        if (a.length != b.length) return false;
        for (int i = 0; i < a.length; ++i) {
            if (Double.doubleToRawLongBits(a[i]) != Double.doubleToRawLongBits(b[i])) return false;
        }
        return true;
    }

    private static double[][] randomPoints(Random rng, int n, int d, double shift) {
        double[][] x = new double[n][d];
        for (double[] row : x) {
            for (int j = 0; j < d; ++j) row[j] = rng.nextGaussian() + shift;
        }
        return x;
    }

    private static double[] flatten(double[][] x) {
        return Arrays.stream(x).flatMapToDouble(Arrays::stream).toArray();
    }

    private static Map<String, Object> map(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }

    // ------------------------------------------------------------ the CLI as the C API's reference

    private static final String CLI = System.getProperty("geomrt.cli");
    private static final Path SCRATCH = Paths.get(System.getProperty("geomrt.scratch", System.getProperty("java.io.tmpdir")));

    static final class CliRun {
        int status;
        String stderr;
        Map<String, Npy.Array> outputs = new LinkedHashMap<>();
    }

    /** Run `geomrt run` on the same inputs (as .npy files): exit status, stderr, outputs by file stem. */
    private static CliRun runCli(String method, Map<String, Tensor> inputs, Map<String, Object> params) throws Exception {
        Path dir = Files.createTempDirectory(Files.createDirectories(SCRATCH), "cli");
        try {
            List<String> cmd = new ArrayList<>(List.of(CLI, "run", method, "--quiet", "--threads", "0", "--out", dir.resolve("out").toString()));
            for (Map.Entry<String, Tensor> e : inputs.entrySet()) {
                Path p = dir.resolve("in_" + e.getKey() + ".npy");
                Npy.write(p, INPUT_VALUES.get(e.getValue()), e.getValue().shape());
                cmd.add("--input");
                cmd.add(e.getKey() + "=" + p);
            }
            if (params != null) {
                for (Map.Entry<String, Object> e : params.entrySet()) {
                    cmd.add("--param");
                    cmd.add(e.getKey() + "=" + e.getValue());
                }
            }
            Process proc = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            CliRun run = new CliRun();
            run.stderr = new String(proc.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            run.status = proc.waitFor();
            if (run.status == 0) {
                try (Stream<Path> files = Files.list(dir.resolve("out"))) {
                    for (Path f : (Iterable<Path>) files::iterator) {
                        String name = f.getFileName().toString();
                        run.outputs.put(name.substring(0, name.length() - 4), Npy.read(f));
                    }
                }
            }
            return run;
        } finally {
            try (Stream<Path> walk = Files.walk(dir)) {
                walk.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
            }
        }
    }

    /** Values of the tensors made by tensor(): what the CLI is given. */
    private static final Map<Tensor, double[]> INPUT_VALUES = new java.util.IdentityHashMap<>();

    private static Tensor tensor(double[] values, long... shape) {
        Tensor t = Tensor.of(values, shape);
        INPUT_VALUES.put(t, values);
        return t;
    }

    // ------------------------------------------------------------ api

    static void api() throws Exception {
        check(Runtime.version().matches("\\d+\\.\\d+\\.\\d+.*"), "version");
        Random rng = new Random(42);
        double[][] xs = randomPoints(rng, 12, 2, 0), xt = randomPoints(rng, 9, 2, 0.5);
        try (Runtime rt = new Runtime()) {
            List<String> methods = rt.methods();
            check(methods.containsAll(List.of("ot.emd", "ot.sinkhorn", "ot.wasserstein_1d")), "methods: " + methods);
            List<String> sorted = new ArrayList<>(methods);
            sorted.sort(null);
            checkEquals(sorted, methods, "methods sorted");
            check(!rt.methodSummaries().get("ot.emd").isEmpty(), "summary");
            check(rt.describeJson("ot.emd").startsWith("{\"name\":\"ot.emd\""), "describeJson");
            check(rt.plugins().stream().anyMatch(p -> p.loaded && p.name.equals("ot")), "plugin report " + rt.plugins());

            Result emd = rt.invoke("ot.emd", map("xs", xs, "xt", xt));
            checkEquals(List.of("plan", "alpha", "beta", "cost", "iterations"), new ArrayList<>(emd.names()), "emd outputs");
            Output plan = emd.get("plan");
            check(plan.isSparse() && plan.rows() == 12 && plan.cols() == 9, "plan is 12x9 sparse");
            check(plan.indptr().length == 13 && plan.nnz() <= 20, "plan CSR sizes");
            double[][] dense = plan.toMatrix();
            double cost = 0, mass = 0;
            for (int i = 0; i < 12; ++i) {
                for (int j = 0; j < 9; ++j) {
                    double dx = xs[i][0] - xt[j][0], dy = xs[i][1] - xt[j][1];
                    cost += dense[i][j] * (dx * dx + dy * dy);
                    mass += dense[i][j];
                }
            }
            check(Math.abs(mass - 1) < 1e-12, "plan mass " + mass);
            check(Math.abs(cost - emd.scalar("cost")) < 1e-12, "cost = <P, C>");
            check(emd.get("cost").isScalar() && emd.get("cost").dtype().equals("float64"), "cost is a float64 scalar");
            check(emd.get("iterations").dtype().equals("int64") && emd.get("iterations").longValue() >= 0, "iterations");
            checkEquals(12, emd.doubles("alpha").length, "alpha length");
            check(Arrays.equals(new long[] {12}, emd.get("alpha").shape()), "alpha shape");
            expectThrows(GeomrtException.class, () -> emd.get("nothing"), "missing output");

            // The same input as double[][], row-major double[] + shape, direct/heap buffers, column-major.
            double[] flat = flatten(xs);
            DoubleBuffer direct = Tensor.allocate(flat.length).put(flat);
            direct.flip();
            DoubleBuffer colMajor = Tensor.allocate(flat.length);
            for (int j = 0; j < 2; ++j) {
                for (int i = 0; i < 12; ++i) colMajor.put(xs[i][j]);
            }
            colMajor.flip();
            Map<String, Object> params = map("reg", 0.5);
            double[] ref = rt.invoke("ot.sinkhorn", map("xs", xs, "xt", xt), params).doubles("plan");
            Object[] variants = {Tensor.of(flat, 12, 2), Tensor.of(direct, 12, 2), Tensor.of(DoubleBuffer.wrap(flat), 12, 2),
                                 Tensor.columnMajor(colMajor, 12, 2)};
            for (Object v : variants) {
                check(sameBits(ref, rt.invoke("ot.sinkhorn", map("xs", v, "xt", xt), params).doubles("plan")), "same plan for " + v);
            }
            check(Tensor.of(direct, 12, 2).isZeroCopy() && !Tensor.of(flat, 12, 2).isZeroCopy(), "isZeroCopy");

            // Parameters of every Java type.
            Result sk = rt.invoke("ot.sinkhorn", map("xs", xs, "xt", xt), map("reg", 0.5, "anneal", true, "metric", "sqeuclidean",
                                                                                "max_iter", 100000L, "tol", 1e-9));
            check(sameBits(ref, sk.doubles("plan")), "typed parameters");
            check(sameBits(ref, rt.invoke("ot.sinkhorn", map("xs", xs, "xt", xt), map("reg", "0.5")).doubles("plan")), "text parameter");
            check(sameBits(rt.invoke("ot.sinkhorn", map("xs", xs, "xt", xt), map("reg", 1)).doubles("plan"),
                           rt.invoke("ot.sinkhorn", map("xs", xs, "xt", xt), map("reg", 1.0)).doubles("plan")), "int parameter for f64");
            double[][] m = sk.matrix("plan");
            check(m.length == 12 && m[0].length == 9, "matrix()");
            check(sameBits(rt.invoke("ot.sinkhorn", map("xs", xs, "xt", xt), params, 1).doubles("plan"),
                           rt.invoke("ot.sinkhorn", map("xs", xs, "xt", xt), params, 2).doubles("plan")), "threads");

            // 1-D inputs: double[], DoubleBuffer, Number is rank 0.
            Result w = rt.invoke("ot.wasserstein_1d", map("xs", new double[] {0, 1, 2, 3}, "xt", new double[] {1.5}), map("p", 1));
            checkEquals(1.0, w.scalar("cost"), "w1d cost");

            // Several threads at once.
            AtomicReference<String> err = new AtomicReference<>();
            Thread[] threads = new Thread[4];
            for (int t = 0; t < threads.length; ++t) {
                threads[t] = new Thread(() -> {
                    for (int k = 0; k < 20; ++k) {
                        try {
                            if (!sameBits(ref, rt.invoke("ot.sinkhorn", map("xs", xs, "xt", xt), params, 1).doubles("plan"))) err.set("different");
                        } catch (RuntimeException e) {
                            err.set(e.toString());
                        }
                    }
                });
                threads[t].start();
            }
            for (Thread t : threads) t.join();
            checkEquals(null, err.get(), "concurrent invokes");

            // Runtime options.
            String plugin = rt.plugins().stream().filter(p -> p.loaded && "ot".equals(p.name)).findFirst().get().path;
            try (Runtime empty = new Runtime(List.of(), false)) {
                check(empty.methods().isEmpty(), "no default search: no methods");
                empty.loadPlugin(plugin);
                check(empty.methods().contains("ot.emd"), "loadPlugin");
            }
            try (Runtime only = new Runtime(List.of(new File(plugin).getParent()), false)) {
                check(only.methods().contains("ot.sinkhorn"), "plugin directory");
            }
        }
        Runtime closed = new Runtime();
        closed.close();
        closed.close();
        GeomrtException e = expectThrows(GeomrtException.class, () -> closed.invoke("ot.emd", map("xs", xs, "xt", xt)), "closed runtime");
        check(e != null && e.code() == GeomrtException.EINVAL && e.getMessage().contains("closed"), "closed runtime message");
    }

    // ------------------------------------------------------------ errors

    private static GeomrtException expectError(Runtime rt, int code, String method, Map<String, ?> inputs, Map<String, ?> params) {
        GeomrtException e = expectThrows(GeomrtException.class, () -> rt.invoke(method, inputs, params), method + " " + params);
        if (e != null) {
            checkEquals(code, e.code(), "code of '" + e.getMessage() + "'");
            check(e.codeName().startsWith("GEOMRT_E"), "codeName " + e.codeName());
        }
        return e;
    }

    /** The CLI prints "geomrt: <the runtime's message>" and exits with status 2. */
    private static void sameMessageAsCli(GeomrtException e, String method, Map<String, Tensor> inputs, Map<String, Object> params) throws Exception {
        if (CLI == null || e == null) return;
        CliRun run = runCli(method, inputs, params);
        checkEquals(2, run.status, "CLI status");
        checkEquals("geomrt: " + e.getMessage(), run.stderr, "CLI message");
    }

    static void errors() throws Exception {
        Random rng = new Random(3);
        Tensor xs = tensor(flatten(randomPoints(rng, 8, 2, 0)), 8, 2), xt = tensor(flatten(randomPoints(rng, 6, 2, 0)), 6, 2);
        Map<String, Tensor> inputs = Map.of("xs", xs, "xt", xt);
        try (Runtime rt = new Runtime()) {
            GeomrtException e = expectError(rt, GeomrtException.ENOTFOUND, "ot.no_such_method", inputs, null);
            check(e != null && e.getMessage().contains("ot.no_such_method"), "unknown method message");

            Map<String, Object> bad = map("reg", -1.0);
            e = expectError(rt, GeomrtException.EINVAL, "ot.sinkhorn", inputs, bad);
            checkEquals("ot.sinkhorn: parameter 'reg' must be > 0, got -1", e == null ? null : e.getMessage(), "bad reg message");
            sameMessageAsCli(e, "ot.sinkhorn", inputs, bad);

            e = expectError(rt, GeomrtException.ENOTFOUND, "ot.sinkhorn", inputs, map("reg", 0.1, "bogus", 1));
            check(e != null && e.getMessage().contains("'bogus'"), "unknown parameter message");
            Map<String, Object> badEnum = map("metric", "nope");
            e = expectError(rt, GeomrtException.EINVAL, "ot.emd", inputs, badEnum);
            sameMessageAsCli(e, "ot.emd", inputs, badEnum);
            expectError(rt, GeomrtException.EINVAL, "ot.sinkhorn", inputs, null);  // reg is required

            double[] nan = INPUT_VALUES.get(xs).clone();
            nan[7] = Double.NaN;
            Map<String, Tensor> nanInputs = Map.of("xs", tensor(nan, 8, 2), "xt", xt);
            e = expectError(rt, GeomrtException.EINVAL, "ot.emd", nanInputs, null);
            check(e != null && e.getMessage().contains("xs"), "NaN message names the input");
            sameMessageAsCli(e, "ot.emd", nanInputs, null);
            DoubleBuffer nanBuf = Tensor.allocate(16).put(nan);
            nanBuf.flip();
            expectError(rt, GeomrtException.EINVAL, "ot.emd", map("xs", Tensor.of(nanBuf, 8, 2), "xt", xt), null);

            expectError(rt, GeomrtException.ESHAPE, "ot.emd", map("xs", xs, "xt", new double[6][3]), null);
            // A buffer too small for the declared shape is refused before the runtime reads it.
            expectError(rt, GeomrtException.ESHAPE, "ot.emd", map("xs", Tensor.of(Tensor.allocate(15), 8, 2), "xt", xt), null);
            expectError(rt, GeomrtException.ESHAPE, "ot.emd",
                        map("xs", Tensor.strided(Tensor.allocate(16), new long[] {8, 2}, new long[] {2, -1}), "xt", xt), null);

            // Binding-side errors are the usual Java exceptions.
            expectThrows(IllegalArgumentException.class, () -> rt.invoke("ot.emd", map("xs", "text", "xt", xt)), "bad input type");
            expectThrows(IllegalArgumentException.class, () -> rt.invoke("ot.emd", map("xs", new double[][] {{1, 2}, {3}}, "xt", xt)), "ragged");
            expectThrows(IllegalArgumentException.class, () -> rt.invoke("ot.emd", map("xs", xs, "xt", xt), map("metric", new Object())), "bad param");
            expectThrows(IllegalArgumentException.class, () -> Tensor.of(new double[5], 2, 2), "shape mismatch");

            // Still usable.
            check(rt.invoke("ot.emd", inputs).scalar("cost") > 0, "works after errors");
        }
    }

    // ------------------------------------------------------------ bitexact

    private static void compareWithCli(Runtime rt, String method, Map<String, Tensor> inputs, Map<String, Object> params) throws Exception {
        if (CLI == null) {
            System.out.println("SKIPPED (no geomrt.cli): " + method);
            return;
        }
        Result got = rt.invoke(method, inputs, params);
        CliRun ref = runCli(method, inputs, params);
        checkEquals(0, ref.status, method + " CLI status (" + ref.stderr + ")");
        for (Output o : got) {
            String n = o.name();
            if (o.isSparse()) {
                check(Arrays.equals(o.indptr(), ref.outputs.get(n + ".indptr").longs), method + " " + n + " indptr");
                check(Arrays.equals(o.indices(), ref.outputs.get(n + ".indices").longs), method + " " + n + " indices");
                check(sameBits(o.values(), ref.outputs.get(n + ".values").doubles), method + " " + n + " values");
                check(sameBits(o.data(), ref.outputs.get(n).doubles), method + " " + n + " dense");
            } else if (o.dtype().equals("int64")) {
                check(Arrays.equals(o.longData(), ref.outputs.get(n).longs), method + " " + n);
            } else {
                Npy.Array r = ref.outputs.get(n);
                check(r != null && Arrays.equals(o.shape(), r.shape) && sameBits(o.data(), r.doubles), method + " " + n + " bits");
            }
        }
        System.out.println("bit-for-bit equal to the CLI: " + method + " " + (params == null ? "" : params) + " " + got.names());
    }

    static void bitexact() throws Exception {
        Random rng = new Random(20240611);
        try (Runtime rt = new Runtime()) {
            compareWithCli(rt, "ot.emd", Map.of("xs", tensor(flatten(randomPoints(rng, 300, 2, 0)), 300, 2),
                                                "xt", tensor(flatten(randomPoints(rng, 250, 2, 1.5)), 250, 2)), map("metric", "sqeuclidean"));
            double[] a = rng.doubles(40).toArray(), b = rng.doubles(30).toArray();
            double sa = Arrays.stream(a).sum(), sb = Arrays.stream(b).sum();
            for (int i = 0; i < a.length; ++i) a[i] /= sa;
            for (int i = 0; i < b.length; ++i) b[i] /= sb;
            compareWithCli(rt, "ot.emd", Map.of("xs", tensor(flatten(randomPoints(rng, 40, 3, 0)), 40, 3),
                                                "xt", tensor(flatten(randomPoints(rng, 30, 3, 0)), 30, 3),
                                                "a", tensor(a, 40), "b", tensor(b, 30)), map("metric", "euclidean"));
            compareWithCli(rt, "ot.emd", Map.of("M", tensor(rng.doubles(25 * 35).toArray(), 25, 35)), null);
            compareWithCli(rt, "ot.sinkhorn", Map.of("xs", tensor(flatten(randomPoints(rng, 60, 2, 0)), 60, 2),
                                                     "xt", tensor(flatten(randomPoints(rng, 50, 2, 1)), 50, 2)), map("reg", 0.05));
            compareWithCli(rt, "ot.wasserstein_1d", Map.of("xs", tensor(rng.doubles(500).toArray(), 500),
                                                           "xt", tensor(rng.doubles(400).map(v -> 2 + v).toArray(), 400)), map("p", 2));
        }
    }

    // ------------------------------------------------------------ nocopy

    private static long address(DoubleBuffer b) {
        return ((sun.nio.ch.DirectBuffer) b).address();
    }

    static void nocopy() throws Exception {
        final int n = 1_000_000;
        Random rng = new Random(11);
        DoubleBuffer xs = Tensor.allocate(n);
        for (int i = 0; i < n; ++i) xs.put(i, rng.nextGaussian());
        double[] xt = rng.doubles(1000).map(v -> v + 2).toArray();
        try (Runtime rt = new Runtime()) {
            Result viaBuffer = rt.invoke("ot.wasserstein_1d", map("xs", xs, "xt", xt), map("p", 2));
            long passed = Runtime.debugLastInputAddress("xs");
            System.out.printf("10^6 doubles in a direct DoubleBuffer: buffer address 0x%x, address handed to the runtime 0x%x%n",
                              address(xs), passed);
            checkEquals(address(xs), passed, "direct buffer passed by address");
            double[] copy = new double[n];
            xs.get(0, copy);
            Result viaArray = rt.invoke("ot.wasserstein_1d", map("xs", copy, "xt", xt), map("p", 2));
            check(Runtime.debugLastInputAddress("xs") != address(xs), "double[] goes through a native copy");
            checkEquals(viaArray.scalar("cost"), viaBuffer.scalar("cost"), "same result by buffer and by array");

            // A view from the buffer's position, and a column-major matrix: still no copy.
            xs.position(1000);
            rt.invoke("ot.wasserstein_1d", map("xs", xs, "xt", xt));
            checkEquals(address(xs) + 8 * 1000, Runtime.debugLastInputAddress("xs"), "position respected, no copy");
            xs.position(0);
            DoubleBuffer m = Tensor.allocate(200 * 3);
            for (int i = 0; i < 600; ++i) m.put(i, rng.nextGaussian());
            rt.invoke("ot.emd", map("xs", Tensor.columnMajor(m, 200, 3), "xt", new double[150][3]));
            checkEquals(address(m), Runtime.debugLastInputAddress("xs"), "column-major buffer passed by address");
        }
    }

    // ------------------------------------------------------------ fixture

    /** Strided, in-place, sparse and typed-parameter paths through the core tests' fixture plugin. */
    static void fixture() throws Exception {
        String dir = System.getProperty("geomrt.test.plugins", "");
        if (!new File(dir).isDirectory()) {
            System.out.println("SKIPPED: the fixture plugin is not built (" + dir + ")");
            check(true, "skipped");
            return;
        }
        try (Runtime rt = new Runtime(List.of(dir), false)) {
            // A column-major matrix reaches a strided method with strides {1, n}, unchanged.
            DoubleBuffer x = Tensor.allocate(12);
            double weighted = 0;
            for (int i = 0; i < 4; ++i) {
                for (int j = 0; j < 3; ++j) {
                    x.put(j * 4 + i, i * 3 + j + 0.5);
                    weighted += (i * 3 + j) * (i * 3 + j + 0.5);
                }
            }
            Result r = rt.invoke("test.strided", map("x", Tensor.columnMajor(x, 4, 3)));
            check(Arrays.equals(new long[] {1, 4}, r.get("strides").longData()), "strides seen by the method");
            checkEquals(weighted, r.scalar("weighted"), "weighted sum");

            // In-place state: written on success only.
            DoubleBuffer state = Tensor.allocate(5);
            r = rt.invoke("test.accumulate", map("state", Tensor.inplace(state)), map("delta", 2.5));
            checkEquals(12.5, r.scalar("total"), "total");
            checkEquals(2.5, state.get(4), "state updated in place");
            GeomrtException e = expectThrows(GeomrtException.class,
                () -> rt.invoke("test.accumulate", map("state", Tensor.inplace(state)), map("delta", 1, "fail", true)), "fail");
            checkEquals("test.accumulate: asked to fail", e == null ? null : e.getMessage(), "plugin message");
            checkEquals(2.5, state.get(0), "state unchanged on failure");
            expectThrows(IllegalArgumentException.class,
                () -> rt.invoke("test.accumulate", map("state", Tensor.inplace(DoubleBuffer.wrap(new double[5])))), "heap in-place");

            // Sparse input and output.
            r = rt.invoke("test.sparse", map("A", Tensor.csr(2, 3, new long[] {0, 2, 3}, new long[] {0, 2, 1}, new double[] {1, 2, 3})));
            check(Arrays.equals(new double[] {3, 3}, r.doubles("rowsum")), "rowsum");
            Output t = r.get("T");
            check(t.rows() == 3 && t.cols() == 2 && Arrays.equals(new double[] {1, 0, 0, 3, 2, 0}, t.data()), "transpose");
            expectThrows(IllegalArgumentException.class, () -> Tensor.csr(2, 3, new long[] {0, 1}, new long[] {0}, new double[] {1}), "bad CSR");

            // Parameters of each type.
            r = rt.invoke("test.params", Map.of(), map("f", 0.25, "i", 42, "b", true, "mode", "exact", "s", "abc"));
            check(r.scalar("f") == 0.25 && r.get("i").longValue() == 42 && r.get("b").longValue() == 1
                  && r.get("mode_len").longValue() == 305, "parameter echo " + r);
            expectError(rt, GeomrtException.EDTYPE, "test.params", Map.of(), map("f", true));
            expectError(rt, GeomrtException.EINVAL, "test.params", Map.of(), map("f", 0.25, "i", 100));
        }
    }

    // ------------------------------------------------------------ leak

    private static long rssKiB() throws IOException {
        for (String line : Files.readAllLines(Paths.get("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
        throw new IOException("no VmRSS");
    }

    static void leak() throws Exception {
        final int warmup = 1000, calls = 10_000;
        final long slackKiB = 4096;
        Random rng = new Random(1);
        double[][] xs = randomPoints(rng, 50, 2, 0), xt = randomPoints(rng, 40, 2, 0);
        double[] x1 = rng.doubles(5000).toArray(), y1 = rng.doubles(2500).toArray();
        DoubleBuffer buf = Tensor.allocate(5000).put(x1);
        buf.flip();
        double[][] bad = randomPoints(rng, 50, 2, 0);
        bad[0][0] = Double.NaN;
        try (Runtime rt = new Runtime()) {
            long before = 0;
            for (int i = 0; i < warmup + calls; ++i) {
                if (i == warmup) {
                    System.gc();
                    before = rssKiB();
                } else if (i == warmup + calls / 2) {
                    System.gc();
                    System.out.printf("RSS after %d calls: %d KiB%n", i, rssKiB());
                }
                switch (i % 5) {
                case 0:
                    rt.invoke("ot.sinkhorn", map("xs", xs, "xt", xt), map("reg", 0.5, "anneal", false), 1);
                    break;
                case 1:
                    rt.invoke("ot.emd", map("xs", xs, "xt", xt), null, 1);
                    break;
                case 2:
                    rt.invoke("ot.wasserstein_1d", map("xs", i % 2 == 0 ? buf : x1, "xt", y1), map("p", 1), 1);
                    break;
                case 3:
                    try {
                        rt.invoke("ot.emd", map("xs", bad, "xt", xt), null, 1);
                        check(false, "NaN accepted");
                    } catch (GeomrtException e) {
                        // expected
                    }
                    break;
                default:
                    try {
                        rt.invoke("ot.sinkhorn", map("xs", xs, "xt", xt), map("reg", -1), 1);
                        check(false, "reg=-1 accepted");
                    } catch (GeomrtException e) {
                        // expected
                    }
                }
            }
            System.gc();
            long after = rssKiB();
            System.out.printf("RSS after %d warm-up calls: %d KiB; after %d more calls: %d KiB (growth %+d KiB)%n",
                              warmup, before, calls, after, after - before);
            check(after - before < slackKiB, "RSS growth " + (after - before) + " KiB < " + slackKiB + " KiB");
        }
    }

    public static void main(String[] args) throws Exception {
        String group = args.length > 0 ? args[0] : "api";
        switch (group) {
        case "api": api(); break;
        case "errors": errors(); break;
        case "bitexact": bitexact(); break;
        case "nocopy": nocopy(); break;
        case "fixture": fixture(); break;
        case "leak": leak(); break;
        default: throw new IllegalArgumentException("unknown test group " + group);
        }
        System.out.println(group + ": " + (checks - failures) + "/" + checks + " checks passed");
        System.exit(failures == 0 && checks > 0 ? 0 : 1);
    }
}
