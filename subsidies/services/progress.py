"""Progress of a pay run's computation, polled by the run page (step, done / total)."""

from __future__ import annotations

from ..models import PayRun

PROGRESS_EVERY = 1000


def _report_progress(run_id: int, *, step: str, done: int, total: int) -> None:
    """One UPDATE of the run's progress (autocommit outside the posting transaction: the run
    page polls it every 2 seconds)."""
    PayRun.objects.filter(pk=run_id).update(progress_step=step[:40], progress_done=done, progress_total=total)


class Progress:
    """Progress of one step of a computation (e.g. 计算基本报酬 1,000/50,000 人), reported every
    ``PROGRESS_EVERY`` items and when a step starts or ends; ``None``-safe for callers outside a run."""

    def __init__(self, run: PayRun):
        self.run_id = run.pk
        self.step, self.done, self.total, self._last = "", 0, 0, 0

    def start(self, step: str, total: int) -> None:
        self.step, self.done, self.total, self._last = step, 0, total, 0
        _report_progress(self.run_id, step=step, done=0, total=total)

    def tick(self, n: int = 1) -> None:
        self.done += n
        if self.done - self._last >= PROGRESS_EVERY or self.done == self.total:
            self._last = self.done
            _report_progress(self.run_id, step=self.step, done=self.done, total=self.total)


class _NoProgress:
    def start(self, step: str, total: int) -> None:
        pass

    def tick(self, n: int = 1) -> None:
        pass
