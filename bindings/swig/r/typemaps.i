/*
 * bindings/swig/r/typemaps.i -- R typemaps for geomrt (SWIG -r).
 *
 * Included by bindings/swig/r/geomrt_r.i (the R module) and meant to be usable
 * from bindings/swig/geomrt.i under `#if defined(SWIGR)`. The helpers they call
 * live in the R package's C facade (geomrt/src/geomrt_r.c, geomrt_r.h), so a
 * module that includes this file compiles and links that file too.
 *
 *  - geomrt_runtime * (returned): an owned handle, wrapped in an R external
 *    pointer of class "geomrt_runtime" whose C finalizer calls
 *    geomrt_runtime_free() when R collects it (no S4 proxy object).
 *  - geomrt_runtime * / const geomrt_runtime * (argument): unwrapped and
 *    checked; a closed or foreign object is an R error.
 *  - geomrt_runtime *CLOSE (argument): the handle is taken out of its external
 *    pointer, which then reads as closed, so an explicit free and the
 *    finalizer never both free it.
 *  - %geomrt_r_status(fn): an `int` status code returned by fn becomes an R
 *    condition of class "geomrt_error" carrying geomrt_last_error().
 *  - SEXP passes through unchanged (R vectors for the facade).
 */

%{
#include "geomrt_r.h"
%}

typedef struct geomrt_runtime geomrt_runtime;

%typemap(rtype) geomrt_runtime *, const geomrt_runtime * "geomrt_runtime"
%typemap(scoercein) geomrt_runtime *, const geomrt_runtime * ""
%typemap(scoerceout) geomrt_runtime * ""
%typemap(in) geomrt_runtime *, const geomrt_runtime * %{ $1 = geomrt_r_runtime_unwrap($input); %}
%typemap(out) geomrt_runtime * %{ $result = geomrt_r_runtime_wrap($1); %}
%typemap(in) geomrt_runtime *CLOSE %{ $1 = geomrt_r_runtime_release($input); %}

%define %geomrt_r_status(FUNC)
%typemap(out) int FUNC %{
  if ($1 != GEOMRT_OK) geomrt_r_raise_last($1);
  $result = Rf_ScalarInteger($1);
%}
%enddef
