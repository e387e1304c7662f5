// Exact and entropic optimal transport between two small point clouds through the geomrt
// Java binding (the pair of examples/c/1-emd.c and examples/python/1-emd.py).
// Run (Java 11+, no compile step):  java -cp <build>/lib/geomrt/java/geomrt.jar Emd.java
import java.util.Map;

import org.geomrt.GeomrtException;
import org.geomrt.Result;
import org.geomrt.Runtime;

public class Emd {
    public static void main(String[] args) {
        // Four points on the unit square and the same points shifted by (0.5, 0.25).
        double[][] xs = {{0, 0}, {1, 0}, {0, 1}, {1, 1}};
        double[][] xt = {{0.5, 0.25}, {1.5, 0.25}, {0.5, 1.25}, {1.5, 1.25}};
        double[] a = {0.1, 0.2, 0.3, 0.4};
        Map<String, Object> inputs = Map.of("xs", xs, "xt", xt, "a", a, "b", a);

        try (Runtime rt = new Runtime()) {
            Result exact = rt.invoke("ot.emd", inputs);
            System.out.printf("exact OT cost (ot.emd):       %.12f  (%d plan entries; expected 0.3125 = |(0.5,0.25)|^2)%n",
                              exact.scalar("cost"), exact.get("plan").nnz());

            Result entropic = rt.invoke("ot.sinkhorn", inputs, Map.of("reg", 0.01));
            System.out.printf("entropic OT cost (ot.sinkhorn, reg=0.01): %.12f%n", entropic.scalar("cost"));

            // Errors are GeomrtExceptions carrying the runtime's code and message.
            int code = 0;
            try {
                rt.invoke("ot.sinkhorn", inputs, Map.of("reg", -1.0));
            } catch (GeomrtException e) {
                code = e.code();
                System.out.println("reg=-1 gives " + e.codeName() + ": " + e.getMessage());
            }
            boolean ok = Math.abs(exact.scalar("cost") - 0.3125) < 1e-4 && code == GeomrtException.EINVAL;
            System.exit(ok ? 0 : 1);
        }
    }
}
