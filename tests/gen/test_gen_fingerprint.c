/* test_gen_fingerprint.c - the ABI fingerprint: equal for the same
 * interface written differently, different for any change a host header
 * bakes in. */
#include "test_gen_util.h"

static uint64_t fp(const char *src) {
  parsed p = gen_parse_ok(src);
  uint64_t h = ffirt__gen_fingerprint(p.m);
  gen_free(&p);
  return h;
}

#define BASE                                                                                       \
  "library t;\nstate S;\nstruct P { string name; i64 n; }\nenum C { red, green = \"g\" }\n"        \
  "const i32 MAX = 4;\nevent on_p(P);\nctor create(P p);\nmethod m(P p, C c) -> P;\n"              \
  "static s() -> string;\ndtor destroy;\n"

static void same_interface_written_differently_has_one_fingerprint(void **state) {
  (void)state;
  uint64_t base = fp(BASE);
  /* docs, comments, whitespace and options do not count */
  assert_true(fp("/// doc\nlibrary t;\n// c\nstate S;\nstruct P {\n  string name; /// the name\n"
                 "  i64 n;\n}\nenum C { red, green = \"g\" }\nconst i32 MAX = 4;\n"
                 "/// fired\nevent on_p(P);\nctor create(P p);\nmethod m(P p, C c) -> P;\n"
                 "static s() -> string;\ndtor destroy;\noption event_capacity = 8;\n") == base);
}

static void every_change_a_host_bakes_in_changes_the_fingerprint(void **state) {
  (void)state;
  uint64_t base = fp(BASE);
  static const char *const variants[] = {
      /* field order */
      "library t;\nstate S;\nstruct P { i64 n; string name; }\nenum C { red, green = \"g\" }\n"
      "const i32 MAX = 4;\nevent on_p(P);\nctor create(P p);\nmethod m(P p, C c) -> P;\n"
      "static s() -> string;\ndtor destroy;\n",
      /* field type */
      "library t;\nstate S;\nstruct P { string name; i32 n; }\nenum C { red, green = \"g\" }\n"
      "const i32 MAX = 4;\nevent on_p(P);\nctor create(P p);\nmethod m(P p, C c) -> P;\n"
      "static s() -> string;\ndtor destroy;\n",
      /* wire text of an enumerator */
      "library t;\nstate S;\nstruct P { string name; i64 n; }\nenum C { red, green = \"G\" }\n"
      "const i32 MAX = 4;\nevent on_p(P);\nctor create(P p);\nmethod m(P p, C c) -> P;\n"
      "static s() -> string;\ndtor destroy;\n",
      /* ordinal */
      "library t;\nstate S;\nstruct P { string name; i64 n; }\nenum C { red = 1, green = \"g\" }\n"
      "const i32 MAX = 4;\nevent on_p(P);\nctor create(P p);\nmethod m(P p, C c) -> P;\n"
      "static s() -> string;\ndtor destroy;\n",
      /* constant value */
      "library t;\nstate S;\nstruct P { string name; i64 n; }\nenum C { red, green = \"g\" }\n"
      "const i32 MAX = 5;\nevent on_p(P);\nctor create(P p);\nmethod m(P p, C c) -> P;\n"
      "static s() -> string;\ndtor destroy;\n",
      /* result type */
      "library t;\nstate S;\nstruct P { string name; i64 n; }\nenum C { red, green = \"g\" }\n"
      "const i32 MAX = 4;\nevent on_p(P);\nctor create(P p);\nmethod m(P p, C c) -> string;\n"
      "static s() -> string;\ndtor destroy;\n",
      /* parameter name (a CBOR request key) */
      "library t;\nstate S;\nstruct P { string name; i64 n; }\nenum C { red, green = \"g\" }\n"
      "const i32 MAX = 4;\nevent on_p(P);\nctor create(P q);\nmethod m(P p, C c) -> P;\n"
      "static s() -> string;\ndtor destroy;\n",
      /* event name */
      "library t;\nstate S;\nstruct P { string name; i64 n; }\nenum C { red, green = \"g\" }\n"
      "const i32 MAX = 4;\nevent on_q(P);\nctor create(P p);\nmethod m(P p, C c) -> P;\n"
      "static s() -> string;\ndtor destroy;\n",
      /* library name */
      "library u;\nstate S;\nstruct P { string name; i64 n; }\nenum C { red, green = \"g\" }\n"
      "const i32 MAX = 4;\nevent on_p(P);\nctor create(P p);\nmethod m(P p, C c) -> P;\n"
      "static s() -> string;\ndtor destroy;\n",
      /* a method more */
      BASE "method extra();\n",
  };
  for (size_t i = 0; i < sizeof variants / sizeof variants[0]; i++)
    if (fp(variants[i]) == base) fail_msg("variant %zu has the base fingerprint", i);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(same_interface_written_differently_has_one_fingerprint),
      cmocka_unit_test(every_change_a_host_bakes_in_changes_the_fingerprint),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
