"""`Progbar`: the progress bar of `fit`/`evaluate`/`predict`, in Keras 3's format.

On a terminal or in a notebook (verbose=1) the bar is redrawn in place with `\\r`, at most
once per `interval` seconds, with Keras's colours: byte for byte what Keras writes. Elsewhere
(a log file, a pipe, a captured stream) verbose=1 writes a single plain line when the bar is
finalized, where Keras would write its `\\r` and colour codes into the file. verbose=2 writes
one plain line when finalized, verbose=0 nothing.

`keras.config.disable_interactive_logging()` sends every message (bars and callback lines) to
the `logging` logger "lamina" at INFO level instead of stdout, as plain lines (Keras sends
them to absl logging).

This is also `keras.utils.Progbar`.
"""

from __future__ import annotations

import logging
import math
import os
import re
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Union

import numpy as np

from lamina import config
from lamina.distribution.host import is_writer

__all__ = ["Progbar", "format_eta", "format_time", "write"]

Values = Union[Sequence[tuple[str, Any]], Callable[[], Iterable[tuple[str, Any]]], None]

_now = time.time  # the clock; tests replace it

_BOLD, _GREEN, _GREY = "1", "32", "37"
_CONTROL = re.compile(r"\x1b\[[0-9;]*m|[\b\r]")
logger = logging.getLogger("lamina")


def write(message: str) -> None:
    """Write to the current `sys.stdout` and flush (Keras's `print_msg`); in a multi-process
    run only process 0 writes, so the output appears once. With interactive logging disabled,
    log it instead: one INFO record to the "lamina" logger, without colours or newlines at
    its ends."""
    if not is_writer():
        return
    if not config.is_interactive_logging_enabled():
        text = _CONTROL.sub("", message).strip("\n")
        if text:
            logger.info(text)
        return
    try:
        sys.stdout.write(message)
    except UnicodeEncodeError:  # a stream that cannot encode the bar character
        encoding = sys.stdout.encoding or "utf-8"
        message = message.replace("━", "=").encode(encoding, errors="ignore").decode(encoding)
        sys.stdout.write(message)
    sys.stdout.flush()


def _is_terminal() -> bool:
    """Whether stdout shows `\\r` redraws: a terminal, a Jupyter kernel or PyCharm's console
    (Keras's list, less its "any POSIX system", which sends redraws into log files); never
    while interactive logging is disabled."""
    if not config.is_interactive_logging_enabled():
        return False
    if "ipykernel" in sys.modules or "PYCHARM_HOSTED" in os.environ:
        return True
    isatty = getattr(sys.stdout, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # closed stream
        return False


def format_time(time_per_unit: float, unit_name: str) -> str:
    """Format a per-unit duration as Keras does: ` 2s/step`, ` 15ms/step` or ` 80us/step`."""
    if time_per_unit >= 1 or time_per_unit == 0:
        return f" {time_per_unit:.0f}s/{unit_name}"
    if time_per_unit >= 1e-3:
        return f" {time_per_unit * 1e3:.0f}ms/{unit_name}"
    return f" {time_per_unit * 1e6:.0f}us/{unit_name}"


def format_eta(eta: float) -> str:
    """Format a remaining time as Keras does: `1:02:03`, `2:03` or `45s`."""
    if eta > 3600:
        return "%d:%02d:%02d" % (eta // 3600, (eta % 3600) // 60, eta % 60)
    if eta > 60:
        return "%d:%02d" % (eta // 60, eta % 60)
    return "%ds" % eta


class Progbar:
    """Displays a progress bar (same arguments and output as `keras.utils.Progbar`).

    Args:
        target: total number of steps, or None if unknown.
        width: bar width in characters.
        verbose: 0 (silent), 1 (bar), 2 (one line when finalized).
        interval: minimum seconds between two redraws of an animated bar.
        stateful_metrics: names of metrics shown as given (the others are averaged).
        stateless_metrics: names of metrics averaged (the others are shown as given).
            At most one of `stateful_metrics` and `stateless_metrics` may be given.
        unit_name: the unit in the time per unit (`"step"`, `"sample"`).
    """

    def __init__(self, target: int | None, width: int = 20, verbose: int = 1,
                 interval: float = 0.05, stateful_metrics: Iterable[str] | None = None,
                 stateless_metrics: Iterable[str] | None = None,
                 unit_name: str = "step") -> None:
        if stateful_metrics is not None and stateless_metrics is not None:
            raise ValueError("Only one of `stateful_metrics` or `stateless_metrics` can be "
                             "provided.")
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        self.stateful_metrics = None if stateless_metrics is not None else set(
            stateful_metrics or ())
        self.stateless_metrics = None if stateless_metrics is None else set(stateless_metrics)
        self._dynamic_display = _is_terminal()
        self._seen_so_far = 0
        self._values: dict[str, list[Any]] = {}
        self._values_order: list[str] = []
        self._start = _now()
        self._last_update = 0.0
        self._time_after_first_step: float | None = None
        self._prev_total_width = 0

    def update(self, current: int, values: Values = None, finalize: bool | None = None) -> None:
        """Record progress up to step `current` and redraw if due.

        Args:
            current: number of steps done.
            values: `(name, value)` pairs for the latest step, or a zero-argument function
                returning them, which is called only when the bar is actually drawn (use it
                for stateful values that are costly to read).
            finalize: whether this is the last update; defaults to `current >= target`.
        """
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        now = _now()
        draw = self._due(now, finalize)
        if callable(values):
            values = list(values()) if draw else None
        self._record(current, values or (), finalize)
        self._seen_so_far = current
        time_per_unit = self._estimate_step_duration(current, now)
        if draw:
            self._draw(current, now, time_per_unit, finalize)
        if draw or self.verbose != 1:
            self._last_update = now

    def add(self, n: int, values: Values = None) -> None:
        """Advance by `n` steps."""
        self.update(self._seen_so_far + n, values)

    def _due(self, now: float, finalize: bool) -> bool:
        """Whether this update writes anything."""
        if self.verbose == 1:
            if finalize:
                return True
            return self._dynamic_display and now - self._last_update >= self.interval
        if self.verbose == 2:
            return finalize and self.target is not None and self.target > 0
        return False

    def _record(self, current: int, values: Iterable[tuple[str, Any]], finalize: bool) -> None:
        """Store the values: stateful ones as given, stateless ones as running averages."""
        for key, value in values:
            if key not in self._values_order:
                self._values_order.append(key)
            if not self._is_stateless(key) or finalize:
                self._values[key] = [value, 1]
                continue
            weight = max(current - self._seen_so_far, 1)
            if key not in self._values:
                self._values[key] = [value * weight, weight]
            else:
                self._values[key][0] += value * weight
                self._values[key][1] += weight

    def _is_stateless(self, key: str) -> bool:
        if self.stateful_metrics is not None:
            return key not in self.stateful_metrics
        return key in self.stateless_metrics  # type: ignore[operator]

    def _average(self, key: str) -> Any:
        total, count = self._values[key]
        if not isinstance(total, float):
            total = np.mean(total)
        return total / max(1, count)

    def _draw(self, current: int, now: float, time_per_unit: float, finalize: bool) -> None:
        if self.verbose == 1:
            write(self._bar_frame(current, now, time_per_unit, finalize))
        else:
            write(self._line(current, now, time_per_unit))

    # verbose=1 ------------------------------------------------------------------------

    def _style(self, text: str, code: str) -> str:
        """Wrap `text` in an ANSI style on a terminal; plain text elsewhere."""
        return f"\x1b[{code}m{text}\x1b[0m" if self._dynamic_display else text

    def _bar_frame(self, current: int, now: float, time_per_unit: float,
                   finalize: bool) -> str:
        """One frame of the animated bar (or the single final line off a terminal)."""
        bar, bar_width = self._bar(current)
        info_plain, info = self._info(current, now, time_per_unit, finalize)
        total_width = bar_width + len(info_plain)
        message = "\b" * self._prev_total_width + "\r" if self._dynamic_display else ""
        message += bar + info
        if self._dynamic_display and self._prev_total_width > total_width:
            message += " " * (self._prev_total_width - total_width)
        if finalize:
            message += "\n"
        self._prev_total_width = total_width
        return message

    def _bar(self, current: int) -> tuple[str, int]:
        """The `  3/10 ━━━━━━━━━━━━` part, and its visible width."""
        if self.target is None or self.target <= 0:
            bar = "%7d/Unknown" % current
            return bar, len(bar)
        count = self._count(current)
        done = int(self.width * float(current) / self.target)
        filled, empty = "━" * done, "━" * (self.width - done)
        bar = self._style(count, _BOLD) + " "
        if done > 0:
            bar += self._style(filled, _GREEN)
        bar += self._style(empty, _GREY)
        return bar, len(count) + 1 + len(filled) + len(empty)

    def _count(self, current: int) -> str:
        """`current/target`, right-aligned to the target's width: ` 3/10`."""
        numdigits = int(math.log10(self.target)) + 1  # type: ignore[arg-type]
        return f"%{numdigits}d/%d" % (current, self.target)

    def _info(self, current: int, now: float, time_per_unit: float,
              finalize: bool) -> tuple[str, str]:
        """The ETA (or elapsed time), time per unit and metrics; plain and styled."""
        if self.target is not None and self.target > 0 and not finalize:
            clock = format_eta(time_per_unit * (self.target - current))
        else:
            clock = f"{now - self._start:.0f}s"
        rest = format_time(time_per_unit, self.unit_name) + self._metrics(abs)
        return f" {clock}{rest}", f" {self._style(clock, _BOLD)}{rest}"

    def _metrics(self, magnitude: Callable[[Any], Any]) -> str:
        """` - name: value` for each metric, `%.4f`, or `%.4e` when `magnitude(v) <= 1e-3`."""
        text = ""
        for key in self._values_order:
            avg = self._average(key)
            text += f" - {key}: {avg:.4f}" if magnitude(avg) > 1e-3 else f" - {key}: {avg:.4e}"
        return text

    # verbose=2 ------------------------------------------------------------------------

    def _line(self, current: int, now: float, time_per_unit: float) -> str:
        """The verbose=2 line: `10/10 - 2s - 15ms/step - loss: 0.1234`."""
        count = self._count(current)
        # Keras compares the signed value here, so negative values print as `%.4e`.
        metrics = self._metrics(lambda v: v)
        return f"{count} - {now - self._start:.0f}s -" \
               f"{format_time(time_per_unit, self.unit_name)}{metrics}\n"

    def _estimate_step_duration(self, current: int, now: float) -> float:
        """Seconds per step, ignoring the (compilation-heavy) first step when possible."""
        if not current:
            return 0
        if self._time_after_first_step is not None and current > 1:
            time_per_unit = (now - self._time_after_first_step) / (current - 1)
        else:
            time_per_unit = (now - self._start) / current
        if current == 1:
            self._time_after_first_step = now
        return time_per_unit
