/* One round of robust federated aggregation through the geomrt C API: 10 clients send float32
 * model updates (a strided view of the server's buffer, passed without a copy), 2 of them (3 and 8)
 * scaled and shifted (a backdoor attempt). fl.multi_metrics reports per client the three features
 * and the score it keeps or drops it by; fl.multi_krum is the distance-based baseline. With 2
 * outliers among 10, the feature covariance is dominated by them and the uncentred score of the
 * authors' code does not single them out, while Multi-Krum does (docs/FL.md has the full study).
 * A client sending NaN is named in the error.
 * Build against an installed geomrt: cc 7-federated.c $(pkg-config --cflags --libs geomrt) -lm */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <geomrt/geomrt.h>

enum { K = 10, D = 5000 };

static int check(int rc) {
    if (rc != GEOMRT_OK) {
        fprintf(stderr, "geomrt error %s: %s\n", geomrt_error_name(rc), geomrt_last_error());
        exit(1);
    }
    return rc;
}

static double uniform(unsigned long long *s) { /* reproducible numbers in [-0.5, 0.5) */
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(*s >> 11) * 0x1.0p-53 - 0.5;
}

int main(void) {
    /* The server stores one row per client in a buffer with a padded row stride (D + 16). */
    const int64_t stride = D + 16;
    float *buf = malloc(sizeof(float) * K * stride);
    double common[D], n[K];
    unsigned long long s = 7;
    for (int j = 0; j < D; ++j) common[j] = 0.1 * uniform(&s);
    for (int i = 0; i < K; ++i) {
        const int attacker = i == 3 || i == 8;
        n[i] = 50 + 10 * i;
        for (int j = 0; j < D; ++j)
            buf[i * stride + j] = (float)((attacker ? 3.0 : 1.0) * common[j] + 0.05 * uniform(&s) +
                                          (attacker && j % 7 == 0 ? 0.3 : 0.0));
    }
    geomrt_runtime *rt = NULL;
    geomrt_args *args = NULL;
    geomrt_result *res = NULL;
    check(geomrt_runtime_new(&rt, NULL));
    check(geomrt_args_new(&args));
    const int64_t shape[2] = {K, D}, strides[2] = {stride, 1}, nshape[1] = {K};
    check(geomrt_args_set_tensor(args, "W", GEOMRT_DTYPE_F32, buf, 2, shape, strides));
    check(geomrt_args_set_tensor(args, "n", GEOMRT_DTYPE_F64, n, 1, nshape, NULL));
    check(geomrt_args_set_param_f64(args, "keep_fraction", 0.5));
    check(geomrt_invoke(&res, rt, "fl.multi_metrics", args, NULL));

    geomrt_tensor_view kept, scores, feat, agg;
    check(geomrt_result_tensor(res, "kept", &kept));
    check(geomrt_result_tensor(res, "scores", &scores));
    check(geomrt_result_tensor(res, "features", &feat));
    check(geomrt_result_tensor(res, "aggregate", &agg));
    const int64_t *k = kept.data;
    const double *sc = scores.data, *f = feat.data;
    printf("client  score      cos-term   manhattan   length     kept\n");
    for (int i = 0; i < K; ++i) {
        int is_kept = 0;
        for (int64_t q = 0; q < kept.numel; ++q) is_kept |= k[q] == i;
        printf("%6d  %-9.4g  %-9.3g  %-10.4g  %-9.4g  %s\n", i, sc[i], f[3 * i], f[3 * i + 1], f[3 * i + 2],
               is_kept ? "yes" : "no");
    }
    printf("aggregate: %lld float32 entries (dtype %d), first %.6f\n", (long long)agg.numel, agg.dtype,
           ((const float *)agg.data)[0]);
    const int64_t n_kept = kept.numel;
    geomrt_result_free(res);

    geomrt_args *kargs = NULL;
    check(geomrt_args_new(&kargs));
    check(geomrt_args_set_tensor(kargs, "W", GEOMRT_DTYPE_F32, buf, 2, shape, strides));
    check(geomrt_args_set_param_f64(kargs, "f", 2));
    check(geomrt_invoke(&res, rt, "fl.multi_krum", kargs, NULL));
    check(geomrt_result_tensor(res, "kept", &kept));
    printf("fl.multi_krum (f = 2) keeps:");
    for (int64_t q = 0; q < kept.numel; ++q) printf(" %lld", (long long)((const int64_t *)kept.data)[q]);
    printf("\n");
    geomrt_result_free(res);
    geomrt_args_free(kargs);

    /* A client sending NaN is an error that names it; the buffer is not touched. */
    buf[6 * stride + 123] = NAN;
    int rc = geomrt_invoke(&res, rt, "fl.multi_metrics", args, NULL);
    printf("NaN from client 6 gives %s: %s\n", geomrt_error_name(rc), geomrt_last_error());

    geomrt_args_free(args);
    geomrt_runtime_free(rt);
    free(buf);
    return n_kept == 5 && rc == GEOMRT_EINVAL ? 0 : 1;
}
