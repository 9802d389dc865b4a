"""Shouhu reporting service."""
