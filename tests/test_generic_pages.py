"""Any Hydra project: runners found with ast, generic forms from the composed config,
`--set` with config paths, required `???` fields, and a page for every runner.

Fixtures: tests/fixtures/lightning_project (a Hydra + Lightning project, runners under
src/) and tests/fixtures/ocr_newest (the OCR project's newest layout, `domain: ???`).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from command_builder import pages
from command_builder.commands.command_line import is_workspace_command
from command_builder.commands.primary import ConfigTree, GroupChoice
from command_builder.commands.validate import compose_check
from command_builder.form import apply_change, build_view, initial_state
from command_builder.form.generic import NO_CHOICE, generic_schema
from command_builder.form.search import search_fields
from command_builder.service import command_of
from command_builder.settings import Settings, load_settings
from command_builder.workspace import get_catalog
from command_builder.workspace.runners import discover_runners
from form_helpers import run_cli

FIXTURES = Path(__file__).parent / "fixtures"
HYDRA_RUNNER = (
    "import hydra\n\n\n"
    "@hydra.main(version_base=None, config_path='{path}', config_name='train')\n"
    "def main(cfg):\n    print(cfg)\n"
)


def _copy(tmp_path: Path, name: str) -> Settings:
    target = tmp_path / name
    shutil.copytree(FIXTURES / name, target, ignore=shutil.ignore_patterns("__pycache__"))
    return load_settings(target)


@pytest.fixture
def lightning(tmp_path: Path) -> Settings:
    return _copy(tmp_path, "lightning_project")


@pytest.fixture
def ocr_newest(tmp_path: Path) -> Settings:
    return _copy(tmp_path, "ocr_newest")


# One copy per module for the tests that only read it (warm caches; see read_only_demo).
@pytest.fixture(scope="module")
def read_only_lightning(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return _copy(tmp_path_factory.mktemp("shared"), "lightning_project")


@pytest.fixture(scope="module")
def read_only_ocr_newest(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return _copy(tmp_path_factory.mktemp("shared"), "ocr_newest")


# --- discovery ----------------------------------------------------------------------------


def test_runners_are_found_with_ast_and_never_imported(lightning: Settings) -> None:
    root = lightning.root
    for folder in (".venv/lib", "outputs/old", "node_modules/x", ".git/hooks"):
        (root / folder).mkdir(parents=True)
        (root / folder / "train.py").write_text(HYDRA_RUNNER.format(path="../../configs"))
    (root / "tools" / "legacy").mkdir(parents=True)
    (root / "tools" / "legacy" / "train.py").write_text(
        "raise SystemExit('imported!')\n" + HYDRA_RUNNER.format(path="../../configs")
    )
    (root / "src" / "broken.py").write_text("import hydra\n@hydra.main(\ndef x(:\n")
    found = discover_runners(root)
    assert {r.page: r.path for r in found.runners} == {
        "eval": "src/eval.py",
        "legacy_train": "tools/legacy/train.py",  # a deeper namesake is qualified
        "train": "src/train.py",
    }
    train = found.by_page["train"]
    assert (train.config_dir, train.config_name, train.version_base) == ("configs", "train", "1.3")
    assert train.primary_config == "configs/train.yaml"
    assert [i.path for i in found.issues] == ["src/broken.py"] and found.issues[0].line


def test_the_ocr_newest_layout_runners(ocr_newest: Settings) -> None:
    found = discover_runners(ocr_newest.root)
    assert [(r.page, r.config_name, r.version_base) for r in found.runners] == [
        ("train", "main", None)
    ]
    (issue,) = found.issues
    assert issue.path == "runners/test.py" and issue.line == 12
    assert "configs/eval.yaml does not exist" in issue.message
    entry = pages.page_entry(ocr_newest, "train")
    assert entry is not None and entry.generic  # config_name="main": not the OCR train form


def test_computed_config_path_is_assumed_configs(lightning: Settings) -> None:
    (lightning.root / "runners").mkdir()
    (lightning.root / "runners" / "fit.py").write_text(
        "import hydra\nfrom pathlib import Path\n\n\n"
        "@hydra.main(config_path=str(Path(__file__).parent.parent / 'configs'), "
        "config_name='train', version_base='1.3')\ndef main(cfg):\n    pass\n"
    )
    fit = discover_runners(lightning.root).by_page["fit"]
    assert fit.config_dir == "configs" and fit.note and "computed" in fit.note


def test_cli_runners_json(read_only_lightning: Settings, capsys) -> None:
    code, out, _ = run_cli(
        capsys, "runners", "--workspace", str(read_only_lightning.root), "--json"
    )
    assert code == 0
    rows = {r["page"]: r for r in json.loads(out)["runners"]}
    assert rows["eval"]["primary_config"] == "configs/eval.yaml"
    assert rows["eval"]["runner"] == "src/eval.py" and rows["eval"]["form"] == "generic"


def test_the_gate_allows_exactly_the_discovered_runners(read_only_lightning: Settings) -> None:
    prefix = list(read_only_lightning.command_prefix)
    assert (
        is_workspace_command([*prefix, "src/eval.py", "ckpt_path=x"], read_only_lightning) is None
    )
    refused = is_workspace_command([*prefix, "src/utils/helpers.py"], read_only_lightning)
    assert refused is not None and "not a runner" in refused


# --- build with config paths --------------------------------------------------------------


def _build(capsys, settings: Settings, page: str, *sets: str) -> tuple[int, dict, str]:
    argv = ["build", page, "--workspace", str(settings.root), "--json"]
    for item in sets:
        argv += ["--set", item]
    code, out, err = run_cli(capsys, *argv)
    return code, json.loads(out) if out else {}, err


def test_config_path_sets_compose_with_the_values_arriving(
    read_only_lightning: Settings, capsys
) -> None:
    ckpt = str(read_only_lightning.root / "last.ckpt")
    code, built, err = _build(
        capsys,
        read_only_lightning,
        "eval",
        "trainer.max_epochs=3",
        "data=cifar10",
        "+callbacks=rich_progress_bar",
        f"ckpt_path={ckpt}",
    )
    assert code == 0, (built, err)
    assert built["argv"][len(read_only_lightning.command_prefix)] == "src/eval.py"
    result = compose_check(read_only_lightning, "eval", built["overrides"])
    assert result.ok and result.missing == ()
    config = result.config
    assert config is not None and config["trainer"]["max_epochs"] == 3
    assert config["data"]["_target_"].endswith("CIFAR10DataModule")
    assert "rich_progress_bar" in config["callbacks"] and config["ckpt_path"] == ckpt


def test_the_runner_itself_receives_the_values(lightning: Settings, capsys) -> None:
    code, built, _ = _build(capsys, lightning, "eval", "trainer.max_epochs=4", "ckpt_path=a.ckpt")
    assert code == 0
    argv = [sys.executable, *built["argv"][len(lightning.command_prefix) :]]
    done = subprocess.run(argv, cwd=lightning.root, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "ckpt_path: a.ckpt" in done.stdout and "max_epochs: 4" in done.stdout


def test_unknown_path_gets_hydras_error_on_the_option(
    read_only_lightning: Settings, capsys
) -> None:
    code, _, err = run_cli(
        capsys,
        *("build", "train", "--workspace", str(read_only_lightning.root)),
        *("--set", "trainer.nope=3", "--set", "+callbacks=rich_progress_bar"),
    )
    assert code == 1
    assert "--set trainer.nope=3: Could not override 'trainer.nope'" in err
    assert "--set +callbacks=rich_progress_bar: Multiple values for callbacks" in err


def test_set_on_an_ocr_page_takes_config_paths(demo_settings: Settings, capsys) -> None:
    code, built, err = _build(capsys, demo_settings, "train", "exp_name=x", "trainer.max_epochs=7")
    assert code == 0, err
    result = compose_check(demo_settings, "train", built["overrides"])
    assert result.ok and result.config is not None
    assert result.config["trainer"]["max_epochs"] == 7


def test_unknown_runner_is_a_usage_error(read_only_lightning: Settings, capsys) -> None:
    code, _, err = run_cli(capsys, "build", "fit", "--workspace", str(read_only_lightning.root))
    assert code == 2 and "runners: eval, train" in err


def test_required_values_block_the_command(
    read_only_lightning: Settings, read_only_ocr_newest: Settings, capsys
) -> None:
    code, built, _ = _build(capsys, read_only_lightning, "eval")
    assert code == 1 and any("ckpt_path: required" in e for e in built["errors"])
    code, built, _ = _build(capsys, read_only_ocr_newest, "train")
    assert code == 1 and any("domain: required" in e for e in built["errors"])
    code, built, err = _build(
        capsys, read_only_ocr_newest, "train", "domain=recognition", "trainer.max_epochs=5"
    )
    assert code == 0, err
    result = compose_check(read_only_ocr_newest, "train", built["overrides"])
    assert result.ok and result.config is not None
    assert result.config["trainer"]["max_epochs"] == 5
    assert result.config["model"]["optimizer"]["_target_"] == "torch.optim.AdamW"


# --- the generic schema -------------------------------------------------------------------


def test_generic_form_emits_only_what_changed(read_only_lightning: Settings) -> None:
    schema = pages.load_schema(read_only_lightning, "train")
    catalog = get_catalog(read_only_lightning)
    by_path = schema.by_path
    assert by_path["data"].type == "selectbox" and by_path["data"].default == "mnist"
    assert by_path["data"].options == ("cifar10", "mnist")
    assert by_path["logger"].default == NO_CHOICE and NO_CHOICE in (by_path["logger"].options or ())
    assert (
        by_path["trainer.max_epochs"].kind == "int" and by_path["trainer.max_epochs"].default == 10
    )
    assert by_path["trainer.deterministic"].type == "checkbox"
    assert "model.optimizer._target_" not in by_path  # code, not a setting
    state = initial_state(schema, catalog)
    view = build_view(schema, catalog, None, state)
    assert view.overrides == () and view.ok
    state = apply_change(schema, catalog, state, by_path["trainer.max_epochs"].key, 3)
    state = apply_change(schema, catalog, state, by_path["logger"].key, "csv")
    assert build_view(schema, catalog, None, state).overrides == (
        "logger=csv",
        "trainer.max_epochs=3",
    )
    sections = [f.section for f in view.fields]
    assert sections[0] == "General" and sections.index("data") < sections.index("trainer")


def test_none_for_an_optional_group_deletes_it(read_only_lightning: Settings) -> None:
    catalog = get_catalog(read_only_lightning)
    tree = ConfigTree(
        "configs/x.yaml",
        {"seed": 1},
        (GroupChoice("local", "default", ("default", "laptop"), optional=True),),
    )
    schema = generic_schema("x", tree)
    element = schema.by_path["local"]
    state = apply_change(schema, catalog, initial_state(schema, catalog), element.key, NO_CHOICE)
    assert build_view(schema, catalog, None, state).overrides == ("~local",)


def test_a_schema_file_refines_the_generic_form(lightning: Settings, capsys) -> None:
    lightning.schemas_dir.mkdir(parents=True)
    (lightning.schemas_dir / "eval.yaml").write_text(
        "page: eval\ntitle: Evaluate\nelements:\n"
        "  - key: checkpoint\n    type: text_input\n    label: Checkpoint file\n"
        "    section: Run\n    hydra_override: ckpt_path\n"
        "    validation:\n      required: true\n      pattern: '.*\\.ckpt'\n",
        encoding="utf-8",
    )
    schema = pages.load_schema(lightning, "eval")
    first = schema.elements[0]
    assert (first.key, first.label, first.section) == ("checkpoint", "Checkpoint file", "Run")
    assert first.omit_if_default and "trainer.max_epochs" in schema.by_path
    code, built, _ = _build(capsys, lightning, "eval", "checkpoint=model.pt")
    assert code == 1 and any("pattern" in e for e in built["errors"])
    code, built, _ = _build(capsys, lightning, "eval", "checkpoint=best.ckpt")
    assert code == 0 and built["overrides"] == ["ckpt_path=best.ckpt"]


def test_search_finds_fields_by_path_and_value(read_only_lightning: Settings) -> None:
    schema = pages.load_schema(read_only_lightning, "train")
    catalog = get_catalog(read_only_lightning)
    view = build_view(schema, catalog, None, initial_state(schema, catalog))
    found = search_fields(schema, view, "maxep")
    assert found and found[0].key == schema.by_path["trainer.max_epochs"].key
    assert schema.by_path["data"].key in [f.key for f in search_fields(schema, view, "mnist")]
    assert search_fields(schema, view, "zzzzqqq") == () and search_fields(schema, view, " ") == ()


def test_a_primary_config_that_does_not_compose_is_a_schema_error(lightning: Settings) -> None:
    (lightning.configs_dir / "eval.yaml").write_text(
        "defaults:\n  - data: nope\n", encoding="utf-8"
    )
    with pytest.raises(pages.SchemaError, match="Could not find 'data/nope'"):
        pages.load_schema(lightning, "eval")


def test_command_of_a_generic_page_runs_the_discovered_runner(
    read_only_lightning: Settings,
) -> None:
    schema = pages.load_schema(read_only_lightning, "train")
    catalog = get_catalog(read_only_lightning)
    view = build_view(schema, catalog, None, initial_state(schema, catalog))
    assert (
        command_of(read_only_lightning, view).argv[len(read_only_lightning.command_prefix)]
        == "src/train.py"
    )


# --- the app: a page per runner -----------------------------------------------------------


def _app_script() -> None:
    import streamlit as st

    from command_builder import pages
    from command_builder.ui import context, nav

    settings = context.current_settings()
    st.session_state["nav_urls"] = [p.url_path for p in nav.all_pages()]
    entry = pages.page_entry(settings, st.session_state["test_page"])
    assert entry is not None
    nav._renderer(entry)()


def settle(at):  # the compose check runs in the background; Run waits for it
    from ui_apptest import settle as settle_checks

    return settle_checks(at)


def _open(monkeypatch: pytest.MonkeyPatch, settings: Settings, page: str):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("COMMAND_BUILDER_WORKSPACE", str(settings.root))
    at = AppTest.from_function(_app_script, default_timeout=60)
    at.session_state["test_page"] = page
    return at.run()


def _about_required(text: str) -> bool:
    """The one error a fresh form may show: its required fields are not set yet."""
    lines = [line for line in text.splitlines() if line.startswith("- ")]
    return all(line.endswith(": required") or "You must specify" in line for line in lines)


@pytest.mark.parametrize(
    "fixture", ["read_only_lightning", "read_only_ocr_newest", "read_only_demo"]
)
def test_every_runner_gets_a_page_that_opens_cleanly(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, fixture: str
) -> None:
    settings: Settings = request.getfixturevalue(fixture)
    names = [e.name for e in pages.builder_pages(settings)]
    assert names == [r.page for r in discover_runners(settings.root).runners] or fixture == (
        "read_only_demo"
    )
    for name in names:
        at = _open(monkeypatch, settings, name)
        assert not at.exception, (name, [e.value for e in at.exception])
        unexpected = [e.value for e in at.error if not _about_required(e.value)]
        assert not unexpected, (name, unexpected)
        assert at.session_state["nav_urls"] == [
            "",
            *names,
            "jobs",
        ]  # the hidden default entry first
        assert at.title and at.title[0].value == pages.page_entry(settings, name).title


def test_a_required_field_blocks_run_until_set(
    monkeypatch: pytest.MonkeyPatch, read_only_lightning: Settings
) -> None:
    from ui_apptest import FormField

    at = _open(monkeypatch, read_only_lightning, "eval")
    assert FormField(at, "eval.ui.run").disabled
    at = settle(FormField(at, "eval.field.ckpt_path").input("/tmp/best.ckpt"))
    assert not at.exception
    assert not FormField(at, "eval.ui.run").disabled


def test_the_mandatory_domain_blocks_run_until_chosen(
    monkeypatch: pytest.MonkeyPatch, read_only_ocr_newest: Settings
) -> None:
    from ui_apptest import FormField

    at = _open(monkeypatch, read_only_ocr_newest, "train")
    assert FormField(at, "train.ui.run").disabled
    at = settle(FormField(at, "train.field.domain").select("recognition"))
    assert not at.exception and not FormField(at, "train.ui.run").disabled


def test_search_opens_the_matching_field(
    monkeypatch: pytest.MonkeyPatch, read_only_lightning: Settings
) -> None:
    from ui_apptest import FormField, light_fields

    at = _open(monkeypatch, read_only_lightning, "train")
    key = "trainer__max_epochs"
    assert key not in [f["key"] for f in light_fields(at)]  # another section is showing
    at.text_input(key="train.ui.search").input("max_ep").run()
    field = FormField(at, f"train.field.{key}")
    assert field.value == "10"
    field.input(3)
    assert not at.exception
    assert any("trainer.max_epochs=3" in c.value for c in at.text)
