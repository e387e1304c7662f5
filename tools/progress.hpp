// progress.hpp -- the progress callback of `geomrt run`.
#ifndef GEOMRT_TOOLS_PROGRESS_HPP
#define GEOMRT_TOOLS_PROGRESS_HPP

#include <chrono>
#include <cstdint>

namespace geomrt_cli {

/**
 * Receives geomrt progress callbacks. When enabled it draws a one-line bar on
 * stderr (at most ~10 redraws per second); in every case the callback asks the
 * runtime to cancel once *cancel_flag is set, so Ctrl-C also stops methods
 * that only poll through progress.
 */
class ProgressBar {
public:
    ProgressBar(bool enabled, const volatile int *cancel_flag) : enabled_(enabled), cancel_(cancel_flag) {}
    ~ProgressBar() { finish(); }
    ProgressBar(const ProgressBar &) = delete;
    ProgressBar &operator=(const ProgressBar &) = delete;

    /** geomrt_progress_fn; `user` is a ProgressBar*. */
    static int callback(void *user, double fraction, int64_t iteration, double residual);
    /** Erase the bar if one was drawn. */
    void finish();

private:
    void update(double fraction, int64_t iteration, double residual);
    void draw(double fraction, int64_t iteration, double residual);

    bool enabled_;
    const volatile int *cancel_;
    bool drawn_ = false;
    std::chrono::steady_clock::time_point last_draw_{};
};

}  // namespace geomrt_cli

#endif
