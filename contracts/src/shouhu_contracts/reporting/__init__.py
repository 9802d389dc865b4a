"""Reporting events."""
