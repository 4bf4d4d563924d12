"""The deployment files stay true to the code: every setting documented, nginx's config valid."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import msgspec
import pytest

from server.settings import Settings

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"


def test_every_setting_is_in_the_environment_reference() -> None:
    listed = set(re.findall(r"^(CPTS_[A-Z_]+)=", (DEPLOY / "cpts.env.example").read_text(), re.M))
    expected = {f"CPTS_{f.name.upper()}" for f in msgspec.structs.fields(Settings)}
    assert expected - listed == set(), "settings missing from deploy/cpts.env.example"
    assert listed - expected == set(), "deploy/cpts.env.example lists settings that do not exist"


def test_every_setting_is_read_from_the_environment() -> None:
    environ = {f"CPTS_{f.name.upper()}": "1" for f in msgspec.structs.fields(Settings)}
    read = Settings.from_env(environ | {"CPTS_GC_THRESHOLDS": "1,1,1", "CPTS_RATE_LOGIN": "1/1"})
    defaults = Settings()
    unread = [
        f.name
        for f in msgspec.structs.fields(Settings)
        if getattr(read, f.name) == getattr(defaults, f.name) and getattr(defaults, f.name) != 1
    ]
    assert unread == [], "Settings.from_env ignores these"


def test_nginx_config_is_valid(tmp_path: Path) -> None:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        pytest.fail("nginx is needed to check deploy/nginx (apt-get install nginx-light)")
    (tmp_path / "tls").mkdir()
    subprocess.run(
        [
            shutil.which("openssl") or "/usr/bin/openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=cpts.example",
            "-keyout",
            str(tmp_path / "tls/privkey.pem"),
            "-out",
            str(tmp_path / "tls/fullchain.pem"),
        ],
        check=True,
        capture_output=True,
    )
    shutil.copy(tmp_path / "tls/fullchain.pem", tmp_path / "tls/sas-client-ca.pem")
    site = (DEPLOY / "nginx/cpts.conf").read_text().replace("/etc/cpts/tls", str(tmp_path / "tls"))
    site = site.replace("/var/log/nginx/", f"{tmp_path}/")
    main = f"""
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/error.log;
events {{}}
http {{
    client_body_temp_path {tmp_path};
    proxy_temp_path {tmp_path};
    {(DEPLOY / "nginx/log-format.conf").read_text()}
    {site}
}}
"""
    (tmp_path / "nginx.conf").write_text(main)
    checked = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr


def test_workers_keep_idle_connections_longer_than_nginx() -> None:
    """nginx must close an idle upstream connection before the worker does, or a request
    sent on a connection being closed is reset (a 502 for a POST, which nginx does not retry)."""
    from server.cli import KEEP_ALIVE_SECONDS, NGINX_UPSTREAM_KEEPALIVE_SECONDS

    conf = (DEPLOY / "nginx" / "cpts.conf").read_text()
    upstream = re.search(r"upstream\s+\w+\s*\{(.*?)\}", conf, re.S)
    assert upstream is not None
    found = re.search(r"keepalive_timeout\s+(\d+)s?;", upstream.group(1))
    nginx_idle = int(found.group(1)) if found else NGINX_UPSTREAM_KEEPALIVE_SECONDS
    assert nginx_idle < KEEP_ALIVE_SECONDS


def compose_site(site: str) -> str:
    """deploy/nginx/cpts.conf as the compose file's nginx runs it: the same server blocks,
    its services as upstreams."""
    site = site.replace(
        "# nginx in front of several stateless CPTS workers (systemd cpts@PORT or the compose file).",
        "# deploy/nginx/cpts.conf with the compose services as upstreams (generated: keep in step;\n"
        "# tests/test_deploy.py checks that it is that file with these upstreams).",
    )
    for n in (1, 2, 3):
        site = site.replace(f"server 127.0.0.1:800{n} ", f"server worker{n}:8000 ")
    return site


def test_the_compose_nginx_is_the_production_one() -> None:
    """A copy left behind would forget what the original guards, as the SAS certificate
    headers a client could otherwise send itself."""
    site = (DEPLOY / "nginx" / "cpts.conf").read_text()
    assert (DEPLOY / "compose" / "nginx.conf").read_text() == compose_site(site)


def test_only_the_sas_server_passes_certificate_headers() -> None:
    """Each server, and each of its locations that sets proxy headers (it then inherits none),
    sets the certificate's: empty everywhere but in the mutual-TLS server, which passes what
    nginx itself verified."""
    site = (DEPLOY / "nginx" / "cpts.conf").read_text()
    servers = ["server {" + chunk for chunk in site.split("\nserver {")[1:]]
    assert len(servers) == 3
    for server in servers:
        if "proxy_pass" not in server:
            continue  # the redirect to https
        mutual = "ssl_verify_client on;" in server
        expected = ("$ssl_client_verify", "$ssl_client_s_dn") if mutual else ('""', '""')
        outer = re.sub(r"location[^{]*\{[^{}]*\}", "", server)
        locations = re.findall(r"location[^{]*\{[^{}]*\}", server)
        for block in [outer, *(b for b in locations if "proxy_set_header" in b)]:
            verify = re.findall(r"proxy_set_header X-SSL-Client-Verify (\S+);", block)
            subject = re.findall(r"proxy_set_header X-SSL-Client-S-DN (\S+);", block)
            assert (verify, subject) == ([expected[0]], [expected[1]]), block[:120]
