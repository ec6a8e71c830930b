"""Streamlit helpers: the only non-page code that imports streamlit."""
