"""Where scene commands go: a meshcat server over zmq, or an in-memory scene.

A scene command is meshcat's plain dict (``{"type": "set_transform", "path": ...,
"matrix": [...]}``). Both transports keep every command they were sent in ``log``
(the tests read it), mirror the scene tree the way meshcat's server does, and can
render it as a standalone HTML page.
"""

from __future__ import annotations

import base64
import importlib.util
import os
from collections.abc import Iterable, Sequence
from typing import Any

import umsgpack

from ..errors import ViewerError
from .server import BATCH

Command = dict[str, Any]

#: meshcat's page loads the scene from these; anything else in a tree node is ignored.
_HTML = """<!DOCTYPE html>
<html>
<head><meta charset="utf-8"><title>{title}</title></head>
<body>
<div id="meshcat-pane"></div>
<script>
{mainminjs}
</script>
<script>
var viewer = new MeshCat.Viewer(document.getElementById("meshcat-pane"));
{commands}
</script>
<style>
body {{ margin: 0; }}
#meshcat-pane {{ width: 100vw; height: 100vh; overflow: hidden; }}
</style>
</body>
</html>
"""


def pack(cmd: Command) -> bytes:
    return bytes(umsgpack.packb(cmd))


def viewer_js() -> str:
    """meshcat's viewer script (three.js and all), found without importing meshcat's server."""
    spec = importlib.util.find_spec("meshcat")
    roots = list(spec.submodule_search_locations or []) if spec is not None else []
    for root in roots:
        path = os.path.join(root, "viewer", "dist", "main.min.js")
        if os.path.isfile(path):
            with open(path, encoding="utf-8") as f:
                return f.read()
    raise ViewerError("meshcat's viewer script (meshcat/viewer/dist/main.min.js) is missing; reinstall meshcat")


#: Byte strings shorter than this are not worth sharing in a saved page.
SHARE_MIN_BYTES = 256


def _b64(data: bytes) -> str:
    return f"base64ToBytes({base64.b64encode(data).decode('ascii')!r})"


def _split_shared(blob: bytes, shared: dict[bytes, None]) -> list[tuple[bytes, bool]]:
    """``blob`` cut round the first shared byte string it holds: [(piece, is_shared)]."""
    for s in shared:
        i = blob.find(s)
        if i >= 0:
            return [(blob[:i], False), (s, True), *_split_shared(blob[i + len(s) :], shared)]
    return [(blob, False)]


#: The page's decoders: base64 text to bytes, and pieces of bytes joined.
_DECODERS = (
    "function base64ToBytes(s) { const b = atob(s); const a = new Uint8Array(b.length);"
    " for (let i = 0; i < b.length; i++) a[i] = b.charCodeAt(i); return a; }\n"
    "function joinBytes(parts) { let n = 0; for (const p of parts) n += p.length;"
    " const a = new Uint8Array(n); let i = 0; for (const p of parts) { a.set(p, i); i += p.length; } return a; }"
)


def scene_script(scenes: Sequence[tuple[str, Recorder]]) -> str:
    """JavaScript that hands each scene's commands to the meshcat viewer in the page
    variable named with it: ``[("viewer", recorder), ...]``.

    A byte string that the recorders marked as shared (a mesh file) and that two commands
    or more carry, in any of the scenes, is written once, as a constant, and spliced into
    each command: a mesh used by several links, or drawn in several views, costs its
    size once. The commands are decoded synchronously, so the scene is complete when the
    script ends (meshcat's own page chains fetch() promises, which finish at some later,
    unknown time).
    """
    per_scene = [(var, rec.blobs()) for var, rec in scenes]
    present = [b for _, blobs in per_scene for b in blobs]
    shared = {s: None for _, rec in scenes for s in rec.shared}
    # Only what two commands or more carry is worth a shared copy.
    repeated = {s: None for s in shared if sum(s in b for b in present) > 1}
    used: dict[bytes, str] = {}
    chunks = [_DECODERS]
    for var, blobs in per_scene:
        for b in blobs:
            parts = _split_shared(b, repeated)
            if len(parts) == 1:
                chunks.append(f"{var}.handle_command_bytearray({_b64(b)});")
                continue
            pieces = []
            for p, is_shared in parts:
                if is_shared:
                    if p not in used:
                        used[p] = f"shared{len(used)}"
                        chunks.append(f"const {used[p]} = {_b64(p)};")
                    pieces.append(used[p])
                else:
                    pieces.append(_b64(p))
            chunks.append(f"{var}.handle_command_bytearray(joinBytes([{', '.join(pieces)}]));")
    return "\n".join(chunks)


class _Node(dict[str, "_Node"]):
    """One node of the scene tree, as meshcat's server keeps it (packed commands)."""

    def __init__(self) -> None:
        super().__init__()
        self.object: bytes | None = None
        self.transform: bytes | None = None
        self.properties: dict[str, bytes] = {}
        self.animation: bytes | None = None

    def find(self, parts: Sequence[str]) -> _Node:
        node = self
        for p in parts:
            node = node.setdefault(p, _Node())
        return node

    def walk(self) -> Iterable[_Node]:
        yield self
        for child in self.values():
            yield from child.walk()


class Recorder:
    """An in-memory scene: no server, no network; renders the page itself."""

    batched = True

    def __init__(self, log: bool = True) -> None:
        self.tree = _Node()
        self.keep_log = log
        self.log: list[Command] = []
        self.shared: dict[bytes, None] = {}

    def share(self, payload: bytes) -> None:
        """Mark a large byte string (a mesh file) that several commands carry: the saved
        page holds it once and splices it into each of them."""
        if len(payload) >= SHARE_MIN_BYTES:
            self.shared[payload] = None

    def send(self, cmds: Sequence[Command]) -> None:
        for cmd in cmds:
            self._apply(cmd, pack(cmd))
        if self.keep_log:
            self.log.extend(cmds)

    def _apply(self, cmd: Command, data: bytes) -> None:
        kind = cmd["type"]
        parts = [p for p in cmd.get("path", "").split("/") if p]
        if kind == "delete":
            if not parts:
                self.tree = _Node()
            else:
                parent = self.tree.find(parts[:-1])
                parent.pop(parts[-1], None)
            return
        node = self.tree.find(parts)
        if kind == "set_object":
            node.object, node.properties = data, {}
        elif kind == "set_transform":
            node.transform = data
        elif kind == "set_property":
            node.properties[cmd["property"]] = data
        elif kind == "set_animation":
            node.animation = data

    def blobs(self) -> list[bytes]:
        """The packed commands that rebuild the scene as it is now: objects, properties and
        transforms node by node, then the animations (which bind to the objects)."""
        out: list[bytes | None] = []
        for node in self.tree.walk():
            out += [node.object, *node.properties.values(), node.transform]
        out += [node.animation for node in self.tree.walk()]
        return [b for b in out if b is not None]

    def static_html(self, title: str = "robojac") -> str:
        """The scene as one standalone page: meshcat's viewer script and every command, inlined."""
        return _HTML.format(title=title, mainminjs=viewer_js(), commands=scene_script([("viewer", self)]))

    def close(self) -> None:
        pass


class ZMQConnection(Recorder):
    """A meshcat server's zmq socket; also mirrors the scene locally (see :class:`Recorder`).

    Commands of one :meth:`send` travel in one request when the server understands
    robojac's batch command (robojac's own server does; a stock meshcat server answers
    "unrecognized", and then every command goes on its own).
    """

    def __init__(self, zmq_url: str, timeout: float = 10.0, log: bool = False) -> None:
        import zmq

        super().__init__(log=log)
        self.zmq_url = zmq_url
        self.timeout_ms = int(timeout * 1000)
        self._zmq = zmq
        self._ctx: Any = zmq.Context.instance()
        self.socket: Any = None
        self.batched = True
        self.connect()

    def connect(self) -> None:
        """(Re)open the zmq socket to the meshcat server."""
        zmq = self._zmq
        if self.socket is not None:
            self.socket.close(linger=0)
        self.socket = self._ctx.socket(zmq.REQ)
        self.socket.setsockopt(zmq.LINGER, 0)
        self.socket.setsockopt(zmq.RCVTIMEO, self.timeout_ms)
        self.socket.setsockopt(zmq.SNDTIMEO, self.timeout_ms)
        try:
            self.socket.connect(self.zmq_url)
        except zmq.ZMQError as exc:
            self.socket.close(linger=0)
            self.socket = None
            raise ViewerError(
                f"cannot connect to the meshcat server at zmq_url={self.zmq_url!r} ({exc}); "
                "expected an address such as 'tcp://127.0.0.1:6000'"
            ) from None

    def request(self, frames: list[bytes]) -> bytes:
        if self.socket is None:
            raise ViewerError("the viewer is closed; make a new robojac.Viewer")
        try:
            self.socket.send_multipart(frames)
            return bytes(self.socket.recv())
        except self._zmq.ZMQError as exc:
            # A REQ socket that missed its reply is stuck; a fresh one can try again.
            self.connect()
            raise ViewerError(
                f"the meshcat server at {self.zmq_url} did not answer within {self.timeout_ms / 1000:g} s ({exc})"
            ) from None

    def send(self, cmds: Sequence[Command]) -> None:
        packed = [pack(c) for c in cmds]
        for cmd, data in zip(cmds, packed):
            self._apply(cmd, data)
        if self.keep_log:
            self.log.extend(cmds)
        if not cmds:
            return
        if self.batched and len(cmds) > 1:
            frames = [BATCH]
            for cmd, data in zip(cmds, packed):
                frames += [cmd["type"].encode(), cmd.get("path", "").encode(), data]
            reply = self.request(frames)
            if not reply.startswith(b"error"):
                return
            self.batched = False  # a stock meshcat server
        for cmd, data in zip(cmds, packed):
            reply = self.request([cmd["type"].encode(), cmd.get("path", "").encode(), data])
            if reply.startswith(b"error"):
                raise ViewerError(f"the meshcat server rejected {cmd['type']} {cmd.get('path', '')}: {reply!r}")

    def web_url(self) -> str:
        return self.request([b"url"]).decode("utf-8")

    def server_html(self) -> str:
        """The page as the server builds it (meshcat's ``static_html``)."""
        return self.request([b"get_scene"]).decode("utf-8")

    def close(self) -> None:
        if self.socket is not None:
            self.socket.close(linger=0)
            self.socket = None
