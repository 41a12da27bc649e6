"""The empty-page floor of ``tablero bench --browser``: two one-line pages in Streamlit's own
navigation, served and clocked exactly as the product is, so that a page's figure can be read
against what Streamlit and Chromium cost on this machine at that moment."""

import streamlit as st


def uno() -> None:
    st.write("uno")


def dos() -> None:
    st.write("dos")


st.navigation([st.Page(uno, title="Uno", url_path="uno", default=True),
               st.Page(dos, title="Dos", url_path="dos")]).run()
