"""Pairing events: helpers, pairings, contact logs and contact obligations (结对帮扶)."""
