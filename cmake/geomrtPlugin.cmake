# geomrt_add_plugin(<target> <sources...>)
# Builds a geomrt plugin against the installed SDK: a MODULE library that includes
# <geomrt/plugin.hpp>, does not link libgeomrt, and exports only geomrt_plugin_init_v1.
# Load it by putting its directory on GEOMRT_PLUGIN_PATH.
function(geomrt_add_plugin target)
  add_library(${target} MODULE ${ARGN})
  target_include_directories(${target} PRIVATE "${geomrt_INCLUDE_DIR}")
  set_target_properties(${target} PROPERTIES
    CXX_STANDARD 17 CXX_STANDARD_REQUIRED ON
    CXX_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON)
  target_link_options(${target} PRIVATE "-Wl,--version-script=${CMAKE_CURRENT_FUNCTION_LIST_DIR}/plugin.map")
endfunction()
