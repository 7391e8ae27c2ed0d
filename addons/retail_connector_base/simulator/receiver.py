"""A webhook receiver for tests: answers the statuses it is given, keeps the requests.

Injected faults (``receiver.time_out_next()``...) answer before the statuses.

Mount it (or serve it) where a simulator delivers its webhooks, to see
what was sent and to make deliveries fail::

    receiver = Receiver([503, 200])
    session = mount(requests.Session(), receiver)
    sim.deliver(f"{receiver.base_url}/hook", session)
"""

from dataclasses import dataclass

from .base import Simulator

RECEIVER_URL = "https://receiver.example.test"


@dataclass(frozen=True)
class Received:
    """One request the receiver got."""

    method: str
    path: str
    headers: dict
    body: bytes


class Receiver(Simulator):
    """Answers each request with the next queued status (200 once none is left)."""

    name = "Receiver"

    def __init__(self, statuses=(), base_url=RECEIVER_URL, **options):
        super().__init__(base_url, **options)
        self.statuses = list(statuses)
        self.requests = []

    def _handle(self, method, path, headers, body):
        self.requests.append(Received(method, path, dict(headers), bytes(body)))
        fault = self._take_fault(method=method, path=path)
        if fault is not None:
            return fault.status, fault.headers(), fault.phrase.encode()
        status = self.statuses.pop(0) if self.statuses else 200
        self.calls.record(
            method=method,
            path=path,
            status=status,
            outcome="ok" if status < 400 else "refused",
        )
        return status, {"Content-Type": "application/json"}, b"{}"
