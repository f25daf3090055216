"""Canary for the private Hydra hook in commands/validate.py, and its public fallback.

validate.py builds ConfigLoaderImpl through `hydra._internal` and swaps in caching
config sources. If a Hydra upgrade breaks that, compose_check still works (through
PublicLoader, with a warning), so nothing else would notice: these tests fail loudly.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest
from hydra.types import RunMode
from omegaconf import OmegaConf

from command_builder.commands import primary, validate
from command_builder.commands.compose_fallback import PublicLoader
from command_builder.settings import Settings, load_settings

FIXTURES = Path(__file__).parent / "fixtures"
T = TypeVar("T")

CASES = [
    ((), RunMode.RUN),
    (("trainer.max_epochs=3", "+extra_flag=1", "exp_name='a b'"), RunMode.RUN),
    (("seed=1,2", "trainer.max_epochs=2"), RunMode.MULTIRUN),
]


def _plain(config: object) -> dict:
    data = OmegaConf.to_container(config, resolve=False)
    assert isinstance(data, dict)
    return data


def _compose(loader: object, overrides: tuple[str, ...], mode: RunMode) -> dict:
    from hydra import version
    from hydra.core.utils import JobRuntime

    with validate.HYDRA_LOCK:
        version.setbase("1.3")  # as validate._compose does
        JobRuntime().set("name", "train")
        config = loader.load_configuration(  # type: ignore[attr-defined]
            config_name="train", overrides=list(overrides), run_mode=mode, from_shell=False
        )
    return _plain(config)


def test_private_hook_is_installed(demo_settings: Settings) -> None:
    # If this fails, Hydra's internals changed: fix _hooked_loader/_caching_source_class
    # (compose_check meanwhile runs on the slower PublicLoader).
    loader = validate._hooked_loader(str(demo_settings.configs_dir))
    cached = [s for s in loader.repository.sources if type(s).__name__.startswith("Caching")]
    assert {s.scheme() for s in cached} >= {"file", "pkg"}
    _compose(loader, (), RunMode.RUN)
    workspace = next(s for s in cached if s.path == str(demo_settings.configs_dir))
    assert "train" in {name.removesuffix(".yaml") for name in workspace._parsed}


@pytest.mark.parametrize(("overrides", "mode"), CASES)
def test_hook_and_public_api_compose_the_same(
    demo_settings: Settings, overrides: tuple[str, ...], mode: RunMode
) -> None:
    configs = str(demo_settings.configs_dir)
    hooked = _compose(validate._hooked_loader(configs), overrides, mode)
    public = _compose(PublicLoader(configs, RuntimeError("test")), overrides, mode)
    for config in (hooked, public):  # where Hydra records the process, not the config
        config["hydra"]["runtime"].pop("config_sources")
        config["hydra"]["runtime"].pop("cwd")
    assert hooked == public


def _moved(key: str) -> object:  # test stand-in for an upgrade that moved the internals
    raise ImportError("No module named 'hydra._internal.sources_registry'")


def test_broken_hook_falls_back_to_hydra_compose(
    demo_settings: Settings, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    validate.clear_cache()
    monkeypatch.setattr(validate, "_hooked_loader", _moved)
    with caplog.at_level(logging.WARNING):
        good = validate.compose_check(demo_settings, "train", ["trainer.max_epochs=3"])
        bad = validate.compose_check(demo_settings, "train", ["trainer.no_such_key=1"])
    assert isinstance(validate._loader(demo_settings.configs_dir), PublicLoader)
    validate.clear_cache()
    assert good.ok and good.config["trainer"]["max_epochs"] == 3
    assert not bad.ok and bad.issues[0].override == "trainer.no_such_key=1"
    assert "private compose hook is unavailable" in caplog.text


def _both_loaders(monkeypatch: pytest.MonkeyPatch, run: Callable[[], T]) -> tuple[T, T]:
    """`run()` with the private hook, then with the public fallback (fresh caches each)."""
    validate.clear_cache()
    primary.clear_cache()
    hooked = run()
    validate.clear_cache()
    primary.clear_cache()
    with monkeypatch.context() as patch:
        patch.setattr(validate, "_hooked_loader", _moved)
        public = run()
        validate.clear_cache()
        primary.clear_cache()
    return hooked, public


def test_fallback_gives_a_generic_page_its_groups(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The generic form asks the loader for each group's options (and probes the mandatory
    # `domain: ???` with its first): the fallback lacked get_group_options, so every
    # generic page failed to open while the hook was broken.
    shutil.copytree(FIXTURES / "ocr_newest", tmp_path / "ocr_newest")
    settings = load_settings(tmp_path / "ocr_newest")
    hooked, public = _both_loaders(monkeypatch, lambda: primary.primary_tree(settings, "train"))
    assert public == hooked
    assert any(g.mandatory and g.options for g in public.groups)


def test_fallback_keeps_the_effect_check(monkeypatch: pytest.MonkeyPatch) -> None:
    # The effect check reads the configs the composition loaded from the loader's config
    # sources: the fallback had none, so every check said "the effect check failed".
    settings = load_settings(FIXTURES / "effects_project")

    def check() -> validate.ComposeResult:
        return validate.compose_check(settings, "train", ["model/optimizers=adam"])

    hooked, public = _both_loaders(monkeypatch, check)
    assert public.ok and public.resolve_issues == () and public.resolved is not None
    assert public.effects == hooked.effects
    assert [e.key for e in public.effects] == ["model.optimizer._target_"]
