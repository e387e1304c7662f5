// Reads tests/data/pot_reference.txt (made by tests/data/make_pot_reference.py with POT and SciPy).
#ifndef GEOMRT_TESTS_OT_REFERENCE_HPP
#define GEOMRT_TESTS_OT_REFERENCE_HPP

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "../../common.hpp"

namespace gt {

struct RefCase {
    std::string method, name, metric;
    int64_t n = 0, m = 0, d = 0;
    double param = 0, value = 0;
    std::map<std::string, std::vector<double>> arrays;
    Mat xs() const {
        Mat x(n, d);
        x.v = arrays.at("xs");
        return x;
    }
    Mat xt() const {
        Mat x(m, d);
        x.v = arrays.at("xt");
        return x;
    }
};

inline std::vector<RefCase> load_reference(const std::string &method) {
    std::ifstream in(std::string(GEOMRT_TEST_DATA_DIR) + "/pot_reference.txt");
    REQUIRE(in.good());
    std::vector<RefCase> out;
    std::string tok;
    RefCase cur;
    while (in >> tok) {
        if (tok == "case") {
            cur = RefCase();
            in >> cur.method >> cur.name >> cur.n >> cur.m >> cur.d >> cur.metric >> cur.param;
        } else if (tok == "value") {
            in >> cur.value;
        } else if (tok == "end") {
            if (cur.method == method) out.push_back(cur);
        } else {
            size_t count = 0;
            in >> count;
            std::vector<double> v(count);
            for (auto &x : v) in >> x;
            cur.arrays[tok] = v;
        }
    }
    REQUIRE(!out.empty());
    return out;
}

}  // namespace gt

#endif
