"""The layering a plugin author relies on, checked statically with :mod:`ast`: plugins reach
the core only through :mod:`ganzoo.api`, the core never imports a plugin, the core's
modules import each other without cycles, and the facade is complete and cheap to import.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

import ganzoo.api

ROOT = Path(__file__).resolve().parents[1]
CORE = ROOT / "ganzoo"
PLUGIN_FILES = sorted([*(ROOT / "plugins").rglob("*.py"),
                       *(ROOT / "docs" / "example-plugin" / "ganzoo_example").rglob("*.py")])
CORE_FILES = sorted(CORE.rglob("*.py"))


def module_name(path: Path) -> str:
    """The dotted name ``path`` is imported as (a package's ``__init__`` is the package)."""
    root = path.parent
    while (root / "__init__.py").exists():
        root = root.parent
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


CORE_MODULES = {module_name(path): path for path in CORE_FILES}


def is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING"
            or isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def import_time_nodes(nodes: Iterable[ast.AST]) -> Iterator[ast.AST]:
    """The nodes that run when a module is imported: not function bodies, not the body of
    ``if TYPE_CHECKING:``."""
    for node in nodes:
        yield node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        if isinstance(node, ast.If) and is_type_checking(node.test):
            yield from import_time_nodes(node.orelse)
        else:
            yield from import_time_nodes(ast.iter_child_nodes(node))


def imports(path: Path, *, import_time_only: bool = False) -> Iterator[tuple[int, str, list[str]]]:
    """``(line, dotted module, names)`` for each import statement in ``path``, relative imports
    resolved; ``names`` are what ``from module import ...`` takes (maybe submodules)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    nodes = import_time_nodes(tree.body) if import_time_only else ast.walk(tree)
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package.pop()
    for node in sorted((n for n in nodes if isinstance(n, (ast.Import, ast.ImportFrom))),
                       key=lambda n: n.lineno):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, []
        else:
            anchor = package[: len(package) + 1 - node.level] if node.level else []
            module = ".".join([*anchor, *([node.module] if node.module else [])])
            yield node.lineno, module, [alias.name for alias in node.names]


def where(path: Path, line: int) -> str:
    return f"{path.relative_to(ROOT)}:{line}"


def test_plugins_use_only_the_public_api() -> None:
    offenders = [
        f"{where(path, line)} imports {imported}"
        for path in PLUGIN_FILES
        for line, module, names in imports(path)
        for imported in ([f"{module}.{name}" for name in names] if module == "ganzoo" else [module])
        if imported.split(".")[0] == "ganzoo" and imported not in ("ganzoo", "ganzoo.api")
    ]
    assert not offenders, "plugins must import the core only through ganzoo.api:\n" + "\n".join(
        offenders)


def test_core_never_imports_plugins() -> None:
    offenders = [
        f"{where(path, line)} imports {module}"
        for path in CORE_FILES
        for line, module, _ in imports(path)
        if module.split(".")[0].startswith("ganzoo_")
    ]
    assert not offenders, "the core must not import plugins:\n" + "\n".join(offenders)


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as ``[a, b, ..., a]``, or None when it is acyclic."""
    done: set[str] = set()
    stack: list[str] = []
    on_stack: set[str] = set()

    def visit(node: str) -> list[str] | None:
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target in on_stack:
                return [*stack[stack.index(target):], target]
            if target not in done and (cycle := visit(target)):
                return cycle
        on_stack.discard(stack.pop())
        done.add(node)
        return None

    for node in sorted(graph):
        if node not in done and (cycle := visit(node)):
            return cycle
    return None


def test_core_modules_import_without_cycles() -> None:
    graph = {
        name: {target for _, module, names in imports(path, import_time_only=True)
               for target in [module, *(f"{module}.{n}" for n in names)]
               if target in CORE_MODULES and target != name}
        for name, path in CORE_MODULES.items()
    }
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle among core modules: " + " -> ".join(cycle)


@pytest.mark.parametrize("name", ganzoo.api.__all__)
def test_public_name_resolves(name: str) -> None:
    assert getattr(ganzoo.api, name) is not None


def test_public_api_and_plugin_packages_do_not_import_torch() -> None:
    """What a plugin's ``__init__`` takes from the facade, and every plugin's ``__init__``,
    must stay cheap: ``ganzoo list`` imports them all."""
    packages = sorted(path.parent for path in PLUGIN_FILES if path.name == "__init__.py")
    code = (
        "import importlib, sys\n"
        f"sys.path[:0] = {sorted({str(package.parent) for package in packages})!r}\n"
        "import ganzoo.api\n"
        "from ganzoo.api import Recipe, hookimpl, OptimizerSpec, PartChoice, DatasetInfo\n"
        "assert 'torch' not in sys.modules, 'ganzoo.api imported torch'\n"
        f"for package in {[package.name for package in packages]!r}:\n"
        "    importlib.import_module(package)\n"
        "    assert 'torch' not in sys.modules, f'{package} imported torch'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
