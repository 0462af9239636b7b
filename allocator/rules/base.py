"""What every rule kind shares: the spec base class and the registry of kinds.

Vocabulary: a *rule kind* is code (one module in this package); a *rule set* is YAML (``rules/*.yaml``);
a *rule* is one entry of a rule set or scenario: an id (its key under ``rules:``), a kind and parameters.
The id is the rule's one name everywhere: in the YAML, constraint names, verification, shadow prices and
reports.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from allocator.selectors import Selector

Budget = Literal["resource", "capital"]


class RuleSpec(BaseModel):
    """Fields every rule has, whatever its kind."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    kind: str
    """The rule kind (module under ``allocator/rules``)."""
    mode: Literal["hard", "soft"] = "hard"
    """``hard``: must hold. ``soft``: may be breached at a penalty per £ of breach (see ``penalty``)."""
    years: list[int] | str | None = None
    """Years the rule covers: a list, an open range like ``"2027.."``, or all years when omitted."""
    areas: Selector | None = None
    """Which areas the rule covers (a selector over area attributes); all areas when omitted."""
    penalty: float | None = Field(None, gt=0)
    """Soft mode only: mission value lost per £ of breach. Default: the objective's ``soft_penalty``."""
    description: str = ""
    """Plain-English description, shown in reports."""


SPECS: dict[str, type[RuleSpec]] = {}
"""Spec model of each registered rule kind, keyed by kind name."""


def register_spec(spec: type[RuleSpec]) -> type[RuleSpec]:
    """Register a rule kind's spec under the literal value of its ``kind`` field."""
    kind = spec.model_fields["kind"].default
    if not isinstance(kind, str) or kind in SPECS:
        raise ValueError(f"rule kind {kind!r} is not a fresh literal kind name")
    SPECS[kind] = spec
    return spec
