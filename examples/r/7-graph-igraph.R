# Graph kernels on an igraph graph through the geomrt R package (the pair of
# examples/c/7-graph-clustering.c and examples/python/7-graph-kernels.py): the sparse adjacency of
# Zachary's karate club goes in as CSR, the logarithmic Communicability kernel for a grid of alpha
# comes back from one call, and kernel k-means and Ward recover the two clubs.
# Run: Rscript examples/r/7-graph-igraph.R   (needs igraph, Debian r-cran-igraph; exits 77 without it)
if (!requireNamespace("igraph", quietly = TRUE)) {
  cat("skipped: needs the igraph package (Debian r-cran-igraph)\n")
  quit(status = 77)
}
library(geomrt)

here <- tryCatch(dirname(normalizePath(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE)))),
                 error = function(e) ".")
data_dir <- file.path(here, "..", "data")

g <- igraph::make_graph("Zachary")                    # 34 members, 78 friendships
A <- igraph::as_adjacency_matrix(g, sparse = TRUE)    # Matrix::dgCMatrix, compressed columns
# A is symmetric, so its compressed columns are its compressed rows: pass them as geomrt's CSR
# (0-based indptr and column indices; the values pass without a copy).
A_csr <- structure(list(indptr = A@p, indices = A@i, values = as.numeric(A@x), dim = dim(A)), class = "geomrt_csr")

# The clubs after the split, in the same node order (checked against the shipped edge list).
clubs <- read.csv(file.path(data_dir, "karate_labels.csv"))$club
edges <- read.csv(file.path(data_dir, "karate.csv"))
el <- igraph::as_edgelist(g) - 1
stopifnot(nrow(el) == nrow(edges),
          setequal(paste(pmin(el[, 1], el[, 2]), pmax(el[, 1], el[, 2])), paste(edges$i, edges$j)))

rt <- geomrt_runtime()
alphas <- seq(0.1, 0.9, by = 0.1)
scan <- geomrt_invoke(rt, "graph.kernel", list(A = A_csr, alphas = alphas), list(kernel = "comm", log = TRUE))
cat(sprintf("graph.kernel scan: K is %s\n", paste(dim(scan$K), collapse = " x ")))

ari <- function(pred) geomrt_invoke(rt, "graph.adjusted_rand_index",
                                    list(labels_true = clubs, labels_pred = pred))$ari
kernel_at <- function(i) scan$K[i, , ]                # the kernel for alphas[i], 34 x 34
best <- sapply(seq_along(alphas), function(i) {
  ari(geomrt_invoke(rt, "graph.kernel_kmeans", list(K = kernel_at(i)), list(k = 2, seed = 0))$labels)
})
cat(sprintf("logComm + kernel k-means: ARI by alpha %s; best %.3f\n",
            paste(sprintf("%.2f", best), collapse = " "), max(best)))
w <- ari(geomrt_invoke(rt, "graph.ward", list(K = kernel_at(3)), list(k = 2))$labels)
cat(sprintf("logComm (alpha 0.3) + Ward: ARI %.3f\n", w))

# The distance D comes with the kernel; plain kernels are available the same way.
forest <- geomrt_invoke(rt, "graph.kernel", list(A = A_csr), list(kernel = "forest", alpha = 0.5))
cat(sprintf("forest kernel: K[1,1] = %.4f, D[1,34] = %.4f\n", forest$K[1, 1], forest$D[1, 34]))
stopifnot(max(best) > 0.8)
