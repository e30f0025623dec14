"""What each operation means on plain Python values: the reference every engine must match.

Missing values (None) follow SQL's rules: an operation on a missing value gives a missing
value, except `and` / `or` (three-valued logic), `is_null` and `coalesce`.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from neighbourhood.cohorts.dates import add_months, years_between

UNARY: dict[str, Callable[[Any], Any]] = {
    "not": lambda x: not x,
    "year": lambda x: x.year,
    "month": lambda x: x.month,
    "negate": lambda x: -x,
    "as_int": int,
    "as_float": float,
}

OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "eq": operator.eq,
    "ne": operator.ne,
    "lt": operator.lt,
    "le": operator.le,
    "gt": operator.gt,
    "ge": operator.ge,
    "add": operator.add,
    "sub": operator.sub,
    "mul": operator.mul,
}
"""Operations that mean the same on Python values and on Ibis expressions."""

BINARY: dict[str, Callable[[Any, Any], Any]] = OPERATORS | {
    "div": lambda a, b: a / b,
    "add_days": lambda d, n: d.fromordinal(d.toordinal() + n),
    "add_months": add_months,
    "days_between": lambda a, b: (b - a).days,
    "years_between": years_between,
}


def unary(op: str, x: Any) -> Any:
    if op == "is_null":
        return x is None
    if x is None:
        return None
    return UNARY[op](x)


def binary(op: str, a: Any, b: Any) -> Any:
    if op == "and":
        if a is False or b is False:
            return False
        return None if a is None or b is None else True
    if op == "or":
        if a is True or b is True:
            return True
        return None if a is None or b is None else False
    if op == "coalesce":
        return b if a is None else a
    if a is None or b is None:
        return None
    return BINARY[op](a, b)
