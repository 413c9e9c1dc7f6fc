/* test_gen_cddl.c - the CDDL emitter: text escapes, optional members,
 * request/response rules, the event envelope with the built-in events. */
#include "test_gen_util.h"

#include <stdlib.h>
#include <unistd.h>

#include "emit.h"

/* Emits the CDDL of src into a temporary directory and returns its text. */
static char *cddl_of(const char *src) {
  parsed p = gen_parse_ok(src);
  char dir[] = "/tmp/test_gen_cddl.XXXXXX";
  assert_non_null(mkdtemp(dir));
  assert_int_equal(ffirt__gen_emit_cddl(p.m, dir), 0);
  char path[128];
  snprintf(path, sizeof path, "%s/t.cddl", dir);
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  static char buf[1 << 16];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  buf[n] = '\0';
  fclose(f);
  unlink(path);
  rmdir(dir);
  gen_free(&p);
  return buf;
}

static void assert_has(const char *text, const char *needle) {
  if (!strstr(text, needle)) fail_msg("missing in the CDDL: %s\n---\n%s", needle, text);
}

static void enum_wire_texts_are_escaped(void **state) {
  (void)state;
  const char *c = cddl_of(GEN_PRELUDE "enum E { a = \"q\\\"uote\", b = \"back\\\\slash\", c }\n"
                                      "method m(E e);\n");
  assert_has(c, "E = \"q\\\"uote\" / \"back\\\\slash\" / \"c\"\n");
}

static void structs_requests_and_responses(void **state) {
  (void)state;
  const char *c = cddl_of(GEN_PRELUDE "/// A.\nstruct A { i8 x; optional<string> note; "
                                      "seq<optional<f32>> v; }\nstruct E { }\n"
                                      "method m(A a, bytes b) -> seq<A>;\nstatic s(E e);\n");
  assert_has(c, "; A.\nA = {\n  x: i8,\n  ? note: tstr / null,\n  v: [* (float32 / null)],\n}\n");
  assert_has(c, "E = {}\n");
  assert_has(c, "i8 = -128..127\n");
  assert_has(c, "m-request = {\n  a: A,\n  b: bstr,\n}\nm-response = [* A]\n");
  assert_has(c, "s-request = {\n  e: E,\n}\ns-response = null\n");
  assert_has(c, "create-request = {}\ncreate-response = tstr");
  assert_null(strstr(c, "destroy-request")); /* the destructor has no CBOR form */
}

static void event_envelope_lists_every_event_and_the_built_in_ones(void **state) {
  (void)state;
  const char *c = cddl_of(GEN_PRELUDE "struct P { }\nevent one(P);\nevent two(string a, u8 b);\n");
  assert_has(c, "event-envelope = one-event\n  / two-event\n  / not_responding-event\n"
                "  / responding-event\n  / dropped_events-event\n");
  assert_has(c, "one-event = { eventType: \"one\", payload: P }\n");
  assert_has(c, "two-event = { eventType: \"two\", payload: TwoPayload }\n");
  assert_has(c, "TwoPayload = {\n  a: tstr,\n  b: u8,\n}\n");
  assert_has(c, "not_responding-event = { eventType: \"not_responding\", payload: {} }\n");
  assert_has(c, "dropped_events-event = { eventType: \"dropped_events\", payload: u64 }\n");
}

static void doc_comments_become_cddl_comments_star_slash_made_safe(void **state) {
  (void)state;
  const char *c = cddl_of(GEN_PRELUDE "/// ends */ here\nstruct P { i8 x; /// x */\n}\n"
                                      "method m(P p);\n");
  assert_has(c, "; ends *\\/ here\nP = {\n  ; x *\\/\n  x: i8,\n}\n");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(enum_wire_texts_are_escaped),
      cmocka_unit_test(structs_requests_and_responses),
      cmocka_unit_test(event_envelope_lists_every_event_and_the_built_in_ones),
      cmocka_unit_test(doc_comments_become_cddl_comments_star_slash_made_safe),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
