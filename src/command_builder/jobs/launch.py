"""Starting a detached supervisor (kept apart from supervise.py so importing the
package never pre-imports the module that ``python -m`` runs)."""

from __future__ import annotations

import subprocess
import sys
import threading

from ..settings import Settings

SUPERVISOR_LOG = "supervisor.log"


def spawn_supervisor(settings: Settings) -> None:
    """Start a detached supervisor (it claims the oldest queued job) and return at once."""
    logs = settings.state_dir / "logs"
    with open(logs / SUPERVISOR_LOG, "ab") as errors:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "command_builder.jobs.supervise",
                "--workspace",
                str(settings.root),
            ],
            stdin=subprocess.DEVNULL,
            stdout=errors,
            stderr=errors,
            start_new_session=True,
            close_fds=True,
        )
    # Reap it if it ends while we live, so no zombie keeps its pid "alive".
    threading.Thread(target=proc.wait, name="reap-supervisor", daemon=True).start()
