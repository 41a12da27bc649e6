"""CSV + Excel downloads for the alliance page, generated only when clicked.

Same files as ``components.figures.download_table`` (CSV in UTF-8 with BOM, Excel via
``to_excel_bytes``) but the bytes are produced by a deferred callable when the person
clicks, so a page run never pays for Excel files nobody downloads, and a download of
*every* row behind a figure (not just the page shown) is fetched at click time.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from components.context import PageContext
from components.figures import to_excel_bytes

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def csv_bytes(df: pd.DataFrame) -> bytes:
    return df.to_csv(index=False).encode("utf-8-sig")


def download_frame(ctx: PageContext, frame: pd.DataFrame | Callable[[], pd.DataFrame], basename: str, key: str,
                   label_suffix: str = "") -> None:
    """Two buttons (CSV, Excel) for a frame, or for a callable that builds it at click time."""
    make = frame if callable(frame) else (lambda: frame)
    c1, c2 = st.columns(2)
    c1.download_button(f"{ctx.t('common.download_csv')}{label_suffix}", lambda: csv_bytes(make()),
                       file_name=f"{basename}.csv", mime="text/csv", key=f"{key}_csv", on_click="ignore")
    c2.download_button(f"{ctx.t('common.download_xlsx')}{label_suffix}", lambda: to_excel_bytes(make()),
                       file_name=f"{basename}.xlsx", mime=XLSX_MIME, key=f"{key}_xlsx", on_click="ignore")
