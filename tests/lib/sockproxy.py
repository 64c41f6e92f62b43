#!/usr/bin/env python3
"""Test stand-in for a slow or hung libvirtd socket (not a libvirtd).

  sockproxy.py LISTEN_PATH UPSTREAM_PATH DELAY_MS   forward, delaying each reply
  sockproxy.py LISTEN_PATH - 0                       accept and never answer

The first form makes a real libvirtd look slow (the agent must say 190,
degraded); the second is a daemon that accepts connections and hangs without
being SIGSTOPped (a deadlock), which only a deadline can catch.
"""
import os
import socket
import sys
import threading
import time

listen_path, upstream, delay = sys.argv[1], sys.argv[2], int(sys.argv[3]) / 1000.0


def pump(src, dst, slow):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            if slow:
                time.sleep(delay)
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def serve(conn):
    if upstream == "-":
        threading.Event().wait()  # hold the connection, say nothing
        return
    up = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    up.connect(upstream)
    threading.Thread(target=pump, args=(conn, up, False), daemon=True).start()
    pump(up, conn, True)


if os.path.exists(listen_path):
    os.unlink(listen_path)
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(listen_path)
srv.listen(16)
while True:
    c, _ = srv.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
