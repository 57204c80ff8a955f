"""What an admin's form schema may hold, and each form as it runs. Admins publish the schemas, so they are
untrusted: references stay among the procedure's forms (a registry that fetches nothing: no URL, no file),
patterns must run on RE2, and a form is at most MAX_DEPTH deep and MAX_SCHEMAS big with its references
followed, which bounds what one validation costs. Pure Python over jsonschema, referencing and re2.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import unquote, urldefrag

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource, Unresolvable
from referencing.jsonschema import DRAFT202012

from engine.domain.form_keywords import SCHEMA_FORMATS, page_keyword_problems, re2_refusal

DIALECT = "https://json-schema.org/draft/2020-12/schema"
MAX_DEPTH = 32
"""Levels of JSON, references followed: the deepest shipped form has 7, jsonschema recurses per level."""
MAX_SCHEMAS = 2_000
"""Objects and arrays, references followed: the largest shipped form has 45; a schema that refers twice to
one that refers twice... doubles its work at each level, and one that refers back to itself never ends."""

# Where a schema's keywords hold schemas by name, and where they hold data rather than schemas.
_NAMED_SCHEMAS = frozenset({"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"})
_DATA = frozenset({"enum", "const", "examples", "default", "required", "dependentRequired", "type", "$vocabulary"})
_SCHEMA, _NAMES, _VALUES = "schema", "names", "data"
# Each form runs under this base plus its form id, so relative references among a procedure's forms resolve
# as URLs do ("common" from "p/application" is "p/common"); `.invalid` names no host, and nothing is fetched.
_BASE = "https://forms.invalid/"


class _Oversized(Exception):
    def __init__(self, path: list[Any], message: str):
        super().__init__(message)
        self.path, self.message = path, message


def _refuse(uri: str) -> Resource[Any]:
    raise NoSuchResource(uri)  # nothing is ever fetched: a form refers only to its procedure's forms


def form_registry(forms: Mapping[str, Any]) -> Registry[Any]:
    """The procedure's forms as they run, each under its form id, and nothing else."""
    resources = [(_BASE + form_id, DRAFT202012.create_resource(runnable(form_id, schema)))
                 for form_id, schema in forms.items() if isinstance(schema, dict | bool)]
    return Registry(retrieve=_refuse).with_resources(resources)  # type: ignore[call-arg]  # an attrs alias


def runnable(form_id: str, schema: Any) -> Any:
    """`schema` as it runs: its `$id` is its form id's URL (relative references are to the procedure's
    forms) and no `$schema` is left, for jsonschema validates a schema naming one with that draft's own class,
    whose patterns run on `re`."""
    root: list[Any] = [None]
    stack: list[tuple[Any, str, Any, Any]] = [(schema, _SCHEMA, root, 0)]
    while stack:
        node, kind, parent, key = stack.pop()
        if isinstance(node, dict):
            parent[key] = fields = dict.fromkeys(k for k in node if not (kind == _SCHEMA and k == "$schema"))
            stack.extend((node[k], _kind_under(kind, k), fields, k) for k in fields)
        elif isinstance(node, list):
            parent[key] = items = [None] * len(node)
            stack.extend((item, _kind_in_list(kind), items, i) for i, item in enumerate(node))
        else:
            parent[key] = node
    return {**root[0], "$id": _BASE + form_id} if isinstance(root[0], dict) else root[0]


def schema_problems(forms: Mapping[str, Any]) -> list[str]:
    """What each form breaks, with the JSON pointer: its size, the draft 2020-12 meta-schema, a `$schema`
    other than draft 2020-12 or an `$id` other than its form id (or either below the top), a reference that
    does not resolve among the procedure's forms or not to a schema, a pattern RE2 cannot run, a page keyword
    (`x-copy-from`, `x-unit`) the page could not use."""
    found: dict[str, list[str]] = {}
    for form_id, schema in forms.items():
        try:
            list(_walk(form_id, schema, None))  # its own size first: the meta-schema check recurses per level
            Draft202012Validator.check_schema(schema, format_checker=SCHEMA_FORMATS)
        except _Oversized as exc:
            found[form_id] = [f"form {form_id!r} at {_pointer(exc.path)}: {exc.message}"]
        except SchemaError as exc:
            found[form_id] = [f"form {form_id!r} is not a valid JSON Schema at {_pointer(exc.absolute_path)}: "
                              f"{exc.message}"]
    # Only valid forms are looked into: the resolver assumes valid schemas.
    registry = form_registry({form_id: forms[form_id] for form_id in forms if form_id not in found})
    for form_id, schema in forms.items():
        if form_id not in found:
            try:
                problems = list(_walk(form_id, schema, registry))
            except _Oversized as exc:
                problems = [(exc.path, exc.message)]
            problems += page_keyword_problems(schema)
            found[form_id] = [f"form {form_id!r} at {_pointer(path)}: {message}" for path, message in problems]
    return [problem for form_id in forms for problem in found[form_id]]


def _walk(form_id: str, schema: Any, registry: Registry[Any] | None) -> Iterator[tuple[list[Any], str]]:
    """The problems of the form's own keywords; with `registry`, its references followed there to count
    what they bring. _Oversized when it gets too deep or too big."""
    resolver = registry.resolver(base_uri=_BASE + form_id) if registry is not None else None
    # Each node: its kind, its pointer in the form (None once reached through a reference), the pointer of
    # the form's reference it was reached through, the resolver of its form, and its depth.
    stack: list[tuple[Any, str, list[Any] | None, list[Any], Any, int]] = [(schema, _SCHEMA, [], [], resolver, 0)]
    count = 0
    while stack:
        node, kind, path, entry, resolver, depth = stack.pop()
        where = entry if path is None else path
        count += 1
        if count > MAX_SCHEMAS:
            raise _Oversized(where, f"holds more than {MAX_SCHEMAS} objects and arrays, its references followed")
        if depth > MAX_DEPTH:
            raise _Oversized(where, f"is nested deeper than {MAX_DEPTH} levels, its references followed (a "
                                    "reference back to a schema that holds it never ends)")
        children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, child in children:
            if isinstance(child, dict | list):
                child_kind = _kind_under(kind, str(key)) if isinstance(node, dict) else _kind_in_list(kind)
                stack.append((child, child_kind, None if path is None else [*path, key], entry, resolver,
                              depth + 1))
        if kind != _SCHEMA or not isinstance(node, dict):
            continue
        if path is not None:
            yield from _keyword_problems(form_id, node, path)
        if resolver is not None and isinstance(node.get("$ref"), str):
            target, problem = _follow(resolver, node["$ref"])
            if problem and path is not None:
                yield [*path, "$ref"], problem
            if target is not None:
                stack.append((target.contents, _SCHEMA, None, entry if path is None else [*path, "$ref"],
                              target.resolver, depth + 1))


def _keyword_problems(form_id: str, node: dict[str, Any], path: list[Any]) -> Iterator[tuple[list[Any], str]]:
    if "$schema" in node and (path or node["$schema"] not in (DIALECT, DIALECT + "#")):
        yield [*path, "$schema"], f"only {DIALECT} is accepted, at the top of the form"
    if "$id" in node and (path or node["$id"] not in (form_id, form_id + "#")):
        yield [*path, "$id"], f"only the form's own id ({form_id!r}) is accepted, at the top of the form"
    if "$dynamicRef" in node:
        yield [*path, "$dynamicRef"], "dynamic references are not accepted in forms; use $ref"
    if "unevaluatedProperties" in node:
        yield [*path, "unevaluatedProperties"], "forms do not support unevaluatedProperties (jsonschema would " \
                                                "match its patternProperties with a backtracking engine)"
    patterns = [([*path, "pattern"], node["pattern"])] if isinstance(node.get("pattern"), str) else []
    if isinstance(node.get("patternProperties"), dict):
        patterns += [([*path, "patternProperties", key], key) for key in node["patternProperties"]]
    for where, pattern in patterns:
        if reason := re2_refusal(pattern):
            yield where, f"the pattern cannot run on RE2 ({reason}); write it without backreferences or look-around"


def _follow(resolver: Any, ref: str) -> tuple[Any, str | None]:
    """The schema `ref` leads to, or why it leads to none."""
    outside = (f"refers to {ref!r}, which is neither in this form nor in another form of its procedure (a form "
               "may refer only to itself and to the other forms of its procedure, relative to its id: 'common' "
               "from 'p/application' is 'p/common'; nothing is fetched)")
    try:
        target = resolver.lookup(ref)
        fragment = urldefrag(ref).fragment
        if fragment.startswith("/") and _kind_at(resolver.lookup(urldefrag(ref).url).contents, fragment) != _SCHEMA:
            return None, f"refers to {ref!r}, which is not a schema"
    except (Unresolvable, ValueError, LookupError, TypeError):
        return None, outside
    return target, None


def _kind_at(document: Any, pointer: str) -> str:
    """Whether the JSON pointer into a valid form is at a schema, a map of named schemas, or data."""
    node, kind = document, _SCHEMA
    for token in unquote(pointer[1:]).split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list):
            node, kind = node[int(token)], _kind_in_list(kind)
        else:
            node, kind = node[token], _kind_under(kind, token)
    return kind


def _kind_under(kind: str, key: str) -> str:
    if kind == _SCHEMA:
        return _NAMES if key in _NAMED_SCHEMAS else _VALUES if key in _DATA else _SCHEMA
    return _SCHEMA if kind == _NAMES else _VALUES


def _kind_in_list(kind: str) -> str:
    return _SCHEMA if kind == _NAMES else kind


def _pointer(path: list[Any]) -> str:
    return "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in path)
