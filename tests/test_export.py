"""Submission JSON -> competition CSV: exact output, clear errors, size limit, listing."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from command_builder.export import (
    SubmissionError,
    competition_rows,
    list_submissions,
    load_submission,
    to_competition_csv,
)
from command_builder.settings import Settings

GOOD = {
    "images": {
        "b.jpg": {
            "words": {
                "0001": {"points": [[10, 20], [30, 20], [30, 40], [10, 40]], "confidence": 0.9},
                "0002": {"points": [[0.5, 1.5], [2.5, 1.49], [2.51, 3.5], [-0.5, 3]]},
            }
        },
        "a,comma.jpg": {"words": {"1": {"points": [[1, 2], [3, 4], [5, 6]]}}},
        "empty.jpg": {"words": {}},
    },
}


def as_bytes(data: object) -> bytes:
    return json.dumps(data).encode()


def test_good_json_gives_the_exact_csv() -> None:
    csv_text = to_competition_csv(load_submission(as_bytes(GOOD), limit_mb=1))
    assert (
        csv_text
        == (
            "filename,polygons\n"
            '"a,comma.jpg",1 2 3 4 5 6\n'
            "b.jpg,10 20 30 20 30 40 10 40|0 2 2 1 3 4 0 3\n"  # half to even: 0.5->0, 1.5->2, 2.5->2, 3.5->4
            "empty.jpg,\n"
        )
    )


def test_rows_are_the_preview_and_sorted_by_filename() -> None:
    data = load_submission(as_bytes(GOOD), limit_mb=1)
    assert [name for name, _ in competition_rows(data)] == ["a,comma.jpg", "b.jpg", "empty.jpg"]
    assert data.word_count == 3


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"{not json", "not valid JSON: .* line 1, column 2"),
        (b"\xff\xfe", "not UTF-8"),
        (b"[]", 'expected an object {"images"'),
        (as_bytes({"images": []}), 'expected an object {"images"'),
        (as_bytes({"images": {"x.jpg": {"polygons": {}}}}), "image 'x.jpg': expected {\"words\""),
        (
            as_bytes({"images": {"x.jpg": {"words": {"0007": {"pts": []}}}}}),
            "image 'x.jpg', word '0007': expected {\"points\"",
        ),
        (
            as_bytes({"images": {"x.jpg": {"words": {"0007": {"points": [[1, 2], [3, 4]]}}}}}),
            "word '0007': a polygon needs at least 3 points, got 2",
        ),
        (
            as_bytes({"images": {"x.jpg": {"words": {"9": {"points": [[1, 2], [3], [5, 6]]}}}}}),
            r"word '9', point 1: expected \[x, y\] with two finite numbers, got \[3\]",
        ),
        (
            as_bytes(
                {"images": {"x.jpg": {"words": {"9": {"points": [[1, 2], ["3", 4], [5, 6]]}}}}}
            ),
            "point 1: expected",
        ),
        (
            b'{"images": {"x.jpg": {"words": {"9": {"points": [[1, 2], [NaN, 4], [5, 6]]}}}}}',
            "point 1: expected",
        ),
        (
            as_bytes(
                {"images": {"x.jpg": {"words": {"9": {"points": [[1, 2], [True, 4], [5, 6]]}}}}}
            ),
            "point 1: expected",
        ),
    ],
)
def test_malformed_structures_are_clear_errors(data: bytes, message: str) -> None:
    with pytest.raises(SubmissionError, match=message):
        load_submission(data, limit_mb=1)


def test_too_large_is_refused_for_bytes_and_files(tmp_path: Path) -> None:
    big = b" " * (1024 * 1024 + 1)
    with pytest.raises(SubmissionError, match="over the 1 MB limit"):
        load_submission(big, limit_mb=1)
    path = tmp_path / "big.json"
    path.write_bytes(big)
    with pytest.raises(SubmissionError, match="big.json is 1.0 MB, over the 1 MB limit"):
        load_submission(path, limit_mb=1)


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SubmissionError, match="cannot read .*gone.json"):
        load_submission(tmp_path / "gone.json", limit_mb=1)


def test_list_submissions_newest_first(demo_settings: Settings) -> None:
    out = demo_settings.outputs_dir
    made = []
    for age, rel in enumerate(
        [
            "run_b/submissions/2.json",
            "2026-01-01/10-00-00/submissions/1.json",
            "run_a/submissions/old.json",
        ]
    ):
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(GOOD))
        os.utime(path, (1_700_000_000 - age * 100, 1_700_000_000 - age * 100))
        made.append(rel)
    (out / "run_a" / "submissions" / "notes.txt").write_text("not a submission")
    (out / "run_a" / "checkpoints").mkdir()
    found = list_submissions(demo_settings)
    assert [s.path for s in found] == [f"outputs/{rel}" for rel in made]
    assert found[1].run_dir == "outputs/2026-01-01/10-00-00"
    assert load_submission(demo_settings.root / found[0].path, limit_mb=1).word_count == 3


def test_list_submissions_without_outputs_is_empty(demo_settings: Settings) -> None:
    assert list_submissions(demo_settings) == ()
