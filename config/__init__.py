"""Typed settings, parsed once from the environment."""
