#!/usr/bin/python3
"""recv.py: a test receiver for the agent's frames (doc/WIRE.md §2-5).

Listens on a unix stream socket, takes one connection at a time, decodes
every frame with cbor2 (an independent decoder) and appends one JSON line
per record to --out:

    {"conn": K, "f": {...decoded body...}}      a frame (with --hex, "hex"
                                                its body's bytes too)
    {"conn": K, "bad": "why", "hex": "..."}     a frame cbor2 rejected
    {"conn": K, "ack": N}                       an ack this receiver sent
    {"conn": K, "eof": true}                    the agent closed

With --ack, after recording each batch of frames it acks the highest seq
it has seen (doc/WIRE.md §5: {"content_version": 257, "ack_seq": N}).  The
file is opened for append, so a restarted receiver continues it.  Prints
"ready" once it listens.  Not a host: no stamping, no JSON for people.
"""
import argparse
import json
import os
import signal
import socket
import struct
import sys

import cbor2

MAX_BODY = 4096


def ack_frame(seq):
    body = cbor2.dumps({"content_version": 0x0101, "ack_seq": seq})
    return struct.pack("<I", len(body)) + body


def serve(conn, k, out, ack, state, hexdump=False):
    buf = b""
    while True:
        data = conn.recv(1 << 16)
        if not data:
            out.write(json.dumps({"conn": k, "eof": True}) + "\n")
            out.flush()
            return
        buf += data
        top = None
        while len(buf) >= 4:
            (n,) = struct.unpack_from("<I", buf)
            if n > MAX_BODY:
                out.write(json.dumps({"conn": k, "bad": "FrameTooLarge"}) + "\n")
                out.flush()
                return
            if len(buf) < 4 + n:
                break
            body, buf = buf[4:4 + n], buf[4 + n:]
            try:
                f = cbor2.loads(body)
                rec = {"conn": k, "f": f}
                if hexdump:
                    rec["hex"] = body.hex()
                if isinstance(f, dict) and isinstance(f.get("seq"), int):
                    top = f["seq"] if top is None else max(top, f["seq"])
            except Exception as e:  # noqa: BLE001 - record, keep going
                rec = {"conn": k, "bad": str(e), "hex": body.hex()}
            out.write(json.dumps(rec) + "\n")
        out.flush()
        if ack and top is not None:
            state["acked"] = max(state.get("acked", -1), top)
            conn.sendall(ack_frame(state["acked"]))
            out.write(json.dumps({"conn": k, "ack": state["acked"]}) + "\n")
            out.flush()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sock", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--ack", action="store_true")
    ap.add_argument("--hex", action="store_true",
                    help="record every body's bytes")
    ap.add_argument("--conn-base", type=int, default=0,
                    help="number connections from this + 1")
    a = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        os.unlink(a.sock)
    except FileNotFoundError:
        pass
    ls = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    ls.bind(a.sock)
    ls.listen(8)
    print("ready", flush=True)
    state = {}
    k = a.conn_base
    with open(a.out, "a") as out:
        while True:
            conn, _ = ls.accept()
            k += 1
            try:
                serve(conn, k, out, a.ack, state, a.hex)
            except (ConnectionResetError, BrokenPipeError):
                out.write(json.dumps({"conn": k, "eof": True}) + "\n")
                out.flush()
            conn.close()


if __name__ == "__main__":
    main()
