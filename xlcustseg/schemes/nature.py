"""8. Customer nature (客户性质) from the name and an optional kind column."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

ORDER = ("government", "nonprofit", "channel", "enterprise")
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
_COMPOUND = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "令狐", "慕容", "尉迟", "公孙")
_PERSON_ZH = rf"^(?:[{_SURNAMES}][\u4e00-\u9fff]{{1,2}}|(?:{'|'.join(_COMPOUND)})[\u4e00-\u9fff]{{1,2}})$"
_PERSON_EN = r"^[a-z][a-z'.-]+(?: [a-z][a-z'.-]+){1,2}$"
_KIND_WORDS = {"个人": "consumer", "individual": "consumer", "personal": "consumer", "consumer": "consumer",
               "事业单位": "nonprofit", "非营利": "nonprofit", "政府": "government", "企业": "enterprise",
               "渠道": "channel", "经销商": "channel"}


def _pattern(keywords: Sequence[str]) -> str:
    parts = []
    for word in keywords:
        escaped = re.escape(word.lower())
        parts.append(rf"(?<![a-z]){escaped}(?![a-z])" if word.isascii() else escaped)
    return "|".join(parts) or r"(?!x)x"


def customer_nature(names: pd.Series, keywords: Mapping[str, Sequence[str]], *,
                    consumer_suffixes: Sequence[str], kinds: pd.Series | None = None) -> pd.Series:
    """government / nonprofit / channel / enterprise / consumer / unknown; NA without a name.

    The kind column (if given and recognised) wins; then the name's keywords in
    priority order; then a personal name (a Chinese name of 2–3 characters with
    a common surname, a two- or three-word Latin name, or a name of at most four
    characters besides one of the consumer suffixes, e.g. 先生/女士/小姐).
    """
    text = names.astype(object).where(names.notna()).astype(str).str.strip().str.lower()
    conditions = [text.str.contains(_pattern(keywords.get(k, ())), regex=True) for k in ORDER]
    bare = text.str.replace(_pattern(consumer_suffixes), "", regex=True).str.strip()
    person = (bare.str.match(_PERSON_ZH) | bare.str.match(_PERSON_EN)
              | (text.str.contains(_pattern(consumer_suffixes)) & bare.str.len().between(1, 4)))
    result = pd.Series(np.select([c.to_numpy(dtype=bool) for c in [*conditions, person]],
                                 [*ORDER, "consumer"], default="unknown"),
                       index=names.index, dtype=object)
    if kinds is not None:
        kind_text = kinds.astype(object).fillna("").astype(str).str.strip().str.lower()
        by_kind = kind_text.map(lambda v: next((c for w, c in _KIND_WORDS.items() if w in v), None))
        result = by_kind.where(by_kind.notna(), result)
    return result.where(names.notna() | (kinds.notna() if kinds is not None else False))
