"""The package as users get it: a wheel that carries the whole demo workspace, a fresh
virtual environment it installs and runs in, the demo copied out (never written into the
package), `serve` answering its health check and refusing a folder that is no workspace."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest

from command_builder import __version__
from command_builder.settings import DEMO_MARKER, DEMO_SOURCE, Settings, ensure_demo_workspace

REPO = Path(__file__).resolve().parent.parent
CONSOLE_SCRIPT = Path(sys.executable).with_name("command-builder")
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")


def demo_files() -> set[str]:
    """Every file of the embedded demo, as a path inside the package."""
    return {
        f"command_builder/demo/{path.relative_to(DEMO_SOURCE).as_posix()}"
        for path in DEMO_SOURCE.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


def snapshot(folder: Path) -> dict[str, float]:
    return {str(p.relative_to(folder)): p.stat().st_mtime for p in folder.rglob("*")}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the wheel from a copy of the sources, so the build leaves nothing in the repo."""
    source = tmp_path_factory.mktemp("source")
    shutil.copy2(REPO / "pyproject.toml", source)
    shutil.copy2(REPO / "README.md", source)
    shutil.copy2(REPO / "LICENSE", source)
    shutil.copytree(REPO / "src", source / "src", ignore=IGNORED)
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--wheel-dir",
            str(dist),
            str(source),
        ],
        check=True,
        timeout=300,
    )
    [built] = dist.glob("*.whl")
    return built


@pytest.mark.slow
def test_wheel_carries_the_demo_workspace(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert demo_files() <= names, sorted(demo_files() - names)
    assert "command_builder/py.typed" in names
    [metadata] = [n for n in names if n.endswith(".dist-info/METADATA")]
    text = zipfile.ZipFile(wheel).read(metadata).decode()
    assert f"Version: {__version__}\n" in text and "License-Expression: MIT\n" in text
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)


@pytest.mark.slow
def test_installs_and_runs_in_a_fresh_venv(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(wheel)],
        check=True,
        timeout=120,
    )
    # Dependencies come from the test environment; the package itself only from the wheel.
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(purelib, "test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    installed_demo = Path(purelib) / "command_builder" / "demo"
    before = snapshot(installed_demo)

    home = tmp_path / "home"
    env = dict(os.environ, COMMAND_BUILDER_HOME=str(home))
    probe = subprocess.run(
        [
            str(python),
            "-c",
            "import command_builder, command_builder.settings as s;"
            "print(command_builder.__file__); print(s.ensure_demo_workspace())",
        ],
        check=True,
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    ).stdout.splitlines()
    assert Path(probe[0]).is_relative_to(venv)
    workspace = Path(probe[1])
    assert workspace == home / "demo-workspace"

    assert (
        subprocess.run(
            [str(venv / "bin" / "command-builder"), "--help"], capture_output=True, env=env
        ).returncode
        == 0
    )
    version = subprocess.run(
        [str(python), "-m", "command_builder", "--version"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert version.stdout == f"command-builder {__version__}\n"
    result = subprocess.run(
        [str(python), "runners/train.py", "trainer.max_epochs=1", "demo.epoch_seconds=0"],
        cwd=workspace,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert list(workspace.glob("outputs/*/checkpoints/epoch=0-step=*.ckpt"))
    assert snapshot(installed_demo) == before


def test_ensure_demo_workspace_copies_out_of_the_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COMMAND_BUILDER_HOME", str(tmp_path))
    before = snapshot(DEMO_SOURCE)
    target = ensure_demo_workspace()
    assert target == tmp_path / "demo-workspace"
    copied = {
        f"command_builder/demo/{p.relative_to(target).as_posix()}"
        for p in target.rglob("*")
        if p.is_file()
    }
    package_modules = {"command_builder/demo/__init__.py", "command_builder/demo/runtime.py"}
    assert copied == demo_files() - package_modules | {f"command_builder/demo/{DEMO_MARKER}"}
    assert (target / DEMO_MARKER).read_text() == __version__

    edited = target / "configs" / "train.yaml"
    edited.write_text(edited.read_text() + "\n# my edit\n")
    assert ensure_demo_workspace() == target  # same version: the user's copy is left alone
    assert edited.read_text().endswith("# my edit\n")
    assert snapshot(DEMO_SOURCE) == before


def test_serve_refuses_a_folder_without_configs(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(CONSOLE_SCRIPT), "serve", "--workspace", str(tmp_path), "--port", str(free_port())],
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ, COMMAND_BUILDER_HOME=str(tmp_path / "home")),
    )
    assert result.returncode == 2
    assert "configs/" in result.stderr and str(tmp_path) in result.stderr


@pytest.mark.slow
def test_serve_answers_health_check(demo_settings: Settings, tmp_path: Path) -> None:
    port = free_port()
    process = subprocess.Popen(
        [str(CONSOLE_SCRIPT), "serve", "--workspace", str(demo_settings.root), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=dict(os.environ, COMMAND_BUILDER_HOME=str(tmp_path / "home")),
    )
    try:
        deadline = time.monotonic() + 60
        status = None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/_stcore/health", timeout=2
                ) as reply:
                    status = reply.status
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.2)
        assert status == 200, f"no health answer (exit code {process.poll()})"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
