"""Customer lifetime value: historic (seed 004) and predictive (BG/NBD + Gamma-Gamma, sBG).

See docs/clv.md for the formulas, their assumptions and why the models are
fitted here with SciPy rather than with a CLV library.
"""

from cxmetrics.analyses.clv.data import ClvError, rfm_summary, tenure_summary
from cxmetrics.analyses.clv.feedback import clv_by_feedback, latest_answers
from cxmetrics.analyses.clv.historic import customer_historic, historic_clv
from cxmetrics.analyses.clv.models import (
    Fit,
    bgnbd_conditional,
    bgnbd_expected,
    bgnbd_loglik,
    bgnbd_p_alive,
    clv_bgnbd,
    fit_bgnbd,
    fit_gamma_gamma,
    fit_sbg,
    fit_sbg_survival,
    gamma_gamma_loglik,
    gamma_gamma_mean,
    sbg_churn_probability,
    sbg_discounted_lifetime,
    sbg_loglik,
    sbg_retention,
    sbg_survival,
)
from cxmetrics.analyses.clv.predictive import Prediction, predict_bgnbd, predict_sbg

__all__ = [
    "ClvError", "Fit", "Prediction", "bgnbd_conditional", "bgnbd_expected", "bgnbd_loglik", "bgnbd_p_alive",
    "clv_bgnbd", "clv_by_feedback", "customer_historic", "fit_bgnbd", "fit_gamma_gamma", "fit_sbg",
    "fit_sbg_survival", "gamma_gamma_loglik", "gamma_gamma_mean", "historic_clv", "latest_answers",
    "predict_bgnbd", "predict_sbg", "rfm_summary", "sbg_churn_probability", "sbg_discounted_lifetime",
    "sbg_loglik", "sbg_retention", "sbg_survival", "tenure_summary",
]
