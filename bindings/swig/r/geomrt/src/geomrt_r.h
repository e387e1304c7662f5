/*
 * geomrt_r.h -- the small C facade the R binding wraps with SWIG.
 *
 * R values cross as SEXP: the facade turns R vectors, matrices and arrays into
 * borrowed geomrt tensors (REAL(x) with strides from dim, no copy) and turns a
 * geomrt_result into a named R list. Runtime handles are R external pointers
 * with a C finalizer. Failures are signalled as R conditions of class
 * c("geomrt_error", "error", "condition") carrying the runtime's message, the
 * numeric code and its name.
 *
 * Everything that holds C memory while R may allocate (and so longjmp) lives in
 * an external pointer with a finalizer, so an R error never leaks a handle.
 */
#ifndef GEOMRT_R_H
#define GEOMRT_R_H

#ifndef R_NO_REMAP
#define R_NO_REMAP
#endif
#include <Rinternals.h>
#include <geomrt/geomrt.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- handles (used by the typemaps in bindings/swig/r/typemaps.i) ---- */

/** Wrap an owned runtime in an external pointer (class "geomrt_runtime") whose finalizer frees it. */
SEXP geomrt_r_runtime_wrap(geomrt_runtime *rt);
/** The runtime of an external pointer; signals an R error if `x` is not one or was closed. */
geomrt_runtime *geomrt_r_runtime_unwrap(SEXP x);
/** Take the runtime out of its external pointer (which then reads as closed); NULL if already closed. */
geomrt_runtime *geomrt_r_runtime_release(SEXP x);

/* ---- errors ---- */

/** Signal the calling thread's last geomrt error (`code` if it has none) as a geomrt_error condition. Does not return. */
void geomrt_r_raise_last(int code);
/** Signal a geomrt_error condition with this code and message. Does not return. */
void geomrt_r_raise(int code, const char *message);

/* ---- the facade the R layer calls (R/api.R) ---- */

/** Create a runtime. plugin_paths: NULL or a character vector searched first. Signals on error. */
geomrt_runtime *geomrt_r_runtime_new(SEXP plugin_paths, int no_default_search);
/** Whether an external pointer holds an open runtime (1) or a closed one (0). */
int geomrt_r_runtime_is_open(SEXP x);
/** Plugin report as a list of columns: path, loaded, name, reason. */
SEXP geomrt_r_plugins(geomrt_runtime *rt);
/** Every method as a list of columns: name, summary, description, citation, plugin. */
SEXP geomrt_r_methods(geomrt_runtime *rt);
/** One method's descriptor: name, summary, description, citation, plugin, json, and inputs, outputs,
 *  params as lists of columns. Signals ENOTFOUND for an unknown name. */
SEXP geomrt_r_describe(geomrt_runtime *rt, const char *name);
/**
 * Call a method. inputs, params: named lists (NULL entries are skipped).
 * sparse_as_dense: nonzero returns sparse outputs as dense matrices.
 * Returns the outputs as a named list (in-place inputs come back as updated copies).
 */
SEXP geomrt_r_invoke(geomrt_runtime *rt, const char *method, SEXP inputs, SEXP params, int threads,
                     int sparse_as_dense);

#ifdef __cplusplus
}
#endif

#endif /* GEOMRT_R_H */
