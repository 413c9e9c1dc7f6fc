/*
 * cbor_demo.c - ffirt-cbor-demo: shows the CBOR codec at work, and is what
 * `make demo` runs until the example libraries exist.
 *
 * It encodes the event envelope of the spec (abi.md section 6) and a few
 * values, prints each as hex and diagnostic notation, decodes it back (the
 * envelope with the typed readers a generated decoder uses), and finally
 * shows how malformed input is reported. Exit status 0 when every step
 * behaved as expected, 1 otherwise.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ffirt/cbor.h"

static int g_failures;

static void show(const char *title, const uint8_t *p, size_t n) {
  printf("%s\n  hex  (%zu bytes):", title, n);
  for (size_t i = 0; i < n; i++)
    printf(" %02x", p[i]);
  char *diag = NULL;
  int rc = ffirt_cbor_to_diag(p, n, &diag);
  if (rc) {
    printf("\n  diag: <%s>\n", ffirt_strerror(rc));
    g_failures++;
    return;
  }
  printf("\n  diag: %s\n", diag);
  ffirt_free(diag);
}

static void check(int ok, const char *what) {
  printf("  %s %s\n", ok ? "ok  " : "FAIL", what);
  if (!ok) g_failures++;
}

static void envelope(void) {
  uint8_t buf[128];
  ffirt_cbor_enc e;
  ffirt_cbor_enc_init(&e, buf, sizeof buf);
  ffirt_cbor_enc_map(&e, 2);
  ffirt_cbor_enc_text_z(&e, "eventType");
  ffirt_cbor_enc_text_z(&e, "on_echo_fired");
  ffirt_cbor_enc_text_z(&e, "payload");
  ffirt_cbor_enc_map(&e, 2);
  ffirt_cbor_enc_text_z(&e, "message");
  ffirt_cbor_enc_text_z(&e, "hi");
  ffirt_cbor_enc_text_z(&e, "echoCount");
  ffirt_cbor_enc_uint(&e, 1);
  if (ffirt_cbor_enc_finish(&e)) {
    check(0, "encode the envelope");
    return;
  }
  show("event envelope", buf, e.len);

  /* decode it back like a generated decoder: map, keys, typed values */
  ffirt_cbor_dec d;
  ffirt_cbor_dec_init(&d, buf, e.len);
  const char *reason = NULL;
  size_t pairs, len;
  char *event = NULL, *message = NULL;
  int64_t count = -1;
  int rc = ffirt_cbor_read_map(&d, &pairs, &reason);
  while (!rc && !ffirt_cbor_dec_at_end(&d)) {
    ffirt_cbor_item key;
    rc = ffirt_cbor_dec_next(&d, &key);
    if (rc) break;
    if (key.len == 9 && !memcmp(key.ptr, "eventType", 9)) {
      rc = ffirt_cbor_read_text(&d, &event, &len, &reason);
    } else if (key.len == 7 && !memcmp(key.ptr, "payload", 7)) {
      rc = ffirt_cbor_read_map(&d, &pairs, &reason);
      while (!rc && !ffirt_cbor_dec_at_end(&d)) {
        rc = ffirt_cbor_dec_next(&d, &key);
        if (rc) break;
        if (key.len == 7 && !memcmp(key.ptr, "message", 7))
          rc = ffirt_cbor_read_text(&d, &message, &len, &reason);
        else
          rc = ffirt_cbor_read_int(&d, 0, INT32_MAX, &count, &reason);
      }
      if (!rc) rc = ffirt_cbor_dec_leave(&d);
    } else {
      rc = ffirt_cbor_dec_skip(&d);
    }
  }
  if (!rc) rc = ffirt_cbor_dec_leave(&d);
  printf("  decoded: eventType=%s message=%s echoCount=%" PRId64 "\n", event ? event : "?",
         message ? message : "?", count);
  check(!rc && event && !strcmp(event, "on_echo_fired") && message && !strcmp(message, "hi") &&
            count == 1,
        "typed readers read back what was written");
  ffirt_free(event);
  ffirt_free(message);
  ffirt_cbor_dec_release(&d);
}

static void values(void) {
  ffirt_cbor_enc e;
  ffirt_cbor_enc_init_dynamic(&e);
  ffirt_cbor_enc_array(&e, 9);
  ffirt_cbor_enc_uint(&e, 1000000);
  ffirt_cbor_enc_int(&e, -1000);
  ffirt_cbor_enc_float_shortest(&e, 1.5);      /* fits a half: f9 3e 00 */
  ffirt_cbor_enc_float_shortest(&e, 100000.0); /* needs a single */
  ffirt_cbor_enc_f64(&e, 1.1);
  ffirt_cbor_enc_bytes(&e, "\x01\x02\x03", 3);
  ffirt_cbor_enc_text_z(&e, "\xe6\xb0\xb4"); /* U+6C34 */
  ffirt_cbor_enc_bool(&e, 1);
  ffirt_cbor_enc_null(&e);
  size_t n = 0;
  uint8_t *p = ffirt_cbor_enc_take(&e, &n);
  if (!p) {
    check(0, "encode the values");
    return;
  }
  show("values (growable buffer)", p, n);
  size_t off;
  const char *reason;
  check(ffirt_cbor_validate(p, n, 0, &off, &reason) == 0, "the encoding validates");
  ffirt_free(p);

  /* a fixed buffer that is too small reports the size it needs */
  uint8_t small[4];
  ffirt_cbor_enc_init(&e, small, sizeof small);
  ffirt_cbor_enc_text_z(&e, "does not fit");
  printf("fixed 4-byte buffer for \"does not fit\": %s, needs %zu bytes\n",
         ffirt_strerror(ffirt_cbor_enc_finish(&e)), ffirt_cbor_enc_size(&e));
  check(ffirt_cbor_enc_finish(&e) == FFIRT_ENOSPC && ffirt_cbor_enc_size(&e) == 13,
        "ENOSPC with the size needed");
}

static void malformed(void) {
  static const struct {
    const char *what;
    uint8_t bytes[8];
    size_t len;
  } bad[] = {
      {"truncated uint32", {0x1a, 0x00, 0x01}, 3},
      {"reserved additional info", {0x81, 0x1c}, 2},
      {"array longer than the input", {0x9a, 0xff, 0xff, 0xff, 0xff, 0x00}, 6},
      {"invalid UTF-8", {0x62, 0xc3, 0x28}, 3},
      {"break in place of a map value", {0xbf, 0x01, 0xff}, 3},
      {"trailing bytes", {0x01, 0x02}, 2},
  };
  printf("malformed input is reported with offset and reason:\n");
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    size_t off = 0;
    const char *reason = NULL;
    int rc = ffirt_cbor_validate(bad[i].bytes, bad[i].len, 0, &off, &reason);
    printf("  %-30s -> %s at offset %zu: %s\n", bad[i].what, ffirt_strerror(rc), off,
           reason ? reason : "");
    if (rc == 0) g_failures++;
  }
}

int main(void) {
  printf("ffirt %s - CBOR codec demo\n\n", ffirt_version());
  envelope();
  printf("\n");
  values();
  printf("\n");
  malformed();
  printf("\n%s\n", g_failures ? "demo FAILED" : "demo ok");
  return g_failures ? 1 : 0;
}
