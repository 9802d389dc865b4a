"""Reporting's domain: what each thing counts for, the bulletin's ranks, the assessment's points."""
