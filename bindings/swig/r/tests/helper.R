# Shared by the R binding's tests (run by CTest with R_LIBS pointing at the built package).
suppressPackageStartupMessages(library(geomrt))

.failures <- 0L

# check(cond, "what"): prints ok/FAIL; the script exits non-zero at done() if anything failed.
check <- function(cond, what) {
  ok <- isTRUE(cond)
  cat(if (ok) "ok   " else "FAIL ", what, "\n", sep = "")
  if (!ok) .failures <<- .failures + 1L
  invisible(ok)
}

done <- function() {
  if (.failures > 0L) {
    cat(.failures, "check(s) failed\n")
    quit(status = 1L, save = "no")
  }
  cat("all checks passed\n")
}

# The condition signalled by expr (NULL if none).
caught <- function(expr) tryCatch({ expr; NULL }, error = function(e) e)

env_path <- function(name) {
  v <- Sys.getenv(name)
  if (!nzchar(v)) stop("environment variable ", name, " is not set (run the tests through ctest)")
  v
}

scratch_dir <- function(name) {
  d <- file.path(Sys.getenv("GEOMRT_R_SCRATCH", tempdir()), name)
  unlink(d, recursive = TRUE)
  dir.create(d, recursive = TRUE, showWarnings = FALSE)
  d
}

# ---- .npy files (format 1.0), written and read bit for bit ----

# Writes a double vector/matrix/array in C order (row-major): the C side reads it contiguous,
# while the R binding passes the same numbers column-major with strides.
write_npy <- function(x, path) {
  d <- dim(x)
  if (is.null(d)) d <- length(x)
  data <- if (length(d) >= 2L) as.vector(aperm(x, rev(seq_along(d)))) else as.vector(x)
  shape <- if (length(d) == 1L) sprintf("(%d,)", d) else sprintf("(%s)", paste(d, collapse = ", "))
  header <- sprintf("{'descr': '<f8', 'fortran_order': False, 'shape': %s, }", shape)
  pad <- 64L - ((10L + nchar(header) + 1L) %% 64L)
  header <- paste0(header, strrep(" ", pad %% 64L), "\n")
  con <- file(path, "wb")
  on.exit(close(con))
  writeBin(as.raw(c(0x93, charToRaw("NUMPY"), 1L, 0L)), con)
  writeBin(as.integer(nchar(header)), con, size = 2L, endian = "little")
  writeBin(charToRaw(header), con)
  writeBin(as.double(data), con, size = 8L, endian = "little")
}

# Reads a float64 or int64 .npy file into an R vector/matrix/array (int64 as double).
read_npy <- function(path) {
  con <- file(path, "rb")
  on.exit(close(con))
  magic <- readBin(con, "raw", 6L)
  stopifnot(identical(magic[2:6], charToRaw("NUMPY")))
  major <- as.integer(readBin(con, "raw", 2L)[1L])
  hlen <- if (major == 1L) readBin(con, "integer", size = 2L, signed = FALSE, endian = "little")
          else readBin(con, "integer", size = 4L, endian = "little")
  header <- rawToChar(readBin(con, "raw", hlen))
  descr <- sub(".*'descr': *'([^']*)'.*", "\\1", header)
  fortran <- grepl("'fortran_order': *True", header)
  shape_txt <- sub(".*'shape': *\\(([^)]*)\\).*", "\\1", header)
  shape <- as.integer(Filter(nzchar, trimws(strsplit(shape_txt, ",")[[1]])))
  n <- if (length(shape)) prod(shape) else 1
  data <- switch(descr,
    "<f8" = readBin(con, "double", n, size = 8L, endian = "little"),
    "<i8" = {
      raw <- readBin(con, "raw", 8 * n)
      lo <- readBin(raw[rep(c(TRUE, FALSE), each = 4L, length.out = 8 * n)], "integer", n, size = 4L, endian = "little")
      hi <- readBin(raw[rep(c(FALSE, TRUE), each = 4L, length.out = 8 * n)], "integer", n, size = 4L, endian = "little")
      hi * 2^32 + ifelse(lo < 0, lo + 2^32, lo)
    },
    stop("unsupported dtype ", descr, " in ", path))
  if (length(shape) <= 1L) return(data)
  if (fortran) return(array(data, shape))
  aperm(array(data, rev(shape)), rev(seq_along(shape)))
}

# A field of /proc/self/status in kB: VmRSS (resident set size) or VmHWM (its peak).
proc_status_kb <- function(field = "VmRSS") {
  line <- grep(paste0("^", field, ":"), readLines("/proc/self/status"), value = TRUE)
  as.numeric(gsub("[^0-9]", "", line))
}

# Resets VmHWM to the current RSS (Linux >= 4.0); FALSE where that is not possible.
reset_peak_rss <- function() {
  tryCatch({ writeLines("5", "/proc/self/clear_refs"); TRUE }, error = function(e) FALSE, warning = function(w) FALSE)
}

# malloc_trim(0) and the bytes malloc has handed out (mallinfo2), from a helper compiled here with
# R CMD SHLIB; NULL where that fails. After gc() and malloc_trim(0), RSS counts live memory rather
# than free heap pages glibc keeps for later.
malloc_tools <- function() {
  dir <- scratch_dir("malloc_tools")
  src <- file.path(dir, "memstat.c")
  writeLines(c("#include <malloc.h>",
               "void memstat_trim(void) { malloc_trim(0); }",
               "void memstat_inuse(double *out) { struct mallinfo2 m = mallinfo2(); out[0] = (double)m.uordblks + (double)m.hblkhd; }"),
             src)
  so <- file.path(dir, paste0("memstat", .Platform$dynlib.ext))
  status <- system2(file.path(R.home("bin"), "R"), c("CMD", "SHLIB", "-o", shQuote(so), shQuote(src)),
                    stdout = FALSE, stderr = FALSE)
  if (status != 0 || !file.exists(so)) return(NULL)
  dll <- dyn.load(so)
  list(trim = function() invisible(.C(getNativeSymbolInfo("memstat_trim", dll))),
       inuse_kb = function() .C(getNativeSymbolInfo("memstat_inuse", dll), x = double(1))$x / 1024)
}
