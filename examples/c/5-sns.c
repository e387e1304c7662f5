/* Entropic optimal transport with a very small regularization by Sinkhorn-Newton-Sparse
 * (ot.sinkhorn_newton_sparse) through the geomrt C API, on a random assignment problem:
 * n x n costs drawn uniformly from [0, 1], uniform weights, reg = 1/1200 (eta = 1200).
 * Build against an installed geomrt:  cc 5-sns.c $(pkg-config --cflags --libs geomrt)
 * Exits nonzero if a sanity check fails. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <geomrt/geomrt.h>

#define N 200

static void check(int rc) {
    if (rc != GEOMRT_OK) {
        fprintf(stderr, "geomrt error %s: %s\n", geomrt_error_name(rc), geomrt_last_error());
        exit(1);
    }
}

static double scalar(const geomrt_result *res, const char *name) {
    double v = 0;
    check(geomrt_result_scalar(res, name, &v));
    return v;
}

int main(void) {
    static double M[N * N], plan[N * N];
    uint64_t state = 42; /* a small LCG so the example needs no other library */
    for (int k = 0; k < N * N; ++k) {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        M[k] = (double)(state >> 11) / 9007199254740992.0; /* uniform [0, 1) */
    }
    const int64_t shape[2] = {N, N};
    const double reg = 1.0 / 1200, tol = 1e-9;

    geomrt_runtime *rt = NULL;
    geomrt_args *args = NULL;
    geomrt_result *res = NULL;
    check(geomrt_runtime_new(&rt, NULL));
    check(geomrt_args_new(&args));
    check(geomrt_args_set_f64(args, "M", M, 2, shape)); /* a and b default to uniform 1/N */
    check(geomrt_args_set_param_f64(args, "reg", reg));
    check(geomrt_args_set_param_f64(args, "tol", tol));

    check(geomrt_invoke(&res, rt, "ot.sinkhorn_newton_sparse", args, NULL));
    const double cost = scalar(res, "cost"), err = scalar(res, "marginal_error");
    const int64_t iters = (int64_t)scalar(res, "iterations");
    printf("ot.sinkhorn_newton_sparse, n=%d, reg=1/1200: cost %.9f, marginal error %.2e\n", N, cost, err);
    printf("  %lld iterations = %.0f Sinkhorn + %.0f Newton (%.0f CG iterations, %.0f dense passes)\n",
           (long long)iters, scalar(res, "sinkhorn_iterations"), scalar(res, "newton_iterations"),
           scalar(res, "cg_iterations"), scalar(res, "dense_passes"));
    check(geomrt_result_copy_f64(res, "plan", plan, N * N));
    geomrt_result_free(res);

    /* Check the marginals ourselves. */
    double merr = 0;
    for (int i = 0; i < N; ++i) {
        double r = 0, c = 0;
        for (int j = 0; j < N; ++j) {
            r += plan[i * N + j];
            c += plan[j * N + i];
        }
        merr += fabs(r - 1.0 / N) + fabs(c - 1.0 / N);
    }

    /* The exact assignment cost is a lower bound on the cost of any feasible plan. */
    geomrt_args *emd_args = NULL;
    check(geomrt_args_new(&emd_args));
    check(geomrt_args_set_f64(emd_args, "M", M, 2, shape));
    check(geomrt_invoke(&res, rt, "ot.emd", emd_args, NULL));
    const double exact = scalar(res, "cost");
    geomrt_result_free(res);
    geomrt_args_free(emd_args);
    printf("exact assignment cost (ot.emd): %.9f\n", exact);

    /* Plain Sinkhorn, given 100x as many iterations (at this reg it typically needs far more). */
    check(geomrt_args_set_param_bool(args, "anneal", 0));
    check(geomrt_args_set_param_i64(args, "max_iter", 100 * iters));
    int rc = geomrt_invoke(&res, rt, "ot.sinkhorn", args, NULL);
    printf("ot.sinkhorn (anneal=false) with max_iter=%lld: %s\n", (long long)(100 * iters),
           rc == GEOMRT_OK ? "converged" : geomrt_last_error());
    if (rc == GEOMRT_OK) geomrt_result_free(res);

    geomrt_args_free(args);
    geomrt_runtime_free(rt);
    const int ok = err <= tol && merr <= 1.1 * tol && cost >= exact - 1e-12 && cost <= exact + 0.02;
    if (!ok) fprintf(stderr, "sanity check failed\n");
    return ok ? 0 : 1;
}
