# How R values become tensors and outputs become R values, checked with the fixture plugin
# (tests/fixture_plugin.cpp): strides from dim, int64/float32 both ways, rank-3 arrays,
# in-place state, sparse CSR in and out, and interrupts.
source(file.path(dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))), "helper.R"))

rt <- geomrt_runtime(env_path("GEOMRT_R_FIXTURE_DIR"), default_search = FALSE)
check(identical(geomrt_methods(rt)$name,
                c("rtest.cube", "rtest.layout", "rtest.slow", "rtest.sparse", "rtest.state", "rtest.types")),
      "only the fixture plugin is loaded with default_search = FALSE")

# ---- layout: what the method receives ----
lay <- function(x) geomrt_invoke(rt, "rtest.layout", list(x = x))
X <- matrix(as.double(1:12), 3, 4)
r <- lay(X)
check(identical(r$shape, c(3, 4)) && identical(r$strides, c(1, 3)),
      "a 3 x 4 matrix arrives with shape (3, 4) and strides (1, 3): column-major, no copy")
check(r$sum == 78, "and reads right through the strides")
A <- array(as.double(1:24), c(2, 3, 4))
r <- lay(A)
check(identical(r$shape, c(2, 3, 4)) && identical(r$strides, c(1, 2, 6)), "a 2 x 3 x 4 array arrives with strides (1, 2, 6)")
r <- lay(c(5, 6, 7))
check(identical(r$shape, 3) && identical(r$strides, 1), "a vector arrives as rank 1")
r <- lay(numeric(0))
check(identical(r$shape, 0) && r$sum == 0, "an empty vector is allowed where the method allows it")
r <- lay(matrix(numeric(0), 0, 3))
check(identical(r$shape, c(0, 3)), "a 0 x 3 matrix keeps its shape")

r <- lay(as.double(1:10))
check(identical(r$shape, 10) && r$sum == 55, "an ALTREP compact sequence is read like any vector")
r <- geomrt_invoke(rt, "rtest.layout", list(x = structure(as.double(1:6), dim = 2:3, dimnames = list(c("a", "b"), NULL))))
check(identical(r$strides, c(1, 2)) && r$sum == 21, "attributes (dimnames) do not matter")
e <- caught(lay(factor(c("a", "b"))))
check(inherits(e, "geomrt_error") && grepl("got a factor", conditionMessage(e)), "a factor is refused, not read as its codes")

# ---- int64 and float32 ----
r <- geomrt_invoke(rt, "rtest.types", list(i = c(3L, -7L, 2147483647L), f = c(0.1, 2L, -1e30)))
check(identical(r$i_out, c(3, -7, 2147483647)) && identical(r$i_sum, 2147483643),
      "integer vectors become int64 inputs; int64 outputs come back as doubles")
check(identical(r$f_out, as.double(c(0.100000001490116119384765625, 2, -1.00000001504746621987668885e30))),
      "numbers become float32 inputs (rounded to float) and float32 outputs come back as doubles")
r <- geomrt_invoke(rt, "rtest.types", list(i = c(2^40, -3)))
check(identical(r$i_out, c(2^40, -3)), "whole doubles become int64 exactly")
check(identical(geomrt_invoke(rt, "rtest.types", list(i = c(TRUE, FALSE)))$i_out, c(1, 0)), "logicals become 0/1")

# ---- rank-3 arrays: row-major outputs become column-major R arrays ----
A <- array(rnorm(2 * 3 * 4), c(2, 3, 4))
r <- geomrt_invoke(rt, "rtest.cube", list(x = A))
check(identical(r$y, A), "a rank-3 array makes the round trip unchanged (dim set, transposed right)")
check(identical(r$flat, as.vector(aperm(A, 3:1))), "the method saw the array in row-major order")

# ---- in-place state: returned as an updated copy, the caller's vector is never written ----
state <- matrix(c(1, 2, 3, 4), 2, 2)
counts <- c(10L, 20L, 30L)
r <- geomrt_invoke(rt, "rtest.state", list(state = state, counts = counts), list(delta = 0.5))
check(identical(r$state, state + 0.5) && identical(r$counts, c(11, 21, 31)),
      "updated in-place state comes back under the input's name (float64 and int64)")
check(identical(state, matrix(c(1, 2, 3, 4), 2, 2)) && identical(counts, c(10L, 20L, 30L)),
      "the caller's R vectors are unchanged (R values are immutable)")
check(r$first == 1.5, "the method saw the state in row-major order")

# ---- sparse CSR in and out ----
M <- matrix(c(1, 0, 0, 2, 0, 3, 4, 0, 0, 0, 0, 5), 3, 4)
csr <- structure(list(indptr = c(0L, 3L, 3L, 5L), indices = c(0L, 1L, 2L, 1L, 3L), values = c(1, 2, 4, 3, 5),
                      dim = c(3L, 4L)), class = "geomrt_csr")
check(identical(as.matrix(csr), M), "as.matrix() of a geomrt_csr")
r <- geomrt_invoke(rt, "rtest.sparse", list(A = csr))
check(identical(r$rowsum, rowSums(M)), "a geomrt_csr list is a sparse input")
check(inherits(r$T, "geomrt_csr") && identical(as.matrix(r$T), t(M)) && identical(r$T$dim, c(4L, 3L)),
      "a sparse output is a geomrt_csr with 0-based indptr and indices")
r2 <- geomrt_invoke(rt, "rtest.sparse", list(A = r$T), sparse = "dense")
check(identical(r2$T, M), "sparse = \"dense\" returns a dense matrix; a sparse output feeds a sparse input")
e <- caught(geomrt_invoke(rt, "rtest.sparse", list(A = M)))
check(inherits(e, "geomrt_error") && grepl("is a sparse CSR matrix", conditionMessage(e)),
      "a dense matrix for a sparse input says what to pass")

# ---- parameters of every type ----
r <- geomrt_invoke(rt, "rtest.state", list(state = 1), list(delta = 2L))
check(r$state == 3, "an integer for a float64 parameter")
r <- geomrt_invoke(rt, "rtest.slow", params = c(steps = 3, sleep_us = 0))
check(identical(r$done, 3), "a named numeric vector of parameters; whole doubles for int64 parameters")

# ---- an interrupt cancels a long call and reaches R as an interrupt ----
child <- file.path(scratch_dir("interrupt"), "child.R")
writeLines(c(
  "library(geomrt)",
  sprintf("rt <- geomrt_runtime('%s', default_search = FALSE)", env_path("GEOMRT_R_FIXTURE_DIR")),
  "cat('started\\n')",
  "t0 <- Sys.time()",
  "res <- tryCatch(geomrt_invoke(rt, 'rtest.slow', params = list(steps = 60000, sleep_us = 1000)),",
  "                interrupt = function(e) 'interrupted')",
  "cat(sprintf('result=%s after %.1f s\\n', if (is.character(res)) res else res$done, as.numeric(Sys.time() - t0, units = 'secs')))",
  "r <- geomrt_invoke(rt, 'rtest.slow', params = list(steps = 2, sleep_us = 0))",
  "cat(sprintf('afterwards done=%d\\n', r$done))"), child)
out <- system2("sh", c("-c", shQuote(sprintf(
  "'%s' --vanilla '%s' & pid=$!; sleep 3; kill -INT $pid; wait $pid",
  file.path(R.home("bin"), "Rscript"), child))), stdout = TRUE, stderr = TRUE)
cat(paste0("  | ", out), sep = "\n")
secs <- as.numeric(sub(".* after ([0-9.]+) s", "\\1", grep("^result=", out, value = TRUE)))
check(any(out == "result=interrupted after" | grepl("^result=interrupted after", out)) && length(secs) == 1 && secs < 30,
      "SIGINT during a 60 s call cancels it within moments and R sees an interrupt")
check(any(out == "afterwards done=2"), "the runtime works after the interrupt")

done()
