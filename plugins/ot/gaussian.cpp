// Placeholder: the methods of this file are being written.
#include "ot_methods.hpp"

namespace geomrt {
namespace ot {

void register_gaussian(sdk::Plugin &) {}

}  // namespace ot
}  // namespace geomrt
