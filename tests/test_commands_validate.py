"""compose_check: Hydra's verdict per override, cached, safe under threads."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from command_builder.commands import ComposeIssue, compose_check, format_override
from command_builder.commands import validate as validate_module
from command_builder.commands.validate import STATS, clear_cache, hydra_message
from command_builder.settings import Settings


@pytest.fixture(autouse=True)
def _fresh_cache():
    clear_cache()
    yield
    clear_cache()


def only_issue(result) -> ComposeIssue:
    assert not result.ok and result.config is None
    assert len(result.issues) == 1, result.issues
    return result.issues[0]


def test_good_command(demo_settings: Settings) -> None:
    result = compose_check(
        demo_settings,
        "train",
        (
            "exp_name=receipts_v3",
            "model/architectures=dbnetpp",
            "model/optimizers=adamw",
            "model.optimizer.lr=0.0005",
            "trainer.max_epochs=40",
            "data=canonical",
        ),
    )
    assert result.ok and result.issues == ()
    assert result.config["exp_name"] == "receipts_v3"
    assert result.config["model"]["optimizer"]["lr"] == 0.0005
    assert result.config["hydra"]["runtime"]["choices"]["model/architectures"] == "dbnetpp"
    assert result.missing == ()


def test_missing_mandatory_values_listed(demo_settings: Settings) -> None:
    result = compose_check(demo_settings, "test", ())
    assert result.ok and result.missing == ("checkpoint_path",)
    assert compose_check(demo_settings, "test", ("checkpoint_path=x.ckpt",)).missing == ()


def test_bad_key(demo_settings: Settings) -> None:
    issue = only_issue(compose_check(demo_settings, "train", ("seed=1", "foo.bar=1")))
    assert issue.override == "foo.bar=1"
    assert "Could not override 'foo.bar'" in issue.message


def test_missing_group_option(demo_settings: Settings) -> None:
    issue = only_issue(compose_check(demo_settings, "train", ("model/architectures=nope",)))
    assert issue.override == "model/architectures=nope"
    assert "Could not find 'model/architectures/nope'" in issue.message
    assert "dbnetpp" in issue.message  # Hydra lists the available options
    assert "Config search path" not in issue.message


def test_syntax_error(demo_settings: Settings) -> None:
    issue = only_issue(compose_check(demo_settings, "train", ("model.optimizer.lr=[1,",)))
    assert issue.override == "model.optimizer.lr=[1,"
    assert "no viable alternative" in issue.message


def test_type_error_in_structured_hydra_launcher(demo_settings: Settings) -> None:
    issue = only_issue(
        compose_check(
            demo_settings,
            "train",
            (
                "hydra/launcher=submitit_local",
                "hydra.launcher.timeout_min=abc",
            ),
        )
    )
    assert issue.override == "hydra.launcher.timeout_min=abc"
    assert "could not be converted to Integer" in issue.message
    ok = compose_check(
        demo_settings, "train", ("hydra/launcher=submitit_slurm", "hydra.launcher.partition=gpu")
    )
    assert ok.ok and ok.config["hydra"]["launcher"]["partition"] == "gpu"


def test_every_bad_override_reported(demo_settings: Settings) -> None:
    overrides = (
        "foo.bar=1",
        "model/architectures=nope",
        "exp_name=ok",
        "x=[",
        "data=zzz",
        "+seed=3",
        "~nope",
    )
    result = compose_check(demo_settings, "train", overrides)
    assert not result.ok
    assert {i.override for i in result.issues} == set(overrides) - {"exp_name=ok"}


def test_sweeps_need_multirun_and_are_checked_per_value(demo_settings: Settings) -> None:
    issue = only_issue(compose_check(demo_settings, "train", ("model.optimizer.lr=0.1,0.01",)))
    assert issue.override == "model.optimizer.lr=0.1,0.01" and "--multirun" in issue.message
    assert compose_check(demo_settings, "train", ("model.optimizer.lr=0.1,0.01",), multirun=True).ok
    bad = compose_check(
        demo_settings, "train", ("model/architectures=dbnet,nope", "seed=1,2"), multirun=True
    )
    assert [i.override for i in bad.issues] == ["model/architectures=dbnet,nope"]


def test_nasty_values_compose(demo_settings: Settings) -> None:
    text = 'it\'s "${seed}" \\ = , [x]'
    result = compose_check(demo_settings, "train", (format_override("exp_name", text),))
    assert result.ok
    from omegaconf import OmegaConf

    assert OmegaConf.create(result.config).exp_name == text


def test_unknown_page(demo_settings: Settings) -> None:
    issue = only_issue(compose_check(demo_settings, "nope", ()))
    assert issue.override is None and "no primary config" in issue.message


def test_cache_hit_does_not_compose(demo_settings: Settings) -> None:
    overrides = ("exp_name=cached", "seed=7")
    first = compose_check(demo_settings, "train", overrides, version="v1")
    before = STATS.compositions
    second = compose_check(demo_settings, "train", overrides, version="v1")
    assert second is first and STATS.compositions == before
    compose_check(demo_settings, "train", overrides, version="v2")  # new config tree: compose
    assert STATS.compositions == before + 1


def test_config_edit_seen_through_fingerprint(demo_settings: Settings, monkeypatch) -> None:
    from command_builder.commands import validate

    monkeypatch.setattr(validate, "FINGERPRINT_TTL_S", 0.0)
    assert compose_check(demo_settings, "train", ("data=extra",)).issues
    (demo_settings.configs_dir / "data" / "extra.yaml").write_text(
        "dataset_name: extra\n", encoding="utf-8"
    )
    result = compose_check(demo_settings, "train", ("data=extra",))
    assert result.ok and result.config["data"]["dataset_name"] == "extra"
    # An edited file (new size) is read again, not served from the parsed-YAML cache.
    (demo_settings.configs_dir / "data" / "extra.yaml").write_text(
        "dataset_name: edited!\n", encoding="utf-8"
    )
    assert (
        compose_check(demo_settings, "train", ("data=extra",)).config["data"]["dataset_name"]
        == "edited!"
    )


@pytest.mark.slow  # seconds of real Hydra composes; not in `make test-fast`
def test_threads_compose_at_once(demo_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    # Every thread must get its composition: no "busy" on a slow, shared machine.
    monkeypatch.setattr(validate_module, "COMPOSE_LOCK_TIMEOUT_S", 600.0)
    errors: list[BaseException] = []
    results: dict[int, object] = {}

    def work(n: int) -> None:
        try:
            good = compose_check(
                demo_settings, "train", (f"exp_name=t{n}", "model/architectures=craft")
            )
            bad = compose_check(demo_settings, "train", (f"seed={n}", "model/architectures=nope"))
            results[n] = (good.ok, good.config["exp_name"], [i.override for i in bad.issues])
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert results == {n: (True, f"t{n}", ["model/architectures=nope"]) for n in range(6)}


def test_hydra_message_falls_back_to_type_name() -> None:
    assert hydra_message(RuntimeError()) == "RuntimeError"


def test_the_config_token_follows_the_config_files(tmp_path: Path) -> None:
    """The compose cache's token: any config file added or changed makes a new one; other
    files and the page schemas folder (not Hydra's) do not."""
    from command_builder.commands.validate import config_fingerprint

    (tmp_path / "train.yaml").write_text("x: 1\n", encoding="utf-8")
    first = config_fingerprint(tmp_path)
    (tmp_path / "notes.txt").write_text("not a config\n", encoding="utf-8")
    (tmp_path / "ui_meta" / "schemas").mkdir(parents=True)
    (tmp_path / "ui_meta" / "schemas" / "train.yaml").write_text("a: 1\n", encoding="utf-8")
    assert config_fingerprint(tmp_path) == first
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "dbnet.yaml").write_text("y: 2\n", encoding="utf-8")
    added = config_fingerprint(tmp_path)
    assert added != first
    (tmp_path / "model" / "dbnet.yaml").write_text("y: 22\n", encoding="utf-8")
    assert config_fingerprint(tmp_path) not in (first, added)
