"""What an intake says back: every problem by sheet, row, column and value with its fix,
and the counts of what a valid file inserts, updates or leaves unchanged.

The page shows ``Problem`` rows as a table and annotates the uploaded workbook with them;
the CLI prints ``str(problem)``; both come from here.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    sheet: str
    row: int | None  # the spreadsheet's row number (header = 1); None: the whole sheet or file
    column: str
    message: str  # Spanish, says how to fix it
    letter: str = ""  # the column's letter in the uploaded sheet, when known
    value: str = ""  # the offending cell as it was read

    def __str__(self) -> str:
        where = [f"Hoja «{self.sheet}»"] if self.sheet else ["Archivo"]
        if self.row:
            where.append(f"fila {self.row}")
        if self.column:
            where.append(f"columna «{self.column}»" + (f" ({self.letter})" if self.letter else ""))
        return f"{', '.join(where)}: {self.message}"

    def as_row(self) -> dict:
        """One row of the problems table (page, annotated copy, CLI ``--format csv``)."""
        return {"hoja": self.sheet, "fila": self.row, "columna": self.column, "valor": self.value,
                "problema": self.message}


@dataclass
class ImportReport:
    ok: bool
    entity: str = ""
    dry_run: bool = False
    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)  # not errors: e.g. a NIT completed with its check digit
    counts: Counter = field(default_factory=Counter)  # "<sheet>.insert" / ".update" / ".unchanged" / ".void"
    changed: bool = False
    message: str = ""
    batch_id: int | None = None

    def lines(self) -> list[str]:
        return [self.message] + [str(p) for p in self.problems] + [str(n) for n in self.notes]


# How many problems a report lists before it says "and N more" (a wrong file can fail every cell).
MAX_PROBLEMS = 1_000
