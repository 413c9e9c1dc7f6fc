/*
 * test_tidy.c - the layout pass of the C emitters (src/gen/emit_c_tidy.c):
 * it wraps long lines the way clang-format does for the shapes the emitters
 * write, joins short functions, and never changes anything but whitespace.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gen/c/emit_c.h"

static char *tidy(const char *in) {
  ffirt__gen_writer w;
  ffirt__gen_w_init(&w);
  ffirt__gen_w_printf(&w, "%s", in);
  ffirt__gen_c_tidy(&w);
  assert_false(w.oom);
  return w.buf; /* the caller frees */
}

/* The text without whitespace: what the pass must never change. */
static void squeeze(const char *s, char *out) {
  for (; *s; s++)
    if (*s != ' ' && *s != '\n') *out++ = *s;
  *out = '\0';
}

static void assert_same_tokens(const char *a, const char *b) {
  char *sa = malloc(strlen(a) + 1), *sb = malloc(strlen(b) + 1);
  squeeze(a, sa);
  squeeze(b, sb);
  assert_string_equal(sa, sb);
  free(sa);
  free(sb);
}

static void long_prototypes_wrap_after_the_open_parenthesis(void **state) {
  (void)state;
  const char *in = "int kitchen_sink_set_many(void *ctx, FFICallBack cb, void *ud, int32_t a, "
                   "const char *b, const uint8_t *c, size_t c_len, Color d);\n";
  char *out = tidy(in);
  assert_string_equal(out, "int kitchen_sink_set_many(void *ctx, FFICallBack cb, void *ud, "
                           "int32_t a, const char *b,\n"
                           "                          const uint8_t *c, size_t c_len, Color d);\n");
  assert_same_tokens(in, out);
  free(out);
}

static void a_long_if_puts_its_statement_on_the_next_line(void **state) {
  (void)state;
  const char *in = "    if (copy_EchoRequest(&dst->messages[i], &src->messages[i], err)) return "
                   "err_at_index(err, \"messages\", i);\n";
  char *out = tidy(in);
  assert_string_equal(out, "    if (copy_EchoRequest(&dst->messages[i], &src->messages[i], err))\n"
                           "      return err_at_index(err, \"messages\", i);\n");
  free(out);
}

static void short_functions_join_and_long_one_liners_split(void **state) {
  (void)state;
  char *out = tidy("static void free_args(args *v) {\n  free_Config(&v->config);\n}\n");
  assert_string_equal(out, "static void free_args(args *v) { free_Config(&v->config); }\n");
  free(out);
  const char *in = "static inline void kitchen_sink_ComplexRequest_free(ComplexRequest *v) { "
                   "kitchen_sink__free_ComplexRequest(v); }\n";
  out = tidy(in);
  assert_string_equal(out, "static inline void kitchen_sink_ComplexRequest_free(ComplexRequest *v) "
                           "{\n  kitchen_sink__free_ComplexRequest(v);\n}\n");
  assert_same_tokens(in, out);
  free(out);
}

static void string_literals_are_never_split(void **state) {
  (void)state;
  const char *in = "  ffirt_call_err(call, \"(a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, q, "
                   "r, s, t, u, v, w, x, y, z)\", value_one, value_two);\n";
  char *out = tidy(in);
  assert_non_null(strstr(out, "\"(a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, q, r, s, t, u, "
                              "v, w, x, y, z)\""));
  assert_same_tokens(in, out);
  free(out);
}

static void designated_initializers_that_do_not_fit_go_one_per_line(void **state) {
  (void)state;
  const char *in = "  return ffirt_ctx_emit(ctx, &pair_seen_event, &(const PairSeenPayload){.name "
                   "= name, .count = count, .where_present = where->value_present, .where = "
                   "where->value});\n";
  char *out = tidy(in);
  assert_string_equal(out, "  return ffirt_ctx_emit(ctx, &pair_seen_event,\n"
                           "                        &(const PairSeenPayload){.name = name,\n"
                           "                                                 .count = count,\n"
                           "                                                 .where_present = "
                           "where->value_present,\n"
                           "                                                 .where = "
                           "where->value});\n");
  assert_same_tokens(in, out);
  free(out);
}

static void arguments_too_wide_for_their_column_start_on_the_next_line(void **state) {
  (void)state;
  const char *in =
      "  return b_submit(ctx, cb, ud, &(const b_args){.a = (uint8_t *)a, .a_len = a_len, "
      ".b2 = (uint8_t *)b2, .b2_len = b2_len});\n";
  char *out = tidy(in);
  assert_string_equal(out,
                      "  return b_submit(\n"
                      "      ctx, cb, ud,\n"
                      "      &(const b_args){.a = (uint8_t *)a, .a_len = a_len, .b2 = (uint8_t "
                      "*)b2, .b2_len = b2_len});\n");
  assert_same_tokens(in, out);
  free(out);
}

static void long_sums_break_after_an_operator(void **state) {
  (void)state;
  const char *in =
      "  ffirt_cbor_enc_map(e, 4 + (v->origin_present != 0) + (v->maybeNumbers_present "
      "!= 0) + (v->favourite_present != 0) + (v->nothing_present != 0));\n";
  char *out = tidy(in);
  assert_string_equal(out, "  ffirt_cbor_enc_map(e, 4 + (v->origin_present != 0) + "
                           "(v->maybeNumbers_present != 0) +\n"
                           "                            (v->favourite_present != 0) + "
                           "(v->nothing_present != 0));\n");
  assert_same_tokens(in, out);
  free(out);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(long_prototypes_wrap_after_the_open_parenthesis),
      cmocka_unit_test(a_long_if_puts_its_statement_on_the_next_line),
      cmocka_unit_test(short_functions_join_and_long_one_liners_split),
      cmocka_unit_test(string_literals_are_never_split),
      cmocka_unit_test(designated_initializers_that_do_not_fit_go_one_per_line),
      cmocka_unit_test(arguments_too_wide_for_their_column_start_on_the_next_line),
      cmocka_unit_test(long_sums_break_after_an_operator),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
