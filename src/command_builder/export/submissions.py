"""Submission JSON (what predict writes) -> the competition's CSV.

Input: ``{"images": {"<file>": {"words": {"<id>": {"points": [[x, y], ...]}}}}}``
(other keys, e.g. a word's "confidence", are ignored). Output: a CSV with header
``filename,polygons``; one row per image, sorted by file name; each polygon's
points as space-separated integers ``x1 y1 x2 y2 ...``; polygons (in the file's
word order) separated by ``|``; an image without words has an empty cell.

Coordinates are rounded half to even (Python's ``round``, as ``numpy.round``
does): unbiased, and what a numpy-based predictor writing ints would give.
A polygon needs at least 3 points; anything malformed is refused with a
message naming the image and word, never silently dropped. Uploads are data
from anywhere: JSON nested deeper than the format needs, or a number of more
than MAX_NUMBER_CHARS digits, is a SubmissionError, not a traceback. In the CSV
a file name that a spreadsheet would read as a formula (= + - @, tab, CR) gets
a leading ``'`` (OWASP's CSV-injection advice).
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ..errors import JobError
from ..settings import Settings

Point = tuple[float, float]
Polygon = tuple[Point, ...]

MIN_POINTS = 3
MAX_NUMBER_CHARS = 40  # a coordinate; far below Python's 4,300-digit int limit
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PRUNE = frozenset({".hydra", "checkpoints", "submissions"})
_MAX_DEPTH = 4  # outputs/<run>, outputs/<date>/<time>, multirun folders


class SubmissionError(JobError, ValueError):
    """The submission cannot be exported; the message says where and why."""


@dataclass(frozen=True)
class Submission:
    """A submission file of a run: paths relative to the workspace root (posix)."""

    path: str
    run_dir: str
    mtime: float
    size: int


@dataclass(frozen=True)
class SubmissionData:
    """Validated polygons per image file name, in the file's order."""

    images: Mapping[str, tuple[Polygon, ...]]

    @property
    def word_count(self) -> int:
        return sum(len(polygons) for polygons in self.images.values())


def list_submissions(settings: Settings) -> tuple[Submission, ...]:
    """Every ``outputs/**/submissions/*.json``, newest first (a fresh predict job's is first).

    Walks only run folders: checkpoints/ and .hydra/ are never entered.
    """
    found: list[Submission] = []
    root = settings.outputs_dir
    for folder, dirs, _files in os.walk(root):
        depth = len(Path(folder).relative_to(root).parts)
        if "submissions" in dirs:
            found.extend(_submissions_in(settings, Path(folder)))
        dirs[:] = [] if depth >= _MAX_DEPTH else [d for d in dirs if d not in _PRUNE]
    return tuple(sorted(found, key=lambda s: (-s.mtime, s.path)))


def _submissions_in(settings: Settings, run_dir: Path) -> list[Submission]:
    result: list[Submission] = []
    try:
        entries = list(os.scandir(run_dir / "submissions"))
    except OSError:
        return result
    for entry in entries:
        if not entry.name.endswith(".json") or not entry.is_file():
            continue
        try:
            stat = entry.stat()
        except OSError:
            continue
        result.append(
            Submission(
                path=Path(entry.path).relative_to(settings.root).as_posix(),
                run_dir=run_dir.relative_to(settings.root).as_posix(),
                mtime=stat.st_mtime,
                size=stat.st_size,
            )
        )
    return result


def load_submission(source: bytes | str | os.PathLike[str], limit_mb: int) -> SubmissionData:
    """Read and check a submission (uploaded bytes or a file path) of at most `limit_mb` MB."""
    limit = limit_mb * 1024 * 1024
    if isinstance(source, bytes):
        data = source
    else:
        path = Path(source)
        try:
            size = path.stat().st_size
            data = b"" if size > limit else path.read_bytes()
        except OSError as exc:
            raise SubmissionError(f"cannot read {path}: {exc.strerror or exc}") from exc
        if size > limit:
            raise SubmissionError(
                f"{path.name} is {size / 1048576:.1f} MB, over the {limit_mb} MB limit"
            )
    if len(data) > limit:
        raise SubmissionError(
            f"the file is {len(data) / 1048576:.1f} MB, over the {limit_mb} MB limit"
        )
    try:
        parsed = json.loads(data.decode("utf-8"), parse_int=_int, parse_float=_float)
    except UnicodeDecodeError as exc:
        raise SubmissionError(f"not UTF-8 text (byte {exc.start})") from exc
    except json.JSONDecodeError as exc:
        raise SubmissionError(
            f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from exc
    except RecursionError:
        raise SubmissionError(
            "the JSON is nested far deeper than a submission "
            '({"images": {file: {"words": {id: {"points": [[x, y], ...]}}}}})'
        ) from None
    return _check(parsed)


def _number_text(text: str) -> str:
    if len(text) > MAX_NUMBER_CHARS:
        raise SubmissionError(
            f"a number of {len(text):,} characters ({text[:20]}...): coordinates have at most "
            f"{MAX_NUMBER_CHARS}"
        )
    return text


def _int(text: str) -> int:
    return int(_number_text(text))


def _float(text: str) -> float:
    return float(_number_text(text))


def _check(parsed: object) -> SubmissionData:
    if not isinstance(parsed, dict) or not isinstance(parsed.get("images"), dict):
        raise SubmissionError('expected an object {"images": {"<image file>": {"words": {...}}}}')
    images: dict[str, tuple[Polygon, ...]] = {}
    for name, image in parsed["images"].items():
        where = f"image {name!r}"
        if not isinstance(image, dict) or not isinstance(image.get("words"), dict):
            raise SubmissionError(f'{where}: expected {{"words": {{"<id>": {{"points": ...}}}}}}')
        images[name] = tuple(
            _polygon(f"{where}, word {word_id!r}", word) for word_id, word in image["words"].items()
        )
    return SubmissionData(images)


def _polygon(where: str, word: object) -> Polygon:
    points = word.get("points") if isinstance(word, dict) else None
    if not isinstance(points, list):
        raise SubmissionError(f'{where}: expected {{"points": [[x, y], ...]}}')
    if len(points) < MIN_POINTS:
        raise SubmissionError(
            f"{where}: a polygon needs at least {MIN_POINTS} points, got {len(points)}"
        )
    result = []
    for index, point in enumerate(points):
        if not (isinstance(point, list) and len(point) == 2 and all(_number(v) for v in point)):
            raise SubmissionError(
                f"{where}, point {index}: expected [x, y] with two finite numbers, got {point!r}"
            )
        result.append((float(point[0]), float(point[1])))
    return tuple(result)


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def competition_rows(data: SubmissionData) -> list[tuple[str, str]]:
    """(filename, polygons) rows sorted by file name: the CSV's body, also a preview table."""
    return [
        (
            name,
            "|".join(
                " ".join(f"{round(x)} {round(y)}" for x, y in polygon)
                for polygon in data.images[name]
            ),
        )
        for name in sorted(data.images)
    ]


CSV_HEADER = ("filename", "polygons")


def to_competition_csv(data: SubmissionData) -> str:
    """The competition CSV text (header ``filename,polygons``; csv-module quoting, LF endings)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    writer.writerows((_not_formula(name), polygons) for name, polygons in competition_rows(data))
    return out.getvalue()


def _not_formula(cell: str) -> str:
    """A cell a spreadsheet would evaluate (=1+1, @SUM...) as text: a leading `'`."""
    return f"'{cell}" if cell.startswith(_FORMULA_START) else cell
