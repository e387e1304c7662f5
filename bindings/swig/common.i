/* common.i -- what every language shares: library typemaps, the explicit-exposure macros,
 * the mapping of geomrt_swig::Error to the language's exception, and a few constants.
 * Included by geomrt.i after the language's own typemaps. */

%include <exception.i>
%include <stdint.i>
%include <std_string.i>

%{
#include <new>
#include <stdexcept>
#include <geomrt/geomrt.h>
%}

/* Explicit API declaration (or-tools, TensorFlow): ignore everything, then list what is
 * exposed. %unignore_method also gives the language's naming: snake_case for Python,
 * the C++ camelCase elsewhere. Always close with %unignoreall. */
%define %ignoreall %ignore ""; %enddef
%define %unignore %rename("%s") %enddef
%define %unignoreall %rename("%s") ""; %enddef
#if defined(SWIGPYTHON)
%define %unignore_method %rename("%(undercase)s") %enddef
#else
%define %unignore_method %rename("%s") %enddef
#endif

/* Exceptions. Every wrapped call converts a geomrt_swig::Error (runtime code + message)
 * with GEOMRT_SWIG_THROW_ERROR(e), which a language's typemaps define to raise its own
 * exception type (geomrt.Error in Python, org.geomrt.GeomrtException in Java); without
 * one, SWIG's portable SWIG_exception is used. */
#ifndef GEOMRT_SWIG_THROW_ERROR
%define GEOMRT_SWIG_THROW_ERROR(e) SWIG_exception(SWIG_RuntimeError, (e).what()); %enddef
#endif
#ifndef GEOMRT_SWIG_THROW_NOMEM
%define GEOMRT_SWIG_THROW_NOMEM SWIG_exception(SWIG_MemoryError, "geomrt: out of memory"); %enddef
#endif
#ifndef GEOMRT_SWIG_THROW_OTHER
%define GEOMRT_SWIG_THROW_OTHER(e) SWIG_exception(SWIG_RuntimeError, (e).what()); %enddef
#endif

%exception {
    try {
        $action
    } catch (const geomrt_swig::Error &geomrt_swig_e) {
        GEOMRT_SWIG_THROW_ERROR(geomrt_swig_e)
    } catch (const std::bad_alloc &) {
        GEOMRT_SWIG_THROW_NOMEM
    } catch (const std::exception &geomrt_swig_e) {
        GEOMRT_SWIG_THROW_OTHER(geomrt_swig_e)
    }
}

/* Element types and output kinds (geomrt_dtype, geomrt_kind). Not for Java, where SWIG
 * would put them in a public interface; org.geomrt.Output uses the values of geomrt.h. */
#if !defined(SWIGJAVA)
%constant int DTYPE_F64 = GEOMRT_DTYPE_F64;
%constant int DTYPE_F32 = GEOMRT_DTYPE_F32;
%constant int DTYPE_I64 = GEOMRT_DTYPE_I64;
%constant int KIND_DENSE = GEOMRT_KIND_DENSE;
%constant int KIND_SPARSE = GEOMRT_KIND_SPARSE;
#endif
