// progress.cpp -- the progress callback of `geomrt run` (see progress.hpp).
#include "progress.hpp"

#include <cmath>
#include <cstdio>
#include <string>

namespace geomrt_cli {
namespace {

constexpr int kBarWidth = 30;
constexpr std::chrono::milliseconds kRedrawInterval(100);

std::string bar_text(double fraction) {
    if (fraction < 0.0) return "";
    if (fraction > 1.0) fraction = 1.0;
    int filled = static_cast<int>(fraction * kBarWidth + 0.5);
    char pct[16];
    std::snprintf(pct, sizeof pct, " %5.1f%%  ", fraction * 100.0);
    return "[" + std::string(filled, '#') + std::string(kBarWidth - filled, '.') + "]" + pct;
}

}  // namespace

int ProgressBar::callback(void *user, double fraction, int64_t iteration, double residual) {
    ProgressBar *self = static_cast<ProgressBar *>(user);
    self->update(fraction, iteration, residual);
    return (self->cancel_ && *self->cancel_) ? 1 : 0;
}

void ProgressBar::update(double fraction, int64_t iteration, double residual) {
    if (!enabled_) return;
    auto now = std::chrono::steady_clock::now();
    if (drawn_ && now - last_draw_ < kRedrawInterval) return;
    last_draw_ = now;
    draw(fraction, iteration, residual);
}

void ProgressBar::draw(double fraction, int64_t iteration, double residual) {
    std::string line = "\r" + bar_text(fraction);
    line += "iteration " + std::to_string(iteration);
    if (std::isfinite(residual)) {
        char buf[48];
        std::snprintf(buf, sizeof buf, "  residual %.3e", residual);
        line += buf;
    }
    line += "\033[K";
    std::fputs(line.c_str(), stderr);
    std::fflush(stderr);
    drawn_ = true;
}

void ProgressBar::finish() {
    if (!drawn_) return;
    std::fputs("\r\033[K", stderr);
    std::fflush(stderr);
    drawn_ = false;
}

}  // namespace geomrt_cli
