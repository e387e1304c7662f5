/* The public headers compile as strict C99 (-std=c99 -Wall -Wextra -pedantic -Werror). */
#include <geomrt/geomrt.h>
#include <geomrt/plugin.h>

int geomrt_header_test_c99(void);
int geomrt_header_test_c99(void) {
    geomrt_call_options o = GEOMRT_CALL_OPTIONS_INIT;
    geomrt_runtime_options r = GEOMRT_RUNTIME_OPTIONS_INIT;
    geomrt_host_api h = {0, 0, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL};
    /* A plugin checks for a 1.1 function as C code would. */
    return (int)o.version + (int)r.version + (int)sizeof(geomrt_host_api) + (GEOMRT_HOST_HAS(&h, scratch) ? 1 : 0);
}
