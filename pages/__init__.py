"""The app's pages: thin scripts run by ``st.navigation`` (see ``components.core.navigation``)."""
