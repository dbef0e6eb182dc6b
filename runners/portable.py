"""Beam's own portable job service and SDK worker pool, started locally.

They speak the job and worker protocol that Flink, Spark and Dataflow use, so a run
through them exercises what a distributed runner does: the pipeline is serialised,
submitted, and executed by workers in other processes (started with the `python` on
PATH, which must have this project installed).

    python -m runners.portable      # on the ports of --preset portable, until Ctrl-C
"""

import os
import signal
import socket
import subprocess
import sys
import time


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


class LocalPortableServices:
    """A job service and a worker pool on free ports of 127.0.0.1, stopped on exit."""

    def __init__(self, job_port: int | None = None, pool_port: int | None = None) -> None:
        self._ports = (job_port, pool_port)
        self.processes: list[subprocess.Popen] = []
        self.options: list[str] = []

    def __enter__(self) -> "LocalPortableServices":
        job_port, pool_port = (port or free_port() for port in self._ports)
        commands = [
            ["apache_beam.runners.portability.local_job_service_main", "--port", str(job_port)],
            ["apache_beam.runners.worker.worker_pool_main", "--service_port", str(pool_port)],
        ]
        for module, *args in commands:
            self.processes.append(subprocess.Popen(
                [sys.executable, "-m", module, *args],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
            ))
        wait_for_port(job_port)
        wait_for_port(pool_port)
        self.options = [
            "--runner", "PortableRunner",
            "--job_endpoint", f"localhost:{job_port}",
            "--environment_type", "EXTERNAL",
            "--environment_config", f"localhost:{pool_port}",
        ]
        return self

    def __exit__(self, *_) -> None:
        for process in self.processes:  # each by its own process group
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(process.pid, signal.SIGKILL)


if __name__ == "__main__":
    # The ports of the "portable" preset, so that `--preset portable` finds them.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # stop the services on kill too
    with LocalPortableServices(job_port=8099, pool_port=50000) as services:
        print(" ".join(services.options), flush=True)
        try:
            signal.pause()
        except KeyboardInterrupt:
            pass
