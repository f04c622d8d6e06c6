"""Conformance replay of the recorded real Moodle exchanges against tests/moodle_sim.

Run ``python -m tests.conformance`` from the repository root for the report,
or ``pytest tests/conformance`` for the gate (REQUIRED_FLOWS in flows.py).
"""
