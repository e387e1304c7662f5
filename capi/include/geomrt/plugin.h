/*
 * plugin.h -- the geomrt plugin ABI.
 *
 * A plugin is a shared library exporting exactly one C symbol:
 *
 *     int geomrt_plugin_init_v1(const geomrt_host_api *host, geomrt_registrar *reg);
 *
 * The host calls it once after loading the file. The plugin first calls
 * host->declare_plugin() with the ABI version it was compiled against, then
 * host->register_method() for each method, and returns GEOMRT_OK. Plugins do
 * not link libgeomrt: everything they need comes through the host table, which
 * is append-only (new functions are added at the end and abi_minor grows).
 * A plugin that declares a newer abi_minor than the host, or another
 * abi_major, is rejected with a message naming the file and both versions.
 * A plugin may instead declare the oldest minor it needs and use a newer
 * function only when the host's table holds it: GEOMRT_HOST_HAS(host, field)
 * (the SDK does so, and declares 1.0).
 *
 * Versions: 1.0 the functions up to set_error; 1.1 adds scratch and
 * scratch_release (scratch memory reused across calls).
 *
 * No C++ type, exception or allocator ownership crosses this boundary: the
 * plugin's method function returns a code, reports messages through
 * host->set_error(), and allocates outputs through the host.
 *
 * C++ plugin authors should use the header-only SDK in plugin.hpp.
 */
#ifndef GEOMRT_PLUGIN_H
#define GEOMRT_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#include "geomrt/geomrt.h"

#ifdef __cplusplus
extern "C" {
#endif

#define GEOMRT_PLUGIN_ABI_MAJOR 1
#define GEOMRT_PLUGIN_ABI_MINOR 1
/** Name of the entry point for ABI major 1. */
#define GEOMRT_PLUGIN_ENTRY "geomrt_plugin_init_v1"

#if defined(_WIN32)
#  define GEOMRT_PLUGIN_EXPORT __declspec(dllexport)
#else
#  define GEOMRT_PLUGIN_EXPORT __attribute__((visibility("default")))
#endif

typedef struct geomrt_registrar geomrt_registrar;  /* opaque, host-owned */

/** An input or output slot of a method. */
typedef struct geomrt_io_desc {
    const char *name;    /**< identifier, e.g. "M" */
    const char *doc;     /**< one sentence */
    int kind;            /**< geomrt_kind */
    int dtype;           /**< geomrt_dtype (values of a sparse matrix are always f64) */
    int ndim;            /**< required rank, or -1 for any */
    const char *shape;   /**< signature "n,m": names tie dimensions across slots, digits fix them, "*" is free; NULL or "" = free */
    unsigned int flags;  /**< GEOMRT_IO_* */
} geomrt_io_desc;

/** A typed parameter of a method. */
typedef struct geomrt_param_desc {
    const char *name;           /**< identifier, e.g. "reg" */
    const char *doc;            /**< one sentence, with units */
    int type;                   /**< geomrt_param_type */
    const char *default_value;  /**< default as text; NULL = required */
    double min, max;            /**< inclusive range unless GEOMRT_PARAM_*_EXCLUSIVE (numeric types) */
    unsigned int flags;         /**< GEOMRT_PARAM_* */
    const char *choices;        /**< for GEOMRT_PARAM_ENUM: "a|b|c" */
} geomrt_param_desc;

/** A parameter value as the method receives it (checked, defaults filled). */
typedef struct geomrt_param_value {
    int type;           /**< geomrt_param_type */
    int64_t i;          /**< I64 and BOOL (0/1) */
    double f;           /**< F64 (also set for I64) */
    const char *s;      /**< STRING and ENUM; never NULL for those */
} geomrt_param_value;

/** A checked input as the method receives it. */
typedef struct geomrt_tensor {
    int present;             /**< 0 if an optional input was omitted */
    int kind;                /**< geomrt_kind */
    int dtype;               /**< geomrt_dtype */
    int ndim;
    const int64_t *shape;    /**< ndim extents */
    const int64_t *strides;  /**< ndim strides in elements (C-contiguous unless the slot has GEOMRT_IO_STRIDED) */
    void *data;              /**< dense data; writable only for GEOMRT_IO_INPLACE slots */
    /* sparse CSR (kind == GEOMRT_KIND_SPARSE): shape = {rows, cols} */
    int64_t nnz;
    const int64_t *indptr;
    const int64_t *indices;
    const double *values;
} geomrt_tensor;

/** Everything one call of a method receives. */
typedef struct geomrt_invocation {
    unsigned int struct_size;          /**< sizeof(geomrt_invocation) of the host */
    const geomrt_tensor *inputs;       /**< in descriptor order */
    size_t n_inputs;
    const geomrt_param_value *params;  /**< in descriptor order */
    size_t n_params;
    int num_threads;                   /**< threads the method may use (>= 1) */
    void *ctx;                         /**< host context: pass to the host functions below */
    const struct geomrt_host_api *host; /**< the host function table */
} geomrt_invocation;

/** A method body: returns GEOMRT_OK or a negative code (after host->set_error). Must not throw. */
typedef int (*geomrt_method_fn)(void *user, const geomrt_invocation *inv);

/** A method descriptor; the host copies everything during register_method(). */
typedef struct geomrt_method_desc {
    unsigned int struct_size;      /**< sizeof(geomrt_method_desc) */
    const char *name;              /**< dotted, e.g. "ot.sinkhorn" */
    const char *summary;           /**< one line */
    const char *description;       /**< objective, behaviour, outputs */
    const char *citation;          /**< paper(s) the method implements */
    const geomrt_io_desc *inputs;
    size_t n_inputs;
    const geomrt_io_desc *outputs;
    size_t n_outputs;
    const geomrt_param_desc *params;
    size_t n_params;
    geomrt_method_fn fn;
    void *user;                    /**< passed to fn; must live as long as the plugin */
} geomrt_method_desc;

/** The host function table. Append-only: fields are never removed or reordered. */
typedef struct geomrt_host_api {
    uint32_t struct_size;  /**< sizeof the host's table: a plugin may use a function only if it lies within */
    uint32_t abi_major;    /**< GEOMRT_PLUGIN_ABI_MAJOR of the host */
    uint32_t abi_minor;    /**< GEOMRT_PLUGIN_ABI_MINOR of the host */
    uint32_t reserved;

    /* --- ABI 1.0 --- */
    /** Declare the plugin's name, version and the ABI it was built against; must come first. */
    int (*declare_plugin)(geomrt_registrar *reg, const char *name, const char *version,
                          uint32_t abi_major, uint32_t abi_minor);
    /** Register one method (the descriptor is copied). */
    int (*register_method)(geomrt_registrar *reg, const geomrt_method_desc *desc);
    /** Allocate dense output `index` (descriptor order); *data receives zero-filled, C-contiguous storage owned by the result. */
    int (*output_dense)(void *ctx, size_t index, int dtype, int ndim, const int64_t *shape, void **data);
    /** Allocate sparse CSR output `index`: rows+1 indptr, nnz indices and values, owned by the result. */
    int (*output_sparse)(void *ctx, size_t index, int64_t rows, int64_t cols, int64_t nnz,
                         int64_t **indptr, int64_t **indices, double **values);
    /** Report progress; returns nonzero if the call has been cancelled (the method should then return GEOMRT_ECANCELLED). Call only from the invoking thread. */
    int (*progress)(void *ctx, double fraction, int64_t iteration, double residual);
    /** Whether the call has been cancelled (any thread may ask). */
    int (*cancelled)(void *ctx);
    /** Record the error message of this call (the method then returns `code`). */
    void (*set_error)(void *ctx, int code, const char *message);

    /* --- ABI 1.1 (check GEOMRT_HOST_HAS(host, scratch) before use) --- */
    /**
     * Scratch memory for this call: *data receives `bytes` bytes (bytes > 0),
     * 64-byte aligned, 2 MiB aligned from 4 MiB on (such blocks are mapped with
     * transparent huge pages advised). The contents are UNSPECIFIED (not zeroed:
     * a block may have served an earlier call). The block belongs to this call
     * alone; it is valid until the method returns or until scratch_release, and
     * the host takes it back then (the plugin never frees it). The runtime keeps
     * a few large blocks between calls (see geomrt_runtime_set_scratch_cache), so
     * repeated calls of the same size reuse memory that is already mapped.
     * May be called from any thread of the call. Returns GEOMRT_OK, GEOMRT_EINVAL
     * (bytes == 0 or data NULL; *data = NULL) or GEOMRT_ENOMEM (*data = NULL).
     */
    int (*scratch)(void *ctx, size_t bytes, void **data);
    /**
     * Give a block from scratch() back before the method returns (optional: every
     * block of a call is taken back when the method returns), so that a later
     * request of this call, or another call, may reuse it. data == NULL is a
     * no-op; a pointer that is not a live scratch block of this call gives
     * GEOMRT_EINVAL.
     */
    int (*scratch_release)(void *ctx, void *data);
} geomrt_host_api;

/**
 * Whether a host table provides `field` (a function added after ABI 1.0), e.g.
 * GEOMRT_HOST_HAS(inv->host, scratch): the host's struct_size covers it.
 */
#define GEOMRT_HOST_HAS(host, field) \
    ((host)->struct_size >= offsetof(geomrt_host_api, field) + sizeof((host)->field) && (host)->field != NULL)

/** Signature of the plugin entry point. */
typedef int (*geomrt_plugin_init_fn)(const geomrt_host_api *host, geomrt_registrar *reg);

#ifdef __cplusplus
}
#endif

#endif /* GEOMRT_PLUGIN_H */
