package org.geomrt;

import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** The named outputs of one call, in the method's declared order. */
public final class Result implements Iterable<Output> {
    private final Map<String, Output> outputs;

    Result(LinkedHashMap<String, Output> outputs) {
        this.outputs = Collections.unmodifiableMap(outputs);
    }

    /** Output names in declared order. */
    public Set<String> names() {
        return outputs.keySet();
    }

    public boolean has(String name) {
        return outputs.containsKey(name);
    }

    /** The output; GeomrtException (ENOTFOUND) if there is none of that name. */
    public Output get(String name) {
        Output o = outputs.get(name);
        if (o == null) {
            throw new GeomrtException("no output '" + name + "'; outputs: " + outputs.keySet(), GeomrtException.ENOTFOUND);
        }
        return o;
    }

    /** All outputs by name (unmodifiable). */
    public Map<String, Output> asMap() {
        return outputs;
    }

    /** A scalar output's value. */
    public double scalar(String name) {
        return get(name).doubleValue();
    }

    /** A dense output's values in row-major order (sparse: its dense form). */
    public double[] doubles(String name) {
        return get(name).data();
    }

    /** A rank-2 output as rows. */
    public double[][] matrix(String name) {
        return get(name).toMatrix();
    }

    @Override
    public Iterator<Output> iterator() {
        return outputs.values().iterator();
    }

    @Override
    public String toString() {
        return "Result" + outputs.values();
    }
}
