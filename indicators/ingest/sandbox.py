"""Run a parse in a forked child with limits on memory, CPU time, wall time and result size. No Django import.

An untrusted file may make a native library abort, allocate without end or loop: in a child process that
costs the child, never the web worker or the command's other files. ``fork`` (not ``spawn``) keeps a call
cheap, and the function need not be picklable; only its result (or exception) crosses back, pickled.
"""

from __future__ import annotations

import contextlib
import ctypes
import faulthandler
import math
import os
import pickle
import resource
import select
import signal
import struct
import sys
import time
import traceback

__all__ = ["MEMORY_BYTES", "CPU_SECONDS", "WALL_SECONDS", "MAX_OUTPUT_BYTES", "SandboxError", "run_bounded"]

MEMORY_BYTES = 1 << 30  # on top of the address space the child inherits
CPU_SECONDS = 30
WALL_SECONDS = 45  # below gunicorn's --timeout 60 (README), so the worker answers before it is killed
MAX_OUTPUT_BYTES = 64 << 20

_HEADER = struct.Struct("!Q")
_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None
_PR_SET_PDEATHSIG = 1
_POLL_SECONDS = 0.05  # how often a silent child is checked for having died
_REASONS = {
    "memory": "超出内存限制",
    "time": "超出时间限制",
    "crash": "解析进程异常退出",
    "output": "解析结果过大",
}


class SandboxError(Exception):
    """The child ran out of a limit or died; ``reason`` is memory, time, crash or output."""

    def __init__(self, reason: str, detail: str = ""):
        self.reason = reason
        self.detail = detail  # for the log: a signal, an exit status, an exception the parent cannot rebuild
        super().__init__(f"文件无法安全读取（{_REASONS[reason]}），请检查文件是否损坏或过大")

    def __reduce__(self):
        return type(self), (self.reason, self.detail)


def run_bounded(
    func,
    *args,
    memory_bytes: int = MEMORY_BYTES,
    cpu_seconds: float = CPU_SECONDS,
    wall_seconds: float = WALL_SECONDS,
    max_output_bytes: int = MAX_OUTPUT_BYTES,
    **kwargs,
):
    """``func(*args, **kwargs)`` in a forked child; its return value, or its exception re-raised here.

    Raises SandboxError when the child exceeds ``memory_bytes`` (more address space than it was born with),
    ``cpu_seconds``, ``wall_seconds`` or ``max_output_bytes`` (the pickled result), or dies of a signal.
    The child is always reaped before this returns. Safe to call from any thread.
    """
    read_fd, write_fd = os.pipe()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # the child never returns from here
        os.close(read_fd)
        _child(write_fd, parent, func, args, kwargs, memory_bytes, cpu_seconds, max_output_bytes)
    os.close(write_fd)
    status = None
    try:
        frame, killed, status = _collect(read_fd, pid, time.monotonic() + wall_seconds, max_output_bytes)
    finally:
        os.close(read_fd)
        if status is None:  # an exception (a signal in a worker, KeyboardInterrupt) while waiting
            status = _reap(pid, kill=True)
    return _outcome(frame, killed, status, cpu_seconds)


def _collect(fd, pid, deadline, max_output):
    """Read the child's frame (8-byte length, then the pickle) until it is whole, the child dies or the deadline
    passes. Returns (frame or None, why we killed it or None, wait4 result). The frame's length, not EOF,
    ends the read: another thread's child may hold our pipe's write end inherited."""
    buf = bytearray()
    need = None
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    while need is None or len(buf) < need:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None, "time", _reap(pid, kill=True)
        if poller.poll(min(remaining, _POLL_SECONDS) * 1000):
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break  # EOF: the child exited (or closed the pipe) before the frame was whole
            buf += chunk
            if need is None and len(buf) >= _HEADER.size:
                need = _HEADER.size + _HEADER.unpack_from(buf)[0]
                if need > _HEADER.size + max_output + 4096:
                    return None, "output", _reap(pid, kill=True)
            continue
        done = os.wait4(pid, os.WNOHANG)
        if done[0]:  # died silently: take what it wrote before, then stop
            buf += _drain(fd)
            if need is None and len(buf) >= _HEADER.size:
                need = _HEADER.size + _HEADER.unpack_from(buf)[0]
            frame = bytes(buf[_HEADER.size : need]) if need is not None and len(buf) >= need else None
            return frame, None, done
    if need is None or len(buf) < need:
        return None, None, _reap(pid, kill=False, deadline=deadline)
    return bytes(buf[_HEADER.size : need]), None, _reap(pid, kill=False, deadline=deadline)


def _drain(fd) -> bytes:
    out = bytearray()
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    while poller.poll(0):
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            break
        out += chunk
    return bytes(out)


def _reap(pid, *, kill, deadline=None):
    """Wait for the child (killing it if asked, or once ``deadline`` passes): no zombie is left."""
    if not kill:
        while deadline is None or time.monotonic() < deadline:
            done = os.wait4(pid, os.WNOHANG)
            if done[0]:
                return done
            time.sleep(0.001)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    while True:
        try:
            return os.wait4(pid, 0)
        except InterruptedError:  # pragma: no cover - PEP 475 retries, kept for safety
            continue


def _outcome(frame, killed, status, cpu_seconds):
    _, code, usage = status
    if frame is not None:
        try:
            kind, *payload = pickle.loads(frame)
        except Exception as exc:
            raise SandboxError("crash", f"unreadable result: {exc!r}") from None
        if kind == "ok":
            return payload[0]
        if kind == "raise":
            exc_bytes, text = payload
            try:
                exc = pickle.loads(exc_bytes) if exc_bytes is not None else None
            except Exception:
                exc = None
            if not isinstance(exc, Exception):  # unreadable, or SystemExit/KeyboardInterrupt: not the caller's
                raise SandboxError("crash", text)
            exc.add_note("raised in the sandbox child:\n" + text)
            raise exc
        raise SandboxError(kind, payload[0] if payload else "")
    if killed:
        raise SandboxError(killed, f"killed after exceeding the {killed} limit")
    if os.WIFSIGNALED(code):
        sig = os.WTERMSIG(code)
        used = usage.ru_utime + usage.ru_stime
        if sig == signal.SIGXCPU or (sig == signal.SIGKILL and used >= math.ceil(cpu_seconds)):
            raise SandboxError("time", f"CPU time {used:.1f} s")
        raise SandboxError("crash", f"killed by {signal.Signals(sig).name}")
    raise SandboxError("crash", f"exit status {os.WEXITSTATUS(code)} without a result")


def _child(fd, parent, func, args, kwargs, memory_bytes, cpu_seconds, max_output):
    """Set the limits, run, send one frame, and leave with os._exit: the parent's atexit handlers, buffers
    and connections are not ours to run, flush or close."""
    status = 0
    try:
        _limit(parent, memory_bytes, cpu_seconds)
        try:
            message = ("ok", func(*args, **kwargs))
        except MemoryError:
            message = ("memory", "MemoryError")
        except BaseException as exc:  # everything goes back to the parent
            message = ("raise", _pickled(exc), "".join(traceback.format_exception(exc)))
        try:
            data = _dumps(message, max_output)
        except _TooLarge as exc:
            data = pickle.dumps(("output", str(exc)))
        except MemoryError:
            data = pickle.dumps(("memory", "MemoryError while pickling the result"))
        except Exception as exc:  # an unpicklable return value
            data = pickle.dumps(("raise", None, f"result cannot be pickled: {exc!r}"))
        _write_all(fd, _HEADER.pack(len(data)) + data)
    except BaseException:  # nothing may escape into the parent's code
        status = 70
    finally:
        os._exit(status)


def _limit(parent, memory_bytes, cpu_seconds):
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT, signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2):
        with contextlib.suppress(ValueError, OSError):  # a server's handlers belong to the parent
            signal.signal(sig, signal.SIG_DFL)
    if _LIBC is not None:  # die with the parent: a killed worker leaves no parse running behind it
        _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:
            os._exit(70)
    faulthandler.disable()  # the parent reports the signal; a dump of this process's threads tells nothing more
    _setrlimit(resource.RLIMIT_CORE, 0, 0)  # an abort writes no core file
    cpu = max(1, math.ceil(cpu_seconds))
    _setrlimit(resource.RLIMIT_CPU, cpu, cpu + 1)  # SIGXCPU at the soft limit, SIGKILL a second later
    memory = _address_space() + memory_bytes
    _setrlimit(resource.RLIMIT_AS, memory, memory)


def _setrlimit(which, soft, hard):
    """Lower a limit (never above the hard limit the process already has)."""
    _, cap = resource.getrlimit(which)
    if cap != resource.RLIM_INFINITY:
        soft, hard = min(soft, cap), min(hard, cap)
    resource.setrlimit(which, (soft, hard))


def _address_space() -> int:
    """Bytes of address space the process has now (what the child inherited from its parent)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:  # no /proc: the peak resident size is the best lower bound we have
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class _TooLarge(Exception):
    pass


class _BoundedBuffer:
    def __init__(self, limit):
        self.parts, self.size, self.limit = [], 0, limit

    def write(self, data):
        self.size += len(data)
        if self.size > self.limit:
            raise _TooLarge(f"result over {self.limit} bytes")
        self.parts.append(bytes(data))


def _dumps(message, limit) -> bytes:
    """Pickle into a buffer that refuses to grow past ``limit``: a huge result never exists whole."""
    buf = _BoundedBuffer(limit)
    pickle.Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL).dump(message)
    return b"".join(buf.parts)


def _pickled(exc) -> bytes | None:
    try:
        return pickle.dumps(exc)
    except Exception:
        return None


def _write_all(fd, data):
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
