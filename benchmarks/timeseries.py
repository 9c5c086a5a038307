"""Speed of rnnlp.timeseries against statsmodels, side by side in one run.

    OMP_NUM_THREADS=1 python benchmarks/timeseries.py [--quick]

Each figure is the best of several repeats (wall clock). Prints a markdown table with the
ratio statsmodels / rnnlp (> 1 means rnnlp is faster) and checks that both give the same
numbers, so a speed-up never hides a wrong answer.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from rnnlp.timeseries.simulate import random_model, statsmodels_model


def best_of(fn, repeats: int) -> tuple[float, object]:
    """Minimum wall time over ``repeats`` calls, and the last result."""
    best, out = np.inf, None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def bench_kalman_long(n, repeats):
    from rnnlp.timeseries import kalman_filter, loglike

    m, rng = random_model(), np.random.default_rng(1)
    y, x = rng.normal(size=(n, 2)), rng.normal(size=(n, 3))
    mod = statsmodels_model(y, m, x)
    t_sm, ll_sm = best_of(lambda: mod.ssm.loglike(), repeats)
    t_ours, ll_ours = best_of(lambda: loglike(y, m, x), repeats)
    short = 2000
    t_loop, _ = best_of(lambda: kalman_filter(y[:short], m, x[:short]), 1)
    return [(f"Kalman loglike, 4 states, 2 obs, exog, {n:,} steps (us/step)",
             t_sm / n * 1e6, t_ours / n * 1e6, f"|dll| = {abs(ll_sm - ll_ours):.1e}"),
            ("  (rnnlp exact per-step filter, for reference, us/step)", t_sm / n * 1e6,
             t_loop / short * 1e6, "no steady state")]


def bench_pykalman(n):
    """pykalman (pure numpy loop) on a shorter series; same model, same timing convention."""
    from pykalman import KalmanFilter

    from rnnlp.timeseries import loglike
    from rnnlp.timeseries.kalman import stationary_cov

    m, rng = random_model(), np.random.default_rng(1)
    y, x = rng.normal(size=(n, 2)), rng.normal(size=(n, 3))
    offsets = np.zeros((n, 4))
    offsets[:-1] = x[1:] @ m.gamma.T
    kf = KalmanFilter(transition_matrices=m.phi, observation_matrices=m.psi,
                      transition_covariance=m.sigma_h, observation_covariance=m.sigma_obs,
                      transition_offsets=offsets, observation_offsets=x @ m.xi.T,
                      initial_state_mean=m.gamma @ x[0], initial_state_covariance=stationary_cov(m.phi, m.sigma_h))
    t_pk, ll_pk = best_of(lambda: kf.loglikelihood(y), 1)
    t_ours, ll_ours = best_of(lambda: loglike(y, m, x), 3)
    return [(f"pykalman loglike, 4 states, 2 obs, exog, {n:,} steps (us/step; ratio pykalman / rnnlp)",
             t_pk / n * 1e6, t_ours / n * 1e6, f"|dll| = {abs(ll_pk - ll_ours):.1e}")]


def bench_batch(s, n, repeats):
    from rnnlp.timeseries import batch_filter

    m, rng = random_model(), np.random.default_rng(2)
    y, x = rng.normal(size=(s, n, 2)), rng.normal(size=(n, 3))
    mod = statsmodels_model(y[0], m, x)

    def per_series():
        out = np.empty(s)
        for i in range(s):
            mod.ssm.bind(y[i])
            # bind() alone keeps the cached compiled representation of the first series
            mod.ssm._statespaces, mod.ssm._representations = {}, {}
            out[i] = mod.ssm.loglike()
        return out

    t_sm, ll_sm = best_of(per_series, max(1, repeats // 3))
    t_ours, res = best_of(lambda: batch_filter(y, m, x), repeats)
    return [(f"Kalman filter, {s:,} series x {n} steps, batched (s)", t_sm, t_ours,
             f"max |dll| = {np.abs(ll_sm - res.loglike).max():.1e}")]


def _touch(result, *names):
    """The result, after reading the named (possibly lazy) statistics."""
    for name in names:
        getattr(result, name)
    return result


def bench_ar(y, order, repeats, label):
    from statsmodels.tsa.ar_model import AutoReg

    from rnnlp.timeseries import AR

    # both sides also compute sigma2 and AIC, so lazy statistics are not left out
    t_sm, ref = best_of(lambda: _touch(AutoReg(y, order, trend="c").fit(), "aic"), repeats)
    t_ours, res = best_of(lambda: _touch(AR(y, order, "c").fit(), "aic"), repeats)
    return [(f"AR({order}) OLS fit + AIC, {label} (ms)", t_sm * 1e3, t_ours * 1e3,
             f"max |dparams| = {np.abs(ref.params - res.params).max():.1e}")]


def bench_var(data, repeats):
    from statsmodels.tsa.api import VAR as SMVAR

    from rnnlp.timeseries import VAR

    t_sm, ref = best_of(lambda: _touch(SMVAR(data).fit(2), "aic"), repeats)
    t_ours, res = best_of(lambda: _touch(VAR(data).fit(2), "aic"), repeats)
    return [("VAR(2) fit + AIC, macrodata dlog (ms)", t_sm * 1e3, t_ours * 1e3,
             f"max |dparams| = {np.abs(ref.params - res.params).max():.1e}")]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    args = parser.parse_args()
    extra = []
    try:
        import pykalman  # noqa: F401  (optional; compared only when installed)
        extra = bench_pykalman(5000)
    except ImportError:
        print("pykalman not installed: skipped")
    import statsmodels.api as sm

    reps = 3 if args.quick else 7
    sunspots = sm.datasets.sunspots.load_pandas().data["SUNACTIVITY"].to_numpy()
    macro = sm.datasets.macrodata.load_pandas().data[["realgdp", "realcons", "realinv"]].to_numpy()
    big = np.random.default_rng(3).normal(size=1_000_000)
    rows = (bench_kalman_long(100_000, reps) + bench_batch(1000, 500, reps)
            + bench_ar(sunspots, 9, reps * 10, "sunspots") + bench_var(np.diff(np.log(macro), axis=0), reps * 10)
            + bench_ar(big, 4, reps, "1,000,000 points") + extra)
    print("| benchmark | statsmodels | rnnlp | statsmodels / rnnlp | check |")
    print("|---|---:|---:|---:|---|")
    for name, ref, ours, check in rows:
        print(f"| {name} | {ref:.4g} | {ours:.4g} | {ref / ours:.2f}x | {check} |")


if __name__ == "__main__":
    main()
