"""indicators/ingest/sandbox.py: whatever the function does, the caller gets its value or an exception, and no
child process is left behind (neither running nor a zombie)."""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

import pytest

from indicators.ingest.sandbox import SandboxError, run_bounded

SEEN_IN_CHILD: list[str] = []


def reaped(pid: int) -> bool:
    """The child is neither ours to wait for any more nor a zombie: it no longer exists at all."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass
    else:
        return False
    try:
        os.kill(pid, 0)  # a zombie would still answer
    except ProcessLookupError:
        return True
    return False


def recorded(path: Path, action):
    """A function that writes its process id to ``path`` and then does ``action``."""

    def run():
        path.write_text(str(os.getpid()))
        return action()

    return run


def spin():
    while True:
        pass


def grow():
    chunks = []
    while True:
        chunks.append(bytearray(16 << 20))


def test_it_returns_the_functions_value_with_its_arguments():
    assert run_bounded(divmod, 17, 5) == (3, 2)
    assert run_bounded(int, "ff", base=16) == 255
    assert run_bounded(lambda: {"rows": [1.5, "义乌市"]}) == {"rows": [1.5, "义乌市"]}


def test_what_the_child_changes_stays_in_the_child():
    assert run_bounded(lambda: SEEN_IN_CHILD.append("x") or len(SEEN_IN_CHILD)) == 1
    assert SEEN_IN_CHILD == []


def test_the_child_is_reaped_after_a_normal_return():
    pid = run_bounded(os.getpid)
    assert pid != os.getpid()
    assert reaped(pid)


def test_an_exception_comes_back_as_the_same_exception():
    with pytest.raises(ValueError, match="invalid literal for int") as info:
        run_bounded(int, "约12.5")
    assert "raised in the sandbox child" in info.value.__notes__[0]


def test_an_exception_that_cannot_be_rebuilt_is_a_crash_with_its_text():
    class Local(Exception):  # a local class cannot be pickled
        pass

    def fail():
        raise Local("第 7 行无法读取")

    with pytest.raises(SandboxError) as info:
        run_bounded(fail)
    assert info.value.reason == "crash"
    assert "第 7 行无法读取" in info.value.detail


def test_sys_exit_in_the_child_does_not_end_the_caller():
    with pytest.raises(SandboxError) as info:
        run_bounded(sys.exit, 3)
    assert info.value.reason == "crash"


def test_a_native_abort_is_a_crash(tmp_path):
    with pytest.raises(SandboxError) as info:
        run_bounded(recorded(tmp_path / "pid", os.abort))
    assert info.value.reason == "crash"
    assert str(info.value) == "文件无法安全读取（解析进程异常退出），请检查文件是否损坏或过大"
    assert "SIGABRT" in info.value.detail
    assert reaped(int((tmp_path / "pid").read_text()))


def test_a_runaway_allocation_is_stopped_by_the_memory_limit(tmp_path):
    with pytest.raises(SandboxError) as info:
        run_bounded(recorded(tmp_path / "pid", lambda: b"x" * 10**12))
    assert info.value.reason == "memory"
    assert str(info.value) == "文件无法安全读取（超出内存限制），请检查文件是否损坏或过大"
    assert reaped(int((tmp_path / "pid").read_text()))


def test_memory_grown_step_by_step_is_stopped_at_the_limit():
    with pytest.raises(SandboxError) as info:
        run_bounded(grow, memory_bytes=128 << 20)
    assert info.value.reason == "memory"


def test_an_endless_loop_is_stopped_by_the_cpu_limit(tmp_path):
    with pytest.raises(SandboxError) as info:
        run_bounded(recorded(tmp_path / "pid", spin), cpu_seconds=1, wall_seconds=120)
    assert info.value.reason == "time"
    assert str(info.value) == "文件无法安全读取（超出时间限制），请检查文件是否损坏或过大"
    assert "CPU" in info.value.detail  # the CPU limit stopped it, not the wall clock
    assert reaped(int((tmp_path / "pid").read_text()))


def test_a_child_that_waits_is_killed_at_the_wall_clock_limit(tmp_path):
    with pytest.raises(SandboxError) as info:
        run_bounded(recorded(tmp_path / "pid", lambda: time.sleep(120)), wall_seconds=1)
    assert info.value.reason == "time"
    assert reaped(int((tmp_path / "pid").read_text()))


def test_a_result_over_the_output_cap_is_refused():
    assert run_bounded(lambda: b"x" * (512 << 10), max_output_bytes=1 << 20) == b"x" * (512 << 10)
    with pytest.raises(SandboxError) as info:
        run_bounded(lambda: b"x" * (2 << 20), max_output_bytes=1 << 20)
    assert info.value.reason == "output"
    assert str(info.value) == "文件无法安全读取（解析结果过大），请检查文件是否损坏或过大"


def test_it_works_from_a_thread():
    results = {}

    def call():
        results["value"] = run_bounded(sum, [1, 2, 3.5])
        try:
            run_bounded(os.abort)
        except SandboxError as exc:
            results["abort"] = exc.reason

    thread = threading.Thread(target=call)
    thread.start()
    thread.join(60)
    assert results == {"value": 6.5, "abort": "crash"}


def test_a_slow_call_in_one_thread_does_not_hold_up_another(tmp_path):
    flag = tmp_path / "go"
    slow = {}

    def wait_for_flag():
        while not flag.exists():
            time.sleep(0.01)
        return "done"

    def call():
        slow["value"] = run_bounded(wait_for_flag, wall_seconds=60)

    thread = threading.Thread(target=call)
    thread.start()
    try:
        assert run_bounded(lambda: 42) == 42
        assert thread.is_alive()  # the other child still waits: this call did not wait for it
    finally:
        flag.touch()
        thread.join(60)
    assert slow == {"value": "done"}
