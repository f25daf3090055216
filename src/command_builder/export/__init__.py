"""Export: a run's submission JSON -> the competition's CSV.

API (plain Python, no Streamlit):

- ``list_submissions(settings) -> tuple[Submission, ...]`` — every
  ``outputs/**/submissions/*.json``, newest first (so a predict job that just succeeded has
  its submission first). ``Submission(path, run_dir, mtime, size)``, paths relative to the
  workspace root. It walks the outputs folder: call it on demand (or cache it), not on every
  page run.
- ``load_submission(source: bytes | path, limit_mb) -> SubmissionData`` — size limit
  (pass ``settings.upload_limit_mb``), UTF-8, JSON, structure
  ``{"images": {file: {"words": {id: {"points": [[x, y], ...]}}}}}``; raises
  ``SubmissionError`` whose message names the image, word and point at fault.
  ``SubmissionData.images``: file name -> polygons; ``.word_count``.
- ``competition_rows(data) -> list[(filename, polygons)]`` sorted by file name (preview table).
- ``to_competition_csv(data) -> str`` — header ``filename,polygons`` (``CSV_HEADER``); points
  as space-separated integers, rounded half to even; polygons separated by ``|``; csv-module
  quoting.
"""

from .submissions import (
    CSV_HEADER,
    Submission,
    SubmissionData,
    SubmissionError,
    competition_rows,
    list_submissions,
    load_submission,
    to_competition_csv,
)

__all__ = [
    "CSV_HEADER",
    "Submission",
    "SubmissionData",
    "SubmissionError",
    "competition_rows",
    "list_submissions",
    "load_submission",
    "to_competition_csv",
]
