"""moodle_sim: a local Moodle 4.5.6 / 5.1.3 stand-in (standard library only). See README.md."""
from .server import RequestRecord, Simulator

__all__ = ["Simulator", "RequestRecord"]
