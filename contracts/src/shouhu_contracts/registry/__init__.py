"""Events published by the registry service."""
