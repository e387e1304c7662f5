/* Exact and entropic optimal transport between two small point clouds through the geomrt C API.
 * Build against an installed geomrt:  cc 1-emd.c $(pkg-config --cflags --libs geomrt)
 * or with CMake: find_package(geomrt) and target_link_libraries(app geomrt::geomrt). */
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

int main(void) {
    /* Four points on the unit square and the same points shifted by (0.5, 0.25). */
    const double xs[] = {0, 0, 1, 0, 0, 1, 1, 1};
    const double xt[] = {0.5, 0.25, 1.5, 0.25, 0.5, 1.25, 1.5, 1.25};
    const double a[] = {0.1, 0.2, 0.3, 0.4};
    const int64_t shape[2] = {4, 2}, wshape[1] = {4};

    geomrt_runtime *rt = NULL;
    geomrt_args *args = NULL;
    geomrt_result *res = NULL;
    check(geomrt_runtime_new(&rt, NULL));
    check(geomrt_args_new(&args));
    check(geomrt_args_set_f64(args, "xs", xs, 2, shape));
    check(geomrt_args_set_f64(args, "xt", xt, 2, shape));
    check(geomrt_args_set_f64(args, "a", a, 1, wshape));
    check(geomrt_args_set_f64(args, "b", a, 1, wshape));

    double exact = 0, entropic = 0;
    check(geomrt_invoke(&res, rt, "ot.emd", args, NULL));
    check(geomrt_result_scalar(res, "cost", &exact));
    geomrt_sparse_view plan;
    check(geomrt_result_sparse(res, "plan", &plan));
    printf("exact OT cost (ot.emd):       %.12f  (%lld plan entries; expected 0.3125 = |(0.5,0.25)|^2)\n", exact,
           (long long)plan.nnz);
    geomrt_result_free(res);

    check(geomrt_args_set_param_f64(args, "reg", 0.01));
    check(geomrt_invoke(&res, rt, "ot.sinkhorn", args, NULL));
    check(geomrt_result_scalar(res, "cost", &entropic));
    printf("entropic OT cost (ot.sinkhorn, reg=0.01): %.12f\n", entropic);
    geomrt_result_free(res);

    /* Errors come back as codes with a message; nothing is written on failure. */
    check(geomrt_args_set_param_f64(args, "reg", -1.0));
    int rc = geomrt_invoke(&res, rt, "ot.sinkhorn", args, NULL);
    printf("reg=-1 gives %s: %s\n", geomrt_error_name(rc), geomrt_last_error());

    geomrt_args_free(args);
    geomrt_runtime_free(rt);
    return (exact > 0.3124 && exact < 0.3126 && rc == GEOMRT_EINVAL) ? 0 : 1;
}
