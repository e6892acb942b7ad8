"""Hand-built HTTP/2 for the checks of Tests/shell/grpc-tests.sh that grpcio cannot make: a connection
that announces a flow-control window of 0, requests that never end, frames that break a stream's rules,
non-gRPC content types. Frames are built and parsed here (RFC 9113), header blocks are sent as HPACK
literals without indexing and without Huffman, and the server's blocks are decoded in full (RFC 7541:
static and dynamic table, Huffman), so a check can assert exact statuses."""

import os
import socket
import struct
import time

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

DATA, HEADERS, PRIORITY, RST_STREAM, SETTINGS, PUSH_PROMISE, PING, GOAWAY, WINDOW_UPDATE, CONTINUATION = range(10)
KINDS = ["DATA", "HEADERS", "PRIORITY", "RST_STREAM", "SETTINGS", "PUSH_PROMISE", "PING", "GOAWAY",
         "WINDOW_UPDATE", "CONTINUATION"]
END_STREAM, ACK, END_HEADERS, PADDED, PRIORITY_FLAG = 0x1, 0x1, 0x4, 0x8, 0x20

HEADER_TABLE_SIZE, ENABLE_PUSH, MAX_CONCURRENT_STREAMS, INITIAL_WINDOW_SIZE, MAX_FRAME_SIZE = 1, 2, 3, 4, 5

# HTTP/2 error codes (RFC 9113 section 7).
ERRORS = ["NO_ERROR", "PROTOCOL_ERROR", "INTERNAL_ERROR", "FLOW_CONTROL_ERROR", "SETTINGS_TIMEOUT",
          "STREAM_CLOSED", "FRAME_SIZE_ERROR", "REFUSED_STREAM", "CANCEL", "COMPRESSION_ERROR",
          "CONNECT_ERROR", "ENHANCE_YOUR_CALM", "INADEQUATE_SECURITY", "HTTP_1_1_REQUIRED"]


def error_name(code):
    return ERRORS[code] if code < len(ERRORS) else "0x%x" % code


def frame(kind, flags, stream, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + struct.pack(">I", stream) + payload


def settings_frame(settings=(), ack=False):
    return frame(SETTINGS, ACK if ack else 0, 0, b"".join(struct.pack(">HI", k, v) for k, v in settings))


def window_update(stream, increment):
    return frame(WINDOW_UPDATE, 0, stream, struct.pack(">I", increment))


def rst_stream(stream, code=8):
    return frame(RST_STREAM, 0, stream, struct.pack(">I", code))


# --- HPACK (RFC 7541) ---------------------------------------------------------------------------------

STATIC_TABLE = [
    (":authority", ""), (":method", "GET"), (":method", "POST"), (":path", "/"), (":path", "/index.html"),
    (":scheme", "http"), (":scheme", "https"), (":status", "200"), (":status", "204"), (":status", "206"),
    (":status", "304"), (":status", "400"), (":status", "404"), (":status", "500"), ("accept-charset", ""),
    ("accept-encoding", "gzip, deflate"), ("accept-language", ""), ("accept-ranges", ""), ("accept", ""),
    ("access-control-allow-origin", ""), ("age", ""), ("allow", ""), ("authorization", ""),
    ("cache-control", ""), ("content-disposition", ""), ("content-encoding", ""), ("content-language", ""),
    ("content-length", ""), ("content-location", ""), ("content-range", ""), ("content-type", ""),
    ("cookie", ""), ("date", ""), ("etag", ""), ("expect", ""), ("expires", ""), ("from", ""), ("host", ""),
    ("if-match", ""), ("if-modified-since", ""), ("if-none-match", ""), ("if-range", ""),
    ("if-unmodified-since", ""), ("last-modified", ""), ("link", ""), ("location", ""), ("max-forwards", ""),
    ("proxy-authenticate", ""), ("proxy-authorization", ""), ("range", ""), ("referer", ""), ("refresh", ""),
    ("retry-after", ""), ("server", ""), ("set-cookie", ""), ("strict-transport-security", ""),
    ("transfer-encoding", ""), ("user-agent", ""), ("vary", ""), ("via", ""), ("www-authenticate", ""),
]
assert len(STATIC_TABLE) == 61

# The Huffman code of RFC 7541 appendix B is canonical: each symbol's code length ("A" = 5 bits) is enough
# to rebuild it. Symbols 0-255, then EOS.
_LENGTHS = ("ISXXXXXXXTZXXZXXXXXXXXZXXXXXXXXXBFFHIBDGFFDGDBBBAAABBBBBBBCDKBHFIBCCCCCCCCCCCCCCCCCCCCCCDCDIOIJB"
            "KABABABBBACCBBBABCBAABCCCCCKGJIXPRPPRRRSRSSSSSTSTTRSTSSSSQRSRSSTRQPRRSSQSRRTQRSSQQRQSRSSPRRRSRRSV"
            "VPORSRUVVVWWVTUOQVWWVWTQQVVXWWWPTPQRQQSRRUUTTVSVWVVWWWWWXWWWWWVZ")


def _huffman_codes():
    lengths = [ord(c) - ord("A") + 5 for c in _LENGTHS]
    codes, code, previous = {}, 0, None
    for symbol in sorted(range(257), key=lambda s: (lengths[s], s)):
        if previous is not None:
            code = (code + 1) << (lengths[symbol] - previous)
        previous = lengths[symbol]
        codes[(code, lengths[symbol])] = symbol
    return codes


_HUFFMAN = _huffman_codes()


def huffman_decode(data):
    out, code, length = bytearray(), 0, 0
    for byte in data:
        for bit in range(7, -1, -1):
            code, length = (code << 1) | ((byte >> bit) & 1), length + 1
            symbol = _HUFFMAN.get((code, length))
            if symbol is not None:
                if symbol == 256:
                    raise ValueError("EOS in a Huffman string")
                out.append(symbol)
                code, length = 0, 0
    if length > 7 or code != (1 << length) - 1:
        raise ValueError("bad Huffman padding")
    return bytes(out)


def encode_integer(value, prefix, flags=0):
    limit = (1 << prefix) - 1
    if value < limit:
        return bytes([flags | value])
    out, value = bytearray([flags | limit]), value - limit
    while value >= 128:
        out.append(value % 128 + 128)
        value //= 128
    out.append(value)
    return bytes(out)


def literal(name, value):
    """A literal header field without indexing, new name, no Huffman."""
    name, value = name.encode(), value.encode()
    return b"\x00" + encode_integer(len(name), 7) + name + encode_integer(len(value), 7) + value


def header_block(pairs):
    return b"".join(literal(name, value) for name, value in pairs)


class Decoder:
    """HPACK decoding with the dynamic table the server's encoder fills."""

    def __init__(self):
        self.dynamic = []  # newest first
        self.size = 0
        self.max_size = 4096

    def _integer(self, data, at, prefix):
        limit = (1 << prefix) - 1
        value = data[at] & limit
        at += 1
        if value < limit:
            return value, at
        shift = 0
        while True:
            byte = data[at]
            at += 1
            value += (byte & 127) << shift
            shift += 7
            if not byte & 128:
                return value, at

    def _string(self, data, at):
        huffman = data[at] & 0x80
        length, at = self._integer(data, at, 7)
        raw = bytes(data[at:at + length])
        if len(raw) != length:
            raise ValueError("truncated string")
        return (huffman_decode(raw) if huffman else raw).decode("latin-1"), at + length

    def _entry(self, index):
        if index == 0:
            raise ValueError("index 0")
        if index <= 61:
            return STATIC_TABLE[index - 1]
        return self.dynamic[index - 62]

    def _add(self, name, value):
        self.dynamic.insert(0, (name, value))
        self.size += len(name) + len(value) + 32
        self._evict()

    def _evict(self):
        while self.size > self.max_size:
            name, value = self.dynamic.pop()
            self.size -= len(name) + len(value) + 32

    def decode(self, data):
        headers, at = [], 0
        while at < len(data):
            byte = data[at]
            if byte & 0x80:  # indexed
                index, at = self._integer(data, at, 7)
                headers.append(self._entry(index))
                continue
            if byte & 0xE0 == 0x20:  # dynamic table size update
                self.max_size, at = self._integer(data, at, 5)
                self._evict()
                continue
            incremental = byte & 0xC0 == 0x40
            index, at = self._integer(data, at, 6 if incremental else 4)
            if index:
                name = self._entry(index)[0]
            else:
                name, at = self._string(data, at)
            value, at = self._string(data, at)
            headers.append((name, value))
            if incremental:
                self._add(name, value)
        return headers


# --- gRPC and protobuf bits -----------------------------------------------------------------------------

def grpc_message(payload, compressed=False):
    return bytes([1 if compressed else 0]) + struct.pack(">I", len(payload)) + payload


def grpc_messages(data):
    """The messages of gRPC-framed `data` (whole ones only)."""
    out, at = [], 0
    while at + 5 <= len(data):
        length = struct.unpack(">I", data[at + 1:at + 5])[0]
        if at + 5 + length > len(data):
            break
        out.append(data[at + 5:at + 5 + length])
        at += 5 + length
    return out


def pb_varint(value):
    out = bytearray()
    while value >= 128:
        out.append(value % 128 + 128)
        value //= 128
    out.append(value)
    return bytes(out)


def pb_string(field, value):
    value = value.encode() if isinstance(value, str) else value
    return pb_varint(field << 3 | 2) + pb_varint(len(value)) + value


def pb_fields(data):
    """[(field number, value)] of a serialized message: ints for varints, bytes for length-delimited."""
    out, at = [], 0
    while at < len(data):
        key, shift = 0, 0
        while True:
            byte = data[at]
            at += 1
            key |= (byte & 127) << shift
            shift += 7
            if not byte & 128:
                break
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, shift = 0, 0
            while True:
                byte = data[at]
                at += 1
                value |= (byte & 127) << shift
                shift += 7
                if not byte & 128:
                    break
        elif wire == 2:
            length, shift = 0, 0
            while True:
                byte = data[at]
                at += 1
                length |= (byte & 127) << shift
                shift += 7
                if not byte & 128:
                    break
            value = data[at:at + length]
            at += length
        elif wire == 5:
            value, at = data[at:at + 4], at + 4
        elif wire == 1:
            value, at = data[at:at + 8], at + 8
        else:
            raise ValueError("wire type %d" % wire)
        out.append((number, value))
    return out


def request_headers(path, content_type="application/grpc", extra=()):
    return [(":method", "POST"), (":scheme", "http"), (":path", path), (":authority", "localhost"),
            ("content-type", content_type), ("te", "trailers")] + list(extra)


HEALTH_CHECK = "/grpc.health.v1.Health/Check"
HEALTH_WATCH = "/grpc.health.v1.Health/Watch"
REFLECTION = "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"
SERVING, NOT_SERVING = 1, 2


# --- A connection -------------------------------------------------------------------------------------

class Frame:
    def __init__(self, kind, flags, stream, payload, headers=None):
        self.kind, self.flags, self.stream, self.payload, self.headers = kind, flags, stream, payload, headers

    @property
    def end_stream(self):
        return self.kind in (DATA, HEADERS) and bool(self.flags & END_STREAM)

    def header(self, name):
        return next((value for key, value in self.headers or () if key == name), None)

    def error(self):
        """The error code of RST_STREAM or GOAWAY."""
        if self.kind == RST_STREAM:
            return struct.unpack(">I", self.payload[:4])[0]
        if self.kind == GOAWAY:
            return struct.unpack(">I", self.payload[4:8])[0]
        return None

    def __repr__(self):
        name = KINDS[self.kind] if self.kind < len(KINDS) else str(self.kind)
        if self.headers is not None:
            detail = dict(self.headers)
        elif self.kind in (RST_STREAM, GOAWAY):
            detail = error_name(self.error())
            if self.kind == GOAWAY:
                detail = "last stream %d, %s %r" % (struct.unpack(">I", self.payload[:4])[0] & 0x7FFFFFFF,
                                                    detail, bytes(self.payload[8:]))
        elif self.kind == WINDOW_UPDATE:
            detail = "+%d" % struct.unpack(">I", self.payload)[0]
        elif self.kind == DATA:
            detail = "%d bytes" % len(self.payload)
        else:
            detail = bytes(self.payload[:40])
        flags = ["END_STREAM"] if self.end_stream else []
        if self.kind == SETTINGS and self.flags & ACK:
            flags = ["ACK"]
        return "%s(stream %d%s: %s)" % (name, self.stream, "".join(", " + f for f in flags), detail)


class Closed(Exception):
    """The server closed the connection."""


class Connection:
    """One HTTP/2 connection to a Unix socket, driven by hand. `settings` are the client's SETTINGS."""

    def __init__(self, path, settings=(), rcvbuf=None, sndbuf=None):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        if sndbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, sndbuf)
        self.sock.connect(path)
        self.buffer = b""
        self.decoder = Decoder()
        self.pending = []  # frames read while waiting for others
        self.log = []  # every frame read, in order
        self.closed = False
        self.sock.sendall(PREFACE + settings_frame(settings))

    def send(self, data):
        self.sock.sendall(data)

    def headers(self, stream, pairs, end_stream=False):
        self.send(frame(HEADERS, END_HEADERS | (END_STREAM if end_stream else 0), stream, header_block(pairs)))

    def data(self, stream, payload, end_stream=False):
        self.send(frame(DATA, END_STREAM if end_stream else 0, stream, payload))

    def call(self, stream, path, message=b"", extra=(), content_type="application/grpc", end_stream=True):
        """A request: HEADERS, then one DATA frame with `message` gRPC-framed."""
        self.headers(stream, request_headers(path, content_type, extra))
        self.data(stream, grpc_message(message), end_stream=end_stream)

    def _read_frame(self, deadline):
        while True:
            if len(self.buffer) >= 9:
                length = int.from_bytes(self.buffer[:3], "big")
                if len(self.buffer) >= 9 + length:
                    head, self.buffer = self.buffer[:9 + length], self.buffer[9 + length:]
                    stream = struct.unpack(">I", head[5:9])[0] & 0x7FFFFFFF
                    return Frame(head[3], head[4], stream, head[9:])
            if self.closed:
                raise Closed("the server closed the connection (%d bytes of a frame left)" % len(self.buffer))
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(1 << 16)
            except socket.timeout:
                raise TimeoutError from None
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                self.closed = True
            self.buffer += chunk

    def next_frame(self, timeout=5.0):
        """The next frame (HEADERS with CONTINUATIONs joined and decoded); SETTINGS are acknowledged.
        TimeoutError if none comes within `timeout`, Closed if the connection ends."""
        if self.pending:
            return self.pending.pop(0)
        deadline = time.monotonic() + timeout
        got = self._read_frame(deadline)
        if got.kind == HEADERS:
            block = bytes(got.payload)
            if got.flags & PADDED:
                block = block[1:len(block) - block[0]]
            if got.flags & PRIORITY_FLAG:
                block = block[5:]
            while not got.flags & END_HEADERS:
                more = self._read_frame(deadline)
                assert more.kind == CONTINUATION and more.stream == got.stream, more
                block += more.payload
                got.flags |= more.flags & END_HEADERS
            got.headers = self.decoder.decode(block)
        elif got.kind == SETTINGS and not got.flags & ACK:
            try:
                self.send(settings_frame(ack=True))
            except (BrokenPipeError, ConnectionResetError):
                pass  # the daemon has closed the connection: there is nothing left to acknowledge
        self.log.append(got)
        return got

    def frames_of(self, stream, timeout=5.0, until=None):
        """Frames of `stream` until it ends (END_STREAM or RST_STREAM), or until until(frames) holds;
        frames of other streams are kept for later. TimeoutError if that takes longer than `timeout`."""
        until = until or ended
        got, deadline, kept = [], time.monotonic() + timeout, []
        queued, self.pending = self.pending, []
        try:
            for f in queued:
                (got if f.stream == stream else kept).append(f)
            while not until(got):
                try:
                    f = self._next_unqueued(deadline)
                except TimeoutError:
                    raise TimeoutError("stream %d: %.1f s, and only %r" % (stream, timeout, got)) from None
                (got if f.stream == stream else kept).append(f)
        finally:
            self.pending = kept + self.pending
        return got

    def _next_unqueued(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        return self.next_frame(left)

    def wait_for(self, test, timeout=5.0):
        """Reads until a frame for which test(frame) holds; returns it (the others are kept)."""
        deadline, kept = time.monotonic() + timeout, []
        queued, self.pending = self.pending, []
        try:
            for i, f in enumerate(queued):
                if test(f):
                    kept += queued[i + 1:]
                    return f
                kept.append(f)
            while True:
                f = self._next_unqueued(deadline)
                if test(f):
                    return f
                kept.append(f)
        finally:
            self.pending = kept + self.pending

    def read_until_closed(self, timeout=5.0):
        """Reads every frame until the server closes the connection; TimeoutError if it has not within
        `timeout`. The frames are in self.log."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                self._next_unqueued(deadline)
            except Closed:
                return

    def close(self):
        self.sock.close()


def ended(frames):
    """Whether `frames` (of one stream) end it: END_STREAM or RST_STREAM."""
    return any(f.end_stream or f.kind == RST_STREAM for f in frames)


def has_message(frames):
    """Whether `frames` hold a whole gRPC message."""
    return bool(messages(frames))


def messages(frames):
    """The gRPC messages in the DATA frames of `frames`."""
    return grpc_messages(b"".join(bytes(f.payload) for f in frames if f.kind == DATA))


def status_of(frames):
    """(grpc-status, grpc-message) of a stream's end, or None if it ended without trailers."""
    end = [f for f in frames if f.kind == HEADERS and f.end_stream]
    if not end:
        return None
    return end[-1].header("grpc-status"), end[-1].header("grpc-message")


def reason_of(frames):
    """The ErrorInfo reason in a stream's grpc-status-details-bin, or None."""
    import base64
    end = [f for f in frames if f.kind == HEADERS and f.end_stream]
    details = end and end[-1].header("grpc-status-details-bin")
    if not details:
        return None
    status = base64.b64decode(details + "=" * (-len(details) % 4))
    for number, value in pb_fields(status):
        if number == 3:  # google.protobuf.Any
            fields = dict(pb_fields(value))
            if fields.get(1, b"").endswith(b"google.rpc.ErrorInfo"):
                return dict(pb_fields(fields[2])).get(1, b"").decode()
    return None


def rss_kib(pid):
    """VmRSS of process `pid`, in KiB."""
    with open("/proc/%d/status" % pid) as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise ValueError("no VmRSS for %d" % pid)


def socket_path():
    return os.environ["GSY_GRPC_SOCKET"]


def exited(pid):
    """Whether process `pid` has ended (gone, or a zombie its parent has not yet waited for)."""
    try:
        with open("/proc/%d/stat" % pid) as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True
