"""Separate hosts on one machine: a network namespace per host, each wired by a veth pair to a bridge in the
root namespace, all in one private /24 that the machine does not use yet. The test process stays in the root
namespace, where the bridge's own address makes it one more machine on that LAN (the client, and the
operator reading the databases).

Every name (namespaces, veths, the bridge) starts with a prefix drawn per run, so runs and other tests
never meet; `destroy()` kills the process groups this object started and deletes what it made, whatever
state the run stopped in.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import random
import secrets
import signal
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

BRIDGE_HOST = 1
"""The bridge's address in the subnet (the test process's own address on the LAN)."""


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=30)


def _free_subnet(rng: random.Random) -> ipaddress.IPv4Network:
    """A 10.x.y.0/24 that overlaps no address or route of the machine."""
    taken_text = subprocess.run(["ip", "-o", "-4", "route", "show", "table", "all"], check=True, capture_output=True,
                                text=True, timeout=30).stdout
    taken_text += subprocess.run(["ip", "-o", "-4", "addr"], check=True, capture_output=True, text=True,
                                 timeout=30).stdout
    taken = []
    for word in taken_text.split():
        with contextlib.suppress(ValueError):
            taken.append(ipaddress.IPv4Network(word, strict=False))
    for _ in range(200):
        subnet = ipaddress.IPv4Network(f"10.{rng.randrange(64, 250)}.{rng.randrange(1, 250)}.0/24")
        if not any(subnet.overlaps(other) for other in taken if other.prefixlen > 0):
            return subnet
    raise RuntimeError("no free private /24 found")


class Lan:
    """Hosts (network namespaces) on one bridge; `spawn` runs a process on a host in its own process group."""

    def __init__(self, hosts: Sequence[str], log_dir: Path):
        self.prefix = f"os{secrets.token_hex(3)}"  # interface names are at most 15 characters
        self.subnet = _free_subnet(random.Random(secrets.randbits(32)))
        self.hosts = list(hosts)
        self.log_dir = log_dir
        self.bridge = f"{self.prefix}br"
        self.processes: list[subprocess.Popen[bytes]] = []
        self._made_namespaces: list[str] = []
        self._made_bridge = False

    def namespace(self, host: str) -> str:
        return f"{self.prefix}-{host}"

    def address(self, host: str) -> str:
        return str(self.subnet[10 + self.hosts.index(host)])

    @property
    def own_address(self) -> str:
        return str(self.subnet[BRIDGE_HOST])

    def create(self) -> None:
        _ip("link", "add", self.bridge, "type", "bridge")
        self._made_bridge = True
        _ip("addr", "add", f"{self.own_address}/{self.subnet.prefixlen}", "dev", self.bridge)
        _ip("link", "set", self.bridge, "up")
        for number, host in enumerate(self.hosts):
            namespace, inside, outside = self.namespace(host), f"{self.prefix}h{number}", f"{self.prefix}b{number}"
            _ip("netns", "add", namespace)
            self._made_namespaces.append(namespace)
            _ip("link", "add", inside, "type", "veth", "peer", "name", outside)
            _ip("link", "set", inside, "netns", namespace)
            _ip("link", "set", outside, "master", self.bridge, "up")
            _ip("-n", namespace, "addr", "add", f"{self.address(host)}/{self.subnet.prefixlen}", "dev", inside)
            _ip("-n", namespace, "link", "set", inside, "up")
            _ip("-n", namespace, "link", "set", "lo", "up")

    def unplug(self, host: str) -> None:
        """The host's cable pulled: its side of the LAN goes down, whatever runs on it."""
        _ip("link", "set", f"{self.prefix}b{self.hosts.index(host)}", "down")

    def command(self, host: str, argv: Sequence[str], user: str | None = None) -> list[str]:
        as_user = ["runuser", "-u", user, "--"] if user else []
        return ["ip", "netns", "exec", self.namespace(host), *as_user, *argv]

    def run(self, host: str, argv: Sequence[str], *, user: str | None = None, env: dict[str, str] | None = None,
            cwd: Path | None = None, timeout: float = 120) -> str:
        """Run to completion on `host`; its output, or an error carrying it."""
        done = subprocess.run(self.command(host, argv, user), env=env, cwd=cwd, capture_output=True, text=True,
                              timeout=timeout)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} on {host} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def spawn(self, host: str, name: str, argv: Sequence[str], *, user: str | None = None,
              env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.Popen[bytes]:
        """Start a long-running process on `host` in a process group of its own, its output in `<name>.log`."""
        with (self.log_dir / f"{name}.log").open("ab") as log:
            process = subprocess.Popen(self.command(host, argv, user), env=env, cwd=cwd, stdout=log,
                                       stderr=subprocess.STDOUT, start_new_session=True)
        self.processes.append(process)
        return process

    def log_tail(self, name: str, lines: int = 30) -> str:
        path = self.log_dir / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    @staticmethod
    def signal(process: subprocess.Popen[bytes], number: int = signal.SIGKILL, wait: float = 30) -> None:
        """Send `number` to the process's whole group (master and workers at once) and wait for it."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, number)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=wait)

    def destroy(self) -> None:
        """Stop what was started (SIGTERM, then SIGKILL after a few seconds) and delete the LAN."""
        for process in self.processes:
            if process.poll() is None:
                self.signal(process, signal.SIGTERM, wait=0)
        deadline = time.monotonic() + 10
        for process in self.processes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            if process.poll() is None:
                self.signal(process, signal.SIGKILL)
        for number, namespace in enumerate(self._made_namespaces):
            # The namespace takes its veth and the peer with it, but only once its last process is gone.
            subprocess.run(["ip", "link", "del", f"{self.prefix}b{number}"], capture_output=True, timeout=30)
            subprocess.run(["ip", "netns", "del", namespace], capture_output=True, timeout=30)
        if self._made_bridge:
            subprocess.run(["ip", "link", "del", self.bridge], capture_output=True, timeout=30)
