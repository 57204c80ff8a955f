"""The standard procedure template: reception → the competent unit's specialist → (a consulted agency) →
its leader's signature → return, generated as BPMN 2.0 with its diagram, forms and a straight scenario
(processes/catalogue/README.md). Pure Python: it writes text; parsing and checking are other modules'.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from itertools import pairwise
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from engine.domain.calendar import HOURS_PER_WORKING_DAY
from engine.domain.manifest import AGENCY_KINDS
from engine.domain.procedure_template_forms import AGENCY_NAMES, step_forms, straight_scenario

STEPS = ("receive", "review", "consult", "sign", "hand_over")
# Reception and return are short counter steps; the rest of the limit goes to the decision, the specialist's
# review weighing twice the leader's signature (and the consulted agency's answer as much as the review).
_FIXED_HOURS = {"receive": 1, "hand_over": 1}
_WEIGHTS = {"review": 2, "consult": 2, "sign": 1}
_MILESTONES = {"receive": "processing", "sign": "result_ready", "hand_over": "returned"}
_LANE_OF = {"receive": "reception", "review": "specialist", "consult": "consult", "sign": "leader",
            "hand_over": "return_desk"}
_TASK_NAMES = {"receive": "Tiếp nhận và chuyển hồ sơ", "review": "Thẩm định hồ sơ, đề xuất giải quyết",
               "consult": "Cho ý kiến phối hợp", "sign": "Phê duyệt, ký kết quả", "hand_over": "Trả kết quả"}
# Diagram geometry, as the shipped diagrams lay it out: a pool at (160, 80), lanes 150 high, tasks 100 × 80.
_POOL_X, _TOP, _LANE_X, _LANE_H, _TASK_W, _TASK_H, _GAP = 160, 80, 190, 150, 100, 80, 60


@dataclass(frozen=True)
class GeneratedProcedure:
    """What the template makes for a manifest: the BPMN text, the forms by id and a straight scenario."""

    bpmn: str
    forms: dict[str, dict[str, Any]]
    scenario: dict[str, Any]


def parse_path(path: str) -> str | None:
    """The consulted agency kind of a path (`standard` → None, `consult:<kind>` → kind).

    Raises:
        ValueError: The path is neither.
    """
    if path == "standard":
        return None
    kind = path.removeprefix("consult:")
    if path.startswith("consult:") and kind in AGENCY_KINDS:
        return kind
    raise ValueError(f"path {path!r} is neither 'standard' nor 'consult:<kind>' with kind one of {AGENCY_KINDS}")


def standard_lanes(path: str = "standard") -> dict[str, dict[str, str]]:
    """The manifest's `lanes` for the template on `path`."""
    consulted = parse_path(path)
    lanes = {"reception": {"role": "reception", "unit": "receiving_centre"},
             "specialist": {"role": "specialist", "unit": "competent_unit"},
             "leader": {"role": "leader", "unit": "competent_unit"},
             "return_desk": {"role": "reception", "unit": "return_centre"}}
    if consulted:
        lanes["consult"] = {"role": "specialist", "unit": f"agency:{consulted}"}
    return lanes


def path_steps(path: str = "standard") -> tuple[str, ...]:
    """The user tasks of the template on `path`, in order."""
    consulted = parse_path(path)
    return tuple(step for step in STEPS if step != "consult" or consulted)


def allotments(working_days: int, path: str = "standard",
               allotted_hours: Mapping[str, int] | None = None) -> dict[str, int]:
    """Hours of each step: reception and return one hour, the rest of the legal limit spread over the other
    steps by weight, `allotted_hours` overriding any. The result may exceed the limit when overrides do: the
    procedure check refuses it then.

    Raises:
        ValueError: An override names a step not on the path or is not a positive whole number of hours.
    """
    steps = path_steps(path)
    given = dict(allotted_hours or {})
    for step, given_hours in given.items():
        if step not in steps:
            raise ValueError(f"allotted_hours: {step!r} is not a step of the path ({', '.join(steps)})")
        if not isinstance(given_hours, int) or isinstance(given_hours, bool) or given_hours < 1:
            raise ValueError(f"allotted_hours: {step}={given_hours!r} is not a positive whole number of hours")
    hours = {step: given.get(step, _FIXED_HOURS.get(step, 0)) for step in steps}
    spread = [step for step in steps if step in _WEIGHTS and step not in given]
    left = max(working_days, 1) * HOURS_PER_WORKING_DAY - sum(hours.values())
    total_weight = sum(_WEIGHTS[step] for step in spread)
    for step in spread:
        hours[step] = max(left * _WEIGHTS[step] // total_weight, 1)
    if spread and left > 0:  # what the whole-hour rounding left goes to the first spread step (the review)
        hours[spread[0]] += max(left - sum(hours[step] for step in spread), 0)
    return hours


def standard_procedure(manifest: dict[str, Any], *, path: str = "standard",
                       allotted_hours: Mapping[str, int] | None = None) -> GeneratedProcedure:
    """The BPMN, forms and straight scenario of the standard template for `manifest`, whose
    `process.process_id` is the key, `application_form` `<key>/application`, with `lanes` (see standard_lanes)
    and `competent_unit` set.

    Raises:
        ValueError: A malformed path or allotment override.
    """
    key = str(manifest["process"]["process_id"])
    hours = allotments(int(manifest["time_limit"]["working_days"]), path, allotted_hours)
    return GeneratedProcedure(bpmn=_bpmn(manifest, key, hours, parse_path(path)),
                              forms=step_forms(manifest, key, tuple(hours), parse_path(path)),
                              scenario=straight_scenario(manifest, tuple(hours)))


def _bpmn(manifest: dict[str, Any], key: str, hours: dict[str, int], consulted: str | None) -> str:
    steps = tuple(hours)
    lanes = [_LANE_OF[step] for step in steps]
    nodes = ["start", *steps, "end"]
    flows = list(pairwise(nodes))
    name, code = manifest["name"]["vi"], manifest["code"]
    total = sum(hours.values())
    parts = [
        _HEADER.format(key=key),
        f'  <bpmn:collaboration id="Collaboration_{key}">\n'
        f"    <bpmn:documentation>{escape(name)} — mã thủ tục quốc gia {escape(code)}; quy trình theo mẫu "
        "chuẩn của danh mục thủ tục.</bpmn:documentation>\n"
        f'    <bpmn:participant id="Participant_{key}" name={quoteattr(_unit_title(manifest) + " — " + name)} '
        f'processRef="{key}" />\n  </bpmn:collaboration>\n',
        f'  <bpmn:process id="{key}" name={quoteattr(f"{name} ({code})")} isExecutable="true">\n'
        f"    <bpmn:documentation>Quy trình nội bộ theo mẫu chuẩn: tiếp nhận, thẩm định, "
        f"{'lấy ý kiến phối hợp, ' if consulted else ''}phê duyệt, trả kết quả. Tổng thời gian các bước: "
        f"{total} giờ làm việc.</bpmn:documentation>\n",
        _lane_set(key, steps, manifest, consulted),
        '    <bpmn:startEvent id="start" name="Nhận hồ sơ">\n      <bpmn:outgoing>Flow_start_'
        f'{steps[0]}</bpmn:outgoing>\n    </bpmn:startEvent>\n',
        *(_user_task(key, nodes, step, hours[step], consulted) for step in steps),
        f'    <bpmn:endEvent id="end" name="Đã trả kết quả">\n      <bpmn:incoming>Flow_{steps[-1]}_end'
        "</bpmn:incoming>\n    </bpmn:endEvent>\n",
        *(f'    <bpmn:sequenceFlow id="Flow_{a}_{b}" sourceRef="{a}" targetRef="{b}" />\n' for a, b in flows),
        "  </bpmn:process>\n",
        _diagram(key, steps, lanes),
        "</bpmn:definitions>\n",
    ]
    return "".join(parts)


_HEADER = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
                  xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
                  xmlns:di="http://www.omg.org/spec/DD/20100524/DI"
                  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
                  id="Definitions_{key}"
                  targetNamespace="http://bpmn.io/schema/bpmn"
                  exporter="one-stop procedure template"
                  exporterVersion="1.0">
"""


def _unit_title(manifest: dict[str, Any]) -> str:
    rule = manifest["competent_unit"]
    return AGENCY_NAMES[rule["agency"]] if rule.get("rule") == "agency" else "UBND xã"


def _lane_set(key: str, steps: tuple[str, ...], manifest: dict[str, Any], consulted: str | None) -> str:
    lanes = [_LANE_OF[step] for step in steps]
    unit = _unit_title(manifest)
    documentation = {
        "reception": "Bộ phận Tiếp nhận và Trả kết quả của Trung tâm Phục vụ hành chính công tiếp nhận — kiểm tra "
                     "thành phần hồ sơ, cấp phiếu hẹn, chuyển hồ sơ.",
        "specialist": f"Công chức chuyên môn của {unit} — thẩm định hồ sơ, xác minh khi cần, đề xuất giải quyết.",
        "consult": f"{AGENCY_NAMES.get(consulted or '', '')} — cho ý kiến phối hợp theo đề nghị của cơ quan giải "
                   "quyết.",
        "leader": f"Lãnh đạo {unit} — phê duyệt, ký kết quả.",
        "return_desk": "Bộ phận Trả kết quả của Trung tâm trả kết quả — trao kết quả, thu phí, lệ phí (nếu có).",
    }
    body = []
    for lane in dict.fromkeys(lanes):
        refs = (["start"] if lane == lanes[0] else []) + [step for step in steps if _LANE_OF[step] == lane] \
            + (["end"] if lane == lanes[-1] else [])
        body.append(f'      <bpmn:lane id="Lane_{lane}" name="{lane}">\n'
                    f"        <bpmn:documentation>{escape(documentation[lane])}</bpmn:documentation>\n"
                    + "".join(f"        <bpmn:flowNodeRef>{ref}</bpmn:flowNodeRef>\n" for ref in refs)
                    + "      </bpmn:lane>\n")
    return f'    <bpmn:laneSet id="LaneSet_{key}">\n{"".join(body)}    </bpmn:laneSet>\n'


def _user_task(key: str, nodes: list[str], step: str, hours: int, consulted: str | None) -> str:
    properties = {"form": f"{key}/{step}", "allotted_hours": str(hours)}
    if step == "sign":
        properties["send_back_to"] = "review"
    if step in _MILESTONES:
        properties["milestone"] = _MILESTONES[step]
    name = _TASK_NAMES[step] + (f" ({AGENCY_NAMES[consulted]})" if step == "consult" and consulted else "")
    previous, following = nodes[nodes.index(step) - 1], nodes[nodes.index(step) + 1]
    return (f'    <bpmn:userTask id="{step}" name={quoteattr(name)}>\n      <bpmn:extensionElements>\n'
            "        <spiffworkflow:properties>\n"
            + "".join(f'          <spiffworkflow:property name="{n}" value={quoteattr(v)} />\n'
                      for n, v in properties.items())
            + "        </spiffworkflow:properties>\n      </bpmn:extensionElements>\n"
            f"      <bpmn:incoming>Flow_{previous}_{step}</bpmn:incoming>\n"
            f"      <bpmn:outgoing>Flow_{step}_{following}</bpmn:outgoing>\n    </bpmn:userTask>\n")


def _diagram(key: str, steps: tuple[str, ...], lanes: list[str]) -> str:
    lane_y = {lane: _TOP + n * _LANE_H for n, lane in enumerate(dict.fromkeys(lanes))}
    task_x = {step: 334 + n * (_TASK_W + _GAP) for n, step in enumerate(steps)}
    end_x = task_x[steps[-1]] + _TASK_W + 100
    width = end_x + 36 + 80 - _POOL_X
    height = len(lane_y) * _LANE_H
    centre = {step: lane_y[_LANE_OF[step]] + _LANE_H // 2 for step in steps}
    shapes = [_shape(f"Participant_{key}", _POOL_X, _TOP, width, height, horizontal=True)]
    shapes += [_shape(f"Lane_{lane}", _LANE_X, y, width - (_LANE_X - _POOL_X), _LANE_H, horizontal=True)
               for lane, y in lane_y.items()]
    shapes.append(_event("start", 242, centre[steps[0]]))
    shapes += [_shape(step, task_x[step], centre[step] - _TASK_H // 2, _TASK_W, _TASK_H) for step in steps]
    shapes.append(_event("end", end_x, centre[steps[-1]]))
    edges = [_edge("start", steps[0], [(278, centre[steps[0]]), (task_x[steps[0]], centre[steps[0]])])]
    for a, b in pairwise(steps):
        bend = task_x[a] + _TASK_W + _GAP // 2
        edges.append(_edge(a, b, [(task_x[a] + _TASK_W, centre[a]), (bend, centre[a]), (bend, centre[b]),
                                  (task_x[b], centre[b])]))
    last = steps[-1]
    edges.append(_edge(last, "end", [(task_x[last] + _TASK_W, centre[last]), (end_x, centre[last])]))
    return (f'  <bpmndi:BPMNDiagram id="BPMNDiagram_{key}">\n'
            f'    <bpmndi:BPMNPlane id="BPMNPlane_{key}" bpmnElement="Collaboration_{key}">\n'
            + "".join(shapes) + "".join(edges) + "    </bpmndi:BPMNPlane>\n  </bpmndi:BPMNDiagram>\n")


def _shape(element: str, x: int, y: int, width: int, height: int, *, horizontal: bool = False) -> str:
    flag = ' isHorizontal="true"' if horizontal else ""
    return (f'      <bpmndi:BPMNShape id="{element}_di" bpmnElement="{element}"{flag}>\n'
            f'        <dc:Bounds x="{x}" y="{y}" width="{width}" height="{height}" />\n'
            "      </bpmndi:BPMNShape>\n")


def _event(element: str, x: int, centre_y: int) -> str:
    return (f'      <bpmndi:BPMNShape id="{element}_di" bpmnElement="{element}">\n'
            f'        <dc:Bounds x="{x}" y="{centre_y - 18}" width="36" height="36" />\n'
            f'        <bpmndi:BPMNLabel>\n          <dc:Bounds x="{x - 22}" y="{centre_y + 25}" width="80" '
            'height="14" />\n        </bpmndi:BPMNLabel>\n      </bpmndi:BPMNShape>\n')


def _edge(source: str, target: str, points: list[tuple[int, int]]) -> str:
    return (f'      <bpmndi:BPMNEdge id="Flow_{source}_{target}_di" bpmnElement="Flow_{source}_{target}">\n'
            + "".join(f'        <di:waypoint x="{x}" y="{y}" />\n' for x, y in points)
            + "      </bpmndi:BPMNEdge>\n")
