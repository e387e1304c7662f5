/*
 * geomrt_r.c -- the C facade of the R binding (declared in geomrt_r.h, wrapped by SWIG).
 *
 * Inputs: a double vector, matrix or array is passed as REAL(x) with its shape
 * from dim and strides in elements (1, d1, d1*d2, ...): a column-major matrix
 * needs no copy. Only conversions copy: integer/logical to float64, any
 * numeric to int64 or float32 (as the method's descriptor asks), and in-place
 * state (R values are immutable, so the method updates a private copy that is
 * returned).
 *
 * Outputs are copied into R memory while the result handle is alive: row-major
 * tensors are transposed into column-major R matrices/arrays with dim set,
 * int64 and float32 become double, rank-0 tensors length-1 numerics, and sparse
 * CSR outputs a list(indptr, indices, values, dim) of class "geomrt_csr" (or a
 * dense matrix on request).
 *
 * An interrupt (Ctrl-C) during a long solve is noticed by the progress callback
 * without unwinding through the runtime: R_UnwindProtect catches the jump, the
 * callback cancels the call, and the interrupt is resumed once the handles are
 * freed.
 */
#include "geomrt_r.h"

#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <R_ext/Utils.h>

/* ------------------------------------------------------------------------ */
/* Errors                                                                    */

static void raise_condition(int code, SEXP message) {
    /* message is protected by the caller. */
    static const char *names[] = {"message", "call", "code", "name", ""};
    SEXP cond = PROTECT(Rf_mkNamed(VECSXP, names));
    SET_VECTOR_ELT(cond, 0, message);
    SET_VECTOR_ELT(cond, 1, R_NilValue);
    SET_VECTOR_ELT(cond, 2, Rf_ScalarInteger(code));
    SET_VECTOR_ELT(cond, 3, Rf_mkString(geomrt_error_name(code)));
    SEXP cls = PROTECT(Rf_allocVector(STRSXP, 3));
    SET_STRING_ELT(cls, 0, Rf_mkChar("geomrt_error"));
    SET_STRING_ELT(cls, 1, Rf_mkChar("error"));
    SET_STRING_ELT(cls, 2, Rf_mkChar("condition"));
    Rf_setAttrib(cond, R_ClassSymbol, cls);
    SEXP expr = PROTECT(Rf_lang2(Rf_install("stop"), cond));
    Rf_eval(expr, R_BaseEnv); /* does not return */
    UNPROTECT(3);
    Rf_error("%s", CHAR(STRING_ELT(message, 0)));
}

/* A length-1 character vector (UTF-8). */
static SEXP scalar_str(const char *s) {
    SEXP ch = PROTECT(Rf_mkCharCE(s ? s : "", CE_UTF8));
    SEXP out = Rf_ScalarString(ch);
    UNPROTECT(1);
    return out;
}

void geomrt_r_raise(int code, const char *message) {
    SEXP msg = PROTECT(scalar_str(message));
    raise_condition(code, msg);
    UNPROTECT(1);
}

/* The calling thread's last error message, copied into R before any other geomrt call can replace it. */
static SEXP last_message(void) {
    const char *m = geomrt_last_error();
    return scalar_str(*m ? m : "geomrt call failed");
}

void geomrt_r_raise_last(int code) {
    SEXP msg = PROTECT(last_message());
    if (code == GEOMRT_OK) code = geomrt_last_error_code();
    if (code == GEOMRT_OK) code = GEOMRT_EINTERNAL;
    raise_condition(code, msg);
    UNPROTECT(1);
}

/* Format a message into a buffer and raise it. */
#define RAISE(code, ...)                                  \
    do {                                                  \
        char raise_buf_[1024];                            \
        snprintf(raise_buf_, sizeof raise_buf_, __VA_ARGS__); \
        geomrt_r_raise((code), raise_buf_);               \
    } while (0)

/* ------------------------------------------------------------------------ */
/* Handles                                                                   */

static SEXP runtime_tag(void) {
    static SEXP tag = NULL;
    if (!tag) tag = Rf_install("geomrt_runtime");
    return tag;
}

static void runtime_finalizer(SEXP x) {
    geomrt_runtime *rt = (geomrt_runtime *)R_ExternalPtrAddr(x);
    if (rt) {
        R_ClearExternalPtr(x);
        geomrt_runtime_free(rt);
    }
}

SEXP geomrt_r_runtime_wrap(geomrt_runtime *rt) {
    SEXP p = PROTECT(R_MakeExternalPtr(rt, runtime_tag(), R_NilValue));
    R_RegisterCFinalizerEx(p, runtime_finalizer, TRUE);
    Rf_setAttrib(p, R_ClassSymbol, Rf_mkString("geomrt_runtime"));
    UNPROTECT(1);
    return p;
}

static int is_runtime_ptr(SEXP x) { return TYPEOF(x) == EXTPTRSXP && R_ExternalPtrTag(x) == runtime_tag(); }

geomrt_runtime *geomrt_r_runtime_unwrap(SEXP x) {
    if (!is_runtime_ptr(x)) geomrt_r_raise(GEOMRT_EINVAL, "expected a geomrt runtime, as made by geomrt_runtime()");
    geomrt_runtime *rt = (geomrt_runtime *)R_ExternalPtrAddr(x);
    if (!rt)
        geomrt_r_raise(GEOMRT_EINVAL, "the geomrt runtime is closed (or was restored from a saved session); "
                                      "create one with geomrt_runtime()");
    return rt;
}

geomrt_runtime *geomrt_r_runtime_release(SEXP x) {
    if (!is_runtime_ptr(x)) geomrt_r_raise(GEOMRT_EINVAL, "expected a geomrt runtime, as made by geomrt_runtime()");
    geomrt_runtime *rt = (geomrt_runtime *)R_ExternalPtrAddr(x);
    R_ClearExternalPtr(x);
    return rt;
}

int geomrt_r_runtime_is_open(SEXP x) { return is_runtime_ptr(x) && R_ExternalPtrAddr(x) != NULL; }

/* Short-lived args and result handles also live in external pointers while R may allocate. */
static void args_finalizer(SEXP x) {
    geomrt_args *a = (geomrt_args *)R_ExternalPtrAddr(x);
    if (a) {
        R_ClearExternalPtr(x);
        geomrt_args_free(a);
    }
}

static void result_finalizer(SEXP x) {
    geomrt_result *r = (geomrt_result *)R_ExternalPtrAddr(x);
    if (r) {
        R_ClearExternalPtr(x);
        geomrt_result_free(r);
    }
}

/* An external pointer with no address yet and a finalizer; set the address right after. */
static SEXP guarded_ptr(R_CFinalizer_t fin) {
    SEXP p = PROTECT(R_MakeExternalPtr(NULL, R_NilValue, R_NilValue));
    R_RegisterCFinalizerEx(p, fin, TRUE);
    UNPROTECT(1);
    return p;
}

/* ------------------------------------------------------------------------ */
/* Runtime and introspection                                                 */

geomrt_runtime *geomrt_r_runtime_new(SEXP plugin_paths, int no_default_search) {
    geomrt_runtime_options opts = GEOMRT_RUNTIME_OPTIONS_INIT;
    R_xlen_t n = Rf_isNull(plugin_paths) ? 0 : XLENGTH(plugin_paths);
    if (n > 0 && TYPEOF(plugin_paths) != STRSXP)
        geomrt_r_raise(GEOMRT_EINVAL, "plugin_paths must be NULL or a character vector");
    const char **paths = n ? (const char **)R_alloc((size_t)n, sizeof(char *)) : NULL;
    for (R_xlen_t i = 0; i < n; ++i) {
        if (STRING_ELT(plugin_paths, i) == NA_STRING) geomrt_r_raise(GEOMRT_EINVAL, "plugin_paths contains NA");
        paths[i] = Rf_translateChar(STRING_ELT(plugin_paths, i));
    }
    opts.plugin_paths = paths;
    opts.n_plugin_paths = (size_t)n;
    opts.no_default_search = no_default_search;
    geomrt_runtime *rt = NULL;
    int rc = geomrt_runtime_new(&rt, &opts);
    if (rc != GEOMRT_OK) {
        geomrt_runtime_free(rt);
        geomrt_r_raise_last(rc);
    }
    return rt;
}

static SEXP str_or_empty(const char *s) { return Rf_mkCharCE(s ? s : "", CE_UTF8); }

/* A named list of columns (the R layer makes a data.frame of it). types: 's' string, 'l' logical,
 * 'i' integer, 'd' double. */
static SEXP new_columns(R_xlen_t nrow, const char *const *names, const char *types) {
    int ncol = (int)strlen(types);
    SEXP cols = PROTECT(Rf_allocVector(VECSXP, ncol));
    SEXP nm = PROTECT(Rf_allocVector(STRSXP, ncol));
    for (int k = 0; k < ncol; ++k) {
        SEXPTYPE t = types[k] == 's' ? STRSXP : types[k] == 'l' ? LGLSXP : types[k] == 'i' ? INTSXP : REALSXP;
        SET_VECTOR_ELT(cols, k, Rf_allocVector(t, nrow));
        SET_STRING_ELT(nm, k, Rf_mkChar(names[k]));
    }
    Rf_setAttrib(cols, R_NamesSymbol, nm);
    UNPROTECT(2);
    return cols;
}

#define COL(cols, k) VECTOR_ELT((cols), (k))

SEXP geomrt_r_plugins(geomrt_runtime *rt) {
    static const char *names[] = {"path", "loaded", "name", "reason"};
    size_t n = geomrt_runtime_plugin_report_count(rt);
    SEXP cols = PROTECT(new_columns((R_xlen_t)n, names, "slss"));
    for (size_t i = 0; i < n; ++i) {
        const char *path = NULL, *name = NULL, *reason = NULL;
        int status = 0;
        int rc = geomrt_runtime_plugin_report_at(rt, i, &path, &status, &name, &reason);
        if (rc != GEOMRT_OK) geomrt_r_raise_last(rc);
        SET_STRING_ELT(COL(cols, 0), i, str_or_empty(path));
        LOGICAL(COL(cols, 1))[i] = status == GEOMRT_PLUGIN_LOADED;
        SET_STRING_ELT(COL(cols, 2), i, str_or_empty(name));
        SET_STRING_ELT(COL(cols, 3), i, str_or_empty(reason));
    }
    UNPROTECT(1);
    return cols;
}

SEXP geomrt_r_methods(geomrt_runtime *rt) {
    static const char *names[] = {"name", "summary", "description", "citation", "plugin"};
    size_t n = geomrt_method_count(rt);
    SEXP cols = PROTECT(new_columns((R_xlen_t)n, names, "sssss"));
    for (size_t i = 0; i < n; ++i) {
        const geomrt_method *m = NULL;
        int rc = geomrt_method_at(&m, rt, i);
        if (rc != GEOMRT_OK) geomrt_r_raise_last(rc);
        SET_STRING_ELT(COL(cols, 0), i, str_or_empty(geomrt_method_name(m)));
        SET_STRING_ELT(COL(cols, 1), i, str_or_empty(geomrt_method_summary(m)));
        SET_STRING_ELT(COL(cols, 2), i, str_or_empty(geomrt_method_description(m)));
        SET_STRING_ELT(COL(cols, 3), i, str_or_empty(geomrt_method_citation(m)));
        SET_STRING_ELT(COL(cols, 4), i, str_or_empty(geomrt_method_plugin(m)));
    }
    UNPROTECT(1);
    return cols;
}

static const char *dtype_text(int dtype) {
    switch (dtype) {
    case GEOMRT_DTYPE_F64: return "float64";
    case GEOMRT_DTYPE_F32: return "float32";
    case GEOMRT_DTYPE_I64: return "int64";
    default: return "unknown";
    }
}

static const char *param_type_text(int type) {
    switch (type) {
    case GEOMRT_PARAM_F64: return "f64";
    case GEOMRT_PARAM_I64: return "i64";
    case GEOMRT_PARAM_BOOL: return "bool";
    case GEOMRT_PARAM_STRING: return "string";
    case GEOMRT_PARAM_ENUM: return "enum";
    default: return "unknown";
    }
}

static SEXP slot_columns(const geomrt_method *m, int outputs) {
    static const char *names[] = {"name",     "doc",         "kind",     "dtype",           "ndim",
                                  "shape",    "optional",    "inplace",  "nonnegative",     "allow_nonfinite",
                                  "strided",  "allow_empty"};
    size_t n = outputs ? geomrt_method_output_count(m) : geomrt_method_input_count(m);
    SEXP cols = PROTECT(new_columns((R_xlen_t)n, names, "ssssisllllll"));
    for (size_t i = 0; i < n; ++i) {
        geomrt_slot_info s;
        int rc = outputs ? geomrt_method_output(m, i, &s) : geomrt_method_input(m, i, &s);
        if (rc != GEOMRT_OK) geomrt_r_raise_last(rc);
        SET_STRING_ELT(COL(cols, 0), i, str_or_empty(s.name));
        SET_STRING_ELT(COL(cols, 1), i, str_or_empty(s.doc));
        SET_STRING_ELT(COL(cols, 2), i, Rf_mkChar(s.kind == GEOMRT_KIND_SPARSE ? "sparse" : "dense"));
        SET_STRING_ELT(COL(cols, 3), i, Rf_mkChar(dtype_text(s.dtype)));
        INTEGER(COL(cols, 4))[i] = s.ndim;
        SET_STRING_ELT(COL(cols, 5), i, str_or_empty(s.shape));
        LOGICAL(COL(cols, 6))[i] = (s.flags & GEOMRT_IO_OPTIONAL) != 0;
        LOGICAL(COL(cols, 7))[i] = (s.flags & GEOMRT_IO_INPLACE) != 0;
        LOGICAL(COL(cols, 8))[i] = (s.flags & GEOMRT_IO_NONNEGATIVE) != 0;
        LOGICAL(COL(cols, 9))[i] = (s.flags & GEOMRT_IO_ALLOW_NONFINITE) != 0;
        LOGICAL(COL(cols, 10))[i] = (s.flags & GEOMRT_IO_STRIDED) != 0;
        LOGICAL(COL(cols, 11))[i] = (s.flags & GEOMRT_IO_ALLOW_EMPTY) != 0;
    }
    UNPROTECT(1);
    return cols;
}

static SEXP param_columns(const geomrt_method *m) {
    static const char *names[] = {"name", "doc", "type", "default", "min", "max", "min_exclusive",
                                  "max_exclusive", "choices", "required"};
    size_t n = geomrt_method_param_count(m);
    SEXP cols = PROTECT(new_columns((R_xlen_t)n, names, "ssssddllsl"));
    for (size_t i = 0; i < n; ++i) {
        geomrt_param_info p;
        int rc = geomrt_method_param(m, i, &p);
        if (rc != GEOMRT_OK) geomrt_r_raise_last(rc);
        SET_STRING_ELT(COL(cols, 0), i, str_or_empty(p.name));
        SET_STRING_ELT(COL(cols, 1), i, str_or_empty(p.doc));
        SET_STRING_ELT(COL(cols, 2), i, Rf_mkChar(param_type_text(p.type)));
        SET_STRING_ELT(COL(cols, 3), i, str_or_empty(p.default_value));
        REAL(COL(cols, 4))[i] = p.min;
        REAL(COL(cols, 5))[i] = p.max;
        LOGICAL(COL(cols, 6))[i] = (p.flags & GEOMRT_PARAM_MIN_EXCLUSIVE) != 0;
        LOGICAL(COL(cols, 7))[i] = (p.flags & GEOMRT_PARAM_MAX_EXCLUSIVE) != 0;
        SET_STRING_ELT(COL(cols, 8), i, str_or_empty(p.choices));
        LOGICAL(COL(cols, 9))[i] = p.required != 0;
    }
    UNPROTECT(1);
    return cols;
}

SEXP geomrt_r_describe(geomrt_runtime *rt, const char *name) {
    static const char *names[] = {"name", "summary", "description", "citation", "plugin",
                                  "inputs", "outputs", "params", "json", ""};
    const geomrt_method *m = NULL;
    int rc = geomrt_method_find(&m, rt, name);
    if (rc != GEOMRT_OK) geomrt_r_raise_last(rc);
    SEXP out = PROTECT(Rf_mkNamed(VECSXP, names));
    SET_VECTOR_ELT(out, 0, scalar_str(geomrt_method_name(m)));
    SET_VECTOR_ELT(out, 1, scalar_str(geomrt_method_summary(m)));
    SET_VECTOR_ELT(out, 2, scalar_str(geomrt_method_description(m)));
    SET_VECTOR_ELT(out, 3, scalar_str(geomrt_method_citation(m)));
    SET_VECTOR_ELT(out, 4, scalar_str(geomrt_method_plugin(m)));
    SET_VECTOR_ELT(out, 5, slot_columns(m, 0));
    SET_VECTOR_ELT(out, 6, slot_columns(m, 1));
    SET_VECTOR_ELT(out, 7, param_columns(m));
    SET_VECTOR_ELT(out, 8, scalar_str(geomrt_method_json(m)));
    UNPROTECT(1);
    return out;
}

/* ------------------------------------------------------------------------ */
/* Inputs                                                                    */

static const char *type_text(SEXP x) { return Rf_type2char(TYPEOF(x)); }

static int find_input_slot(const geomrt_method *m, const char *name, geomrt_slot_info *out) {
    if (!m) return 0;
    size_t n = geomrt_method_input_count(m);
    for (size_t i = 0; i < n; ++i)
        if (geomrt_method_input(m, i, out) == GEOMRT_OK && strcmp(out->name, name) == 0) return 1;
    return 0;
}

static int is_numeric_type(SEXP x) { return TYPEOF(x) == REALSXP || TYPEOF(x) == INTSXP || TYPEOF(x) == LGLSXP; }

/* Shape from dim (or the length), strides in elements of a column-major array. */
static int shape_of(SEXP x, const geomrt_slot_info *slot, int64_t **shape, int64_t **strides) {
    SEXP dim = Rf_getAttrib(x, R_DimSymbol);
    int ndim;
    if (!Rf_isNull(dim)) ndim = LENGTH(dim);
    else if (slot && slot->ndim == 0 && XLENGTH(x) == 1) ndim = 0;
    else ndim = 1;
    *shape = (int64_t *)R_alloc((size_t)(ndim > 0 ? ndim : 1), sizeof(int64_t));
    *strides = (int64_t *)R_alloc((size_t)(ndim > 0 ? ndim : 1), sizeof(int64_t));
    if (!Rf_isNull(dim)) {
        for (int k = 0; k < ndim; ++k) (*shape)[k] = INTEGER(dim)[k];
    } else if (ndim == 1) {
        (*shape)[0] = (int64_t)XLENGTH(x);
    }
    int64_t s = 1;
    for (int k = 0; k < ndim; ++k) {
        (*strides)[k] = s;
        s *= (*shape)[k];
    }
    return ndim;
}

/* A converted copy of x in the element type the slot wants. NULL when x can be borrowed as is. */
static SEXP converted(const char *method, const char *name, SEXP x, int dtype) {
    R_xlen_t n = XLENGTH(x);
    if (dtype == GEOMRT_DTYPE_F64) {
        if (TYPEOF(x) == REALSXP) return NULL;
        return Rf_coerceVector(x, REALSXP); /* integer/logical NA becomes NA_real_, which the host rejects */
    }
    if (dtype == GEOMRT_DTYPE_I64) {
        SEXP buf = PROTECT(Rf_allocVector(RAWSXP, n * (R_xlen_t)sizeof(int64_t)));
        int64_t *d = (int64_t *)RAW(buf);
        if (TYPEOF(x) == REALSXP) {
            const double *s = REAL(x);
            for (R_xlen_t i = 0; i < n; ++i) {
                double v = s[i];
                if (!(v == floor(v) && v >= -9223372036854775808.0 && v < 9223372036854775808.0))
                    RAISE(GEOMRT_EDTYPE, "%s: input '%s' must be int64 (whole numbers), but entry %lld is %.17g",
                          method, name, (long long)i + 1, v);
                d[i] = (int64_t)v;
            }
        } else {
            const int *s = TYPEOF(x) == INTSXP ? INTEGER(x) : LOGICAL(x);
            for (R_xlen_t i = 0; i < n; ++i) {
                if (s[i] == NA_INTEGER)
                    RAISE(GEOMRT_EINVAL, "%s: input '%s' has NA at entry %lld", method, name, (long long)i + 1);
                d[i] = s[i];
            }
        }
        UNPROTECT(1);
        return buf;
    }
    if (dtype == GEOMRT_DTYPE_F32) {
        SEXP buf = PROTECT(Rf_allocVector(RAWSXP, n * (R_xlen_t)sizeof(float)));
        float *d = (float *)RAW(buf);
        if (TYPEOF(x) == REALSXP) {
            const double *s = REAL(x);
            for (R_xlen_t i = 0; i < n; ++i) d[i] = (float)s[i];
        } else {
            const int *s = TYPEOF(x) == INTSXP ? INTEGER(x) : LOGICAL(x);
            for (R_xlen_t i = 0; i < n; ++i) d[i] = s[i] == NA_INTEGER ? NAN : (float)s[i];
        }
        UNPROTECT(1);
        return buf;
    }
    RAISE(GEOMRT_EDTYPE, "%s: input '%s' has an unsupported dtype %d", method, name, dtype);
    return R_NilValue;
}

static const void *data_of(SEXP x) { return TYPEOF(x) == RAWSXP ? (const void *)RAW(x) : (const void *)REAL(x); }

/* Pending in-place inputs: their private copies come back as outputs. */
typedef struct {
    const char *name;
    SEXP buf;  /* the copy the method updated (REALSXP, or RAWSXP of int64/float) */
    SEXP like; /* the caller's value, for dim */
    int dtype;
} inplace_copy;

static void set_dense(geomrt_args *args, SEXP keep, R_xlen_t *nkeep, const char *method, const char *name, SEXP x,
                      const geomrt_slot_info *slot, inplace_copy *inplace, int *ninplace) {
    if (!is_numeric_type(x) || Rf_isFactor(x))
        RAISE(GEOMRT_EDTYPE, "%s: input '%s' must be a numeric vector, matrix or array, got %s", method, name,
              Rf_isFactor(x) ? "a factor" : type_text(x));
    int dtype = slot ? slot->dtype : (TYPEOF(x) == REALSXP ? GEOMRT_DTYPE_F64 : GEOMRT_DTYPE_I64);
    int64_t *shape, *strides;
    int ndim = shape_of(x, slot, &shape, &strides);
    SEXP buf = converted(method, name, x, dtype);
    int in_place = slot && (slot->flags & GEOMRT_IO_INPLACE);
    if (in_place && !buf) buf = Rf_duplicate(x); /* never write the caller's vector */
    if (buf) SET_VECTOR_ELT(keep, (*nkeep)++, buf);
    const void *data = buf ? data_of(buf) : (const void *)REAL(x);
    int rc;
    if (in_place) {
        rc = geomrt_args_set_inplace(args, name, dtype, (void *)data, ndim, shape, strides);
        inplace[*ninplace].name = name;
        inplace[*ninplace].buf = buf;
        inplace[*ninplace].like = x;
        inplace[*ninplace].dtype = dtype;
        ++*ninplace;
    } else {
        rc = geomrt_args_set_tensor(args, name, dtype, data, ndim, shape, strides);
    }
    if (rc != GEOMRT_OK) geomrt_r_raise_last(rc);
}

static SEXP list_get(SEXP list, const char *key) {
    SEXP nm = Rf_getAttrib(list, R_NamesSymbol);
    if (Rf_isNull(nm)) return R_NilValue;
    for (R_xlen_t i = 0; i < XLENGTH(list); ++i)
        if (strcmp(CHAR(STRING_ELT(nm, i)), key) == 0) return VECTOR_ELT(list, i);
    return R_NilValue;
}

static void set_sparse(geomrt_args *args, SEXP keep, R_xlen_t *nkeep, const char *method, const char *name, SEXP x) {
    SEXP indptr = TYPEOF(x) == VECSXP ? list_get(x, "indptr") : R_NilValue;
    SEXP indices = TYPEOF(x) == VECSXP ? list_get(x, "indices") : R_NilValue;
    SEXP values = TYPEOF(x) == VECSXP ? list_get(x, "values") : R_NilValue;
    SEXP dim = TYPEOF(x) == VECSXP ? list_get(x, "dim") : R_NilValue;
    if (!is_numeric_type(indptr) || !is_numeric_type(indices) || !is_numeric_type(values) || !is_numeric_type(dim) ||
        XLENGTH(dim) != 2)
        RAISE(GEOMRT_EDTYPE,
              "%s: input '%s' is a sparse CSR matrix: pass list(indptr, indices, values, dim) with 0-based "
              "indptr and column indices (a geomrt_csr, as sparse outputs are returned)",
              method, name);
    SEXP d = PROTECT(Rf_coerceVector(dim, REALSXP));
    double rows = REAL(d)[0], cols = REAL(d)[1];
    UNPROTECT(1);
    if (!(rows >= 0 && cols >= 0 && rows == floor(rows) && cols == floor(cols)))
        RAISE(GEOMRT_EINVAL, "%s: input '%s' has an invalid dim", method, name);
    if ((double)XLENGTH(indptr) != rows + 1)
        RAISE(GEOMRT_ESHAPE, "%s: input '%s': indptr has %lld entries, expected rows+1 = %.0f", method, name,
              (long long)XLENGTH(indptr), rows + 1);
    if (XLENGTH(indices) != XLENGTH(values))
        RAISE(GEOMRT_ESHAPE, "%s: input '%s': indices has %lld entries but values has %lld", method, name,
              (long long)XLENGTH(indices), (long long)XLENGTH(values));
    SEXP p = converted(method, name, indptr, GEOMRT_DTYPE_I64);
    SET_VECTOR_ELT(keep, (*nkeep)++, p);
    SEXP j = converted(method, name, indices, GEOMRT_DTYPE_I64);
    SET_VECTOR_ELT(keep, (*nkeep)++, j);
    SEXP v = converted(method, name, values, GEOMRT_DTYPE_F64);
    if (v) SET_VECTOR_ELT(keep, (*nkeep)++, v);
    int rc = geomrt_args_set_sparse(args, name, (int64_t)rows, (int64_t)cols, (int64_t)XLENGTH(values),
                                    (const int64_t *)RAW(p), (const int64_t *)RAW(j), REAL(v ? v : values));
    if (rc != GEOMRT_OK) geomrt_r_raise_last(rc);
}

static void set_param(geomrt_args *args, const char *method, const char *name, SEXP v) {
    if (Rf_isFactor(v)) v = Rf_asCharacterFactor(v);
    PROTECT(v);
    if (XLENGTH(v) != 1)
        RAISE(GEOMRT_EINVAL, "%s: parameter '%s' must be a single value, got length %lld", method, name,
              (long long)XLENGTH(v));
    int rc;
    switch (TYPEOF(v)) {
    case STRSXP:
        if (STRING_ELT(v, 0) == NA_STRING) RAISE(GEOMRT_EINVAL, "%s: parameter '%s' is NA", method, name);
        rc = geomrt_args_set_param_string(args, name, Rf_translateCharUTF8(STRING_ELT(v, 0)));
        break;
    case LGLSXP:
        if (LOGICAL(v)[0] == NA_LOGICAL) RAISE(GEOMRT_EINVAL, "%s: parameter '%s' is NA", method, name);
        rc = geomrt_args_set_param_bool(args, name, LOGICAL(v)[0]);
        break;
    case INTSXP:
        if (INTEGER(v)[0] == NA_INTEGER) RAISE(GEOMRT_EINVAL, "%s: parameter '%s' is NA", method, name);
        rc = geomrt_args_set_param_i64(args, name, INTEGER(v)[0]);
        break;
    case REALSXP:
        rc = geomrt_args_set_param_f64(args, name, REAL(v)[0]);
        break;
    default:
        RAISE(GEOMRT_EDTYPE, "%s: parameter '%s' must be a number, a logical or a string, got %s", method, name,
              type_text(v));
        rc = GEOMRT_EDTYPE;
    }
    if (rc != GEOMRT_OK) geomrt_r_raise_last(rc);
    UNPROTECT(1);
}

/* ------------------------------------------------------------------------ */
/* Interrupts                                                                */

typedef struct {
    SEXP token; /* unwind continuation, protected by the caller */
    int interrupted;
    double next_check;
    jmp_buf jump;
} interrupt_ctx;

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static SEXP check_interrupt(void *unused) {
    (void)unused;
    R_CheckUserInterrupt();
    return R_NilValue;
}

static void stop_unwind(void *data, Rboolean jump) {
    if (jump) longjmp(((interrupt_ctx *)data)->jump, 1); /* back into progress(); resumed after cleanup */
}

/* Called by the runtime on the thread that called geomrt_invoke(). Nonzero cancels the call. */
static int progress(void *user, double fraction, int64_t iteration, double residual) {
    (void)fraction;
    (void)iteration;
    (void)residual;
    interrupt_ctx *c = (interrupt_ctx *)user;
    if (c->interrupted) return 1;
    double t = now_seconds();
    if (t < c->next_check) return 0;
    c->next_check = t + 0.1;
    if (setjmp(c->jump)) {
        c->interrupted = 1;
        return 1;
    }
    R_UnwindProtect(check_interrupt, NULL, stop_unwind, c, c->token);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Outputs                                                                   */

static int fits_int(int64_t v) { return v >= 0 && v <= INT_MAX; }

static SEXP dim_of(int ndim, const int64_t *shape) {
    SEXP dim = PROTECT(Rf_allocVector(INTSXP, ndim));
    for (int k = 0; k < ndim; ++k) {
        if (!fits_int(shape[k])) geomrt_r_raise(GEOMRT_ESHAPE, "an output dimension exceeds R's limit (2^31-1)");
        INTEGER(dim)[k] = (int)shape[k];
    }
    UNPROTECT(1);
    return dim;
}

/* Row-major (C order) src -> column-major dst, both with n elements of the given shape. */
static void c_to_fortran(double *dst, const double *src, int ndim, const int64_t *shape) {
    if (ndim == 2) {
        const int64_t r = shape[0], c = shape[1], B = 32;
        for (int64_t ib = 0; ib < r; ib += B)
            for (int64_t jb = 0; jb < c; jb += B) {
                const int64_t ie = ib + B < r ? ib + B : r, je = jb + B < c ? jb + B : c;
                for (int64_t i = ib; i < ie; ++i)
                    for (int64_t j = jb; j < je; ++j) dst[i + r * j] = src[i * c + j];
            }
        return;
    }
    int64_t *idx = (int64_t *)R_alloc((size_t)ndim, sizeof(int64_t));
    int64_t *fstride = (int64_t *)R_alloc((size_t)ndim, sizeof(int64_t));
    int64_t n = 1;
    for (int k = 0; k < ndim; ++k) {
        idx[k] = 0;
        fstride[k] = n;
        n *= shape[k];
    }
    int64_t off = 0;
    for (int64_t t = 0; t < n; ++t) {
        dst[off] = src[t];
        for (int k = ndim - 1; k >= 0; --k) { /* advance the C-order index, last axis fastest */
            off += fstride[k];
            if (++idx[k] < shape[k]) break;
            off -= fstride[k] * shape[k];
            idx[k] = 0;
        }
    }
}

/* Element k of a dense buffer as a double. */
static void to_double(double *dst, const void *src, int dtype, int64_t n) {
    if (dtype == GEOMRT_DTYPE_F64) memcpy(dst, src, (size_t)n * sizeof(double));
    else if (dtype == GEOMRT_DTYPE_F32)
        for (int64_t i = 0; i < n; ++i) dst[i] = ((const float *)src)[i];
    else
        for (int64_t i = 0; i < n; ++i) dst[i] = (double)((const int64_t *)src)[i];
}

static SEXP dense_to_r(const void *data, int dtype, int ndim, const int64_t *shape, int64_t numel) {
    SEXP out = PROTECT(Rf_allocVector(REALSXP, (R_xlen_t)numel));
    if (ndim <= 1 || numel == 0) {
        to_double(REAL(out), data, dtype, numel);
    } else {
        const double *src = (const double *)data;
        if (dtype != GEOMRT_DTYPE_F64) {
            double *tmp = (double *)R_alloc((size_t)numel, sizeof(double));
            to_double(tmp, data, dtype, numel);
            src = tmp;
        }
        c_to_fortran(REAL(out), src, ndim, shape);
    }
    if (ndim >= 2) Rf_setAttrib(out, R_DimSymbol, dim_of(ndim, shape));
    UNPROTECT(1);
    return out;
}

static SEXP index_vector(const int64_t *v, int64_t n, int as_int) {
    SEXP out = PROTECT(Rf_allocVector(as_int ? INTSXP : REALSXP, (R_xlen_t)n));
    if (as_int)
        for (int64_t i = 0; i < n; ++i) INTEGER(out)[i] = (int)v[i];
    else
        for (int64_t i = 0; i < n; ++i) REAL(out)[i] = (double)v[i];
    UNPROTECT(1);
    return out;
}

static SEXP sparse_to_r(const geomrt_sparse_view *s, int as_dense) {
    if (as_dense) {
        const int64_t dims[2] = {s->rows, s->cols};
        SEXP out = PROTECT(Rf_allocVector(REALSXP, (R_xlen_t)(s->rows * s->cols)));
        double *o = REAL(out);
        memset(o, 0, (size_t)(s->rows * s->cols) * sizeof(double));
        for (int64_t r = 0; r < s->rows; ++r)
            for (int64_t k = s->indptr[r]; k < s->indptr[r + 1]; ++k) o[r + s->rows * s->indices[k]] += s->values[k];
        Rf_setAttrib(out, R_DimSymbol, dim_of(2, dims));
        UNPROTECT(1);
        return out;
    }
    static const char *names[] = {"indptr", "indices", "values", "dim", ""};
    const int as_int = fits_int(s->nnz) && fits_int(s->rows) && fits_int(s->cols);
    SEXP out = PROTECT(Rf_mkNamed(VECSXP, names));
    SET_VECTOR_ELT(out, 0, index_vector(s->indptr, s->rows + 1, as_int));
    SET_VECTOR_ELT(out, 1, index_vector(s->indices, s->nnz, as_int));
    SEXP values = Rf_allocVector(REALSXP, (R_xlen_t)s->nnz);
    SET_VECTOR_ELT(out, 2, values);
    if (s->nnz) memcpy(REAL(values), s->values, (size_t)s->nnz * sizeof(double));
    const int64_t dims[2] = {s->rows, s->cols};
    SET_VECTOR_ELT(out, 3, index_vector(dims, 2, as_int));
    Rf_setAttrib(out, R_ClassSymbol, Rf_mkString("geomrt_csr"));
    UNPROTECT(1);
    return out;
}

static SEXP inplace_to_r(const inplace_copy *p) {
    if (TYPEOF(p->buf) == REALSXP) return p->buf; /* already an R array with the caller's attributes */
    R_xlen_t n = XLENGTH(p->like);
    SEXP out = PROTECT(Rf_allocVector(REALSXP, n));
    to_double(REAL(out), RAW(p->buf), p->dtype, n);
    Rf_setAttrib(out, R_DimSymbol, Rf_getAttrib(p->like, R_DimSymbol));
    UNPROTECT(1);
    return out;
}

/* ------------------------------------------------------------------------ */
/* Invoke                                                                    */

static void check_named_list(SEXP x, const char *what, const char *method) {
    if (Rf_isNull(x)) return;
    if (TYPEOF(x) != VECSXP) RAISE(GEOMRT_EINVAL, "%s: %s must be a named list", method, what);
    SEXP nm = Rf_getAttrib(x, R_NamesSymbol);
    for (R_xlen_t i = 0; i < XLENGTH(x); ++i)
        if (Rf_isNull(nm) || STRING_ELT(nm, i) == NA_STRING || CHAR(STRING_ELT(nm, i))[0] == '\0')
            RAISE(GEOMRT_EINVAL, "%s: every element of %s must be named (element %lld is not)", method, what,
                  (long long)i + 1);
}

SEXP geomrt_r_invoke(geomrt_runtime *rt, const char *method, SEXP inputs, SEXP params, int threads,
                     int sparse_as_dense) {
    int nprot = 0;
    check_named_list(inputs, "inputs", method);
    check_named_list(params, "params", method);
    const R_xlen_t n_in = Rf_isNull(inputs) ? 0 : XLENGTH(inputs);
    const R_xlen_t n_par = Rf_isNull(params) ? 0 : XLENGTH(params);

    /* The descriptor says which element type each input wants; an unknown method or input is left
     * for geomrt_invoke() to report in its own words. */
    const geomrt_method *m = NULL;
    if (geomrt_method_find(&m, rt, method) != GEOMRT_OK) m = NULL;

    SEXP aptr = PROTECT(guarded_ptr(args_finalizer));
    ++nprot;
    geomrt_args *args = NULL;
    int rc = geomrt_args_new(&args);
    if (rc != GEOMRT_OK) geomrt_r_raise_last(rc);
    R_SetExternalPtrAddr(aptr, args);

    SEXP keep = PROTECT(Rf_allocVector(VECSXP, 3 * n_in + 1)); /* converted copies the args borrow */
    ++nprot;
    R_xlen_t nkeep = 0;
    inplace_copy *inplace = (inplace_copy *)R_alloc((size_t)n_in + 1, sizeof(inplace_copy));
    int ninplace = 0;
    SEXP in_names = Rf_getAttrib(inputs, R_NamesSymbol);
    for (R_xlen_t i = 0; i < n_in; ++i) {
        SEXP x = VECTOR_ELT(inputs, i);
        if (Rf_isNull(x)) continue;
        const char *name = Rf_translateCharUTF8(STRING_ELT(in_names, i));
        geomrt_slot_info slot;
        int known = find_input_slot(m, name, &slot);
        if (known && slot.kind == GEOMRT_KIND_SPARSE) set_sparse(args, keep, &nkeep, method, name, x);
        else set_dense(args, keep, &nkeep, method, name, x, known ? &slot : NULL, inplace, &ninplace);
    }
    SEXP par_names = Rf_getAttrib(params, R_NamesSymbol);
    for (R_xlen_t i = 0; i < n_par; ++i) {
        SEXP v = VECTOR_ELT(params, i);
        if (Rf_isNull(v)) continue;
        set_param(args, method, Rf_translateCharUTF8(STRING_ELT(par_names, i)), v);
    }

    interrupt_ctx ictx;
    ictx.token = PROTECT(R_MakeUnwindCont());
    ++nprot;
    ictx.interrupted = 0;
    ictx.next_check = now_seconds() + 0.1;
    geomrt_call_options opts = GEOMRT_CALL_OPTIONS_INIT;
    opts.num_threads = threads;
    opts.progress = progress;
    opts.progress_user = &ictx;

    SEXP rptr = PROTECT(guarded_ptr(result_finalizer));
    ++nprot;
    geomrt_result *res = NULL;
    rc = geomrt_invoke(&res, rt, method, args, &opts);
    R_SetExternalPtrAddr(rptr, res);
    SEXP failure = rc != GEOMRT_OK ? last_message() : R_NilValue;
    PROTECT(failure);
    ++nprot;
    args_finalizer(aptr); /* the inputs are no longer borrowed */
    if (ictx.interrupted) {
        result_finalizer(rptr);
        R_ContinueUnwind(ictx.token); /* deliver the user's interrupt */
    }
    if (rc != GEOMRT_OK) raise_condition(rc, failure);

    const size_t n_out = geomrt_result_count(res);
    SEXP out = PROTECT(Rf_allocVector(VECSXP, (R_xlen_t)n_out + ninplace));
    ++nprot;
    SEXP out_names = PROTECT(Rf_allocVector(STRSXP, (R_xlen_t)n_out + ninplace));
    ++nprot;
    for (size_t i = 0; i < n_out; ++i) {
        const char *name = geomrt_result_name(res, i);
        SET_STRING_ELT(out_names, (R_xlen_t)i, Rf_mkCharCE(name, CE_UTF8));
        int kind = geomrt_result_kind(res, name);
        if (kind == GEOMRT_KIND_SPARSE) {
            geomrt_sparse_view s;
            rc = geomrt_result_sparse(res, name, &s);
            if (rc != GEOMRT_OK) geomrt_r_raise_last(rc);
            SET_VECTOR_ELT(out, (R_xlen_t)i, sparse_to_r(&s, sparse_as_dense));
        } else {
            geomrt_tensor_view v;
            rc = geomrt_result_tensor(res, name, &v);
            if (rc != GEOMRT_OK) geomrt_r_raise_last(rc);
            SET_VECTOR_ELT(out, (R_xlen_t)i, dense_to_r(v.data, v.dtype, v.ndim, v.shape, v.numel));
        }
    }
    for (int k = 0; k < ninplace; ++k) {
        const char *name = inplace[k].name;
        char alt[512];
        if (geomrt_result_has(res, name)) {
            snprintf(alt, sizeof alt, "%s_inplace", name);
            name = alt;
        }
        SET_STRING_ELT(out_names, (R_xlen_t)n_out + k, Rf_mkCharCE(name, CE_UTF8));
        SET_VECTOR_ELT(out, (R_xlen_t)n_out + k, inplace_to_r(&inplace[k]));
    }
    Rf_setAttrib(out, R_NamesSymbol, out_names);
    result_finalizer(rptr);
    UNPROTECT(nprot);
    return out;
}
