/*
 * geomrt_r.i -- the SWIG interface of the R binding (module and shared library "geomrt").
 *
 *   swig -r -I<bindings/swig> -I<geomrt/src> -o geomrt_wrap.c -outdir R geomrt_r.i
 *
 * It exposes exactly what is listed here: a few C API functions as they are,
 * and the small C facade of geomrt/src/geomrt_r.h that turns R vectors into
 * borrowed tensors and results into R lists. The idiomatic R layer
 * (geomrt/R/api.R) is what users call.
 */
%module geomrt

%include "r/typemaps.i"

/* C API functions wrapped as they are. */
const char *geomrt_version(void);
const char *geomrt_error_name(int code);
%geomrt_r_status(geomrt_runtime_load_plugin)
int geomrt_runtime_load_plugin(geomrt_runtime *rt, const char *path);
void geomrt_runtime_free(geomrt_runtime *CLOSE);

/* The facade; the handle and error helpers are for the typemaps only. */
%ignore geomrt_r_runtime_wrap;
%ignore geomrt_r_runtime_unwrap;
%ignore geomrt_r_runtime_release;
%ignore geomrt_r_raise_last;
%ignore geomrt_r_raise;
%include "geomrt_r.h"
