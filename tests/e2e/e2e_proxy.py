"""The broker as the services see it: a TCP proxy the fault tests cut and restore.

``salesloop.testing.proxy.Proxy`` opens its upstream socket with
``create_connection(..., timeout=5)``, which leaves a 5-second timeout on the
socket: an AMQP connection that is quiet for 5 s (an idle relay, a worker
waiting for work — heartbeats come every 15-30 s) is then closed by the proxy
itself, as if the broker had dropped it. Long-lived stacks need the upstream
socket blocking, like the client's.
"""
from __future__ import annotations

import socket
import threading

from salesloop.testing.proxy import Proxy


class BrokerProxy(Proxy):
    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.up:
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)  # the timeout was for connecting only
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets += [client, upstream]
            threading.Thread(target=self._pipe, args=(client, upstream, False), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, True), daemon=True).start()

