"""Composition through Hydra's public API, for when validate.py's private hook breaks.

validate.py builds Hydra's ConfigLoaderImpl itself and swaps its config sources
(through `hydra._internal`: SourcesRegistry, ConfigLoaderImpl,
create_config_search_path) to parse each YAML file once. A Hydra upgrade may move
those; then `PublicLoader` composes the same config with `initialize_config_dir` +
`compose` (slower: the search path is rebuilt per call), and a warning says why.
tests/test_hydra_canary.py fails loudly while the hook is broken, and checks that
both give the same config, group options and config sources.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Protocol

from omegaconf import DictConfig

if TYPE_CHECKING:
    from hydra.core.config_loader import ConfigLoader
    from hydra.plugins.config_source import ConfigSource
    from hydra.types import RunMode

log = logging.getLogger(__name__)


class ComposeLoader(Protocol):
    """What the builder asks of a config loader: Hydra's ConfigLoaderImpl or PublicLoader.

    All three are methods of Hydra's public ConfigLoader interface.
    """

    def load_configuration(
        self,
        config_name: str | None,
        overrides: list[str],
        run_mode: RunMode,
        from_shell: bool = ...,
    ) -> DictConfig: ...
    def get_group_options(self, group_name: str) -> list[str]: ...
    def get_sources(self) -> list[ConfigSource]: ...


class PublicLoader:
    """ComposeLoader on Hydra's public entry points (initialize_config_dir, compose)."""

    def __init__(self, configs_dir: str, reason: BaseException) -> None:
        self.configs_dir = configs_dir
        self._sources: list[ConfigSource] | None = None
        log.warning(
            "Hydra's private compose hook is unavailable (%s: %s); composing %s through "
            "hydra.compose, which is slower",
            type(reason).__name__,
            reason,
            configs_dir,
        )

    def load_configuration(
        self,
        config_name: str | None,
        overrides: Sequence[str],
        run_mode: RunMode,
        from_shell: bool = False,
    ) -> DictConfig:
        """The composed config including its `hydra` node (the caller holds HYDRA_LOCK)."""
        from hydra import compose
        from hydra.core.global_hydra import GlobalHydra
        from hydra.types import RunMode

        with self._initialized():
            if run_mode != RunMode.MULTIRUN:
                return compose(config_name, list(overrides), return_hydra_config=True)
            # hydra.compose fixes RunMode.RUN, which refuses sweeps; this is the call it makes.
            hydra = GlobalHydra.instance().hydra
            assert hydra is not None
            return hydra.compose_config(
                config_name, list(overrides), run_mode=RunMode.MULTIRUN, from_shell=from_shell
            )

    def get_group_options(self, group_name: str) -> list[str]:
        """Options of a config group, from every source of the search path."""
        with self._initialized() as loader:
            return loader.get_group_options(group_name)

    def get_sources(self) -> list[ConfigSource]:
        """The search path's config sources (built once: they only know where to read)."""
        if self._sources is None:
            with self._initialized() as loader:
                self._sources = loader.get_sources()
        return self._sources

    @contextmanager
    def _initialized(self) -> Iterator[ConfigLoader]:
        """Hydra's public config loader of this config dir (the caller holds HYDRA_LOCK)."""
        from hydra import initialize_config_dir
        from hydra.core.global_hydra import GlobalHydra
        from hydra.core.utils import JobRuntime

        job_name = JobRuntime.instance().get("name")  # the caller's; initialize would reset it
        GlobalHydra.instance().clear()  # a runner imported in-process may have left one
        with initialize_config_dir(self.configs_dir, version_base="1.3", job_name=job_name):
            yield GlobalHydra.instance().config_loader()
