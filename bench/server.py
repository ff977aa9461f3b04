"""Starting, watching and stopping server processes, and the databases they serve.

Used by the benchmark and by the fault and scale-out tests: the server always runs as in
production, ``python wsgi.py`` in its own process, on a loopback port.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"
NGINX_SAMPLE = ROOT / "deploy" / "nginx-participation.conf"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    """A running server process."""

    process: subprocess.Popen
    url: str
    port: int
    env: dict
    log: Path

    def peak_memory_mib(self) -> float | None:
        """The process's peak resident memory so far (VmHWM), in MiB."""
        try:
            status = Path(f"/proc/{self.process.pid}/status").read_text()
        except OSError:
            return None
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return None

    def cpu_seconds(self) -> float | None:
        """CPU time (user + system) the process has used so far."""
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout: float = 15) -> None:
        """End the process gently (SIGTERM), or kill it if it does not go."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=timeout)

    def kill(self) -> None:
        """SIGKILL: the process gets no chance to finish anything."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=15)

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return ""


def server_env(
    instance: Path,
    *,
    port: int,
    async_mode: str = "eventlet",
    database_url: str | None = None,
    message_queue: str | None = None,
) -> dict:
    """The environment of a server (or of a command on its database)."""
    env = {
        **os.environ,
        "PARTICIPATION_INSTANCE": str(instance),
        "PORT": str(port),
        "ASYNC_MODE": async_mode,
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        "PYTHONUNBUFFERED": "1",
    }
    for key, value in (("DATABASE_URL", database_url), ("SOCKETIO_MESSAGE_QUEUE", message_queue)):
        if value:
            env[key] = value
        else:
            env.pop(key, None)
    return env


def start(
    command: list[str], env: dict, *, log: Path, ready_path: str = "/", timeout: float = 60
) -> Server:
    """Start ``command`` (in the project folder) and wait until it answers HTTP."""
    port = int(env["PORT"])
    url = f"http://127.0.0.1:{port}"
    with open(log, "ab") as handle:  # the child writes to its own copy
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT
        )
    handle.close()
    server = Server(process, url, port, env, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{server.log_tail()}")
        try:
            with urllib.request.urlopen(url + ready_path, timeout=2):  # noqa: S310 (loopback)
                return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError(f"server did not start in {timeout} s:\n{server.log_tail()}")


def start_app(
    env: dict, *, log: Path, profile: Path | None = None, profile_on_signal: bool = False
) -> Server:
    """``python wsgi.py``: the real server, as in production (under cProfile with
    ``profile``, which is written when the server stops, or between SIGUSR1 and SIGUSR2 with
    ``profile_on_signal``)."""
    command = [sys.executable, "wsgi.py"]
    if profile is not None:
        wait = ["--wait"] if profile_on_signal else []
        command = [sys.executable, "-m", "bench.profiled", *wait, str(profile), "wsgi.py"]
    return start(command, env, log=log)


def start_bare(
    env: dict, *, log: Path, profile: Path | None = None, profile_on_signal: bool = False
) -> Server:
    """``python -m bench.bare_app``: the bare stack on the same server (profiled as
    :func:`start_app` is, so that the two profiles can be compared)."""
    command = [sys.executable, "-m", "bench.bare_app"]
    if profile is not None:
        wait = ["--wait"] if profile_on_signal else []
        script = str(ROOT / "bench" / "bare_app.py")
        command = [sys.executable, "-m", "bench.profiled", *wait, str(profile), script]
    return start(command, env, log=log)


def run_module(module: str, *args: str, env: dict, timeout: float = 600) -> str:
    """Run ``python -m module args…`` on a server's database; its standard output."""
    done = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{module} {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def check_poll(env: dict, poll_id: int) -> dict:
    """Ballots, trackers and the audit chain of a poll, read from the database."""
    output = run_module("bench.setup", "check", "--poll", str(poll_id), env=env, timeout=300)
    return json.loads(output.strip().splitlines()[-1])


# --- the proxy in front of several processes ---------------------------------------------------


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.path.exists(p)), None
    )


def render_sample(backends: list[int], port: int) -> str:
    """deploy/nginx-participation.conf with these backend ports, listening on ``port``."""
    sample = NGINX_SAMPLE.read_text()
    if "server 127.0.0.1:5001;" not in sample or "listen 80 " not in sample:
        raise RuntimeError(f"{NGINX_SAMPLE} no longer has the lines this replaces")
    sample = sample.replace("    server 127.0.0.1:5002;\n", "")
    sample = sample.replace(
        "server 127.0.0.1:5001;", " ".join(f"server 127.0.0.1:{p};" for p in backends)
    )
    return sample.replace("listen 80 ", f"listen 127.0.0.1:{port} ")


def start_nginx(backends: list[int], prefix: Path, *, connections: int = 1024) -> Server:
    """nginx with the sample configuration of ``deploy/`` in front of these ports.

    ``connections`` is what one worker may hold; each client takes two (its own and the one
    to its process).
    """
    binary = nginx_binary()
    if binary is None:
        raise RuntimeError("nginx is missing: `apt-get install nginx-light` (make prerequisites)")
    port = free_port()
    (prefix / "logs").mkdir(parents=True)
    (prefix / "site.conf").write_text(render_sample(backends, port))
    (prefix / "nginx.conf").write_text(
        f"""
worker_processes 1;
worker_rlimit_nofile {2 * connections + 64};
pid {prefix}/nginx.pid;
error_log {prefix}/logs/error.log warn;
events {{ worker_connections {connections}; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    include {prefix}/site.conf;
}}
"""
    )
    command = [binary, "-p", str(prefix), "-e", str(prefix / "logs/error.log")]
    command += ["-c", str(prefix / "nginx.conf"), "-g", "daemon off;"]
    if os.geteuid() == 0:
        command[-1] = "daemon off; user root;"
    tested = subprocess.run([*command, "-t"], capture_output=True, text=True, timeout=30)
    if tested.returncode != 0:
        raise RuntimeError(f"nginx refused the configuration: {tested.stderr[-2000:]}")
    return start(command, {"PORT": str(port)}, log=prefix / "logs" / "output.log", timeout=15)


#: Loopback source addresses the phones come from when nginx spreads them by address.
SOURCE_ADDRESSES = 64


@dataclass
class Stack:
    """The servers a hall connects to: one process, or several behind nginx."""

    processes: list[Server]
    proxy: Server | None = None
    envs: list[dict] = field(default_factory=list)

    @property
    def url(self) -> str:
        return (self.proxy or self.processes[0]).url

    def client_config(self) -> dict:
        """What ``hall.mjs`` needs to know of the servers."""
        return {
            "url": self.url,
            "serverPids": [p.process.pid for p in self.processes],
            "sourceAddresses": SOURCE_ADDRESSES if self.proxy else 0,
        }

    def peak_memory_mib(self) -> float | None:
        """Every process's peak resident memory, added up."""
        peaks = [p.peak_memory_mib() for p in self.processes]
        return None if None in peaks else sum(peaks)  # type: ignore[arg-type]

    def stop(self) -> None:
        if self.proxy is not None:
            self.proxy.stop()
        for process in self.processes:
            process.stop()


def start_stack(
    count: int,
    message_queue: str,
    prefix: Path,
    env_for: Callable[[int], dict],
    start: Callable[..., Server],
) -> Stack:
    """``count`` servers started by ``start`` (given the environment ``env_for`` a port) and,
    for several, sharing ``message_queue`` behind nginx; their logs start with ``prefix``."""
    stack = Stack([])
    try:
        for number in range(count):
            env = env_for(free_port())
            if count > 1:
                env.update(SOCKETIO_MESSAGE_QUEUE=message_queue, TRUSTED_PROXIES="1")
            stack.envs.append(env)
            stack.processes.append(start(env, log=Path(f"{prefix}-{number}.log")))
        if count > 1:
            backends = [p.port for p in stack.processes]
            stack.proxy = start_nginx(backends, Path(f"{prefix}-nginx"), connections=10000)
    except BaseException:
        stack.stop()
        raise
    return stack


# --- databases ---------------------------------------------------------------------------------


@dataclass
class Database:
    """A database a server can serve: an instance folder and, for PostgreSQL, a database URL."""

    instance: Path
    url: str | None = None
    #: Join codes and ids written by ``bench.setup build``.
    codes: dict = field(default_factory=dict)
    #: The PostgreSQL database to connect to for creating and dropping this one.
    admin: str | None = None

    def env(self, port: int, **options) -> dict:
        return server_env(self.instance, port=port, database_url=self.url, **options)


def _admin_url(base: str) -> str:
    return base.replace("postgresql+psycopg://", "postgresql://", 1)


def _postgres(base: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(_admin_url(base), autocommit=True) as connection:
        connection.execute(sql)


def _with_name(base: str, name: str) -> str:
    return _admin_url(base).rsplit("/", 1)[0] + "/" + name


def build(
    workdir: Path,
    delegates: int,
    observers: int,
    postgres: str | None = None,
    *,
    encrypted: bool = False,
) -> Database:
    """A new database with a benchmark conference (see ``bench.setup``)."""
    instance = workdir / "instance"
    instance.mkdir(parents=True, exist_ok=True)
    url = None
    if postgres:
        name = f"bench_{uuid.uuid4().hex[:10]}"
        _postgres(postgres, f'CREATE DATABASE "{name}"')
        url = _with_name(postgres, name)
    database = Database(instance, url, admin=postgres)
    codes = workdir / "codes.json"
    run_module(
        "bench.setup",
        "build",
        "--delegates",
        str(delegates),
        "--observers",
        str(observers),
        "--out",
        str(codes),
        *(["--encrypted"] if encrypted else []),
        env=database.env(0),
    )
    database.codes = json.loads(codes.read_text())
    return database


def clone(template: Database, workdir: Path) -> Database:
    """A copy of ``template`` to serve and change (the template stays as it was)."""
    instance = workdir / "instance"
    shutil.copytree(template.instance, instance)
    url = None
    if template.url:
        name = f"bench_{uuid.uuid4().hex[:10]}"
        source = template.url.rsplit("/", 1)[1]
        _postgres(template.admin, f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
        url = _with_name(template.url, name)
    return Database(instance, url, template.codes, template.admin)


def drop(database: Database) -> None:
    """Remove a PostgreSQL database made here (SQLite files go with their folder)."""
    if database.url:
        name = database.url.rsplit("/", 1)[1]
        _postgres(database.admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
