"""`digitpad run | serve | camp`: the same start on Linux, macOS and Windows.

- run:   the development server, on this machine only (127.0.0.1).
- serve: the production server (gunicorn where it runs, else waitress) on 127.0.0.1:8000.
- camp:  a class. The production server on every interface, a presenter token, and the URLs of
         this machine on the local network printed with a QR code of the student URL.
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import sys
from collections.abc import Sequence

DEFAULT_PORT = {"run": 5000, "serve": 8000, "camp": 8000}


def lan_addresses() -> list[str]:
    """IPv4 addresses of this machine that other machines on the network can reach (no loopback,
    no link-local), best guess first. Reads the interfaces; sends nothing."""
    found: list[str] = []
    if sys.platform.startswith("linux"):
        import fcntl
        import struct

        siocgifaddr = 0x8915
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            for _, name in socket.if_nameindex():
                try:
                    packed = fcntl.ioctl(s.fileno(), siocgifaddr,
                                         struct.pack("256s", name[:15].encode()))
                except OSError:
                    continue  # an interface without an IPv4 address
                found.append(socket.inet_ntoa(packed[20:24]))
    else:
        try:
            infos = socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
            found = [info[4][0] for info in infos]
        except OSError:
            found = []
    usable = [a for a in dict.fromkeys(found)
              if not a.startswith("127.") and not a.startswith("169.254.")]
    # Home and classroom networks first (192.168.x, 10.x, 172.16-31.x), then anything else.
    private = ("192.168.", "10.") + tuple(f"172.{n}." for n in range(16, 32))
    return sorted(usable, key=lambda a: not a.startswith(private))


def terminal_qr(text: str) -> str:
    """A QR code drawn with block characters, readable by a phone camera from a terminal."""
    import io

    import segno

    out = io.StringIO()
    segno.make(text, error="m").terminal(out=out, compact=True, border=2)
    return out.getvalue()


def server_kind(requested: str) -> str:
    if requested != "auto":
        return requested
    if sys.platform == "win32":
        return "waitress"
    try:
        import gunicorn  # noqa: F401
    except ImportError:
        return "waitress"
    return "gunicorn"


def banner(host: str, port: int, token: str, addresses: Sequence[str]) -> str:
    """What the presenter reads in the terminal: where students go, where the presenter goes."""
    shown = list(addresses) if host in ("0.0.0.0", "") else [host]
    if not shown:
        shown = ["127.0.0.1"]
    student = f"http://{shown[0]}:{port}/join"
    lines = ["", "digitpad camp: the class is open on this network.", "",
             "  Students open (or scan the QR code below):"]
    lines += [f"      http://{a}:{port}/join" for a in shown]
    lines += ["", "  Presenter (keep this one to yourself; it carries the presenter token):",
              f"      http://{shown[0]}:{port}/present#token={token}",
              f"      on this laptop: http://127.0.0.1:{port}/present#token={token}", ""]
    if not addresses:
        lines += ["  No network address found: connect to the room's Wi-Fi or a phone hotspot.", ""]
    lines += ["  Phones can't connect? The Wi-Fi may isolate its clients: start a hotspot on a phone,",
              "  connect this laptop and the students to it, and run `digitpad camp` again.", ""]
    return "\n".join(lines) + terminal_qr(student)


def serve(kind: str, host: str, port: int, workers: int | None) -> int:
    """Run the production server in the foreground until Ctrl+C."""
    if kind == "gunicorn":
        cmd = [sys.executable, "-m", "gunicorn", "-c", "python:webapp.gunicorn_conf",
               "--bind", f"{host}:{port}"]
        if workers:
            cmd += ["--workers", str(workers)]
        cmd.append("webapp:create_app()")
        sys.stdout.flush()
        # gunicorn takes this process's place: Ctrl+C and a service manager's signals reach it.
        os.execv(sys.executable, cmd)
    from waitress import serve as waitress_serve

    from webapp import create_app

    # waitress: one process, a pool of threads. Threads beyond the cores still help: the wall's
    # live stream and slow phones each hold one while they wait on the network.
    waitress_serve(create_app(), host=host, port=port, threads=16, channel_timeout=30,
                   ident="digitpad")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="digitpad", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    for name, help_text in (("run", "development server on this machine only"),
                            ("serve", "production server on this machine only"),
                            ("camp", "a class: serve to the room's network, print URLs and a QR code")):
        s = sub.add_parser(name, help=help_text)
        s.add_argument("--port", type=int, default=DEFAULT_PORT[name])
        if name != "run":
            s.add_argument("--server", choices=["auto", "gunicorn", "waitress"], default="auto",
                           help="auto: gunicorn where it runs (Linux, macOS), waitress elsewhere")
            s.add_argument("--workers", type=int, default=None, help="gunicorn worker processes")
        if name == "serve":
            s.add_argument("--host", default="127.0.0.1",
                           help="0.0.0.0 to accept other machines (or use `digitpad camp`)")
        if name == "camp":
            s.add_argument("--host", default="0.0.0.0",
                           help="the address to listen on; every interface by default")
    args = p.parse_args(argv)

    if args.command == "run":
        from webapp import create_app

        token = presenter_token()
        print(f"\ndigitpad (development, this machine only): http://127.0.0.1:{args.port}/\n"
              f"  presenter: http://127.0.0.1:{args.port}/present#token={token}\n", flush=True)
        create_app().run(host="127.0.0.1", port=args.port, threaded=True)
        return 0

    if args.command == "camp":
        token = presenter_token()
        print(banner(args.host, args.port, token, lan_addresses()), flush=True)
    return serve(server_kind(args.server), args.host, args.port, args.workers)


def presenter_token() -> str:
    """DIGITPAD_PRESENTER_TOKEN, or a new random one; either way the server (and every worker it
    starts) reads it from the environment."""
    token = os.environ.get("DIGITPAD_PRESENTER_TOKEN") or secrets.token_urlsafe(12)
    os.environ["DIGITPAD_PRESENTER_TOKEN"] = token
    return token


if __name__ == "__main__":
    sys.exit(main())
