"""The layers a scenario is made of, and how they merge (written down once in ``allocator.scenario``).

A *layer* is one source of values (a scenario file, a parent it extends, the rule set, ``--set``) as plain
data, its paths already resolved against its own file. ``merge_layers`` deep-merges them in precedence
order and records which source set each value (for located problems) and the scenario's
:class:`Provenance`; ``allocator.schema.Scenario.from_layers`` validates the result. Nothing here knows
the schema, so the schema can derive new scenarios (``Scenario.with_overrides``) from these layers.
"""

from __future__ import annotations

import copy
import hashlib
import logging
import stat
from dataclasses import dataclass, field
from pathlib import Path

from allocator.errors import Problem, RuleSetError, ScenarioError
from allocator.paths import expand_vars, remember_written
from allocator.yamlio import MAX_BYTES, YamlData, YamlLimitError, parse_value, read_yaml

logger = logging.getLogger(__name__)

SET_SOURCE = "--set"
"""The source name of command-line (and ``with_overrides``) values."""
IN_MEMORY = "<in memory>"
"""The source name of a scenario built in code, as one layer."""
_RULE_SET_KEYS = {"name", "description", "rules"}

Overrides = dict[str, YamlData] | list[str]
"""Overrides of the highest precedence: ``["rules.floor.phi=0.98", ...]`` as on the command line (values
read as YAML), or a mapping of dotted keys to values."""


@dataclass(frozen=True)
class Layer:
    """One source of scenario values, with paths already resolved against its own file."""

    source: str
    data: dict[str, YamlData]


@dataclass(frozen=True)
class Provenance:
    """How a scenario was put together: the files, the overrides and what each override changed."""

    file: str | None
    chain: list[str] = field(default_factory=list)
    rule_set: str | None = None
    overrides: list[str] = field(default_factory=list)
    override_effects: list[str] = field(default_factory=list)
    file_hashes: dict[str, str] = field(default_factory=dict)
    layers: list[Layer] = field(default_factory=list, repr=False)

    def as_dict(self) -> dict[str, YamlData]:
        return {
            "file": self.file,
            "extends_chain": self.chain,
            "rule_set": self.rule_set,
            "overrides": self.overrides,
            "override_effects": self.override_effects,
            "file_sha256": self.file_hashes,
        }


@dataclass(frozen=True)
class Merged:
    """Layers merged into one scenario, before validation."""

    data: dict[str, YamlData]
    """The merged scenario as plain data."""
    origin: dict[str, str]
    """Which source (file or ``--set``) set each dotted path, for locating problems."""
    provenance: Provenance


def merge_layers(layers: list[Layer], extra: Layer | None, file: str | None) -> Merged:
    """Merge ``layers`` (lowest precedence first) and ``extra`` (``--set``) over the rule set they name.

    Raises:
        RuleSetError: the rule set cannot be read or is not a rule set.
    """
    all_layers = [*layers, *([extra] if extra else [])]
    # The rule set is named by the merged layers, but sits below all of them.
    probe: dict[str, YamlData] = {}
    for la in all_layers:
        probe = _merge(probe, la.data, {}, la.source)
    rule_set_layer = None
    if probe.get("rule_set"):
        rule_set_layer = _read_rule_set(Path(probe["rule_set"]))
    ordered = [*([rule_set_layer] if rule_set_layer else []), *all_layers]
    origin: dict[str, str] = {}
    merged: dict[str, YamlData] = {}
    effects: list[str] = []
    for la in ordered:
        if la.source == SET_SOURCE:
            effects.extend(_effects(merged, la.data))
        merged = _merge(merged, la.data, origin, la.source)
    for line in effects:
        logger.debug("override %s", line)
    hashes = {
        la.source: hashlib.sha256(Path(la.source).read_bytes()).hexdigest()
        for la in ordered
        if la.source not in (SET_SOURCE, IN_MEMORY)
    }
    provenance = Provenance(
        file=file,
        chain=[la.source for la in layers if la.source != IN_MEMORY],
        rule_set=rule_set_layer.source if rule_set_layer else None,
        overrides=_flatten(extra.data) if extra else [],
        override_effects=effects,
        file_hashes=hashes,
        layers=all_layers,
    )
    return Merged(merged, origin, provenance)


def override_layers(
    provenance: Provenance | None, current: dict[str, YamlData], overrides: Overrides
) -> tuple[list[Layer], Layer | None, str | None]:
    """The layers of a scenario with further ``--set``-style overrides (highest precedence): its own
    layers when it has them, else ``current`` (the scenario as plain data) as one; earlier ``--set``
    values and the new ones merged into one ``--set`` layer; and the scenario's file."""
    if provenance is None or not provenance.layers:
        base, file = [Layer(IN_MEMORY, current)], None
    else:
        base, file = [la for la in provenance.layers if la.source != SET_SOURCE], provenance.file
    previous = [la for la in (provenance.layers if provenance else []) if la.source == SET_SOURCE]
    new = override_layer(overrides)
    data: dict[str, YamlData] = {}
    for la in [*previous, *([new] if new else [])]:
        data = _overlay(data, la.data)
    return base, Layer(SET_SOURCE, data) if data else None, file


def override_layer(overrides: Overrides | None) -> Layer | None:
    """The ``--set`` layer of overrides given as ``KEY=VALUE`` texts or a mapping of dotted keys."""
    if not overrides:
        return None
    pairs: list[tuple[str, YamlData]] = []
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
    data = expand_dotted(dict(pairs), SET_SOURCE)
    return Layer(SET_SOURCE, resolve_paths(data, Path.cwd(), SET_SOURCE))


_RULE_SETS: dict[tuple[str, str], Layer] = {}
"""Rule sets already read, by (resolved path, SHA-256 of the file's bytes): a sweep derives thousands of
scenarios from one, and parsing the YAML again cost more than the warm re-solve. Keyed by content, not
modification time, which may not change between two quick writes."""


def _read_rule_set(path: Path) -> Layer:
    try:
        found = path.stat()
        plain = stat.S_ISREG(found.st_mode) and found.st_size <= MAX_BYTES  # never a device or a FIFO
        key = (str(path.resolve()), hashlib.sha256(path.read_bytes()).hexdigest()) if plain else None
    except OSError:
        key = None  # read_yaml says what is wrong with the file
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
    return Layer(str(path), expand_dotted({"rules": rules}, str(path)))


# --- merging ---------------------------------------------------------------------------------------


def _split(key: str | int) -> list[str | int]:
    if isinstance(key, str) and "." in key:
        parts = key.split(".")
        if all(parts):
            return [int(p) if p.isdigit() else p for p in parts]
    return [key]


def expand_dotted(data: YamlData, source: str) -> YamlData:
    """Turn dotted keys into nested mappings, recursively."""
    if isinstance(data, list):
        return [expand_dotted(v, source) for v in data]
    if not isinstance(data, dict):
        return data
    out: dict[str, YamlData] = {}
    for key, value in data.items():
        parts = _split(key)
        value = expand_dotted(value, source)
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


def _combine(a: dict[str, YamlData], b: dict[str, YamlData], source: str, key: str) -> dict[str, YamlData]:
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


def _overlay(a: dict[str, YamlData], b: dict[str, YamlData]) -> dict[str, YamlData]:
    """Two override layers as one: the later wins, and a ``null`` stays a deletion marker."""
    out = dict(a)
    for k, v in b.items():
        out[k] = _overlay(out[k], v) if isinstance(out.get(k), dict) and isinstance(v, dict) else v
    return out


def _merge(
    base: YamlData, patch: YamlData, origin: dict[str, str], source: str, prefix: str = ""
) -> YamlData:
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


def _record(origin: dict[str, str], prefix: str, value: YamlData, source: str) -> None:
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


def resolve_paths(data: dict[str, YamlData], base: Path, source: str) -> dict[str, YamlData]:
    """Resolve every path field of ``data`` against ``base`` (the folder of the file that names it)."""
    problems: list[Problem] = []

    def visit(node: YamlData, keys: tuple[str, ...], trail: str) -> None:
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


def error_for(problems: list[Problem]) -> ScenarioError:
    """The error for problems: a RuleSetError when they are all in a rule set file."""
    if problems and all(p.source.endswith((".yaml", ".yml")) and "rules" in p.source for p in problems):
        return RuleSetError(problems)
    return ScenarioError(problems)


def _flatten(data: YamlData, prefix: str = "") -> list[str]:
    if isinstance(data, dict) and data:
        out = []
        for k, v in data.items():
            out.extend(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    return [f"{prefix}={data}"]


def _effects(before: dict[str, YamlData], patch: dict[str, YamlData], prefix: str = "") -> list[str]:
    out = []
    for key, value in patch.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        old = before.get(key, "<unset>") if isinstance(before, dict) else "<unset>"
        if isinstance(value, dict) and isinstance(old, dict):
            out.extend(_effects(old, value, path))
        else:
            out.append(f"{path}: {old!r} -> {'<deleted>' if value is None else repr(value)}")
    return out
