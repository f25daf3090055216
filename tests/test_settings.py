"""Workspace settings (command_builder.yaml) and how the CLI reports any package error."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from command_builder import errors
from command_builder.cli import main
from command_builder.commands import CommandParseError, OverrideSyntaxError
from command_builder.jobs import JobRefused, JobStoreError, LogUnavailable
from command_builder.schema import ExpressionError, SchemaError
from command_builder.settings import SETTINGS_FILE, Settings, WorkspaceError, load_settings


def _write(settings: Settings, **values: object) -> None:
    (settings.root / SETTINGS_FILE).write_text(yaml.safe_dump(values), encoding="utf-8")


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"job_cancel_grace_s": "soon"}, "job_cancel_grace_s: Input should be a valid number"),
        ({"job_cancel_grace_s": -5}, "job_cancel_grace_s: Input should be greater than or equal"),
        ({"job_cancel_grace_s": float("nan")}, "job_cancel_grace_s: Input should be a finite"),
        ({"job_cancel_grace_s": True}, "job_cancel_grace_s: Input should be a valid number"),
        ({"max_running_jobs": 0}, "max_running_jobs: Input should be greater than or equal to 1"),
        ({"max_running_jobs": 2.5}, "max_running_jobs: Input should be a valid integer"),
        ({"upload_limit_mb": "50"}, "upload_limit_mb: Input should be a valid integer"),
        ({"command_prefix": []}, "command_prefix: is empty"),
        ({"command_prefix": "uv 'run"}, "command_prefix: No closing quotation"),
        ({"command_prefix": [1, 2]}, "command_prefix: must be a string or a list of strings"),
        ({"max_jobs": 2}, "unknown setting 'max_jobs' (known: command_prefix, "),
    ],
)
def test_bad_settings_name_the_file_and_field(
    demo_settings: Settings, values: dict[str, object], expected: str
) -> None:
    _write(demo_settings, **values)
    with pytest.raises(WorkspaceError) as caught:
        load_settings(demo_settings.root)
    assert str(caught.value).startswith(f"{demo_settings.root / SETTINGS_FILE}: ")
    assert expected in str(caught.value)


def test_good_settings_are_typed(demo_settings: Settings) -> None:
    _write(demo_settings, job_cancel_grace_s=2, command_prefix="{python} -X dev")
    settings = load_settings(demo_settings.root)
    assert settings.job_cancel_grace_s == 2.0 and isinstance(settings.job_cancel_grace_s, float)
    assert settings.command_prefix == (sys.executable, "-X", "dev")
    assert settings.max_running_jobs == Settings.max_running_jobs  # unset: the default


def test_not_a_mapping(demo_settings: Settings) -> None:
    (demo_settings.root / SETTINGS_FILE).write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(WorkspaceError, match="expected a mapping of settings"):
        load_settings(demo_settings.root)


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (WorkspaceError, errors.WorkspaceError),
        (SchemaError, errors.PageSchemaError),
        (ExpressionError, errors.PageSchemaError),
        (CommandParseError, errors.CommandError),
        (OverrideSyntaxError, errors.CommandError),
        (JobRefused, errors.JobError),
        (JobStoreError, errors.JobError),
        (LogUnavailable, errors.JobError),
    ],
)
def test_every_error_has_one_base(error: type, kind: type) -> None:
    assert issubclass(error, kind) and issubclass(kind, errors.CommandBuilderError)


def test_cli_reports_a_bad_setting_in_one_line(
    demo_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(demo_settings, job_cancel_grace_s="soon")
    assert main(["build", "train", "--workspace", str(demo_settings.root)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("command-builder: ") and err.count("\n") == 1
    assert "job_cancel_grace_s" in err and SETTINGS_FILE in err


def test_cli_usage_errors_exit_2(
    demo_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["build", "train", "--set", "nope=1", "--workspace", str(demo_settings.root)])
    assert code == 2
    assert "unknown key 'nope'" in capsys.readouterr().err


def test_version_from_package_metadata() -> None:
    from importlib.metadata import version

    done = subprocess.run(
        [sys.executable, "-m", "command_builder", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout == f"command-builder {version('ocr-command-builder')}\n"
