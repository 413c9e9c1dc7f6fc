/*
 * test_kitchen_limits.c - the generated glue and CBOR host header against
 * hostile native input: recursion without end (deep and cyclic graphs),
 * text that is not UTF-8, enum values without an enumerator, lengths near
 * SIZE_MAX, error texts cut inside a character, text with a NUL.
 *
 * The glue is compiled into this test (#include) to reach its static
 * functions, next to the CBOR host header (they share a translation unit by
 * design); no context is needed for what is tested here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kitchen_sink_cbor.h"
#include "kitchen_sink_ffi.c"

#include "harness.h"

/* A chain of n Everything nodes, each the only child of the one before. */
static Everything *chain(size_t n) {
  Everything *nodes = calloc(n, sizeof *nodes);
  assert_non_null(nodes);
  for (size_t i = 0; i < n; i++) {
    nodes[i].scalars.text = "x";
    if (i + 1 < n) {
      nodes[i].children = &nodes[i + 1];
      nodes[i].children_len = 1;
    }
  }
  return nodes;
}

static void native_copy_of_a_deep_tree_stops_at_the_nesting_limit(void **state) {
  (void)state;
  Everything *nodes = chain(300000); /* would overflow the stack unbounded */
  Everything copy;
  kitchen_sink__ffi_gen_err err;
  kitchen_sink__ffi_err_init(&err);
  assert_int_not_equal(kitchen_sink__ffi_copy_Everything(&copy, &nodes[0], &err), 0);
  kitchen_sink__ffi_free_Everything(&copy);
  assert_int_equal(err.code, FFIRT_EDEPTH);
  char text[384];
  kitchen_sink__ffi_err_text(&err, "e", text, sizeof text);
  assert_non_null(strstr(text, "nesting deeper than 64"));
  assert_non_null(strstr(text, "children[0].children[0]"));
  /* 64 levels are fine */
  kitchen_sink__ffi_err_init(&err);
  assert_int_equal(kitchen_sink__ffi_copy_Everything(&copy, &nodes[300000 - 64], &err), 0);
  kitchen_sink__ffi_free_Everything(&copy);
  free(nodes);
}

static void native_copy_and_encode_of_a_cyclic_graph_end(void **state) {
  (void)state;
  /* a node whose two children are itself: 2^n paths, any walk must stop
   * at the limit and not visit them all */
  Everything node;
  memset(&node, 0, sizeof node);
  node.scalars.text = "loop";
  Everything kids[2];
  node.children = kids;
  node.children_len = 2;
  kids[0] = node;
  kids[1] = node;
  Everything copy;
  kitchen_sink__ffi_gen_err err;
  kitchen_sink__ffi_err_init(&err);
  assert_int_not_equal(kitchen_sink__ffi_copy_Everything(&copy, &node, &err), 0);
  kitchen_sink__ffi_free_Everything(&copy);
  assert_int_equal(err.code, FFIRT_EDEPTH);

  ffirt_cbor_enc e;
  ffirt_cbor_enc_init_dynamic(&e);
  assert_int_equal(kitchen_sink__ffi_encode_Everything(&e, &node), FFIRT_EDEPTH);
  ffirt_cbor_enc_release(&e);

  uint8_t *out = NULL;
  size_t out_len = 0;
  assert_int_not_equal(kitchen_sink_Everything_encode(&node, &out, &out_len), 0);
  free(out);
}

static void native_encode_of_a_deep_tree_fails_with_edepth(void **state) {
  (void)state;
  Everything *nodes = chain(300000);
  ffirt_cbor_enc e;
  ffirt_cbor_enc_init_dynamic(&e);
  assert_int_equal(kitchen_sink__ffi_encode_Everything(&e, &nodes[0]), FFIRT_EDEPTH);
  ffirt_cbor_enc_release(&e);
  uint8_t *out = NULL;
  size_t out_len = 0;
  assert_int_not_equal(kitchen_sink_Everything_encode(&nodes[0], &out, &out_len), 0);
  free(out);
  free(nodes);
}

static void native_text_that_is_not_utf8_is_refused_naming_the_field(void **state) {
  (void)state;
  Everything e;
  memset(&e, 0, sizeof e);
  e.scalars.text = "ok";
  const char *names[2] = {"fine", "\xc3\x28"};
  kitchen_sink_opt_string maybe[2] = {{1, names[0]}, {1, names[1]}};
  e.containers.maybeNames = maybe;
  e.containers.maybeNames_len = 2;
  Everything copy;
  kitchen_sink__ffi_gen_err err;
  kitchen_sink__ffi_err_init(&err);
  assert_int_not_equal(kitchen_sink__ffi_copy_Everything(&copy, &e, &err), 0);
  kitchen_sink__ffi_free_Everything(&copy);
  char text[384];
  kitchen_sink__ffi_err_text(&err, "e", text, sizeof text);
  assert_string_equal(text, "containers.maybeNames[1]: text is not valid UTF-8");

  e.containers.maybeNames_len = 0;
  e.scalars.text = "\xff";
  kitchen_sink__ffi_err_init(&err);
  assert_int_not_equal(kitchen_sink__ffi_copy_Everything(&copy, &e, &err), 0);
  kitchen_sink__ffi_free_Everything(&copy);
  kitchen_sink__ffi_err_text(&err, "e", text, sizeof text);
  assert_string_equal(text, "scalars.text: text is not valid UTF-8");

  /* and nothing encodes it either (native replies and event payloads) */
  ffirt_cbor_enc enc;
  ffirt_cbor_enc_init_dynamic(&enc);
  assert_int_equal(kitchen_sink__ffi_encode_Everything(&enc, &e), FFIRT_EMALFORMED);
  ffirt_cbor_enc_release(&enc);
}

static void enum_without_enumerator_is_erange_on_every_native_path(void **state) {
  (void)state;
  Scalars s;
  memset(&s, 0, sizeof s);
  s.text = "";
  s.color = (Color)77;
  Scalars copy;
  kitchen_sink__ffi_gen_err err;
  kitchen_sink__ffi_err_init(&err);
  assert_int_not_equal(kitchen_sink__ffi_copy_Scalars(&copy, &s, &err), 0);
  kitchen_sink__ffi_free_Scalars(&copy);
  assert_int_equal(err.code, FFIRT_ERANGE);
  ffirt_cbor_enc enc;
  ffirt_cbor_enc_init_dynamic(&enc);
  assert_int_equal(kitchen_sink__ffi_encode_Scalars(&enc, &s), FFIRT_ERANGE);
  ffirt_cbor_enc_release(&enc);
  /* the check native results go through */
  kitchen_sink__ffi_err_init(&err);
  assert_int_not_equal(kitchen_sink__ffi_check_Scalars(&s, &err), 0);
  assert_int_equal(err.code, FFIRT_ERANGE);
  char text[384];
  kitchen_sink__ffi_err_text(&err, "result", text, sizeof text);
  assert_string_equal(text, "color: invalid Color value 77");
  s.color = Color_red;
  kitchen_sink__ffi_err_init(&err);
  assert_int_equal(kitchen_sink__ffi_check_Scalars(&s, &err), 0);
}

static int is_utf8(const char *s, size_t n) { return ffirt_utf8_valid((const uint8_t *)s, n); }

static void unknown_key_text_is_cut_at_a_character_boundary(void **state) {
  (void)state;
  /* {"req": {<63 x 'a' then "é..." as the key>: 1}} for echo_scalars: the
   * 64-byte cut would fall inside the two-byte é */
  uint8_t req[256];
  size_t n = 0;
  req[n++] = 0xa1;
  req[n++] = 0x61;
  req[n++] = 's';
  req[n++] = 0xa1;
  req[n++] = 0x78; /* text, 1-byte length */
  req[n++] = 80;
  memset(req + n, 'a', 63);
  n += 63;
  for (int i = 0; i < 8; i++) {
    req[n++] = 0xc3;
    req[n++] = 0xa9;
  }
  req[n++] = 0x01;
  kitchen_sink__ffi_gen_dec c;
  kitchen_sink__ffi_echo_scalars_args args;
  memset(&args, 0, sizeof args);
  kitchen_sink__ffi_dec_init(&c, req, n);
  assert_int_not_equal(
      kitchen_sink__ffi_dec_finish(&c, kitchen_sink__ffi_decode__echo_scalars_args(&c, &args)), 0);
  kitchen_sink__ffi_free__echo_scalars_args(&args);
  char text[384];
  size_t len = kitchen_sink__ffi_err_text(&c.err, "request", text, sizeof text);
  assert_true(is_utf8(text, len));
  assert_non_null(strstr(text, "unknown key"));
}

static int replied;
static char reply_text[512];

static void on_err(int ret, const char *msg, size_t len, void *ud) {
  (void)ud;
  assert_int_equal(ret, RET_ERR);
  replied++;
  snprintf(reply_text, sizeof reply_text, "%.*s", (int)len, msg);
}

static void cbor_exports_refuse_lengths_near_size_max(void **state) {
  (void)state;
  const uint8_t req[1] = {0xa0};
  for (size_t k = 1; k <= 64; k++) {
    size_t len = (size_t)0 - k;
    replied = 0;
    assert_int_equal(kitchen_sink_echo_scalars_cbor(NULL, on_err, NULL, req, len), RET_ERR);
    assert_int_equal(kitchen_sink_set_many_cbor(NULL, on_err, NULL, req, len), RET_ERR);
    assert_int_equal(kitchen_sink_add_cbor(on_err, NULL, req, len), RET_ERR);
    assert_null(kitchen_sink_create_cbor(req, len, on_err, NULL));
    assert_int_equal(replied, 4);
  }
  assert_non_null(strstr(reply_text, "length"));
}

static void host_decoders_refuse_text_with_a_nul(void **state) {
  (void)state;
  /* {"name": "h\0i"} as a Config */
  const uint8_t msg[] = {0xa1, 0x64, 'n', 'a', 'm', 'e', 0x63, 'h', 0x00, 'i'};
  Config out;
  char err[128];
  assert_int_not_equal(kitchen_sink_Config_decode(msg, sizeof msg, &out, err, sizeof err), 0);
  assert_non_null(strstr(err, "NUL"));
}

/* argv[1]: run only the tests matching this pattern (cmocka's filter). */
int main(int argc, char **argv) {
  if (argc > 1) cmocka_set_test_filter(argv[1]);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(native_copy_of_a_deep_tree_stops_at_the_nesting_limit),
      cmocka_unit_test(native_copy_and_encode_of_a_cyclic_graph_end),
      cmocka_unit_test(native_encode_of_a_deep_tree_fails_with_edepth),
      cmocka_unit_test(native_text_that_is_not_utf8_is_refused_naming_the_field),
      cmocka_unit_test(enum_without_enumerator_is_erange_on_every_native_path),
      cmocka_unit_test(unknown_key_text_is_cut_at_a_character_boundary),
      cmocka_unit_test(cbor_exports_refuse_lengths_near_size_max),
      cmocka_unit_test(host_decoders_refuse_text_with_a_nul),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
