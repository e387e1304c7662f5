# Introspection: the methods as a data.frame with their docs, one method's descriptor, the plugin
# report, versions, and explicit plugin paths.
source(file.path(dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))), "helper.R"))

rt <- geomrt_runtime()
m <- geomrt_methods(rt)
check(is.data.frame(m) && identical(names(m), c("name", "summary", "description", "citation", "plugin")),
      "geomrt_methods() is a data.frame: name, summary, description, citation, plugin")
check(all(c("ot.emd", "ot.sinkhorn", "ot.wasserstein_1d") %in% m$name), "it lists ot.emd, ot.sinkhorn, ot.wasserstein_1d")
check(!is.unsorted(m$name) && all(nzchar(m$summary)) && all(nzchar(m$description)), "sorted by name, every summary and description set")
check(grepl("network simplex", m$summary[m$name == "ot.emd"]), "ot.emd's summary is the runtime's")

d <- geomrt_describe(rt, "ot.sinkhorn")
check(inherits(d, "geomrt_method") && d$name == "ot.sinkhorn", "geomrt_describe() returns the method's descriptor")
check(is.data.frame(d$inputs) && all(c("xs", "xt", "a", "b", "M") %in% d$inputs$name) &&
        all(d$inputs$dtype == "float64"), "its inputs as a data.frame")
check(identical(d$inputs$shape[d$inputs$name == "xs"], "n,d") && identical(d$inputs$ndim[d$inputs$name == "xs"], 2L),
      "with shape signatures and ranks")
check(is.data.frame(d$outputs) && identical(d$outputs$kind[d$outputs$name == "plan"], "dense"), "its outputs")
check(isTRUE(d$params$required[d$params$name == "reg"]) && d$params$default[d$params$name == "tol"] == "1e-9",
      "its parameters with required flags and defaults")
check(startsWith(d$json, "{\"name\":\"ot.sinkhorn\""), "and the JSON descriptor")
check(identical(geomrt_describe(rt, "ot.emd")$outputs$kind[1], "sparse"), "ot.emd's plan is a sparse output")
txt <- capture.output(print(d))
check(any(grepl("^Parameters:", txt)) && any(grepl("reg +f64, required", txt)), "print() formats it like `geomrt describe`")
check(any(grepl("^<geomrt runtime, libgeomrt [0-9.]+, [0-9]+ methods>", capture.output(print(rt)))), "a runtime prints its methods")

p <- geomrt_plugins(rt)
check(is.data.frame(p) && any(p$loaded & grepl("libgeomrt_ot", p$path)), "geomrt_plugins() reports the ot plugin as loaded")
check(grepl("^[0-9]+\\.[0-9]+\\.[0-9]+", geomrt_version()), sprintf("geomrt_version() = %s", geomrt_version()))
check(identical(geomrt_error_name(-3L), "GEOMRT_ESHAPE"), "geomrt_error_name(-3) = GEOMRT_ESHAPE")

# Explicit plugin paths, default search off.
ot_dir <- dirname(p$path[p$loaded & grepl("libgeomrt_ot", p$path)][1])
r2 <- geomrt_runtime(plugin_paths = ot_dir, default_search = FALSE)
check(all(c("ot.emd", "ot.sinkhorn") %in% geomrt_methods(r2)$name), "a runtime from an explicit plugin directory")
r0 <- geomrt_runtime(default_search = FALSE)
check(nrow(geomrt_methods(r0)) == 0L, "no plugin paths and no default search: no methods")
geomrt_load_plugin(r0, file.path(ot_dir, "libgeomrt_ot.so"))
check("ot.emd" %in% geomrt_methods(r0)$name, "geomrt_load_plugin() adds methods")

done()
