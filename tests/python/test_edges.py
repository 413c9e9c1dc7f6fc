"""The generated Python binding over the shapes kitchen_sink lacks (the
edges library of tests/gen/kitchen/): a constructor without parameters,
leaf results (enum, bool, f32, bytes, nothing), nested container results,
optional struct parameters, seq/optional parameters of a static, and event
payloads of every other kind (string, bytes, seq<enum>, optional<struct>,
several parameters). Run by ctest (python_binding)."""

import time

import pytest

import edges


@pytest.fixture(scope="module")
def e():
    with edges.EdgeState.open() as ctx:
        yield ctx


def test_leaf_results(e):
    assert e.mood() is edges.Mood.ANGRY
    assert e.yes() is True
    assert e.ratio() == 0.25
    assert e.raw(b"\x00\xffz") == b"\x00\xffz"
    assert e.raw(b"") == b""
    assert e.nothing() is None
    for o in edges.Odd:
        assert e.odd(o) is o


def test_nested_results_and_optional_struct_params(e):
    bag = edges.Bag(grid=[["a", "b"], [], ["c"]], maybe=[1, None, -3], blobs=[b"\x00"])
    assert e.grid(bag) == [["a", "b"], [], ["c"]]
    assert e.maybe_bag(bag) == bag
    assert e.maybe_bag(None) is None
    assert e.maybe_bag(edges.Bag(grid=[], blobs=[])) == edges.Bag(grid=[], blobs=[], maybe=None)


def test_static_seq_and_optional_params():
    assert edges.EdgeState.sum([1, 2, 3], None) == 6
    assert edges.EdgeState.sum([], 5) == 5


def test_every_event_payload_kind(e):
    got = {}
    subs = [e.on_said(lambda v: got.setdefault("said", v)),
            e.on_blob(lambda v: got.setdefault("blob", v)),
            e.on_moods(lambda v: got.setdefault("moods", v)),
            e.on_maybe(lambda v: got.setdefault("maybe", v)),
            e.on_mixed(lambda v: got.setdefault("mixed", v))]
    anys = []
    subs.append(e.on_any(lambda name, payload: anys.append((name, payload))))
    e.fire()
    end = time.monotonic() + 5
    while len(anys) < 5 and time.monotonic() < end:
        time.sleep(0.01)
    mixed = edges.MixedPayload(values=[1, 2], raw=b"\x09", mood=edges.Mood.ANGRY, flag=True,
                               ratio=0.5)
    assert got == {"said": "hi", "blob": b"\x01\x02", "moods": [edges.Mood.CALM, edges.Mood.ANGRY],
                   "maybe": None, "mixed": mixed}
    assert anys == [("said", "hi"), ("blob", b"\x01\x02"),
                    ("moods", [edges.Mood.CALM, edges.Mood.ANGRY]), ("maybe", None),
                    ("mixed", mixed)]
    for s in subs:
        s.remove()
