"""Shouhu alerts service."""
