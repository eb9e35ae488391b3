"""Streamlit glue shared by the pages: settings and engine, roles, cached loaders, widgets, maps."""
