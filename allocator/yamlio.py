"""Reading YAML files and ``--set`` values (YAML 1.2, so ``3.2e9`` is a number)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from allocator.errors import Problem, ScenarioError


def _yaml() -> YAML:
    y = YAML(typ="safe", pure=True)
    y.allow_duplicate_keys = False
    return y


def read_yaml(path: Path, error: type[ScenarioError] = ScenarioError) -> Any:
    """Parse a YAML file; a missing file or a syntax error becomes an input error naming the file and line."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error([Problem(str(path), "", "file not found")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise error([Problem(str(path), "", f"cannot be read ({exc})")]) from None
    try:
        return _yaml().load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        what = " ".join(str(x) for x in (exc.context, exc.problem) if x)
        raise error([Problem(str(path), where, f"is not valid YAML: {what}")]) from None
    except YAMLError as exc:
        raise error([Problem(str(path), "", f"is not valid YAML: {exc}")]) from None


def parse_value(text: str) -> Any:
    """A ``--set`` value as YAML: ``0.98`` is a float, ``true`` a bool, ``[1, 2]`` a list, ``null`` deletes."""
    if text.strip() == "":
        return ""
    try:
        return _yaml().load(io.StringIO(text))
    except YAMLError:
        return text


def dump_yaml(data: Any) -> str:
    """Block-style YAML with keys in the order given."""
    y = YAML(typ="safe", pure=True)
    y.default_flow_style = False
    y.sort_base_mapping_type_on_output = False
    out = io.StringIO()
    y.dump(data, out)
    return out.getvalue()
