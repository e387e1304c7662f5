/*
 * geomrt.h -- the geomrt application API (stable C ABI).
 *
 * geomrt is a runtime for optimal-transport and geometric-learning methods.
 * Methods live in plugins (shared libraries) that a runtime discovers and
 * loads; every method is called through one entry point, geomrt_invoke(),
 * with named tensor inputs and typed parameters, and returns named outputs
 * owned by a result handle.
 *
 * Conventions
 *  - Every function that can fail returns an int: GEOMRT_OK (0) or a negative
 *    geomrt_error code. geomrt_last_error() then gives a message for the
 *    calling thread.
 *  - Out-parameters come first. `geomrt_X_new(&out, ...)` creates a handle that
 *    the caller frees with `geomrt_X_free()` (which accepts NULL). A pointer
 *    returned directly (strings, descriptors, result data) is borrowed from its
 *    parent handle and valid while the parent lives.
 *  - Input tensors are borrowed for the duration of geomrt_invoke() only and
 *    never kept; in-place tensors are written only when the call succeeds.
 *  - A runtime may be used from many threads at once. An args or result handle
 *    belongs to one thread at a time.
 *  - A result owns its outputs and may outlive the runtime that produced it;
 *    an args handle is independent of any runtime.
 */
#ifndef GEOMRT_GEOMRT_H
#define GEOMRT_GEOMRT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#  if defined(GEOMRT_BUILDING_LIBRARY)
#    define GEOMRT_EXTERN(type) __declspec(dllexport) type
#  else
#    define GEOMRT_EXTERN(type) __declspec(dllimport) type
#  endif
#else
#  define GEOMRT_EXTERN(type) __attribute__((visibility("default"))) type
#endif

/** Version of the headers; geomrt_version() gives the library's. */
#define GEOMRT_VERSION_MAJOR 0
#define GEOMRT_VERSION_MINOR 1
#define GEOMRT_VERSION_PATCH 0
#define GEOMRT_VERSION_STRING "0.1.0"

/** Error codes. Every function returns GEOMRT_OK or one of these (negative). */
typedef enum geomrt_error {
    GEOMRT_OK = 0,            /**< success */
    GEOMRT_EINVAL = -1,       /**< invalid argument or value (NULL, NaN, negative mass, out of range) */
    GEOMRT_ENOTFOUND = -2,    /**< no such method, input, output, parameter or file */
    GEOMRT_ESHAPE = -3,       /**< tensor rank or shape does not match the method's signature */
    GEOMRT_EDTYPE = -4,       /**< tensor element type or parameter type does not match */
    GEOMRT_EVERSION = -5,     /**< ABI or options-struct version not supported */
    GEOMRT_EPLUGIN = -6,      /**< a plugin could not be loaded or registered */
    GEOMRT_ENOCONVERGE = -7,  /**< an iterative solver did not reach its tolerance */
    GEOMRT_ECANCELLED = -8,   /**< the call was cancelled by the caller */
    GEOMRT_ENOMEM = -9,       /**< out of memory */
    GEOMRT_EINTERNAL = -10    /**< internal error (a bug: please report it) */
} geomrt_error;

/** Element types of tensors. */
typedef enum geomrt_dtype {
    GEOMRT_DTYPE_F64 = 1, /**< double */
    GEOMRT_DTYPE_F32 = 2, /**< float */
    GEOMRT_DTYPE_I64 = 3  /**< int64_t */
} geomrt_dtype;

/** Kinds of values an input or output slot carries. */
typedef enum geomrt_kind {
    GEOMRT_KIND_DENSE = 1,  /**< dense tensor of any rank (rank 0 = scalar) */
    GEOMRT_KIND_SPARSE = 2  /**< sparse matrix in CSR form (f64 values, i64 indices) */
} geomrt_kind;

/** Types of method parameters. */
typedef enum geomrt_param_type {
    GEOMRT_PARAM_F64 = 1,
    GEOMRT_PARAM_I64 = 2,
    GEOMRT_PARAM_BOOL = 3,
    GEOMRT_PARAM_STRING = 4,
    GEOMRT_PARAM_ENUM = 5   /**< a string restricted to a list of choices */
} geomrt_param_type;

/** Flags of input/output descriptors (bitwise or). */
#define GEOMRT_IO_OPTIONAL 0x1u          /**< the input may be omitted */
#define GEOMRT_IO_INPLACE 0x2u           /**< caller-owned state the method updates (set with geomrt_args_set_inplace) */
#define GEOMRT_IO_NONNEGATIVE 0x4u       /**< every entry must be >= 0 (checked by the host) */
#define GEOMRT_IO_ALLOW_NONFINITE 0x8u   /**< NaN/Inf allowed (otherwise the host rejects them) */
#define GEOMRT_IO_STRIDED 0x10u          /**< the method reads strided data itself (otherwise the host hands it a contiguous copy) */
#define GEOMRT_IO_ALLOW_EMPTY 0x20u      /**< zero-size dimensions allowed (otherwise rejected) */
#define GEOMRT_IO_ANY_FLOAT 0x40u        /**< float32 or float64 (the method reads the dtype it got); outputs: the method picks either */
#define GEOMRT_IO_ALSO_DENSE 0x80u       /**< a sparse CSR input that also accepts a dense float64 matrix of the same shape */

/** Flags of parameter descriptors. */
#define GEOMRT_PARAM_MIN_EXCLUSIVE 0x1u  /**< value must be > min (otherwise >= min) */
#define GEOMRT_PARAM_MAX_EXCLUSIVE 0x2u  /**< value must be < max (otherwise <= max) */
#define GEOMRT_PARAM_ALLOW_INF 0x4u      /**< an F64 parameter may be +inf or -inf (within its range); otherwise finite */

/* ------------------------------------------------------------------------ */
/* Versions and errors                                                       */

/** Library version string, e.g. "0.1.0". Static storage. */
GEOMRT_EXTERN(const char *) geomrt_version(void);
/** Library version as numbers; any pointer may be NULL. */
GEOMRT_EXTERN(void) geomrt_version_numbers(int *major, int *minor, int *patch);
/** Message of the last error on the calling thread; "" after success. Never NULL; valid until the next geomrt call on this thread. */
GEOMRT_EXTERN(const char *) geomrt_last_error(void);
/** Code of the last error on the calling thread (GEOMRT_OK after success). */
GEOMRT_EXTERN(int) geomrt_last_error_code(void);
/** Name of an error code, e.g. "GEOMRT_ESHAPE". Static storage, never NULL. */
GEOMRT_EXTERN(const char *) geomrt_error_name(int code);

/* ------------------------------------------------------------------------ */
/* Runtime and plugins                                                       */

typedef struct geomrt_runtime geomrt_runtime;
typedef struct geomrt_method geomrt_method;
typedef struct geomrt_args geomrt_args;
typedef struct geomrt_result geomrt_result;

/** Options for geomrt_runtime_new(). Initialize with GEOMRT_RUNTIME_OPTIONS_INIT. */
typedef struct geomrt_runtime_options {
    unsigned int version;             /**< GEOMRT_RUNTIME_OPTIONS_VERSION */
    const char *const *plugin_paths;  /**< plugin files or directories searched first (may be NULL when n_plugin_paths is 0; no entry may be NULL: GEOMRT_EINVAL) */
    size_t n_plugin_paths;            /**< number of entries in plugin_paths */
    int no_default_search;            /**< nonzero: skip GEOMRT_PLUGIN_PATH and the default directories */
} geomrt_runtime_options;
#define GEOMRT_RUNTIME_OPTIONS_VERSION 1
#define GEOMRT_RUNTIME_OPTIONS_INIT {GEOMRT_RUNTIME_OPTIONS_VERSION, NULL, 0, 0}

/**
 * Create a runtime and load plugins. Search order: opts->plugin_paths, then
 * the directories in the environment variable GEOMRT_PLUGIN_PATH (colon
 * separated), then `<dir of libgeomrt>/geomrt/plugins` and the install
 * directory (unless opts->no_default_search). A directory contributes every
 * `*.so` file in it; a file that cannot be loaded is recorded in the plugin
 * report and does not stop the others.
 * @param[out] out  the runtime; free with geomrt_runtime_free().
 * @param opts      options, or NULL for defaults.
 */
GEOMRT_EXTERN(int) geomrt_runtime_new(geomrt_runtime **out, const geomrt_runtime_options *opts);
/** Free a runtime and unload its plugins. NULL is a no-op. No method of it may still be running. */
GEOMRT_EXTERN(void) geomrt_runtime_free(geomrt_runtime *rt);
/**
 * Load one plugin file (or every plugin in a directory) now. Fails with
 * GEOMRT_EPLUGIN (or GEOMRT_EVERSION, GEOMRT_ENOTFOUND) if a file was rejected;
 * the reason is in the message and in the plugin report. A file this runtime
 * has already loaded (by any path to it) is refused with GEOMRT_EPLUGIN ("is
 * already loaded"), not silently accepted; a file rejected earlier is tried
 * again. A directory loads the files in it that this runtime has not tried yet
 * (none new: GEOMRT_OK). Do not call it while other threads invoke methods of
 * the same runtime.
 */
GEOMRT_EXTERN(int) geomrt_runtime_load_plugin(geomrt_runtime *rt, const char *path);

/** Status of one plugin path in the report. */
typedef enum geomrt_plugin_status {
    GEOMRT_PLUGIN_LOADED = 0,    /**< loaded; its methods are registered */
    GEOMRT_PLUGIN_REJECTED = 1   /**< tried and rejected; see the reason */
} geomrt_plugin_status;

/** Number of entries in the plugin report: every file tried, in order. */
GEOMRT_EXTERN(size_t) geomrt_runtime_plugin_report_count(const geomrt_runtime *rt);
/**
 * One entry of the plugin report. Any out-pointer may be NULL. Strings are
 * owned by `rt`. `reason` is "" for a loaded plugin, else says why it was
 * rejected; `name` is the plugin's declared name ("" if unknown).
 */
GEOMRT_EXTERN(int) geomrt_runtime_plugin_report_at(const geomrt_runtime *rt, size_t index,
                                                   const char **path, int *status,
                                                   const char **name, const char **reason);

/**
 * Bound the scratch memory a runtime keeps between calls. Methods get large
 * working buffers (a Sinkhorn kernel, for example) from the runtime; when a
 * call ends its buffers of 4 MiB or more stay mapped for later calls, so that
 * repeated calls skip the page faults of fresh memory. At most 4 buffers and
 * `max_bytes` bytes in all are kept (least recently used ones are freed
 * first); buffers of running calls are not counted, and no two running calls
 * ever share one. The default is the environment variable
 * GEOMRT_SCRATCH_CACHE_MB (MiB) when the runtime is created, else 1024 MiB.
 * @param max_bytes  0 keeps nothing (every call maps and unmaps its own buffers);
 *                   idle buffers beyond the new bound are freed now.
 * Safe to call while other threads invoke methods of `rt`.
 */
GEOMRT_EXTERN(int) geomrt_runtime_set_scratch_cache(geomrt_runtime *rt, size_t max_bytes);
/**
 * The scratch buffers a runtime keeps now (idle, between calls). Any
 * out-pointer may be NULL.
 * @param[out] count  number of buffers
 * @param[out] bytes  their total size in bytes
 * @param[out] max_bytes  the bound set by geomrt_runtime_set_scratch_cache
 */
GEOMRT_EXTERN(int) geomrt_runtime_scratch_cache_stats(const geomrt_runtime *rt, size_t *count,
                                                      size_t *bytes, size_t *max_bytes);

/* ------------------------------------------------------------------------ */
/* Introspection                                                             */

/** Number of registered methods. */
GEOMRT_EXTERN(size_t) geomrt_method_count(const geomrt_runtime *rt);
/** Method by index (sorted by name). @param[out] out owned by `rt`; do not free. */
GEOMRT_EXTERN(int) geomrt_method_at(const geomrt_method **out, const geomrt_runtime *rt, size_t index);
/** Method by dotted name, e.g. "ot.sinkhorn". @param[out] out owned by `rt`; do not free. */
GEOMRT_EXTERN(int) geomrt_method_find(const geomrt_method **out, const geomrt_runtime *rt, const char *name);

/*
 * The string getters below return strings owned by the runtime. Given a NULL
 * method they return "" (geomrt_method_json returns "{}") and do not set an
 * error; use geomrt_method_json_get for a call that reports a NULL argument.
 */
/** Method name ("ot.emd"). Owned by the runtime. */
GEOMRT_EXTERN(const char *) geomrt_method_name(const geomrt_method *m);
/** One-line summary. */
GEOMRT_EXTERN(const char *) geomrt_method_summary(const geomrt_method *m);
/** Longer description: objective, behaviour, returned values. */
GEOMRT_EXTERN(const char *) geomrt_method_description(const geomrt_method *m);
/** Paper citation(s) the method implements. */
GEOMRT_EXTERN(const char *) geomrt_method_citation(const geomrt_method *m);
/** Path of the plugin file that provides the method. */
GEOMRT_EXTERN(const char *) geomrt_method_plugin(const geomrt_method *m);
/** Whole descriptor as a JSON object (name, summary, inputs, outputs, parameters); "{}" if m is NULL. */
GEOMRT_EXTERN(const char *) geomrt_method_json(const geomrt_method *m);
/**
 * Checked form of geomrt_method_json: `*out` = the descriptor's JSON (owned by
 * the runtime). GEOMRT_EINVAL if out or m is NULL (then *out = NULL when out
 * is not NULL).
 */
GEOMRT_EXTERN(int) geomrt_method_json_get(const char **out, const geomrt_method *m);

/** Description of an input or output slot. Strings are owned by the runtime. */
typedef struct geomrt_slot_info {
    const char *name;   /**< e.g. "M" */
    const char *doc;    /**< what it is */
    int kind;           /**< geomrt_kind */
    int dtype;          /**< geomrt_dtype (for sparse: of the values) */
    int ndim;           /**< required rank, or -1 for any rank */
    const char *shape;  /**< shape signature, e.g. "n,m"; equal names tie dimensions across slots; "" if free */
    unsigned int flags; /**< GEOMRT_IO_* */
} geomrt_slot_info;

/** Description of a parameter. Strings are owned by the runtime. */
typedef struct geomrt_param_info {
    const char *name;          /**< e.g. "reg" */
    const char *doc;           /**< what it does */
    int type;                  /**< geomrt_param_type */
    const char *default_value; /**< default as text ("" if the parameter is required) */
    double min, max;           /**< numeric range (-inf/inf if unbounded) */
    unsigned int flags;        /**< GEOMRT_PARAM_* */
    const char *choices;       /**< for GEOMRT_PARAM_ENUM: allowed values separated by '|'; else "" */
    int required;              /**< nonzero if the caller must set it */
} geomrt_param_info;

GEOMRT_EXTERN(size_t) geomrt_method_input_count(const geomrt_method *m);
GEOMRT_EXTERN(int) geomrt_method_input(const geomrt_method *m, size_t index, geomrt_slot_info *out);
GEOMRT_EXTERN(size_t) geomrt_method_output_count(const geomrt_method *m);
GEOMRT_EXTERN(int) geomrt_method_output(const geomrt_method *m, size_t index, geomrt_slot_info *out);
GEOMRT_EXTERN(size_t) geomrt_method_param_count(const geomrt_method *m);
GEOMRT_EXTERN(int) geomrt_method_param(const geomrt_method *m, size_t index, geomrt_param_info *out);

/* ------------------------------------------------------------------------ */
/* Arguments                                                                 */

/** Create an empty argument set. @param[out] out free with geomrt_args_free(). */
GEOMRT_EXTERN(int) geomrt_args_new(geomrt_args **out);
/** Free an argument set. NULL is a no-op. */
GEOMRT_EXTERN(void) geomrt_args_free(geomrt_args *args);
/** Remove every input and parameter so the handle can be reused. */
GEOMRT_EXTERN(void) geomrt_args_clear(geomrt_args *args);

/**
 * Set a dense input tensor (borrowed: `data` must stay valid and unchanged
 * until geomrt_invoke() returns; it is never written). Setting a name twice
 * replaces the earlier value.
 * @param shape    ndim extents (may be NULL when ndim == 0), each >= 0
 * @param strides  ndim strides in elements, or NULL for C-contiguous (row-major).
 *                 A column-major n x m matrix passes strides {1, n}. Strides may
 *                 be negative or zero: `data` is the address of element
 *                 (0, ..., 0) and element (i, j, ...) lies at
 *                 data + i*strides[0] + j*strides[1] + ... (numpy's convention
 *                 for reversed views); strides of extent-1 axes are ignored.
 * Fails with GEOMRT_EINVAL, naming the input, for: ndim outside [0, 32], a
 * negative extent, a shape whose size in bytes (counting zero extents as 1)
 * overflows int64, NULL data for a non-empty tensor, or strides whose
 * addressed range overflows int64 or wraps around the address space. These
 * are checked here, before any arithmetic that could overflow; that the range
 * lies inside the caller's buffer is the caller's promise.
 */
GEOMRT_EXTERN(int) geomrt_args_set_tensor(geomrt_args *args, const char *name, int dtype,
                                          const void *data, int ndim, const int64_t *shape,
                                          const int64_t *strides);
/** Convenience: a C-contiguous float64 tensor. */
GEOMRT_EXTERN(int) geomrt_args_set_f64(geomrt_args *args, const char *name, const double *data,
                                       int ndim, const int64_t *shape);
/**
 * Set a dense input tensor by copy, for callers that cannot keep `data`
 * pinned until geomrt_invoke() (JNI arrays, moving garbage collectors): the
 * elements are copied now, C-contiguous, into storage owned by `args` (freed
 * by geomrt_args_free, geomrt_args_clear or when `name` is set again), and
 * `data` may be released or changed as soon as this returns. Arguments as in
 * geomrt_args_set_tensor: strides in elements (NULL = C-contiguous; negative
 * allowed, counted from `data`, which points at element 0). Fails with
 * GEOMRT_EINVAL (NULL data with elements, negative extent) or GEOMRT_ENOMEM;
 * an earlier value of `name` is then kept.
 */
GEOMRT_EXTERN(int) geomrt_args_set_tensor_copy(geomrt_args *args, const char *name, int dtype,
                                               const void *data, int ndim, const int64_t *shape,
                                               const int64_t *strides);
/**
 * Set a caller-owned in-place tensor for inputs flagged GEOMRT_IO_INPLACE
 * (state a method updates, such as running statistics). It is read, and
 * written only if the call succeeds. Same layout rules and errors as
 * geomrt_args_set_tensor. geomrt_invoke() fails with GEOMRT_EINVAL if the
 * slot is not flagged GEOMRT_IO_INPLACE (a read-only input set this way), and
 * likewise if an in-place slot was set with geomrt_args_set_tensor.
 */
GEOMRT_EXTERN(int) geomrt_args_set_inplace(geomrt_args *args, const char *name, int dtype,
                                           void *data, int ndim, const int64_t *shape,
                                           const int64_t *strides);
/**
 * Set a sparse CSR matrix input (borrowed): rows+1 row pointers, nnz column
 * indices and nnz float64 values. GEOMRT_EINVAL for negative sizes or for
 * rows x cols overflowing int64 (rows and nnz must also be < 2^60).
 */
GEOMRT_EXTERN(int) geomrt_args_set_sparse(geomrt_args *args, const char *name, int64_t rows,
                                          int64_t cols, int64_t nnz, const int64_t *indptr,
                                          const int64_t *indices, const double *values);
/**
 * Set a sparse CSR matrix input by copy (see geomrt_args_set_tensor_copy):
 * the rows+1 row pointers, nnz indices and nnz values are copied into `args`
 * now; the caller's arrays may be released as soon as this returns.
 */
GEOMRT_EXTERN(int) geomrt_args_set_sparse_copy(geomrt_args *args, const char *name, int64_t rows,
                                               int64_t cols, int64_t nnz, const int64_t *indptr,
                                               const int64_t *indices, const double *values);

/**
 * Set a parameter. Numbers convert between f64 and i64 when exact: checked at
 * geomrt_invoke(), a fractional value (2.5, or the text "2.5") for an i64
 * parameter is GEOMRT_EDTYPE ("must be an integer"), as is a value of another
 * kind (a boolean for a number, a number for a string); a value outside the
 * parameter's range is GEOMRT_EINVAL.
 */
GEOMRT_EXTERN(int) geomrt_args_set_param_f64(geomrt_args *args, const char *name, double value);
GEOMRT_EXTERN(int) geomrt_args_set_param_i64(geomrt_args *args, const char *name, int64_t value);
GEOMRT_EXTERN(int) geomrt_args_set_param_bool(geomrt_args *args, const char *name, int value);
/** Set a parameter as text; numeric and boolean parameters parse it ("0.1", "true"). The string is copied. */
GEOMRT_EXTERN(int) geomrt_args_set_param_string(geomrt_args *args, const char *name, const char *value);

/* ------------------------------------------------------------------------ */
/* Invocation                                                                */

/**
 * Progress callback. Called on the thread that called geomrt_invoke(), from
 * time to time during long solves. `fraction` in [0,1] or -1 if unknown.
 * Return nonzero to cancel the call (it then fails with GEOMRT_ECANCELLED).
 */
typedef int (*geomrt_progress_fn)(void *user, double fraction, int64_t iteration, double residual);

/** Options of one call. Initialize with GEOMRT_CALL_OPTIONS_INIT. */
typedef struct geomrt_call_options {
    unsigned int version;             /**< GEOMRT_CALL_OPTIONS_VERSION */
    int num_threads;                  /**< threads a method may use; 0 = all cores */
    geomrt_progress_fn progress;      /**< may be NULL */
    void *progress_user;              /**< passed to progress */
    const volatile int *cancel_flag;  /**< if not NULL and *cancel_flag != 0, the call stops with GEOMRT_ECANCELLED; any thread may set it (see below) */
} geomrt_call_options;
/*
 * The cancel flag. geomrt only reads it, with a relaxed atomic load of an int
 * (__atomic_load_n(flag, __ATOMIC_RELAXED)), before the method starts and
 * whenever the method polls (between solver iterations), and never resets it.
 * Another thread cancels by storing a nonzero value with an atomic store of
 * an aligned int: C11 `atomic_store_explicit` on an `atomic_int` (same size and
 * alignment as int on every supported platform), C++ `std::atomic<int>` /
 * `std::atomic_ref<int>`, Rust `AtomicI32`, Java through JNI; relaxed order
 * suffices: the flag carries no data, so nothing else written by the
 * cancelling thread is promised to be visible to the method. The store is
 * observed at the method's next poll; a call that has already finished
 * succeeds. The flag must stay valid until geomrt_invoke() returns. The type
 * stays `const volatile int *` for ABI compatibility.
 */
#define GEOMRT_CALL_OPTIONS_VERSION 1
#define GEOMRT_CALL_OPTIONS_INIT {GEOMRT_CALL_OPTIONS_VERSION, 0, NULL, NULL, NULL}

/**
 * Call a method by name. The host checks every input against the method's
 * descriptor (kind, dtype, rank, tied dimensions, finiteness, signs) and every
 * parameter (known name, type, range), fills defaults, then runs the method.
 * An output whose size overflows or cannot be allocated makes the call fail
 * with GEOMRT_ENOMEM and a message naming the output and its shape. Size-like
 * parameters (counts of projections, blocks, restarts) have bounded ranges in
 * their descriptors, so an absurd value is GEOMRT_EINVAL before any allocation.
 * @param[out] out  the outputs; free with geomrt_result_free(). Set to NULL on error.
 * @param opts      call options, or NULL for defaults.
 */
GEOMRT_EXTERN(int) geomrt_invoke(geomrt_result **out, geomrt_runtime *rt, const char *method,
                                 const geomrt_args *args, const geomrt_call_options *opts);

/* ------------------------------------------------------------------------ */
/* Results                                                                   */

/** Free a result and every output it owns. NULL is a no-op. */
GEOMRT_EXTERN(void) geomrt_result_free(geomrt_result *res);
/** Number of outputs. */
GEOMRT_EXTERN(size_t) geomrt_result_count(const geomrt_result *res);
/** Name of output `index` (NULL if out of range). Owned by `res`. */
GEOMRT_EXTERN(const char *) geomrt_result_name(const geomrt_result *res, size_t index);
/** Whether the result has an output of this name (1) or not (0). */
GEOMRT_EXTERN(int) geomrt_result_has(const geomrt_result *res, const char *name);

/** View of a dense output (C-contiguous). Memory owned by the result. */
typedef struct geomrt_tensor_view {
    int dtype;              /**< geomrt_dtype */
    int ndim;               /**< rank (0 for a scalar) */
    const int64_t *shape;   /**< ndim extents */
    const void *data;       /**< numel elements, row-major */
    int64_t numel;          /**< product of shape (1 for a scalar) */
} geomrt_tensor_view;

/** View of a sparse CSR output. Memory owned by the result. */
typedef struct geomrt_sparse_view {
    int64_t rows, cols, nnz;
    const int64_t *indptr;   /**< rows+1 entries */
    const int64_t *indices;  /**< nnz column indices, sorted within each row */
    const double *values;    /**< nnz values */
} geomrt_sparse_view;

/**
 * Kind (geomrt_kind) of an output, or GEOMRT_ENOTFOUND: kind and error share
 * the return value. Prefer geomrt_result_info, which keeps them apart.
 */
GEOMRT_EXTERN(int) geomrt_result_kind(const geomrt_result *res, const char *name);
/**
 * Kind, element type and rank of an output. Any out-pointer may be NULL.
 * A sparse output gives GEOMRT_KIND_SPARSE, GEOMRT_DTYPE_F64 (its values) and
 * rank 2; a scalar rank 0.
 * @param[out] kind   geomrt_kind
 * @param[out] dtype  geomrt_dtype
 * @param[out] ndim   rank
 * @return GEOMRT_OK, or GEOMRT_ENOTFOUND (no such output; outs untouched), GEOMRT_EINVAL (NULL res or name)
 */
GEOMRT_EXTERN(int) geomrt_result_info(const geomrt_result *res, const char *name, int *kind,
                                      int *dtype, int *ndim);
/**
 * Documentation of an output: the method descriptor's one-sentence doc for
 * the slot `name` (what geomrt_method_output gives as `doc`), e.g. "the
 * transport plan (n x m)".
 * @param[out] doc  owned by `res` (valid while it lives, also after its
 *                  runtime is freed); set to NULL on error.
 * @return GEOMRT_OK, GEOMRT_ENOTFOUND or GEOMRT_EINVAL
 */
GEOMRT_EXTERN(int) geomrt_result_doc(const geomrt_result *res, const char *name, const char **doc);
/** Dense output by name. */
GEOMRT_EXTERN(int) geomrt_result_tensor(const geomrt_result *res, const char *name, geomrt_tensor_view *out);
/** Sparse output by name. */
GEOMRT_EXTERN(int) geomrt_result_sparse(const geomrt_result *res, const char *name, geomrt_sparse_view *out);
/** A one-element dense output (f64 or i64) as a double. */
GEOMRT_EXTERN(int) geomrt_result_scalar(const geomrt_result *res, const char *name, double *out);
/**
 * Copy a dense output as float64 (converting f32/i64), or a sparse output as
 * its dense rows x cols float64 matrix, into `buf` of `capacity` elements
 * (row-major). Fails with GEOMRT_ESHAPE if capacity is too small.
 */
GEOMRT_EXTERN(int) geomrt_result_copy_f64(const geomrt_result *res, const char *name, double *buf, int64_t capacity);

#ifdef __cplusplus
}
#endif

#endif /* GEOMRT_GEOMRT_H */
