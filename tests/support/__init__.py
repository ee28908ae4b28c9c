"""Helpers shared by integration, end-to-end and browser tests."""
