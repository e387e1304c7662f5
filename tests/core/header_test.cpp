// Header test: geomrt.hpp compiles on its own with -Wall -Wextra -pedantic -Werror (this file is
// compiled without Eigen; cpp_api_test.cpp compiles it with Eigen).
#include <geomrt/geomrt.hpp>

int geomrt_header_cpp_probe();
int geomrt_header_cpp_probe() {
    geomrt::Param p(3);
    geomrt::TensorRef t(static_cast<const double *>(nullptr), {0});
    return static_cast<int>(p.i64()) + static_cast<int>(t.shape().size()) + geomrt::dtype_v<double>;
}
