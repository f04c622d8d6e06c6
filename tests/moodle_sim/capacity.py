"""Server-time model (POST /__sim__/capacity): a PHP-FPM pool of ``workers`` processes, each request holding one
for ``service_ms``. Off by default. It only models time; it never changes an answer.

Why: this simulator answers in well under a millisecond, inside one Python process whose threads share a GIL, so
measuring client-side parallelism against it would measure the GIL. Real Moodle 4.5.6 on 2 cores spends ~23 ms per
auth_apilogin call (43.6 calls/s on one keep-alive connection) and can serve about as many calls at once as it has
PHP workers. The model: a request waits for a free slot (threading.Semaphore), sleeps ``service_ms`` in it (outside
the state lock, so other slots proceed), frees it, then is handled as usual."""
import threading
import time


class Capacity(object):
    """``workers`` slots of ``service_ms`` each."""

    def __init__(self, workers, service_ms):
        self.workers = int(workers)
        self.service_ms = float(service_ms)
        self._slots = threading.Semaphore(self.workers)

    def serve(self):
        """Hold one slot for service_ms (blocks while every slot is busy)."""
        with self._slots:
            time.sleep(self.service_ms / 1000.0)

    def to_json(self):
        return {"workers": self.workers, "service_ms": self.service_ms}


def configure(sim, req):
    """{"workers": N, "service_ms": M} switches the model on; {"workers": 0} (or no body) switches it off."""
    workers = int(req.get("workers") or 0)
    service_ms = float(req.get("service_ms", 20))
    if workers < 0 or service_ms < 0:
        raise ValueError("workers and service_ms must not be negative")
    sim.capacity = Capacity(workers, service_ms) if workers else None
    return {"ok": True, "capacity": sim.capacity.to_json() if sim.capacity else None}


def serve(sim):
    """Called by the request handler for every non-control request."""
    capacity = getattr(sim, "capacity", None)
    if capacity is not None:
        capacity.serve()
