"""Lägesbild Falkenberg: the domain core (areas, store, taxonomy, demo data, maps).

Nothing in this package imports Streamlit; everything is testable with plain pytest.
"""

__version__ = "0.1.0"
