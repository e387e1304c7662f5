package org.geomrt;

/**
 * An error reported by the geomrt runtime: its message and its code (a negative
 * {@code geomrt_error} value, e.g. {@link #EINVAL}).
 *
 * <p>Unchecked, like {@link IllegalArgumentException}: most errors are programming errors
 * (unknown method, bad parameter, NaN input) and the code says which.
 */
public class GeomrtException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Invalid argument or value (NULL, NaN, negative mass, out of range). */
    public static final int EINVAL = -1;
    /** No such method, input, output, parameter or file. */
    public static final int ENOTFOUND = -2;
    /** Tensor rank or shape does not match the method's signature. */
    public static final int ESHAPE = -3;
    /** Tensor element type or parameter type does not match. */
    public static final int EDTYPE = -4;
    /** ABI or options-struct version not supported. */
    public static final int EVERSION = -5;
    /** A plugin could not be loaded or registered. */
    public static final int EPLUGIN = -6;
    /** An iterative solver did not reach its tolerance. */
    public static final int ENOCONVERGE = -7;
    /** The call was cancelled. */
    public static final int ECANCELLED = -8;
    /** Out of memory. */
    public static final int ENOMEM = -9;
    /** Internal error (a bug: please report it). */
    public static final int EINTERNAL = -10;

    private static final String[] NAMES = {
        "GEOMRT_OK", "GEOMRT_EINVAL", "GEOMRT_ENOTFOUND", "GEOMRT_ESHAPE", "GEOMRT_EDTYPE",
        "GEOMRT_EVERSION", "GEOMRT_EPLUGIN", "GEOMRT_ENOCONVERGE", "GEOMRT_ECANCELLED",
        "GEOMRT_ENOMEM", "GEOMRT_EINTERNAL"};

    private final int code;

    /** Called by the native code with the runtime's message and code. */
    public GeomrtException(String message, int code) {
        super(message);
        this.code = code;
    }

    /** The geomrt_error code (negative). */
    public int code() {
        return code;
    }

    /** The code's name, e.g. "GEOMRT_EINVAL". */
    public String codeName() {
        return code <= 0 && -code < NAMES.length ? NAMES[-code] : "GEOMRT_E?";
    }
}
