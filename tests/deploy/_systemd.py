"""Just enough of systemd to run a unit of deploy/systemd/ in a test: its `WorkingDirectory`,
`EnvironmentFile` (read as systemd reads it, through python-dotenv) and `ExecStart` in a clean environment,
`ExecReload`, and a stop with its `KillSignal` bounded by `TimeoutStopSec`. Paths are mapped (the unit says
/opt/onestop and /etc/onestop; the test's release and settings are elsewhere); nothing else changes.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from dotenv import dotenv_values


def service_section(path: Path) -> dict[str, str]:
    """The `[Service]` settings of a unit file (the last value of a repeated key, as systemd keeps)."""
    settings: dict[str, str] = {}
    section = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line
        elif section == "[Service]":
            key, _, value = line.partition("=")
            settings[key.strip()] = value.strip()
    return settings


@dataclass
class Service:
    unit: Path
    paths: Mapping[str, str]
    """Path prefixes of the unit and what they are in the test."""
    extra_env: Mapping[str, str]
    """What the test adds to the environment (its own metrics folder and port, where systemd's PrivateTmp and
    the configuration's default would do)."""
    process: subprocess.Popen[bytes] | None = None

    def _setting(self, key: str) -> str:
        value = service_section(self.unit)[key]
        for original, mapped in self.paths.items():
            value = value.replace(original, mapped)
        return value

    def start(self, log: IO[bytes]) -> None:
        environment = {key: value for key, value in dotenv_values(self._setting("EnvironmentFile")).items()
                       if value is not None}
        env = {"PATH": os.environ["PATH"], "LANG": "C.UTF-8", "HOME": self._setting("WorkingDirectory"),
               "PYTHONUNBUFFERED": "1", **environment, **self.extra_env}
        self.process = subprocess.Popen(shlex.split(self._setting("ExecStart")), cwd=self._setting("WorkingDirectory"),
                                        env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                        start_new_session=True)

    @property
    def main_pid(self) -> int:
        assert self.process is not None and self.process.poll() is None, f"{self.unit.name} is not running"
        return self.process.pid

    def reload(self) -> None:
        command = self._setting("ExecReload").replace("$MAINPID", str(self.main_pid))
        subprocess.run(shlex.split(command), check=True, timeout=10)

    def stop(self) -> int | None:
        """Stop it as systemd would: KillSignal, then SIGKILL to the whole group after TimeoutStopSec. The exit
        status, or None if it had to be killed."""
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else None
        kill_signal = signal.Signals[self._setting("KillSignal")]
        self.process.send_signal(kill_signal)
        try:
            return self.process.wait(timeout=float(self._setting("TimeoutStopSec")))
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
            return None
        finally:
            with contextlib.suppress(ProcessLookupError):  # leftovers of the group (workers of a lost master)
                os.killpg(self.process.pid, signal.SIGKILL)
