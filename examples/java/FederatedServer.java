// A federated-learning server loop through the geomrt Java binding: 20 clients fit a linear model
// on their own (non-identical) data, 4 of them send a boosted update toward a planted target
// instead (model replacement). Each round the server writes the local models into one direct
// buffer (passed without a copy) and aggregates with fl.multi_metrics, logging which clients it
// dropped and their scores; fl.median and fl.fedavg run the same federation for comparison.
// Run (Java 11+, no compile step):  java -cp <build>/lib/geomrt/java/geomrt.jar FederatedServer.java
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;

import org.geomrt.Result;
import org.geomrt.Runtime;
import org.geomrt.Tensor;

public class FederatedServer {
    static final int K = 20, D = 40, ATTACKERS = 4, ROUNDS = 30, SAMPLES = 60;

    public static void main(String[] args) {
        Random rnd = new Random(5);
        double[] truth = new double[D], target = new double[D];
        for (int j = 0; j < D; ++j) {
            truth[j] = rnd.nextGaussian();
            target[j] = truth[j] + (j < 5 ? 4.0 : 0.0);  // the attackers' planted model
        }
        // Client data: x ~ N(shift_k, I) with a client-specific shift (non-IID), y = x.truth + noise.
        double[][][] xs = new double[K][SAMPLES][D];
        double[][] ys = new double[K][SAMPLES];
        for (int k = 0; k < K; ++k)
            for (int s = 0; s < SAMPLES; ++s) {
                double y = 0;
                for (int j = 0; j < D; ++j) {
                    xs[k][s][j] = rnd.nextGaussian() + (j % K == k ? 1.0 : 0.0);
                    y += xs[k][s][j] * truth[j];
                }
                ys[k][s] = y + 0.1 * rnd.nextGaussian();
            }
        double[] n = new double[K];
        Arrays.fill(n, SAMPLES);
        DoubleBuffer W = ByteBuffer.allocateDirect(8 * K * D).order(ByteOrder.nativeOrder()).asDoubleBuffer();
        boolean ok = true;
        try (Runtime rt = new Runtime()) {
            for (String method : new String[] {"fl.multi_metrics", "fl.median", "fl.fedavg"}) {
                double[] w = new double[D];
                int attackersDropped = 0, dropped = 0;
                for (int round = 0; round < ROUNDS; ++round) {
                    for (int k = 0; k < K; ++k) {
                        double[] local = k < ATTACKERS ? replace(w, target) : localSgd(w, xs[k], ys[k]);
                        for (int j = 0; j < D; ++j) W.put(k * D + j, local[j]);
                    }
                    Map<String, Object> in = Map.of("W", Tensor.of(W, K, D), "n", n, "w0", w);
                    Result r = method.equals("fl.multi_metrics")
                        ? rt.invoke(method, in, Map.of("relative", true))
                        : rt.invoke(method, Map.of("W", Tensor.of(W, K, D), "n", n));
                    w = r.doubles("aggregate");
                    if (r.has("kept")) {
                        double[] kept = r.doubles("kept"), scores = r.doubles("scores");
                        boolean[] in_ = new boolean[K];
                        for (double i : kept) in_[(int) i] = true;
                        StringBuilder log = new StringBuilder();
                        for (int k = 0; k < K; ++k)
                            if (!in_[k]) {
                                ++dropped;
                                if (k < ATTACKERS) ++attackersDropped;
                                if (round == ROUNDS - 1) log.append(String.format(" %d(%.3g)", k, scores[k]));
                            }
                        if (round == ROUNDS - 1) System.out.println("  last round, dropped client(score):" + log);
                        ok &= kept.length == (int) Math.floor(0.3 * K);  // the default keep_fraction
                    }
                }
                double err = 0, bad = 0;
                for (int j = 0; j < D; ++j) {
                    err += (w[j] - truth[j]) * (w[j] - truth[j]);
                    bad += (w[j] - target[j]) * (w[j] - target[j]);
                }
                System.out.printf("%-17s |w - truth| = %.4f  |w - planted| = %.4f", method, Math.sqrt(err), Math.sqrt(bad));
                if (method.equals("fl.multi_metrics"))
                    System.out.printf("  attackers among dropped: %d of %d drops", attackersDropped, dropped);
                System.out.println();
            }
        }
        System.exit(ok ? 0 : 1);
    }

    /** Five steps of gradient descent on the client's squared loss, from the global model. */
    static double[] localSgd(double[] w0, double[][] x, double[] y) {
        double[] w = w0.clone();
        for (int step = 0; step < 5; ++step) {
            double[] g = new double[D];
            for (int s = 0; s < x.length; ++s) {
                double e = -y[s];
                for (int j = 0; j < D; ++j) e += x[s][j] * w[j];
                for (int j = 0; j < D; ++j) g[j] += e * x[s][j] / x.length;
            }
            for (int j = 0; j < D; ++j) w[j] -= 0.1 * g[j];
        }
        return w;
    }

    /** Model replacement: w0 + (K / attackers) (target - w0), so that the mean lands near the target. */
    static double[] replace(double[] w0, double[] target) {
        double[] w = new double[D];
        for (int j = 0; j < D; ++j) w[j] = w0[j] + (double) K / ATTACKERS * (target[j] - w0[j]);
        return w;
    }
}
