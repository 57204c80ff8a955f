"""The only package that imports SpiffWorkflow: parsing and caching specs, running instances,
a restricted script engine, and the versioned state format.

Callers see WorkflowSpec, WorkflowInstance, HumanTask and WaitingTimer; never a SpiffWorkflow class.
"""

from engine.workflow.runner import HumanTask, WorkflowError, WorkflowInstance
from engine.workflow.specs import SpecCache, StepInfo, WorkflowSpec, inspect_spec, parse_spec
from engine.workflow.timers import WaitingTimer

__all__ = ["HumanTask", "SpecCache", "StepInfo", "WaitingTimer", "WorkflowError", "WorkflowInstance", "WorkflowSpec",
           "inspect_spec", "parse_spec"]
