/* Do logarithmic proximity measures outperform plain ones in graph clustering?
 * (Ivashkin & Chebotarev 2016.) For random partition graphs G(N, m, p_in, p_out) and Zachary's
 * karate club, every kernel family plain and logarithmic, an alpha grid, kernel k-means and Ward:
 * the best adjusted Rand index over the grid (mean over graphs), printed as markdown tables.
 * By default (and with GEOMRT_EXAMPLE_QUICK=1) a small version runs in a second; --full (or
 * GEOMRT_EXAMPLE_QUICK=0) runs the whole study (N = 100 and 150, 3 graphs per setting: seconds).
 * GEOMRT_GRAPH_N=200,300 sets other node counts, GEOMRT_GRAPH_GRAPHS=10 the graphs per setting.
 * The karate club is read from examples/data/karate.csv (path from argv[1], else found next to this source file).
 * Build against an installed geomrt:  cc -std=c99 7-graph-clustering.c $(pkg-config --cflags --libs geomrt) -lm */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <geomrt/geomrt.h>

#define NF 6
static const char *FAM[NF] = {"pwalk", "forest", "heat", "nheat", "comm", "sct"};
static const char *PLAIN[NF] = {"pWalk", "For", "Heat", "NHeat", "Comm", "SCT"};
static const char *LOGN[NF] = {"Walk", "logFor", "logHeat", "logNHeat", "logComm", "logSCT"};
#define NV (2 * NF) /* variant v: family v / 2, logarithmic if v is odd */
#define MAXA 19
#define MAXN 8 /* node counts per run */

static void check(int rc) {
    if (rc != GEOMRT_OK) {
        fprintf(stderr, "geomrt error %s: %s\n", geomrt_error_name(rc), geomrt_last_error());
        exit(1);
    }
}

typedef struct {
    int64_t n, nnz;
    int64_t *ptr, *idx;
    double *val;
} graph;

/* ARI of labels against truth. */
static double ari(geomrt_runtime *rt, const int64_t *truth, const int64_t *pred, int64_t n) {
    geomrt_args *a;
    geomrt_result *r;
    double v;
    int64_t shape[1] = {n};
    check(geomrt_args_new(&a));
    check(geomrt_args_set_tensor(a, "labels_true", GEOMRT_DTYPE_I64, truth, 1, shape, NULL));
    check(geomrt_args_set_tensor(a, "labels_pred", GEOMRT_DTYPE_I64, pred, 1, shape, NULL));
    check(geomrt_invoke(&r, rt, "graph.adjusted_rand_index", a, NULL));
    check(geomrt_result_scalar(r, "ari", &v));
    geomrt_result_free(r);
    geomrt_args_free(a);
    return v;
}

/* Kernel k-means (k-means++, 10 restarts) and Ward on K; their ARIs. */
static void cluster(geomrt_runtime *rt, const double *K, int64_t n, int64_t k, const int64_t *truth, double *km,
                    double *wd) {
    const char *methods[2] = {"graph.kernel_kmeans", "graph.ward"};
    double *out[2] = {km, wd};
    int64_t shape[2] = {n, n};
    for (int m = 0; m < 2; ++m) {
        geomrt_args *a;
        geomrt_result *r;
        geomrt_tensor_view lab;
        check(geomrt_args_new(&a));
        check(geomrt_args_set_f64(a, "K", K, 2, shape));
        check(geomrt_args_set_param_i64(a, "k", k));
        int rc = geomrt_invoke(&r, rt, methods[m], a, NULL);
        geomrt_args_free(a);
        if (rc != GEOMRT_OK) { /* e.g. a kernel with non-finite entries: no score */
            *out[m] = NAN;
            continue;
        }
        check(geomrt_result_tensor(r, "labels", &lab));
        *out[m] = ari(rt, truth, (const int64_t *)lab.data, n);
        geomrt_result_free(r);
    }
}

/* graph.kernel for variant v at the given alphas (a scan); NULL if it is undefined for one of them. */
static geomrt_result *kernels(geomrt_runtime *rt, const graph *g, int v, const double *alphas, int64_t na) {
    geomrt_args *a;
    geomrt_result *r = NULL;
    int64_t shape[1] = {na};
    check(geomrt_args_new(&a));
    check(geomrt_args_set_sparse(a, "A", g->n, g->n, g->nnz, g->ptr, g->idx, g->val));
    check(geomrt_args_set_f64(a, "alphas", alphas, 1, shape));
    check(geomrt_args_set_param_string(a, "kernel", FAM[v / 2]));
    check(geomrt_args_set_param_bool(a, "log", v % 2));
    if (geomrt_invoke(&r, rt, "graph.kernel", a, NULL) != GEOMRT_OK) r = NULL;
    geomrt_args_free(a);
    return r;
}

/* ARI of both algorithms for every variant and alpha: score[alg][v][a] (NaN where undefined). */
static void score_graph(geomrt_runtime *rt, const graph *g, const int64_t *truth, int64_t k, const double *alphas,
                        int na, double score[2][NV][MAXA]) {
    const int64_t n = g->n;
    for (int v = 0; v < NV; ++v) {
        geomrt_result *r = kernels(rt, g, v, alphas, na);
        for (int i = 0; i < na; ++i) {
            geomrt_result *one = r;
            int idx = i;
            if (!r) { /* some alpha is undefined (e.g. entries below float64 resolution): one at a time */
                one = kernels(rt, g, v, alphas + i, 1);
                idx = 0;
            }
            if (!one) {
                score[0][v][i] = score[1][v][i] = NAN;
                continue;
            }
            geomrt_tensor_view K;
            check(geomrt_result_tensor(one, "K", &K));
            cluster(rt, (const double *)K.data + (int64_t)idx * n * n, n, k, truth, &score[0][v][i], &score[1][v][i]);
            if (!r) geomrt_result_free(one);
        }
        if (r) geomrt_result_free(r);
    }
}

/* Best over the grid of the mean over graphs; NaN entries (undefined on some graph) are skipped. */
static void best_over_grid(double sum[2][NV][MAXA], int cnt[2][NV][MAXA], int graphs, int na, double best[2][NV]) {
    for (int m = 0; m < 2; ++m)
        for (int v = 0; v < NV; ++v) {
            best[m][v] = NAN;
            for (int i = 0; i < na; ++i) {
                if (cnt[m][v][i] < graphs) continue;
                const double mean = sum[m][v][i] / graphs;
                if (isnan(best[m][v]) || mean > best[m][v]) best[m][v] = mean;
            }
        }
}

static void print_header(void) {
    printf("| setting |");
    for (int f = 0; f < NF; ++f) printf(" %s | %s |", PLAIN[f], LOGN[f]);
    printf("\n|---|");
    for (int v = 0; v < NV; ++v) printf("---|");
    printf("\n");
}

static void print_row(const char *name, const double *best) {
    double top = -INFINITY;
    for (int v = 0; v < NV; ++v)
        if (!isnan(best[v]) && best[v] > top) top = best[v];
    printf("| %s |", name);
    for (int v = 0; v < NV; ++v) {
        if (isnan(best[v])) printf(" - |");
        else if (best[v] == top) printf(" **%.3f** |", best[v]);
        else printf(" %.3f |", best[v]);
    }
    printf("\n");
}

static int read_karate(const char *dir, graph *g, int64_t **truth) {
    char path[4096];
    int64_t e[200][2], ne = 0, n = 0;
    snprintf(path, sizeof path, "%s/karate.csv", dir);
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    char line[256];
    while (fgets(line, sizeof line, f) && ne < 200) {
        long long i, j;
        if (sscanf(line, "%lld,%lld", &i, &j) != 2) continue;
        e[ne][0] = i, e[ne][1] = j, ++ne;
        if (j + 1 > n) n = j + 1;
        if (i + 1 > n) n = i + 1;
    }
    fclose(f);
    g->n = n;
    g->nnz = 2 * ne;
    g->ptr = calloc((size_t)n + 1, sizeof(int64_t));
    g->idx = malloc(sizeof(int64_t) * (size_t)g->nnz);
    g->val = malloc(sizeof(double) * (size_t)g->nnz);
    for (int64_t k = 0; k < ne; ++k) ++g->ptr[e[k][0] + 1], ++g->ptr[e[k][1] + 1];
    for (int64_t i = 0; i < n; ++i) g->ptr[i + 1] += g->ptr[i];
    int64_t *cur = malloc(sizeof(int64_t) * (size_t)n);
    memcpy(cur, g->ptr, sizeof(int64_t) * (size_t)n);
    for (int64_t i = 0; i < n; ++i) /* rows in increasing column order */
        for (int64_t k = 0; k < ne; ++k)
            for (int s = 0; s < 2; ++s)
                if (e[k][s] == i) {
                    g->idx[cur[i]] = e[k][1 - s];
                    g->val[cur[i]++] = 1.0;
                }
    free(cur);
    /* sort each row's columns (insertion sort: rows are short) */
    for (int64_t i = 0; i < n; ++i)
        for (int64_t a = g->ptr[i] + 1; a < g->ptr[i + 1]; ++a)
            for (int64_t b = a; b > g->ptr[i] && g->idx[b - 1] > g->idx[b]; --b) {
                int64_t t = g->idx[b];
                g->idx[b] = g->idx[b - 1];
                g->idx[b - 1] = t;
            }
    snprintf(path, sizeof path, "%s/karate_labels.csv", dir);
    f = fopen(path, "r");
    if (!f) return 0;
    *truth = malloc(sizeof(int64_t) * (size_t)n);
    int64_t k = 0;
    while (fgets(line, sizeof line, f) && k < n) {
        long long c;
        if (sscanf(line, "%lld", &c) == 1) (*truth)[k++] = c;
    }
    fclose(f);
    return k == n;
}

int main(int argc, char **argv) {
    /* The full study runs for minutes: only when asked (--full, or GEOMRT_EXAMPLE_QUICK=0), so the
     * install test, which runs every example, stays short. */
    const int full_arg = argc > 1 && strcmp(argv[1], "--full") == 0;
    const char *qenv = getenv("GEOMRT_EXAMPLE_QUICK");
    const int quick = !(full_arg || (qenv && strcmp(qenv, "0") == 0));
    if (full_arg) --argc, ++argv;
    geomrt_runtime *rt;
    check(geomrt_runtime_new(&rt, NULL));

    double alphas[MAXA];
    const int na = quick ? 4 : 9;
    for (int i = 0; i < na; ++i) alphas[i] = quick ? 0.2 + 0.2 * i : 0.1 * (i + 1);
    int graphs = quick ? 1 : 3;
    int64_t Ns[MAXN] = {100, 150};
    const int64_t ms[2] = {2, 4};
    const double p_in = 0.3, p_outs[3] = {0.05, 0.1, 0.15};
    int nN = quick ? 1 : 2;
    const int nm = quick ? 1 : 2, np = quick ? 1 : 3;
    if (getenv("GEOMRT_GRAPH_N")) { /* other node counts, comma-separated (e.g. 200,300) */
        const char *s = getenv("GEOMRT_GRAPH_N");
        nN = 0;
        while (*s && nN < MAXN) {
            char *end;
            const long long v = strtoll(s, &end, 10);
            if (end == s || v < 8) {
                fprintf(stderr, "GEOMRT_GRAPH_N: expected comma-separated node counts >= 8\n");
                return 2;
            }
            Ns[nN++] = v;
            s = *end == ',' ? end + 1 : end;
        }
    }
    if (getenv("GEOMRT_GRAPH_GRAPHS")) { /* graphs per setting */
        graphs = atoi(getenv("GEOMRT_GRAPH_GRAPHS"));
        if (graphs < 1) graphs = 1;
    }

    static double sum[2][NV][MAXA], rows[MAXN * 6][2][NV];
    static int cnt[2][NV][MAXA];
    static char names[MAXN * 6][64];
    int nrows = 0;
    for (int a = 0; a < nN; ++a)
        for (int b = 0; b < nm; ++b)
            for (int c = 0; c < np; ++c) {
                const double p_out = quick ? 0.1 : p_outs[c];
                memset(sum, 0, sizeof sum);
                memset(cnt, 0, sizeof cnt);
                for (int s = 0; s < graphs; ++s) {
                    geomrt_args *ga;
                    geomrt_result *gr;
                    geomrt_sparse_view A;
                    geomrt_tensor_view lab;
                    check(geomrt_args_new(&ga));
                    check(geomrt_args_set_param_i64(ga, "n", Ns[a]));
                    check(geomrt_args_set_param_i64(ga, "classes", ms[b]));
                    check(geomrt_args_set_param_f64(ga, "p_in", p_in));
                    check(geomrt_args_set_param_f64(ga, "p_out", p_out));
                    /* the seed depends on the setting, not on its place in the run */
                    check(geomrt_args_set_param_i64(ga, "seed", 100000 * Ns[a] + 1000 * (b * 3 + c) + s));
                    check(geomrt_invoke(&gr, rt, "graph.random_partition", ga, NULL));
                    check(geomrt_result_sparse(gr, "A", &A));
                    check(geomrt_result_tensor(gr, "labels", &lab));
                    graph g = {A.rows, A.nnz, (int64_t *)A.indptr, (int64_t *)A.indices, (double *)A.values};
                    double score[2][NV][MAXA];
                    score_graph(rt, &g, (const int64_t *)lab.data, ms[b], alphas, na, score);
                    for (int m = 0; m < 2; ++m)
                        for (int v = 0; v < NV; ++v)
                            for (int i = 0; i < na; ++i)
                                if (!isnan(score[m][v][i])) sum[m][v][i] += score[m][v][i], ++cnt[m][v][i];
                    geomrt_result_free(gr);
                    geomrt_args_free(ga);
                }
                best_over_grid(sum, cnt, graphs, na, rows[nrows]);
                snprintf(names[nrows], sizeof names[nrows], "G(%lld, %lld, %.2f, %.2f)", (long long)Ns[a],
                         (long long)ms[b], p_in, p_out);
                fprintf(stderr, "%s: k-means", names[nrows]);
                for (int v = 0; v < NV; ++v) fprintf(stderr, " %.3f", rows[nrows][0][v]);
                fprintf(stderr, " | Ward");
                for (int v = 0; v < NV; ++v) fprintf(stderr, " %.3f", rows[nrows][1][v]);
                fprintf(stderr, "\n");
                ++nrows;
            }

    const char *alg[2] = {"kernel k-means", "Ward"};
    for (int m = 0; m < 2; ++m) {
        printf("\n### %s: best ARI over alpha (mean of %d graph%s per setting, %d alphas)\n\n", alg[m], graphs,
               graphs > 1 ? "s" : "", na);
        print_header();
        for (int r = 0; r < nrows; ++r) print_row(names[r], rows[r][m]);
        printf("\nlog >= plain:");
        for (int f = 0; f < NF; ++f) {
            int wins = 0;
            for (int r = 0; r < nrows; ++r)
                if (!isnan(rows[r][m][2 * f + 1]) && (isnan(rows[r][m][2 * f]) || rows[r][m][2 * f + 1] >= rows[r][m][2 * f]))
                    ++wins;
            printf(" %s %d/%d%s", LOGN[f], wins, nrows, f + 1 < NF ? "," : "");
        }
        int near = 0;
        for (int r = 0; r < nrows; ++r) {
            double top = -INFINITY;
            for (int v = 0; v < NV; ++v)
                if (!isnan(rows[r][m][v]) && rows[r][m][v] > top) top = rows[r][m][v];
            if (rows[r][m][9] >= top - 0.01) ++near;
        }
        printf("; logComm within 0.01 of the best: %d/%d\n", near, nrows);
    }

    /* Zachary's karate club: two clubs after the split. */
    char dir[4096];
    if (argc > 1) {
        snprintf(dir, sizeof dir, "%s", argv[1]);
    } else {
        snprintf(dir, sizeof dir, "%s", __FILE__);
        char *slash = strrchr(dir, '/');
        if (slash) *slash = 0;
        else snprintf(dir, sizeof dir, ".");
        strncat(dir, "/../data", sizeof dir - strlen(dir) - 1);
    }
    graph kg;
    int64_t *truth = NULL;
    if (read_karate(dir, &kg, &truth)) {
        double score[2][NV][MAXA], kbest[2][NV];
        memset(cnt, 0, sizeof cnt);
        memset(sum, 0, sizeof sum);
        score_graph(rt, &kg, truth, 2, alphas, na, score);
        for (int m = 0; m < 2; ++m)
            for (int v = 0; v < NV; ++v)
                for (int i = 0; i < na; ++i)
                    if (!isnan(score[m][v][i])) sum[m][v][i] = score[m][v][i], cnt[m][v][i] = 1;
        best_over_grid(sum, cnt, 1, na, kbest);
        printf("\n### Zachary's karate club (34 nodes, 2 clubs): best ARI over alpha\n\n");
        print_header();
        print_row("kernel k-means", kbest[0]);
        print_row("Ward", kbest[1]);
        free(kg.ptr), free(kg.idx), free(kg.val), free(truth);
    } else {
        printf("\n(karate club data not found in %s; pass its directory as the first argument)\n", dir);
    }
    geomrt_runtime_free(rt);
    return 0;
}
