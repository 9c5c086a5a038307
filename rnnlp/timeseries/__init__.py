"""Classical time-series models in numpy/scipy (this package never imports torch).

    from rnnlp.timeseries import AR, VAR, StateSpace, LocalLevel
    AR(y, order=2).fit().forecast(10)
    VAR(data).fit(2).irf(10)
    LocalLevel(nile).fit().smoothed_state

State-space notation (documented once, in :mod:`rnnlp.timeseries.kalman`):
h_t = Phi h_{t-1} + Gamma x_t + eps_t, eps ~ N(0, Sigma_h); y_t = Psi h_t + Xi x_t + eta_t,
eta ~ N(0, Sigma_obs).
"""

from rnnlp.timeseries._report import Forecast
from rnnlp.timeseries.ar import AR, ARResults, yule_walker
from rnnlp.timeseries.batch import batch_filter
from rnnlp.timeseries.kalman import Matrices, kalman_filter
from rnnlp.timeseries.selection import OrderSelection, select_ar_order, select_var_order
from rnnlp.timeseries.smoother import smooth
from rnnlp.timeseries.statespace import LocalLevel, LocalLinearTrend, StateSpace, StateSpaceResults
from rnnlp.timeseries.steady import loglike
from rnnlp.timeseries.var import VAR, VARResults

__all__ = [
    "AR", "ARResults", "VAR", "VARResults", "StateSpace", "StateSpaceResults", "LocalLevel",
    "LocalLinearTrend", "Matrices", "kalman_filter", "smooth", "loglike", "batch_filter",
    "select_ar_order", "select_var_order", "OrderSelection", "yule_walker", "Forecast",
]
