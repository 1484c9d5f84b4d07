"""The worker server: where budgeted calls run, so that the caller never forks.

:func:`symact.core.budget.call` must be able to kill a computation at its deadline, which takes a
separate process. Forking the *caller* for every call is unsafe once the caller has threads (a
thread inside OpenBLAS can make ``os.fork`` block forever, macOS forbids it, Windows has no fork),
so the caller never forks. Instead, the first budgeted call starts one *server* process, a fresh
interpreter with SymPy and symact imported (started with ``subprocess``, which uses ``vfork`` and
runs no fork handlers). The server is single-threaded, so it can fork safely: for every call it
forks one *worker* that runs the work and exits.

The protocol, per call:

1. The caller makes a socket pair for the call and sends one end to the server over the control
   socket (``SCM_RIGHTS``), with the pickled work (a module-level function and its arguments:
   data, never a closure) and the names of modules for the server to import first: the
   function's, and those earlier workers had to import (they report them with their results), so
   that later workers start with them loaded instead of importing them again, call after call.
2. The server forks a worker. The worker puts itself in its own process group, sends its pid
   first, then one result frame, and exits.
3. The server reaps the worker. Before that it kills the worker's process group (its
   grandchildren), and after it, sends the exit status on the call's socket, so a worker that
   died is reported with its signal.

Every frame is an 8-byte big-endian length and a pickled tuple. The caller reads at most
:func:`result_limit` bytes of a result (a larger one is an error with its size, never unpickled).

Lifetimes: the caller closing its end of a call's socket (a deadline, Ctrl-C, a crash) makes the
server kill that worker at once. The caller dying closes the control socket, and the server then
kills every worker and exits. A worker also dies with the server (``PR_SET_PDEATHSIG`` on Linux).
Neither holds the caller's standard streams (they are ``/dev/null``) or its terminal's process
group (a Ctrl-C reaches the caller alone, which ends its calls).

This module is plumbing only: what a worker runs is :func:`symact.core.budget`'s business.
"""

from __future__ import annotations

import contextlib
import errno
import gc
import importlib
import os
import pickle
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

__all__ = ["Server", "read_frame", "result_limit", "send_frame"]

HEADER = 8  # bytes of the big-endian length that precedes every frame
#: Largest result a worker may send back, unless ``SYMACT_RESULT_MB`` says otherwise (256 MiB).
DEFAULT_RESULT_LIMIT = 256 * 2**20
#: Environment variable holding the result limit in MiB.
ENV_RESULT = "SYMACT_RESULT_MB"
#: How long the caller waits for a new server to say it is ready.
START_SECONDS = 120.0
#: How long :meth:`Server.close` lets the server end its workers and exit before it kills it.
CLOSE_SECONDS = 1.0


def result_limit() -> int:
    """Bytes a worker's pickled answer may have (``SYMACT_RESULT_MB``, default 256 MiB).

    Raises:
        ValueError: ``SYMACT_RESULT_MB`` is set but is not a positive whole number.
    """
    raw = os.environ.get(ENV_RESULT, "").strip()
    if not raw:
        return DEFAULT_RESULT_LIMIT
    if not raw.isdigit() or int(raw) == 0:
        raise ValueError(f"{ENV_RESULT}={raw!r} is not a positive whole number of MiB")
    return int(raw) * 2**20


def frame(payload: bytes) -> bytes:
    return len(payload).to_bytes(HEADER, "big") + payload


def send_frame(fd: int, obj: Any) -> None:
    """Write one pickled frame to ``fd`` (blocking)."""
    write_all(fd, frame(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)))


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def read_frame(buf: bytearray, limit: int) -> tuple[bytes | None, int]:
    """Split one whole frame off the front of ``buf``: ``(payload, size)``.

    ``payload`` is ``None`` while the frame is incomplete, or when its announced ``size``
    is above ``limit`` (then nothing more is read of it).
    """
    if len(buf) < HEADER:
        return None, 0
    size = int.from_bytes(buf[:HEADER], "big")
    if size > limit:
        return None, size
    if len(buf) < HEADER + size:
        return None, size
    payload = bytes(buf[HEADER : HEADER + size])
    del buf[: HEADER + size]
    return payload, size


# -- the caller's side -------------------------------------------------------------------------


class Server:
    """The caller's handle on one running server process."""

    def __init__(self, preload: tuple[str, ...], entry: str) -> None:
        """Start the server; ``entry`` (``"module:function"``) is what a worker calls with its task
        and its socket's descriptor (named, not imported here: the budget module imports this one)."""
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        code = f"from symact.core import workers; workers.serve({child.fileno()}, {preload!r}, {entry!r})"
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", code],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                pass_fds=(child.fileno(),),
                start_new_session=True,  # a Ctrl-C on the terminal reaches the caller alone
                env=_server_environment(),
            )
        finally:
            child.close()
        self.ctl = parent
        self.lock = threading.Lock()
        self.pid = self.proc.pid
        self.preloaded: set[str] = set(preload)  # what the server was told to import
        self._ready = False
        self._ready_lock = threading.Lock()

    def wait_ready(self) -> None:
        """Wait until the server has imported its modules and said so (once; at most START_SECONDS).

        Raises:
            RuntimeError: the server did not start (it is then closed).
        """
        with self._ready_lock:
            if not self._ready:
                self._wait_ready()
                self._ready = True

    def _wait_ready(self) -> None:
        self.ctl.settimeout(START_SECONDS)
        try:
            ready = self.ctl.recv(1)
        except (OSError, TimeoutError):
            ready = b""
        finally:
            self.ctl.settimeout(None)
        if ready != b"R":
            self.close()
            raise RuntimeError("the symact worker server did not start (is symact importable by sys.executable?)")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def submit(self, modules: list[str], task: bytes) -> socket.socket:
        """Start one worker on ``task``, after the server imported ``modules``; returns the caller's
        end of the worker's socket."""
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            names = "\n".join(modules).encode()
            head = len(names).to_bytes(4, "big") + names
            message = frame(head + task)
            with self.lock:
                socket.send_fds(self.ctl, [message[:1]], [theirs.fileno()])
                self.ctl.sendall(message[1:])
        except BaseException:
            mine.close()
            raise
        finally:
            theirs.close()
        return mine

    def close(self) -> None:
        """End the server and reap it: closing its control socket makes it kill every worker's process
        group and exit (a worker it has just forked included, which may not yet have asked to die with
        it); a server that has not exited within :data:`CLOSE_SECONDS` is killed (its workers die with it)."""
        with contextlib.suppress(OSError):
            self.ctl.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=CLOSE_SECONDS)
            return
        with contextlib.suppress(OSError):
            self.proc.kill()
        with contextlib.suppress(OSError, subprocess.TimeoutExpired):
            self.proc.wait(timeout=5)


def _server_environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    return env


# -- the server --------------------------------------------------------------------------------


def serve(ctl_fd: int, preload: tuple[str, ...], entry: str) -> None:  # pragma: no cover - runs in the server
    """Main loop of the server process (see the module docstring)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for name in preload:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    module, _, name = entry.partition(":")
    run = getattr(importlib.import_module(module), name)
    _warm_up()
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    os.set_blocking(wake_r, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    ctl = socket.socket(fileno=ctl_fd)
    ctl.sendall(b"R")
    workers: dict[int, int] = {}  # worker pid -> server's copy of the worker's end of the call socket
    by_fd: dict[int, int] = {}
    poller = select.poll()
    poller.register(ctl.fileno(), select.POLLIN)
    poller.register(wake_r, select.POLLIN)
    try:
        while True:
            try:
                events = poller.poll()
            except InterruptedError:
                continue
            for fd, _ in events:
                if fd == wake_r:
                    with contextlib.suppress(BlockingIOError):
                        os.read(wake_r, 4096)
                    _reap(workers, by_fd, poller)
                elif fd == ctl.fileno():
                    got = _receive(ctl)
                    if got is None:  # the caller is gone
                        return
                    modules, task, call_fd = got
                    for module in modules:
                        if module and module not in sys.modules:
                            with contextlib.suppress(Exception):
                                importlib.import_module(module)
                    pid = _spawn(run, task, call_fd, ctl, wake_r, wake_w, workers)
                    workers[pid] = call_fd
                    by_fd[call_fd] = pid
                    poller.register(call_fd, select.POLLIN)
                elif fd in by_fd:  # the caller closed its end: it no longer wants the answer
                    _kill_group(by_fd[fd])
                    poller.unregister(fd)
            _reap(workers, by_fd, poller)
    finally:
        for pid in list(workers):
            _kill_group(pid)
        os._exit(0)


def _warm_up() -> None:  # pragma: no cover - runs in the server
    """Run SymPy once through its common paths, so that the lazy imports and one-time set-ups
    they trigger happen here, once, instead of in every worker."""
    import sympy

    x = sympy.Symbol("x", real=True)
    f = x * sympy.tanh(sympy.log(1 + sympy.exp(x))) + sympy.erf(x) / (1 + sympy.Abs(x))
    with contextlib.suppress(Exception):
        g = sympy.diff(f, x, 2)
        sympy.simplify(sympy.diff(sympy.tanh(x), x))
        sympy.limit(x / (1 + sympy.exp(-x)), x, sympy.oo)
        sympy.series(sympy.exp(x) * sympy.sin(x), x, 0, 4)
        sympy.solveset(x**2 - 2, x, sympy.S.Reals)
        sympy.Piecewise((x, x > 0), (0, True)).diff(x)
        sympy.srepr(g)
        sympy.lambdify(x, f, "mpmath")


def _receive(ctl: socket.socket) -> tuple[list[str], bytes, int] | None:  # pragma: no cover - server
    try:
        first, fds, _, _ = socket.recv_fds(ctl, 1, 1)
    except OSError:
        return None
    if not first:
        return None
    buf = bytearray(first)
    while len(buf) < HEADER:
        chunk = ctl.recv(HEADER - len(buf))
        if not chunk:
            return None
        buf += chunk
    size = int.from_bytes(buf[:HEADER], "big")
    body = bytearray(buf[HEADER:])
    while len(body) < size:
        chunk = ctl.recv(min(size - len(body), 1 << 20))
        if not chunk:
            return None
        body += chunk
    n = int.from_bytes(body[:4], "big")
    return body[4 : 4 + n].decode().split("\n"), bytes(body[4 + n :]), fds[0]


def _spawn(
    run: Callable[[bytes, int], None],
    task: bytes,
    call_fd: int,
    ctl: socket.socket,
    wake_r: int,
    wake_w: int,
    workers: dict[int, int],
) -> int:  # pragma: no cover - server
    server = os.getpid()
    # Everything the server holds (SymPy, symact and the modules imported for earlier calls) lives as
    # long as it does: frozen, a worker's full collections skip that heap instead of scanning it, and
    # of touching (so copying) its pages (the fork advice of Python's gc.freeze).
    gc.freeze()
    pid = os.fork()
    if pid:
        return pid
    code = 1
    try:
        ctl.close()
        for fd in (wake_r, wake_w, *workers.values()):
            with contextlib.suppress(OSError):
                os.close(fd)
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        _die_with_parent(server)
        with contextlib.suppress(OSError):
            os.setpgid(0, 0)
        send_frame(call_fd, ("pid", os.getpid()))
        run(task, call_fd)
        code = 0
    finally:
        os._exit(code)


def _die_with_parent(server: int) -> None:  # pragma: no cover - runs in a worker
    """On Linux, ask the kernel to SIGKILL this worker when the server (pid ``server``) dies."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != server:  # the server died before the prctl (its orphans go to init or a subreaper)
        os._exit(1)


def _kill_group(pid: int) -> None:  # pragma: no cover - server
    for kill in (os.killpg, os.kill):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            kill(pid, signal.SIGKILL)


def _reap(workers: dict[int, int], by_fd: dict[int, int], poller: Any) -> None:  # pragma: no cover - server
    while workers:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        except InterruptedError:
            continue
        if pid == 0:
            return
        fd = workers.pop(pid, None)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)  # what the worker forked dies with it
        if fd is None:
            continue
        by_fd.pop(fd, None)
        with contextlib.suppress(KeyError, ValueError, OSError):
            poller.unregister(fd)
        try:
            os.set_blocking(fd, False)
            os.write(fd, frame(pickle.dumps(("exit", status))))
        except OSError as exc:
            if exc.errno not in (errno.EPIPE, errno.EAGAIN, errno.ECONNRESET):
                pass
        finally:
            with contextlib.suppress(OSError):
                os.close(fd)


def describe_status(status: int | None) -> str:
    """Words for a worker's wait status."""
    if status is None:
        return "the worker vanished"
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        try:
            name = signal.Signals(sig).name
        except ValueError:
            name = str(sig)
        return f"the worker was killed by {name} before sending a result"
    return f"the worker exited with status {os.WEXITSTATUS(status)} before sending a result"


def wait_frames(sock: socket.socket, deadline: float, limit: int, on_pid: Callable[[int], None]) -> tuple[str, Any]:
    """Read a call's socket until its result, the worker's exit status, or the deadline.

    Returns ``("result", payload_bytes)``, ``("exit", status)``, ``("too-large", size)``,
    ``("timeout", None)`` or ``("vanished", None)``.
    """
    fd = sock.fileno()
    os.set_blocking(fd, False)
    buf = bytearray()
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return "timeout", None
        poller.poll(max(1, int(left * 1000) + 1))
        eof = False
        while True:
            try:
                chunk = os.read(fd, 1 << 20)
            except BlockingIOError:
                break
            except ConnectionResetError:
                eof = True
                break
            if not chunk:
                eof = True
                break
            buf += chunk
            if len(buf) >= HEADER and int.from_bytes(buf[:HEADER], "big") > limit:
                break
        while True:
            payload, size = read_frame(buf, limit)
            if size > limit:
                return "too-large", size
            if payload is None:
                break
            kind, *rest = pickle.loads(payload) if payload[:1] != b"R" else ("result",)
            if kind == "pid":
                on_pid(rest[0])
            elif kind == "exit":
                return "exit", rest[0]
            elif kind == "result":
                return "result", payload[1:]
        if eof:
            return "vanished", None
