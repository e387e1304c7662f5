// Exact and entropic optimal transport between two small point clouds through the C++ API.
// Build against an installed geomrt: find_package(geomrt) + target_link_libraries(app geomrt::geomrt).
#include <cstdio>
#include <vector>

#include <geomrt/geomrt.hpp>

int main() try {
    geomrt::Runtime rt;  // discovers the installed plugins
    // Four points on the unit square and the same points shifted by (0.5, 0.25).
    std::vector<double> xs = {0, 0, 1, 0, 0, 1, 1, 1};
    std::vector<double> xt = {0.5, 0.25, 1.5, 0.25, 0.5, 1.25, 1.5, 1.25};
    geomrt::TensorRef source(xs.data(), {4, 2}), target(xt.data(), {4, 2});

    geomrt::Result exact = rt.invoke("ot.emd", {{"xs", source}, {"xt", target}});
    geomrt::SparseView plan = exact.sparse("plan");
    std::printf("exact OT cost (ot.emd): %.12f  (%lld plan entries; expected 0.3125)\n", exact.scalar("cost"),
                static_cast<long long>(plan.nnz));

    geomrt::Result entropic = rt.invoke("ot.sinkhorn", {{"xs", source}, {"xt", target}}, {{"reg", 0.01}});
    std::printf("entropic OT cost (ot.sinkhorn, reg=0.01): %.12f after %g iterations\n", entropic.scalar("cost"),
                entropic.scalar("iterations"));

    // Errors are geomrt::Error exceptions with the code and the runtime's message.
    try {
        rt.invoke("ot.sinkhorn", {{"xs", source}, {"xt", target}}, {{"reg", -1.0}});
    } catch (const geomrt::Error &e) {
        std::printf("reg=-1 gives %s: %s\n", e.code_name(), e.what());
    }
    return exact.scalar("cost") > 0.3124 && exact.scalar("cost") < 0.3126 ? 0 : 1;
} catch (const geomrt::Error &e) {
    std::fprintf(stderr, "geomrt error %s: %s\n", e.code_name(), e.what());
    return 1;
}
