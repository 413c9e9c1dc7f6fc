#!/usr/bin/env python3
"""Writes a random IDL file for seed N (stdout): a property test of the whole
generator. Names are drawn from words that generated code also uses (len,
data, items, value, msg, ...) so that any name the checker accepts but the
generated C cannot compile shows up. Types nest; structs embed only earlier
structs by value (no recursion), seqs point anywhere.

Usage: random_idl.py SEED
"""
import random
import sys

WORDS = [
    "len", "data", "items", "value", "present", "msg", "ud", "state", "evt", "req",
    "payload", "eventType", "payloadSize", "userData", "callerRet", "size", "buf", "out",
    "in", "err", "e", "c", "d", "i", "n", "p", "s", "t", "v", "w", "x", "copy", "free",
    "encode", "decode", "name", "type", "kind", "str", "next", "result", "ok", "error",
    "main", "errno", "stdin", "assert", "offsetof", "index", "time", "exit", "abort",
    "malloc", "printf", "loop", "lib", "events", "listener", "handlers", "emit", "add",
    "remove", "write", "read", "id", "count", "where", "tick", "m", "g", "r", "f", "a", "b",
    "value_present", "items_len", "data_len", "ret", "rc", "st", "j", "k", "it", "src",
    "dst", "at", "seen", "dec", "enc", "pos", "depth", "path",
]
SCALARS = ["bool", "i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64", "f32", "f64",
           "string", "bytes"]


def main():
    rnd = random.Random(int(sys.argv[1]))
    lib = rnd.choice(["lib", "t", "abc", "my_lib", "x1"])
    structs = ["S%d%s" % (i, rnd.choice(["", "x", "_a"])) for i in range(rnd.randint(1, 6))]
    enums = ["E%d" % i for i in range(rnd.randint(0, 2))]

    def rtype(depth=0, structs_upto=None):
        pool = SCALARS + enums + (structs if structs_upto is None else structs[:structs_upto])
        r = rnd.random()
        if r < 0.5 or depth > 2:
            return rnd.choice(pool)
        if r < 0.75:
            return "seq<%s>" % rtype(depth + 1, None)
        inner = rtype(depth + 1, structs_upto)
        if inner.startswith("optional<"):
            inner = "seq<%s>" % inner
        return "optional<%s>" % inner

    def params(lo, hi):
        return ", ".join("%s %s" % (rtype(), w) for w in rnd.sample(WORDS, rnd.randint(lo, hi)))

    out = ["/// Random library %s." % sys.argv[1], "library %s;" % lib, "state St;"]
    if rnd.random() < 0.5:
        out.append("option event_capacity = %d;" % rnd.randint(1, 5000))
        out.append("option event_overflow = %s;" % rnd.choice(["drop_newest", "drop_oldest", "block"]))
    for e in enums:
        items = []
        for k, w in enumerate(rnd.sample(WORDS, rnd.randint(1, 5))):
            extra = ""
            if rnd.random() < 0.3:
                extra += ' = "%s-%d"' % (w, k)
            if rnd.random() < 0.3:
                extra += " = %d" % (100 * k + rnd.randint(0, 50))
            items.append(w + extra)
        out.append("/// Enum %s.\nenum %s { %s }" % (e, e, ", ".join(items)))
    for i, s in enumerate(structs):
        fields = " ".join("%s %s; /// %s\n" % (rtype(0, i), f, f)
                          for f in rnd.sample(WORDS, rnd.randint(0, 5)))
        out.append("struct %s {\n%s}" % (s, fields))
    out.append("ctor create(%s);" % params(0, 2))
    for k in range(rnd.randint(1, 5)):
        res = (" -> " + rtype()) if rnd.random() < 0.7 else ""
        out.append("%s %s%d(%s)%s;" % (rnd.choice(["method", "static"]), rnd.choice(WORDS), k,
                                      params(0, 3), res))
    for k in range(rnd.randint(0, 3)):
        name = "ev_%s%d" % (rnd.choice(WORDS), k)
        if rnd.random() < 0.5:
            out.append("event %s(%s);" % (name, rtype()))
        else:
            out.append("event %s(%s);" % (name, params(2, 3)))
    consts = [("i32", lambda: str(rnd.randint(-1000, 1000))), ("u64", lambda: str(rnd.randint(0, 2**64 - 1))),
              ("f64", lambda: "%.3e" % rnd.uniform(-1e9, 1e9)), ("bool", lambda: rnd.choice(["true", "false"])),
              ("string", lambda: '"s\\t%d\\u00e9"' % rnd.randint(0, 99)), ("i8", lambda: "-128")]
    for k in range(rnd.randint(0, 4)):
        t, v = rnd.choice(consts)
        out.append("const %s K_%d = %s;" % (t, k, v()))
    out.append("dtor destroy;")
    print("\n".join(out))


if __name__ == "__main__":
    main()
