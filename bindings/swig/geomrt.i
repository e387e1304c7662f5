/* geomrt.i -- the one SWIG interface of geomrt (module `geomrt`) for Python, Java and R.
 *
 * It wraps the small facade in facade.h (RuntimeHandle, ArgsHandle, ResultHandle), not the
 * C API itself: everything is ignored, then the facade's members are listed one by one.
 * Shared macros and the exception mapping are in common.i; each language adds its typemaps:
 *   Python  python/typemaps.i  (numpy.i; ndarrays pass by pointer + strides, no copy)
 *   Java    java/typemaps.i    (direct DoubleBuffer by address, double[]/long[] copied once)
 *   R       r/typemaps.i       (owned by the R binding; its build includes it. An R build
 *                               made before that file exists can define
 *                               GEOMRT_SWIG_R_NO_TYPEMAPS to skip it)
 * The idiomatic layers (Python package `geomrt`, Java package org.geomrt) are written on top.
 */
#if defined(SWIGPYTHON)
%module(package="geomrt", threads="1") geomrt
#else
%module geomrt
#endif

%{
#include <geomrt/geomrt.h>
#include "facade.h"
%}

/* Language typemaps first: they may define the GEOMRT_SWIG_THROW_* macros that common.i's
 * %exception uses (common.i falls back to SWIG_exception for any left undefined). */
#if defined(SWIGPYTHON)
%include "python/typemaps.i"
#elif defined(SWIGJAVA)
%include "java/typemaps.i"
#elif defined(SWIGR)
#  if !defined(GEOMRT_SWIG_R_NO_TYPEMAPS)
%include "r/typemaps.i"
#  endif
#endif

%include "common.i"

/* ---------------------------------------------------------------- what is exposed */
%ignoreall

%unignore geomrt_swig;

%unignore geomrt_swig::RuntimeHandle;
%unignore geomrt_swig::RuntimeHandle::RuntimeHandle;
%unignore geomrt_swig::RuntimeHandle::~RuntimeHandle;
%unignore_method geomrt_swig::RuntimeHandle::addPluginPath;
%unignore_method geomrt_swig::RuntimeHandle::setDefaultSearch;
%unignore_method geomrt_swig::RuntimeHandle::open;
%unignore_method geomrt_swig::RuntimeHandle::isOpen;
%unignore_method geomrt_swig::RuntimeHandle::close;
%unignore_method geomrt_swig::RuntimeHandle::loadPlugin;
%unignore_method geomrt_swig::RuntimeHandle::methodCount;
%unignore_method geomrt_swig::RuntimeHandle::methodName;
%unignore_method geomrt_swig::RuntimeHandle::hasMethod;
%unignore_method geomrt_swig::RuntimeHandle::methodSummary;
%unignore_method geomrt_swig::RuntimeHandle::methodJson;
%unignore_method geomrt_swig::RuntimeHandle::pluginCount;
%unignore_method geomrt_swig::RuntimeHandle::pluginPath;
%unignore_method geomrt_swig::RuntimeHandle::pluginLoaded;
%unignore_method geomrt_swig::RuntimeHandle::pluginName;
%unignore_method geomrt_swig::RuntimeHandle::pluginReason;
%unignore_method geomrt_swig::RuntimeHandle::invoke;
%unignore_method geomrt_swig::RuntimeHandle::version;
%newobject geomrt_swig::RuntimeHandle::invoke;

%unignore geomrt_swig::ArgsHandle;
%unignore geomrt_swig::ArgsHandle::ArgsHandle;
%unignore geomrt_swig::ArgsHandle::~ArgsHandle;
%unignore_method geomrt_swig::ArgsHandle::clear;
%unignore_method geomrt_swig::ArgsHandle::setParamF64;
%unignore_method geomrt_swig::ArgsHandle::setParamI64;
%unignore_method geomrt_swig::ArgsHandle::setParamBool;
%unignore_method geomrt_swig::ArgsHandle::setParamString;
%unignore_method geomrt_swig::ArgsHandle::dataAddress;
/* Tensor setters: each language exposes those its typemaps can feed. */
#if defined(SWIGPYTHON)
%unignore_method geomrt_swig::ArgsHandle::setTensor;
%unignore_method geomrt_swig::ArgsHandle::setInplace;
%unignore_method geomrt_swig::ArgsHandle::setSparse;
#elif defined(SWIGJAVA)
%unignore_method geomrt_swig::ArgsHandle::setBuffer;
%unignore_method geomrt_swig::ArgsHandle::setTensorCopy;
%unignore_method geomrt_swig::ArgsHandle::setSparseCopy;
#else
%unignore_method geomrt_swig::ArgsHandle::setTensor;
%unignore_method geomrt_swig::ArgsHandle::setInplace;
%unignore_method geomrt_swig::ArgsHandle::setBuffer;
%unignore_method geomrt_swig::ArgsHandle::setTensorCopy;
%unignore_method geomrt_swig::ArgsHandle::setSparse;
%unignore_method geomrt_swig::ArgsHandle::setSparseCopy;
#endif

%unignore geomrt_swig::ResultHandle;
%unignore geomrt_swig::ResultHandle::~ResultHandle;
%unignore_method geomrt_swig::ResultHandle::count;
%unignore_method geomrt_swig::ResultHandle::name;
%unignore_method geomrt_swig::ResultHandle::has;
%unignore_method geomrt_swig::ResultHandle::kind;
%unignore_method geomrt_swig::ResultHandle::dtype;
%unignore_method geomrt_swig::ResultHandle::ndim;
%unignore_method geomrt_swig::ResultHandle::dim;
%unignore_method geomrt_swig::ResultHandle::numel;
%unignore_method geomrt_swig::ResultHandle::scalar;
%unignore_method geomrt_swig::ResultHandle::scalarI64;
%unignore_method geomrt_swig::ResultHandle::f64;
%unignore_method geomrt_swig::ResultHandle::i64;
%unignore_method geomrt_swig::ResultHandle::sparseDense;
%unignore_method geomrt_swig::ResultHandle::sparseRows;
%unignore_method geomrt_swig::ResultHandle::sparseCols;
%unignore_method geomrt_swig::ResultHandle::sparseNnz;
%unignore_method geomrt_swig::ResultHandle::sparseIndptr;
%unignore_method geomrt_swig::ResultHandle::sparseIndices;
%unignore_method geomrt_swig::ResultHandle::sparseValues;
#if defined(SWIGPYTHON)
%unignore_method geomrt_swig::ResultHandle::dataAddress;
#endif

%unignore_method geomrt_swig::debugLastInputAddress;
%unignore_method geomrt_swig::errorName;

#if defined(SWIGPYTHON)
/* undercase would give set_param_f_64 */
%rename(set_param_f64) geomrt_swig::ArgsHandle::setParamF64;
%rename(set_param_i64) geomrt_swig::ArgsHandle::setParamI64;
%rename(scalar_i64) geomrt_swig::ResultHandle::scalarI64;
%rename(f64) geomrt_swig::ResultHandle::f64;
%rename(i64) geomrt_swig::ResultHandle::i64;
#endif

%include "facade.h"

%unignoreall
