"""Reading the expressions of a definition file: the query language's own Python syntax,
parsed with `ast` and evaluated node by node against a fixed set of names. Nothing is passed
to `eval`; only calls, attribute look-ups on query objects, operators and literals exist.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping
from typing import Any

from neighbourhood.cohorts.language import FrameExpr, SeriesExpr

BINARY: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.BitAnd: operator.and_,
    ast.BitOr: operator.or_,
}
UNARY: dict[type, Callable[[Any], Any]] = {ast.Invert: operator.invert, ast.USub: operator.neg}
COMPARE: dict[type, Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}


class ExpressionError(ValueError):
    """An expression that is not allowed or does not make a valid query."""


class Namespace:
    """Names reached with a dot: `efi.category` for a variable of an included definition."""

    def __init__(self, label: str, names: Mapping[str, Any]) -> None:
        self.label = label
        self.names = dict(names)

    def get(self, name: str) -> Any:
        if name not in self.names:
            known = ", ".join(sorted(self.names))
            raise ExpressionError(f"{self.label} has no {name!r}; it has: {known}")
        return self.names[name]


def evaluate(text: str, names: Mapping[str, Any]) -> Any:
    try:
        tree = ast.parse(" ".join(text.split()), mode="eval")
    except SyntaxError as error:
        message = f"not a valid expression: {error.msg} at column {error.offset}"
        raise ExpressionError(message) from None
    return _evaluate(tree.body, names)


def _evaluate(node: ast.AST, names: Mapping[str, Any]) -> Any:
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float | str | bool):
        return node.value
    if isinstance(node, ast.Constant) and node.value is None:
        return None
    if isinstance(node, ast.Name):
        if node.id not in names:
            raise ExpressionError(f"unknown name {node.id!r}")
        return names[node.id]
    if isinstance(node, ast.Attribute):
        owner = _evaluate(node.value, names)
        if node.attr.startswith("_"):
            raise ExpressionError(f"{node.attr!r} is private")
        if isinstance(owner, Namespace):
            return owner.get(node.attr)
        if not isinstance(owner, SeriesExpr | FrameExpr):
            raise ExpressionError(f"cannot look up {node.attr!r} on {type(owner).__name__}")
        try:
            return getattr(owner, node.attr)
        except AttributeError as error:
            raise ExpressionError(f"no {node.attr!r} here ({error})") from error
    if isinstance(node, ast.Call):
        function = _evaluate(node.func, names)
        if not callable(function):
            raise ExpressionError(f"{ast.unparse(node.func)} cannot be called")
        args = [_evaluate(a, names) for a in node.args]
        kwargs = {k.arg: _evaluate(k.value, names) for k in node.keywords if k.arg}
        if len(kwargs) != len(node.keywords):
            raise ExpressionError("**keywords are not allowed")
        return function(*args, **kwargs)
    if isinstance(node, ast.BinOp) and type(node.op) in BINARY:
        left, right = _evaluate(node.left, names), _evaluate(node.right, names)
        return BINARY[type(node.op)](left, right)
    if isinstance(node, ast.UnaryOp) and type(node.op) in UNARY:
        return UNARY[type(node.op)](_evaluate(node.operand, names))
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in COMPARE:
        left, right = _evaluate(node.left, names), _evaluate(node.comparators[0], names)
        return COMPARE[type(node.ops[0])](left, right)
    if isinstance(node, ast.List | ast.Tuple):
        return [_evaluate(item, names) for item in node.elts]
    if isinstance(node, ast.BoolOp | ast.Compare):
        raise ExpressionError("use & and | (with brackets), and one comparison at a time")
    raise ExpressionError(f"{type(node).__name__} is not allowed in a definition")
