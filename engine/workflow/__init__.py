"""The only package that imports SpiffWorkflow: parsing and caching specs, running instances,
a restricted script engine and its sandbox, and the versioned state format.

Callers see WorkflowSpec, WorkflowInstance, HumanTask and WaitingTimer; never a SpiffWorkflow class. They
are imported on first use, so the sandbox's worker processes (engine.workflow.script_worker), which import
only the pure script modules, start without SpiffWorkflow.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.workflow.bpmn_elements import DiagramError, ElementChange, diagram_changes, diagram_elements
    from engine.workflow.runner import HumanTask, WorkflowError, WorkflowInstance
    from engine.workflow.specs import SpecCache, StepInfo, WorkflowSpec, inspect_spec, parse_spec
    from engine.workflow.timers import WaitingTimer

_HOMES = {
    "HumanTask": "runner", "WorkflowError": "runner", "WorkflowInstance": "runner", "SpecCache": "specs",
    "StepInfo": "specs", "WorkflowSpec": "specs", "inspect_spec": "specs", "parse_spec": "specs",
    "WaitingTimer": "timers", "DiagramError": "bpmn_elements", "ElementChange": "bpmn_elements",
    "diagram_changes": "bpmn_elements", "diagram_elements": "bpmn_elements",
}  # fmt: skip
__all__ = ["DiagramError", "ElementChange", "HumanTask", "SpecCache", "StepInfo", "WaitingTimer", "WorkflowError",
           "WorkflowInstance", "WorkflowSpec", "diagram_changes", "diagram_elements", "inspect_spec", "parse_spec"]


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'engine.workflow' has no attribute {name!r}")
    return getattr(importlib.import_module(f"engine.workflow.{_HOMES[name]}"), name)
