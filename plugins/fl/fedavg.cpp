// fl.fedavg: federated averaging, the sample-weighted mean of the client vectors.
#include "fl_methods.hpp"
#include "stream.hpp"

namespace geomrt {
namespace fl {

namespace {

void fedavg_body(Call &c) {
    const View W = client_matrix(c);
    const std::vector<double> n = sample_counts(c, W.rows);
    double total = 0;
    for (double v : n) total += v;
    std::vector<double> coef(n.size());
    for (size_t i = 0; i < n.size(); ++i) coef[i] = n[i] / total;
    combine_rows(c, W, coef, View(), true);
    write_vec(c, "weights", coef);
}

}  // namespace

void register_fedavg(sdk::Plugin &plugin) {
    auto m = plugin.method("fl.fedavg", fedavg_body);
    m.summary("Federated averaging: the sample-weighted mean of the client vectors.")
        .description("aggregate = sum_i n_i w_i / sum_i n_i over all K clients (the rows of W); weights = n / sum n. "
                     "No defense: the baseline every robust aggregator is compared with. Errors: a row with NaN or "
                     "Inf (the message names the client); sample counts summing to zero.")
        .citation("H. B. McMahan, E. Moore, D. Ramage, S. Hampson, B. Aguera y Arcas, \"Communication-efficient "
                  "learning of deep networks from decentralized data\", AISTATS 2017, Algorithm 1.");
    client_inputs(m);
    aggregate_output(m, "sample-weighted mean of all clients");
    m.output("weights", "weight of each client in the mean (K), n / sum n", GEOMRT_DTYPE_F64, 1, "K");
}

}  // namespace fl
}  // namespace geomrt
