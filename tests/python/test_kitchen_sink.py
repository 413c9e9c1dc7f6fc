"""The generated Python binding over every IDL type: kitchen_sink's echo
methods round-trip scalars at their limits, bytes with NULs, enums,
nested containers (seq<optional<string>>, optional<seq<i64>>, seq<bytes>),
recursion through a seq, statics, multi-parameter native calls and every
event payload shape. Run by ctest (python_binding)."""

import dataclasses
import time

import pytest

import kitchen_sink as ks

S = ks.Scalars(flag=True, i8v=-128, i16v=32767, i32v=-5, i64v=-2**63, u8v=255, u16v=65535,
               u32v=2**32 - 1, u64v=2**64 - 1, f32v=0.5, f64v=3.25, text="h\u00e9llo",
               blob=b"a\x00b", color=ks.Color.BLUE)
C = ks.Containers(points=[ks.Point(1, 2), ks.Point(3, 4)], origin=ks.Point(0, 0),
                  maybe_names=["a", None, "c"], maybe_numbers=[1, 2, 3],
                  colors=[ks.Color.RED, ks.Color.BLACK], favourite=ks.Color.GREEN,
                  blobs=[b"x", b""], nothing=ks.Empty())
EMPTY_C = ks.Containers(points=[], maybe_names=[], colors=[], blobs=[])
E = ks.Everything(scalars=S, containers=C, empty=ks.Empty(),
                  children=[ks.Everything(scalars=S, containers=EMPTY_C, empty=ks.Empty(),
                                          children=[])])


def _replace(s, **kw):
    return dataclasses.replace(s, **kw)


@pytest.fixture(scope="module")
def k():
    with ks.KitchenState.create(ks.Config(name="k")) as ctx:
        yield ctx


def test_round_trips(k):
    assert k.echo_scalars(S) == S
    assert k.echo_containers(C) == C
    assert k.echo_containers(EMPTY_C) == EMPTY_C
    assert k.echo_everything(E) == E
    assert k.nested() == ["a", None, "c"]
    assert k.maybe_blob() == b"\x01\x02\x03"


def test_statics_and_constants():
    assert ks.KitchenState.lib_version() == "kitchen v1"
    assert ks.KitchenState.add(2, -3) == -1
    assert ks.KitchenState.ping() is None
    assert (ks.MAX_U64, ks.MIN_I64, ks.HALF, ks.ENABLED) == (2**64 - 1, -2**63, 0.5, True)
    assert ks.GREETING == "hello \"sink\"\\\n\t\u00e9"
    assert ks.Color.VIOLET == 9 and ks.Color.BLACK == 10


def test_many_native_parameters(k):
    args = (1, "two", b"\x03", ks.Color.BLUE, ks.Point(4, 5), ["six", "seven"])
    assert k.set_many(*args, 8) is None
    with pytest.raises(ks.Error, match="g is not 8"):
        k.set_many(*args, None)


def test_every_event_payload_shape(k):
    got, names = [], []
    subs = [k.on_everything(lambda e: got.append(e == E)), k.on_pair_seen(got.append),
            k.on_tick(got.append), k.on_any(lambda n, p: names.append(n))]
    k.emit_all(E)
    end = time.monotonic() + 5
    while len(names) < 3 and time.monotonic() < end:
        time.sleep(0.01)
    assert got == [True, ks.PairSeenPayload(name="pair", count=42, where=ks.Point(-1, 2)), 7]
    assert names == ["on_everything", "pair_seen", "tick"]
    for s in subs:
        s.remove()


@pytest.mark.parametrize("call, exc, text", [
    (lambda k: k.echo_scalars(1), TypeError, "s: expected Scalars"),
    (lambda k: k.echo_scalars(_replace(S, u8v=256)), ValueError, r"s.u8v: 256"),
    (lambda k: k.echo_scalars(_replace(S, flag=1)), TypeError, "s.flag: expected bool"),
    (lambda k: k.echo_scalars(_replace(S, color=99)), ValueError, "s.color: 99 is not a Color"),
    (lambda k: k.echo_scalars(_replace(S, blob="x")), TypeError, "s.blob: expected bytes"),
    (lambda k: k.echo_scalars(_replace(S, f32v=1e39)), ValueError, "s.f32v"),
    (lambda k: ks.KitchenState.add(2**63, 1), ValueError, "a: 9223372036854775808"),
])
def test_bad_arguments(k, call, exc, text):
    with pytest.raises(exc, match=text):
        call(k)
