#!/usr/bin/env python3
"""The my_timer example host in Python: the generated binding
(`ffirt-gen --lang python`, built into build/python/my_timer/) in its
blocking and asyncio forms, with events and errors.

    PYTHONPATH=build/python python3 examples/timer/python/demo.py
"""
import asyncio
import threading

import my_timer
from my_timer import EchoRequest, MyTimer, TimerConfig


def blocking(t: MyTimer) -> None:
    print("version:", t.version())

    # Events run on the context's event thread; the callback gets the
    # dataclass. Keep the Subscription to remove the listener later.
    fired = threading.Event()

    def on_fired(ev: my_timer.EchoEvent) -> None:
        print(f"event: on_echo_fired message={ev.message!r} echo_count={ev.echo_count}")
        fired.set()

    with t.on_echo_fired(on_fired):
        r = t.echo(EchoRequest(message="hello", delay_ms=50))  # blocks, GIL released
        print(f"echo: echoed={r.echoed!r} timer_name={r.timer_name!r}")
        fired.wait(5)

    r = t.complex(my_timer.ComplexRequest(messages=[EchoRequest("a", 0), EchoRequest("b", 0)],
                                          tags=["demo"], note="from Python"))
    print("complex:", r.summary)

    # The library's errors raise my_timer.Error with its text.
    try:
        t.schedule(my_timer.JobSpec(name="", payload=[], priority=0),
                   my_timer.RetryPolicy(max_attempts=1, backoff_ms=0, retry_on=[]),
                   my_timer.ScheduleConfig(start_at_ms=0, interval_ms=0))
    except my_timer.Error as e:
        print("schedule failed as expected:", e)

    # Every call is bounded: TimeoutError after `timeout` seconds (the late
    # reply is dropped safely when it comes).
    try:
        t.echo(EchoRequest("slow", 500), timeout=0.05)
    except TimeoutError as e:
        print("timeout as expected:", e)


async def concurrent(t: MyTimer) -> None:
    # The _async forms return futures completed from the reply callback: many
    # calls in flight, no thread per call.
    replies = await asyncio.gather(*(t.echo_async(EchoRequest(f"m{i}", 10)) for i in range(100)))
    print(f"asyncio: {len(replies)} replies, last={replies[-1].echoed!r}")

    async with t.events() as events:  # every event as an async iterator
        await t.echo_async(EchoRequest("streamed", 0))
        ev = await anext(events)
        print(f"async event: {ev.name} {ev.payload}")


def main() -> None:
    with MyTimer.create(TimerConfig(name="py-demo")) as t:  # close() on exit
        blocking(t)
        asyncio.run(concurrent(t))
    print("closed")


if __name__ == "__main__":
    main()
