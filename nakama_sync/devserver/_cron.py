"""A small cron evaluator for leaderboard and tournament reset schedules (UTC, 5 fields).

Supported: ``*``, numbers, lists ``a,b``, ranges ``a-b``, steps ``*/n`` and ``a-b/n``; day of week 0-6
(0 = Sunday, 7 also Sunday). Names (``MON``) and macros (``@daily``) are not supported. When both
day-of-month and day-of-week are restricted, a day matching either one counts (as in cron).
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from ..exceptions import InvalidArgument

__all__ = ["Cron"]

_BOUNDS = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))
_MAX_DAYS = 366 * 5


def _field(text: str, low: int, high: int) -> set[int]:
    values: set[int] = set()
    for part in text.split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            step = int(step_text)
            if step < 1:
                raise InvalidArgument("cron step must be positive")
        if part == "*":
            start, end = low, high
        elif "-" in part:
            a, b = part.split("-", 1)
            start, end = int(a), int(b)
        else:
            start = end = int(part)
        if start < low or end > high or start > end:
            raise InvalidArgument(f"cron value out of range: {part}")
        values.update(range(start, end + 1, step))
    return values


class Cron:
    """A parsed schedule. Example: ``Cron("0 0 * * 1").next_after(time.time())``"""

    def __init__(self, expr: str) -> None:
        parts = expr.split()
        if len(parts) != 5:
            raise InvalidArgument(f"a reset schedule needs 5 cron fields: {expr!r}")
        try:
            sets = [_field(p, lo, hi) for p, (lo, hi) in zip(parts, _BOUNDS)]
        except ValueError as exc:
            raise InvalidArgument(f"invalid reset schedule {expr!r}: {exc}") from exc
        self.minutes, self.hours, self.days, self.months, dow = sets
        if 7 in dow:
            dow.add(0)
        self.dows = dow
        self.dom_any, self.dow_any = parts[2] == "*", parts[4] == "*"

    def _day_ok(self, d: datetime) -> bool:
        if d.month not in self.months:
            return False
        dom_ok = d.day in self.days
        dow_ok = (d.isoweekday() % 7) in self.dows
        if self.dom_any or self.dow_any:
            return dom_ok and dow_ok
        return dom_ok or dow_ok

    def _times(self) -> list[tuple[int, int]]:
        return sorted((h, m) for h in self.hours for m in self.minutes)

    def next_after(self, ts: float) -> int:
        """The first firing time strictly after ``ts`` (unix seconds)."""
        now = datetime.fromtimestamp(int(ts), tz=timezone.utc)
        day = now.replace(hour=0, minute=0, second=0)
        times = self._times()
        for _ in range(_MAX_DAYS):
            if self._day_ok(day):
                for h, m in times:
                    t = day.replace(hour=h, minute=m)
                    if t.timestamp() > ts:
                        return int(t.timestamp())
            day += timedelta(days=1)
        raise InvalidArgument("reset schedule never fires")

    def prev_at_or_before(self, ts: float) -> int:
        """The last firing time at or before ``ts`` (unix seconds)."""
        now = datetime.fromtimestamp(int(ts), tz=timezone.utc)
        day = now.replace(hour=0, minute=0, second=0)
        times = list(reversed(self._times()))
        for _ in range(_MAX_DAYS):
            if self._day_ok(day):
                for h, m in times:
                    t = day.replace(hour=h, minute=m)
                    if t.timestamp() <= ts:
                        return int(t.timestamp())
            day -= timedelta(days=1)
        raise InvalidArgument("reset schedule never fires")
