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
