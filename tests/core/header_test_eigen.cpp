// Header test with Eigen: the Eigen parts of geomrt.hpp compile with -Wall -Wextra -pedantic -Werror.
#include <Eigen/Core>
#include <geomrt/geomrt.hpp>

int geomrt_header_cpp_eigen_probe(const geomrt::Result &r);
int geomrt_header_cpp_eigen_probe(const geomrt::Result &r) {
    Eigen::MatrixXd m(2, 2);
    Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> f(2, 3);
    Eigen::VectorXd v(3);
    geomrt::TensorRef a(m), b(f), c(v), d(m.col(1)), e(m.block(0, 0, 1, 2));
    geomrt::Args args({{"m", m}, {"v", v}}, {{"reg", 0.1}, {"n", 3}, {"flag", true}, {"s", "x"}});
    return static_cast<int>(a.strides()[1] + b.strides()[0] + c.shape()[0] + d.shape()[0] + e.strides()[0]) +
           static_cast<int>(r.matrix("x").rows() + r.vector<float>("y").size());
}
