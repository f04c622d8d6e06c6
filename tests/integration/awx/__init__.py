"""Helpers of tests/integration/test_awx_job.py: an AWX job as AWX runs it (ansible-runner over a private data
dir), without AWX. See jobs.py."""
