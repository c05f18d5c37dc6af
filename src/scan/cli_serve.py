"""`scan serve`: the local web page (scan.web), after checking that the port is free."""

from __future__ import annotations

import click

from scan.cli import index_option, trends_option
from scan.errors import ScanError


# ---- serve ----------------------------------------------------------------------------------
@click.command()
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Address to listen on (only this machine by default)."
)
@click.option("--port", default=8000, show_default=True, help="Port.")
@trends_option
@click.option("--max-upload-mb", default=20, show_default=True, help="Largest file a user may upload.")
@click.option("--job-timeout", default=300.0, show_default=True, help="Seconds a classification may take.")
@index_option
def serve(host, port, trends_file, max_upload_mb, job_timeout, index_dir):
    """A local web page for search, classification and quotes, in Swedish."""
    import uvicorn

    from scan.web import create_app
    from scan.webjobs import Jobs

    _check_port(host, port)
    jobs = Jobs(index_dir, trends_file, time_limit=job_timeout)
    app = create_app(index_dir, trends_file, max_upload_mb=max_upload_mb, jobs=jobs)
    click.echo(f"scan is running at http://{host}:{port}/ (Ctrl-C stops it)", err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")


def _check_port(host: str, port: int) -> None:
    """Refuse a port another program holds before anything starts (uvicorn would say "running", then fail)."""
    import errno
    import socket

    if not 1 <= port <= 65535:
        raise ScanError(
            f"--port must be from 1 to 65535, not {port}", "choose a free port, e.g. scan serve --port 8000"
        )
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as exc:
        if isinstance(exc, socket.gaierror) or exc.errno == errno.EADDRNOTAVAIL:  # not an address of this machine
            raise ScanError(
                f"cannot serve on {host}:{port}: {exc.strerror or exc}",
                "give --host an address of this machine: 127.0.0.1 (this machine only) or 0.0.0.0 (every network)",
            ) from None
        raise ScanError(
            f"cannot serve on {host}:{port}: {exc.strerror or exc}",
            f"stop the program that uses port {port}, or choose another: scan serve --port {port + 1}",
        ) from None
