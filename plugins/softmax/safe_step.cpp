// softmax.safe_step: the step-size controller of Sao (2026): shorten a step that would leave the
// radius of convergence of the cross-entropy along its direction.
#include <algorithm>
#include <cmath>
#include <limits>

#include "softmax_methods.hpp"

namespace geomrt {
namespace softmax {

namespace {

using sdk::Call;

void safe_step_body(Call &c) {
    const double rho = c.f64("rho"), lr = c.f64("lr"), p = c.f64("step_norm"), safety = c.f64("safety");
    // Conventions that keep every output a number: a zero step (lr = 0 or |p| = 0) has r = 0 and is
    // never limited; rho = +inf (zero spread) never limits; rho = 0 forbids any nonzero step.
    const double r = (lr == 0 || p == 0) ? 0.0 : lr * p / rho;
    const double cap = p == 0 ? std::numeric_limits<double>::infinity() : safety * rho / p;
    const double lr_eff = std::min(lr, cap);
    const double r_eff = (lr_eff == 0 || p == 0) ? 0.0 : lr_eff * p / rho;
    c.scalar("r", r);
    c.scalar("lr_eff", lr_eff);
    c.scalar("r_eff", r_eff);
    c.scalar_i64("limited", lr_eff < lr ? 1 : 0);
}

}  // namespace

void register_safe_step(sdk::Plugin &plugin) {
    const double inf = std::numeric_limits<double>::infinity();
    plugin.method("softmax.safe_step", safe_step_body)
        .summary("Step-size controller: lr_eff = min(lr, safety * rho / |p|), and the normalized steps r before and after.")
        .description(
            "A step theta <- theta - lr p moves a distance tau = lr |p| along the unit direction v = -p / |p|. "
            "With rho the radius of convergence of the loss along v (softmax.radius: rho_batch, from the JVP of "
            "the logits along v), the normalized step is r = tau / rho = lr |p| / rho; the paper [1] finds no "
            "training failure at r < 1 across architectures, and failures when spikes push r far above 1. The "
            "controller keeps the proposed learning rate when the step stays inside the radius and shortens it to "
            "the radius otherwise: lr_eff = min(lr, safety * rho / |p|), so that r_eff = lr_eff |p| / rho <= safety. "
            "Outputs: r (the normalized step of the proposed lr), lr_eff, r_eff (the normalized step actually "
            "taken), limited (1 if lr_eff < lr). Edge cases, all finite or +inf, never NaN: rho = +inf (a zero "
            "spread: the direction leaves the softmax unchanged) gives r = 0 and lr_eff = lr; |p| = 0 or lr = 0 gives "
            "r = r_eff = 0 and lr_eff = lr; rho = 0 (a spread that overflowed) gives lr_eff = 0 for |p| > 0 and "
            "r = +inf for lr > 0. Which of the reference code's three controllers this is: with safety = 1 it is "
            "exactly the JVP controller of the paper's learning-rate spike experiment (experiments/lrspike/run.py: "
            "lr_eff = rho_a / |p| when lr |p| > rho_a, else lr), given rho = rho_batch from softmax.radius with "
            "the JVP. It is not the reference's RhoScaledAdam (src/ghosts/control.py), which multiplies lr by "
            "clamp(pi / mean logit spread, 0.01, 1) without a JVP (see softmax.radius, rho_logit_mean), and not the "
            "diagnostic rho_out (softmax.radius, rho_logit). safety < 1 keeps a margin below the radius.")
        .citation(paper_citation())
        .param_f64("rho",
                   "radius of convergence along the step direction (softmax.radius rho_batch), in parameter-space "
                   "distance; >= 0, +inf allowed (no limit)",
                   nullptr, 0.0, inf, GEOMRT_PARAM_ALLOW_INF)
        .param_f64("lr", "proposed learning rate eta, >= 0", nullptr, 0.0, inf)
        .param_f64("step_norm", "Euclidean norm |p| of the update direction (the step is lr * p), >= 0", nullptr, 0.0,
                   inf)
        .param_f64("safety", "largest normalized step allowed, r_eff <= safety; > 0 (1 = the radius itself)", "1",
                   0.0, inf, GEOMRT_PARAM_MIN_EXCLUSIVE)
        .scalar("r", "normalized step of the proposed learning rate, lr |p| / rho")
        .scalar("lr_eff", "controlled learning rate min(lr, safety * rho / |p|)")
        .scalar("r_eff", "normalized step taken, lr_eff |p| / rho (<= safety)")
        .scalar_i64("limited", "1 if the controller shortened the step (lr_eff < lr), else 0");
}

}  // namespace softmax
}  // namespace geomrt
