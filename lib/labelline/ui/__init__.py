"""The only Streamlit code outside app.py and pages/: cached data access and widgets."""
