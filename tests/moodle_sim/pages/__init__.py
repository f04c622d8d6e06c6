"""One module per page family of the simulated Moodle."""
