"""Compiling a checked script: the static check (script_check) first, then a rewrite so that operations
able to build huge values call guards (script_guards) and a tick keeps the run within its time and
memory (script_limits), compiled once and cached.

Pure Python: must not import SpiffWorkflow, because the sandbox's worker processes (script_sandbox) import
this module and nothing heavier.
"""

from __future__ import annotations

import ast
from functools import lru_cache
from types import CodeType
from typing import NamedTuple

from engine.workflow.script_check import GUARDED_METHODS, checked_tree

# SpiffWorkflow looks for this file name in a traceback to report the failing line.
SCRIPT_FILENAME = "<string>"


class CompiledScript(NamedTuple):
    code: CodeType
    names: frozenset[str]
    """Every global name the code reads or writes: the only task data a run can have changed."""


@lru_cache(maxsize=1024)
def compile_script(source: str, mode: str = "exec") -> CompiledScript:
    """Check, guard and compile a script ("exec") or expression ("eval"); cached, code is immutable.

    Raises:
        ScriptRejectedError: As check_script.
        SyntaxError: The source is not valid Python.
    """
    tree = ast.fix_missing_locations(_Guard().visit(checked_tree(source, mode)))
    code = compile(tree, SCRIPT_FILENAME, mode)
    return CompiledScript(code, frozenset(_global_names(code)))


def _global_names(code: CodeType) -> set[str]:
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, CodeType):  # lambdas and comprehensions
            names |= _global_names(const)
    return names


_BINARY_GUARDS = {ast.Add: "__guard_add", ast.Sub: "__guard_sub", ast.Mult: "__guard_mul", ast.Pow: "__guard_pow",
                  ast.LShift: "__guard_lshift", ast.Mod: "__guard_mod"}
_AUGMENTED_GUARDS = {ast.Mult: "__guard_imul", ast.Pow: "__guard_pow", ast.LShift: "__guard_lshift",
                     ast.Mod: "__guard_mod"}
"""Augmented operators check_script allows on names only; `+=` and `-=` work on items too, so they keep a
plain tick, and stay in place for lists."""


class _Guard(ast.NodeTransformer):
    """Rewrites a checked tree for script_guards: operations that can build values far larger than their
    operands become guarded calls, and the run's tick (time and memory) comes before each loop step,
    lambda call, function call, slice and unpacking, and inside the guard of each operator, which are
    all the ways a script can repeat work or copy a value."""

    def visit_For(self, node: ast.For) -> ast.AST:
        self.generic_visit(node)
        node.body.insert(0, ast.Expr(_call("__guard_tick")))
        return node

    def visit_comprehension(self, node: ast.comprehension) -> ast.AST:
        self.generic_visit(node)
        node.ifs.insert(0, _call("__guard_tick"))  # the tick returns True
        return node

    def visit_Lambda(self, node: ast.Lambda) -> ast.AST:
        self.generic_visit(node)
        node.body = _ticked(node.body)
        return node

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        return _ticked(node)

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        if _is_number(node.left) and _is_number(node.right):
            return node  # sized by check_script, folded by the compiler
        guard = _BINARY_GUARDS.get(type(node.op))
        if guard is None:
            return _ticked(node)
        return ast.copy_location(_call(guard, node.left, node.right, _tick()), node)

    def visit_AugAssign(self, node: ast.AugAssign) -> ast.AST:
        self.generic_visit(node)
        guard = _AUGMENTED_GUARDS.get(type(node.op))
        if guard is None or not isinstance(node.target, ast.Name):
            node.value = _ticked(node.value)
            return node
        value = ast.copy_location(_call(guard, ast.Name(node.target.id, ast.Load()), node.value, _tick()), node)
        return ast.copy_location(ast.Assign(targets=[node.target], value=value), node)

    def visit_Subscript(self, node: ast.Subscript) -> ast.AST:
        self.generic_visit(node)
        return _ticked(node) if isinstance(node.slice, ast.Slice) and isinstance(node.ctx, ast.Load) else node

    def visit_Starred(self, node: ast.Starred) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.ctx, ast.Load):
            node.value = _ticked(node.value)
        return node

    def visit_Dict(self, node: ast.Dict) -> ast.AST:
        self.generic_visit(node)
        node.values = [v if k is not None else _ticked(v) for k, v in zip(node.keys, node.values, strict=True)]
        return node

    def visit_FormattedValue(self, node: ast.FormattedValue) -> ast.AST:
        self.generic_visit(node)
        spec = node.format_spec or ast.Constant("")
        call = _call("__guard_format", node.value, ast.Constant(node.conversion), spec)
        value = _ticked(ast.copy_location(call, node))
        return ast.copy_location(ast.FormattedValue(value=value, conversion=-1, format_spec=None), node)

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        self.generic_visit(node)
        if node.attr not in GUARDED_METHODS:
            return node
        return ast.copy_location(_call("__guard_method", node.value, ast.Constant(node.attr)), node)


def _tick() -> ast.Name:
    return ast.Name("__guard_tick", ast.Load())


def _call(name: str, *args: ast.expr) -> ast.Call:
    return ast.Call(func=ast.Name(name, ast.Load()), args=list(args), keywords=[])


def _ticked(expr: ast.expr) -> ast.expr:
    """`__guard_tick() and expr`: the tick returns True, so this is expr's value."""
    return ast.copy_location(ast.BoolOp(op=ast.And(), values=[_call("__guard_tick"), expr]), expr)


def _is_number(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, (int, float, complex))
