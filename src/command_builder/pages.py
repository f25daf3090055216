"""The one registry of pages: runner, schema, page module, title and URL of each page.

Every page list in the program (CLI choices, the app's navigation, the server's
warm-up, the Jobs page's "Open in builder") reads this module. The builder pages are
the workspace's discovered runners (workspace/runners.py):

- an **OCR page** (train / test / predict) is a runner `runners/<page>.py` whose
  `@hydra.main` composes `<page>.yaml`: the contract the shipped page schemas were
  written for. Its schema is the workspace's schema file, else the shipped default;
- every other runner gets a **generic page**: a schema derived from its composed
  primary config (form/generic.py), refined by a workspace schema file if one exists.

Importing this module imports neither Streamlit nor Hydra.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

from .schema import DEFAULTS_DIR, PageSchema, SchemaError, load_page_schema, schema_path
from .settings import Settings
from .workspace.runners import Runner, get_runners

OCR_PAGES = ("train", "test", "predict")
_OCR_TITLES = {"train": "Train", "test": "Test", "predict": "Predict"}
GENERIC_MODULE = "generic_page"
JOBS_PAGE = "jobs"


@dataclass(frozen=True)
class PageEntry:
    """One page of the app (and of `command-builder build`)."""

    name: str  # the page name: URL path, form state prefix, CLI argument
    title: str
    module: str  # the ui/ module that renders it (its `render(settings)`)
    runner: str | None  # runner path relative to the workspace (None: the Jobs page)
    primary_config: str | None  # the runner's primary config, relative to the workspace
    generic: bool  # derived from the config tree rather than an OCR page schema

    @property
    def url_path(self) -> str:
        return self.name


JOBS = PageEntry(JOBS_PAGE, "Jobs", "jobs_page", None, None, False)


def is_ocr_runner(runner: Runner) -> bool:
    """Whether the runner keeps the contract the OCR page schemas were written for."""
    return (
        runner.page in OCR_PAGES
        and runner.path == f"runners/{runner.page}.py"
        and runner.config_name == runner.page
        and runner.config_dir == "configs"
    )


def _entry(runner: Runner) -> PageEntry:
    ocr = is_ocr_runner(runner)
    return PageEntry(
        name=runner.page,
        title=_OCR_TITLES[runner.page] if ocr else runner.page.replace("_", " ").title(),
        module=f"{runner.page}_page" if ocr else GENERIC_MODULE,
        runner=runner.path,
        primary_config=runner.primary_config,
        generic=not ocr,
    )


def builder_pages(settings: Settings, *, max_age_s: float = math.inf) -> tuple[PageEntry, ...]:
    """The form pages of the workspace: OCR pages first (train, test, predict), then A-Z."""
    runners = get_runners(settings, max_age_s=max_age_s).runners
    entries = [_entry(r) for r in runners]
    rank = {name: i for i, name in enumerate(OCR_PAGES)}
    return tuple(sorted(entries, key=lambda e: (e.generic, rank.get(e.name, 0), e.name)))


def all_pages(settings: Settings, *, max_age_s: float = math.inf) -> tuple[PageEntry, ...]:
    """Builder pages, then the Jobs page."""
    return (*builder_pages(settings, max_age_s=max_age_s), JOBS)


def page_entry(settings: Settings, name: str, *, max_age_s: float = math.inf) -> PageEntry | None:
    return next((e for e in builder_pages(settings, max_age_s=max_age_s) if e.name == name), None)


def page_names(settings: Settings) -> tuple[str, ...]:
    return tuple(e.name for e in builder_pages(settings))


# --- schemas ------------------------------------------------------------------------------

_generic: dict[tuple[str, str], tuple[object, object, PageSchema]] = {}
_generic_lock = threading.Lock()


def load_schema(settings: Settings, page: str) -> PageSchema:
    """The page's schema: the OCR page schema, or the generic one (SchemaError if neither)."""
    entry = page_entry(settings, page)
    if entry is None:
        if page in OCR_PAGES:  # a workspace without that runner still has the shipped form
            return load_page_schema(settings, page)
        known = ", ".join(page_names(settings)) or "none"
        raise SchemaError(str(settings.root), None, None, f"no runner {page!r} (runners: {known})")
    if not entry.generic:
        return load_page_schema(settings, page)
    return _generic_schema(settings, entry)


def _generic_schema(settings: Settings, entry: PageEntry) -> PageSchema:
    """Derived once per (config tree, refining schema) pair: the same object until they change."""
    from .commands.primary import PrimaryConfigError, primary_tree
    from .form.generic import generic_schema

    try:
        tree = primary_tree(settings, entry.name)
    except PrimaryConfigError as exc:
        raise SchemaError(entry.primary_config or entry.name, None, None, str(exc)) from exc
    refine = _refining_schema(settings, entry.name)
    key = (str(settings.root), entry.name)
    with _generic_lock:
        known = _generic.get(key)
    if known is not None and known[0] is tree and known[1] is refine:
        return known[2]
    schema = generic_schema(entry.name, tree, refine, runner=entry.runner)
    with _generic_lock:
        _generic[key] = (tree, refine, schema)
    return schema


def _refining_schema(settings: Settings, page: str) -> PageSchema | None:
    """The workspace's own schema file for a generic page (never a shipped default)."""
    path = schema_path(settings, page)
    if path.parent == DEFAULTS_DIR:
        return None
    return load_page_schema(settings, page)
