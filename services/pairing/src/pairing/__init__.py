"""Shouhu pairing service."""
