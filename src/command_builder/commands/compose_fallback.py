"""Composition through Hydra's public API, for when validate.py's private hook breaks.

validate.py builds Hydra's ConfigLoaderImpl itself and swaps its config sources
(through `hydra._internal`: SourcesRegistry, ConfigLoaderImpl,
create_config_search_path) to parse each YAML file once. A Hydra upgrade may move
those; then `PublicLoader` composes the same config with `initialize_config_dir` +
`compose` (slower: the search path is rebuilt per call), and a warning says why.
tests/test_hydra_canary.py fails loudly while the hook is broken, and checks that
both give the same config.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from omegaconf import DictConfig

log = logging.getLogger(__name__)


class PublicLoader:
    """`load_configuration` as ConfigLoaderImpl has it, on Hydra's public entry points."""

    def __init__(self, configs_dir: str, reason: BaseException) -> None:
        self.configs_dir = configs_dir
        log.warning(
            "Hydra's private compose hook is unavailable (%s: %s); composing %s through "
            "hydra.compose, which is slower",
            type(reason).__name__,
            reason,
            configs_dir,
        )

    def load_configuration(
        self,
        config_name: str,
        overrides: Sequence[str],
        run_mode: object,
        from_shell: bool = False,
    ) -> DictConfig:
        """The composed config including its `hydra` node (the caller holds HYDRA_LOCK)."""
        from hydra import compose, initialize_config_dir
        from hydra.core.global_hydra import GlobalHydra
        from hydra.core.utils import JobRuntime
        from hydra.types import RunMode

        job_name = JobRuntime.instance().get("name")  # the caller's; initialize would reset it
        GlobalHydra.instance().clear()  # a runner imported in-process may have left one
        with initialize_config_dir(self.configs_dir, version_base="1.3", job_name=job_name):
            if run_mode != RunMode.MULTIRUN:
                return compose(config_name, list(overrides), return_hydra_config=True)
            # hydra.compose fixes RunMode.RUN, which refuses sweeps; this is the call it makes.
            hydra = GlobalHydra.instance().hydra
            assert hydra is not None
            return hydra.compose_config(
                config_name, list(overrides), run_mode=RunMode.MULTIRUN, from_shell=from_shell
            )
