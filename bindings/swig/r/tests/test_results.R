# The R binding returns what the C API returns, to the last bit: every output of a call from R
# is compared with the same call made by the geomrt CLI (a plain C API program) on the same input
# bits. R passes matrices column-major with strides (1, n); the CLI reads C-order .npy files, so
# the comparison also checks that strides are read right. Outputs are read back from .npy.
source(file.path(dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))), "helper.R"))

cli <- env_path("GEOMRT_CLI")
data_dir <- env_path("GEOMRT_DATA_DIR")
rt <- geomrt_runtime()
tmp <- scratch_dir("results")

# Runs the CLI with the inputs written as .npy and returns its outputs (dense, plus sparse parts).
run_cli <- function(method, inputs, params = list(), threads = NULL, tag = method) {
  dir <- file.path(tmp, tag)
  dir.create(dir, showWarnings = FALSE)
  args <- c("run", method, "-q", "-o", shQuote(file.path(dir, "out")))
  for (nm in names(inputs)) {
    f <- file.path(dir, paste0("in_", nm, ".npy"))
    write_npy(inputs[[nm]], f)
    args <- c(args, "--input", shQuote(paste0(nm, "=", f)))
  }
  for (nm in names(params)) {
    v <- params[[nm]]
    txt <- if (is.logical(v)) tolower(as.character(v)) else if (is.double(v)) sprintf("%.17g", v) else as.character(v)
    args <- c(args, "--param", shQuote(paste0(nm, "=", txt)))
  }
  if (!is.null(threads)) args <- c(args, "--threads", threads)
  status <- system2(cli, args, stdout = FALSE, stderr = FALSE)
  if (status != 0) stop("the CLI failed: ", paste(c(cli, args), collapse = " "))
  files <- list.files(file.path(dir, "out"), pattern = "\\.npy$")
  out <- lapply(file.path(dir, "out", files), read_npy)
  names(out) <- sub("\\.npy$", "", files)
  out
}

# Every output of the R call, compared with identical() (bit for bit, NaN payloads aside).
compare <- function(label, method, inputs, params = list(), threads = 0L) {
  r <- geomrt_invoke(rt, method, inputs, params, threads = threads)
  rd <- geomrt_invoke(rt, method, inputs, params, threads = threads, sparse = "dense")
  c_out <- run_cli(method, inputs, params, threads = threads, tag = label)
  for (nm in names(r)) {
    x <- r[[nm]]
    if (inherits(x, "geomrt_csr")) {
      check(identical(as.double(x$indptr), c_out[[paste0(nm, ".indptr")]]) &&
              identical(as.double(x$indices), c_out[[paste0(nm, ".indices")]]) &&
              identical(x$values, c_out[[paste0(nm, ".values")]]),
            sprintf("%s: sparse output '%s' (%d entries) equals the C API's bit for bit", label, nm, length(x$values)))
      check(identical(rd[[nm]], c_out[[nm]]),
            sprintf("%s: sparse output '%s' as a dense %s matrix equals the C API's", label, nm,
                    paste(dim(rd[[nm]]), collapse = " x ")))
    } else {
      check(identical(x, c_out[[nm]]),
            sprintf("%s: output '%s' %s equals the C API's bit for bit", label, nm,
                    if (is.null(dim(x))) sprintf("(length %d)", length(x)) else sprintf("(%s matrix)", paste(dim(x), collapse = " x "))))
    }
  }
  check(setequal(names(r), sub("\\.(indptr|indices|values)$", "", names(c_out))),
        sprintf("%s: the same outputs (%s)", label, paste(names(r), collapse = ", ")))
  invisible(r)
}

# The bundled point clouds (as in examples/demo.sh).
src <- as.matrix(read.csv(file.path(data_dir, "source.csv"), header = FALSE, comment.char = "#"))
tgt <- as.matrix(read.csv(file.path(data_dir, "target.csv"), header = FALSE, comment.char = "#"))
dimnames(src) <- dimnames(tgt) <- NULL
r <- compare("emd bundled clouds", "ot.emd", list(xs = src, xt = tgt), list(metric = "sqeuclidean"))
check(abs(r$cost - 3.023067922576246) < 1e-12, sprintf("emd bundled clouds: cost %.17g as the demo prints", r$cost))

set.seed(20240601)
n <- 60; m <- 45; d <- 3
xs <- matrix(rnorm(n * d), n, d)
xt <- matrix(rnorm(m * d, mean = 0.5), m, d)
a <- runif(n); a <- a / sum(a)
b <- runif(m); b <- b / sum(b)
compare("emd weighted euclidean", "ot.emd", list(xs = xs, xt = xt, a = a, b = b), list(metric = "euclidean"))
compare("emd minkowski p=3", "ot.emd", list(xs = xs, xt = xt), list(metric = "minkowski", p = 3))
M <- as.matrix(dist(rbind(xs, xt)))[1:n, n + (1:m)]^2
dimnames(M) <- NULL
compare("emd cost matrix", "ot.emd", list(M = M, a = a, b = b))
compare("sinkhorn 1 thread", "ot.sinkhorn", list(xs = xs, xt = xt, a = a, b = b), list(reg = 0.05), threads = 1L)
compare("sinkhorn all threads", "ot.sinkhorn", list(xs = xs, xt = xt), list(reg = 0.2, anneal = FALSE), threads = 0L)
compare("sinkhorn cost matrix", "ot.sinkhorn", list(M = M), list(reg = 0.5, tol = 1e-11))
u <- rnorm(1000); v <- rexp(700)
compare("wasserstein_1d p=2", "ot.wasserstein_1d", list(xs = u, xt = v, a = runif(1000), b = runif(700)), list(p = 2))

# Integer inputs are converted to float64 exactly.
ri <- geomrt_invoke(rt, "ot.wasserstein_1d", list(xs = 1:10, xt = 3:12))
rd <- geomrt_invoke(rt, "ot.wasserstein_1d", list(xs = as.double(1:10), xt = as.double(3:12)))
check(identical(ri, rd) && ri$cost == 2, "integer vectors give the same result as doubles (W_1 = 2)")

# A data.frame is taken as its matrix.
check(identical(geomrt_invoke(rt, "ot.emd", list(xs = as.data.frame(xs), xt = xt))$cost,
                geomrt_invoke(rt, "ot.emd", list(xs = xs, xt = xt))$cost),
      "a data.frame input gives the same result as its matrix")

done()
