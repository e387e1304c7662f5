# Large numeric inputs reach the C library without a copy:
#  1. tracemem() reports no duplication of the input vectors;
#  2. R's heap does not grow by the input's size during the call (gc "max used"), while an
#     integer input, which must be converted, does (the measurement sees copies);
#  3. through the whole stack (binding and host): a 10^7-double matrix passed to a method that
#     reads strided data arrives with strides (1, n), and the process's peak RSS does not grow
#     by its 80 MB, while the same matrix transposed (a copy made in R) does.
source(file.path(dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))), "helper.R"))

rt <- geomrt_runtime()
set.seed(1)
n <- 1e6
x <- rnorm(n)
y <- rnorm(n, mean = 1)

# ---- 1. tracemem ----
traced <- tryCatch({ tracemem(x); tracemem(y); TRUE }, error = function(e) FALSE)
if (traced) {
  control <- capture.output({ z <- x; z[1] <- 0 })
  check(any(grepl("tracemem", control)), "tracemem works here (modifying a copy of x is reported)")
  rm(z)
  log <- capture.output(r <- geomrt_invoke(rt, "ot.wasserstein_1d", list(xs = x, xt = y), list(p = 2)))
  check(!any(grepl("tracemem", log)), sprintf("ot.wasserstein_1d on 2 x 10^6 doubles: tracemem reports no copy (W_2 = %.6f)", r$cost))
  X <- matrix(x, ncol = 2); tracemem(X)
  log <- capture.output(rr <- geomrt_invoke(rt, "ot.sinkhorn", list(xs = X[1:300, ], xt = X[301:500, ]), list(reg = 0.1)))
  log <- c(log, capture.output(rr <- geomrt_invoke(rt, "ot.wasserstein_1d", list(xs = x, xt = y), list(p = 1))))
  check(!any(grepl("tracemem", log)), "a 5e5 x 2 matrix and repeated calls: still no copy")
  untracemem(x); untracemem(y); untracemem(X)
} else {
  cat("skip tracemem: this R is built without memory profiling\n")
}

# ---- 2. R heap accounting ----
vcells_during <- function(expr) {
  invisible(gc(reset = TRUE))
  base <- gc()["Vcells", "used"]
  force(expr)
  gc()["Vcells", "max used"] - base   # Vcells are 8 bytes: 10^6 doubles = 10^6 Vcells
}
grow <- vcells_during(geomrt_invoke(rt, "ot.wasserstein_1d", list(xs = x, xt = y)))
check(grow < 1e5, sprintf("double input of 10^6 values: R heap peak grew by %.0f Vcells (< 10^5; a copy is 10^6)", grow))
xi <- sample.int(1000L, n, replace = TRUE)
grow_int <- vcells_during(geomrt_invoke(rt, "ot.wasserstein_1d", list(xs = xi, xt = y)))
check(grow_int >= 1e6, sprintf("control: an integer input is converted, and the heap peak grew by %.0f Vcells", grow_int))

# ---- 3. the whole stack, by peak RSS ----
fixture <- Sys.getenv("GEOMRT_R_FIXTURE_DIR")
if (nzchar(fixture) && file.exists("/proc/self/status")) {
  rf <- geomrt_runtime(fixture, default_search = FALSE)
  big <- matrix(runif(1e7), 5e6, 2)           # 80 MB
  invisible(gc())
  can_reset <- reset_peak_rss()
  if (!can_reset) cat("skip peak RSS checks: VmHWM cannot be reset here\n")
  rss0 <- proc_status_kb("VmRSS")
  r <- geomrt_invoke(rf, "rtest.layout", list(x = big))
  peak <- (proc_status_kb("VmHWM") - rss0) / 1024
  check(identical(r$strides, c(1, 5e6)) && identical(r$shape, c(5e6, 2)),
        "a 5e6 x 2 matrix (10^7 doubles) reaches the method with strides (1, 5e6)")
  check(abs(r$sum - sum(big)) < 1e-6 * sum(big), "and is read right in place")
  if (can_reset) check(peak < 20, sprintf("peak RSS rose %.1f MB above the RSS before the call (< 20 MB; a copy is 76 MB)", peak))
  # Control: the transposed matrix is a fresh 80 MB allocation, which the peak shows.
  invisible(gc())
  if (reset_peak_rss()) {
    rss1 <- proc_status_kb("VmRSS")
    r2 <- geomrt_invoke(rf, "rtest.layout", list(x = t(big)))
    peak2 <- (proc_status_kb("VmHWM") - rss1) / 1024
    check(peak2 > 50, sprintf("control: passing t(big), a copy made by R, raised the peak by %.1f MB", peak2))
  }
}

done()
