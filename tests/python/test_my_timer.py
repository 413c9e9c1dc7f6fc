"""The generated Python binding of my_timer and echo (ffirt-gen --lang
python), against the libraries of examples/: every behaviour of
docs/examples.md in blocking and asyncio form, events, errors, timeouts,
threads, lifetimes (close while busy, garbage collection, late replies).

Run by ctest (python_binding) with PYTHONPATH=build/python."""

import asyncio
import ctypes
import gc
import logging
import os
import subprocess
import sys
import threading
import time
import weakref

import pytest

import echo
import my_timer as mt
from my_timer import _runtime as rt

CBOR_EVENT = (b"\xa2\x69eventType\x6don_echo_fired\x67payload"
              b"\xa2\x67message\x62hi\x69echoCount\x01")


@pytest.fixture
def t():
    with mt.MyTimer.create(mt.TimerConfig(name="t1")) as ctx:
        yield ctx


def wait_until(cond, timeout=5.0):
    end = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > end:
            return False
        time.sleep(0.005)
    return True


def handle_alive(handle):
    """1 when the C side still accepts handle (a raw native call)."""
    out = []
    cb = rt.CALLBACK(lambda ret, msg, n, ud: out.append(ret))
    rc = mt._my_timer_version(handle, cb, None)
    assert wait_until(lambda: out)
    return rc == 0 and out[0] == 0


# ------------------------------------------------------------ the API shape

def test_dataclasses_are_snake_case_typed_and_default_optionals():
    r = mt.EchoRequest(message="hi", delay_ms=0)
    assert (r.message, r.delay_ms) == ("hi", 0)
    c = mt.ComplexRequest(messages=[], tags=[])
    assert c.note is None and c.retries is None
    assert mt.EchoRequest.__annotations__ == {"message": "str", "delay_ms": "int"}
    assert mt.ComplexRequest.__annotations__["note"] == "Optional[str]"
    assert mt.ComplexRequest.__annotations__["messages"] == "list[EchoRequest]"
    assert issubclass(mt.Error, mt.FfirtError) and issubclass(echo.Error, echo.FfirtError)
    assert mt.FfirtError is echo.FfirtError  # one base for every ffirt library
    assert mt.MyTimer.__doc__ and "Waits `delayMs`" in mt.MyTimer.echo.__doc__


# ------------------------------------------------------------ examples.md, blocking

def test_create_version_echo(t):
    assert t.version() == "timer v0.1.0"
    assert t.echo(mt.EchoRequest(message="hi", delay_ms=0)) == mt.EchoResponse(
        echoed="hi", timer_name="t1")


def test_create_by_keyword_and_context_manager_closes():
    with mt.MyTimer.create(config=mt.TimerConfig(name="kw")) as t:
        assert t.echo(mt.EchoRequest("x", 0)).timer_name == "kw"
    assert t.closed
    with pytest.raises(mt.Error, match="closed"):
        t.version()


def test_complex(t):
    r = t.complex(mt.ComplexRequest(messages=[mt.EchoRequest("a", 0), mt.EchoRequest("b", 1)],
                                     tags=["x"], note="n", retries=3))
    assert r == mt.ComplexResponse(summary="received 2 messages, note=n, retries=3", item_count=2,
                                   has_note=True)
    r = t.complex(mt.ComplexRequest(messages=[], tags=[]))
    assert r == mt.ComplexResponse(summary="received 0 messages, note=<none>, retries=0",
                                   item_count=0, has_note=False)


def test_schedule_results_and_errors(t):
    job, retry = mt.JobSpec(name="j", payload=["p"], priority=1), mt.RetryPolicy(3, 50, ["x"])
    r = t.schedule(job, retry, mt.ScheduleConfig(start_at_ms=100, interval_ms=1000, jitter=5))
    assert r == mt.ScheduleResult(job_id="t1:j", will_run_count=60, first_run_at_ms=105,
                                  effective_backoff_ms=50)
    r = t.schedule(job, retry, mt.ScheduleConfig(start_at_ms=7, interval_ms=0))
    assert (r.will_run_count, r.first_run_at_ms) == (1, 7)
    with pytest.raises(mt.Error, match="^job name must not be empty$"):
        t.schedule(mt.JobSpec("", [], 0), retry, mt.ScheduleConfig(0, 0))
    with pytest.raises(mt.FfirtError, match="retry.maxAttempts must be positive"):
        t.schedule(job, mt.RetryPolicy(0, 0, []), mt.ScheduleConfig(0, 0))


def test_echo_library_side_by_side(t):
    with echo.Echo.create(echo.EchoConfig(prefix="p")) as e:
        assert e.shout(echo.ShoutRequest(text="hey")) == echo.ShoutResponse(shouted="p: HEY",
                                                                          prefix="p")
        assert e.version() == "echo v0.1.0"
        assert t.version() == "timer v0.1.0"


def test_delay_does_not_block_the_worker(t):
    done = []
    slow = threading.Thread(target=lambda: done.append(t.echo(mt.EchoRequest("slow", 1000))))
    slow.start()
    time.sleep(0.05)
    assert t.echo(mt.EchoRequest("fast", 0)).echoed == "fast"
    assert not done  # the fast one overtook the slow one
    slow.join()
    assert done[0].echoed == "slow"


# ------------------------------------------------------------ examples.md, asyncio

def test_async_create_and_gather_1000():
    async def main():
        t = await mt.MyTimer.create_async(mt.TimerConfig(name="a"))
        with t:
            assert await t.version_async() == "timer v0.1.0"
            assert (await t.echo_async(mt.EchoRequest("hi", 0))).echoed == "hi"
            r = await t.complex_async(mt.ComplexRequest([mt.EchoRequest("a", 0)], ["t"]))
            assert r.item_count == 1
            with pytest.raises(mt.Error, match="job name must not be empty"):
                await t.schedule_async(mt.JobSpec("", [], 0), mt.RetryPolicy(1, 1, []),
                                       mt.ScheduleConfig(0, 0))
            r = await t.schedule_async(mt.JobSpec("j", [], 0), mt.RetryPolicy(2, 9, []),
                                       mt.ScheduleConfig(start_at_ms=1, interval_ms=30000))
            assert r == mt.ScheduleResult("a:j", 2, 1, 9)
            e = await echo.Echo.create_async(echo.EchoConfig(prefix="p"))
            with e:
                assert (await e.shout_async(echo.ShoutRequest("hey"))).shouted == "p: HEY"
                assert await e.version_async() == "echo v0.1.0"
            threads = threading.active_count()
            rs = await asyncio.gather(*[t.echo_async(mt.EchoRequest(str(i), 0))
                                        for i in range(1000)])
            assert [r.echoed for r in rs] == [str(i) for i in range(1000)]
            assert threading.active_count() == threads  # no thread per call
    asyncio.run(main())
    assert not rt._pending


def test_async_timeout_then_late_reply_is_dropped(t):
    async def main():
        with pytest.raises(TimeoutError):
            await t.echo_async(mt.EchoRequest("late", 200), timeout=0.02)
        await asyncio.sleep(0.4)  # the late reply arrives and finds its entry
    asyncio.run(main())
    assert wait_until(lambda: not rt._pending)
    assert t.version() == "timer v0.1.0"


# ------------------------------------------------------------ errors and timeouts

def test_invalid_arguments_raise_before_the_call(t):
    with pytest.raises(TypeError, match="req: expected EchoRequest"):
        t.echo("hi")
    with pytest.raises(TypeError, match=r"req.delay_ms: expected int, got str"):
        t.echo(mt.EchoRequest("hi", "0"))
    with pytest.raises(ValueError, match=r"req.delay_ms: .* out of range"):
        t.echo(mt.EchoRequest("hi", 2**63))
    with pytest.raises(ValueError, match=r"req.message: a NUL"):
        t.echo(mt.EchoRequest("a\0b", 0))
    with pytest.raises(TypeError, match=r"req.messages\[\]: expected EchoRequest"):
        t.complex(mt.ComplexRequest(messages=[1], tags=[]))
    with pytest.raises(TypeError, match=r"req.tags: expected a list"):
        t.complex(mt.ComplexRequest(messages=[], tags="abc"))
    with pytest.raises(TypeError, match="config"):
        mt.MyTimer.create("t")
    assert not rt._pending  # nothing was submitted


def test_timeout_and_late_reply_are_safe(t):
    with pytest.raises(TimeoutError, match="my_timer.echo"):
        t.echo(mt.EchoRequest("late", 300), timeout=0.02)
    assert len(rt._pending) == 1  # kept for the late reply
    gc.collect()
    assert wait_until(lambda: not rt._pending)
    assert t.echo(mt.EchoRequest("after", 0)).echoed == "after"


def test_gil_is_released_while_blocking(t):
    ticks = [0]
    stop = threading.Event()

    def spin():
        while not stop.is_set():
            ticks[0] += 1
    th = threading.Thread(target=spin)
    th.start()
    time.sleep(0.02)
    before = ticks[0]
    t.echo(mt.EchoRequest("x", 200))
    during = ticks[0] - before
    stop.set()
    th.join()
    assert during > 1000  # the spinning thread ran while echo waited


def test_threads_calling_concurrently(t):
    errors, results = [], []

    def worker(k):
        try:
            for i in range(50):
                r = t.echo(mt.EchoRequest("%d-%d" % (k, i), 0))
                results.append(r.echoed == "%d-%d" % (k, i))
        except BaseException as e:  # pragma: no cover
            errors.append(e)
    ths = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
    for th in ths:
        th.start()
    for th in ths:
        th.join()
    assert not errors and len(results) == 400 and all(results)


# ------------------------------------------------------------ events

def test_typed_wildcard_and_cbor_listeners(t):
    typed, anys, raw = [], [], []
    t.on_echo_fired(typed.append)
    t.on_any(lambda name, payload: anys.append((name, payload)))
    t.on_any_cbor(raw.append)
    t.echo(mt.EchoRequest("hi", 0))
    assert wait_until(lambda: typed and anys and raw)
    assert typed == [mt.EchoEvent(message="hi", echo_count=1)]
    assert anys == [("on_echo_fired", mt.EchoEvent(message="hi", echo_count=1))]
    assert raw == [CBOR_EVENT]  # abi.md 6's worked example


def test_remove_while_another_keeps_receiving(t):
    a, b = [], []
    sa = t.on_echo_fired(a.append)
    with t.on_echo_fired(b.append) as sb:
        t.echo(mt.EchoRequest("1", 0))
        assert wait_until(lambda: len(a) == 1 and len(b) == 1)
        sa.remove()
        sa.remove()  # twice: nothing
        assert not sa.active
        t.echo(mt.EchoRequest("2", 0))
        assert wait_until(lambda: len(b) == 2)
        time.sleep(0.05)
        assert len(a) == 1
    assert not sb.active


def test_remove_inside_the_callback(t):
    seen = []
    sub = None

    def once(ev):
        seen.append(ev)
        sub.remove()  # from the event thread: does not wait for itself
    sub = t.on_echo_fired(once)
    t.echo(mt.EchoRequest("1", 0))
    t.echo(mt.EchoRequest("2", 0))
    assert wait_until(lambda: seen)
    time.sleep(0.1)
    assert len(seen) == 1 and not rt._listeners


def test_listener_exception_is_logged_and_listener_survives(t, caplog):
    seen = []

    def bad(ev):
        seen.append(ev)
        raise RuntimeError("boom")
    t.on_echo_fired(bad)
    with caplog.at_level(logging.ERROR, logger="my_timer"):
        t.echo(mt.EchoRequest("1", 0))
        t.echo(mt.EchoRequest("2", 0))
        assert wait_until(lambda: len(seen) == 2)
        assert wait_until(lambda: sum("boom" in r.exc_text for r in caplog.records
                                      if r.exc_text) == 2)
    assert t.version() == "timer v0.1.0"


def test_listener_may_call_blocking_methods(t):
    out = []
    t.on_echo_fired(lambda ev: out.append(t.version()))  # from the event thread
    t.echo(mt.EchoRequest("1", 0))
    assert wait_until(lambda: out == ["timer v0.1.0"])


def test_events_async_iterator(t):
    async def main():
        async with t.events() as stream:
            await t.echo_async(mt.EchoRequest("a", 0))
            ev = await asyncio.wait_for(stream.__anext__(), 5)
            assert ev == mt.Event("on_echo_fired", mt.EchoEvent("a", 1))
            assert ev.name == "on_echo_fired"
        assert [e async for e in stream] == []  # ended by close
    asyncio.run(main())


def test_callback_objects_survive_gc_while_registered(t):
    got = []
    t.on_echo_fired(lambda ev: got.append(ev))  # only the registry holds it
    gc.collect()
    t.echo(mt.EchoRequest("1", 0))
    assert wait_until(lambda: got)


# ------------------------------------------------------------ lifetimes

def test_close_is_idempotent_and_safe_with_listeners():
    t = mt.MyTimer.create(mt.TimerConfig(name="c"))
    t.on_echo_fired(lambda ev: None)
    sub = t.on_any(lambda n, p: None)
    t.close()
    t.close()
    assert t.closed and not rt._listeners
    sub.remove()  # after close: nothing
    with pytest.raises(mt.Error, match="closed"):
        t.on_echo_fired(lambda ev: None)


def test_close_while_calls_are_in_flight():
    t = mt.MyTimer.create(mt.TimerConfig(name="busy"))
    outcomes = []

    def call():
        try:
            outcomes.append(t.echo(mt.EchoRequest("slow", 2000)))
        except mt.Error as e:
            outcomes.append(e)
    ths = [threading.Thread(target=call) for _ in range(4)]
    for th in ths:
        th.start()
    time.sleep(0.1)

    async def pending_async():
        return await asyncio.gather(t.echo_async(mt.EchoRequest("slow", 2000)),
                                    return_exceptions=True)
    box = []
    ath = threading.Thread(target=lambda: box.append(asyncio.run(pending_async())))
    ath.start()
    time.sleep(0.1)
    start = time.monotonic()
    t.close()
    for th in ths + [ath]:
        th.join(10)
    assert time.monotonic() - start < 5
    assert len(outcomes) == 4 and all(isinstance(o, mt.Error) for o in outcomes), outcomes
    assert isinstance(box[0][0], mt.Error)
    assert not rt._pending


def test_close_inside_own_listener_does_not_deadlock():
    t = mt.MyTimer.create(mt.TimerConfig(name="self"))
    h = t._handle
    closed = []
    t.on_echo_fired(lambda ev: (t.close(), closed.append(1)))
    t.echo(mt.EchoRequest("x", 0))
    assert wait_until(lambda: closed)
    assert wait_until(lambda: not handle_alive(h))


def test_gc_of_an_unclosed_context_destroys_it():
    t = mt.MyTimer.create(mt.TimerConfig(name="gc"))
    t.on_echo_fired(lambda ev: None)
    h = t._handle
    ref = weakref.ref(t)
    del t
    gc.collect()
    assert ref() is None
    assert not handle_alive(h)
    assert not rt._listeners


def test_gc_of_a_context_on_its_own_event_thread():
    # The last reference dies inside the context's own listener: the
    # finalizer runs on the event thread and must not wait for it.
    holder = [mt.MyTimer.create(mt.TimerConfig(name="gc2"))]
    h = holder[0]._handle
    dropped = []

    def listener(ev):
        holder.clear()
        dropped.append(1)
    holder[0].on_echo_fired(listener)
    holder[0].echo(mt.EchoRequest("x", 0))
    assert wait_until(lambda: dropped)
    assert wait_until(lambda: not handle_alive(h))


def test_lib_path_override(tmp_path):
    env = dict(os.environ, FFIRT_LIB_PATH=str(tmp_path / "libmy_timer.so"))
    r = subprocess.run([sys.executable, "-c", "import my_timer"], env=env, capture_output=True,
                       text=True)
    assert r.returncode != 0 and "libmy_timer.so" in r.stderr
    libdir = os.path.dirname(mt._lib._name)
    env["FFIRT_LIB_PATH"] = libdir
    r = subprocess.run([sys.executable, "-c", "import my_timer; print(my_timer._lib._name)"],
                       env=env, capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.strip() == os.path.join(libdir, "libmy_timer.so")


def test_exit_with_an_unclosed_busy_context():
    # The interpreter exits with a context never closed, a listener
    # registered and a call in flight on a daemon thread: the finalizer
    # destroys the context at exit, nothing crashes or hangs.
    code = """if True:
        import threading, time, my_timer as m
        t = m.MyTimer.create(m.TimerConfig(name="exit"))
        t.on_echo_fired(lambda ev: None)
        threading.Thread(target=lambda: t.echo(m.EchoRequest("slow", 5000)), daemon=True).start()
        t.echo(m.EchoRequest("x", 0))
        time.sleep(0.05)
        print("bye")
    """
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0 and r.stdout == "bye\n", r.stderr


def test_refused_constructor_raises_error():
    # The runtime refuses a context over its limit: the constructor's
    # callback says why on the caller's thread and no handle comes back.
    ffirt = ctypes.CDLL(os.path.join(os.path.dirname(mt._lib._name), "libffirt.so"))
    ffirt.ffirt_ctx_max_contexts.restype = ctypes.c_size_t
    ffirt.ffirt_ctx_set_max_contexts.argtypes = [ctypes.c_size_t]
    old = ffirt.ffirt_ctx_max_contexts()
    with mt.MyTimer.create(mt.TimerConfig(name="first")):
        assert ffirt.ffirt_ctx_set_max_contexts(1) == 0
        try:
            with pytest.raises(mt.Error, match="limit"):
                mt.MyTimer.create(mt.TimerConfig(name="second"))
            with pytest.raises(mt.Error, match="limit"):
                asyncio.run(mt.MyTimer.create_async(mt.TimerConfig(name="third")))
        finally:
            ffirt.ffirt_ctx_set_max_contexts(old)
    assert not rt._pending


def test_abi_mismatch_fails_at_import(tmp_path):
    # A package generated from another IDL than the loaded library must not
    # hand the exports a wrong layout: the import fails, naming both
    # fingerprints (issue 16).
    gen = os.environ.get("FFIRT_GEN")
    if not gen:
        pytest.skip("FFIRT_GEN (the ffirt-gen to use) is not set")
    src = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "timer", "my_timer.ffi")
    with open(src) as f:
        idl = f.read().replace("i64 delayMs;", "i64 delayMs; i64 extra;")
    (tmp_path / "my_timer.ffi").write_text(idl)
    subprocess.run([gen, "--lang", "python", "-o", str(tmp_path / "out"),
                    str(tmp_path / "my_timer.ffi")], check=True)
    env = dict(os.environ, PYTHONPATH=str(tmp_path / "out"),
               FFIRT_LIB_PATH=os.path.dirname(mt._lib._name))
    r = subprocess.run([sys.executable, "-c", "import my_timer"], env=env, capture_output=True,
                       text=True)
    assert r.returncode != 0 and "ABI mismatch" in r.stderr, r.stderr
    assert "%016x" % mt.ABI_FINGERPRINT in r.stderr


# ------------------------------------------- thread states of runtime threads

def _thread_states():
    """The number of thread states of this interpreter (C API walk)."""
    api = ctypes.pythonapi
    api.PyInterpreterState_Get.restype = ctypes.c_void_p
    api.PyInterpreterState_ThreadHead.restype = ctypes.c_void_p
    api.PyInterpreterState_ThreadHead.argtypes = [ctypes.c_void_p]
    api.PyThreadState_Next.restype = ctypes.c_void_p
    api.PyThreadState_Next.argtypes = [ctypes.c_void_p]
    n, ts = 0, api.PyInterpreterState_ThreadHead(api.PyInterpreterState_Get())
    while ts:
        n += 1
        ts = api.PyThreadState_Next(ts)
    return n


def test_runtime_threads_keep_their_thread_state_between_callbacks():
    # CPython creates a thread state for a C thread's callback and deletes it
    # after; the binding keeps the one of each runtime thread instead (about
    # 15 us a callback, guide-python.md): two events delivered on the same
    # thread run in the same state (state ids are never reused).
    api = ctypes.pythonapi
    api.PyThreadState_Get.restype = ctypes.c_void_p
    api.PyThreadState_GetID.restype = ctypes.c_uint64
    api.PyThreadState_GetID.argtypes = [ctypes.c_void_p]
    seen = []
    with mt.MyTimer.create(mt.TimerConfig(name="ts")) as ctx:
        def on_fired(e):
            seen.append((threading.get_native_id(),
                         api.PyThreadState_GetID(api.PyThreadState_Get())))
        with ctx.on_echo_fired(on_fired):
            for _ in range(2):
                ctx.echo(mt.EchoRequest(message="x", delay_ms=0))
            assert wait_until(lambda: len(seen) == 2)
    assert seen[0][0] == seen[1][0]  # one event thread
    assert seen[0][1] == seen[1][1]


def test_kept_thread_states_are_freed_when_their_threads_exit():
    # Create and close contexts, each calling back on its own worker and event
    # threads: the states of the threads that exited are freed, so the count
    # stays bounded instead of growing by two a context.
    for _ in range(3):
        with mt.MyTimer.create(mt.TimerConfig(name="warm")) as ctx:
            ctx.version()
    base = _thread_states()
    for i in range(60):
        with mt.MyTimer.create(mt.TimerConfig(name="c%d" % i)) as ctx:
            seen = threading.Event()
            with ctx.on_echo_fired(lambda e: seen.set()):
                ctx.echo(mt.EchoRequest(message="x", delay_ms=0))
                assert seen.wait(5)
    assert _thread_states() <= base + 12
