# Nothing leaks: RSS (from /proc/self/status, after gc() and malloc_trim(0)) stays flat over 10^4
# invocations that return sparse, dense and scalar outputs and fail in several ways (in the
# runtime and in the binding), and over runtimes created and dropped (freed by their
# finalizers) or closed.
#
# Without malloc_trim, RSS after gc() shows a one-off step of about 5 MB after some thousands of
# mixed calls, then stays flat for good (checked over 4 x 10^4 calls): free heap pages glibc keeps,
# not live memory (mallinfo2 shows no such step). The calls use one thread: OpenMP workers would
# each grow a malloc arena once, which is not a leak either (and slow on a loaded machine).
source(file.path(dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))), "helper.R"))

rt <- geomrt_runtime()
set.seed(7)
xs <- matrix(rnorm(40), 20, 2)
xt <- matrix(rnorm(30, 1), 15, 2)
u <- rnorm(500)
fixture <- Sys.getenv("GEOMRT_R_FIXTURE_DIR")
rf <- if (nzchar(fixture)) geomrt_runtime(fixture, default_search = FALSE) else NULL
csr <- structure(list(indptr = c(0L, 1L, 3L), indices = c(2L, 0L, 1L), values = c(1, 2, 3), dim = c(2L, 3L)),
                 class = "geomrt_csr")

one_round <- function(k) {
  switch(k %% 8 + 1,
    geomrt_invoke(rt, "ot.emd", list(xs = xs, xt = xt), threads = 1),                              # sparse + dense + scalars
    geomrt_invoke(rt, "ot.sinkhorn", list(xs = xs, xt = xt), list(reg = 0.5), threads = 1),       # dense matrix output
    geomrt_invoke(rt, "ot.wasserstein_1d", list(xs = u, xt = 1:100), list(p = 2), threads = 1),   # integer input converted
    tryCatch(geomrt_invoke(rt, "ot.sinkhorn", list(xs = xs, xt = xt), list(reg = -1)), geomrt_error = identity),
    tryCatch(geomrt_invoke(rt, "ot.emd", list(xs = xs, xt = xt[, 1])), geomrt_error = identity),
    tryCatch(geomrt_invoke(rt, "ot.emd", list(xs = "a", xt = xt)), geomrt_error = identity),  # fails in the binding
    if (!is.null(rf)) geomrt_invoke(rf, "rtest.state", list(state = c(1, 2), counts = 1:3)) else geomrt_describe(rt, "ot.emd"),
    if (!is.null(rf)) geomrt_invoke(rf, "rtest.sparse", list(A = csr)) else geomrt_methods(rt))
}

mt <- malloc_tools()
if (is.null(mt)) cat("note: no malloc_trim helper (R CMD SHLIB failed); RSS is measured after gc() only\n")
rss <- function() {
  invisible(gc()); invisible(gc())
  if (!is.null(mt)) mt$trim()
  proc_status_kb("VmRSS")
}
inuse <- function() if (is.null(mt)) NA else mt$inuse_kb()

for (k in 1:3000) one_round(k)           # warm up: allocator pools, byte code, R's heap size
base <- rss(); base_inuse <- inuse()
marks <- numeric(0); inuse_marks <- numeric(0)
t0 <- Sys.time()
for (k in 1:10000) {
  one_round(k)
  if (k %% 1250 == 0) { marks <- c(marks, rss()); inuse_marks <- c(inuse_marks, inuse()) }
}
secs <- as.numeric(Sys.time() - t0, units = "secs")
cat(sprintf("RSS after warm-up %.0f kB; after each 1250 more calls: %s kB\n", base,
            paste(sprintf("%+.0f", marks - base), collapse = " ")))
cat(sprintf("malloc in use after warm-up %.0f kB; after each 1250 more calls: %s kB\n", base_inuse,
            paste(sprintf("%+.0f", inuse_marks - base_inuse), collapse = " ")))
cat(sprintf("(%.1f s, %.0f us per call)\n", secs, 1e6 * secs / 1e4))
growth <- max(marks) - base
check(growth < 2048, sprintf("10^4 invocations: RSS grew by at most %.0f kB (< 2 MB, i.e. < 200 bytes per call)", growth))
check(marks[8] - marks[4] < 1024, sprintf("and is flat over the second 5000 calls (%+.0f kB)", marks[8] - marks[4]))

# Runtimes: created and dropped (freed by the finalizer at gc()), or closed explicitly.
for (k in 1:20) { r <- geomrt_runtime(); rm(r) }
base_rt <- rss()
for (k in 1:200) {
  r <- geomrt_runtime()
  if (k %% 2 == 0) geomrt_close(r)
  rm(r)
}
after_rt <- rss()
cat(sprintf("RSS before 200 runtimes %.0f kB, after %.0f kB\n", base_rt, after_rt))
check(after_rt - base_rt < 1024, sprintf("200 runtimes created and freed: RSS grew by %.0f kB (< 1 MB)", after_rt - base_rt))

done()
