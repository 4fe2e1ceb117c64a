"""What it costs to find a served connection's socket to act a network fault out on it
(transports/connections.py), with 100, 1,000 and 10,000 other connections held.

    python bench/fault_cost.py

This process accepts the connections, as a server would; their client ends are in a child
process, so that this process holds one descriptor per connection. For each count it finds
the connection accepted last (the search's best case: it looks first at the descriptors
nearest the lowest free number, where the kernel puts a new connection) and the one
accepted first (its worst: every descriptor above it looked at), and one accepted into a
number freed halfway down among them (half of them looked at), 20 times each, and prints
the median and the worst, and whether each stays within the target of a few milliseconds
(5 ms).
"""

from __future__ import annotations

import resource
import socket
import statistics
import subprocess
import sys
import time

from mock_baanx.transports.connections import find_connection

COUNTS = (100, 1000, 10_000)
TARGET_MS = 5.0
CLIENTS = """
import socket, sys
port, count = int(sys.argv[1]), int(sys.argv[2])
held = [socket.create_connection(("127.0.0.1", port)) for _ in range(count)]
print("connected", flush=True)
sys.stdin.read()
"""


def main() -> int:
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    print(f"Python {sys.version.split()[0]}, {sys.platform}; open-file limit {hard:,}")
    for count in COUNTS:
        with socket.create_server(("127.0.0.1", 0), backlog=count) as listener:
            port = listener.getsockname()[1]
            clients = subprocess.Popen(
                [sys.executable, "-c", CLIENTS, str(port), str(count)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard)))
            accepted = [listener.accept()[0] for _ in range(count)]
            assert clients.stdout is not None
            clients.stdout.readline()
            # A connection accepted into the number a connection held among the others
            # left: the kernel hands out the lowest free number, so it lies halfway down.
            extra_client = socket.create_connection(("127.0.0.1", port))
            accepted[count // 2].close()
            accepted[count // 2] = refilled = listener.accept()[0]
            for which, connection in (("accepted last", accepted[-1]),
                                      ("accepted first", accepted[0]),
                                      ("accepted last, into a number freed halfway", refilled)):
                peer, local = connection.getpeername(), connection.getsockname()
                times = []
                for _ in range(20):
                    started = time.perf_counter()
                    found = find_connection(peer, local)
                    times.append((time.perf_counter() - started) * 1000)
                    assert found == connection.fileno()
                worst = max(times)
                verdict = "met    " if worst <= TARGET_MS else "NOT met"
                print(f"{verdict}  {count:>6,} connections held, the one {which}: median "
                      f"{statistics.median(times):.2f} ms, worst {worst:.2f} ms "
                      f"(target <= {TARGET_MS:g} ms)")
            clients.communicate("")
            extra_client.close()
            for connection in accepted:
                connection.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
