"""KPIs computed from the store: pure functions over pandas DataFrames."""
