"""Plain JSON values from what pandas, numpy and DuckDB hand back (pure: no I/O)."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pandas as pd


def plain_value(value: Any) -> Any:
    """``value`` as plain JSON-able Python, containers converted all the way down.

    numpy scalars become Python numbers, arrays, Series, Index, lists and tuples become lists,
    dicts get string keys, timestamps ISO 8601 text; NaN, infinities, NA and NaT become None
    (strict JSON has no value for them).
    """
    if isinstance(value, dict):
        return {str(key): plain_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple | np.ndarray | pd.Series | pd.Index):
        return [plain_value(item) for item in value]
    if value is None or value is pd.NA or value is pd.NaT:  # NaT is a datetime: check first
        return None
    if isinstance(value, pd.Timestamp | dt.datetime):
        return value.isoformat()
    if isinstance(value, np.generic):
        value = value.item()
    return None if isinstance(value, float) and not math.isfinite(value) else value
