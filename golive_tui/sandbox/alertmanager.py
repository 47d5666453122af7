"""A real Alertmanager (Debian's `prometheus-alertmanager`) on 127.0.0.1 with a configuration of the
test's.

The probe reads what Alertmanager itself reports at /api/v2/status: the configuration as it
loaded and re-wrote it (defaults filled in, secrets shown as `<secret>`), which a look-alike
would only imitate. Alertmanager refuses a configuration it cannot load, as in production.
Gossip is off (`--cluster.listen-address=`): one instance, no port 9094.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from .processes import start_server, stop_process, stop_signals_held
from .tls import free_port


class AlertmanagerMissing(RuntimeError):
    pass


class AlertmanagerSandbox:
    def __init__(self, config: str, workdir: Path | None = None) -> None:
        self.config = config
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="golive-alertmanager-"))
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    @staticmethod
    def binary() -> str:
        found = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
        if not found:
            raise AlertmanagerMissing(
                "the Alertmanager binary is missing: apt-get install prometheus-alertmanager"
            )
        return found

    def start(self, timeout: float = 20.0) -> AlertmanagerSandbox:
        binary = self.binary()
        config = self.workdir / "alertmanager.yml"
        config.write_text(self.config)
        log = open(self.workdir / "alertmanager.log", "wb")
        with stop_signals_held():
            self.process = start_server(
                [
                    binary,
                    f"--config.file={config}",
                    f"--storage.path={self.workdir / 'data'}",
                    f"--web.listen-address=127.0.0.1:{self.port}",
                    "--cluster.listen-address=",
                    "--log.level=warn",
                ],
                log,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"alertmanager exited: {(self.workdir / 'alertmanager.log').read_text()[-500:]}"
                )
            try:
                with urllib.request.urlopen(f"{self.url}/-/ready", timeout=1) as response:
                    if response.status == 200:
                        return self
            except OSError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"alertmanager did not become ready within {timeout:g}s")

    def stop(self) -> None:
        stop_process(self.process)
        self.process = None

    def __enter__(self) -> AlertmanagerSandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
