"""The meshcat server process: started, bound to loopback, and stopped by robojac.

meshcat 0.3.2's own launcher (``meshcat.servers.zmqserver``) has three problems for a
library: its web server listens on every interface (tornado's ``listen(port)`` with no
address), it reads the child's stdout without a timeout, and it never drains the child's
pipes afterwards. This module runs the same ``ZMQWebSocketBridge`` in a child process
(``python -m robojac.viz.server``) with:

* both sockets bound to ``--host`` (127.0.0.1 unless the caller asks otherwise);
* ``--port``/``--zmq-port`` either taken as given (a busy port is an error) or searched
  upwards from meshcat's defaults (7000 and 6000);
* one extra zmq command, ``robojac_batch``, that applies many scene commands in one
  round trip, so a robot pose is one request instead of one per link;
* ``set_property`` replacing an earlier value of the same property instead of piling
  up, so a long session does not grow the scene (and the saved page) without bound;
* a watchdog that exits when the parent process is gone, so no server outlives it.

The parent reads two lines, ``zmq_url=...`` and ``web_url=...`` (or ``error=...``),
within a deadline, then the child's stdout is detached.
"""

from __future__ import annotations

import argparse
import atexit
import os
import selectors
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from ..errors import ViewerError

LOOPBACK = "127.0.0.1"
DEFAULT_WEB_PORT = 7000
DEFAULT_ZMQ_PORT = 6000
PORT_ATTEMPTS = 200
BATCH = b"robojac_batch"


@dataclass(eq=False)
class ServerProcess:
    """A running meshcat server child process and its URLs."""

    proc: subprocess.Popen[bytes]
    zmq_url: str
    web_url: str
    host: str
    _closed: bool = field(default=False, repr=False)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self, timeout: float = 3.0) -> None:
        """Terminate the child and wait for it; kill it if it does not exit in ``timeout`` s."""
        if self._closed:
            return
        self._closed = True
        _RUNNING.discard(self)
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout)
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()


#: Every server this process started and has not stopped; stopped at exit. A strong
#: set: a viewer dropped without close() leaves its server serving until then, and
#: the exit must still find it.
_RUNNING: set[ServerProcess] = set()


@atexit.register
def _stop_all() -> None:
    for server in list(_RUNNING):
        server.stop()


def running(parent: int | None = None) -> list[int]:
    """Process ids of live meshcat servers started by robojac in process ``parent``
    (default: this one). Reads ``/proc`` on Linux; elsewhere, the servers this process
    started and has not stopped."""
    parent = os.getpid() if parent is None else parent
    proc = "/proc"
    if not os.path.isdir(os.path.join(proc, "self")):
        return [s.pid for s in list(_RUNNING) if s.alive()] if parent == os.getpid() else []
    out = []
    for entry in os.listdir(proc):
        if not entry.isdigit():
            continue
        try:
            with open(os.path.join(proc, entry, "cmdline"), "rb") as f:
                cmd = f.read().split(b"\0")
            with open(os.path.join(proc, entry, "stat"), encoding="utf-8", errors="replace") as f:
                state, ppid = f.read().rsplit(")", 1)[1].split()[:2]
        except OSError:
            continue
        if b"robojac.viz.server" in cmd and int(ppid) == parent and state != "Z":
            out.append(int(entry))
    return sorted(out)


def start(
    host: str = LOOPBACK, port: int | None = None, zmq_port: int | None = None, timeout: float = 20.0
) -> ServerProcess:
    """Start a meshcat server bound to ``host``; returns once it listens.

    ``port`` (web) and ``zmq_port`` are taken as given when set, and a busy one raises
    :class:`~robojac.errors.ViewerError`; when ``None``, the first free port upwards
    of 7000 (web) and 6000 (zmq) is used.
    """
    args = [sys.executable, "-u", "-m", "robojac.viz.server", "--host", host, "--parent-pid", str(os.getpid())]
    if port is not None:
        args += ["--port", str(int(port))]
    if zmq_port is not None:
        args += ["--zmq-port", str(int(zmq_port))]
    env = dict(os.environ)
    # The child must import this very robojac, also when it runs from a source tree.
    pkg_root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env["PYTHONPATH"] = os.pathsep.join([pkg_root, *[p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]])
    try:
        proc = subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env
        )
    except OSError as exc:
        raise ViewerError(f"could not start the meshcat server ({args[0]}): {exc}") from None
    lines = _read_lines(proc, 2, timeout)
    info = dict(line.split("=", 1) for line in lines if "=" in line)
    if "error" in info or "zmq_url" not in info or "web_url" not in info:
        proc.kill()
        proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
        detail = info.get("error") or f"it exited without reporting its URLs (output: {lines!r})"
        raise ViewerError(f"the meshcat server did not start: {detail}")
    server = ServerProcess(proc, info["zmq_url"], info["web_url"], host)
    _RUNNING.add(server)
    return server


def _read_lines(proc: subprocess.Popen[bytes], n: int, timeout: float) -> list[str]:
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    lines: list[str] = []
    buf = b""
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        while len(lines) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                proc.kill()
                proc.wait()
                raise ViewerError(f"the meshcat server did not report its URLs within {timeout:g} s")
            if not sel.select(left):
                continue
            chunk = os.read(proc.stdout.fileno(), 4096)
            if not chunk:  # the child exited
                break
            buf += chunk
            *done, buf = buf.split(b"\n")
            lines += [d.decode(errors="replace").strip() for d in done]
            if any(line.startswith("error=") for line in lines):
                break
    return lines


# ---------------------------------------------------------------------------- child side
def _serve(host: str, port: int | None, zmq_port: int | None, parent_pid: int) -> None:
    import tornado.ioloop
    import tornado.web
    import umsgpack
    import zmq
    from meshcat.servers import zmqserver
    from meshcat.servers.tree import SceneTree, find_node, walk

    class App(tornado.web.Application):
        def listen(self, port: int, address: str | None = None, **kwargs):
            # meshcat calls listen(port), which tornado binds on every interface.
            return super().listen(port, address=host, **kwargs)

    class Bridge(zmqserver.ZMQWebSocketBridge):
        tree: Any

        def make_app(self):
            return App(
                [
                    (
                        r"/static/(.*)",
                        zmqserver.StaticFileHandlerNoCache,
                        {"path": zmqserver.VIEWER_ROOT, "default_filename": zmqserver.VIEWER_HTML},
                    ),
                    (r"/", zmqserver.WebSocketHandler, {"bridge": self}),
                ]
            )

        def apply(self, cmd: str, path_bytes: bytes, data: bytes) -> None:
            path = [p for p in path_bytes.decode("utf-8").split("/") if p]
            node = find_node(self.tree, path)
            if cmd == "set_object":
                if node.object == data:  # meshcat's cache: the browser already has it
                    return
                node.object = data
                node.properties = []
            elif cmd == "set_transform":
                node.transform = data
            elif cmd == "set_property":
                key = umsgpack.unpackb(data).get("property")
                node.properties = [p for p in node.properties if umsgpack.unpackb(p).get("property") != key]
                node.properties.append(data)
            elif cmd == "set_animation":
                node.animation = data
            elif cmd == "delete":
                if path:
                    parent = find_node(self.tree, path[:-1])
                    if path[-1] in parent:
                        del parent[path[-1]]
                else:
                    self.tree = SceneTree()
            self.forward_to_websockets((cmd, path_bytes, data))

        def send_scene(self, websocket):
            # As meshcat's, but animations last: they bind to objects that must exist by then.
            nodes = list(walk(self.tree))
            for node in nodes:
                for blob in (node.object, *node.properties, node.transform):
                    if blob is not None:
                        websocket.write_message(blob, binary=True)
            for node in nodes:
                if node.animation is not None:
                    websocket.write_message(node.animation, binary=True)

        def handle_zmq(self, frames):
            cmd = frames[0]
            if cmd == BATCH:
                body = frames[1:]
                if len(body) % 3:
                    self.zmq_socket.send(b"error: a batch holds (type, path, data) triples")
                    return
                for i in range(0, len(body), 3):
                    self.apply(body[i].decode("utf-8"), body[i + 1], body[i + 2])
                self.zmq_socket.send(b"ok")
            elif cmd.decode("utf-8", "replace") in zmqserver.MESHCAT_COMMANDS and len(frames) == 3:
                self.apply(cmd.decode("utf-8"), frames[1], frames[2])
                self.zmq_socket.send(b"ok")
            else:
                super().handle_zmq(frames)

    def bind_zmq(p: int) -> str:
        return f"tcp://{host}:{p}"

    # Binding is the test of a free port: probing first and binding later would race
    # with other processes starting servers at the same moment.
    candidates = [zmq_port] if zmq_port is not None else range(DEFAULT_ZMQ_PORT, DEFAULT_ZMQ_PORT + PORT_ATTEMPTS)
    bridge = None
    for zp in candidates:
        try:
            bridge = Bridge(zmq_url=bind_zmq(zp), host=host, port=port)
        except zmq.ZMQError as exc:
            if zmq_port is not None:
                raise RuntimeError(f"zmq port {zp} on {host} is not free ({exc})") from None
            continue
        except OSError as exc:
            raise RuntimeError(f"web port {port} on {host} is not free ({exc})") from None
        break
    if bridge is None:
        raise RuntimeError(f"no free zmq port on {host} in {DEFAULT_ZMQ_PORT}..{DEFAULT_ZMQ_PORT + PORT_ATTEMPTS - 1}")

    print(f"zmq_url={bridge.zmq_url}", flush=True)
    print(f"web_url={bridge.web_url}", flush=True)
    # Nobody reads our stdout from now on: a full pipe would block the server.
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)

    def watchdog() -> None:
        if os.getppid() != parent_pid:
            bridge.ioloop.stop()

    tornado.ioloop.PeriodicCallback(watchdog, 500).start()
    bridge.run()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="meshcat server bound to one address (started by robojac.Viewer)")
    parser.add_argument("--host", default=LOOPBACK)
    parser.add_argument("--port", type=int)
    parser.add_argument("--zmq-port", type=int)
    parser.add_argument("--parent-pid", type=int, default=os.getppid())
    args = parser.parse_args(argv)
    # meshcat prints a line per busy port and per browser connection; failures reach
    # the parent as one `error=` line on stdout instead.
    os.dup2(os.open(os.devnull, os.O_WRONLY), 2)
    try:
        _serve(args.host, args.port, args.zmq_port, args.parent_pid)
    except KeyboardInterrupt:
        return 0
    except Exception as exc:  # reported to the parent on the protocol line
        print(f"error={exc}" if isinstance(exc, RuntimeError) else f"error={type(exc).__name__}: {exc}", flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
