"""xlwings Lite: paste this file into the Lite editor (and requirements.txt into its requirements tab).

It exposes the same worksheet functions as the desktop add-in (=CUSTTIER(…),
=CUSTRFM(…) …) and the one-click run as a script: both call xlcustseg, so a
cell gives the same class as the command line and the ribbon.
"""

import xlwings as xw
from xlwings import func, script

from xlcustseg import main as segment_workbook
from xlcustseg.excel import udfs


@script(button="[segment]Sheet1!A1", show_taskpane=True)
def segment(book: xw.Book):
    """一键分层 / Segment: the table on the active sheet, its classes, the settings and summary sheets."""
    segment_workbook(book)


@func
def custtier(revenues, basis=None, cutoffs=None):
    """客户等级 A/B/C of each revenue (top 5% A, next 15% B, the rest C)."""
    return udfs.custtier(revenues, basis, cutoffs)


@func
def custrfm(recency_or_last_dates, frequencies, monetaries, as_of=None, bins=None):
    """RFM得分: the R, F and M scores as a code such as 545."""
    return udfs.custrfm(recency_or_last_dates, frequencies, monetaries, as_of, bins)


@func
def custrfmclass(recency_or_last_dates, frequencies, monetaries, map=None, lang=None, as_of=None):  # noqa: A002
    """RFM分群: the RFM class under the chosen map (rfm8, rfm4, rfm10)."""
    return udfs.custrfmclass(recency_or_last_dates, frequencies, monetaries, map, lang, as_of)


@func
def custlifecycle(first, last, orders, as_of=None, lang=None):
    """生命周期: 潜在/新/活跃/沉默/流失客户."""
    return udfs.custlifecycle(first, last, orders, as_of, lang)


@func
def custquadrant(values, needs, potentials=None, lang=None):
    """价值×需求象限 1–8."""
    return udfs.custquadrant(values, needs, potentials, lang)


@func
def custman(money, authority, need):
    """MAN 代码 (MAN, MaN … man)."""
    return udfs.custman(money, authority, need)


@func
def custgrade(stages):
    """跟进等级 S/A/B/C/D from the stage."""
    return udfs.custgrade(stages)


@func
def custnextcontact(grades, last_contacts):
    """下次回访日期: last contact + the grade's cadence."""
    return udfs.custnextcontact(grades, last_contacts)


@func
def custscore(components, weights):
    """价值评分 0–100."""
    return udfs.custscore(components, weights)


@func
def custnature(names, lang=None):
    """客户性质 from the name."""
    return udfs.custnature(names, lang)


@func
def custstrategy(classes, scheme=None, lang=None):
    """策略 of each class, from the strategy catalogue."""
    return udfs.custstrategy(classes, scheme, lang)


@func
def custcluster(ranges, k=None, lang=None):
    """聚类: self-describing K-means clusters on R, F, M."""
    return udfs.custcluster(ranges, k, lang)
