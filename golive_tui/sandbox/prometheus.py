"""A real Prometheus (Debian's `prometheus`) with known latency, error and throughput data.

History is written as OpenMetrics and backfilled with `promtool tsdb create-blocks-from
openmetrics` *before* Prometheus starts; a live exporter then continues exactly the same
counters, so `rate(...[5m])` keeps answering for as long as the demo runs. The traffic
itself (its series per scenario, and so every quantile) is `prometheus_workload`.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from .processes import start_server, stop_process, stop_signals_held
from .prometheus_workload import HISTORY_SECONDS, Workload
from .tls import free_port

ALERTMANAGER_CONFIG = """global:
  resolve_timeout: 5m
route:
  receiver: pagerduty-oncall
  group_by: [alertname, service]
receivers:
- name: pagerduty-oncall
  pagerduty_configs:
  - routing_key: <secret>
"""


class _Exporter:
    """Serves /metrics (the live workload) and /api/v2/status (an Alertmanager look-alike)."""

    def __init__(self, workload: Workload) -> None:
        workload_ref = workload

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                if self.path.startswith("/metrics"):
                    body, kind = workload_ref.exposition().encode(), "text/plain; version=0.0.4"
                elif self.path.startswith("/api/v2/status"):
                    body = json.dumps(
                        {
                            "cluster": {"status": "ready"},
                            "config": {"original": ALERTMANAGER_CONFIG},
                            "versionInfo": {"version": "0.27.0-sandbox"},
                        }
                    ).encode()
                    kind = "application/json"
                else:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.port = free_port()
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(
            target=self._server.serve_forever, name="metrics-exporter", daemon=True
        ).start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class PrometheusMissing(RuntimeError):
    pass


class PrometheusSandbox:
    """Backfill, start and stop a real Prometheus; `url` and `alertmanager_url` go into the
    profile."""

    def __init__(self, scenario: str = "healthy", workdir: Path | None = None) -> None:
        self.scenario = scenario
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="golive-prom-"))
        self.process: subprocess.Popen[bytes] | None = None
        self.exporter: _Exporter | None = None
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"

    @staticmethod
    def binaries() -> tuple[str, str]:
        prometheus, promtool = shutil.which("prometheus"), shutil.which("promtool")
        if not prometheus or not promtool:
            raise PrometheusMissing(
                "the `prometheus` binary is missing: apt-get install prometheus (Debian package)"
            )
        return prometheus, promtool

    @property
    def alertmanager_url(self) -> str:
        assert self.exporter is not None
        return f"http://127.0.0.1:{self.exporter.port}"

    def start(self, timeout: float = 20.0) -> PrometheusSandbox:
        prometheus, promtool = self.binaries()
        now = time.time()
        workload = Workload(self.scenario, origin=now - HISTORY_SECONDS - 60)
        data = self.workdir / "data"
        data.mkdir(parents=True, exist_ok=True)
        history = self.workdir / "history.om"
        history.write_text(workload.openmetrics_history(now - HISTORY_SECONDS, now - 5))
        subprocess.run(
            [promtool, "tsdb", "create-blocks-from", "openmetrics", str(history), str(data)],
            check=True,
            capture_output=True,
            timeout=120,
        )
        self.exporter = _Exporter(workload)
        targets = [f"127.0.0.1:{self.exporter.port}"]
        down = [f"127.0.0.1:{free_port()}"] if self.scenario == "degraded" else []
        config = self.workdir / "prometheus.yml"
        config.write_text(
            "global:\n  scrape_interval: 2s\n  evaluation_interval: 2s\nscrape_configs:\n"
            f"- job_name: services\n  static_configs:\n  - targets: {json.dumps(targets)}\n"
            + (
                f"- job_name: payments-worker\n  static_configs:\n  - targets: {json.dumps(down)}\n"
                if down
                else ""
            )
        )
        log = open(self.workdir / "prometheus.log", "wb")
        with stop_signals_held():
            self.process = start_server(
                [
                    prometheus,
                    f"--config.file={config}",
                    f"--storage.tsdb.path={data}",
                    f"--web.listen-address=127.0.0.1:{self.port}",
                    "--storage.tsdb.retention.time=2d",
                    "--log.level=warn",
                ],
                log,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"prometheus exited: {(self.workdir / 'prometheus.log').read_text()[-500:]}"
                )
            if self._targets_known(len(targets) + len(down)):
                return self
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"prometheus did not become ready within {timeout:g}s")

    def _targets_known(self, count: int) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/api/v1/targets", timeout=1) as response:
                active = json.load(response)["data"]["activeTargets"]
        except (OSError, ValueError, KeyError):
            return False
        return (
            len(active) >= count
            and all(t.get("health") in ("up", "down") for t in active)
            and any(t.get("health") == "up" for t in active)
        )

    def stop(self) -> None:
        stop_process(self.process)
        self.process = None
        if self.exporter is not None:
            self.exporter.stop()
            self.exporter = None
