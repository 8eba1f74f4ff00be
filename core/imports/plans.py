"""The plan an import's preview made, kept for its apply: cached (pickled, an hour, same user)
with the fingerprint of what it was made against, and used by the apply only while that still
holds — then the preview shown to the user is exactly what gets written."""

from __future__ import annotations

import copyreg
import enum
import functools
import io
import pickle

from django.core.cache import cache
from django.db import models

from core import dates as core_dates
from core.models import AbstractImportBatch

from .pipeline import CHANGED, NEW, Preview, RowResult, clean_file, plan_preview


def read_upload(batch: AbstractImportBatch) -> bytes:
    with batch.file.open("rb") as fh:
        return fh.read()


CLEAN_CACHE_SECONDS = 60 * 60


def _cache_key(batch: AbstractImportBatch) -> str:
    return f"touyan:import-plan:{batch.pk}:{batch.checksum}:{batch.uploaded_by_id}"


def db_fingerprint(st) -> tuple:
    """Today's date and the newest history id of every model the sheet type reads: any write
    since (through a service, an import or the admin) changes it, because every such write leaves
    history; so does midnight, because the rules' dates are counted from today."""
    from core.dashboard import models_newest

    return (core_dates.today().isoformat(), *models_newest(st.reads_models()))  # one round trip


def planned(batch: AbstractImportBatch, st, by, progress=None) -> tuple[list[RowResult], Preview | None]:
    """The rows as planned at upload time when nothing they read has changed since (cached for an
    hour, same user only) — then the preview shown to the user is exactly what gets written;
    otherwise the file is cleaned and compared with the database again (returned as a Preview)."""
    parts = cache.get(_cache_key(batch)) if by.pk == batch.uploaded_by_id else None
    if parts is not None:
        head, values, plans = parts
        fingerprint, numbers = pickle.loads(head)  # noqa: S301 (our own cache, written by import_batch_preview)
        if fingerprint == db_fingerprint(st):
            values, plans = pickle.loads(values), pickle.loads(plans)  # noqa: S301 (the same)
            return [
                RowResult(number=n, raw={}, values=v, status=s, plan=p)
                for (n, s), v, p in zip(numbers, values, plans, strict=True)
            ], None
    data = read_upload(batch)
    preview = clean_file(data, st, user=by, township=batch.township, progress=progress, filename=batch.original_name)
    plan_preview(preview, st, user=by, township=batch.township)
    return preview.rows, preview


def cache_plan(batch: AbstractImportBatch, fingerprint: tuple, preview: Preview) -> None:
    """What apply needs of each row to be written (values and plan), without the raw cells and
    messages. Rows planned as unchanged write nothing in any sheet type's apply, so they are
    left out: re-uploading an unchanged 10,000-row file caches (and later unpickles) nothing."""
    rows = [r for r in preview.rows if r.status in (NEW, CHANGED)]
    # Three pickles (the rows' numbers, values, plans), not one: each pickler's memo of the
    # objects it has written stays smaller, and one pickle of it all took half as long again.
    parts = (
        _dumps((fingerprint, [(r.number, r.status) for r in rows])),
        _dumps([r.values for r in rows]),
        _dumps([r.plan for r in rows]),
    )
    cache.set(_cache_key(batch), parts, CLEAN_CACHE_SECONDS)


def _dumps(obj) -> bytes:
    """pickle.dumps, with choice enum members (Sex.MALE, FilingStatus.DRAFT …) written as their
    plain str/int values: equal to them, written to the database the same, and several times
    cheaper to pickle and to load."""
    buf = io.BytesIO()
    pickler = pickle.Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = _plain_choices()
    pickler.dump(obj)
    return buf.getvalue()


def _plain_value(member: enum.Enum):
    value = member.value
    return type(value), (value,)


@functools.cache
def _plain_choices() -> dict:
    """copyreg's table plus every Django choices enum (once the apps are loaded)."""
    table = dict(copyreg.dispatch_table)
    pending = [models.Choices]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__members__:
            table[cls] = _plain_value
    return table
