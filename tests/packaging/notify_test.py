#!/usr/bin/env python3
"""kedge-ingest speaks sd_notify as kedge-ingest.service (Type=notify, WatchdogSec=) expects.

Plays systemd: binds an AF_UNIX datagram socket, starts the binary with NOTIFY_SOCKET,
and WATCHDOG_USEC set as systemd sets them (WATCHDOG_PID left out: systemd
sets it only when the watched process is not the one it started), and checks that READY=1 comes once the
port answers, WATCHDOG=1 keeps coming, and SIGTERM brings STOPPING=1 and exit status 0. Also
checks that without NOTIFY_SOCKET the binary runs and stops the same way (console mode).
Loopback only, port 0.

    notify_test.py KEDGE_INGEST_BINARY
"""
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time

TIMEOUT_S = 30  # generous: the build machine is shared and may be loaded
WATCHDOG_USEC = 200000  # pings expected every 0.1 s

failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
        print("FAIL:", message)


def receive(sock, deadline):
    """The next datagram as text, or None at the deadline."""
    sock.settimeout(max(0.01, deadline - time.monotonic()))
    try:
        return sock.recv(4096).decode()
    except socket.timeout:
        return None


def wait_for(sock, wanted, deadline, seen):
    while time.monotonic() < deadline:
        message = receive(sock, deadline)
        if message is None:
            break
        seen.append(message)
        if wanted in message.split("\n"):
            return True
    return False


def start(binary, work, env):
    data = os.path.join(work, "data")
    os.makedirs(data, exist_ok=True)
    return subprocess.Popen([binary, "--listen", "127.0.0.1:0", "--data-dir", data],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True)


def port_answers(process):
    line = process.stdout.readline()
    m = re.search(r"listening on https?://127\.0\.0\.1:(\d+)", line)
    if not m:
        return False
    with socket.create_connection(("127.0.0.1", int(m.group(1))), timeout=5):
        return True


def stop(process):
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        return None


def test_under_systemd(binary, work):
    path = os.path.join(work, "notify")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    env = dict(os.environ, NOTIFY_SOCKET=path, WATCHDOG_USEC=str(WATCHDOG_USEC))
    process = start(binary, work, env)
    seen = []
    try:
        deadline = time.monotonic() + TIMEOUT_S
        check(wait_for(sock, "READY=1", deadline, seen), f"no READY=1 (got {seen})")
        check(port_answers(process), "the port printed after READY does not answer")
        pings = 0
        for _ in range(3):
            if wait_for(sock, "WATCHDOG=1", time.monotonic() + TIMEOUT_S, seen):
                pings += 1
        check(pings == 3, f"expected 3 WATCHDOG=1 after READY, got {pings}")
        code = stop(process)
        check(wait_for(sock, "STOPPING=1", time.monotonic() + TIMEOUT_S, seen),
              f"no STOPPING=1 after SIGTERM (got {seen[-5:]})")
        check(code == 0, f"exit status {code} after SIGTERM, expected 0")
        check(any(m.startswith("STATUS=listening on ") for m in seen), "no STATUS= line")
    finally:
        if process.poll() is None:
            process.kill()
        sock.close()


def test_console(binary, work):
    env = {k: v for k, v in os.environ.items() if k not in ("NOTIFY_SOCKET", "WATCHDOG_USEC")}
    process = start(binary, work, env)
    try:
        check(port_answers(process), "console mode: no listening line or the port does not answer")
        check(stop(process) == 0, "console mode: SIGTERM did not end the process with status 0")
    finally:
        if process.poll() is None:
            process.kill()


def main():
    binary = sys.argv[1]
    with tempfile.TemporaryDirectory() as work:
        test_under_systemd(binary, work)
        test_console(binary, work)
    if failures:
        return 1
    print("ok: kedge-ingest reports READY, WATCHDOG and STOPPING to systemd, and runs without it")
    return 0


if __name__ == "__main__":
    sys.exit(main())
