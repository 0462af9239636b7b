"""Reading YAML files and ``--set`` values (YAML 1.2, so ``3.2e9`` is a number).

A scenario is data from anyone, so reading it is bounded before anything is built from it: the file's
size, how deeply its mappings and lists nest, and how many values it holds once its aliases are expanded
(a few lines of anchors and aliases can otherwise stand for billions of values: an "alias bomb"). The
limits are checked on the parser's event stream, which needs no recursion, so neither a bomb nor 5,000
levels of nesting gets as far as building Python objects.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    NodeEvent,
    ScalarEvent,
)

from allocator.errors import Problem, ScenarioError
from allocator.paths import readable_problem
from allocator.safe_text import excerpt

YamlData = dict[str, "YamlData"] | list["YamlData"] | str | int | float | bool | None
"""Plain data as YAML (and JSON) hold it: mappings, lists and scalars. Keys of a scenario's mappings
are text or years."""

MAX_BYTES = 5_000_000
"""The largest YAML file read (a scenario is a few kilobytes)."""
MAX_DEPTH = 64
"""The deepest nesting of mappings and lists (a scenario needs about six levels)."""
MAX_VALUES = 200_000
"""The most values (scalars, mappings and lists) a file may hold once its aliases are expanded."""

YAML_SUFFIXES = (".yaml", ".yml")
PARSER_CHARS = 120
"""The most characters of the parser's complaint a message quotes (it may quote a token of the file)."""


class YamlLimitError(ValueError):
    """A YAML text beyond one of the limits; ``where`` is its line and column."""

    def __init__(self, message: str, where: str):
        super().__init__(message)
        self.where = where


def _yaml() -> YAML:
    y = YAML(typ="safe", pure=True)
    y.allow_duplicate_keys = False
    return y


def _where(event: Any) -> str:
    mark = getattr(event, "start_mark", None)
    return f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""


def check_limits(text: str) -> None:
    """Raise YamlLimitError when ``text`` nests deeper than MAX_DEPTH or expands to more than MAX_VALUES.

    Walks the parser's events with an explicit stack: each collection's expanded size is the sum of its
    children's; an alias counts the full size of the node its anchor names.
    """
    sizes: dict[str, int] = {}
    stack: list[tuple[str | None, int]] = []
    total = 0
    for event in _yaml().parse(io.StringIO(text)):
        if isinstance(event, CollectionStartEvent):
            if len(stack) >= MAX_DEPTH:
                raise YamlLimitError(f"nests deeper than {MAX_DEPTH} levels", _where(event))
            stack.append((event.anchor, 1))
            continue
        if isinstance(event, CollectionEndEvent):
            anchor, size = stack.pop()
        elif isinstance(event, AliasEvent):
            anchor, size = None, sizes.get(event.anchor, 1)
        elif isinstance(event, ScalarEvent):
            anchor, size = event.anchor, 1
        else:
            continue
        if anchor is not None and isinstance(event, (NodeEvent, CollectionEndEvent)):
            sizes[anchor] = size
        if stack:
            stack[-1] = (stack[-1][0], stack[-1][1] + size)
        else:
            total += size
        if total + sum(s for _, s in stack) > MAX_VALUES:
            raise YamlLimitError(
                f"holds more than {MAX_VALUES:,} values once its aliases (*name) are expanded; "
                "a scenario needs far fewer",
                _where(event),
            )


def load_text(text: str) -> YamlData:
    """Parse YAML text within the limits; YamlLimitError or ruamel's YAMLError for bad text."""
    check_limits(text)
    return _yaml().load(text)


def read_yaml(path: Path, error: type[ScenarioError] = ScenarioError) -> YamlData:
    """Parse a YAML file; a missing, unreadable or oversized file or a syntax error becomes an input
    error naming the file and line (quoting at most a short, escaped excerpt of the file)."""
    problem = readable_problem(Path(path), YAML_SUFFIXES, "a YAML file", max_bytes=MAX_BYTES)
    if problem:
        raise error([Problem(str(path), "", problem)])
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise error([Problem(str(path), "", "is not UTF-8 text; expected a YAML file")]) from None
    except OSError as exc:
        raise error([Problem(str(path), "", f"cannot be read ({exc.strerror or 'error'})")]) from None
    try:
        return load_text(text)
    except YamlLimitError as exc:
        raise error([Problem(str(path), exc.where, str(exc))]) from None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        what = " ".join(str(x) for x in (exc.context, exc.problem) if x)
        raise error(
            [Problem(str(path), where, f"is not valid YAML: {excerpt(what, PARSER_CHARS)}")]
        ) from None
    except (YAMLError, TypeError, ValueError) as exc:  # e.g. an unhashable key such as ? [a, b]
        raise error(
            [Problem(str(path), "", f"is not valid YAML: {excerpt(str(exc), PARSER_CHARS)}")]
        ) from None


def parse_value(text: str) -> YamlData:
    """A ``--set`` value as YAML: ``0.98`` is a float, ``true`` a bool, ``[1, 2]`` a list, ``null`` deletes.

    Text that is not valid YAML is taken as a plain string; a value beyond the limits raises
    YamlLimitError.
    """
    if text.strip() == "":
        return ""
    try:
        return load_text(text)
    except YamlLimitError:
        raise
    except (YAMLError, TypeError, ValueError):
        return text


def dump_yaml(data: YamlData) -> str:
    """Block-style YAML with keys in the order given."""
    y = YAML(typ="safe", pure=True)
    y.default_flow_style = False
    y.sort_base_mapping_type_on_output = False
    out = io.StringIO()
    y.dump(data, out)
    return out.getvalue()
