"""Rule kinds, registered by name. The registry is explicit: each kind's module is imported here."""

from typing import Annotated, Union

from pydantic import Field

from allocator.rules import specs as _specs  # noqa: F401  (registers every kind)
from allocator.rules.base import SPECS, RuleSpec

AnyRuleSpec = Annotated[Union[tuple(SPECS.values())], Field(discriminator="kind")]  # noqa: UP007
"""Any registered rule spec, chosen by its ``kind`` field."""

__all__ = ["SPECS", "AnyRuleSpec", "RuleSpec"]
