"""Shouhu's shared runtime: what every service needs so that its own code is only its domain."""
