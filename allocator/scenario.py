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

This module reads the files (a scenario and its ``extends`` chain); ``allocator.scenario_layers`` merges
the layers and ``allocator.schema.Scenario.from_layers`` validates them, so a scenario can derive new
ones (``Scenario.with_overrides``) without reading this module.
"""

from __future__ import annotations

from pathlib import Path

from allocator.errors import Problem, ScenarioError
from allocator.paths import readable_problem
from allocator.scenario_layers import Layer, Overrides, expand_dotted, override_layer, resolve_paths
from allocator.schema import Scenario
from allocator.yamlio import YAML_SUFFIXES, read_yaml


def load_scenario(path: str | Path, overrides: Overrides | None = None) -> Scenario:
    """Read a scenario file, resolve inheritance and overrides, and validate it.

    Args:
        path: the scenario YAML file.
        overrides: ``["rules.floor.phi=0.98", ...]`` as on the command line, or a mapping of dotted keys.

    Raises:
        ScenarioError: listing every problem found, each with its file and field.
    """
    path = Path(path)
    return Scenario.from_layers(_read_chain(path), override_layer(overrides), file=str(path))


def scenario_from_layers(layers: list[Layer], extra: Layer | None, file: str | None) -> Scenario:
    """Validate a scenario from already-read layers plus one more override layer."""
    return Scenario.from_layers(layers, extra, file)


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
        data = resolve_paths(expand_dotted(raw, str(current)), current.parent, str(current))
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
