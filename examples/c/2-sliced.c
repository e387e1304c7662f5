/* Sliced Wasserstein distances between two point clouds through the geomrt C API.
 * Build against an installed geomrt:  cc 2-sliced.c $(pkg-config --cflags --libs geomrt) -lm
 * or with CMake: find_package(geomrt) and target_link_libraries(app geomrt::geomrt). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <geomrt/geomrt.h>

static int check(int rc) {
    if (rc != GEOMRT_OK) {
        fprintf(stderr, "geomrt error %s: %s\n", geomrt_error_name(rc), geomrt_last_error());
        exit(1);
    }
    return rc;
}

/* Run `method` and return its scalar output "cost" (and "cost_p" if cost_p is not NULL). */
static double run(geomrt_runtime *rt, const char *method, geomrt_args *args, double *cost_p) {
    geomrt_result *res = NULL;
    double cost = 0;
    check(geomrt_invoke(&res, rt, method, args, NULL));
    check(geomrt_result_scalar(res, "cost", &cost));
    if (cost_p) check(geomrt_result_scalar(res, "cost_p", cost_p));
    geomrt_result_free(res);
    return cost;
}

int main(void) {
    /* 200 points in 3-D and the same points moved by t = (1, 0, 0). For a translation the
     * projection on theta moves by theta.t, so SW_2^2 = E (theta.t)^2 = |t|^2 / d = 1/3 and
     * max-SW_2 = |t| = 1. */
    enum { N = 200, D = 3 };
    static double xs[N * D], xt[N * D];
    unsigned s = 12345u;
    for (int i = 0; i < N * D; ++i) {
        s = s * 1103515245u + 12345u;
        xs[i] = (double)(s >> 8) / 16777216.0;
        xt[i] = xs[i] + (i % D == 0 ? 1.0 : 0.0);
    }
    const int64_t shape[2] = {N, D};

    geomrt_runtime *rt = NULL;
    geomrt_args *args = NULL;
    check(geomrt_runtime_new(&rt, NULL));
    check(geomrt_args_new(&args));
    check(geomrt_args_set_f64(args, "xs", xs, 2, shape));
    check(geomrt_args_set_f64(args, "xt", xt, 2, shape));

    double plain_p = 0, cv_p = 0;
    check(geomrt_args_set_param_i64(args, "n_projections", 50));
    check(geomrt_args_set_param_i64(args, "seed", 1));
    run(rt, "ot.sliced_wasserstein", args, &plain_p);
    /* The lower control variate (theta.Delta)^2 is exact for a translation: no Monte Carlo error. */
    check(geomrt_args_set_param_string(args, "control_variate", "lower"));
    run(rt, "ot.sliced_wasserstein", args, &cv_p);
    printf("SW_2^2, 50 directions:                   %.12f (exact 1/3)\n", plain_p);
    printf("SW_2^2, 50 directions + control variate: %.12f\n", cv_p);

    geomrt_args_clear(args);
    check(geomrt_args_set_f64(args, "xs", xs, 2, shape));
    check(geomrt_args_set_f64(args, "xt", xt, 2, shape));
    const double max_sw = run(rt, "ot.max_sliced_wasserstein", args, NULL);
    check(geomrt_args_set_param_f64(args, "kappa", 10.0));
    const double vdsw = run(rt, "ot.vmf_sliced_wasserstein", args, NULL);
    printf("max-SW_2:                                %.12f (exact 1)\n", max_sw);
    printf("v-DSW_2, kappa = 10:                     %.12f (between SW_2 = %.4f and max-SW_2)\n", vdsw,
           sqrt(1.0 / 3.0));

    /* Errors come back as codes with a message; p must be >= 1. */
    geomrt_result *res = NULL;
    geomrt_args_clear(args);
    check(geomrt_args_set_f64(args, "xs", xs, 2, shape));
    check(geomrt_args_set_f64(args, "xt", xt, 2, shape));
    check(geomrt_args_set_param_f64(args, "p", 0.5));
    int rc = geomrt_invoke(&res, rt, "ot.sliced_wasserstein", args, NULL);
    printf("p=0.5 gives %s: %s\n", geomrt_error_name(rc), geomrt_last_error());

    geomrt_args_free(args);
    geomrt_runtime_free(rt);
    const int ok = fabs(cv_p - 1.0 / 3.0) < 1e-12 && fabs(plain_p - 1.0 / 3.0) < 0.15 && fabs(max_sw - 1.0) < 1e-9 &&
                   vdsw > sqrt(1.0 / 3.0) && vdsw <= 1.0 + 1e-12 && rc == GEOMRT_EINVAL;
    return ok ? 0 : 1;
}
