/*
 * serve_main.c - the ffirt-serve program: dlopen a generated library, bind
 * serve_core.c to NATS (docs/remote.md), heartbeat, drain on SIGTERM.
 *
 *   ffirt-serve --lib PATH [--name LIB] [--nats URL] [--queue NAME]
 *               [--max-contexts N] [--creds FILE] [--token T] [--heartbeat-ms MS]
 *               [--lease-ms MS]
 *
 * Design notes:
 *  - Threads: libnats delivers on its global delivery pool (one
 *    subscription's messages stay in order on one thread at a time); the
 *    main thread sleeps in heartbeat ticks and owns shutdown. A signal only
 *    sets `stop` (async-signal-safe); the main thread drains.
 *  - The connection reconnects forever; while NATS is away the library keeps
 *    running and replies are buffered by libnats (its reconnect buffer), and
 *    no client lease runs out (libnats's disconnected/reconnected callbacks
 *    set link_up/link_changed; the main thread calls serve_set_connected).
 *  - Constructors come on P.new (no lease) and P.new.<client> (leased to
 *    client, serve_handle_new_from), both in the queue group; every server
 *    hears every P.lease.<client>.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nats/nats.h>

#include "serve.h"
#include "wire.h"

static volatile sig_atomic_t stop;
static void on_signal(int sig) {
  (void)sig;
  stop = 1;
}

typedef struct nats_tx {
  natsConnection *nc;
  serve *s;
} nats_tx;

static void tx_publish(void *t, const char *subject, const uint8_t *data, size_t len) {
  nats_tx *x = t;
  natsStatus st = natsConnection_Publish(x->nc, subject, data, (int)len);
  if (st != NATS_OK && st != NATS_CONNECTION_CLOSED)
    fprintf(stderr, "ffirt-serve: publish to %s failed: %s\n", subject, natsStatus_GetText(st));
}

static nats_tx the_tx;

static void on_ctx_msg(natsConnection *nc, natsSubscription *sub, natsMsg *m, void *closure) {
  (void)nc;
  (void)sub;
  serve_ctx *c = closure;
  serve_handle_ctx(the_tx.s, c, natsMsg_GetReply(m), (const uint8_t *)natsMsg_GetData(m),
                   (size_t)natsMsg_GetDataLength(m));
  natsMsg_Destroy(m);
}

static void *tx_subscribe(void *t, const char *subject, serve_ctx *c) {
  nats_tx *x = t;
  natsSubscription *sub = NULL;
  if (natsConnection_Subscribe(&sub, x->nc, subject, on_ctx_msg, c) != NATS_OK) return NULL;
  return sub;
}

static void tx_unsubscribe(void *t, void *sub) {
  (void)t;
  natsSubscription_Unsubscribe(sub);
  natsSubscription_Destroy(sub);
}

static void on_new(natsConnection *nc, natsSubscription *sub, natsMsg *m, void *closure) {
  (void)nc;
  (void)sub;
  serve_handle_new(closure, natsMsg_GetReply(m), (const uint8_t *)natsMsg_GetData(m),
                   (size_t)natsMsg_GetDataLength(m));
  natsMsg_Destroy(m);
}

/* The last token of a subject: the client id of P.new.<client> and
 * P.lease.<client>. */
static const char *last_token(natsMsg *m) {
  const char *subj = natsMsg_GetSubject(m);
  const char *dot = subj ? strrchr(subj, '.') : NULL;
  return dot ? dot + 1 : "";
}

static void on_new_client(natsConnection *nc, natsSubscription *sub, natsMsg *m, void *closure) {
  (void)nc;
  (void)sub;
  serve_handle_new_from(closure, last_token(m), natsMsg_GetReply(m),
                        (const uint8_t *)natsMsg_GetData(m), (size_t)natsMsg_GetDataLength(m));
  natsMsg_Destroy(m);
}

static void on_lease(natsConnection *nc, natsSubscription *sub, natsMsg *m, void *closure) {
  (void)nc;
  (void)sub;
  serve_handle_lease(closure, last_token(m));
  natsMsg_Destroy(m);
}

/* libnats's disconnected/reconnected callbacks (its own thread, also after
 * serve_free during the drain): only noted here, passed to the core by the
 * main thread's next tick. */
static atomic_int link_up = 1, link_changed;
static void on_link(natsConnection *nc, void *closure) {
  (void)closure;
  atomic_store(&link_up, natsConnection_Status(nc) == NATS_CONN_STATUS_CONNECTED);
  atomic_store(&link_changed, 1);
}

static void on_static(natsConnection *nc, natsSubscription *sub, natsMsg *m, void *closure) {
  (void)nc;
  (void)sub;
  serve_handle_static(closure, natsMsg_GetReply(m), (const uint8_t *)natsMsg_GetData(m),
                      (size_t)natsMsg_GetDataLength(m));
  natsMsg_Destroy(m);
}

static void on_nats_error(natsConnection *nc, natsSubscription *sub, natsStatus err, void *c) {
  (void)sub;
  (void)c;
  /* a permissions violation names the subject only in the connection's
   * last error ("Permissions Violation for Subscription to ...") */
  const char *text = NULL;
  if (err != NATS_NOT_PERMITTED || natsConnection_GetLastError(nc, &text) != err || !text)
    text = natsStatus_GetText(err);
  fprintf(stderr, "ffirt-serve: NATS: %s\n", text);
}

static const char usage[] =
    "usage: ffirt-serve --lib PATH [--name LIB] [--nats URL] [--queue NAME]\n"
    "                   [--max-contexts N] [--creds FILE] [--token T] [--heartbeat-ms MS]\n"
    "                   [--lease-ms MS]\n"
    "Serves a library generated by ffirt-gen over NATS (docs/remote.md).\n"
    "  --lib PATH         the lib<name>.so to serve\n"
    "  --name LIB         its library name (default: from PATH, lib<name>.so)\n"
    "  --nats URL         NATS server(s), comma-separated (default: $FFIRT_NATS_URL or\n"
    "                     nats://127.0.0.1:4222)\n"
    "  --queue NAME       queue group of the constructor subject (default: ffirt.<name>)\n"
    "  --max-contexts N   refuse constructors beyond N live contexts (default: unlimited)\n"
    "  --creds FILE       NATS user credentials file\n"
    "  --token T          NATS token (default: $NATS_TOKEN)\n"
    "  --heartbeat-ms MS  heartbeat period (default 200)\n"
    "  --lease-ms MS      reclaim the contexts of a client not heard from for MS\n"
    "                     (default 10000; 0: never; at least 4 heartbeats)\n";

int main(int argc, char **argv) {
  const char *lib = NULL, *name = NULL, *queue = NULL, *creds = NULL;
  const char *url = getenv("FFIRT_NATS_URL");
  const char *token = getenv("NATS_TOKEN");
  long max_ctx = 0, hb_ms = 200, lease_ms = SERVE_LEASE_MS_DEFAULT;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      fputs(usage, stdout);
      return 0;
    }
    if (!v) {
      fprintf(stderr, "ffirt-serve: %s needs a value\n%s", a, usage);
      return 2;
    }
    i++;
    if (strcmp(a, "--lib") == 0)
      lib = v;
    else if (strcmp(a, "--name") == 0)
      name = v;
    else if (strcmp(a, "--nats") == 0)
      url = v;
    else if (strcmp(a, "--queue") == 0)
      queue = v;
    else if (strcmp(a, "--creds") == 0)
      creds = v;
    else if (strcmp(a, "--token") == 0)
      token = v;
    else if (strcmp(a, "--max-contexts") == 0)
      max_ctx = strtol(v, NULL, 10);
    else if (strcmp(a, "--heartbeat-ms") == 0)
      hb_ms = strtol(v, NULL, 10);
    else if (strcmp(a, "--lease-ms") == 0)
      lease_ms = strtol(v, NULL, 10);
    else {
      fprintf(stderr, "ffirt-serve: unknown option %s\n%s", a, usage);
      return 2;
    }
  }
  if (!lib || max_ctx < 0 || hb_ms < 10 || lease_ms < 0 || (lease_ms && lease_ms < 4 * hb_ms)) {
    fprintf(stderr, "ffirt-serve: %s\n%s",
            !lib                          ? "--lib is required"
            : lease_ms > 0 && hb_ms >= 10 ? "--lease-ms must be 0 or at least 4 heartbeats"
                                          : "bad number",
            usage);
    return 2;
  }
  if (!url || !*url) url = "nats://127.0.0.1:4222";
  char libname[128];
  if (!name) {
    const char *base = strrchr(lib, '/');
    base = base ? base + 1 : lib;
    if (strncmp(base, "lib", 3) == 0) base += 3;
    size_t n = strcspn(base, ".");
    if (n >= sizeof libname) n = sizeof libname - 1;
    memcpy(libname, base, n);
    libname[n] = '\0';
    name = libname;
  }
  void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    fprintf(stderr, "ffirt-serve: cannot load %s: %s\n", lib, dlerror());
    return 1;
  }
  char sym[200];
  snprintf(sym, sizeof sym, "%s_ffirt_describe", name);
  const ffirt_library_desc *(*describe)(void) =
      (const ffirt_library_desc *(*)(void))(uintptr_t)dlsym(h, sym);
  if (!describe) {
    fprintf(stderr,
            "ffirt-serve: %s has no %s (not a library generated by ffirt-gen, or not "
            "named %s: use --name)\n",
            lib, sym, name);
    return 1;
  }
  const ffirt_library_desc *desc = describe();
  if (!desc || desc->desc_version < 1) {
    fprintf(stderr, "ffirt-serve: %s: unusable descriptor\n", lib);
    return 1;
  }

  natsOptions *opts = NULL;
  natsStatus st = natsOptions_Create(&opts);
  if (st == NATS_OK) st = natsOptions_SetServers(opts, NULL, 0);
  if (st == NATS_OK) st = natsOptions_SetURL(opts, url);
  if (st == NATS_OK) st = natsOptions_SetMaxReconnect(opts, -1);
  if (st == NATS_OK) st = natsOptions_SetReconnectWait(opts, 100);
  if (st == NATS_OK) st = natsOptions_UseGlobalMessageDelivery(opts, true);
  if (st == NATS_OK) st = natsOptions_SetErrorHandler(opts, on_nats_error, NULL);
  if (st == NATS_OK) st = natsOptions_SetName(opts, "ffirt-serve");
  if (st == NATS_OK) st = natsOptions_SetDisconnectedCB(opts, on_link, NULL);
  if (st == NATS_OK) st = natsOptions_SetReconnectedCB(opts, on_link, NULL);
  /* latency over batching: flush every reply at once */
  if (st == NATS_OK) st = natsOptions_SetSendAsap(opts, true);
  if (st == NATS_OK && token && *token) st = natsOptions_SetToken(opts, token);
  if (st == NATS_OK && creds) st = natsOptions_SetUserCredentialsFromFiles(opts, creds, NULL);
  natsConnection *nc = NULL;
  if (st == NATS_OK) st = natsConnection_Connect(&nc, opts);
  /* no password of the URL's user info in any message */
  char shown[512];
  wire_url_redacted(url, shown, sizeof shown);
  if (st != NATS_OK) {
    /* the details (which file, which violation) are in libnats's last error */
    natsStatus last = NATS_OK;
    const char *detail = wire_nats_detail(nats_GetLastError(&last));
    int more = *detail && strcmp(detail, natsStatus_GetText(st)) != 0;
    fprintf(stderr, "ffirt-serve: cannot connect to NATS at %s: %s%s%s%s%s%s\n", shown,
            natsStatus_GetText(st), more ? " (" : "", more ? detail : "", more ? ")" : "",
            creds ? "; credentials file (--creds): " : "", creds ? creds : "");
    natsOptions_Destroy(opts);
    return 1;
  }
  the_tx.nc = nc;
  serve *s = serve_new(desc, (serve_tx){&the_tx, tx_publish, tx_subscribe, tx_unsubscribe},
                       (size_t)max_ctx);
  if (!s) {
    fprintf(stderr, "ffirt-serve: out of memory\n");
    return 1;
  }
  serve_set_lease(s, lease_ms);
  the_tx.s = s;
  char subj[256], qbuf[256];
  if (!queue) {
    snprintf(qbuf, sizeof qbuf, "%s", serve_prefix(s));
    queue = qbuf;
  }
  natsSubscription *snew = NULL, *sstatic = NULL, *snewc = NULL, *slease = NULL;
  snprintf(subj, sizeof subj, "%s.new", serve_prefix(s));
  st = natsConnection_QueueSubscribe(&snew, nc, subj, queue, on_new, s);
  snprintf(subj, sizeof subj, "%s.new.*", serve_prefix(s));
  if (st == NATS_OK) st = natsConnection_QueueSubscribe(&snewc, nc, subj, queue, on_new_client, s);
  snprintf(subj, sizeof subj, "%s.lease.*", serve_prefix(s));
  if (st == NATS_OK) st = natsConnection_Subscribe(&slease, nc, subj, on_lease, s);
  snprintf(subj, sizeof subj, "%s.static", serve_prefix(s));
  if (st == NATS_OK) st = natsConnection_QueueSubscribe(&sstatic, nc, subj, queue, on_static, s);
  if (st == NATS_OK) st = natsConnection_Flush(nc);
  if (st != NATS_OK) {
    fprintf(stderr, "ffirt-serve: cannot subscribe: %s\n", natsStatus_GetText(st));
    return 1;
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  /* the line tests and scripts wait for */
  printf("ffirt-serve: serving %s (%zu procedures, %zu events, fingerprint %016llx) as %s on "
         "%s, queue %s\n",
         desc->name, desc->nprocs, desc->nevents, (unsigned long long)desc->fingerprint,
         serve_id(s), shown, queue);
  fflush(stdout);
  while (!stop) {
    if (atomic_exchange(&link_changed, 0)) serve_set_connected(s, atomic_load(&link_up));
    serve_tick(s);
    struct timespec ts = {hb_ms / 1000, (hb_ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
  }
  /* drain: no new contexts; destroy every context (in-flight calls are
   * answered RET_ERR by the runtime and those replies published) */
  serve_stop_accepting(s);
  natsSubscription_Unsubscribe(snew);
  natsSubscription_Unsubscribe(snewc);
  natsSubscription_Unsubscribe(sstatic);
  natsSubscription_Unsubscribe(slease);
  size_t n = serve_contexts(s);
  serve_free(s);
  natsConnection_FlushTimeout(nc, 2000);
  natsSubscription_Destroy(snew);
  natsSubscription_Destroy(snewc);
  natsSubscription_Destroy(sstatic);
  natsSubscription_Destroy(slease);
  natsConnection_Close(nc);
  natsConnection_Destroy(nc);
  natsOptions_Destroy(opts);
  nats_Close();
  fprintf(stderr, "ffirt-serve: drained, %zu contexts destroyed\n", n);
  return 0;
}
