"""api/ touches no repository: it hands units of work to engine services and never opens one itself.

Every module under api/ is parsed with `ast` (nothing is imported). A unit of work is what `.uow()`,
`.lookup()` or `.stats_uow()` gives, and `.uow`/`.lookup`/`.stats_uow` name the factories; each may appear only
as an argument of a call to an engine service (a name imported from engine.services). Entering one in a
`with`, reading one of its attributes (`uow.units`, `w.uow().procedures`), binding it to a name, passing it to
anything else, or building one from the session factories is reported. api/wiring.py, the composition root, builds them.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

API = Path(__file__).resolve().parents[2] / "api"
ROOT_OF_COMPOSITION = API / "wiring.py"
FACTORIES = {"uow", "lookup", "stats_uow"}
BUILDERS = {"SqlUnitOfWork", "session_factory", "lookup_session_factory", "stats_session_factory"}


def violations(source: str, name: str = "<string>") -> list[str]:
    """What in `source` touches a unit of work other than by handing it to an engine service."""
    tree = ast.parse(source, name)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    services = _service_names(tree)
    bound = {target.id for node in ast.walk(tree) for target in _bound_from_unit_of_work(node, parents)}
    found = []
    for node in ast.walk(tree):
        where = f"{name}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.With | ast.AsyncWith):
            found += [f"{where}: enters a unit of work in a `with`" for item in node.items
                      if _is_unit_of_work(item.context_expr, bound)]
        elif isinstance(node, ast.Attribute) and _is_unit_of_work(node.value, bound):
            found.append(f"{where}: reads `{node.attr}` of a unit of work")
        elif isinstance(node, ast.Attribute) and node.attr in FACTORIES:
            use = parents[node] if _called(node, parents) else node
            if not _handed_to_service(use, parents, services):
                found.append(f"{where}: `.{node.attr}` used other than as an argument of an engine service")
        if isinstance(node, ast.Name | ast.Attribute) and (getattr(node, "id", None) in BUILDERS
                                                           or getattr(node, "attr", None) in BUILDERS):
            found.append(f"{where}: builds a unit of work outside api/wiring.py")
    return found


def _service_names(tree: ast.Module) -> set[str]:
    """Names the module binds to engine.services modules or their functions."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("engine.services"):
            names |= {alias.asname or alias.name for alias in node.names}
        elif isinstance(node, ast.Import):
            names |= {alias.asname for alias in node.names if alias.asname and alias.name.startswith(
                "engine.services.")}
    return names


def _called(node: ast.Attribute, parents: dict[ast.AST, ast.AST]) -> bool:
    parent = parents.get(node)
    return isinstance(parent, ast.Call) and parent.func is node


def _is_unit_of_work(node: ast.AST, bound: set[str]) -> bool:
    """`x.uow()`, `x.lookup()`, or a name bound from one."""
    if isinstance(node, ast.Name):
        return node.id in bound
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr in FACTORIES)


def _bound_from_unit_of_work(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> list[ast.Name]:
    """The names an assignment, a walrus or a `with … as` binds to a unit of work or its factory."""
    if isinstance(node, ast.Assign | ast.AnnAssign | ast.NamedExpr) and node.value is not None:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        if _mentions_factory(node.value):
            return [t for target in targets for t in ast.walk(target) if isinstance(t, ast.Name)]
    if isinstance(node, ast.withitem) and node.optional_vars is not None and _mentions_factory(node.context_expr):
        return [t for t in ast.walk(node.optional_vars) if isinstance(t, ast.Name)]
    return []


def _mentions_factory(node: ast.AST) -> bool:
    """`x.uow`, `x.uow()` (or lookup), alone or in a tuple: not a service's answer computed from one."""
    values = node.elts if isinstance(node, ast.Tuple) else [node]
    return any((isinstance(v, ast.Attribute) and v.attr in FACTORIES) or _is_unit_of_work(v, set()) for v in values)


def _handed_to_service(use: ast.AST, parents: dict[ast.AST, ast.AST], services: set[str]) -> bool:
    parent = parents.get(use)
    if isinstance(parent, ast.keyword):
        parent = parents.get(parent)
        argument = True
    else:
        argument = isinstance(parent, ast.Call) and use in parent.args
    if not (argument and isinstance(parent, ast.Call)):
        return False
    root = parent.func
    while isinstance(root, ast.Attribute):
        root = root.value
    return isinstance(root, ast.Name) and root.id in services


def api_modules() -> list[Path]:
    return sorted(p for p in API.rglob("*.py") if p != ROOT_OF_COMPOSITION and "node_modules" not in p.parts)


def test_api_hands_units_of_work_to_services_and_touches_no_repository() -> None:
    modules = api_modules()
    assert len(modules) > 30  # the walk found the package

    found = [v for path in modules for v in violations(path.read_text(encoding="utf-8"), str(path.relative_to(API)))]

    assert found == []


ALLOWED = """
from engine.services import directory, dossiers
from engine.services import worker as background

def view(code):
    w = wiring()
    directory.latest_procedure(w.uow(), catalogue=w.catalogue, code=code)
    dossiers.detail(uow=wiring().lookup(), code=code)
    background.run_due(w.uow, clock=w.clock)
    run = lambda: dossiers.receive(w.uow(), reception=None)
"""

SEEDED = {
    "with": "def f():\n    with wiring().uow() as uow:\n        return 1\n",
    "with a bound name": "def f(w):\n    u = w.uow()\n    with u:\n        pass\n",
    "with lookup": "def f(w):\n    with w.lookup():\n        pass\n",
    "repository read": "def f(w):\n    with w.uow() as uow:\n        return uow.units.list()\n",
    "attribute of a call": "def f(w):\n    return w.uow().units.get('46')\n",
    "catalogue over a repository": "def f(w, code):\n    return w.catalogue.latest(w.uow().procedures, code)\n",
    "walrus": "def f(w):\n    if (u := w.uow()):\n        return u.dossiers\n",
    "not a service": "from engine.services import dossiers\ndef f(w):\n    return helper(w.uow())\n",
    "factory kept": "def f(w):\n    make = w.uow\n    return make\n",
    "built": "from engine.adapters.uow import SqlUnitOfWork\ndef f(w):\n    return SqlUnitOfWork(w.session_factory)\n",
}


def test_units_of_work_handed_to_services_pass() -> None:
    assert violations(ALLOWED) == []


@pytest.mark.parametrize("snippet", SEEDED.values(), ids=SEEDED.keys())
def test_each_seeded_violation_is_found(snippet: str) -> None:
    assert violations(snippet), snippet


def test_a_seeded_violation_in_a_module_on_disk_fails_the_check(tmp_path: Path) -> None:
    page = (API / "pages" / "counter_pages.py").read_text(encoding="utf-8")
    seeded = tmp_path / "counter_pages.py"
    seeded.write_text(page + "\n\ndef _procedure(code):\n    w = wiring()\n    with w.uow() as uow:\n"
                      "        return w.catalogue.latest(uow.procedures, code)\n", encoding="utf-8")

    found = violations(seeded.read_text(encoding="utf-8"), "counter_pages.py")

    assert violations(page) == []
    assert {v.split(": ", 1)[1] for v in found} == {"enters a unit of work in a `with`",
                                                     "`.uow` used other than as an argument of an engine service",
                                                     "reads `procedures` of a unit of work"}
    assert all(v.startswith("counter_pages.py:") for v in found)
