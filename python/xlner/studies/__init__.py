"""Reproducible studies on the real data (Europarl-NER projection, four aligners, alignment noise)."""
