"""The job gate (commands.gate) against real Hydra compositions of the demo workspace.

Every hostile command of issue 9 ("What was found" 1 and the path items of 6) is refused,
through the function and through `command-builder run ... --yes`, with the override
named; the commands the form writes (defaults, sweeps, SLURM launches) still pass.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from command_builder import form, service
from command_builder.cli import main
from command_builder.commands.command_line import build_argv
from command_builder.commands.gate import GateRefused, check_job, problems_of, resolver_names
from command_builder.jobs import JobRefused, JobStore, submit_job
from command_builder.settings import Settings
from form_helpers import make_run

SIDE = "/tmp/command-builder-gate-pwned"  # what the hostile commands would have written

LOCAL = "hydra_plugins.hydra_submitit_launcher.submitit_launcher.LocalLauncher"
# (overrides, multirun, the override to blame, a word of the reason)
HOSTILE = {
    "callbacks in a dict value": (
        [f"++hydra={{callbacks:{{x:{{_target_:logging.FileHandler,filename:{SIDE}}}}}}}"],
        False,
        0,
        "_target_",
    ),
    "submitit setup through a replaced launcher": (
        ["~hydra/launcher", f'+hydra.launcher={{_target_:{LOCAL},setup:["id > {SIDE}"]}}'],
        True,
        0,
        "removes hydra.launcher",
    ),
    "env_set through the job node": (["++hydra.job={env_set:{X:1}}"], False, 0, "environment"),
    "a model node with a target": (["+model.evil={_target_:os.system}"], False, 0, "_target_"),
    "partial": (["+model.evil={_partial_:true}"], False, 0, "_partial_"),
    "run folder outside": (["hydra.run.dir=/outside"], False, 0, "outside the workspace"),
    "sweep folder outside": (["hydra.sweep.dir=/outside"], True, 0, "outside the workspace"),
    "exp_name climbing out": (["exp_name=../../../../x"], False, 0, "outside the workspace"),
    "checkpoint outside": (["++checkpoint_path=/etc/passwd"], False, 0, "outside the workspace"),
    "run folder is configs/": (["hydra.run.dir=configs/x"], False, 0, "inside configs/"),
    "an unknown resolver": (["exp_name=${oc.env:HOME}"], False, 0, "resolver oc.env"),
    "a nested unknown resolver": (["exp_name='${oc.select:${oc.env:HOME},x}'"], False, 0, "oc.env"),
    "a resolver in a dict": (['+model.x={a:"${oc.create:{}}"}'], False, 0, "oc.create"),
    "an interpolation bringing a target": (["+model.evil=${hydra.launcher}"], False, 0, "_target_"),
    "job name as a path": (["hydra.job.name=../x"], False, 0, "plain name"),
    "a newline into sbatch": (
        ["hydra/launcher=submitit_slurm", "hydra.launcher.partition='a\nb'"],
        True,
        1,
        "control character",
    ),
    "sbatch lines as a list": (
        ["hydra/launcher=submitit_slurm", 'hydra.launcher.setup=["id"]'],
        True,
        1,
        "shell",
    ),
    "chdir": (["hydra.job.chdir=true"], False, 0, "Hydra's own setting"),
    "job logging": (["hydra/job_logging=disabled"], False, 0, "logging"),
    "logging handlers through a dict": (
        ['++hydra.job_logging={root:{level:"DEBUG"}}'],
        False,
        0,
        "logging",
    ),
    "search path": (["++hydra={searchpath:[file:///tmp]}"], False, 0, "config sources"),
    "a launcher the page does not offer": (["hydra/launcher=nope"], False, 0, "launcher"),
    "a huge sweep": (["model.optimizer.lr=range(0,1e9,1e-9)"], True, 0, "more than the limit"),
    "a sweep of outside paths": (["checkpoint_path=a.ckpt,/etc/passwd"], True, 0, "outside"),
}


def _argv(settings: Settings, overrides: list[str], multirun: bool) -> list[str]:
    return build_argv(settings, "train", overrides, multirun=multirun)


@pytest.mark.parametrize("case", list(HOSTILE), ids=list(HOSTILE))
def test_hostile_commands_are_refused_naming_the_override(
    read_only_demo: Settings, case: str
) -> None:
    overrides, multirun, blamed, word = HOSTILE[case]
    problems = problems_of(read_only_demo, _argv(read_only_demo, overrides, multirun))
    assert problems, f"{case} passed the gate"
    assert problems[0].override == overrides[blamed]
    assert word in problems[0].reason
    with pytest.raises(JobRefused) as refused:
        submit_job(read_only_demo, "train", _argv(read_only_demo, overrides, multirun), {})
    assert overrides[blamed] in str(refused.value) and refused.value.problems
    assert JobStore(read_only_demo).list(10) == []


# Through the CLI: every case in `make test`; in `make test-fast` only a few (each case's
# refusal is already checked there by the function test above; these add the CLI's wiring).
CLI_FAST = {"callbacks in a dict value", "a newline into sbatch", "a sweep of outside paths"}


@pytest.mark.parametrize(
    "case",
    [pytest.param(c, marks=() if c in CLI_FAST else pytest.mark.slow) for c in HOSTILE],
    ids=list(HOSTILE),
)
def test_hostile_commands_are_refused_by_the_cli_run(
    read_only_demo: Settings, case: str, capsys: pytest.CaptureFixture[str]
) -> None:
    overrides, multirun, blamed, word = HOSTILE[case]
    command = shlex.join(_argv(read_only_demo, ["exp_name=gate", *overrides], multirun))
    args = ["run", "train", "--from-command", command, "--yes", "--workspace"]
    code = main([*args, str(read_only_demo.root)])
    err = capsys.readouterr().err
    assert code != 0
    assert overrides[blamed] in err or word.lower() in err.lower(), err
    assert JobStore(read_only_demo).list(10) == []
    assert not Path(SIDE).exists()


def test_a_foreign_program_is_refused_before_composing(read_only_demo: Settings) -> None:
    with pytest.raises(GateRefused) as refused:
        check_job(read_only_demo, ["/bin/sh", "-c", f"id > {SIDE}"])
    assert "prefix" in str(refused.value)


def _built(settings: Settings, page: str, changes: dict[str, object], sweeps=None) -> list[str]:
    """The argv the page's form writes for these field values (a checkpoint when it needs one)."""
    context = service.page_context(settings, page)
    state = form.initial_state(context.schema, context.catalog)
    if context.index is not None:
        checkpoint = make_run(settings, "earlier")
        context.index.refresh()
        state, _ = form.apply_checkpoint(
            context.schema, context.catalog, context.index, state, checkpoint
        )
    for key, value in changes.items():
        state = form.apply_change(context.schema, context.catalog, state, key, value)
    for key, spec in (sweeps or {}).items():
        state = form.apply_sweep(context.schema, state, key, spec)
    built = service.command_of(
        settings, form.build_view(context.schema, context.catalog, context.index, state)
    )
    assert not built.errors, built.errors
    return list(built.argv)


ORDINARY = {
    "train defaults": ("train", {"exp_name": "receipts_v3"}, None),
    "test defaults": ("test", {"exp_name": "eval"}, None),
    "predict defaults": ("predict", {"exp_name": "pred"}, None),
    "a submitit-local sweep": (
        "train",
        {"exp_name": "s", "launcher": "submitit_local"},
        {"learning_rate": "1e-3,5e-4"},
    ),
    "a SLURM launch with parameters": (
        "train",
        {
            "exp_name": "cluster",
            "launcher": "submitit_slurm",
            "slurm_partition": "gpu",
            "slurm_nodes": 2,
            "slurm_gpus_per_node": 4,
            "slurm_timeout_min": 120,
            "slurm_additional_parameters": "mail-user=me@example.org\nexclusive",
        },
        {"learning_rate": "range(1e-4,5e-4,1e-4)"},
    ),
}


@pytest.mark.parametrize("case", list(ORDINARY), ids=list(ORDINARY))
def test_commands_the_form_writes_pass(demo_settings: Settings, case: str) -> None:
    page, changes, sweeps = ORDINARY[case]
    argv = _built(demo_settings, page, changes, sweeps)
    assert problems_of(demo_settings, argv) == ()


@pytest.mark.parametrize(
    "overrides",
    [
        ["exp_name=${model.architecture_name}"],  # plain interpolation
        ["exp_name=\\${oc.env:HOME}"],  # an escaped ${ is text, not a resolver call
        ["checkpoint_path=outputs/run/checkpoints/last.ckpt"],
        ["hydra.run.dir=outputs/mine", "hydra.job.name=try_1"],
        ["--multirun", "hydra.sweep.subdir=${hydra.job.num}", "seed=1,2"],
        ["hydra/launcher=submitit_slurm", "hydra.mode=MULTIRUN"],
    ],
)
def test_allowed_changes_pass(read_only_demo: Settings, overrides: list[str]) -> None:
    multirun = "--multirun" in overrides
    words = [o for o in overrides if o != "--multirun"]
    assert problems_of(read_only_demo, _argv(read_only_demo, words, multirun)) == ()


def _chdir_workspace(settings: Settings) -> None:
    base = settings.configs_dir / "base.yaml"
    base.write_text(
        base.read_text(encoding="utf-8").replace("chdir: false", "chdir: true"), encoding="utf-8"
    )


def test_with_chdir_the_defaults_pass_and_paths_are_judged_from_the_run_folder_too(
    demo_settings: Settings,
) -> None:
    _chdir_workspace(demo_settings)
    assert problems_of(demo_settings, _built(demo_settings, "train", {"exp_name": "c"})) == ()
    inside_from_both = ["checkpoint_path=outputs/a/checkpoints/last.ckpt"]
    assert problems_of(demo_settings, _argv(demo_settings, inside_from_both, False)) == ()
    (problem,) = problems_of(demo_settings, _argv(demo_settings, ["resume=../../x.ckpt"], False))
    assert "outside the workspace" in problem.reason


def test_resolver_names_reads_nested_calls_and_skips_escapes() -> None:
    assert resolver_names("a${oc.select:${oc.env:X},d}b ${x.y}") == {"oc.select", "oc.env"}
    assert resolver_names("\\${oc.env:X}") == set()
    with pytest.raises(ValueError):
        resolver_names("${oc.env:")
