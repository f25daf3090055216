"""The in-process server entry: Streamlit flags and the background warm-up."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import pytest

from command_builder.cli import make_parser
from command_builder.settings import Settings
from command_builder.ui import compose_panel, context, server


def test_serve_defaults_to_loopback() -> None:
    args = make_parser().parse_args(["serve"])
    assert (args.host, args.port, args.workspace) == ("127.0.0.1", 8501, None)


def test_flags_keep_the_server_light(demo_settings: Settings) -> None:
    flags = server.flag_options("127.0.0.1", 8600, demo_settings)
    assert flags["server.address"] == "127.0.0.1" and flags["server.port"] == 8600
    assert flags["runner.postScriptGC"] is False  # no full collection after every run
    assert flags["server.fileWatcherType"] == "none"
    assert flags["server.maxUploadSize"] == demo_settings.upload_limit_mb
    assert flags["client.allowedOrigins"] == []  # no host page's messages to check, or obey
    assert flags["server.enableStaticServing"] is True  # light.js, once per page load


def test_warm_up_waits_for_the_socket_then_fills_the_caches(
    monkeypatch: pytest.MonkeyPatch, demo_settings: Settings
) -> None:
    monkeypatch.setattr(server, "WARM_WAITS_FOR_FIRST_PAGE_S", 0.0)  # no visitor here
    frozen: list[bool] = []  # gc.freeze() would freeze the test process: record the call only
    monkeypatch.setattr(
        server,
        "_freeze",
        lambda: frozen.append(all(f.done() for f in compose_panel._futures.values())),
    )
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    try:
        thread = threading.Thread(target=server.warm_up, args=(demo_settings, "0.0.0.0", port))
        thread.start()
        thread.join(timeout=60)
    finally:
        listener.close()
    assert not thread.is_alive()
    catalog = context.catalog(demo_settings)
    keys = [k for k in compose_panel._futures if k[0] == str(demo_settings.root)]
    assert {k[1] for k in keys} == {"train", "test", "predict"}
    assert all(k[4] == catalog.version for k in keys)
    for key in keys:
        assert compose_panel._futures[key].result(timeout=60).ok
    assert frozen == [True]  # frozen once, after the warm-up's checks were done


def test_a_failed_warm_up_still_turns_the_collector_back_on(
    monkeypatch: pytest.MonkeyPatch, demo_settings: Settings
) -> None:
    """serve() turns garbage collection off until the warm-up ends, however it ends."""
    frozen: list[bool] = []
    monkeypatch.setattr(server, "_freeze", lambda: frozen.append(True))
    monkeypatch.setattr(server, "_wait_listening", lambda host, port: None)

    def broken(settings: Settings) -> list[object]:
        raise RuntimeError("a workspace file vanished")

    monkeypatch.setattr(server, "_warm", broken)
    server.warm_up(demo_settings, "127.0.0.1", 1)
    assert frozen == [True]


@pytest.mark.parametrize("shape", ["demo", "ocr_project"])
def test_warm_up_checks_wait_for_the_first_page_run(
    monkeypatch: pytest.MonkeyPatch, demo_settings: Settings, tmp_path: Path, shape: str
) -> None:
    """Hydra's cold composes must not compete with the first visitor's page run: neither its
    checks nor the schemas of the pages after the first (each composes for its defaults)."""
    from test_ocr_project import project

    settings = demo_settings if shape == "demo" else project(tmp_path / "ocr", schemas=True)
    page_runs = compose_panel._PageRuns()
    monkeypatch.setattr(compose_panel, "page_runs", page_runs)
    monkeypatch.setattr(server, "WARM_WAITS_FOR_FIRST_PAGE_S", 120.0)
    waited_with: list[tuple[float, set[str]]] = []  # the warm-up's own wait, in this thread
    wait_in_checks = page_runs.wait_for_first
    warm_up_thread = threading.current_thread()

    def wait_for_first(timeout_s: float) -> None:
        if threading.current_thread() is not warm_up_thread:
            return wait_in_checks(timeout_s)
        queued = {key[1] for key in compose_panel._futures if key[0] == str(settings.root)}
        waited_with.append((timeout_s, queued))
        return None  # as if the first page run were over

    monkeypatch.setattr(page_runs, "wait_for_first", wait_for_first)
    checks = server._warm(settings)
    assert waited_with == [(120.0, {"train"})]  # only the first page was warm
    assert len(checks) == 6  # train, test, predict: each command and its base config
    assert not any(check.done() for check in checks)
    with compose_panel.page_runs.running():
        assert not any(check.done() for check in checks)
    assert all(check.result(timeout=60).ok for check in checks)


def test_the_first_page_run_is_followed_by_time_for_the_browser_to_mount_the_app() -> None:
    """What waits for the first page (the warm-up's checks) also leaves the browser
    FIRST_PAGE_DRAWS_S after that run: its first mount of the app is its heaviest draw."""
    page_runs = compose_panel._PageRuns()
    waiter = threading.Thread(target=page_runs.wait_for_first, args=(60.0,))
    waiter.start()
    with page_runs.running():
        pass
    ended = time.monotonic()
    waiter.join()
    assert time.monotonic() - ended >= compose_panel.FIRST_PAGE_DRAWS_S


def test_waiting_for_a_first_page_that_never_comes_ends_at_its_timeout() -> None:
    waiter = threading.Thread(target=compose_panel._PageRuns().wait_for_first, args=(0.05,))
    waiter.start()
    waiter.join(timeout=30)
    assert not waiter.is_alive()


def test_serve_subcommand_hands_over_to_the_server(
    monkeypatch: pytest.MonkeyPatch, demo_settings: Settings
) -> None:
    calls: list[tuple[object, str, int]] = []
    monkeypatch.setattr(
        server, "serve", lambda settings, host, port: calls.append((settings.root, host, port))
    )
    args = make_parser().parse_args(
        ["serve", "--workspace", str(demo_settings.root), "--port", "8700"]
    )
    assert args.func(args) == 0
    assert calls == [(demo_settings.root, "127.0.0.1", 8700)]


def test_a_config_toml_in_the_working_folder_cannot_turn_xsrf_off(
    demo_settings: Settings, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import subprocess
    import sys

    folder = tmp_path / "cwd"
    (folder / ".streamlit").mkdir(parents=True)
    (folder / ".streamlit" / "config.toml").write_text(
        "[server]\nenableXsrfProtection = false\nenableCORS = false\n", encoding="utf-8"
    )
    probe = (
        "from streamlit import config\n"
        "from streamlit.web import bootstrap\n"
        "from command_builder.settings import load_settings\n"
        "from command_builder.ui import server\n"
        f"flags = server.flag_options('127.0.0.1', 8600, load_settings({str(demo_settings.root)!r}))\n"
        "bootstrap.load_config_options(flag_options=flags)\n"
        "print(config.get_option('server.enableXsrfProtection'), "
        "config.get_option('server.enableCORS'))\n"
    )
    control = (
        "from streamlit import config\nprint(config.get_option('server.enableXsrfProtection'))"
    )
    read = subprocess.run(
        [sys.executable, "-c", control], cwd=folder, capture_output=True, text=True
    )
    assert read.stdout.split() == ["False"], read.stderr  # the file is read from that folder
    done = subprocess.run([sys.executable, "-c", probe], cwd=folder, capture_output=True, text=True)
    assert done.stdout.split() == ["True", "True"], done.stderr
