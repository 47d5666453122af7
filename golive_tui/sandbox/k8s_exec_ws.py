"""The sandbox API server's `pods/exec`: a real websocket speaking the `v4.channel.k8s.io` protocol.

What kube-apiserver and the kubelet send back to `kubectl exec` (and the client's
`kubernetes.stream`): after the HTTP 101 upgrade, binary frames whose first byte is the
channel (1 stdout, 2 stderr, 3 the exec status as a `Status` JSON), then a close frame.
Commands are not run: their results are scripted per deployment (`Cluster.commands`), so
`npx prisma migrate status` answers as the staged production's database would. Frames are
built by wsproto, not by hand.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

PROTOCOL = "v4.channel.k8s.io"
PROTOCOLS = ("v5.channel.k8s.io", PROTOCOL)
"""What the sandbox speaks, best first: kubectl 1.30+ asks for v5 (v4's channels plus a close
channel the client sends, which a command without stdin never needs); the Python client asks for v5
and v4."""


@dataclass(frozen=True)
class CommandResult:
    """A scripted answer to one argv in one deployment's pods."""

    exit_code: int = 0
    stdout: str = ""
    stderr: str = ""


def not_found(argv: list[str]) -> CommandResult:
    """What the container runtime answers for an executable that is not in the image."""
    return CommandResult(
        127,
        "",
        "OCI runtime exec failed: exec failed: unable to start container process: exec: "
        f'"{argv[0] if argv else ""}": executable file not found in $PATH: unknown\n',
    )


def exit_status(result: CommandResult, argv: list[str]) -> dict[str, Any]:
    """The Status the kubelet writes on channel 3 when the command ends."""
    if result.exit_code == 0:
        return {"metadata": {}, "status": "Success"}
    return {
        "metadata": {},
        "status": "Failure",
        "reason": "NonZeroExitCode",
        "message": (
            f"command terminated with non-zero exit code: error executing command {argv}, exit "
            f"code {result.exit_code}"
        ),
        "details": {"causes": [{"reason": "ExitCode", "message": str(result.exit_code)}]},
    }


def wants_websocket(headers: Any) -> bool:
    return "websocket" in headers.get("Upgrade", "").lower() and bool(
        headers.get("Sec-WebSocket-Key")
    )


def serve_exec(handler: Any, result: CommandResult, argv: list[str]) -> None:
    """Upgrade the handler's connection and stream `result` over the channel protocol, then
    close."""
    from wsproto.connection import Connection, ConnectionType
    from wsproto.events import BytesMessage, CloseConnection
    from wsproto.utilities import generate_accept_token

    offered = [
        p.strip() for p in handler.headers.get("Sec-WebSocket-Protocol", "").split(",") if p.strip()
    ]
    handler.send_response(101, "Switching Protocols")
    handler.send_header("Upgrade", "websocket")
    handler.send_header("Connection", "Upgrade")
    handler.send_header(
        "Sec-WebSocket-Accept",
        generate_accept_token(handler.headers["Sec-WebSocket-Key"].encode()).decode(),
    )
    chosen = next((p for p in PROTOCOLS if p in offered), None)
    if chosen is not None:
        handler.send_header("Sec-WebSocket-Protocol", chosen)
    handler.end_headers()
    ws = Connection(ConnectionType.SERVER)
    frames = b""
    for channel, text in ((1, result.stdout), (2, result.stderr)):
        if text:
            frames += ws.send(BytesMessage(data=bytes([channel]) + text.encode()))
    frames += ws.send(
        BytesMessage(data=bytes([3]) + json.dumps(exit_status(result, argv)).encode())
    )
    frames += ws.send(CloseConnection(code=1000))
    handler.wfile.write(frames)
    handler.wfile.flush()
    handler.close_connection = True
    # Wait (briefly) for the client's close frame, as a server should before hanging up.
    handler.connection.settimeout(2)
    try:
        ws.receive_data(handler.connection.recv(4096) or None)
    except Exception:  # the client's close frame is a courtesy; a reset or a bad frame ends it too
        pass
