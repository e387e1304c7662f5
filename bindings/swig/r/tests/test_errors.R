# Failures surface as R errors (conditions of class "geomrt_error") with the runtime's message,
# its code and the code's name; a failed call changes nothing and the runtime stays usable.
source(file.path(dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))), "helper.R"))

rt <- geomrt_runtime()
xs <- matrix(c(0, 1, 0, 1, 0, 0, 1, 1), 4, 2)
xt <- xs + 0.5

expect_geomrt_error <- function(expr, code_name, pattern, what) {
  e <- caught(expr)
  ok <- inherits(e, "geomrt_error") && inherits(e, "error") && identical(e$name, code_name) &&
    identical(e$code, switch(code_name, GEOMRT_EINVAL = -1L, GEOMRT_ENOTFOUND = -2L, GEOMRT_ESHAPE = -3L,
                             GEOMRT_EDTYPE = -4L, GEOMRT_ENOCONVERGE = -7L, NA_integer_)) &&
    grepl(pattern, conditionMessage(e), fixed = TRUE)
  check(ok, sprintf("%s -> %s: %s", what, code_name, if (is.null(e)) "(no error)" else conditionMessage(e)))
}

expect_geomrt_error(geomrt_invoke(rt, "ot.nope", list(xs = xs, xt = xt)), "GEOMRT_ENOTFOUND",
                    "no method named 'ot.nope'", "unknown method")
expect_geomrt_error(geomrt_describe(rt, "ot.nope"), "GEOMRT_ENOTFOUND", "no method named 'ot.nope'",
                    "describe an unknown method")
expect_geomrt_error(geomrt_invoke(rt, "ot.sinkhorn", list(xs = xs, xt = xt), list(reg = -1)), "GEOMRT_EINVAL",
                    "ot.sinkhorn: parameter 'reg' must be > 0, got -1", "negative reg")
expect_geomrt_error(geomrt_invoke(rt, "ot.sinkhorn", list(xs = xs, xt = xt)), "GEOMRT_EINVAL",
                    "missing required parameter 'reg'", "missing reg")
expect_geomrt_error(geomrt_invoke(rt, "ot.emd", list(xs = xs, xt = xt), list(metric = "manhattan")),
                    "GEOMRT_EINVAL", "parameter 'metric' must be one of", "bad enum value")
expect_geomrt_error(geomrt_invoke(rt, "ot.emd", list(xs = xs, xt = xt), list(max_iter = 2.5)),
                    "GEOMRT_EDTYPE", "parameter 'max_iter' must be an integer", "fractional integer parameter")
expect_geomrt_error(geomrt_invoke(rt, "ot.emd", list(xs = xs, xt = xt), list(regularisation = 1)),
                    "GEOMRT_ENOTFOUND", "unknown parameter 'regularisation'", "unknown parameter")
expect_geomrt_error(geomrt_invoke(rt, "ot.emd", list(xs = xs, xt = xt, weights = 1:4)),
                    "GEOMRT_ENOTFOUND", "unknown input 'weights'", "unknown input")
x_nan <- xs; x_nan[3, 2] <- NaN
expect_geomrt_error(geomrt_invoke(rt, "ot.emd", list(xs = x_nan, xt = xt)), "GEOMRT_EINVAL",
                    "input 'xs' has a non-finite value", "NaN input")
x_na <- xs; x_na[1, 1] <- NA
expect_geomrt_error(geomrt_invoke(rt, "ot.emd", list(xs = x_na, xt = xt)), "GEOMRT_EINVAL",
                    "input 'xs' has a non-finite value", "NA input")
expect_geomrt_error(geomrt_invoke(rt, "ot.emd", list(xs = xs, xt = c(1L, NA, 3L))), "GEOMRT_ESHAPE",
                    "input 'xt' must have rank 2", "vector where a matrix is expected")
expect_geomrt_error(geomrt_invoke(rt, "ot.emd", list(xs = xs, xt = cbind(xt, 0))), "GEOMRT_ESHAPE",
                    "input 'xt' has 3 entries along axis 1 but input 'xs' has 2", "mismatched dimensions")
expect_geomrt_error(geomrt_invoke(rt, "ot.emd", list(xs = xs, xt = xt, a = c(-0.5, 0.5, 0.5, 0.5))),
                    "GEOMRT_EINVAL", "input 'a'", "negative weight")
expect_geomrt_error(geomrt_invoke(rt, "ot.wasserstein_1d", list(xs = numeric(0), xt = 1)), "GEOMRT_ESHAPE",
                    "input 'xs' is empty", "empty input")
expect_geomrt_error(geomrt_invoke(rt, "ot.sinkhorn", list(xs = xs, xt = xt), list(reg = NaN)),
                    "GEOMRT_EINVAL", "parameter 'reg' is NaN", "NaN parameter")
# Caught by the binding before the call, with the same condition class.
expect_geomrt_error(geomrt_invoke(rt, "ot.emd", list(xs = letters, xt = xt)), "GEOMRT_EDTYPE",
                    "input 'xs' must be a numeric vector, matrix or array, got character", "character input")
expect_geomrt_error(geomrt_invoke(rt, "ot.emd", list(xs = xs, xt = xt), list(metric = c("a", "b"))),
                    "GEOMRT_EINVAL", "parameter 'metric' must be a single value, got length 2", "vector parameter")
expect_geomrt_error(geomrt_invoke(rt, "ot.emd", list(xs = xs, xt = xt), list(p = NA_integer_)),
                    "GEOMRT_EINVAL", "parameter 'p' is NA", "NA parameter")
expect_geomrt_error(geomrt_invoke(rt, "ot.emd", list(xs, xt)), "GEOMRT_EINVAL",
                    "every element of inputs must be named", "unnamed inputs")

# Plain R argument errors before anything reaches C.
check(grepl("method must be a single non-empty string", conditionMessage(caught(geomrt_invoke(rt, c("a", "b"))))),
      "a method vector is an R error")
check(grepl("rt must be a geomrt runtime", conditionMessage(caught(geomrt_invoke(list(), "ot.emd")))),
      "a non-runtime is an R error")
check(grepl("inputs has 'xs' twice", conditionMessage(caught(geomrt_invoke(rt, "ot.emd", list(xs = xs, xs = xt))))),
      "a name given twice is an R error")
check(grepl("threads must be", conditionMessage(caught(geomrt_invoke(rt, "ot.emd", list(xs = xs, xt = xt), threads = -1)))),
      "negative threads is an R error")

# tryCatch on the class, and the runtime still works afterwards.
code <- tryCatch(geomrt_invoke(rt, "ot.sinkhorn", list(xs = xs, xt = xt), list(reg = 0)),
                 geomrt_error = function(e) e$code)
check(identical(code, -1L), "tryCatch(geomrt_error = ...) catches the condition and its code")
check(abs(geomrt_invoke(rt, "ot.emd", list(xs = xs, xt = xt))$cost - 0.5) < 1e-12,
      "the runtime works after errors")

# A failing in-place call leaves the caller's state untouched (R values are never written).
fixture <- Sys.getenv("GEOMRT_R_FIXTURE_DIR")
if (nzchar(fixture)) {
  rf <- geomrt_runtime(fixture, default_search = FALSE)
  state <- c(1, 2, 3)
  expect_geomrt_error(geomrt_invoke(rf, "rtest.state", list(state = state), list(fail = TRUE)), "GEOMRT_EINVAL",
                      "rtest.state: asked to fail", "a method that fails")
  check(identical(state, c(1, 2, 3)), "a failed in-place call leaves the R vector as it was")
  expect_geomrt_error(geomrt_invoke(rf, "rtest.types", list(i = c(1, 2.5))), "GEOMRT_EDTYPE",
                      "input 'i' must be int64 (whole numbers), but entry 2 is 2.5", "fractional int64 input")
  expect_geomrt_error(geomrt_invoke(rf, "rtest.types", list(i = c(1L, NA))), "GEOMRT_EINVAL",
                      "input 'i' has NA at entry 2", "NA in an int64 input")
}

# Plugin loading errors.
expect_geomrt_error(geomrt_load_plugin(rt, "/nonexistent/libnothing.so"), "GEOMRT_ENOTFOUND", "/nonexistent/libnothing.so",
                    "loading a missing plugin")

# A closed runtime.
geomrt_close(rt)
geomrt_close(rt)  # closing twice is harmless
expect_geomrt_error(geomrt_invoke(rt, "ot.emd", list(xs = xs, xt = xt)), "GEOMRT_EINVAL",
                    "the geomrt runtime is closed", "a closed runtime")
check(identical(capture.output(print(rt)), "<geomrt runtime (closed)>"), "a closed runtime prints as closed")

done()
