/* Normalize a batch of covariance matrices with SPD batch normalization under the Bures-Wasserstein
 * geometry (spd.batchnorm_forward), through the geomrt C API, and check the result with
 * spd.barycenter and spd.bw_distance: with mode=converged, bias weight = I and shift = 1 the
 * normalized batch has its BW barycenter at the identity and mean squared distance ~1 to it (as long
 * as I + V/2 stays positive definite for the transported logarithms V, i.e. the batch is not too
 * spread out; beyond that the layer keeps the reference's Log_I Exp_I V = 2 |I + V/2| - 2I).
 * Build against an installed geomrt:  cc 7-spd-batchnorm.c $(pkg-config --cflags --libs geomrt) -lm */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <geomrt/geomrt.h>

#define N 8   /* batch size */
#define D 4   /* matrix size */
#define T 40  /* samples per covariance */

static void check(int rc) {
    if (rc != GEOMRT_OK) {
        fprintf(stderr, "geomrt error %s: %s\n", geomrt_error_name(rc), geomrt_last_error());
        exit(1);
    }
}

/* A small fixed-seed generator of standard normals (Box-Muller on a 64-bit LCG). */
static unsigned long long state = 12345;
static double uniform(void) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return ((state >> 11) + 0.5) / 9007199254740992.0;
}
static double normal(void) { return sqrt(-2 * log(uniform())) * cos(6.283185307179586 * uniform()); }

int main(void) {
    /* Covariances of T samples of D channels with channel-dependent scales. */
    static double X[N * D * D], I[D * D], Ibatch[N * D * D], Y[N * D * D], mean[D * D], dist[N];
    for (int b = 0; b < N; ++b) {
        double s[T][D];
        for (int t = 0; t < T; ++t)
            for (int k = 0; k < D; ++k) s[t][k] = (1.0 + 0.2 * k + 0.05 * b) * normal() + (k > 0 ? 0.3 * s[t][k - 1] : 0.0);
        for (int i = 0; i < D; ++i)
            for (int j = 0; j < D; ++j) {
                double c = 0;
                for (int t = 0; t < T; ++t) c += s[t][i] * s[t][j];
                X[b * D * D + i * D + j] = c / T;
            }
    }
    for (int i = 0; i < D * D; ++i) I[i] = (i % (D + 1) == 0) ? 1.0 : 0.0;
    for (int b = 0; b < N; ++b)
        for (int i = 0; i < D * D; ++i) Ibatch[b * D * D + i] = I[i];
    double running_mean[D * D], running_var = 1.0;
    for (int i = 0; i < D * D; ++i) running_mean[i] = I[i];

    geomrt_runtime *rt = NULL;
    geomrt_args *args = NULL;
    geomrt_result *res = NULL;
    const int64_t xshape[3] = {N, D, D}, mshape[2] = {D, D};
    check(geomrt_runtime_new(&rt, NULL));
    check(geomrt_args_new(&args));
    check(geomrt_args_set_f64(args, "X", X, 3, xshape));
    check(geomrt_args_set_f64(args, "weight", I, 2, mshape));
    check(geomrt_args_set_inplace(args, "running_mean", GEOMRT_DTYPE_F64, running_mean, 2, mshape, NULL));
    check(geomrt_args_set_inplace(args, "running_var", GEOMRT_DTYPE_F64, &running_var, 0, NULL, NULL));
    check(geomrt_args_set_param_string(args, "mode", "converged"));
    check(geomrt_invoke(&res, rt, "spd.batchnorm_forward", args, NULL));
    double var = 0;
    check(geomrt_result_copy_f64(res, "Y", Y, N * D * D));
    check(geomrt_result_scalar(res, "batch_var", &var));
    geomrt_result_free(res);
    geomrt_args_free(args);
    printf("batch variance %.6f; running variance after one step %.6f (0.9 x 1 + 0.1 x var)\n", var, running_var);

    /* The normalized batch: barycenter I, mean squared BW distance to I = var / (var + eps) ~ 1. */
    check(geomrt_args_new(&args));
    check(geomrt_args_set_f64(args, "X", Y, 3, xshape));
    check(geomrt_invoke(&res, rt, "spd.barycenter", args, NULL));
    check(geomrt_result_copy_f64(res, "mean", mean, D * D));
    geomrt_result_free(res);
    check(geomrt_args_set_f64(args, "Y", Ibatch, 3, xshape));
    check(geomrt_invoke(&res, rt, "spd.bw_distance", args, NULL));
    check(geomrt_result_copy_f64(res, "distance", dist, N));
    geomrt_result_free(res);
    geomrt_args_free(args);
    double err = 0, msd = 0;
    for (int i = 0; i < D * D; ++i) err = fmax(err, fabs(mean[i] - I[i]));
    for (int b = 0; b < N; ++b) msd += dist[b] * dist[b] / N;
    printf("barycenter of the normalized batch - I: max |entry| %.2e\n", err);
    printf("mean squared BW distance of the normalized batch to I: %.12f (expected %.12f)\n", msd, var / (var + 1e-5));
    geomrt_runtime_free(rt);
    return err < 1e-8 && fabs(msd - var / (var + 1e-5)) < 1e-8 && fabs(running_var - (0.9 + 0.1 * var)) < 1e-12 ? 0 : 1;
}
