# Exact and entropic optimal transport between two small point clouds through the geomrt R package
# (the pair of examples/c/1-emd.c). Run: Rscript examples/r/1-emd.R
library(geomrt)

rt <- geomrt_runtime()                       # finds the plugins installed beside libgeomrt

# Four points on the unit square (one per row) and the same points shifted by (0.5, 0.25).
xs <- matrix(c(0, 1, 0, 1,
               0, 0, 1, 1), ncol = 2)
xt <- sweep(xs, 2, c(0.5, 0.25), "+")
a <- c(0.1, 0.2, 0.3, 0.4)

exact <- geomrt_invoke(rt, "ot.emd", inputs = list(xs = xs, xt = xt, a = a, b = a),
                       params = list(metric = "sqeuclidean"))
cat(sprintf("exact OT cost (ot.emd):       %.12f  (%d plan entries; expected 0.3125 = |(0.5,0.25)|^2)\n",
            exact$cost, length(exact$plan$values)))

entropic <- geomrt_invoke(rt, "ot.sinkhorn", inputs = list(xs = xs, xt = xt, a = a, b = a),
                          params = list(reg = 0.01))
cat(sprintf("entropic OT cost (ot.sinkhorn, reg=0.01): %.12f\n", entropic$cost))

# Errors are R conditions of class "geomrt_error" carrying the runtime's message and code.
err <- tryCatch(geomrt_invoke(rt, "ot.sinkhorn", list(xs = xs, xt = xt), list(reg = -1)),
                geomrt_error = function(e) e)
cat(sprintf("reg=-1 gives %s: %s\n", err$name, conditionMessage(err)))

stopifnot(abs(exact$cost - 0.3125) < 1e-4, identical(err$name, "GEOMRT_EINVAL"))
