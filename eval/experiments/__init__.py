"""Reproducible experiments built from the project's CLIs."""
