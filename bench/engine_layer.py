"""Layers 1 and 2 of the throughput benchmark: SpiffWorkflow alone, in memory (the engine's ceiling), and
the same with the workflow state serialized to JSON text and restored at every step (the least a
stateless server must pay; with orjson, as the product stores it). Both go through engine/workflow's
façade, as the product does, so the restricted script engine and the tree pruning are included.

Three processes: birth registration, the inter-connected birth group (its straight scenarios) and the
minimal comparison shape in bench/minimal.bpmn.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from engine.adapters.definitions import read_procedure
from engine.workflow import WorkflowInstance, WorkflowSpec, parse_spec

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Process:
    """A process to drive: its parsed spec, start data and the (step, data) completions in order."""

    name: str
    spec: WorkflowSpec
    start: dict[str, Any]
    steps: list[tuple[str, dict[str, Any]]]


def processes() -> list[Process]:
    found = []
    for folder in ("birth_registration", "birth_group"):
        procedure = read_procedure(ROOT / "processes" / folder, ROOT / "forms")
        scenario = json.loads((ROOT / "processes" / folder / "scenarios" / "straight.json").read_text("utf-8"))
        spec = parse_spec(procedure.bpmn, procedure.process_id, decisions=procedure.decisions)
        found.append(Process(folder, spec, {"application": scenario["application"]},
                             [(s["task"], s["data"]) for s in scenario["steps"]]))
    minimal = parse_spec((ROOT / "bench" / "minimal.bpmn").read_text("utf-8"), "minimal")
    found.append(Process("minimal", minimal, {}, [("first", {}), ("second", {})]))
    return found


def run_instance(process: Process, *, persist: bool) -> int:
    """Start one instance and complete every step; with `persist`, round-trip the state through JSON text
    after every command. Returns the number of task completions."""
    instance = WorkflowInstance.start(process.spec, process.start)
    for step, data in process.steps:
        if persist:
            instance = WorkflowInstance.restore(process.spec, orjson.loads(orjson.dumps(instance.snapshot())))
        ready = next(t for t in instance.ready_human_tasks() if t.step == step)
        instance.complete(ready.id, data)
    if persist:
        orjson.dumps(instance.snapshot())
    assert instance.is_completed, f"{process.name} did not finish"
    return len(process.steps)


def measure(process: Process, *, persist: bool, seconds: float) -> dict[str, float]:
    """Instances and task completions per second, run for about `seconds` after a warm-up."""
    run_instance(process, persist=persist)
    instances = completions = 0
    started = time.perf_counter()
    while (elapsed := time.perf_counter() - started) < seconds:
        completions += run_instance(process, persist=persist)
        instances += 1
    return {"instances_per_s": instances / elapsed, "completions_per_s": completions / elapsed}


def state_bytes(process: Process) -> int:
    """The size of the stored state as JSON text after the first step, as a dossier at an officer's inbox."""
    instance = WorkflowInstance.start(process.spec, process.start)
    step, data = process.steps[0]
    instance.complete(next(t for t in instance.ready_human_tasks() if t.step == step).id, data)
    return len(json.dumps(instance.snapshot()).encode())


def run(seconds: float) -> dict[str, dict[str, Any]]:
    results: dict[str, dict[str, Any]] = {}
    for process in processes():
        results[process.name] = {"memory": measure(process, persist=False, seconds=seconds),
                                 "persisted": measure(process, persist=True, seconds=seconds),
                                 "state_bytes": state_bytes(process)}
    return results


if __name__ == "__main__":
    print(json.dumps(run(3.0), indent=2))
