"""The expressions of ``geography.derived``: a small arithmetic language of our own, never Python.

A scenario is data, so a derived column is parsed by this grammar and computed with numpy; nothing in it
can call Python, reach an object's attributes or touch a file (``eval`` and pandas' Python engine could)::

    expression := term (("+" | "-") term)*
    term       := factor (("*" | "/") factor)*
    factor     := ("-" | "+") factor | primary
    primary    := number | column | function "(" expression ("," expression)* ")" | "(" expression ")"
    column     := a name (letters, digits, _; not starting with a digit) or any text in `backticks`
    number     := 12, 0.5, 1e6, 1_000

Functions: ``abs(x)``, ``sqrt(x)``, ``log(x)`` (natural), ``exp(x)``, ``min(x, y, ...)`` and
``max(x, y, ...)`` (area by area). Values that are not numbers count as missing; a result that is not a
finite number (a division by zero, the log of a negative) is missing for that area, and the scenario's
checks then report the areas lacking a value where the column is used.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

MAX_LENGTH = 1_000
"""The longest expression accepted, in characters."""
MAX_DEPTH = 50
"""The deepest nesting of parentheses, signs and function calls."""

FUNCTIONS: dict[str, tuple[Callable[..., Any], int, int | None]] = {
    "abs": (np.abs, 1, 1),
    "sqrt": (np.sqrt, 1, 1),
    "log": (np.log, 1, 1),
    "exp": (np.exp, 1, 1),
    "min": (lambda *xs: np.minimum.reduce(xs), 2, None),
    "max": (lambda *xs: np.maximum.reduce(xs), 2, None),
}
"""Name -> (numpy function, least and most arguments; None: any number)."""

_TOKEN = re.compile(
    r"\s*(?:(?P<number>(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)|`(?P<quoted>[^`]+)`|(?P<op>[-+*/(),]))"
)


class ExpressionError(ValueError):
    """An expression that cannot be read or computed; ``position`` counts characters from 1, and
    ``column`` is the unknown column when that is the fault."""

    def __init__(self, message: str, position: int, column: str | None = None):
        super().__init__(message)
        self.position = position
        self.column = column


@dataclass(frozen=True)
class _Token:
    kind: str  # number, name, quoted, op, end
    text: str
    position: int  # from 1


@dataclass(frozen=True)
class Expression:
    """A parsed expression: its text, the columns it reads and its syntax tree."""

    text: str
    columns: tuple[str, ...]
    tree: Any

    def evaluate(self, frame: pd.DataFrame) -> pd.Series:
        """One value per row of ``frame`` (NaN where it is not a finite number).

        Raises:
            ExpressionError: a column the frame lacks.
        """
        with np.errstate(all="ignore"):
            values = np.asarray(_evaluate(self.tree, frame), dtype=float)
        values = np.broadcast_to(values, (len(frame),)).copy()
        values[~np.isfinite(values)] = np.nan
        return pd.Series(values, index=frame.index)


def _tokens(text: str) -> list[_Token]:
    out, at = [], 0
    while at < len(text):
        if text[at:].strip() == "":
            break
        match = _TOKEN.match(text, at)
        if match is None:
            start = len(text) - len(text[at:].lstrip())
            raise ExpressionError(f"unexpected character {text[start]!r}", start + 1)
        kind = match.lastgroup or "op"
        out.append(_Token(kind, match.group(kind), match.start(kind) + 1))
        at = match.end()
    out.append(_Token("end", "", len(text) + 1))
    return out


class _Parser:
    def __init__(self, text: str):
        self.tokens = _tokens(text)
        self.at = 0
        self.depth = 0
        self.columns: dict[str, None] = {}

    def peek(self) -> _Token:
        return self.tokens[self.at]

    def take(self) -> _Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def expect(self, op: str) -> None:
        token = self.take()
        if token.text != op or token.kind != "op":
            found = f"'{token.text}'" if token.kind != "end" else "the end"
            raise ExpressionError(f"expected '{op}', found {found}", token.position)

    def chain(self, ops: str, operand: Callable[[], Any]) -> Any:
        """``a op b op c ...`` as one node ("chain", a, ((op, b), (op, c), ...)): long sums stay shallow."""
        first, rest = operand(), []
        while self.peek().kind == "op" and self.peek().text in ops:
            rest.append((self.take().text, operand()))
        return ("chain", first, tuple(rest)) if rest else first

    def expression(self) -> Any:
        return self.chain("+-", self.term)

    def term(self) -> Any:
        return self.chain("*/", self.factor)

    def factor(self) -> Any:
        token = self.peek()
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError(f"nests deeper than {MAX_DEPTH} levels", token.position)
        try:
            if token.kind == "op" and token.text in "+-":
                self.take()
                inner = self.factor()
                return ("neg", inner) if token.text == "-" else inner
            return self.primary()
        finally:
            self.depth -= 1

    def primary(self) -> Any:
        token = self.take()
        if token.kind == "number":
            return ("number", float(token.text.replace("_", "")))
        if token.kind == "name" and self.peek().text == "(" and self.peek().kind == "op":
            return self.call(token)
        if token.kind in ("name", "quoted"):
            self.columns.setdefault(token.text, None)
            return ("column", token.text, token.position)
        if token.kind == "op" and token.text == "(":
            node = self.expression()
            self.expect(")")
            return node
        found = f"'{token.text}'" if token.kind != "end" else "the end"
        raise ExpressionError(
            f"expected a number, a column, a function or '(', found {found}", token.position
        )

    def call(self, name: _Token) -> Any:
        if name.text not in FUNCTIONS:
            known = ", ".join(FUNCTIONS)
            raise ExpressionError(f"unknown function '{name.text}'; the functions are {known}", name.position)
        self.expect("(")
        args = [self.expression()]
        while self.peek().kind == "op" and self.peek().text == ",":
            self.take()
            args.append(self.expression())
        self.expect(")")
        _, least, most = FUNCTIONS[name.text]
        if len(args) < least or (most is not None and len(args) > most):
            wanted = f"{least}" if least == most else f"at least {least}"
            raise ExpressionError(
                f"{name.text}() takes {wanted} argument{'s' if wanted != '1' else ''}, got {len(args)}",
                name.position,
            )
        return ("call", name.text, tuple(args))


def parse(text: str) -> Expression:
    """Parse ``text`` by the grammar above.

    Raises:
        ExpressionError: the text is not an expression of the grammar (with the position of the fault).
    """
    if not isinstance(text, str) or not text.strip():
        raise ExpressionError("is empty; expected an expression such as (hle_male + hle_female) / 2", 1)
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"is longer than {MAX_LENGTH} characters", MAX_LENGTH + 1)
    parser = _Parser(text)
    tree = parser.expression()
    token = parser.peek()
    if token.kind != "end":
        raise ExpressionError(f"unexpected '{token.text}' after a complete expression", token.position)
    return Expression(text, tuple(parser.columns), tree)


def columns_in(text: str) -> list[str]:
    """The columns an expression reads, in order of appearance (none when it cannot be parsed)."""
    try:
        return list(parse(text).columns)
    except ExpressionError:
        return []


def _column(frame: pd.DataFrame, name: str, position: int) -> np.ndarray:
    if name not in frame.columns:
        raise ExpressionError(f"no area attribute '{name}'", position, column=name)
    return pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float)


def _evaluate(node: Any, frame: pd.DataFrame) -> Any:
    kind = node[0]
    if kind == "number":
        return node[1]
    if kind == "column":
        return _column(frame, node[1], node[2])
    if kind == "neg":
        return -_evaluate(node[1], frame)
    if kind == "call":
        function = FUNCTIONS[node[1]][0]
        args = [np.broadcast_to(_evaluate(a, frame), (len(frame),)) for a in node[2]]
        return function(*args)
    value = _evaluate(node[1], frame)
    for op, operand in node[2]:
        value = _OPERATORS[op](value, _evaluate(operand, frame))
    return value


_OPERATORS = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide}
