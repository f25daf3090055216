"""`command-builder runners`: the workspace's @hydra.main runners, as the builder reads them."""

from __future__ import annotations

import argparse
import json

from ..settings import WorkspaceError, resolve_workspace
from . import EXIT_OK, EXIT_USAGE


def run(args: argparse.Namespace) -> int:
    from ..pages import page_entry
    from ..workspace.runners import get_runners

    try:
        settings = resolve_workspace(args.workspace)
    except WorkspaceError as exc:
        print(f"command-builder: {exc}")
        return EXIT_USAGE
    found = get_runners(settings, max_age_s=0.0)
    rows = []
    for runner in found.runners:
        entry = page_entry(settings, runner.page)
        rows.append(
            {
                "page": runner.page,
                "runner": runner.path,
                "primary_config": runner.primary_config,
                "config_dir": runner.config_dir,
                "config_name": runner.config_name,
                "version_base": runner.version_base,
                "form": "generic" if entry is None or entry.generic else "schema",
                "note": runner.note,
            }
        )
    issues = [str(issue) for issue in found.issues]
    if args.json:
        print(json.dumps({"runners": rows, "issues": issues}, indent=2, ensure_ascii=False))
        return EXIT_OK
    for row in rows:
        config = row["primary_config"] or "(no primary config)"
        print(f"{row['page']:<20} {row['runner']:<36} {config}  [{row['form']} form]")
        if row["note"]:
            print(f"{'':<20} note: {row['note']}")
    if not rows:
        print("no runners found (Python files with @hydra.main)")
    for issue in issues:
        print(f"skipped: {issue}")
    return EXIT_OK
