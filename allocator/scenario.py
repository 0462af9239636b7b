"""Load a scenario: read YAML, resolve ``extends`` and the rule set, apply overrides, validate.

Precedence, lowest first (written down once, here and in docs/scenario-format.md):

1. package defaults (the defaults of the schema in ``allocator.schema``);
2. the rule set named by ``rule_set:`` (only its ``rules:``);
3. the ``extends`` chain, the furthest ancestor first;
4. the scenario file itself;
5. ``--set KEY=VALUE`` on the command line, or ``Scenario.with_overrides`` in Python.

Merging: mappings merge key by key, recursively; lists are replaced whole; a ``null`` value deletes the
inherited entry; a dotted key (``rules.floor.phi: 0.98``) means the same as the nested mapping (a key
such as ``"2027.."`` is a year range, not a dotted key). Paths are relative to the file that names them,
and ``${VAR}`` or ``${VAR:-default}`` in a path is replaced by the environment variable (messages show
the path as written, never the variable's value: ``allocator.paths``).

Every problem in a file is collected and reported together, each with the file that set the value,
the dotted field path, what was wrong and what is expected.
"""

from __future__ import annotations

import copy
import hashlib
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from allocator.errors import Problem, RuleSetError, ScenarioError
from allocator.paths import expand_vars, readable_problem, remember_written
from allocator.scenario_checks import check_references, describe_validation_error
from allocator.schema import Scenario
from allocator.yamlio import YAML_SUFFIXES, YamlLimitError, parse_value, read_yaml

logger = logging.getLogger(__name__)

SET_SOURCE = "--set"
_RULE_SET_KEYS = {"name", "description", "rules"}


@dataclass
class Layer:
    """One source of scenario values, with paths already resolved against its own file."""

    source: str
    data: dict[str, Any]


@dataclass
class Provenance:
    """How a scenario was put together: the files, the overrides and what each override changed."""

    file: str | None
    chain: list[str] = field(default_factory=list)
    rule_set: str | None = None
    overrides: list[str] = field(default_factory=list)
    override_effects: list[str] = field(default_factory=list)
    file_hashes: dict[str, str] = field(default_factory=dict)
    layers: list[Layer] = field(default_factory=list, repr=False)

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "extends_chain": self.chain,
            "rule_set": self.rule_set,
            "overrides": self.overrides,
            "override_effects": self.override_effects,
            "file_sha256": self.file_hashes,
        }


# --- public API ------------------------------------------------------------------------------------


def load_scenario(path: str | Path, overrides: list[str] | dict[str, Any] | None = None) -> Scenario:
    """Read a scenario file, resolve inheritance and overrides, and validate it.

    Args:
        path: the scenario YAML file.
        overrides: ``["rules.floor.phi=0.98", ...]`` as on the command line, or a mapping of dotted keys.

    Raises:
        ScenarioError: listing every problem found, each with its file and field.
    """
    path = Path(path)
    chain = _read_chain(path)
    return _build(chain, _override_layer(overrides), file=str(path))


def scenario_from_layers(layers: list[Layer], extra: Layer | None, file: str | None) -> Scenario:
    """Validate a scenario from already-read layers plus one more override layer."""
    return _build(layers, extra, file=file)


def with_overrides(scenario: Scenario, overrides: list[str] | dict[str, Any]) -> Scenario:
    """A new scenario: this one with further ``--set``-style overrides (highest precedence)."""
    prov = scenario.provenance
    if prov is None or not prov.layers:
        base = [Layer("<in memory>", scenario.model_dump(mode="json", exclude_none=True))]
        file = None
    else:
        base, file = [la for la in prov.layers if la.source != SET_SOURCE], prov.file
    previous = [la for la in (prov.layers if prov else []) if la.source == SET_SOURCE]
    new = _override_layer(overrides)
    merged_sets = Layer(SET_SOURCE, {})
    for la in [*previous, *([new] if new else [])]:
        merged_sets.data = _overlay(merged_sets.data, la.data)
    return _build(base, merged_sets if merged_sets.data else None, file=file)


# --- reading files ---------------------------------------------------------------------------------


def _read_chain(path: Path) -> list[Layer]:
    """The layers of a file and its ``extends`` ancestors, furthest ancestor first."""
    layers: list[Layer] = []
    seen: list[Path] = []
    current: Path | None = path
    while current is not None:
        resolved = current.resolve()
        if resolved in seen:
            names = " -> ".join(str(p) for p in [*seen, resolved])
            raise ScenarioError([Problem(str(path), "extends", f"extends forms a cycle: {names}")])
        seen.append(resolved)
        raw = read_yaml(current)
        if raw is None:
            raw = {}
        if not isinstance(raw, dict):
            raise ScenarioError([Problem(str(current), "", "a scenario file must be a mapping of fields")])
        data = _resolve_paths(_expand_dotted(raw, str(current)), current.parent, str(current))
        parent = data.pop("extends", None)
        layers.append(Layer(str(current), data))
        if parent is not None and not isinstance(parent, (str, Path)):
            raise ScenarioError([Problem(str(current), "extends", "expected the path of a parent scenario")])
        problem = readable_problem(Path(parent), YAML_SUFFIXES, "a YAML file") if parent is not None else None
        if problem:
            why = "not found" if not Path(parent).exists() else problem
            raise ScenarioError([Problem(str(current), "extends", f"parent scenario {parent} {why}")])
        current = Path(parent) if parent is not None else None
    return list(reversed(layers))


_RULE_SETS: dict[tuple[str, int, int], Layer] = {}
"""Rule sets already read, by (resolved path, modification time, size): a sweep derives thousands of
scenarios from one, and reading the YAML again cost more than the warm re-solve."""


def _read_rule_set(path: Path) -> Layer:
    try:
        stat = path.stat()
        key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    except OSError:
        key = None
    if key is not None and key in _RULE_SETS:
        return copy.deepcopy(_RULE_SETS[key])
    layer = _read_rule_set_file(path)
    if key is not None:
        if len(_RULE_SETS) > 64:
            _RULE_SETS.clear()
        _RULE_SETS[key] = copy.deepcopy(layer)
    return layer


def _read_rule_set_file(path: Path) -> Layer:
    raw = read_yaml(path, error=RuleSetError)
    if not isinstance(raw, dict):
        raise RuleSetError([Problem(str(path), "", "a rule set must be a mapping with a 'rules:' section")])
    unknown = sorted(set(raw) - _RULE_SET_KEYS)
    if unknown:
        raise RuleSetError(
            [
                Problem(str(path), k, "unknown field; a rule set has only name, description, rules")
                for k in unknown
            ]
        )
    rules = raw.get("rules") or {}
    if not isinstance(rules, dict):
        raise RuleSetError([Problem(str(path), "rules", "expected a mapping of rule id -> rule")])
    return Layer(str(path), _expand_dotted({"rules": rules}, str(path)))


def _override_layer(overrides: list[str] | dict[str, Any] | None) -> Layer | None:
    if not overrides:
        return None
    pairs: list[tuple[str, Any]] = []
    if isinstance(overrides, dict):
        pairs = list(overrides.items())
    else:
        for item in overrides:
            key, sep, value = item.partition("=")
            if not sep or not key.strip():
                raise ScenarioError(
                    [Problem(SET_SOURCE, item, "expected KEY=VALUE, e.g. rules.floor.phi=0.98")]
                )
            try:
                pairs.append((key.strip(), parse_value(value)))
            except YamlLimitError as exc:
                raise ScenarioError([Problem(SET_SOURCE, key.strip(), f"the value {exc}")]) from None
    seen: set[str] = set()
    problems = [
        Problem(SET_SOURCE, k, "set twice; give each key once") for k, _ in pairs if k in seen or seen.add(k)
    ]
    if problems:
        raise ScenarioError(problems)
    data = _expand_dotted(dict(pairs), SET_SOURCE)
    return Layer(SET_SOURCE, _resolve_paths(data, Path.cwd(), SET_SOURCE))


# --- merging ---------------------------------------------------------------------------------------


def _split(key: Any) -> list[Any]:
    if isinstance(key, str) and "." in key:
        parts = key.split(".")
        if all(parts):
            return [int(p) if p.isdigit() else p for p in parts]
    return [key]


def _expand_dotted(data: Any, source: str) -> Any:
    """Turn dotted keys into nested mappings, recursively."""
    if isinstance(data, list):
        return [_expand_dotted(v, source) for v in data]
    if not isinstance(data, dict):
        return data
    out: dict[Any, Any] = {}
    for key, value in data.items():
        parts = _split(key)
        value = _expand_dotted(value, source)
        for part in reversed(parts[1:]):
            value = {part: value}
        head = parts[0]
        if head in out and isinstance(out[head], dict) and isinstance(value, dict):
            out[head] = _combine(out[head], value, source, str(key))
        elif head in out:
            raise ScenarioError([Problem(source, str(key), "given twice (once as a dotted key)")])
        else:
            out[head] = value
    return out


def _combine(a: dict[Any, Any], b: dict[Any, Any], source: str, key: str) -> dict[Any, Any]:
    """Join two patches of the same layer (dotted and nested keys); a ``null`` stays a deletion marker."""
    out = dict(a)
    for k, v in b.items():
        if k in out and isinstance(out[k], dict) and isinstance(v, dict):
            out[k] = _combine(out[k], v, source, key)
        elif k in out:
            raise ScenarioError([Problem(source, key, "given twice (once as a dotted key)")])
        else:
            out[k] = v
    return out


def _overlay(a: dict[Any, Any], b: dict[Any, Any]) -> dict[Any, Any]:
    """Two override layers as one: the later wins, and a ``null`` stays a deletion marker."""
    out = dict(a)
    for k, v in b.items():
        out[k] = _overlay(out[k], v) if isinstance(out.get(k), dict) and isinstance(v, dict) else v
    return out


def _merge(base: Any, patch: Any, origin: dict[str, str], source: str, prefix: str = "") -> Any:
    """Deep-merge ``patch`` into a copy of ``base``; record in ``origin`` which source set each path."""
    if not isinstance(base, dict) or not isinstance(patch, dict):
        _record(origin, prefix, patch, source)
        return copy.deepcopy(patch)
    out = dict(base)
    for key, value in patch.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if value is None:
            out.pop(key, None)
            origin[path] = source
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            origin.setdefault(path, source)
            out[key] = _merge(out[key], value, origin, source, path)
        else:
            out[key] = copy.deepcopy(value)
            _record(origin, path, value, source)
    return out


def _record(origin: dict[str, str], prefix: str, value: Any, source: str) -> None:
    origin[prefix] = source
    if isinstance(value, dict):
        for k, v in value.items():
            _record(origin, f"{prefix}.{k}", v, source)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _record(origin, f"{prefix}.{i}", v, source)


# --- paths -----------------------------------------------------------------------------------------

_PATH_FIELDS = [
    ("extends",),
    ("rule_set",),
    ("geography", "boundaries"),
    ("geography", "lookup", "path"),
    ("geography", "indicators", "*", "path"),
    ("geography", "baseline", "path"),
    ("geography", "own_resources", "path"),
    ("geography", "parents", "*", "boundaries"),
]


def _resolve_paths(data: dict[str, Any], base: Path, source: str) -> dict[str, Any]:
    problems: list[Problem] = []

    def visit(node: Any, keys: tuple[str, ...], trail: str) -> None:
        if not keys or not isinstance(node, (dict, list)):
            return
        head, rest = keys[0], keys[1:]
        if head == "*":
            items = node.items() if isinstance(node, dict) else enumerate(node)
            for k, child in list(items):
                visit(child, rest, f"{trail}.{k}")
            return
        if not isinstance(node, dict) or head not in node or node[head] is None:
            return
        where = f"{trail}.{head}" if trail else head
        if rest:
            visit(node[head], rest, where)
            return
        value = node[head]
        if not isinstance(value, (str, Path)):
            return
        try:
            expanded = expand_vars(str(value))
        except KeyError as exc:
            problems.append(
                Problem(
                    source, where, f"environment variable {exc.args[0]} is not set (write ${{VAR:-default}})"
                )
            )
            return
        p = Path(expanded).expanduser()
        node[head] = str(p if p.is_absolute() else (base / p).resolve())
        remember_written(node[head], str(value))

    for keys in _PATH_FIELDS:
        visit(data, keys, "")
    if problems:
        raise ScenarioError(problems)
    return data


# --- validation ------------------------------------------------------------------------------------


def _build(layers: list[Layer], extra: Layer | None, file: str | None) -> Scenario:
    all_layers = [*layers, *([extra] if extra else [])]
    # The rule set is named by the merged layers, but sits below all of them.
    probe: dict[str, Any] = {}
    for la in all_layers:
        probe = _merge(probe, la.data, {}, la.source)
    rule_set_layer = None
    if probe.get("rule_set"):
        rule_set_layer = _read_rule_set(Path(probe["rule_set"]))
    ordered = [*([rule_set_layer] if rule_set_layer else []), *all_layers]
    origin: dict[str, str] = {}
    merged: dict[str, Any] = {}
    effects: list[str] = []
    for la in ordered:
        if la.source == SET_SOURCE:
            effects.extend(_effects(merged, la.data))
        merged = _merge(merged, la.data, origin, la.source)
    for line in effects:
        logger.debug("override %s", line)

    try:
        scenario = Scenario.model_validate(merged)
    except ValidationError as exc:
        problems = describe_validation_error(exc, merged, origin, file or "<scenario>")
        raise _error_for(problems) from None
    problems = check_references(scenario, origin, file or "<scenario>")
    if problems:
        raise _error_for(problems)

    hashes = {}
    for la in ordered:
        if la.source not in (SET_SOURCE, "<in memory>"):
            hashes[la.source] = hashlib.sha256(Path(la.source).read_bytes()).hexdigest()
    scenario._provenance = Provenance(
        file=file,
        chain=[la.source for la in layers if la.source != "<in memory>"],
        rule_set=rule_set_layer.source if rule_set_layer else None,
        overrides=_flatten(extra.data) if extra else [],
        override_effects=effects,
        file_hashes=hashes,
        layers=all_layers,
    )
    return scenario


def _error_for(problems: list[Problem]) -> ScenarioError:
    if problems and all(p.source.endswith((".yaml", ".yml")) and "rules" in p.source for p in problems):
        return RuleSetError(problems)
    return ScenarioError(problems)


def _flatten(data: Any, prefix: str = "") -> list[str]:
    if isinstance(data, dict) and data:
        out = []
        for k, v in data.items():
            out.extend(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    return [f"{prefix}={data}"]


def _effects(before: dict[str, Any], patch: dict[str, Any], prefix: str = "") -> list[str]:
    out = []
    for key, value in patch.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        old = before.get(key, "<unset>") if isinstance(before, dict) else "<unset>"
        if isinstance(value, dict) and isinstance(old, dict):
            out.extend(_effects(old, value, path))
        else:
            out.append(f"{path}: {old!r} -> {'<deleted>' if value is None else repr(value)}")
    return out
