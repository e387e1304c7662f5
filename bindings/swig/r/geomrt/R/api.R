# The idiomatic R layer of the geomrt binding. It validates arguments and calls
# the SWIG-generated wrappers (R/geomrt.R, generated from bindings/swig/r/geomrt_r.i)
# of the C facade in src/geomrt_r.c.

.check_string <- function(x, what) {
  if (!is.character(x) || length(x) != 1L || is.na(x) || !nzchar(x))
    stop(sprintf("%s must be a single non-empty string", what), call. = FALSE)
}

.check_runtime <- function(rt) {
  if (!inherits(rt, "geomrt_runtime"))
    stop("rt must be a geomrt runtime, as made by geomrt_runtime()", call. = FALSE)
}

# A list of equal-length columns as a data.frame (no name mangling, no factors).
.as_df <- function(cols) {
  n <- if (length(cols)) length(cols[[1L]]) else 0L
  attr(cols, "row.names") <- .set_row_names(n)
  class(cols) <- "data.frame"
  cols
}

# Create a geomrt runtime.
geomrt_runtime <- function(plugin_paths = NULL, default_search = TRUE) {
  if (!is.null(plugin_paths)) {
    if (!is.character(plugin_paths) || anyNA(plugin_paths))
      stop("plugin_paths must be NULL or a character vector of files or directories", call. = FALSE)
    plugin_paths <- path.expand(plugin_paths)
  }
  if (!is.logical(default_search) || length(default_search) != 1L || is.na(default_search))
    stop("default_search must be TRUE or FALSE", call. = FALSE)
  geomrt_r_runtime_new(plugin_paths, as.integer(!default_search))
}

# Free a runtime now instead of when R collects it. Later calls with it are errors.
geomrt_close <- function(rt) {
  .check_runtime(rt)
  geomrt_runtime_free(rt)
  invisible(NULL)
}

# Load one more plugin file (or every plugin in a directory) into a runtime.
geomrt_load_plugin <- function(rt, path) {
  .check_runtime(rt)
  .check_string(path, "path")
  geomrt_runtime_load_plugin(rt, path.expand(path))
  invisible(rt)
}

# Every plugin file the runtime tried: path, loaded, name, reason.
geomrt_plugins <- function(rt) {
  .check_runtime(rt)
  .as_df(geomrt_r_plugins(rt))
}

# The registered methods: name, summary, description, citation, plugin.
geomrt_methods <- function(rt) {
  .check_runtime(rt)
  .as_df(geomrt_r_methods(rt))
}

# One method's descriptor (inputs, outputs and parameters as data.frames).
geomrt_describe <- function(rt, name) {
  .check_runtime(rt)
  .check_string(name, "name")
  d <- geomrt_r_describe(rt, name)
  d$inputs <- .as_df(d$inputs)
  d$outputs <- .as_df(d$outputs)
  d$params <- .as_df(d$params)
  class(d) <- "geomrt_method"
  d
}

# Call a method by name.
geomrt_invoke <- function(rt, method, inputs = list(), params = list(), threads = 0L,
                          sparse = c("csr", "dense")) {
  .check_runtime(rt)
  .check_string(method, "method")
  sparse <- match.arg(sparse)
  if (is.null(inputs)) inputs <- list()
  if (is.null(params)) params <- list()
  if (!is.list(inputs) || is.data.frame(inputs))
    stop("inputs must be a named list, e.g. list(xs = X, xt = Y)", call. = FALSE)
  if (is.atomic(params) && !is.null(names(params))) params <- as.list(params)
  if (!is.list(params))
    stop("params must be a named list, e.g. list(reg = 0.01)", call. = FALSE)
  for (what in c("inputs", "params")) {
    dup <- anyDuplicated(names(get(what)))
    if (dup) stop(sprintf("%s has '%s' twice", what, names(get(what))[dup]), call. = FALSE)
  }
  if (!is.numeric(threads) || length(threads) != 1L || is.na(threads) || threads < 0 ||
      threads != trunc(threads))
    stop("threads must be a single whole number >= 0 (0 = all cores)", call. = FALSE)
  # A data.frame becomes a matrix (a copy); vectors, matrices and arrays are passed as they are.
  for (k in which(vapply(inputs, is.data.frame, NA)))
    inputs[[k]] <- as.matrix(inputs[[k]])
  geomrt_r_invoke(rt, method, inputs, params, as.integer(threads), as.integer(sparse == "dense"))
}

print.geomrt_runtime <- function(x, ...) {
  if (!geomrt_r_runtime_is_open(x)) {
    cat("<geomrt runtime (closed)>\n")
  } else {
    m <- geomrt_r_methods(x)$name
    cat(sprintf("<geomrt runtime, libgeomrt %s, %d method%s>\n", geomrt_version(), length(m),
                if (length(m) == 1L) "" else "s"))
    if (length(m)) cat(strwrap(paste(m, collapse = ", "), indent = 2L, exdent = 2L), sep = "\n")
  }
  invisible(x)
}

print.geomrt_method <- function(x, ...) {
  wrap <- function(s, indent = 2L) cat(strwrap(s, indent = indent, exdent = indent), sep = "\n")
  cat(x$name, "\n", sep = "")
  wrap(x$summary)
  cat("\nDescription:\n"); wrap(x$description)
  cat("\nCitation:\n"); wrap(x$citation)
  slots <- function(title, s) {
    cat("\n", title, ":\n", sep = "")
    for (i in seq_len(nrow(s))) {
      flags <- c("optional", "inplace", "nonnegative")[c(s$optional[i], s$inplace[i], s$nonnegative[i])]
      cat(sprintf("  %-12s %s %s, rank %s%s%s\n", s$name[i], s$kind[i], s$dtype[i],
                  if (s$ndim[i] < 0) "any" else s$ndim[i],
                  if (nzchar(s$shape[i])) sprintf(", shape (%s)", s$shape[i]) else "",
                  if (length(flags)) paste0("  [", paste(flags, collapse = ", "), "]") else ""))
      wrap(s$doc[i], 15L)
    }
  }
  slots("Inputs", x$inputs)
  slots("Outputs", x$outputs)
  p <- x$params
  if (nrow(p)) {
    cat("\nParameters:\n")
    for (i in seq_len(nrow(p))) {
      cat(sprintf("  %-12s %s, %s%s\n", p$name[i], p$type[i],
                  if (p$required[i]) "required" else sprintf("default \"%s\"", p$default[i]),
                  if (nzchar(p$choices[i])) paste0(", choices: ", gsub("|", " | ", p$choices[i], fixed = TRUE))
                  else ""))
      wrap(p$doc[i], 15L)
    }
  }
  invisible(x)
}

# A sparse CSR output as a dense matrix.
as.matrix.geomrt_csr <- function(x, ...) {
  nr <- as.integer(x$dim[1L]); nc <- as.integer(x$dim[2L])
  m <- matrix(0, nr, nc)
  rows <- rep.int(seq_len(nr), diff(x$indptr))
  m[cbind(rows, x$indices + 1)] <- x$values
  m
}

print.geomrt_csr <- function(x, ...) {
  cat(sprintf("<%d x %d sparse CSR matrix (geomrt_csr), %d stored entries>\n",
              as.integer(x$dim[1L]), as.integer(x$dim[2L]), length(x$values)))
  k <- min(length(x$values), 10L)
  if (k > 0L) {
    rows <- rep.int(seq_len(as.integer(x$dim[1L])), diff(x$indptr))
    print(data.frame(row = rows[seq_len(k)], col = x$indices[seq_len(k)] + 1L,
                     value = x$values[seq_len(k)]), row.names = FALSE)
    if (k < length(x$values)) cat("  ...\n")
  }
  invisible(x)
}
