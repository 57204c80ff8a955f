"""The stored form of a running workflow: SpiffWorkflow's task tree without the spec, tagged with
our own format version and SpiffWorkflow's serializer version.

The spec is left out because it belongs to the procedure version, which is stored once; a snapshot
is restored against the cached spec. Format changes get a function in MIGRATIONS, and old snapshots
stay in tests as fixtures.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from engine.domain import json_codec

FORMAT_VERSION = 1

# Our format migrations: key is the version a snapshot has, value turns it into the next one.
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}


class _StateOnlyConverter(BpmnWorkflowConverter):  # type: ignore[misc]  # SpiffWorkflow is untyped
    """Converts a workflow to its task tree and data, and back against a given spec."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct: dict[str, Any] = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct: dict[str, Any], spec: Any = None, subprocess_specs: Any = None) -> BpmnWorkflow:
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _make_serializer() -> BpmnWorkflowSerializer:
    config = dict(SPIFF_CONFIG)
    config[BpmnWorkflow] = _StateOnlyConverter
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))


_serializer: BpmnWorkflowSerializer | None = None


def serializer() -> BpmnWorkflowSerializer:
    global _serializer
    if _serializer is None:  # built on first use, not at import time
        _serializer = _make_serializer()
    return _serializer


def dump(workflow: BpmnWorkflow) -> dict[str, Any]:
    ser = serializer()
    return {"format": FORMAT_VERSION, "serializer": ser.VERSION, "workflow": ser.to_dict(workflow)}


def load(snapshot: dict[str, Any], spec: Any, subprocess_specs: dict[str, Any]) -> BpmnWorkflow:
    snapshot = migrate(snapshot)
    ser = serializer()
    if snapshot["serializer"] != ser.VERSION:
        raise ValueError(f"workflow state written by serializer {snapshot['serializer']}, "
                         f"this SpiffWorkflow reads {ser.VERSION}")
    # restore() consumes the dict it is given; keep the caller's snapshot intact. The state is plain JSON,
    # and a round trip through orjson copies it ten times faster than copy.deepcopy.
    workflow = json_codec.copy(snapshot["workflow"])
    return ser.from_dict(workflow, spec=spec, subprocess_specs=subprocess_specs)


def migrate(snapshot: dict[str, Any]) -> dict[str, Any]:
    version = snapshot.get("format")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ValueError(f"unknown workflow state format {version!r}")
    while version < FORMAT_VERSION:
        snapshot = MIGRATIONS[version](snapshot)
        version = snapshot["format"]
    return snapshot
