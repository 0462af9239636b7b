"""Turn schema errors into located problems, and check what the schema alone cannot (cross-references).

Each problem names the file that set the offending value (the scenario, a parent it extends, the rule set,
or ``--set``), the dotted field path, what was wrong and what is expected.
"""

from __future__ import annotations

import difflib
import types
import typing
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from allocator.errors import Problem
from allocator.rules import SPECS, make_rule
from allocator.safe_text import excerpt
from allocator.schema_geography import IllustrativeBaseline
from allocator.selectors import Dated, expand, year_key_problems, years_covered
from allocator.yamlio import YamlData

if TYPE_CHECKING:
    from allocator.schema import Scenario

_TYPE_WORDS = {
    "float_parsing": "expected a number",
    "float_type": "expected a number",
    "int_parsing": "expected a whole number",
    "int_type": "expected a whole number",
    "int_from_float": "expected a whole number",
    "bool_parsing": "expected true or false",
    "bool_type": "expected true or false",
    "string_type": "expected text",
    "dict_type": "expected a mapping",
    "list_type": "expected a list",
    "missing": "is required but missing",
    "finite_number": "expected a finite number, not NaN or infinity",
}
_WRONG_TYPE = {k for k in _TYPE_WORDS if k.endswith(("_type", "_parsing")) or k == "int_from_float"}
"""Errors of a union branch the value does not fit (a number where the branch wants a mapping): noise when
another branch took the value and found a real problem in it."""


def source_of(path: str, origin: dict[str, str], default: str) -> str:
    """The file that set ``path`` (or its nearest parent that has a recorded source)."""
    parts = path.split(".") if path else []
    while parts:
        key = ".".join(parts)
        if key in origin:
            return origin[key]
        parts.pop()
    return default


def _clean_loc(loc: tuple[str | int, ...], data: YamlData, kind: str) -> tuple[list[str], bool]:
    """Drop union branch tags from a pydantic location by walking the raw data alongside it."""
    out: list[str] = []
    node = data
    for i, element in enumerate(loc):
        last = i == len(loc) - 1
        if isinstance(node, dict) and element in node:
            node = node[element]
            out.append(str(element))
        elif isinstance(node, dict) and str(element) in {str(k) for k in node}:
            node = next(v for k, v in node.items() if str(k) == str(element))
            out.append(str(element))
        elif isinstance(node, list) and isinstance(element, int) and element < len(node):
            node = node[element]
            out.append(str(element))
        elif last and kind in ("missing", "extra_forbidden"):
            out.append(str(element))
        else:
            # a union branch name such as 'float' or 'floor' (the rule kind tag) or a function validator
            if last:
                return out, True
    return out, False


def _model_at(path: list[str], data: YamlData, root: type[BaseModel]) -> type[BaseModel] | None:
    """The pydantic model that holds the field at ``path`` of ``root`` (for suggesting known field names)."""
    model: Any = root
    node = data
    for element in path[:-1]:
        node = node.get(element) if isinstance(node, dict) else None
        if isinstance(model, type) and issubclass(model, BaseModel):
            info = model.model_fields.get(element)
            if info is None:
                return None
            model = info.annotation
        elif model == "rule":
            model = SPECS.get(node.get("kind")) if isinstance(node, dict) else None
            continue
        model = _unwrap(model, element)
    if model == "rule":
        model = SPECS.get(node.get("kind")) if isinstance(node, dict) else None
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _unwrap(annotation: Any, element: str) -> Any:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return _unwrap(args[0], element)
    if origin in (typing.Union, types.UnionType):
        models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
        if any(issubclass(m, tuple(SPECS.values())) for m in models):
            return "rule"
        if len(models) == 1:
            return models[0]
        dicts = [a for a in args if typing.get_origin(a) is dict]
        return _unwrap(dicts[0], element) if dicts else (models[0] if models else None)
    if origin is dict:
        value = args[1]
        if typing.get_origin(value) is typing.Annotated:
            return "rule"
        return value
    if origin is list:
        return args[0]
    return annotation


def describe_validation_error(
    exc: ValidationError,
    data: dict[str, YamlData],
    origin: dict[str, str],
    default: str,
    model: type[BaseModel],
) -> list[Problem]:
    """Located, plain-English problems (one per field) from the ValidationError of ``model`` validating
    ``data``; each names the source that set the value (``origin``, else ``default``)."""
    found = []
    for err in exc.errors(include_url=False):
        loc, _ = _clean_loc(tuple(err["loc"]), data, err["type"])
        found.append((".".join(loc), err["type"], _message(err, loc, data, model)))
    real = [path for path, kind, _ in found if kind not in _WRONG_TYPE]
    grouped: dict[str, list[str]] = {}
    for path, kind, message in found:
        if kind in _WRONG_TYPE and any(r == path or r.startswith(f"{path}.") for r in real):
            continue
        if message not in grouped.setdefault(path, []):
            grouped[path].append(message)
    problems = []
    for path, messages in grouped.items():
        if len(messages) > 1 and all(m.startswith("expected") for m in messages):
            words = [m.split(" (got")[0].removeprefix("expected ") for m in messages]
            text = "expected " + " or ".join(words) + _got(messages[0])
        else:
            text = "; ".join(messages)
        problems.append(Problem(source_of(path, origin, default), path, text))
    return problems


def _got(message: str) -> str:
    return message[message.index(" (got") :] if " (got" in message else ""


def _message(err: ErrorDetails, loc: list[str], data: dict[str, YamlData], root: type[BaseModel]) -> str:
    kind = err["type"]
    value = err.get("input")
    if kind == "extra_forbidden":
        model = _model_at(loc, data, root)
        known = sorted(model.model_fields) if model else []
        close = difflib.get_close_matches(loc[-1], known, n=1)
        hint = f"; did you mean '{close[0]}'" if close else ""
        allowed = (
            f"{'?' if close else '.'} Known fields: {', '.join(known)}" if known else ("?" if close else "")
        )
        return f"unknown field '{loc[-1]}'{hint}{allowed}"
    if kind == "union_tag_not_found":
        return f"a rule needs a 'kind': one of {', '.join(sorted(SPECS))}"
    if kind == "union_tag_invalid":
        tag = err.get("ctx", {}).get("tag", value)
        close = difflib.get_close_matches(str(tag), list(SPECS), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        return f"unknown rule kind '{tag}'{hint} Expected one of: {', '.join(sorted(SPECS))}"
    if kind == "literal_error":
        return f"got {excerpt(repr(value))}; expected {err.get('ctx', {}).get('expected', 'one of the allowed values')}"
    if kind in _TYPE_WORDS:
        got = "" if kind == "missing" else f" (got {excerpt(repr(value))})"
        return _TYPE_WORDS[kind] + got
    text = err["msg"].removeprefix("Value error, ")
    if kind.startswith(("greater", "less")) or kind in ("too_short", "too_long"):
        return f"{text[0].lower()}{text[1:]} (got {excerpt(repr(value))})"
    return text[0].lower() + text[1:]


def check_references(scenario: Scenario, origin: dict[str, str], default: str) -> list[Problem]:
    """Cross-field checks: names that must refer to something, years that must be in range."""
    out: list[Problem] = []
    years = scenario.years

    def add(path: str, message: str) -> None:
        out.append(Problem(source_of(path, origin, default), path, message))

    def dated(path: str, value: Dated | None) -> None:
        for message in year_key_problems(value, years):
            add(path, message)

    def covers_all(path: str, value: Dated) -> None:
        missing = [y for y in years if y not in expand(value, years)]
        if missing:
            add(path, f"no value for year(s) {missing}; give every year or an open range like '{years[0]}..'")

    dated("inflation", scenario.inflation)
    for name, stream in scenario.streams.items():
        if stream.budget not in scenario.envelopes:
            add(f"streams.{name}.budget", f"the {stream.budget} budget has no entry under envelopes; add one")
    for budget, value in scenario.envelopes.items():
        dated(f"envelopes.{budget}", value)
        covers_all(f"envelopes.{budget}", value)
    for name, stream in scenario.streams.items():
        for mission in stream.effects:
            if mission not in scenario.missions:
                add(
                    f"streams.{name}.effects.{mission}",
                    f"unknown mission; missions are {sorted(scenario.missions)}",
                )
        if stream.zmax_gbp_per_head <= 0:
            add(f"streams.{name}.zmax_gbp_per_head", "must be positive")
    if isinstance(scenario.geography.baseline, IllustrativeBaseline):
        shares = {n: s.baseline_share for n, s in scenario.streams.items()}
        if any(v is None for v in shares.values()):
            missing = sorted(n for n, v in shares.items() if v is None)
            add(
                "streams",
                f"an illustrative baseline needs baseline_share on every stream; missing on {missing}",
            )
        elif abs(sum(shares.values()) - 1.0) > 1e-6:
            add(
                "streams",
                f"baseline_share must sum to 1 across streams (they sum to {sum(shares.values()):.4f})",
            )
    for rule_id, rule in scenario.rules.items():
        base = f"rules.{rule_id}"
        if isinstance(rule.years, list):
            bad = [y for y in rule.years if y not in years]
            if bad:
                add(f"{base}.years", f"year(s) {bad} outside the scenario's years [{years[0]}..{years[-1]}]")
        elif isinstance(rule.years, (str, int)):
            try:
                if not years_covered(rule.years, years):
                    add(f"{base}.years", f"{rule.years!r} covers none of the scenario's years")
            except ValueError as exc:
                add(f"{base}.years", str(exc))
        try:
            covered = years_covered(rule.years, years)
        except ValueError:
            covered = []
        for field_name in type(rule).model_fields:
            value = getattr(rule, field_name)
            if isinstance(value, dict) and field_name not in ("areas",):
                dated(f"{base}.{field_name}", value)
                if not year_key_problems(value, years):
                    missing = [y for y in covered if y not in expand(value, years)]
                    if missing:
                        add(
                            f"{base}.{field_name}",
                            f"no value for year(s) {missing} that the rule covers; give them, an open range "
                            f"like '{years[0]}..', or limit the rule's years",
                        )
        for field_name, message in make_rule(rule_id, rule).check_inputs(scenario):  # the kind's own checks
            add(f"{base}.{field_name}", message)
    return out
