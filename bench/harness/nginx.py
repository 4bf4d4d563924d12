"""nginx in front of the workers, configured from deploy/nginx/cpts.conf itself: its site
block (proxy settings, retries, the websocket location) and its upstream parameters, minus
TLS, plain HTTP on a loopback port, with prefix, pid file, temporary files and logs in the
harness's directory. A change to the deploy file is what the next run exercises."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from bench.harness.ports import free_port, wait_listening

DEPLOY_CONF = Path(__file__).resolve().parents[2] / "deploy/nginx/cpts.conf"
# Directives of the TLS site that the loopback harness replaces with its own.
_DROPPED = ("listen", "server_name", "ssl_", "access_log", "http2")

CONF = """\
daemon off;
master_process on;
worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/nginx-error.log warn;
{user}
events {{ worker_connections 4096; }}

http {{
    client_body_temp_path {root}/client_body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
    log_format cpts_no_query '$remote_addr [$time_local] "$request_method $uri" $status '
                             '$body_bytes_sent $request_time $upstream_addr';

    upstream cpts_workers {{
{servers}
        keepalive {keepalive};
    }}

{map_block}

    server {{
        listen 127.0.0.1:{port};
        server_name cpts.harness;
        keepalive_requests 1000000;
        access_log {root}/nginx-access.log cpts_no_query;
{site}
    }}
}}
"""


def _block(text: str, start: int) -> str:
    """The text between the brace opened at or after `start` and its matching close."""
    opened = text.index("{", start)
    depth = 0
    for i in range(opened, len(text)):
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        if depth == 0:
            return text[opened + 1 : i]
    raise ValueError("unbalanced braces in deploy/nginx/cpts.conf")


def from_deploy(conf: str) -> tuple[str, str, str, str]:
    """(upstream server parameters, keepalive, the map block, the TLS site's body minus TLS)."""
    upstream = _block(conf, conf.index("upstream cpts_workers"))
    params = re.search(r"^\s*server\s+\S+\s*([^;]*);", upstream, re.M)
    keepalive = re.search(r"^\s*keepalive\s+(\d+);", upstream, re.M)
    map_at = conf.index("map $http_upgrade")
    map_block = conf[map_at : conf.index("{", map_at)] + "{" + _block(conf, map_at) + "}"
    site_at = next(
        m.start()
        for m in re.finditer(r"server\s*\{", conf)
        if "443" in conf[m.start() : m.start() + 80]
    )
    site = [
        line
        for line in _block(conf, site_at).splitlines()
        if line.strip() and not line.strip().startswith(("#", *_DROPPED))
    ]
    return (
        params.group(1).strip() if params else "",
        keepalive.group(1) if keepalive else "32",
        map_block,
        "\n".join("    " + line for line in site),
    )


class Nginx:
    def __init__(self, root: Path, worker_ports: list[int]) -> None:
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        if not Path(binary).exists():
            raise RuntimeError("nginx not found (apt-get install nginx-light)")
        self.binary = binary
        self.root = root / "nginx"
        self.root.mkdir()
        for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (self.root / sub).mkdir()
        self.port = free_port()
        params, keepalive, map_block, site = from_deploy(DEPLOY_CONF.read_text())
        self.upstream_params = params
        servers = "\n".join(f"        server 127.0.0.1:{p} {params};" for p in worker_ports)
        # As root, nginx's workers would otherwise run as `nobody`, unable to use this prefix.
        user = "user root;" if os.geteuid() == 0 else ""
        self.conf = self.root / "nginx.conf"
        self.conf.write_text(
            CONF.format(
                root=self.root,
                user=user,
                servers=servers,
                keepalive=keepalive,
                map_block="    " + map_block.replace("\n", "\n    "),
                port=self.port,
                site=site,
            )
        )
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        cmd = [self.binary, "-p", str(self.root), "-c", str(self.conf)]
        check = subprocess.run([*cmd, "-t"], capture_output=True, text=True, check=False)
        if check.returncode != 0:
            raise RuntimeError(f"nginx -t refused the generated config:\n{check.stderr}")
        self._proc = subprocess.Popen(cmd, stderr=subprocess.DEVNULL)
        wait_listening(self.port, 10, "nginx")

    def no_live_upstreams(self) -> int:
        """How many requests nginx answered 502 because it had marked every worker failed."""
        path = self.root / "nginx-error.log"
        if not path.exists():
            return 0
        return path.read_text(errors="replace").count("no live upstreams")

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
