/* Optimal transport between Gaussians through the geomrt C API: the closed-form W_2 distance and
 * Monge map (ot.gaussian_w2), and a Wasserstein barycenter (ot.gaussian_barycenter).
 * Build against an installed geomrt:  cc 3-gaussian.c $(pkg-config --cflags --libs geomrt) -lm */
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

int main(void) {
    /* N(m1, S1) and N(m2, S2) with covariances diagonal in the same rotated basis (they commute),
     * so W_2^2 = |m1 - m2|^2 + sum_i (sqrt(s1_i) - sqrt(s2_i))^2 = 5 + (1-3)^2 + (2-1)^2 = 10. */
    const double c = 0.6, s = 0.8; /* rotation with cos = 0.6 */
    const double m1[] = {0, 0}, m2[] = {1, 2};
    const double S1[] = {1 * c * c + 4 * s * s, (1 - 4) * c * s, (1 - 4) * c * s, 1 * s * s + 4 * c * c}; /* eig 1, 4 */
    const double S2[] = {9 * c * c + 1 * s * s, (9 - 1) * c * s, (9 - 1) * c * s, 9 * s * s + 1 * c * c}; /* eig 9, 1 */
    const int64_t vshape[1] = {2}, mshape[2] = {2, 2};

    geomrt_runtime *rt = NULL;
    geomrt_args *args = NULL;
    geomrt_result *res = NULL;
    check(geomrt_runtime_new(&rt, NULL));
    check(geomrt_args_new(&args));
    check(geomrt_args_set_f64(args, "m1", m1, 1, vshape));
    check(geomrt_args_set_f64(args, "S1", S1, 2, mshape));
    check(geomrt_args_set_f64(args, "m2", m2, 1, vshape));
    check(geomrt_args_set_f64(args, "S2", S2, 2, mshape));
    check(geomrt_invoke(&res, rt, "ot.gaussian_w2", args, NULL));
    double w2 = 0, A[4], b[2];
    check(geomrt_result_scalar(res, "cost", &w2));
    check(geomrt_result_copy_f64(res, "A", A, 4));
    check(geomrt_result_copy_f64(res, "b", b, 2));
    geomrt_result_free(res);
    printf("W_2 = %.15f (expected sqrt(10) = %.15f)\n", w2, sqrt(10.0));
    printf("Monge map T(x) = A x + b: A = [%.6f %.6f; %.6f %.6f], b = [%.6f %.6f]\n", A[0], A[1], A[2], A[3], b[0],
           b[1]);
    /* A S1 A must equal S2. */
    double push[4] = {0, 0, 0, 0}, err = 0;
    for (int i = 0; i < 2; ++i)
        for (int j = 0; j < 2; ++j)
            for (int k = 0; k < 2; ++k)
                for (int l = 0; l < 2; ++l) push[i * 2 + j] += A[i * 2 + k] * S1[k * 2 + l] * A[l * 2 + j];
    for (int i = 0; i < 4; ++i) err = fmax(err, fabs(push[i] - S2[i]));
    printf("max |A S1 A - S2| = %.2e\n", err);

    /* Barycenter with weights 1/4, 3/4: the square roots average, sqrt(S) = R (1/4 diag(1,2) + 3/4 diag(3,1)) R^T,
     * eigenvalues 2.5^2 = 6.25 and 1.25^2 = 1.5625. */
    const double means[] = {0, 0, 1, 2}, weights[] = {0.25, 0.75};
    double covs[8];
    for (int i = 0; i < 4; ++i) {
        covs[i] = S1[i];
        covs[4 + i] = S2[i];
    }
    const int64_t kd[2] = {2, 2}, kdd[3] = {2, 2, 2}, k[1] = {2};
    geomrt_args_clear(args);
    check(geomrt_args_set_f64(args, "means", means, 2, kd));
    check(geomrt_args_set_f64(args, "covs", covs, 3, kdd));
    check(geomrt_args_set_f64(args, "weights", weights, 1, k));
    check(geomrt_invoke(&res, rt, "ot.gaussian_barycenter", args, NULL));
    double cov[4], mean[2], iterations = 0;
    check(geomrt_result_copy_f64(res, "cov", cov, 4));
    check(geomrt_result_copy_f64(res, "mean", mean, 2));
    check(geomrt_result_scalar(res, "iterations", &iterations));
    geomrt_result_free(res);
    const double tr = cov[0] + cov[3], det = cov[0] * cov[3] - cov[1] * cov[2];
    printf("barycenter: mean [%.4f %.4f], trace %.12f (expected 7.8125), det %.12f (expected 9.765625), %g iterations\n",
           mean[0], mean[1], tr, det, iterations);

    /* Errors come back as codes with a message; nothing is written on failure. */
    const double bad[] = {1, 0.5, 0, 1};
    geomrt_args_clear(args);
    check(geomrt_args_set_f64(args, "m1", m1, 1, vshape));
    check(geomrt_args_set_f64(args, "S1", bad, 2, mshape));
    check(geomrt_args_set_f64(args, "m2", m2, 1, vshape));
    check(geomrt_args_set_f64(args, "S2", S2, 2, mshape));
    int rc = geomrt_invoke(&res, rt, "ot.gaussian_w2", args, NULL);
    printf("non-symmetric S1 gives %s: %s\n", geomrt_error_name(rc), geomrt_last_error());

    geomrt_args_free(args);
    geomrt_runtime_free(rt);
    const int ok = fabs(w2 - sqrt(10.0)) < 1e-12 && err < 1e-12 && fabs(tr - 7.8125) < 1e-10 &&
                   fabs(det - 9.765625) < 1e-10 && fabs(mean[0] - 0.75) < 1e-15 && rc == GEOMRT_EINVAL;
    return ok ? 0 : 1;
}
