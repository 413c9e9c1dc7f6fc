/*
 * cbor_helper.c - command-line bridge between the ffirt CBOR codec and the
 * Python cross-check (test_cbor2.py). Works on CBOR sequences (items back
 * to back) so one process handles a whole batch:
 *
 *   cbor_helper random SEED COUNT   COUNT random items from our encoder
 *   cbor_helper describe            stdin items -> one JSON line each
 *   cbor_helper reencode            stdin items -> our preferred encoding
 *   cbor_helper diag                stdin items -> diagnostic notation lines
 *
 * The JSON description is typed so that nothing is lost: ["u","5"],
 * ["n","-6"], ["b","<hex>"], ["t","<hex of UTF-8>"], ["a",[...]],
 * ["m",[[k,v],...]], ["tag","<n>",x], ["bool",0|1], ["null"], ["undef"],
 * ["simple",n], ["f","<hex of the IEEE double>"|"nan"]. Malformed input:
 * a message naming the offset on stderr and exit status 2.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ffirt/cbor.h"
#include "unit/cbor_random.h"
#include "unit/cbor_reencode.h"

static uint8_t *read_all(FILE *f, size_t *len) {
  size_t cap = 4096, n = 0;
  uint8_t *buf = malloc(cap);
  size_t got;
  while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
    n += got;
    if (n == cap) {
      uint8_t *nb = realloc(buf, cap * 2);
      if (!nb) {
        free(buf);
        return NULL;
      }
      buf = nb;
      cap *= 2;
    }
  }
  *len = n;
  return buf;
}

static void hex(const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    printf("%02x", p[i]);
}

/* Prints the item at the cursor; returns 0 or the decoder's error. */
static int describe(ffirt_cbor_dec *d) {
  ffirt_cbor_item it;
  int rc = ffirt_cbor_dec_next(d, &it);
  if (rc) return rc == FFIRT_ENOTFOUND ? FFIRT_EMALFORMED : rc;
  switch (it.type) {
  case FFIRT_CBOR_UINT: printf("[\"u\",\"%" PRIu64 "\"]", it.u); break;
  case FFIRT_CBOR_NEGATIVE:
    if (it.u == UINT64_MAX)
      printf("[\"n\",\"-18446744073709551616\"]");
    else
      printf("[\"n\",\"-%" PRIu64 "\"]", it.u + 1);
    break;
  case FFIRT_CBOR_BYTES:
  case FFIRT_CBOR_TEXT: {
    uint8_t *tmp = malloc(it.len ? it.len : 1);
    if (!tmp) return FFIRT_ENOMEM;
    ffirt_cbor_item_copy_string(&it, tmp);
    printf("[\"%s\",\"", it.type == FFIRT_CBOR_BYTES ? "b" : "t");
    hex(tmp, it.len);
    printf("\"]");
    free(tmp);
    break;
  }
  case FFIRT_CBOR_ARRAY:
  case FFIRT_CBOR_MAP: {
    int map = it.type == FFIRT_CBOR_MAP;
    printf("[\"%s\",[", map ? "m" : "a");
    for (size_t i = 0; !ffirt_cbor_dec_at_end(d); i++) {
      if (map)
        printf(i & 1 ? "," : i ? "],[" : "[");
      else if (i)
        printf(",");
      if ((rc = describe(d))) return rc;
      if (map && (i & 1) && ffirt_cbor_dec_at_end(d)) printf("]");
    }
    if ((rc = ffirt_cbor_dec_leave(d))) return rc;
    printf("]]");
    break;
  }
  case FFIRT_CBOR_TAG:
    printf("[\"tag\",\"%" PRIu64 "\",", it.u);
    if ((rc = describe(d))) return rc;
    printf("]");
    break;
  case FFIRT_CBOR_BOOL: printf("[\"bool\",%d]", (int)it.u); break;
  case FFIRT_CBOR_NULL: printf("[\"null\"]"); break;
  case FFIRT_CBOR_UNDEFINED: printf("[\"undef\"]"); break;
  case FFIRT_CBOR_SIMPLE: printf("[\"simple\",%" PRIu64 "]", it.u); break;
  case FFIRT_CBOR_FLOAT:
    if (it.f != it.f) {
      printf("[\"f\",\"nan\"]");
    } else {
      uint8_t be[8];
      uint64_t bits;
      memcpy(&bits, &it.f, 8);
      for (int i = 0; i < 8; i++)
        be[i] = (uint8_t)(bits >> (56 - 8 * i));
      printf("[\"f\",\"");
      hex(be, 8);
      printf("\"]");
    }
    break;
  }
  return 0;
}

static int fail(const ffirt_cbor_dec *d, int rc) {
  char msg[160];
  if (d->err)
    fprintf(stderr, "cbor_helper: %s\n", ffirt_cbor_dec_error(d, msg, sizeof msg));
  else
    fprintf(stderr, "cbor_helper: %s\n", ffirt_strerror(rc));
  return 2;
}

int main(int argc, char **argv) {
  if (argc >= 4 && !strcmp(argv[1], "random")) {
    uint64_t seed = strtoull(argv[2], NULL, 10) * 0x9E3779B97F4A7C15ull + 1;
    long count = strtol(argv[3], NULL, 10);
    for (long i = 0; i < count; i++) {
      cbor_rval *v = cbor_random_value(&seed, 4, CBOR_RANDOM_PYTHON_SUBSET);
      ffirt_cbor_enc e;
      ffirt_cbor_enc_init_dynamic(&e);
      cbor_random_encode(v, &e);
      if (ffirt_cbor_enc_finish(&e)) return 3;
      fwrite(e.buf, 1, e.len, stdout);
      ffirt_cbor_enc_release(&e);
      cbor_random_free(v);
    }
    return 0;
  }
  if (argc != 2 ||
      (strcmp(argv[1], "describe") && strcmp(argv[1], "reencode") && strcmp(argv[1], "diag"))) {
    fprintf(stderr, "usage: cbor_helper random SEED COUNT | describe | reencode | diag\n");
    return 64;
  }
  size_t len;
  uint8_t *buf = read_all(stdin, &len);
  if (!buf) return 3;
  ffirt_cbor_dec d;
  ffirt_cbor_dec_init(&d, buf, len);
  int status = 0;
  while (!ffirt_cbor_dec_at_end(&d)) {
    size_t start = d.pos;
    int rc = ffirt_cbor_dec_skip(&d); /* validates the whole item first */
    if (rc) {
      status = fail(&d, rc);
      break;
    }
    if (!strcmp(argv[1], "describe")) {
      ffirt_cbor_dec one;
      ffirt_cbor_dec_init(&one, buf + start, d.pos - start);
      rc = describe(&one);
      ffirt_cbor_dec_release(&one);
      printf("\n");
    } else if (!strcmp(argv[1], "reencode")) {
      uint8_t *out;
      size_t n;
      rc = cbor_reencode(buf + start, d.pos - start, &out, &n);
      if (!rc) {
        fwrite(out, 1, n, stdout);
        ffirt_free(out);
      }
    } else {
      char *text;
      rc = ffirt_cbor_to_diag(buf + start, d.pos - start, &text);
      if (!rc) {
        printf("%s\n", text);
        ffirt_free(text);
      }
    }
    if (rc) {
      status = fail(&d, rc);
      break;
    }
  }
  ffirt_cbor_dec_release(&d);
  free(buf);
  return status;
}
