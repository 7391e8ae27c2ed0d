"""Rules of paged sync runs, without the ORM.

A sync run reads a remote listing page by page from a checkpoint and
imports every item through the connector. The rules it keeps:

- :data:`OUTCOMES` and :func:`count_outcomes`: what became of each item;
- :func:`summary`: the totals in one line (the result of a run's job);
- :func:`check_next_cursor`: a remote announcing a page it cannot give;
- :func:`is_stalled`: a running run that no longer makes progress;
- :func:`next_checkpoint`: where a finished run leaves the checkpoint.
"""

from .errors import PayloadValidationError

# what the connector did with one item of a page
OUTCOMES = ("imported", "unchanged", "held", "failed")


def count_outcomes(outcomes):
    """Count ``outcomes`` by kind: ``{"imported": n, "unchanged": n, ...}``.

    Every outcome must be one of :data:`OUTCOMES` (ValueError otherwise).
    """
    counts = dict.fromkeys(OUTCOMES, 0)
    for outcome in outcomes:
        if outcome not in counts:
            raise ValueError(
                f"Unknown outcome {outcome!r} of a sync run item: expected one "
                f"of {', '.join(OUTCOMES)}"
            )
        counts[outcome] += 1
    return counts


def summary(kind, counts, *, continuing=False):
    """One line with the totals of a run of ``kind`` (e.g. ``"orders"``)."""
    text = (
        f"{counts['imported']} {kind} imported or updated, "
        f"{counts['unchanged']} already up to date, {counts['held']} held, "
        f"{counts['failed']} in exception"
    )
    return f"{text} (continuing)" if continuing else text


def check_next_cursor(cursor, next_cursor):
    """Refuse a next page announced with the cursor of the page just read.

    Reading it would read the same page forever.
    """
    if next_cursor is not None and next_cursor == cursor:
        raise PayloadValidationError(
            f"The remote announced another page without a new cursor ({cursor})",
            hint="The remote's listing is inconsistent: start the run again later.",
            details={"cursor": cursor},
        )


def is_stalled(last_progress, now, stalled_after):
    """Whether a run whose last progress was at ``last_progress`` has stalled.

    A run that has not recorded any progress yet is not judged.
    """
    return bool(last_progress) and now - last_progress >= stalled_after


def next_checkpoint(checkpoint, since, started):
    """The checkpoint after a run that read the changes since ``since``.

    The run started at ``started``: what changed after that may not be in
    it. The checkpoint moves only when the run covered everything after it
    (``since`` not later than the checkpoint), and never backwards.
    """
    if checkpoint and since > checkpoint:
        return checkpoint
    return max(started, checkpoint or started)
