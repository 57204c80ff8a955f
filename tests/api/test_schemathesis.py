"""Property-based tests over the OpenAPI document (schemathesis): every operation the spec lists at run
time, with generated valid and invalid input, anonymously and signed in as several officers. No
response is a server error, and each one's status, content type and body are the ones documented; a
domain error (401, 403, 404, 409, 422) must be listed for its operation, not only covered by `default`.

The cases come from schemathesis' strategies driven by Hypothesis directly (derandomized, a fixed number
per operation and mode, no shrinking), so a run is the same every time and bounded. Half of them use
path parameters that exist (dossier codes, task ids, a procedure, a centre), so the actions really run.
"""

from __future__ import annotations

import itertools
import re
import time
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi import checks as openapi_checks

from engine.domain.exchange import MEDIA_TYPE as PACKAGE
from tests.api.helpers import API, inbox, received, sign_in
from tests.conftest import PHU_XUAN, VY_DA

EXAMPLES = {"sqlite": 3, "postgres": 8}  # per operation and mode: about 30 s on PostgreSQL, 15 s on SQLite
CALLERS = ("anonymous", f"reception.{PHU_XUAN}", f"specialist.{VY_DA}", f"leader.{VY_DA}", "supervisor.46",
           "admin.46")
# Errors any request may meet (malformed input, too large, wrong method, rate limited): `default` covers them.
GENERIC_STATUSES = {400, 405, 413, 415, 429}
CONFIG = schemathesis.Config.from_dict({"seed": 20250714, "generation": {"deterministic": True, "database": "none"}})
# A dossier package from another province (POST /exchange/packages) is bytes, sent as generated.
schemathesis.serializer.alias(PACKAGE, "application/octet-stream")


def documented_status(ctx: Any, response: Any, case: Any) -> None:
    """Stricter than status_code_conformance, which accepts any status once `default` is documented."""
    status = response.status_code
    if status < 400 or status >= 500 or status in GENERIC_STATUSES:
        return
    assert str(status) in case.operation.responses.status_codes, (
        f"{case.operation.label} answered {status}, which its documentation does not list: "
        f"add @problems({status}) (api/errors.py) to the view")


CHECKS = [not_a_server_error, openapi_checks.status_code_conformance, openapi_checks.content_type_conformance,
          openapi_checks.response_schema_conformance, documented_status]


@pytest.fixture
def api_schema(app: Any) -> Any:
    return schemathesis.openapi.from_wsgi(f"{API}/openapi.json", app, config=CONFIG)


@pytest.fixture
def bearers(client: Any) -> dict[str, dict[str, str]]:
    return {"anonymous": {}} | {name: sign_in(client, name) for name in CALLERS[1:]}


@pytest.fixture
def known(client: Any, bearers: dict[str, dict[str, str]]) -> dict[str, list[Any]]:
    """Path parameter values that exist: three dossiers waiting at Vỹ Dạ, their tasks, a procedure."""
    codes = [received(client, bearers[f"reception.{PHU_XUAN}"])["code"] for _ in range(3)]
    tasks = [t["id"] for t in inbox(client, bearers[f"specialist.{VY_DA}"])]
    return {"code": [*codes, "1.001193"], "task_id": tasks, "kind": ["receipt", "control_sheet"],
            "unit_id": [PHU_XUAN], "version": [1]}


def _strategy(operation: Any, mode: GenerationMode, known: dict[str, list[Any]]) -> Any:
    names = re.findall(r"{(\w+)}", operation.path)
    existing = [dict(zip(names, values, strict=True))
                for values in itertools.product(*(known.get(n, []) for n in names))] if names else []
    return st.one_of(operation.as_strategy(mode),
                     *(operation.as_strategy(mode, path_parameters=values) for values in existing))


def _run(operation: Any, mode: GenerationMode, examples: int, known: dict[str, list[Any]], client: Any,
         bearers: dict[str, dict[str, str]], counts: dict[str, int]) -> None:
    @settings(max_examples=examples, derandomize=True, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck), report_multiple_bugs=False)
    @given(case=_strategy(operation, mode, known), caller=st.sampled_from(CALLERS))
    def run(case: Any, caller: str) -> None:
        counts["cases"] += 1
        response = case.call_and_validate(headers=bearers[caller], checks=CHECKS)
        if caller != "anonymous" and response.status_code < 300 and "/auth/" in case.operation.path:
            bearers[caller] = sign_in(client, caller)  # the case may have revoked the token (sign-out)

    run()


@pytest.mark.timeout(150)
def test_every_operation_answers_as_documented(api_schema: Any, client: Any, bearers: dict[str, dict[str, str]],
                                               known: dict[str, list[Any]], database_url: str) -> None:
    examples = EXAMPLES["sqlite" if database_url.startswith("sqlite") else "postgres"]
    started, counts, failures = time.monotonic(), {"cases": 0}, []
    operations = [result.ok() for result in api_schema.get_all_operations()]
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _run(operation, mode, examples, known, client, bearers, counts)
            except Unsatisfiable:
                pass  # nothing of the operation can be made invalid (no parameters, or free strings only)
            except (Exception, BaseExceptionGroup) as error:  # every operation runs; all are reported
                failures.append(f"{operation.label} ({mode.value}): {error}")
    print(f"schemathesis: {len(operations)} operations, {counts['cases']} cases, "
          f"{time.monotonic() - started:.1f}s")
    assert not failures, "\n\n".join(failures)
