"""Count the annotations in allocator/ that use ``typing.Any``.

Usage: ``python tools/count_any.py [--list]`` from the repository root. An annotation is a parameter's,
a return's or an annotated assignment's; one that names ``Any`` anywhere (``dict[str, Any]``) counts once.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path


def _names_any(node: ast.AST | None) -> bool:
    if node is None:
        return False
    if isinstance(node, ast.Constant) and isinstance(node.value, str):  # a quoted annotation
        try:
            node = ast.parse(node.value, mode="eval")
        except SyntaxError:
            return False
    return any(
        (isinstance(n, ast.Name) and n.id == "Any") or (isinstance(n, ast.Attribute) and n.attr == "Any")
        for n in ast.walk(node)
    )


def annotations(tree: ast.AST) -> list[tuple[int, ast.AST]]:
    """Every annotation in a module, with its line."""
    out: list[tuple[int, ast.AST]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            args = node.args
            for a in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
                if a is not None and a.annotation is not None:
                    out.append((a.lineno, a.annotation))
            if node.returns is not None:
                out.append((node.lineno, node.returns))
        elif isinstance(node, ast.AnnAssign):
            out.append((node.lineno, node.annotation))
    return out


def main() -> int:
    root = Path(__file__).resolve().parent.parent / "allocator"
    total = 0
    for path in sorted(root.rglob("*.py")):
        for line, annotation in annotations(ast.parse(path.read_text(encoding="utf-8"))):
            if _names_any(annotation):
                total += 1
                if "--list" in sys.argv:
                    print(f"{path.relative_to(root.parent)}:{line}: {ast.unparse(annotation)}")
    print(f"{total} annotations use Any")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
