package org.geomrt.test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Minimal .npy reader/writer (version 1.0, little-endian float64/int64, C order) for the tests. */
final class Npy {
    private Npy() {}

    /** An array read from a .npy file: exactly one of doubles / longs is set. */
    static final class Array {
        final long[] shape;
        final double[] doubles;
        final long[] longs;

        Array(long[] shape, double[] doubles, long[] longs) {
            this.shape = shape;
            this.doubles = doubles;
            this.longs = longs;
        }
    }

    static void write(Path path, double[] data, long... shape) throws IOException {
        StringBuilder dims = new StringBuilder();
        for (long d : shape) dims.append(d).append(", ");
        String shapeText = shape.length == 1 ? "(" + shape[0] + ",)" : "(" + (shape.length == 0 ? "" : dims.substring(0, dims.length() - 2)) + ")";
        StringBuilder header = new StringBuilder("{'descr': '<f8', 'fortran_order': False, 'shape': " + shapeText + ", }");
        while ((10 + header.length() + 1) % 64 != 0) header.append(' ');
        header.append('\n');
        byte[] h = header.toString().getBytes(StandardCharsets.US_ASCII);
        ByteBuffer buf = ByteBuffer.allocate(10 + h.length + 8 * data.length).order(ByteOrder.LITTLE_ENDIAN);
        buf.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0);
        buf.putShort((short) h.length).put(h);
        for (double v : data) buf.putDouble(v);
        Files.write(path, buf.array());
    }

    private static final Pattern DESCR = Pattern.compile("'descr':\\s*'([<>|]?[a-z]\\d)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order':\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\(([^)]*)\\)");

    static Array read(Path path) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(Files.readAllBytes(path)).order(ByteOrder.LITTLE_ENDIAN);
        if (buf.get(0) != (byte) 0x93) throw new IOException(path + ": not a .npy file");
        int major = buf.get(6);
        int hlen, start;
        if (major == 1) {
            hlen = Short.toUnsignedInt(buf.getShort(8));
            start = 10;
        } else {
            hlen = buf.getInt(8);
            start = 12;
        }
        String header = new String(buf.array(), start, hlen, StandardCharsets.US_ASCII);
        Matcher d = DESCR.matcher(header), f = FORTRAN.matcher(header), s = SHAPE.matcher(header);
        if (!d.find() || !f.find() || !s.find()) throw new IOException(path + ": bad header " + header);
        if (f.group(1).equals("True")) throw new IOException(path + ": Fortran order not supported here");
        List<Long> dims = new ArrayList<>();
        for (String part : s.group(1).split(",")) {
            if (!part.trim().isEmpty()) dims.add(Long.parseLong(part.trim()));
        }
        long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
        long n = 1;
        for (long x : shape) n *= x;
        buf.position(start + hlen);
        String descr = d.group(1).replace("|", "<");
        if (descr.equals("<f8")) {
            double[] v = new double[(int) n];
            buf.asDoubleBuffer().get(v);
            return new Array(shape, v, null);
        }
        if (descr.equals("<i8")) {
            long[] v = new long[(int) n];
            buf.asLongBuffer().get(v);
            return new Array(shape, null, v);
        }
        throw new IOException(path + ": unsupported dtype " + descr);
    }
}
