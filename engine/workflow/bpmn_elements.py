"""The elements of a BPMN diagram by id (type, name, lane, spiffworkflow properties, conditions, scripts,
timers, flows in and out) and what changed between two diagrams, for admins to read before publishing.
Layout (BPMN DI) is not compared. The XML is read by engine/workflow/specs.py's safe reader.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from engine.domain.errors import ProcedureDefinitionError
from engine.domain.procedure_diff import ADDED, CHANGED, REMOVED, Change
from engine.workflow.specs import read_xml

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
# Elements that belong to another one: their content is shown as a fact of their owner.
_OWNED = ("laneSet", "extensionElements", "documentation", "conditionExpression", "script", "incoming",
          "outgoing", "flowNodeRef", "timeDuration", "timeDate", "timeCycle")
_OWN_ATTRIBUTES = ("id", "name")


class DiagramError(ValueError):
    """The BPMN text cannot be read as XML (or is too large)."""


@dataclass(frozen=True)
class BpmnElement:
    """One element with an id, and its facts (attribute → text), e.g. `lane`, `properties/allotted_hours`."""

    element_id: str
    type: str
    name: str | None
    facts: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ElementChange:
    """An element added, removed or changed, with the facts that changed (all of them when added or removed)."""

    element_id: str
    kind: str
    type: str
    name: str | None
    changes: list[Change] = field(default_factory=list)


def diagram_elements(bpmn_xml: str) -> dict[str, BpmnElement]:
    """The diagram's elements by id, in document order.

    Raises:
        DiagramError: The text is not well-formed XML or larger than MAX_BPMN_BYTES.
    """
    root = _parse(bpmn_xml)
    lanes = {ref.text.strip(): lane.get("name") or lane.get("id")
             for lane in root.iter(f"{{{BPMN}}}lane") for ref in lane.findall(f"{{{BPMN}}}flowNodeRef")
             if ref.text and ref.text.strip()}
    flows: dict[str, dict[str, list[str]]] = defaultdict(lambda: {"incoming": [], "outgoing": []})
    for flow in root.iter(f"{{{BPMN}}}sequenceFlow"):
        flows[flow.get("sourceRef", "")]["outgoing"].append(flow.get("id", ""))
        flows[flow.get("targetRef", "")]["incoming"].append(flow.get("id", ""))
    found = {}
    for node in root.iter(f"{{{BPMN}}}*"):
        kind, element_id = etree.QName(node).localname, node.get("id")
        if not element_id or kind in _OWNED or kind.endswith("EventDefinition") or kind == "definitions":
            continue
        facts = _facts(node)
        if element_id in lanes:
            facts["lane"] = lanes[element_id]
        for direction, ids in flows.get(element_id, {}).items():
            if ids:
                facts[direction] = " ".join(sorted(ids))
        found[element_id] = BpmnElement(element_id, kind, node.get("name"), facts)
    return found


def diagram_changes(old_xml: str | None, new_xml: str) -> list[ElementChange]:
    """The elements added, removed and changed from `old_xml` (None: an empty diagram) to `new_xml`: removed
    ones in the old diagram's order first, then the new diagram's in its order.

    Raises:
        DiagramError: Either text cannot be read.
    """
    old = diagram_elements(old_xml) if old_xml is not None else {}
    new = diagram_elements(new_xml)
    changes = [ElementChange(e.element_id, REMOVED, e.type, e.name, _fact_changes(e, None))
               for element_id, e in old.items() if element_id not in new]
    for element_id, element in new.items():
        before = old.get(element_id)
        found = _fact_changes(before, element)
        if before is None:
            changes.append(ElementChange(element_id, ADDED, element.type, element.name, found))
        elif found:
            changes.append(ElementChange(element_id, CHANGED, element.type, element.name or before.name, found))
    return changes


def _fact_changes(old: BpmnElement | None, new: BpmnElement | None) -> list[Change]:
    before = _all_facts(old) if old else {}
    after = _all_facts(new) if new else {}
    return [Change(name, before.get(name), after.get(name)) for name in {**before, **after}
            if before.get(name) != after.get(name)]


def _all_facts(element: BpmnElement) -> dict[str, str]:
    return {"type": element.type, **({"name": element.name} if element.name else {}), **element.facts}


def _facts(node: Any) -> dict[str, str]:
    facts = {etree.QName(name).localname: value for name, value in node.attrib.items()
             if etree.QName(name).localname not in _OWN_ATTRIBUTES}
    for child in node:
        if not isinstance(child.tag, str):
            continue  # comments and processing instructions
        kind = etree.QName(child).localname
        if kind in ("documentation", "conditionExpression", "script"):
            facts[{"conditionExpression": "condition"}.get(kind, kind)] = (child.text or "").strip()
        elif kind.endswith("EventDefinition"):
            facts["event"] = kind.removesuffix("EventDefinition")
            facts.update({f"event/{etree.QName(c).localname}": (c.text or "").strip()
                          for c in child if isinstance(c.tag, str)})
        elif kind == "extensionElements":
            facts.update(_extensions(child))
        elif kind.endswith("LoopCharacteristics"):
            facts["loop"] = kind.removesuffix("LoopCharacteristics")
    return facts


def _extensions(extension_elements: Any) -> dict[str, str]:
    facts = {}
    for extension in extension_elements:
        if not isinstance(extension.tag, str):
            continue
        kind = etree.QName(extension).localname
        if extension.tag == f"{{{SPIFF}}}properties":
            facts.update({f"properties/{p.get('name')}": p.get("value", "")
                          for p in extension.findall(f"{{{SPIFF}}}property")})
        else:
            facts[f"extension/{kind}"] = (extension.text or "").strip() or " ".join(
                f"{etree.QName(k).localname}={v}" for k, v in sorted(extension.attrib.items()))
    return facts


def _parse(text: str) -> Any:
    try:
        return read_xml(text, "the diagram")
    except ProcedureDefinitionError as exc:  # too large, or not well-formed XML
        raise DiagramError(str(exc)) from exc
