/* How far is a map from optimal? The Monge gap (ot.monge_gap) of two maps on the same samples,
 * the exact 1-D Wasserstein distance (ot.wasserstein_1d), and a structured random rotation
 * (ot.hadamard_rotation), through the geomrt C API.
 * Build against an installed geomrt:  cc 4-monge-gap.c $(pkg-config --cflags --libs geomrt) -lm */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <geomrt/geomrt.h>

static void check(int rc) {
    if (rc != GEOMRT_OK) {
        fprintf(stderr, "geomrt error %s: %s\n", geomrt_error_name(rc), geomrt_last_error());
        exit(1);
    }
}

enum { N = 300, D = 2 };

/* Monge gap of the map x_i -> y_i under the squared Euclidean cost, with a fixed reg. */
static double monge_gap(geomrt_runtime *rt, const double *x, const double *y, double *displacement) {
    const int64_t shape[2] = {N, D};
    geomrt_args *args = NULL;
    geomrt_result *res = NULL;
    double gap = 0;
    check(geomrt_args_new(&args));
    check(geomrt_args_set_f64(args, "x", x, 2, shape));
    check(geomrt_args_set_f64(args, "y", y, 2, shape));
    check(geomrt_args_set_param_f64(args, "reg", 0.01));
    check(geomrt_invoke(&res, rt, "ot.monge_gap", args, NULL));
    check(geomrt_result_scalar(res, "gap", &gap));
    check(geomrt_result_scalar(res, "displacement_cost", displacement));
    geomrt_result_free(res);
    geomrt_args_free(args);
    return gap;
}

int main(void) {
    static double x[N * D], stretch[N * D], rotate[N * D];
    unsigned s = 2024u;
    for (int i = 0; i < N * D; ++i) {
        s = s * 1103515245u + 12345u;
        x[i] = (double)(s >> 8) / 16777216.0 - 0.5; /* uniform on [-1/2, 1/2]^2 */
    }
    for (int i = 0; i < N; ++i) {
        /* T1(x) = 2x + (1, 0) is the gradient of a convex function: optimal for |x - y|^2 (Brenier).
         * T2 rotates by 90 degrees: it moves every point although the rotated cloud is about the same. */
        stretch[i * D] = 2 * x[i * D] + 1;
        stretch[i * D + 1] = 2 * x[i * D + 1];
        rotate[i * D] = -x[i * D + 1];
        rotate[i * D + 1] = x[i * D];
    }
    geomrt_runtime *rt = NULL;
    check(geomrt_runtime_new(&rt, NULL));
    double disp1 = 0, disp2 = 0;
    const double gap1 = monge_gap(rt, x, stretch, &disp1);
    const double gap2 = monge_gap(rt, x, rotate, &disp2);
    printf("optimal map  T(x) = 2x + (1,0): displacement %.6f, Monge gap %.6f (only the entropic term)\n", disp1,
           gap1);
    printf("rotation by 90 degrees:         displacement %.6f, Monge gap %.6f (far from optimal)\n", disp2, gap2);
    /* For an optimal map the gap is only the entropic bias: reg (H + 1) <= gap <= reg (2H + 1), H = log N. */
    const double H = log((double)N), lo = 0.01 * (H + 1), hi = 0.01 * (2 * H + 1);
    printf("entropic bias bounds for an optimal map: [%.6f, %.6f]\n", lo, hi);

    /* Exact W_1 in 1-D between the first coordinates of x and of T1(x): every point moves by
     * |x + 1| >= 1/2, and the sorted matching gives W_1 = mean(x_i + 1) over the samples. */
    static double u[N], v[N];
    double expected = 0;
    for (int i = 0; i < N; ++i) {
        u[i] = x[i * D];
        v[i] = stretch[i * D];
        expected += (u[i] + 1) / N;
    }
    const int64_t n[1] = {N};
    geomrt_args *args = NULL;
    geomrt_result *res = NULL;
    check(geomrt_args_new(&args));
    check(geomrt_args_set_f64(args, "xs", u, 1, n));
    check(geomrt_args_set_f64(args, "xt", v, 1, n));
    check(geomrt_invoke(&res, rt, "ot.wasserstein_1d", args, NULL));
    double w1 = 0;
    check(geomrt_result_scalar(res, "cost", &w1));
    geomrt_result_free(res);
    printf("W_1 between the first coordinates: %.15f (expected %.15f)\n", w1, expected);

    /* A structured random rotation of the 2-D points (padded to 2 coordinates: already a power of two)
     * keeps every norm. */
    const int64_t shape[2] = {N, D};
    geomrt_args_clear(args);
    check(geomrt_args_set_f64(args, "x", x, 2, shape));
    check(geomrt_args_set_param_i64(args, "seed", 7));
    check(geomrt_invoke(&res, rt, "ot.hadamard_rotation", args, NULL));
    static double y[N * D];
    check(geomrt_result_copy_f64(res, "y", y, N * D));
    geomrt_result_free(res);
    double worst = 0;
    for (int i = 0; i < N; ++i) {
        const double a = hypot(x[i * D], x[i * D + 1]), b = hypot(y[i * D], y[i * D + 1]);
        worst = fmax(worst, fabs(a - b));
    }
    printf("hadamard_rotation: largest change of a norm %.2e\n", worst);

    /* Errors come back as codes with a message: x and y must have the same shape. */
    const int64_t short_shape[2] = {N - 1, D};
    geomrt_args_clear(args);
    check(geomrt_args_set_f64(args, "x", x, 2, shape));
    check(geomrt_args_set_f64(args, "y", rotate, 2, short_shape));
    const int rc = geomrt_invoke(&res, rt, "ot.monge_gap", args, NULL);
    printf("x and y of different lengths give %s: %s\n", geomrt_error_name(rc), geomrt_last_error());

    geomrt_args_free(args);
    geomrt_runtime_free(rt);
    const int ok = gap1 >= lo && gap1 <= hi && gap2 > hi + 0.2 && fabs(w1 - expected) < 1e-12 && worst < 1e-12 &&
                   rc != GEOMRT_OK;
    return ok ? 0 : 1;
}
