"""xlcustseg.clv against the papers' CDNOW estimates, lifetimes' documented numbers, an
independent integral of eq. 10, a holdout check, and every degenerate input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, special

from xlcustseg import clv
from xlcustseg.clv import ClvError

DATA = Path(__file__).parent / "data"
CALIBRATION_END, HOLDOUT_END = "1997-09-30", "1998-06-30"  # 39 weeks each


# ---------------------------------------------------------------- the CDNOW sample

@pytest.fixture(scope="module")
def summary() -> pd.DataFrame:
    """The calibration summary as shipped: ID, frequency, recency, T (weeks, 2 decimals)."""
    return pd.read_csv(DATA / "cdnow_customers_summary.csv", index_col="ID")


@pytest.fixture(scope="module")
def with_spend() -> pd.DataFrame:
    """The calibration summary with zbar, the repeat purchases' mean spend (2 decimals)."""
    return pd.read_csv(DATA / "cdnow_customers_summary_with_transactions.csv", index_col="ID")


@pytest.fixture(scope="module")
def orders() -> pd.DataFrame:
    lines = pd.read_csv(DATA / "CDNOW_sample.txt", sep=r"\s+", header=None, dtype={"date": str},
                        names=["master_id", "id", "date", "cds", "amount"])
    lines["date"] = pd.to_datetime(lines["date"], format="%Y%m%d")
    return lines


@pytest.fixture(scope="module")
def calibration(orders: pd.DataFrame) -> pd.DataFrame:
    return clv.summary_from_orders(orders["id"], orders["date"], orders["amount"], CALIBRATION_END, unit="W")


@pytest.fixture(scope="module")
def bgnbd(summary: pd.DataFrame) -> dict:
    return clv.fit_bgnbd(summary["frequency"], summary["recency"], summary["T"])


def test_summary_from_orders_matches_the_shipped_summaries(calibration, with_spend):
    assert len(calibration) == 2357
    assert (calibration.index == with_spend.index).all()
    assert (calibration["frequency"] == with_spend["x"]).all()
    for ours, theirs in (("recency", "t_x"), ("T", "T"), ("monetary_value", "zbar")):
        assert np.abs(calibration[ours] - with_spend[theirs]).max() <= 0.005 + 1e-9, ours
    assert calibration["spend_excluded"].value_counts().to_dict() == {"no repeat purchase": 1411, "": 946}


# ---------------------------------------------------------------- the papers' estimates

def test_bgnbd_reproduces_the_published_cdnow_estimates(bgnbd):
    # Fader, Hardie & Lee (2005), section 4: r = 0.243, alpha = 4.414, a = 0.793, b = 2.426, LL = -9582.4
    assert [round(bgnbd[name], 3) for name in clv.BGNBD_PARAMS] == [0.243, 4.414, 0.793, 2.426]
    assert round(bgnbd["log_likelihood"], 1) == -9582.4
    assert bgnbd["n_customers"] == 2357


def test_bgnbd_from_the_order_lines_gives_the_same_estimates(calibration):
    fit = clv.fit_bgnbd(calibration["frequency"], calibration["recency"], calibration["T"])
    assert [round(fit[name], 3) for name in clv.BGNBD_PARAMS] == [0.243, 4.414, 0.793, 2.426]
    assert round(fit["log_likelihood"], 1) == -9582.4


def test_bgnbd_standard_errors_match_lifetimes_documentation(bgnbd):
    # lifetimes' Quickstart, bgf.summary on the same file: se(coef) 0.012557, 0.378221, 0.185719, 0.705345
    documented = {"r": 0.012557, "alpha": 0.378221, "a": 0.185719, "b": 0.705345}
    for name, se in documented.items():
        assert bgnbd["se"][name] == pytest.approx(se, rel=1e-4), name


def test_gamma_gamma_reproduces_the_published_cdnow_estimates(calibration):
    # Fader, Hardie & Lee (2005, JMR) and Fader & Hardie (2013): p = 6.25, q = 3.74, v = 15.44 on 946 repeat buyers
    fit = clv.fit_gamma_gamma(calibration["frequency"], calibration["monetary_value"])
    assert [round(fit[name], 2) for name in clv.GAMMA_GAMMA_PARAMS] == [6.25, 3.74, 15.44]
    assert fit["n_customers"] == 946 and fit["n_excluded"] == 0
    assert all(fit["se"][name] > 0 for name in clv.GAMMA_GAMMA_PARAMS)


def test_gamma_gamma_on_the_rounded_spends_matches_lifetimes(with_spend):
    # zbar rounded to cents moves v to 15.448; lifetimes' Quickstart prints "p: 6.25, q: 3.74, v: 15.45"
    fit = clv.fit_gamma_gamma(with_spend["x"], with_spend["zbar"])
    assert [round(fit[name], 2) for name in clv.GAMMA_GAMMA_PARAMS] == [6.25, 3.74, 15.45]


# ---------------------------------------------------------------- published predictions

def test_conditional_expectation_matches_hardies_spreadsheet(bgnbd):
    # x = 2, t_x = 30.43, T = 38.86: 1.226 purchases in the next 39 weeks (lifetimes' test, from Hardie's sheet)
    assert float(clv.expected_purchases(bgnbd, 39, 2, 30.43, 38.86)) == pytest.approx(1.226, abs=5e-4)


def test_new_customer_expectation_is_eq_9(bgnbd):
    # with x = t_x = T = 0, eq. 10 is eq. 9, E[X(t)]; values from Hardie's spreadsheet (as in lifetimes' tests)
    times = np.array([0.1429, 1.0, 3.00, 31.8571, 32.00, 78.00])
    expected = np.array([0.0078, 0.0532, 0.1506, 1.0405, 1.0437, 1.8576])
    np.testing.assert_allclose(clv.expected_purchases(bgnbd, times, 0, 0, 0), expected, atol=1.5e-3)


def test_expected_spend_matches_lifetimes_documentation(with_spend):
    fit = clv.fit_gamma_gamma(with_spend["x"], with_spend["zbar"])
    head = with_spend.head(10)
    documented = [24.658619, 18.911489, 35.170981, 35.170981, 35.170981, 71.462843, 18.911489, 35.170981,
                  27.282408, 35.170981]
    np.testing.assert_allclose(clv.expected_spend(fit, head["x"], head["zbar"]), documented, rtol=1e-6)


def test_customer_value_matches_lifetimes_documentation(with_spend):
    # lifetimes' Quickstart: customer_lifetime_value(time=12, discount_rate=0.01) with its default freq="D",
    # i.e. months of 30 time units on this weekly data: months of 30 units are unit_per_year = 360, and 1 % a
    # month is (1.01 ** 12 - 1) a year
    bgnbd = clv.fit_bgnbd(with_spend["x"], with_spend["t_x"], with_spend["T"])
    gg = clv.fit_gamma_gamma(with_spend["x"], with_spend["zbar"])
    head = with_spend.head(10)
    value = clv.customer_value(bgnbd, gg, head["x"], head["t_x"], head["T"], head["zbar"],
                               horizon=360, discount_rate=1.01**12 - 1, unit_per_year=360)
    documented = [140.096211, 18.943467, 38.180574, 38.180574, 38.180574, 1003.868107, 28.109683, 38.180574,
                  167.418216, 38.180574]
    np.testing.assert_allclose(value, documented, rtol=1e-6)


# ---------------------------------------------------------------- the holdout check, as in the paper

def test_holdout_purchases_by_calibration_frequency(orders, calibration, bgnbd):
    """Predicted vs actual repeat purchases in the 39 holdout weeks, by calibration frequency 0..7+.

    freq      0      1      2      3      4      5      6      7+
    n      1411    439    214    100     62     38     29     64
    actual 0.237  0.697  1.393  1.560  2.532  2.947  3.862  6.359
    model  0.225  0.523  1.044  1.520  2.164  2.654  3.504  6.157
    The model follows the actual rise but under-predicts a little, as the paper's Figure 5 shows.
    """
    full = clv.summary_from_orders(orders["id"], orders["date"], orders["amount"], HOLDOUT_END, unit="W")
    actual = full["frequency"] - calibration["frequency"]
    predicted = pd.Series(clv.expected_purchases(bgnbd, 39, calibration["frequency"], calibration["recency"],
                                                 calibration["T"]), index=calibration.index)
    bucket = np.minimum(calibration["frequency"], 7).astype(int)
    table = pd.DataFrame({"n": bucket.value_counts().sort_index(), "actual": actual.groupby(bucket).mean(),
                          "predicted": predicted.groupby(bucket).mean()})
    assert table["n"].tolist() == [1411, 439, 214, 100, 62, 38, 29, 64]
    assert table["actual"].round(3).tolist() == [0.237, 0.697, 1.393, 1.560, 2.532, 2.947, 3.862, 6.359]
    assert table["predicted"].round(3).tolist() == [0.225, 0.523, 1.044, 1.520, 2.164, 2.654, 3.504, 6.157]
    assert table["predicted"].is_monotonic_increasing
    assert (np.abs(table["predicted"] - table["actual"]) <= 0.3 * table["actual"]).all()
    assert predicted.sum() == pytest.approx(actual.sum(), rel=0.15)  # 1653 predicted, 1882 bought


# ---------------------------------------------------------------- the formulas

def _eq10_by_integral(params: dict, t: float, x: int, t_x: float, age: float) -> float:
    """E[Y(t) | x, t_x, T] = P(alive) E_p[(1 - ((alpha+T) / (alpha+T+p t))^(r+x)) / p], p ~ Beta(a, b+x).

    Given alive, lambda ~ Gamma(r+x, alpha+T) and p ~ Beta(a, b+x) independently; an alive customer
    with (lambda, p) expects (1 - exp(-lambda p t)) / p purchases in t. No hypergeometric function.
    """
    r, alpha, a, b = (params[name] for name in clv.BGNBD_PARAMS)

    def smooth_part(p: float) -> float:  # the Beta density's p^(a-1) (1-p)^(b+x-1) is quad's algebraic weight
        rate = t / (alpha + age)  # (1 - (1 + p rate)^-(r+x)) / p tends to (r+x) rate at p = 0
        purchases = -np.expm1(-(r + x) * np.log1p(p * rate)) / p if p > 0 else (r + x) * rate
        return purchases / special.beta(a, b + x)

    value = integrate.quad(smooth_part, 0, 1, weight="alg", wvar=(a - 1, b + x - 1), epsabs=0, epsrel=1e-10)[0]
    return value * float(clv.p_alive(params, x, t_x, age))


@pytest.mark.parametrize(("params", "t", "x", "t_x", "age"), [
    ({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}, 39, 2, 30.43, 38.86),
    ({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}, 39, 0, 0, 38.86),
    ({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}, 520, 300, 38, 38.86),  # paper's factors overflow
    ({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}, 5000, 40, 10, 38.86),  # z close to 1
    ({"r": 2.0, "alpha": 0.1, "a": 3.5, "b": 0.3}, 10, 5, 9, 10),
    ({"r": 0.05, "alpha": 200.0, "a": 0.1, "b": 40.0}, 365, 1, 100, 700),
    ({"r": 1.5, "alpha": 30.0, "a": 1.0, "b": 2.0}, 52, 3, 20, 52),  # a = 1: eq. 10 divides by a - 1
    ({"r": 0.3, "alpha": 2.0, "a": 0.3, "b": 0.7}, 52, 0, 0, 10),  # a + b = 1: 2F1's c = 0 at x = 0
    ({"r": 0.3, "alpha": 2.0, "a": 0.2, "b": 0.5}, 52, 0, 0, 10),  # c < 0
])
def test_expected_purchases_equals_the_integral_over_the_dropout_probability(params, t, x, t_x, age):
    ours = float(clv.expected_purchases(params, t, x, t_x, age))
    assert ours == pytest.approx(_eq10_by_integral(params, t, x, t_x, age), rel=2e-6)


def test_expected_purchases_is_zero_at_zero_and_grows_with_the_horizon(bgnbd):
    horizons = np.array([0.0, 1, 4, 13, 26, 52, 104, 520])
    values = clv.expected_purchases(bgnbd, horizons, 3, 20, 38.86)
    assert values[0] == 0 and not np.signbit(values[0])
    assert (np.diff(values) > 0).all()


def test_p_alive(bgnbd):
    assert (clv.p_alive(bgnbd, [0, 0], [0, 0], [1, 100]) == 1).all()
    recent, stale = clv.p_alive(bgnbd, [5, 5], [38, 5], [38.86, 38.86])
    assert 0 < stale < recent < 1
    with np.errstate(all="raise"):
        assert float(clv.p_alive(bgnbd, 1000, 10, 100)) == 0.0
        assert np.isfinite(clv.expected_purchases(bgnbd, 52, 1000, 10, 100)).all()
    grid = np.array([(x, t_x, age) for x in range(1, 100, 10) for t_x in range(0, 100, 10)
                     for age in range(t_x, 100, 10)], dtype=float).T
    values = clv.p_alive(bgnbd, *grid)
    assert ((values >= 0) & (values <= 1)).all()


def test_p_alive_is_the_posterior_share_of_the_likelihood(bgnbd):
    # P(alive) = L(alive at T) / L, the two terms the likelihood adds (FHL 2008, note 021)
    r, alpha, a, b = (bgnbd[name] for name in clv.BGNBD_PARAMS)
    x, t_x, age = 4, 25.0, 38.86
    alive = ((alpha + t_x) / (alpha + age)) ** (r + x)
    dropped = a / (b + x - 1)
    assert float(clv.p_alive(bgnbd, x, t_x, age)) == pytest.approx(alive / (alive + dropped), rel=1e-12)


def test_expected_spend_weights_own_mean_by_frequency():
    gg = {"p": 6.25, "q": 3.74, "v": 15.44}
    population = 6.25 * 15.44 / 2.74
    one_time, returned_goods, regular = clv.expected_spend(gg, [0, 3, 3], [0.0, -5.0, 100.0])
    assert one_time == pytest.approx(population) and returned_goods == pytest.approx(population)
    assert population < regular < 100
    assert clv.expected_spend(gg, 10_000, 100.0) == pytest.approx(100, rel=1e-3)


def test_customer_value_discounting(bgnbd):
    gg = {"p": 6.25, "q": 3.74, "v": 15.44}
    history = ([0, 2, 7], [0, 30.43, 35], [38.86, 38.86, 38.86], [0.0, 22.35, 50.0])
    undiscounted = clv.customer_value(bgnbd, gg, *history, horizon=52, discount_rate=0.0, unit_per_year=52)
    spend = clv.expected_spend(gg, history[0], history[3])
    np.testing.assert_allclose(undiscounted, spend * clv.expected_purchases(bgnbd, 52, *history[:3]), rtol=1e-12)
    discounted = clv.customer_value(bgnbd, gg, *history, horizon=52, discount_rate=0.1, unit_per_year=52)
    assert ((discounted < undiscounted) & (discounted > undiscounted / 1.1)).all()
    odd = clv.customer_value(bgnbd, gg, *history, horizon=50.5, discount_rate=0.1, unit_per_year=52)
    assert (odd < discounted).all()  # a horizon that is no whole number of months ends with a short month
    assert (clv.customer_value(bgnbd, gg, *history, horizon=0, discount_rate=0.1, unit_per_year=52) == 0).all()


# ---------------------------------------------------------------- the fitting machinery

@pytest.mark.parametrize(("objective", "theta", "data"), [
    (clv._bgnbd_nll, np.log([0.3, 5.0, 0.8, 2.5]), clv._Histories.of(
        np.array([0.0, 1, 2, 7, 2]), np.array([0.0, 3, 30, 35, 12]), np.array([38.0, 38, 39, 36, 20]),
        np.array([5.0, 1, 2, 1, 3]))),
    (clv._gamma_gamma_nll, np.log([6.0, 3.5, 15.0]), clv._Spends.of(
        np.array([1.0, 2, 7, 2]), np.array([10.0, 30, 55, 12]), np.array([1.0, 3, 2, 1]))),
])
def test_analytic_gradients_agree_with_central_differences(objective, theta, data):
    steps = np.eye(theta.size) * 1e-6
    numeric = [(objective(theta + h, data)[0] - objective(theta - h, data)[0]) / 2e-6 for h in steps]
    np.testing.assert_allclose(objective(theta, data)[1], numeric, rtol=1e-6, atol=1e-7)


def test_weights_and_collapsing_give_the_same_fit(summary, bgnbd):
    counted = summary.groupby(["frequency", "recency", "T"]).size().rename("n").reset_index()
    assert len(counted) < len(summary)
    fit = clv.fit_bgnbd(counted["frequency"], counted["recency"], counted["T"], weights=counted["n"])
    for name in (*clv.BGNBD_PARAMS, "log_likelihood"):
        assert fit[name] == pytest.approx(bgnbd[name], rel=1e-6), name
    assert fit["n_customers"] == 2357


def test_time_unit_only_rescales_alpha(summary, bgnbd):
    days = clv.fit_bgnbd(summary["frequency"], summary["recency"] * 7, summary["T"] * 7)
    assert days["alpha"] == pytest.approx(bgnbd["alpha"] * 7, rel=1e-5)
    for name in ("r", "a", "b"):
        assert days[name] == pytest.approx(bgnbd[name], rel=1e-5)
    shift = summary["frequency"].sum() * np.log(7)  # each repeat purchase's density is per unit of time
    assert days["log_likelihood"] == pytest.approx(bgnbd["log_likelihood"] - shift, rel=1e-9)


def _simulate_bgnbd(n: int, r: float, alpha: float, a: float, b: float, age: float, seed: int) -> tuple:
    rng = np.random.default_rng(seed)
    rate, drop = rng.gamma(r, 1 / alpha, n), rng.beta(a, b, n)
    x, t_x, clock, alive = np.zeros(n), np.zeros(n), np.zeros(n), np.ones(n, bool)
    while alive.any():
        clock[alive] += rng.exponential(1 / rate[alive])
        alive &= clock <= age
        x[alive] += 1
        t_x[alive] = clock[alive]
        alive &= rng.random(n) >= drop
    return x, t_x, np.full(n, age)


def _simulate_gamma_gamma(n: int, p: float, q: float, v: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Repeat purchases and their mean spends: spend ~ Gamma(p, nu) per purchase, nu ~ Gamma(q, v) per customer."""
    rng = np.random.default_rng(seed)
    x = 1 + rng.poisson(2.0, n)
    nu = rng.gamma(q, 1 / v, n)
    return x.astype(float), rng.gamma(p * x, 1 / nu) / x  # a sum of x Gamma(p, nu) spends is Gamma(p x, nu)


def test_fit_recovers_simulated_parameters():
    truth = {"r": 0.5, "alpha": 8.0, "a": 0.7, "b": 3.0}
    fit = clv.fit_bgnbd(*_simulate_bgnbd(20_000, *truth.values(), age=52.0, seed=3))
    for name, value in truth.items():
        assert abs(fit[name] - value) < 4 * fit["se"][name], (name, fit[name], fit["se"][name])
    truth = {"p": 4.0, "q": 3.0, "v": 20.0}
    fit = clv.fit_gamma_gamma(*_simulate_gamma_gamma(5_000, *truth.values(), seed=4))
    for name, value in truth.items():
        assert abs(fit[name] - value) < 4 * fit["se"][name], (name, fit[name], fit["se"][name])


# ---------------------------------------------------------------- summary_from_orders

def test_summary_from_orders_conventions():
    ids = ["A", "A", "A", "A", "B", "C", "C", "D"]
    dates = ["2024-01-01 09:00", "2024-01-01 17:00", "2024-01-15", "2024-02-12", "2024-01-08", "2024-01-01",
             "2024-01-01", "2024-03-01"]
    amounts = [10.0, 5.0, 20.0, 40.0, 99.0, 7.0, 8.0, 1.0]
    table = clv.summary_from_orders(ids, dates, amounts, as_of="2024-02-26", unit="W")
    assert table.index.tolist() == ["A", "B", "C"]  # D bought after as_of
    assert table.loc["A"].to_dict() == {"frequency": 2.0, "recency": 6.0, "T": 8.0, "monetary_value": 30.0,
                                        "spend_excluded": ""}
    assert table.loc["C", "frequency"] == 0 and table.loc["C", "spend_excluded"] == "no repeat purchase"
    daily = clv.summary_from_orders(ids, dates, amounts, as_of="2024-02-26", unit="D")
    assert daily.loc["A", "recency"] == 42 and daily.loc["B", "T"] == 49


def test_summary_takes_calendar_days_of_zoned_timestamps():
    zoned = pd.Series(pd.to_datetime(["2024-01-01 23:30", "2024-01-02 00:10", "2024-01-08 09:00"]))
    zoned = zoned.dt.tz_localize("Asia/Shanghai")
    table = clv.summary_from_orders(["A", "A", "A"], zoned, [1.0, 2.0, 4.0], as_of="2024-01-29", unit="D")
    assert table.loc["A"].to_dict() == {"frequency": 2.0, "recency": 7.0, "T": 28.0, "monetary_value": 3.0,
                                        "spend_excluded": ""}


def test_summary_flags_repeat_spend_that_is_not_positive():
    table = clv.summary_from_orders(["A", "A", "B", "B"], ["2024-01-01", "2024-01-05", "2024-01-01", "2024-01-05"],
                                    [50.0, -50.0, 10.0, 0.0], as_of="2024-02-01")
    assert table["spend_excluded"].tolist() == ["repeat spend not positive"] * 2
    assert table["frequency"].tolist() == [1.0, 1.0]  # a day with a line is a purchase, whatever its amount


# ---------------------------------------------------------------- degenerate data: one ClvError, one sentence

def _reason(call, *args, **kwargs) -> str:
    with pytest.raises(ClvError) as caught:
        call(*args, **kwargs)
    return str(caught.value)


def test_all_one_time_buyers():
    assert "No customer bought again" in _reason(clv.fit_bgnbd, [0] * 10, [0] * 10, [5] * 10)
    assert "No customer bought again" in _reason(clv.fit_gamma_gamma, [0] * 10, [0] * 10)


def test_no_history():
    assert "T is 0 for every customer" in _reason(clv.fit_bgnbd, [1, 0, 0, 0, 0], [0] * 5, [0] * 5)


def test_one_customer():
    assert "at least 5 customers (got 1)" in _reason(clv.fit_bgnbd, [3], [5], [10])
    assert "at least 4 repeat buyers" in _reason(clv.fit_gamma_gamma, [3], [5.0])


def test_same_day_repeats_only():
    ids = ["A", "A", "B", "B", "C", "D", "E"]
    dates = ["2024-01-01", "2024-01-01 15:00", "2024-01-03", "2024-01-03", "2024-01-04", "2024-01-05", "2024-01-06"]
    table = clv.summary_from_orders(ids, dates, [1.0] * 7, as_of="2024-02-01")
    assert (table["frequency"] == 0).all()
    assert "same day count as one" in _reason(clv.fit_bgnbd, table["frequency"], table["recency"], table["T"])


def test_zero_or_negative_spend():
    assert "positive spend (got 0" in _reason(clv.fit_gamma_gamma, [1, 2, 3, 4, 5], [0.0, -1, 0, -3, 0])
    x, m = _simulate_gamma_gamma(300, p=4.0, q=3.0, v=20.0, seed=5)
    m_with_returns = m.copy()
    m_with_returns[:5] = [0.0, -3.0, 0.0, -20.0, -0.01]
    fit = clv.fit_gamma_gamma(np.append(x, 0), np.append(m_with_returns, -7.0))  # one-time buyers are not counted
    assert fit["n_customers"] == 295 and fit["n_excluded"] == 5
    clean = clv.fit_gamma_gamma(x[5:], m[5:])
    assert all(fit[name] == pytest.approx(clean[name], rel=1e-9) for name in clv.GAMMA_GAMMA_PARAMS)


def test_models_that_the_data_cannot_pin_down():
    assert "Gamma-Gamma" in _reason(clv.fit_gamma_gamma, [1, 2, 3, 4, 5], [10.0] * 5)  # no spread in spend
    rng = np.random.default_rng(0)  # regular buyers up to the end, nobody drops out
    x = rng.integers(1, 10, 200).astype(float)
    assert "BG/NBD" in _reason(clv.fit_bgnbd, x, 52 - rng.uniform(0, 0.5, 200), np.full(200, 52.0))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_input(bad):
    assert "recency has 1 missing or infinite value(s)" in _reason(clv.fit_bgnbd, [0, 1], [0, bad], [5, 5])
    assert "monetary_value has 1 missing" in _reason(clv.fit_gamma_gamma, [1, 2], [3.0, bad])
    assert "T has 1 missing" in _reason(clv.p_alive, {"r": 1, "alpha": 1, "a": 1, "b": 1}, 1, 1, bad)
    assert "amounts has 1 missing" in _reason(clv.summary_from_orders, ["A", "B"], ["2024-01-01"] * 2, [1.0, bad],
                                              "2024-02-01")
    assert "t has 1 missing" in _reason(clv.expected_purchases, {"r": 1, "alpha": 1, "a": 2, "b": 1}, bad, 1, 1, 2)


def test_pandas_inputs():
    assert "frequency has 1 missing" in _reason(clv.fit_bgnbd, pd.Series([1, None], dtype="Int64"), [0, 0], [1, 1])
    assert "frequency must be numbers." in _reason(clv.fit_bgnbd, pd.Series(["a", "b"]), [0, 0], [1, 1])
    assert "dates must be dates" in _reason(clv.summary_from_orders, ["A"], ["soon"], [1.0], "2024-02-01")


def test_missing_order_fields():
    assert "customer_ids has 1 missing" in _reason(clv.summary_from_orders, ["A", None], ["2024-01-01"] * 2,
                                                   [1.0, 2.0], "2024-02-01")
    assert "dates has 1 missing" in _reason(clv.summary_from_orders, ["A", "B"], ["2024-01-01", None], [1.0, 2.0],
                                            "2024-02-01")
    assert "No order lines on or before 2023-01-01" in _reason(clv.summary_from_orders, ["A"], ["2024-01-01"], [1.0],
                                                               "2023-01-01")
    assert "as_of must be a date" in _reason(clv.summary_from_orders, ["A"], ["2024-01-01"], [1.0], "soon")


def test_clv_error_is_a_value_error_and_one_sentence():
    reason = _reason(clv.fit_bgnbd, [0] * 10, [0] * 10, [5] * 10)
    assert issubclass(ClvError, ValueError)
    assert reason.endswith(".") and reason.count(". ") == 0


# ---------------------------------------------------------------- parameter validation messages

@pytest.mark.parametrize(("args", "message"), [
    (([0, 1], [0, 1, 2], [5, 5]), "frequency, recency and T must have the same length (got 2, 3 and 2)."),
    (([], [], []), "No customers were given."),
    (([0, -1], [0, 1], [5, 5]), "frequency must not be negative (1 value(s) are)."),
    (([0, 1.5], [0, 1], [5, 5]), "frequency must be whole numbers of repeat purchases (1 value(s) are not)."),
    (([0, 1], [0, -1], [5, 5]), "recency must not be negative (1 value(s) are)."),
    (([0, 1], [0, 6], [5, 5]), "recency must not exceed T (1 customer(s) bought last after their observation ended)."),
    (([0, 1], [3, 1], [5, 5]), "recency must be 0 for customers without a repeat purchase (1 are not)"),
    ((["a", 1], [0, 1], [5, 5]), "frequency must be numbers."),
    (([[0, 1]], [[0, 1]], [[5, 5]]), "frequency, recency and T must be one-dimensional."),
])
def test_validation_messages(args, message):
    assert message in _reason(clv.fit_bgnbd, *args)


def test_weight_validation():
    assert "weights must have one value per customer (got 1 for 2)" in _reason(
        clv.fit_bgnbd, [0, 1], [0, 1], [5, 5], weights=[1])
    assert "weights must not be negative" in _reason(clv.fit_bgnbd, [0, 1], [0, 1], [5, 5], weights=[1, -1])


def test_prediction_argument_validation(bgnbd):
    gg = {"p": 6.25, "q": 3.74, "v": 15.44}
    assert "The BG/NBD parameters need r, alpha, a and b (missing: alpha)" in _reason(
        clv.p_alive, {"r": 1, "a": 1, "b": 1}, 1, 1, 2)
    assert "must be positive numbers" in _reason(clv.p_alive, {**bgnbd, "r": -1}, 1, 1, 2)
    assert "q must exceed 1" in _reason(clv.expected_spend, {**gg, "q": 0.9}, 1, 10.0)
    assert "t must not be negative" in _reason(clv.expected_purchases, bgnbd, -1, 1, 1, 2)
    assert "must have the same length" in _reason(clv.p_alive, bgnbd, [1, 2], [1, 1, 1], 2)
    assert "horizon must be a non-negative number" in _reason(
        clv.customer_value, bgnbd, gg, 1, 1, 2, 10.0, horizon=-1, discount_rate=0.1, unit_per_year=52)
    assert "unit_per_year must be a positive number" in _reason(
        clv.customer_value, bgnbd, gg, 1, 1, 2, 10.0, horizon=52, discount_rate=0.1, unit_per_year=0)
    assert "unit must be one of D and W (got 'M')" in _reason(
        clv.summary_from_orders, ["A"], ["2024-01-01"], [1.0], "2024-02-01", unit="M")
    assert "customer_ids, dates and amounts must have the same length (got 2, 1 and 1)" in _reason(
        clv.summary_from_orders, ["A", "B"], ["2024-01-01"], [1.0], "2024-02-01")
