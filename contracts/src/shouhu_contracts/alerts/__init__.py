"""Events published by the alerts service."""
