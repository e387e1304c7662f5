/* java/typemaps.i -- JNI typemaps of the Java module (included by ../geomrt.i).
 *
 * Inputs:  java.nio.DoubleBuffer (direct)  -> its native address + capacity: zero-copy
 *          double[] / long[] taken as a vector -> one copy (GetXArrayRegion), owned by ArgsHandle
 *          long[] shape/strides                -> a temporary vector
 * Outputs: DoubleView / LongView -> a new double[] / long[] (one copy, SetXArrayRegion).
 * Errors:  geomrt_swig::Error -> org.geomrt.GeomrtException(message, code) (unchecked).
 * The generated proxies are package-private: the public API is the hand-written
 * org.geomrt.Runtime / Result / Output / Tensor / GeomrtException.
 */
%include <stdint.i>

%{
#include <climits>
#include <vector>

/* Throw org.geomrt.GeomrtException(message, code), or a RuntimeException if that fails. */
static void geomrt_swig_java_throw(JNIEnv *jenv, const geomrt_swig::Error &e) {
    if (jenv->ExceptionCheck()) return;
    jclass cls = jenv->FindClass("org/geomrt/GeomrtException");
    if (cls) {
        jmethodID ctor = jenv->GetMethodID(cls, "<init>", "(Ljava/lang/String;I)V");
        jstring msg = ctor ? jenv->NewStringUTF(e.message().c_str()) : NULL;
        jobject exc = msg ? jenv->NewObject(cls, ctor, msg, (jint)e.code()) : NULL;
        if (exc && jenv->Throw((jthrowable)exc) == 0) return;
    }
    jenv->ExceptionClear();
    SWIG_JavaThrowException(jenv, SWIG_JavaRuntimeException, e.what());
}
%}

%define GEOMRT_SWIG_THROW_ERROR(e) geomrt_swig_java_throw(jenv, e); return $null; %enddef
%define GEOMRT_SWIG_THROW_NOMEM SWIG_JavaThrowException(jenv, SWIG_JavaOutOfMemoryError, "geomrt: out of memory"); return $null; %enddef
%define GEOMRT_SWIG_THROW_OTHER(e) SWIG_JavaThrowException(jenv, SWIG_JavaRuntimeException, (e).what()); return $null; %enddef

/* Package-private proxies and module classes; the native library is loaded by NativeLoader. */
%typemap(javaclassmodifiers) SWIGTYPE "final class"
%pragma(java) moduleclassmodifiers="final class"
%pragma(java) jniclassclassmodifiers="final class"
%pragma(java) jniclasscode=%{
  static {
    NativeLoader.load();
  }
%}
/* Handles are freed explicitly (delete()) by the hand-written classes; no finalizers. */
%typemap(javafinalize) SWIGTYPE ""

/* ---------------------------------------------------------------- direct DoubleBuffer */
%typemap(jni) (const double *data, int64_t capacity) "jobject"
%typemap(jtype) (const double *data, int64_t capacity) "java.nio.DoubleBuffer"
%typemap(jstype) (const double *data, int64_t capacity) "java.nio.DoubleBuffer"
%typemap(javain) (const double *data, int64_t capacity) "$javainput"
%typemap(in) (const double *data, int64_t capacity) {
    if (!$input) {
        SWIG_JavaThrowException(jenv, SWIG_JavaNullPointerException, "geomrt: null buffer");
        return $null;
    }
    $1 = (double *)jenv->GetDirectBufferAddress($input);
    if (!$1) {
        SWIG_JavaThrowException(jenv, SWIG_JavaIllegalArgumentException, "geomrt: not a direct buffer");
        return $null;
    }
    $2 = (int64_t)jenv->GetDirectBufferCapacity($input);
}

/* ---------------------------------------------------------------- long[] -> (pointer, count) */
%typemap(jni) (const int64_t *LONGS, int NLONGS) "jlongArray"
%typemap(jtype) (const int64_t *LONGS, int NLONGS) "long[]"
%typemap(jstype) (const int64_t *LONGS, int NLONGS) "long[]"
%typemap(javain) (const int64_t *LONGS, int NLONGS) "$javainput"
%typemap(in) (const int64_t *LONGS, int NLONGS) (std::vector<int64_t> tmp) {
    if ($input) {
        const jsize n = jenv->GetArrayLength($input);
        tmp.resize((size_t)n);
        if (n > 0) jenv->GetLongArrayRegion($input, 0, n, (jlong *)tmp.data());
        $1 = tmp.data();
        $2 = (int)n;
    } else {
        $1 = NULL;
        $2 = 0;
    }
}
%apply (const int64_t *LONGS, int NLONGS) {
    (const int64_t *shape, int nshape),
    (const int64_t *strides, int nstrides)
};

/* ---------------------------------------------------------------- double[] / long[] taken */
%define GEOMRT_JAVA_TAKE(CTYPE, JNITYPE, JARRAY, JTYPE, GETREGION, JELEM)
%typemap(jni) std::vector<CTYPE> &TAKE "JARRAY"
%typemap(jtype) std::vector<CTYPE> &TAKE "JTYPE"
%typemap(jstype) std::vector<CTYPE> &TAKE "JTYPE"
%typemap(javain) std::vector<CTYPE> &TAKE "$javainput"
%typemap(in) std::vector<CTYPE> &TAKE (std::vector<CTYPE> tmp) {
    if (!$input) {
        SWIG_JavaThrowException(jenv, SWIG_JavaNullPointerException, "geomrt: null array");
        return $null;
    }
    const jsize n = jenv->GetArrayLength($input);
    tmp.resize((size_t)n);
    if (n > 0) jenv->GETREGION($input, 0, n, (JELEM *)tmp.data());
    $1 = &tmp;
}
%enddef
GEOMRT_JAVA_TAKE(double, jdouble, jdoubleArray, double[], GetDoubleArrayRegion, jdouble)
GEOMRT_JAVA_TAKE(int64_t, jlong, jlongArray, long[], GetLongArrayRegion, jlong)
%apply std::vector<double> &TAKE { std::vector<double> &data, std::vector<double> &values };
%apply std::vector<int64_t> &TAKE { std::vector<int64_t> &indptr, std::vector<int64_t> &indices };

/* ---------------------------------------------------------------- views -> new arrays */
%define GEOMRT_JAVA_VIEW(VIEW, JARRAY, JTYPE, NEWARRAY, SETREGION, JELEM)
%typemap(jni) VIEW "JARRAY"
%typemap(jtype) VIEW "JTYPE"
%typemap(jstype) VIEW "JTYPE"
%typemap(javaout) VIEW { return $jnicall; }
%typemap(out) VIEW {
    const VIEW &v = $1;
    if (v.size > (int64_t)(INT_MAX - 8)) {
        SWIG_JavaThrowException(jenv, SWIG_JavaIndexOutOfBoundsException,
                                "geomrt: output too large for a Java array");
        return $null;
    }
    $result = jenv->NEWARRAY((jsize)v.size);
    if (!$result) return $null;
    if (v.size > 0) jenv->SETREGION($result, 0, (jsize)v.size, (const JELEM *)v.data);
}
%enddef
GEOMRT_JAVA_VIEW(geomrt_swig::DoubleView, jdoubleArray, double[], NewDoubleArray, SetDoubleArrayRegion, jdouble)
GEOMRT_JAVA_VIEW(geomrt_swig::LongView, jlongArray, long[], NewLongArray, SetLongArrayRegion, jlong)
