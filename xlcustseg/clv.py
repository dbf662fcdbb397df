"""Customer lifetime value: the BG/NBD purchase model and the Gamma-Gamma spend model.

Both are fitted by maximum likelihood with SciPy (L-BFGS-B on the log-parameters with
analytic gradients, then a Newton step or two on a numerical Hessian; the same Hessian
gives the standard errors by the delta method). Conventions, as in the papers, for each
customer and in the caller's time unit (weeks in the papers):

    frequency       x    repeat purchases: purchase days after the first one
    recency         t_x  time from the first purchase to the last one (0 when x = 0)
    T                    time from the first purchase to the end of the observation
    monetary_value       mean spend of the repeat purchases (the first one is left out)

Note that this recency is not RFM's "days since the last purchase".

    >>> table = summary_from_orders(ids, dates, amounts, as_of="2024-12-31", unit="W")
    >>> bgnbd = fit_bgnbd(table["frequency"], table["recency"], table["T"])
    >>> gg = fit_gamma_gamma(table["frequency"], table["monetary_value"])
    >>> value = customer_value(bgnbd, gg, table["frequency"], table["recency"], table["T"],
    ...                        table["monetary_value"], horizon=52, discount_rate=0.1, unit_per_year=52.18)

Every problem with the data raises `ClvError` (a ValueError) with a one-sentence reason.

References:
    Fader, Hardie & Lee (2005), "'Counting Your Customers' the Easy Way: An Alternative to the
    Pareto/NBD Model", Marketing Science 24(2), 275-284 (BG/NBD; eq. 10 for expected purchases).
    Fader, Hardie & Lee (2005), "RFM and CLV: Using Iso-Value Curves for Customer Base Analysis",
    Journal of Marketing Research 42(4), 415-430 (Gamma-Gamma spend).
    Fader & Hardie (2013), "The Gamma-Gamma Model of Monetary Value", brucehardie.com note 025.
    Fader, Hardie & Lee (2008), "Computing P(alive) Using the BG/NBD Model", note 021.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

# SciPy is imported inside the functions that use it: ~1 s to import, and CLV is computed only when asked.

Array = NDArray[np.float64]
Objective = Callable[..., tuple[float, Array]]

BGNBD_PARAMS = ("r", "alpha", "a", "b")
GAMMA_GAMMA_PARAMS = ("p", "q", "v")
MIN_CUSTOMERS = 5  # more customers than the BG/NBD model has parameters
MIN_SPENDERS = 4  # more repeat buyers with a positive spend than the Gamma-Gamma model has parameters
UNITS = {"D": 1.0, "W": 7.0}  # days per time unit of summary_from_orders
MONTHS_PER_YEAR = 12
_LOG_BOUND = 18.0  # the optimiser keeps each log-parameter within ±18 (about 1.5e-8 to 6.6e7)
_RUNS_OFF = 12.0  # beyond ±12 (about 6e-6 to 1.6e5, times in units of the longest history, spend of its mean)
_GRADIENT_TOLERANCE = 1e-5  # on the mean log-likelihood's gradient in log-parameters
_HESSIAN_STEP = 1e-4
_NEAR_SINGULAR = 1e-7  # eq. 10's removable singularities (a = 1, a + b = 1) are stepped over by this


class ClvError(ValueError):
    """A lifetime-value model cannot be fitted or applied; the message says why in one sentence.

    `reason` names the cause for the messages of the segmentation run (i18n MESSAGES
    "clv_reason_<reason>", filled with `values`), so the run can say it in its language.
    """

    def __init__(self, message: str, reason: str = "", **values: Any):
        super().__init__(message)
        self.reason = reason
        self.values = values


# ---------------------------------------------------------------- input checks

def _numbers(values: ArrayLike, name: str) -> Array:
    """`values` as a float array; non-numbers, missing and infinite values are refused."""
    try:
        if isinstance(values, pd.Series | pd.Index):  # nullable dtypes: pd.NA becomes NaN
            values = values.to_numpy(dtype=np.float64, na_value=np.nan)
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ClvError(f"{name} must be numbers.") from error
    bad = int(np.size(array) - np.isfinite(array).sum())
    if bad:
        raise ClvError(f"{name} has {bad:,} missing or infinite value(s).")
    return array


def _vectors(**named: ArrayLike) -> list[Array]:
    """The named inputs as 1-D float arrays of one common, non-zero length."""
    arrays = [np.atleast_1d(_numbers(values, name)) for name, values in named.items()]
    if any(array.ndim != 1 for array in arrays):
        raise ClvError(f"{_names(named)} must be one-dimensional.")
    lengths = [array.size for array in arrays]
    if len(set(lengths)) > 1:
        raise ClvError(f"{_names(named)} must have the same length (got {_names(lengths)}).")
    if lengths[0] == 0:
        raise ClvError("No customers were given.")
    return arrays


def _broadcast(**named: ArrayLike) -> list[Array]:
    """The named inputs (scalars or arrays) broadcast to one shape."""
    arrays = [_numbers(values, name) for name, values in named.items()]
    try:
        return list(np.broadcast_arrays(*arrays))
    except ValueError as error:
        shapes = _names([np.shape(array) for array in arrays])
        raise ClvError(f"{_names(named)} must have the same length (got {shapes}).") from error


def _names(items: Sequence[Any] | Mapping[str, Any]) -> str:
    words = [str(item) for item in items]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _check_frequency(x: Array) -> None:
    if (x < 0).any():
        raise ClvError(f"frequency must not be negative ({int((x < 0).sum()):,} value(s) are).")
    fractional = int((x != np.floor(x)).sum())
    if fractional:
        raise ClvError(f"frequency must be whole numbers of repeat purchases ({fractional:,} value(s) are not).")


def _check_history(x: Array, t_x: Array, age: Array) -> None:
    """The BG/NBD conventions: x whole and >= 0, 0 <= t_x <= T, t_x = 0 when x = 0."""
    _check_frequency(x)
    for name, values in (("recency", t_x), ("T", age)):
        if (values < 0).any():
            raise ClvError(f"{name} must not be negative ({int((values < 0).sum()):,} value(s) are).")
    late = int((t_x > age).sum())
    if late:
        raise ClvError(f"recency must not exceed T ({late:,} customer(s) bought last after their observation ended).")
    stray = int(((x == 0) & (t_x != 0)).sum())
    if stray:
        raise ClvError(f"recency must be 0 for customers without a repeat purchase ({stray:,} are not); "
                       "recency here is the time from the first to the last purchase, not since the last one.")


def _weights(weights: ArrayLike | None, n: int) -> Array:
    if weights is None:
        return np.ones(n)
    (w,) = _vectors(weights=weights)
    if w.size != n:
        raise ClvError(f"weights must have one value per customer (got {w.size:,} for {n:,}).")
    if (w < 0).any():
        raise ClvError(f"weights must not be negative ({int((w < 0).sum()):,} value(s) are).")
    return w


def _model_params(params: Mapping[str, Any], names: tuple[str, ...], model: str) -> list[float]:
    """The positive, finite parameters `names` from a fit's dictionary."""
    missing = [name for name in names if name not in params]
    if missing:
        raise ClvError(f"The {model} parameters need {_names(names)} (missing: {_names(missing)}).")
    values = [float(params[name]) for name in names]
    if not all(np.isfinite(value) and value > 0 for value in values):
        raise ClvError(f"The {model} parameters {_names(names)} must be positive numbers (got {values}).")
    return values


# ---------------------------------------------------------------- collapsing identical customers

def _groups(columns: list[Array]) -> tuple[list[Array], NDArray[np.intp]]:
    """The distinct rows of `columns` and each row's group number (hashing, no sort)."""
    key = pd.factorize(columns[0])[0]
    for column in columns[1:]:
        codes, uniques = pd.factorize(column)
        key = pd.factorize(key * len(uniques) + codes)[0]
    representative = np.empty(int(key.max()) + 1, dtype=np.intp)
    representative[key] = np.arange(key.size)  # any row of a group will do: their values are equal
    return [column[representative] for column in columns], key


def _collapse(columns: list[Array], weights: Array) -> tuple[list[Array], Array]:
    """One row per distinct combination of `columns`, weighted by the summed weights of its rows."""
    keep = weights > 0
    distinct, key = _groups([column[keep] for column in columns])
    return distinct, np.bincount(key, weights=weights[keep], minlength=distinct[0].size)


# ---------------------------------------------------------------- likelihoods (negative, with gradients)

def _dot(weights: Array, values: Array) -> float:
    """A weighted sum by einsum's own loop: BLAS (np.dot, @) wakes its threads for each small product, which
    cost milliseconds apiece on a busy machine (a fit makes ~40 likelihood calls of 6-8 sums each)."""
    return float(np.einsum("i,i->", weights, values))


class _Histories(NamedTuple):
    """BG/NBD data, one row per distinct history, and its distinct frequencies with their customers."""

    x: Array
    t_x: Array
    age: Array
    w: Array
    levels: Array  # the distinct x
    level_weights: Array  # customers per distinct x

    @classmethod
    def of(cls, x: Array, t_x: Array, age: Array, w: Array) -> _Histories:
        levels, index = np.unique(x, return_inverse=True)
        return cls(x, t_x, age, w, levels, np.bincount(index, weights=w, minlength=levels.size))


class _Spends(NamedTuple):
    """Gamma-Gamma data, one row per distinct (x, mean spend), and its distinct frequencies."""

    x: Array
    m: Array
    w: Array
    levels: Array
    level_weights: Array

    @classmethod
    def of(cls, x: Array, m: Array, w: Array) -> _Spends:
        levels, index = np.unique(x, return_inverse=True)
        return cls(x, m, w, levels, np.bincount(index, weights=w, minlength=levels.size))


def _bgnbd_nll(theta: Array, data: _Histories) -> tuple[float, Array]:
    """BG/NBD negative log-likelihood (FHL 2005 eq. 6) and its gradient in log-parameters.

    The gamma-function terms depend on x alone and are taken once per distinct x.
    """
    r, alpha, a, b = np.exp(theta)
    x, t_x, age, w, levels, counts = data
    n = counts.sum()
    from scipy import special
    gammaln, digamma = special.gammaln, special.digamma
    ll_x = (gammaln(r + levels) - gammaln(r)  # and B(a, b + x) / B(a, b) in gamma functions:
            + gammaln(a + b) - gammaln(b) + gammaln(b + levels) - gammaln(a + b + levels))
    psi_ab, psi_abx = digamma(a + b), digamma(a + b + levels)
    rx, log_end, log_last = r + x, np.log(alpha + age), np.log(alpha + t_x)
    b_last = b + np.maximum(x, 1) - 1  # b + x - 1, kept positive where x = 0 (its term is dropped there)
    alive = -rx * log_end  # the customer is still alive at T
    dropped = np.where(x > 0, np.log(a / b_last) - rx * log_last, -np.inf)  # dropped out right after t_x
    total = np.logaddexp(alive, dropped)
    share_alive, share_dropped = np.exp(alive - total), np.exp(dropped - total)
    ll = _dot(counts, ll_x) + n * r * np.log(alpha) + _dot(w, total)
    d_r = (_dot(counts, digamma(r + levels) - digamma(r)) + n * np.log(alpha)
           - _dot(w, share_alive * log_end + share_dropped * log_last))
    d_alpha = n * r / alpha - _dot(w, rx * (share_alive / (alpha + age) + share_dropped / (alpha + t_x)))
    d_a = _dot(counts, psi_ab - psi_abx) + _dot(w, share_dropped) / a
    d_b = _dot(counts, psi_ab - digamma(b) + digamma(b + levels) - psi_abx) - _dot(w, share_dropped / b_last)
    return -float(ll), -np.array([d_r, d_alpha, d_a, d_b]) * np.array([r, alpha, a, b])


def _gamma_gamma_nll(theta: Array, data: _Spends) -> tuple[float, Array]:
    """Gamma-Gamma negative log-likelihood of the mean spends (Fader & Hardie 2013 eq. 3) and its gradient.

    The gamma-function terms depend on x alone and are taken once per distinct x.
    """
    p, q, v = np.exp(theta)
    x, m, w, levels, counts = data
    from scipy import special
    gammaln, digamma = special.gammaln, special.digamma
    p_levels = p * levels
    ll_x = gammaln(p_levels + q) - gammaln(p_levels) - gammaln(q)
    psi = digamma(p_levels + q)
    log_xm, log_total = np.log(x * m), np.log(v + x * m)
    ll = (_dot(counts, ll_x) + counts.sum() * q * np.log(v)
          + _dot(w, p * x * log_xm - np.log(m) - (p * x + q) * log_total))
    d_p = _dot(counts, levels * (psi - digamma(p_levels))) + _dot(w, x * (log_xm - log_total))
    d_q = _dot(counts, psi - digamma(q)) + counts.sum() * np.log(v) - _dot(w, log_total)
    d_v = counts.sum() * q / v - _dot(w, (p * x + q) / (v + x * m))
    return -float(ll), -np.array([d_p, d_q, d_v]) * np.array([p, q, v])


# ---------------------------------------------------------------- maximum likelihood

def _hessian(objective: Objective, theta: Array, data: Any) -> Array:
    """Central differences of the analytic gradient, symmetrised."""
    columns = []
    for j in range(theta.size):
        step = np.zeros_like(theta)
        step[j] = _HESSIAN_STEP
        columns.append((objective(theta + step, data)[1] - objective(theta - step, data)[1]) / (2 * _HESSIAN_STEP))
    hessian = np.column_stack(columns)
    return (hessian + hessian.T) / 2


def _newton_polish(objective: Objective, theta: Array, data: Any) -> tuple[Array, Array]:
    """Up to three Newton steps on one Hessian from the quasi-Newton optimum, each kept only if it gains likelihood.

    Returns the polished log-parameters and the Hessian there (measured again only if they moved).
    """
    value, gradient = objective(theta, data)
    hessian = _hessian(objective, theta, data)
    start = theta
    for _ in range(3):
        try:
            candidate = theta - np.linalg.solve(hessian, gradient)
        except np.linalg.LinAlgError:
            break
        new_value, new_gradient = objective(candidate, data)
        if np.abs(candidate).max() >= _LOG_BOUND or not new_value < value:
            break
        theta, value, gradient = candidate, new_value, new_gradient
    if np.abs(theta - start).max() > _HESSIAN_STEP:
        hessian = _hessian(objective, theta, data)
    return theta, hessian


def _maximise(objective: Objective, start: Array, data: _Histories | _Spends, names: tuple[str, ...],
              model: str) -> tuple[Array, Array]:
    """The log-parameters that maximise the likelihood and the Hessian of the negative log-likelihood there."""
    n = float(data.w.sum())

    def mean(theta: Array) -> tuple[float, Array]:
        value, gradient = objective(theta, data)
        return value / n, gradient / n

    with np.errstate(all="ignore"):
        bounds = [(-_LOG_BOUND, _LOG_BOUND)] * start.size
        from scipy import optimize
        found = optimize.minimize(mean, start, jac=True, method="L-BFGS-B", bounds=bounds,
                                  options={"maxiter": 2000, "ftol": 1e-15, "gtol": 1e-10})
        theta, hessian = _newton_polish(objective, found.x, data)
        gradient = objective(theta, data)[1] / n
    at_bound = [name for name, value in zip(names, theta, strict=True) if abs(value) > _RUNS_OFF]
    if at_bound:
        verb = "runs" if len(at_bound) == 1 else "run"
        raise ClvError(f"These customers cannot pin down the {model} model ({_names(at_bound)} {verb} off to 0 "
                       "or infinity); it needs more, and more varied, customers.", "runs_off", model=model,
                       params=tuple(at_bound))
    if not (np.isfinite(theta).all() and np.isfinite(hessian).all() and np.abs(gradient).max() < _GRADIENT_TOLERANCE):
        raise ClvError(f"The {model} model did not converge on these customers.", "no_convergence", model=model)
    if np.linalg.eigvalsh(hessian).min() <= 0:
        raise ClvError(f"These customers cannot pin down the {model} model (its likelihood has no clear peak).",
                       "no_peak", model=model)
    return theta, hessian


def _result(names: tuple[str, ...], theta: Array, hessian: Array, log_likelihood: float,
            n_customers: float) -> dict[str, Any]:
    """The fitted parameters, their standard errors (delta method from log-parameters) and the fit's figures."""
    params = np.exp(theta)
    spread = np.sqrt(np.diag(np.linalg.inv(hessian)))
    result: dict[str, Any] = {name: float(value) for name, value in zip(names, params, strict=True)}
    result["se"] = {name: float(value) for name, value in zip(names, params * spread, strict=True)}
    result["log_likelihood"] = float(log_likelihood)
    result["n_customers"] = round(n_customers) if float(n_customers).is_integer() else float(n_customers)
    return result


# ---------------------------------------------------------------- fitting

def fit_bgnbd(frequency: ArrayLike, recency: ArrayLike, T: ArrayLike, *,
              weights: ArrayLike | None = None) -> dict[str, Any]:
    """Fit the BG/NBD model by maximum likelihood.

    frequency, recency, T: one value per customer (see the module's conventions); `weights`
    counts customers per row when identical rows were already collapsed (identical rows are
    collapsed here anyway). Returns {"r", "alpha", "a", "b": floats, "se": {name: standard error},
    "log_likelihood": at the optimum, in the caller's time unit, "n_customers": sum of weights}.
    Raises ClvError when the data cannot support the model.
    """
    x, t_x, age = _vectors(frequency=frequency, recency=recency, T=T)
    _check_history(x, t_x, age)
    w = _weights(weights, x.size)
    n = float(w.sum())
    if n < MIN_CUSTOMERS:
        raise ClvError(f"The purchase model needs at least {MIN_CUSTOMERS} customers (got {n:g}).", "few_customers",
                       least=MIN_CUSTOMERS, got=f"{n:g}")
    if not (w[x > 0] > 0).any():
        raise ClvError("No customer bought again on a later day, so repeat purchases cannot be modelled "
                       "(purchases on the same day count as one).", "no_repeat")
    (x, t_x, age), w = _collapse([x, t_x, age], w)
    scale = float(age.max())  # times in units of the longest history while optimising
    if scale <= 0:
        raise ClvError("T is 0 for every customer, so there is no history to learn from.", "no_history")
    scaled = _Histories.of(x, t_x / scale, age / scale, w)
    theta, hessian = _maximise(_bgnbd_nll, _bgnbd_start(scaled), scaled, BGNBD_PARAMS, "purchase (BG/NBD)")
    theta[1] += np.log(scale)  # alpha back in the caller's unit: the log-likelihood only shifts by a constant
    log_likelihood = -_bgnbd_nll(theta, scaled._replace(t_x=t_x, age=age))[0]
    return _result(BGNBD_PARAMS, theta, hessian, log_likelihood, n)


def _bgnbd_start(data: _Histories) -> Array:
    """Starting log-parameters: r = 1 with alpha from the observed purchase rate; a = 1, b = 3."""
    rate = _dot(data.w, data.x) / max(float(_dot(data.w, data.age)), 1e-12)
    return np.log([1.0, 1.0 / rate, 1.0, 3.0])


def fit_gamma_gamma(frequency: ArrayLike, monetary_value: ArrayLike) -> dict[str, Any]:
    """Fit the Gamma-Gamma spend model by maximum likelihood on the repeat buyers.

    monetary_value is each customer's mean spend over the repeat purchases. Customers without
    a repeat purchase carry no spend information and are left out, as are repeat buyers whose
    mean spend is not positive (the model has no room for them; counted in "n_excluded").
    Returns {"p", "q", "v": floats, "se": {name: standard error}, "log_likelihood",
    "n_customers": repeat buyers fitted, "n_excluded"}. Raises ClvError when the data cannot
    support the model, or when the fit has q <= 1 (the average spend would be infinite).
    """
    x, m = _vectors(frequency=frequency, monetary_value=monetary_value)
    _check_frequency(x)
    repeat = x > 0
    if not repeat.any():
        raise ClvError("No customer bought again on a later day, so there is no repeat spend to model.", "no_repeat")
    usable = repeat & (m > 0)
    if usable.sum() < MIN_SPENDERS:
        raise ClvError(f"The spend model needs at least {MIN_SPENDERS} repeat buyers with a positive spend "
                       f"(got {int(usable.sum())}; zero or negative spend is left out).", "few_spenders",
                       least=MIN_SPENDERS, got=int(usable.sum()))
    (x_fit, m_fit), w = _collapse([x[usable], m[usable]], np.ones(int(usable.sum())))
    scale = float(_dot(w, m_fit) / w.sum())  # spend in units of its mean while optimising
    scaled = _Spends.of(x_fit, m_fit / scale, w)
    start = np.log([1.0, 2.0, 1.0])  # mean spend p v / (q - 1) = 1 in those units
    theta, hessian = _maximise(_gamma_gamma_nll, start, scaled, GAMMA_GAMMA_PARAMS, "spend (Gamma-Gamma)")
    theta[2] += np.log(scale)  # v back in the caller's money: the log-likelihood only shifts by a constant
    if np.exp(theta[1]) <= 1:
        raise ClvError("Spend varies too wildly between customers for the spend model (q <= 1: its average "
                       "spend would be infinite).", "wild_spend")
    log_likelihood = -_gamma_gamma_nll(theta, scaled._replace(m=m_fit))[0]
    result = _result(GAMMA_GAMMA_PARAMS, theta, hessian, log_likelihood, float(w.sum()))
    result["n_excluded"] = int((repeat & ~usable).sum())
    return result


# ---------------------------------------------------------------- predictions

def p_alive(params: Mapping[str, Any], frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> Array:
    """Probability that each customer is still active at T (Fader, Hardie & Lee 2008, note 021).

    1 for customers without a repeat purchase (the model lets customers drop out only right
    after a repeat purchase). Inputs broadcast; returns an array of their common shape.
    """
    r, alpha, a, b = _model_params(params, BGNBD_PARAMS, "BG/NBD")
    x, t_x, age = _broadcast(frequency=frequency, recency=recency, T=T)
    _check_history(x, t_x, age)
    return _p_alive(r, alpha, a, b, x, t_x, age)


def _p_alive(r: float, alpha: float, a: float, b: float, x: Array, t_x: Array, age: Array) -> Array:
    log_odds_dead = np.log(a) - np.log(b + np.maximum(x, 1) - 1) + (r + x) * np.log((alpha + age) / (alpha + t_x))
    from scipy import special
    return np.where(x > 0, special.expit(-log_odds_dead), 1.0)


def expected_purchases(params: Mapping[str, Any], t: ArrayLike, frequency: ArrayLike, recency: ArrayLike,
                       T: ArrayLike) -> Array:
    """Expected repeat purchases in the next `t` time units, given each customer's history (FHL 2005 eq. 10).

    The Gaussian hypergeometric function is taken in its Euler-transformed form
    (1 - z)^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z), z = t / (alpha + T + t), which equals the
    paper's ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1; z) but stays of order one
    where the paper's factors overflow (many purchases, long horizons). Inputs broadcast.
    """
    r, alpha, a, b = _model_params(params, BGNBD_PARAMS, "BG/NBD")
    horizon, x, t_x, age = _broadcast(t=t, frequency=frequency, recency=recency, T=T)
    _check_history(x, t_x, age)
    if (horizon < 0).any():
        raise ClvError("t must not be negative.")
    return _expected_purchases(r, alpha, a, b, horizon, x, t_x, age)


def _expected_purchases(r: float, alpha: float, a: float, b: float, t: Array, x: Array, t_x: Array,
                        age: Array) -> Array:
    a, b = _off_removable_singularities(a, b)
    z = t / (alpha + age + t)
    c = a + b + x - 1
    from scipy import special
    staying = np.exp((a - 1) * np.log1p(-z)) * special.hyp2f1(a + b - 1 - r, a - 1, c, z)
    return np.maximum(c / (a - 1) * (1 - staying), 0.0) * _p_alive(r, alpha, a, b, x, t_x, age) + 0.0


def _off_removable_singularities(a: float, b: float) -> tuple[float, float]:
    """a and b moved by 1e-7 off a = 1 (eq. 10 divides by a - 1) and a + b = 1 (2F1's c = 0 when x = 0).

    Eq. 10 has finite limits there; the move changes results by about 1e-7 relatively.
    """
    if abs(a - 1) < _NEAR_SINGULAR:
        a = 1 + np.copysign(_NEAR_SINGULAR, a - 1)
    if abs(a + b - 1) < _NEAR_SINGULAR:
        b = 1 - a + np.copysign(_NEAR_SINGULAR, a + b - 1)
    return a, b


def expected_spend(gg_params: Mapping[str, Any], frequency: ArrayLike, monetary_value: ArrayLike) -> Array:
    """Expected mean spend per future purchase (Fader & Hardie 2013 eq. 5).

    A weighted average of the population mean p v / (q - 1) and the customer's own mean
    spend, the latter weighing more the more repeat purchases it rests on. Customers without
    a repeat purchase, or with a mean repeat spend that is not positive, get the population
    mean (their own figure tells the model nothing). Inputs broadcast.
    """
    p, q, v = _model_params(gg_params, GAMMA_GAMMA_PARAMS, "Gamma-Gamma")
    if q <= 1:
        raise ClvError("The spend model's q must exceed 1 (otherwise its average spend is infinite).")
    x, m = _broadcast(frequency=frequency, monetary_value=monetary_value)
    _check_frequency(x)
    own = np.where(m > 0, p * x, 0.0)
    return (p * v + own * m) / (own + q - 1)


def customer_value(bgnbd: Mapping[str, Any], gg: Mapping[str, Any], frequency: ArrayLike, recency: ArrayLike,
                   T: ArrayLike, monetary_value: ArrayLike, horizon: float, discount_rate: float,
                   unit_per_year: float) -> Array:
    """Discounted expected spend over the next `horizon` time units (the predicted customer value).

    Discounting: the horizon is cut into months (unit_per_year / 12 time units each; the last
    one may be shorter). The purchases expected in each month (eq. 10 at its end minus at its
    start) times the expected spend per purchase are discounted at the month's end by
    (1 + discount_rate) ** -(years from now), discount_rate being an annual rate. With months
    of 4.345 weeks and discount_rate = 1.01**12 - 1 this is lifetimes' customer_lifetime_value
    (monthly steps, 1 % a month); with discount_rate = 0 it is expected spend × expected purchases.
    """
    horizon, discount_rate, unit_per_year = (_number(value, name, positive=name == "unit_per_year") for name, value
                                             in (("horizon", horizon), ("discount_rate", discount_rate),
                                                 ("unit_per_year", unit_per_year)))
    r, alpha, a, b = _model_params(bgnbd, BGNBD_PARAMS, "BG/NBD")
    x, t_x, age, m = _broadcast(frequency=frequency, recency=recency, T=T, monetary_value=monetary_value)
    _check_history(x, t_x, age)
    spend = expected_spend(gg, x, m)
    (x, t_x, age), group = _groups([column.ravel() for column in (x, t_x, age)])  # each history once
    month = unit_per_year / MONTHS_PER_YEAR
    ends = np.minimum(np.arange(1, int(np.ceil(horizon / month - 1e-9)) + 1) * month, horizon)
    discounted, before = np.zeros(x.size), 0.0
    for end in ends:
        so_far = _expected_purchases(r, alpha, a, b, np.full(x.size, end), x, t_x, age)
        discounted += (so_far - before) * (1 + discount_rate) ** -(end / unit_per_year)
        before = so_far
    return spend * discounted[group].reshape(spend.shape)


def _number(value: Any, name: str, positive: bool) -> float:
    """A finite number >= 0 (> 0 when `positive`)."""
    try:
        number = float(value)
    except (TypeError, ValueError) as error:
        raise ClvError(f"{name} must be a number (got {value!r}).") from error
    if not np.isfinite(number) or number < 0 or (positive and number == 0):
        raise ClvError(f"{name} must be a {'positive' if positive else 'non-negative'} number (got {value!r}).")
    return number


# ---------------------------------------------------------------- order lines to the model's inputs

def summary_from_orders(customer_ids: ArrayLike, dates: ArrayLike, amounts: ArrayLike, as_of: Any,
                        unit: str = "W") -> pd.DataFrame:
    """frequency, recency, T and monetary_value per customer from dated order lines.

    Lines after `as_of` are ignored (a holdout), as are customers who had not bought by then.
    Lines are taken by calendar day: one customer's lines on the same day are one purchase
    whose spend is their sum (as in the papers' data). frequency = purchase days after the
    first; recency and T run from the first purchase day to the last one and to as_of, in
    weeks ("W") or days ("D"); monetary_value = mean spend of the repeat purchase days (0 for
    one-time buyers). Every day with a line counts as a purchase, whatever its amount: remove
    returns first. Column "spend_excluded" says why a customer is left out of the spend model
    ("" when not). Indexed by customer id, sorted.
    """
    if unit not in UNITS:
        raise ClvError(f"unit must be one of {_names(list(UNITS))} (got {unit!r}).")
    lines, customers = _order_lines(customer_ids, dates, amounts)
    end = _day(as_of)
    lines = lines[lines["day"] <= end]
    if lines.empty:
        raise ClvError(f"No order lines on or before {end.date()}.", "no_lines", date=str(end.date()))
    customer, first, last, days, repeat_spend = _purchase_days(lines)
    frequency = (days - 1).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        monetary = np.where(frequency > 0, repeat_spend / frequency, 0.0)
    length = np.timedelta64(int(UNITS[unit]), "D")
    table = pd.DataFrame({
        "frequency": frequency,
        "recency": (last - first) / length,
        "T": (end.to_datetime64() - first) / length,
        "monetary_value": monetary,
    }, index=pd.Index(customers[customer], name="customer"))
    table["spend_excluded"] = np.select([frequency == 0, monetary <= 0],
                                        ["no repeat purchase", "repeat spend not positive"], "")
    return table


def _purchase_days(lines: pd.DataFrame) -> tuple[np.ndarray, ...]:
    """Per customer code (ascending): the code, first and last purchase day, purchase days, repeat spend.

    One sort of the lines by (customer, day); a purchase day is a run of equal keys, its spend the sum.
    """
    code = lines["customer"].to_numpy(dtype=np.int64)
    day = lines["day"].to_numpy(dtype="datetime64[D]")
    number = day.astype(np.int64) - day.astype(np.int64).min()
    order = np.argsort(code * (int(number.max()) + 1) + number, kind="stable")
    code, day, amount = code[order], day[order], lines["amount"].to_numpy(dtype=np.float64)[order]
    new_day = np.r_[True, (code[1:] != code[:-1]) | (day[1:] != day[:-1])]
    starts = np.flatnonzero(new_day)
    day_code, day_date, day_amount = code[starts], day[starts], np.add.reduceat(amount, starts)
    first_day = np.r_[True, day_code[1:] != day_code[:-1]]
    begins = np.flatnonzero(first_day)
    ends = np.r_[begins[1:], len(day_code)] - 1
    repeat_spend = np.add.reduceat(np.where(first_day, 0.0, day_amount), begins)
    return (day_code[begins], day_date[begins].astype("datetime64[ns]"), day_date[ends].astype("datetime64[ns]"),
            np.diff(np.r_[begins, len(day_code)]), repeat_spend)


def _order_lines(customer_ids: ArrayLike, dates: ArrayLike, amounts: ArrayLike) -> tuple[pd.DataFrame, np.ndarray]:
    """The order lines as a frame (customer: a code, day, amount), every value present, and the customer
    ids in code order (sorted where they can be: codes follow the ids' order)."""
    ids = pd.Series(customer_ids.to_numpy() if isinstance(customer_ids, pd.Series) else np.asarray(customer_ids))
    days = pd.Series(dates.to_numpy() if isinstance(dates, pd.Series) else np.asarray(dates))
    if not pd.api.types.is_datetime64_any_dtype(days):
        try:
            days = pd.to_datetime(days, format="mixed")
        except (TypeError, ValueError) as error:
            raise ClvError(f"dates must be dates ({error}).") from error
    if days.dt.tz is not None:  # calendar days as the shop sees them
        days = days.dt.tz_localize(None)
    amount = np.atleast_1d(_numbers(amounts, "amounts"))
    lengths = [len(ids), len(days), amount.size]
    if len(set(lengths)) > 1:
        raise ClvError(f"customer_ids, dates and amounts must have the same length (got {_names(lengths)}).")
    for name, missing in (("customer_ids", ids.isna()), ("dates", days.isna())):
        if missing.any():
            raise ClvError(f"{name} has {int(missing.sum()):,} missing value(s).")
    try:
        codes, customers = pd.factorize(ids, sort=True)
    except TypeError:  # ids of kinds that do not sort together (numbers and text): first-seen order
        codes, customers = pd.factorize(ids, sort=False)
    customers = np.asarray(customers, dtype=object)
    return pd.DataFrame({"customer": codes, "day": days.dt.normalize().to_numpy(), "amount": amount}), customers


def _day(value: Any) -> pd.Timestamp:
    try:
        day = pd.Timestamp(value)
    except (TypeError, ValueError) as error:
        raise ClvError(f"as_of must be a date (got {value!r}).") from error
    if pd.isna(day):
        raise ClvError("as_of must be a date (got a missing value).")
    return day.tz_localize(None).normalize() if day.tz is not None else day.normalize()
