"""Test support for Shouhu's services: never imported by the runtime or a service's own code."""
