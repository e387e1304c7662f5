/* Permutation-invariant distances between molecular configurations (per-atom-type W1) and
 * farthest-point selection of diverse configurations, through the geomrt C API.
 * Build against an installed geomrt:  cc 6-atomtype.c $(pkg-config --cflags --libs geomrt) -lm
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

/* Methane: one carbon (type 6) and four hydrogens (type 1) on a tetrahedron, in Angstrom. */
static const double methane[5][3] = {
    {0, 0, 0}, {0.63, 0.63, 0.63}, {-0.63, -0.63, 0.63}, {-0.63, 0.63, -0.63}, {0.63, -0.63, -0.63}};
static const int64_t types[5] = {6, 1, 1, 1, 1};

/* Configuration i: methane shifted by 0.1*i along x, hydrogens listed in a rotated order. */
static void config(int i, double out[5][3]) {
    for (int a = 0; a < 5; ++a) {
        const int src = a == 0 ? 0 : 1 + (a - 1 + i) % 4;
        for (int k = 0; k < 3; ++k) out[a][k] = methane[src][k] + (k == 0 ? 0.1 * i : 0.0);
    }
}

int main(void) {
    geomrt_runtime *rt = NULL;
    geomrt_args *args = NULL;
    geomrt_result *res = NULL;
    check(geomrt_runtime_new(&rt, NULL));
    check(geomrt_args_new(&args));

    /* 1. Distance between configuration 0 and configuration 3 (shift 0.3, hydrogens reordered). */
    double x[5][3], y[5][3];
    config(0, x);
    config(3, y);
    const int64_t xshape[2] = {5, 3}, tshape[1] = {5};
    check(geomrt_args_set_f64(args, "x", &x[0][0], 2, xshape));
    check(geomrt_args_set_f64(args, "y", &y[0][0], 2, xshape));
    check(geomrt_args_set_tensor(args, "types", GEOMRT_DTYPE_I64, types, 1, tshape, NULL));
    double sum = 0, max = 0;
    check(geomrt_invoke(&res, rt, "ot.atomtype_w1", args, NULL));
    check(geomrt_result_scalar(res, "cost", &sum));
    geomrt_tensor_view per_type, matching;
    check(geomrt_result_tensor(res, "per_type", &per_type));
    check(geomrt_result_tensor(res, "matching", &matching));
    const double *w = (const double *)per_type.data;
    const int64_t *m = (const int64_t *)matching.data;
    printf("ot.atomtype_w1 (sum): %.12f  per type: H %.12f, C %.12f  (expected 0.6 = 2 types x 0.3)\n", sum, w[0],
           w[1]);
    printf("matching x -> y: %lld %lld %lld %lld %lld\n", (long long)m[0], (long long)m[1], (long long)m[2],
           (long long)m[3], (long long)m[4]);
    geomrt_result_free(res);
    check(geomrt_args_set_param_string(args, "combine", "max"));
    check(geomrt_invoke(&res, rt, "ot.atomtype_w1", args, NULL));
    check(geomrt_result_scalar(res, "cost", &max));
    printf("ot.atomtype_w1 (max): %.12f  (expected 0.3)\n", max);
    geomrt_result_free(res);

    /* 2. Farthest-point sampling: pick 3 of 6 configurations; distance(i, j) = 0.2 |i - j|. */
    double configs[6][5][3];
    for (int i = 0; i < 6; ++i) config(i, configs[i]);
    const int64_t cshape[3] = {6, 5, 3};
    geomrt_args_clear(args);
    check(geomrt_args_set_f64(args, "configs", &configs[0][0][0], 3, cshape));
    check(geomrt_args_set_tensor(args, "types", GEOMRT_DTYPE_I64, types, 1, tshape, NULL));
    check(geomrt_args_set_param_i64(args, "k", 3));
    check(geomrt_invoke(&res, rt, "ot.farthest_point_sampling", args, NULL));
    geomrt_tensor_view idx, mind;
    double radius = 0;
    check(geomrt_result_tensor(res, "indices", &idx));
    check(geomrt_result_tensor(res, "min_distances", &mind));
    check(geomrt_result_scalar(res, "coverage_radius", &radius));
    const int64_t *sel = (const int64_t *)idx.data;
    const double *md = (const double *)mind.data;
    printf("farthest-point order: %lld %lld %lld  (expected 0 5 2)\n", (long long)sel[0], (long long)sel[1],
           (long long)sel[2]);
    printf("min distances: %.6f %.6f %.6f, coverage radius %.6f  (expected 0 1 0.4, 0.2)\n", md[0], md[1], md[2],
           radius);
    const int fps_ok = sel[0] == 0 && sel[1] == 5 && sel[2] == 2 && fabs(md[1] - 1.0) < 1e-9 &&
                       fabs(md[2] - 0.4) < 1e-9 && fabs(radius - 0.2) < 1e-9;
    geomrt_result_free(res);

    /* 3. Errors come back as codes with a message: k larger than the number of configurations. */
    check(geomrt_args_set_param_i64(args, "k", 7));
    const int rc = geomrt_invoke(&res, rt, "ot.farthest_point_sampling", args, NULL);
    printf("k=7 gives %s: %s\n", geomrt_error_name(rc), geomrt_last_error());

    geomrt_args_free(args);
    geomrt_runtime_free(rt);
    const int ok = fabs(sum - 0.6) < 1e-9 && fabs(max - 0.3) < 1e-9 && fps_ok && rc == GEOMRT_EINVAL;
    return ok ? 0 : 1;
}
