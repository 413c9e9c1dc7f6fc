"""Cross-check of the ffirt CBOR codec against cbor2, in both directions.

The C side is tests/python/cbor_helper.c (path in $FFIRT_CBOR_HELPER):
  - ours encodes random items -> cbor2 decodes them -> both describe the
    values in the same typed JSON form and must agree;
  - cbor2 encodes random Python values (plain and canonical) -> ours decodes
    and describes them; our preferred re-encoding decodes in cbor2 to the
    same values; and malformed input is refused with an offset.
Seeds are fixed, so a failure reproduces.
"""

import io
import json
import math
import os
import random
import struct
import subprocess

import cbor2
import pytest

HELPER = os.environ.get("FFIRT_CBOR_HELPER")

pytestmark = pytest.mark.skipif(not HELPER, reason="FFIRT_CBOR_HELPER not set (run through ctest)")


def run(args, data=b""):
    proc = subprocess.run([HELPER] + args, input=data, capture_output=True, timeout=120)
    return proc.returncode, proc.stdout, proc.stderr.decode()


def describe(v):
    """The typed description cbor_helper prints, computed from a Python value."""
    if v is None:
        return ["null"]
    if v is cbor2.undefined:
        return ["undef"]
    if isinstance(v, bool):
        return ["bool", int(v)]
    if isinstance(v, int):
        return ["u", str(v)] if v >= 0 else ["n", str(v)]
    if isinstance(v, float):
        return ["f", "nan"] if math.isnan(v) else ["f", struct.pack(">d", v).hex()]
    if isinstance(v, (bytes, bytearray)):
        return ["b", bytes(v).hex()]
    if isinstance(v, str):
        return ["t", v.encode("utf-8").hex()]
    if isinstance(v, cbor2.CBORSimpleValue):  # a namedtuple: before tuple
        return ["simple", v.value]
    if isinstance(v, (list, tuple)):
        return ["a", [describe(x) for x in v]]
    if isinstance(v, dict):
        return ["m", [[describe(k), describe(x)] for k, x in v.items()]]
    if isinstance(v, cbor2.CBORTag):
        return ["tag", str(v.tag), describe(v.value)]
    raise TypeError(f"no description for {type(v)}")


def decode_sequence(data):
    dec = cbor2.CBORDecoder(io.BytesIO(data))
    items = []
    while dec.fp.tell() < len(data):
        items.append(dec.decode())
    return items


@pytest.mark.parametrize("seed", range(1, 9))
def test_ours_encodes_what_cbor2_decodes_to_the_same_values(seed):
    rc, data, err = run(["random", str(seed), "250"])
    assert rc == 0, err
    rc, lines, err = run(["describe"], data)
    assert rc == 0, err
    ours = [json.loads(line) for line in lines.decode().splitlines()]
    theirs = [describe(v) for v in decode_sequence(data)]
    assert len(ours) == 250
    assert theirs == ours


def random_text(rng):
    chars = []
    for _ in range(rng.randrange(12)):
        while True:
            cp = rng.choice([rng.randrange(0x80), rng.randrange(0x80, 0x800),
                             rng.randrange(0x800, 0x10000), rng.randrange(0x10000, 0x110000)])
            if not 0xD800 <= cp <= 0xDFFF:
                break
        chars.append(chr(cp))
    return "".join(chars)


def random_value(rng, depth):
    kind = rng.randrange(14 if depth > 0 else 11)
    if kind == 0:
        return rng.choice([rng.randrange(24), rng.randrange(256), rng.randrange(1 << 16),
                           rng.randrange(1 << 32), rng.randrange(1 << 64)])
    if kind == 1:
        return -1 - rng.choice([rng.randrange(24), rng.randrange(1 << 16), rng.randrange(1 << 64)])
    if kind == 2:
        return bytes(rng.randrange(256) for _ in range(rng.choice([rng.randrange(8), rng.randrange(300)])))
    if kind == 3:
        return random_text(rng)
    if kind == 4:
        return rng.choice([True, False])
    if kind == 5:
        return None
    if kind == 6:
        return cbor2.undefined
    if kind == 7:
        return cbor2.CBORSimpleValue(rng.choice([rng.randrange(20), rng.randrange(32, 256)]))
    if kind == 8:
        return rng.choice([0.0, -0.0, 1.5, 65504.0, 1e300, -4.1, math.inf, -math.inf, math.nan,
                           struct.unpack(">d", rng.randbytes(8))[0], rng.random() * 1e6])
    if kind == 9:
        return struct.unpack(">f", struct.pack(">f", rng.uniform(-1e30, 1e30)))[0]
    if kind == 10:
        return rng.randrange(-(1 << 63), 1 << 63)
    if kind == 11:
        return [random_value(rng, depth - 1) for _ in range(rng.randrange(6))]
    if kind == 12:
        return {f"k{i}_{rng.randrange(1000)}": random_value(rng, depth - 1)
                for i in range(rng.randrange(6))}
    return cbor2.CBORTag(rng.randrange(1 << 16, 1 << 64), random_value(rng, depth - 1))


@pytest.mark.parametrize("canonical", [False, True])
@pytest.mark.parametrize("seed", range(1, 5))
def test_cbor2_encodes_what_ours_decodes_and_reencodes(seed, canonical):
    rng = random.Random(seed)
    values = [random_value(rng, 4) for _ in range(250)]
    data = b"".join(cbor2.dumps(v, canonical=canonical) for v in values)
    rc, lines, err = run(["describe"], data)
    assert rc == 0, err
    ours = [json.loads(line) for line in lines.decode().splitlines()]
    # canonical encoding sorts map keys: compare with what it wrote
    expected = [describe(v) for v in (decode_sequence(data) if canonical else values)]
    assert ours == expected
    # our preferred re-encoding reads back in cbor2 as the same values
    rc, again, err = run(["reencode"], data)
    assert rc == 0, err
    assert [describe(v) for v in decode_sequence(again)] == ours
    if canonical:
        # cbor2's canonical form is a preferred serialization too: for scalars
        # ours must be the same bytes, or shorter where cbor2 misses the
        # shortest float (it writes 65504.0 as f32; RFC 8949 Appendix A:
        # f9 7b ff)
        for v in values:
            if not isinstance(v, (dict, list, cbor2.CBORTag)):
                rc, one, err = run(["reencode"], cbor2.dumps(v))
                theirs = cbor2.dumps(v, canonical=True)
                assert one == theirs or (len(one) < len(theirs) and one[0] == 0xf9), (v, one)


def test_largest_half_float_is_written_as_half():
    rc, one, err = run(["reencode"], cbor2.dumps(65504.0))
    assert one == bytes.fromhex("f97bff")


@pytest.mark.parametrize("hexdata,where", [
    ("1c", "offset 0: reserved"),
    ("82 01", "offset 0: array length"),
    ("62 c3 28", "offset 0: invalid UTF-8"),
    ("bf 01 ff", "offset 2: break code in place of a map value"),
    ("5f 61 61 ff", "offset 1: chunk"),
])
def test_malformed_input_is_refused_with_offset_and_reason(hexdata, where):
    rc, out, err = run(["describe"], bytes.fromhex(hexdata.replace(" ", "")))
    assert rc == 2
    assert where in err


def test_diagnostic_notation_of_the_event_envelope():
    env = {"eventType": "on_echo_fired", "payload": {"message": "hi", "echoCount": 1}}
    rc, out, err = run(["diag"], cbor2.dumps(env))
    assert rc == 0, err
    assert out.decode().strip() == \
        '{"eventType": "on_echo_fired", "payload": {"message": "hi", "echoCount": 1}}'
