"""Time spent in SQL, measured on the store's own engine (``tablero bench``).

Cursor-level listeners see every statement the app runs through ``get_engine(url)``, so a
benchmark can tell a page's database time from its Python time without touching the queries.
"""

from __future__ import annotations

import time

from sqlalchemy import event

from data_access.core.db import get_engine


class SqlTimer:
    """Sums ``seconds`` and ``count`` of cursor executions on the store of ``url`` while entered."""

    def __init__(self, url: str):
        self.engine = get_engine(url)
        self.seconds = 0.0
        self.count = 0

    def _before(self, conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        conn.info.setdefault("_sql_timer_t0", []).append(time.perf_counter())

    def _after(self, conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        stack = conn.info.get("_sql_timer_t0")
        if stack:
            self.seconds += time.perf_counter() - stack.pop()
            self.count += 1

    def reset(self) -> None:
        self.seconds, self.count = 0.0, 0

    def __enter__(self) -> SqlTimer:
        event.listen(self.engine, "before_cursor_execute", self._before)
        event.listen(self.engine, "after_cursor_execute", self._after)
        return self

    def __exit__(self, *exc) -> None:
        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)
