// Readers of the reference files in tests/data: pot_reference.txt and sliced_reference.txt (made by
// make_pot_reference.py and make_sliced_reference.py with POT 0.8.2 and SciPy), and
// gaussian_reference.txt (made by make_gaussian_reference.py).
#ifndef GEOMRT_TESTS_OT_REFERENCE_HPP
#define GEOMRT_TESTS_OT_REFERENCE_HPP

#include <cstdlib>
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

/// Reads a whitespace-separated case file of tests/data: per case "case" and its header fields
/// (read by read_header), "<key> <value>" for the keys in `scalars` (into those members),
/// "<key> <count> <values...>" for any other key (into arrays), then "end".
template <class Case, class ReadHeader>
std::vector<Case> read_cases(const std::string &file, ReadHeader read_header,
                             const std::map<std::string, double Case::*> &scalars) {
    std::ifstream in(std::string(GEOMRT_TEST_DATA_DIR) + "/" + file);
    REQUIRE(in.good());
    std::vector<Case> out;
    std::string tok;
    Case cur;
    while (in >> tok) {
        if (tok == "case") {
            cur = Case();
            read_header(in, cur);
        } else if (tok == "end") {
            out.push_back(cur);
        } else if (scalars.count(tok)) {
            in >> cur.*scalars.at(tok);
        } else {
            size_t count = 0;
            in >> count;
            std::vector<double> v(count);
            std::string num;
            for (auto &x : v) {
                in >> num;
                x = std::strtod(num.c_str(), nullptr);  // also reads "inf"
            }
            cur.arrays[tok] = v;
        }
    }
    return out;
}

inline std::vector<RefCase> load_reference(const std::string &method) {
    auto header = [](std::istream &in, RefCase &c) {
        in >> c.method >> c.name >> c.n >> c.m >> c.d >> c.metric >> c.param;
    };
    std::vector<RefCase> out;
    for (auto &c : read_cases<RefCase>("pot_reference.txt", header, {{"value", &RefCase::value}}))
        if (c.method == method) out.push_back(c);
    REQUIRE(!out.empty());
    return out;
}

/// A case of pot_expectations.txt (made by make_pot_expectations.py): header "<method> <name> <n> <m>
/// <param>", arrays (M, a, b, plan, costs, xs, xt: row-major; +inf written "inf"), value.
struct ExpectCase {
    std::string method, name;
    int64_t n = 0, m = 0;
    double param = 0, value = 0;
    std::map<std::string, std::vector<double>> arrays;
    Mat mat(const std::string &key, int64_t rows, int64_t cols) const {
        Mat x(rows, cols);
        x.v = arrays.at(key);
        REQUIRE(x.v.size() == static_cast<size_t>(rows * cols));
        return x;
    }
};

inline ExpectCase load_expectation(const std::string &method, const std::string &name) {
    auto header = [](std::istream &in, ExpectCase &c) { in >> c.method >> c.name >> c.n >> c.m >> c.param; };
    for (auto &c : read_cases<ExpectCase>("pot_expectations.txt", header, {{"value", &ExpectCase::value}}))
        if (c.method == method && c.name == name) return c;
    FAIL("no case " << method << " " << name << " in pot_expectations.txt");
    return {};
}

/// A case of gaussian_reference.txt: line-based, '#' comments, "case <method> <name>",
/// "scalar <name> <value>", "<key> <count> <values...>", "end".
struct GaussianRef {
    std::string method, name;
    std::map<std::string, std::vector<double>> arrays;
    std::map<std::string, double> scalars;
};

inline std::vector<GaussianRef> load_gaussian_reference(const std::string &method) {
    std::ifstream in(std::string(GEOMRT_TEST_DATA_DIR) + "/gaussian_reference.txt");
    REQUIRE(in.good());
    std::vector<GaussianRef> out;
    GaussianRef cur;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        std::istringstream ss(line);
        std::string tok;
        ss >> tok;
        if (tok == "case") {
            cur = GaussianRef();
            ss >> cur.method >> cur.name;
        } else if (tok == "scalar") {
            std::string name;
            double v = 0;
            ss >> name >> v;
            cur.scalars[name] = v;
        } else if (tok == "end") {
            if (cur.method == method) out.push_back(cur);
        } else {
            size_t count = 0;
            ss >> count;
            std::vector<double> v(count);
            for (auto &x : v) ss >> x;
            REQUIRE(!ss.fail());
            cur.arrays[tok] = v;
        }
    }
    REQUIRE(!out.empty());
    return out;
}

}  // namespace gt

#endif
