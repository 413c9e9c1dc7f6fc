#!/usr/bin/env python3
"""nats_auth.py - the remote layer under NATS authorization (docs/remote.md,
"Security"), each mode with its own nats-server on a free loopback port:

  nats_auth.py perms ARGS   the subject-permission layout of docs/remote.md,
      read from the document itself (the example block), so the text and
      the test cannot drift apart: ffirt-serve as user `server`, the
      unchanged e2e binaries as user `client` (user:password in
      FFIRT_NATS_URL), with no permissions violation logged by either side;
      then a client without publish permission on P.ctx.* (user `noctx`,
      added to the layout here) gets RET_ERR naming the violation within a
      bound, as does one without subscribe permission on _INBOX.> (user
      `noinbox`: a NULL constructor), and a wrong password gets a NULL
      constructor naming it; ffirt-serve as user `client` logs the
      violation of its subscriptions.
  nats_auth.py creds ARGS   operator mode (JWTs, resolver MEMORY): an
      operator, an account and users `server` and `client` generated here as
      nkeys + JWTs, written as .creds files; ffirt-serve --creds and the
      e2e binaries with FFIRT_NATS_CREDS; then a user of an account the
      server does not know, a missing file and a garbled file each get a
      NULL constructor naming the problem, and ffirt-serve refuses to start
      with a missing file.

ARGS: --doc docs/remote.md --lib libmy_timer.so --preload libmy_timer_remote.so
      --faults test_remote_faults -- E2E_BINARY...
Env: NATS_SERVER, FFIRT_SERVE. Everything started is stopped on exit.

The nkeys and JWTs follow the NATS formats: an nkey is base32 (no padding)
of [prefix | 32-byte ed25519 key | crc16/XMODEM little-endian], a seed has a
two-byte prefix; a JWT is base64url(header).base64url(claims).base64url(sig)
with header {"typ":"JWT","alg":"ed25519-nkey"}, signed by the issuer's key.
Needs python3-cryptography (scripts/deps.sh) for ed25519."""

import argparse
import base64
import hashlib
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

FAILURES = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        FAILURES.append(what)


# ------------------------------------------------------------------ nkeys, JWTs

PREFIX = {"seed": 18 << 3, "operator": 14 << 3, "account": 0, "user": 20 << 3}


def crc16(data):
    crc = 0
    for b in data:
        crc ^= b << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def b32(raw):
    return base64.b32encode(raw).decode().rstrip("=")


def b64u(raw):
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def nkey_encode(prefix, key):
    raw = bytes(prefix) + key
    return b32(raw + crc16(raw).to_bytes(2, "little"))


class NKey:
    """An ed25519 key pair of one NATS role (operator, account, user)."""

    def __init__(self, role):
        from cryptography.hazmat.primitives import serialization as ser
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        self.key = Ed25519PrivateKey.generate()
        seed = self.key.private_bytes(ser.Encoding.Raw, ser.PrivateFormat.Raw,
                                      ser.NoEncryption())
        pub = self.key.public_key().public_bytes(ser.Encoding.Raw, ser.PublicFormat.Raw)
        p = PREFIX[role]
        self.public = nkey_encode([p], pub)
        self.seed = nkey_encode([PREFIX["seed"] | (p >> 5), (p & 31) << 3], seed)


def jwt(issuer, subject, name, nats):
    """A JWT for `subject` (a public nkey) signed by `issuer` (an NKey)."""
    claims = {"iat": int(time.time()), "iss": issuer.public, "name": name, "sub": subject,
              "nats": nats}
    body = json.dumps(claims, separators=(",", ":"), sort_keys=True).encode()
    claims["jti"] = b32(hashlib.sha256(body).digest())
    head = b64u(json.dumps({"typ": "JWT", "alg": "ed25519-nkey"}, separators=(",", ":")).encode())
    payload = b64u(json.dumps(claims, separators=(",", ":")).encode())
    signed = (head + "." + payload).encode()
    return head + "." + payload + "." + b64u(issuer.key.sign(signed))


UNLIMITED = {"subs": -1, "data": -1, "payload": -1}


def user_creds(account, name):
    user = NKey("user")
    token = jwt(account, user.public, name,
                dict(UNLIMITED, pub={}, sub={}, type="user", version=2))
    return ("-----BEGIN NATS USER JWT-----\n%s\n------END NATS USER JWT------\n\n"
            "************************* IMPORTANT *************************\n"
            "NKEY Seed printed below can be used to sign and prove identity.\n"
            "NKEYs are sensitive and should be treated as secrets.\n\n"
            "-----BEGIN USER NKEY SEED-----\n%s\n------END USER NKEY SEED------\n\n"
            "*************************************************************\n" % (token, user.seed))


def operator_setup(port):
    """The server config of an operator with one account (resolver MEMORY),
    and the .creds of users server, client and (another account's) stranger."""
    op, acc, other = NKey("operator"), NKey("account"), NKey("account")
    op_jwt = jwt(op, op.public, "ffirt-test-operator", {"type": "operator", "version": 2})
    limits = {"subs": -1, "data": -1, "payload": -1, "imports": -1, "exports": -1,
              "wildcards": True, "conn": -1, "leaf": -1}
    acc_jwt = jwt(op, acc.public, "ffirt-test-account",
                  {"limits": limits, "type": "account", "version": 2})
    conf = ("listen: 127.0.0.1:%d\noperator: %s\nresolver: MEMORY\n"
            "resolver_preload: {\n  %s: %s\n}\n" % (port, op_jwt, acc.public, acc_jwt))
    return conf, {"server": user_creds(acc, "server"), "client": user_creds(acc, "client"),
                  "stranger": user_creds(other, "stranger")}


# ------------------------------------------------------------------ processes

class Procs:
    def __init__(self, tmp):
        self.tmp, self.procs = tmp, []

    def start(self, name, argv, **kw):
        log = open(os.path.join(self.tmp, name + ".log"), "w+")
        p = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, **kw)
        p.log = log
        self.procs.append(p)
        return p

    def stop(self):
        for p in reversed(self.procs):
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(5)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()


def log_text(p):
    p.log.flush()
    with open(p.log.name) as f:
        return f.read()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port, what):
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.025)
    sys.exit("nats_auth: %s does not listen on %d" % (what, port))


def start_nats(procs, conf, port):
    path = os.path.join(procs.tmp, "nats.conf")
    with open(path, "w") as f:
        f.write(conf)
    p = procs.start("nats", [os.environ.get("NATS_SERVER", "nats-server"), "-c", path])
    wait_port(port, "nats-server")
    return p


def start_serve(procs, args, extra):
    p = procs.start("serve", [os.environ["FFIRT_SERVE"], "--lib", args.lib, "--heartbeat-ms",
                              "100"] + extra)
    for _ in range(200):
        if "serving" in log_text(p) or p.poll() is not None:
            break
        time.sleep(0.025)
    if "serving" not in log_text(p):
        sys.exit("nats_auth: ffirt-serve did not start:\n" + log_text(p))
    return p


def run(argv, env, timeout=60):
    """Runs argv with env added; (exit status, output)."""
    e = dict(os.environ, **env)
    try:
        r = subprocess.run(argv, env=e, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=timeout, text=True, errors="replace")
        return r.returncode, r.stdout
    except subprocess.TimeoutExpired as ex:
        return -1, "timed out after %d s: %s" % (timeout, ex.output or "")


def e2e(args, env, who):
    for binary in args.e2e:
        t0 = time.monotonic()
        rc, out = run([binary], dict(env, LD_PRELOAD=args.preload))
        name = os.path.basename(binary)
        check(rc == 0, "%s as %s (%.1f s)" % (name, who, time.monotonic() - t0))
        if rc != 0:
            print(out[-3000:])
        # a violation is only logged (asynchronously): the suite may pass
        # while the layout is still too narrow somewhere
        check("Permitted" not in out and "Violation" not in out,
              "%s: no NATS permissions violation logged by the client" % name)


def refused(args, env, text, what, secret=None):
    """A constructor through env is refused: NULL, RET_ERR naming `text`
    (and not showing `secret`, a password of the URL)."""
    t0 = time.monotonic()
    rc, out = run([args.faults, args.lib, "refused", text], env, 30)
    check(rc == 0, "%s: constructor refused naming '%s' (%.1f s)" % (what, text,
                                                                    time.monotonic() - t0))
    print("     " + "".join(l for l in out.splitlines() if l.startswith("refused: remote")))
    if rc != 0:
        print(out[-2000:])
    if secret:
        check(secret not in out, "%s: the text does not show the password" % what)


# ------------------------------------------------------------------ modes

def doc_layout(doc):
    """The authorization block of docs/remote.md's example (server config)."""
    with open(doc) as f:
        text = f.read()
    m = re.search(r"Example \(server config\):\s*```\n(.*?)```", text, re.S)
    if not m:
        sys.exit("nats_auth: no 'Example (server config):' block in " + doc)
    return "\n".join(line[2:] if line.startswith("  ") else line
                     for line in m.group(1).splitlines()) + "\n"


def mode_perms(args, procs):
    port = free_port()
    layout = doc_layout(args.doc)
    # a client that may create contexts but not publish to them
    noctx = ('{user: noctx, password: n, permissions: {\n'
             '   publish: ["ffirt.my_timer.new.*", "ffirt.my_timer.static",'
             ' "ffirt.my_timer.lease.*"],\n'
             '   subscribe: ["_INBOX.>", "ffirt.my_timer.hb", "ffirt.my_timer.ev.*.*"]}}')
    # and one that may not subscribe to its inbox (_INBOX.>)
    noinbox = ('{user: noinbox, password: i, permissions: {\n'
               '   publish: ["ffirt.my_timer.new.*", "ffirt.my_timer.static", "ffirt.my_timer.ctx.*",'
               ' "ffirt.my_timer.lease.*"],\n'
               '   subscribe: ["ffirt.my_timer.hb", "ffirt.my_timer.ev.*.*"]}}')
    layout, n = re.subn(r"\}\s*\]\s*\}\s*$", "},\n  " + noctx + ",\n  " + noinbox + " ] }\n",
                        layout)
    if n != 1:
        sys.exit("nats_auth: the documented layout does not end in '} ] }':\n" + layout)
    nats = start_nats(procs, "listen: 127.0.0.1:%d\n%s" % (port, layout), port)
    url = "nats://%s@127.0.0.1:%d"
    serve = start_serve(procs, args, ["--nats", url % ("server:s", port)])
    e2e(args, {"FFIRT_NATS_URL": url % ("client:c", port)}, "user client")
    t0 = time.monotonic()
    rc, out = run([args.faults, args.lib, "denied"], {"FFIRT_NATS_URL": url % ("noctx:n", port)},
                  30)
    check(rc == 0, "user noctx: calls on a context answered RET_ERR naming the violation "
          "(%.1f s)" % (time.monotonic() - t0))
    if rc != 0:
        print(out[-2000:])
    # a list of URLs (libnats takes one): neither password is shown
    refused(args, {"FFIRT_NATS_URL": url % ("client:wrong", port) + "," +
                   url % ("client:wrong2", port)}, "Authentication", "wrong password",
            secret="wrong")
    refused(args, {"FFIRT_NATS_URL": url % ("noinbox:i", port)},
            "Permissions Violation for Subscription to", "no subscribe permission on _INBOX.>")
    # ffirt-serve as a user that may not subscribe to P.new: its log names
    # the violation and the subject (libnats's status text alone does not)
    wrong = procs.start("serve-as-client", [os.environ["FFIRT_SERVE"], "--lib", args.lib,
                                            "--nats", url % ("client:c", port)])
    # (libnats keeps only the latest error: a later violation, e.g. of its
    # heartbeat's publish, may be the one the handler reads)
    want = re.compile(r'Permissions Violation for (Subscription|Publish) to "ffirt\.my_timer\.')
    for _ in range(200):
        if want.search(log_text(wrong)):
            break
        time.sleep(0.025)
    check(want.search(log_text(wrong)) is not None,
          "ffirt-serve as user client logs: " + want.pattern)
    if not want.search(log_text(wrong)):
        print(log_text(wrong)[-1500:])
    wrong.terminate()
    wrong.wait(5)
    serve_log = log_text(serve)
    check("server:s@" not in serve_log, "ffirt-serve's log does not show its password")
    check("Permitted" not in serve_log and "Violation" not in serve_log,
          "ffirt-serve (user server) logged no permissions violation")
    if FAILURES:
        print("---- nats.conf\n" + open(os.path.join(procs.tmp, "nats.conf")).read())
        print("---- ffirt-serve\n" + serve_log[-2000:] + "\n---- nats-server\n" +
              log_text(nats)[-2000:])


def mode_creds(args, procs):
    port = free_port()
    conf, creds = operator_setup(port)
    files = {}
    for name, text in creds.items():
        files[name] = os.path.join(procs.tmp, name + ".creds")
        with open(files[name], "w") as f:
            f.write(text)
    os.chmod(files["server"], 0o600)
    garbled = os.path.join(procs.tmp, "garbled.creds")
    with open(garbled, "w") as f:
        f.write("not a credentials file\n")
    nats = start_nats(procs, conf, port)
    url = "nats://127.0.0.1:%d" % port
    missing = os.path.join(procs.tmp, "missing.creds")
    rc, out = run([os.environ["FFIRT_SERVE"], "--lib", args.lib, "--nats", url, "--creds",
                   missing], {}, 15)
    check(rc != 0 and "missing.creds" in out and "cannot connect" in out,
          "ffirt-serve --creds with a missing file exits naming it: " + out.strip()[-300:])
    serve = start_serve(procs, args, ["--nats", url, "--creds", files["server"]])
    env = {"FFIRT_NATS_URL": url, "FFIRT_NATS_CREDS": files["client"]}
    e2e(args, env, "user client (creds)")
    refused(args, {"FFIRT_NATS_URL": url}, "Authentication", "no credentials")
    refused(args, dict(env, FFIRT_NATS_CREDS=files["stranger"]), "Authentication",
            "a user of an unknown account")
    refused(args, dict(env, FFIRT_NATS_CREDS=missing), "missing.creds", "a missing creds file")
    refused(args, dict(env, FFIRT_NATS_CREDS=garbled), "garbled.creds", "a garbled creds file")
    if FAILURES:
        print("---- ffirt-serve\n" + log_text(serve)[-2000:] + "\n---- nats-server\n" +
              log_text(nats)[-2000:])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["perms", "creds"])
    ap.add_argument("--doc", required=True)
    ap.add_argument("--lib", required=True)
    ap.add_argument("--preload", required=True)
    ap.add_argument("--faults", required=True)
    ap.add_argument("e2e", nargs="+")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        procs = Procs(tmp)
        try:
            (mode_perms if args.mode == "perms" else mode_creds)(args, procs)
        finally:
            procs.stop()
    print("%s: %s" % (args.mode, "FAILED: " + "; ".join(FAILURES) if FAILURES else "ok"))
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
