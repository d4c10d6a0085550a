"""The remote protocol's framing for the CLI tests that play a peer by hand
(remote_ingest.sh, sink_server_limits.sh, sink_server_hostile.sh): a
4-byte big-endian length, then a JSON object. Not a test itself."""
import json
import struct


def frame(obj):
    body = json.dumps(obj).encode()
    return struct.pack(">I", len(body)) + body


def message(s, limit_s):
    """The next message from socket `s`, or None at end of stream."""
    s.settimeout(limit_s)
    head = b""
    while len(head) < 4:
        chunk = s.recv(4 - len(head))
        if not chunk:
            return None
        head += chunk
    n = struct.unpack(">I", head)[0]
    body = b""
    while len(body) < n:
        chunk = s.recv(n - len(body))
        if not chunk:
            return None
        body += chunk
    return json.loads(body)
