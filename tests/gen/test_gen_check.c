/* test_gen_check.c - the checker: resolution, orders, container names,
 * options, use marks, the diagnostics format, and each class of error. */
#include "test_gen_util.h"

#include <stdlib.h>

static size_t decl_index(const ffirt__gen_model *m, const char *name) {
  for (size_t i = 0; i < m->ndecl_order; i++) {
    const ffirt__gen_decl *d = &m->decl_order[i];
    const char *n = d->s ? d->s->name : d->container->cname;
    if (strcmp(n, name) == 0) return i;
  }
  fail_msg("%s not in decl_order", name);
  return 0;
}

static void struct_order_puts_embedded_structs_first(void **state) {
  (void)state;
  parsed p = gen_parse_ok(GEN_PRELUDE "struct Outer { Mid m; seq<Outer> kids; }\n"
                                      "struct Mid { optional<Inner> i; }\nstruct Inner { i64 x; }\n"
                                      "method f(Outer o);\n");
  assert_string_equal(p.m->struct_order[0]->name, "Inner");
  assert_string_equal(p.m->struct_order[1]->name, "Mid");
  assert_string_equal(p.m->struct_order[2]->name, "Outer");
  gen_free(&p);
}

static void nested_containers_get_shared_cnames_innermost_first(void **state) {
  (void)state;
  parsed p = gen_parse_ok(GEN_PRELUDE "struct A { seq<optional<string>> a; optional<seq<i64>> b;\n"
                                      "  seq<optional<string>> c; seq<string> plain; }\n"
                                      "method f(A x) -> seq<seq<optional<string>>>;\n");
  ffirt__gen_struct *s = gen_struct(&p, "A");
  assert_null(s->fields[0].type->cname); /* a field is inlined */
  assert_string_equal(s->fields[0].type->elem->cname, "t_opt_string");
  assert_string_equal(s->fields[1].type->elem->cname, "t_seq_i64");
  assert_ptr_equal(s->fields[2].type->elem->cname, s->fields[0].type->elem->cname);
  assert_null(s->fields[3].type->cname);
  ffirt__gen_type *r = gen_proc(&p, "f")->result;
  assert_string_equal(r->cname, "t_seq_seq_opt_string");
  assert_string_equal(r->elem->cname, "t_seq_opt_string");
  static const char *want[] = {"t_opt_string", "t_seq_i64", "t_seq_opt_string",
                               "t_seq_seq_opt_string"};
  assert_int_equal(p.m->nnested, 4);
  for (size_t i = 0; i < 4; i++)
    assert_string_equal(p.m->nested[i]->cname, want[i]);
  gen_free(&p);
}

static void decl_order_interleaves_structs_and_containers_by_value(void **state) {
  (void)state;
  parsed p =
      gen_parse_ok(GEN_PRELUDE "struct Holder { optional<seq<i64>> x; seq<optional<P>> y; }\n"
                               "struct P { i32 v; }\nmethod f(Holder h);\n");
  /* Holder embeds the box t_seq_i64 by value; the box t_opt_P embeds P */
  assert_true(decl_index(p.m, "t_seq_i64") < decl_index(p.m, "Holder"));
  assert_true(decl_index(p.m, "P") < decl_index(p.m, "t_opt_P"));
  assert_int_equal(p.m->ndecl_order, 4);
  gen_free(&p);
}

static void struct_and_enum_references_resolve(void **state) {
  (void)state;
  parsed p = gen_parse_ok(GEN_PRELUDE "struct T { E e; seq<T> s; }\nenum E { a }\n"
                                      "method f(T s) -> E;\n");
  ffirt__gen_struct *s = gen_struct(&p, "T");
  assert_int_equal(s->fields[0].type->kind, GEN_ENUM);
  assert_ptr_equal(s->fields[0].type->edecl, &p.m->enums[0]);
  assert_ptr_equal(s->fields[1].type->elem->sdecl, s);
  assert_int_equal(gen_proc(&p, "f")->result->kind, GEN_ENUM);
  gen_free(&p);
}

static void use_marks_follow_procedures_events_and_fields(void **state) {
  (void)state;
  parsed p = gen_parse(GEN_PRELUDE "struct A { B b; }\nstruct B { }\nstruct Ev { }\nstruct U { }\n"
                                   "enum Lonely { x }\nmethod f(A a);\nevent e(Ev);\n");
  assert_int_equal(p.d.errors, 0);
  assert_int_equal(p.d.warnings, 2);
  assert_int_equal(gen_struct(&p, "A")->used, 1);
  assert_int_equal(gen_struct(&p, "B")->used, 1);
  assert_int_equal(gen_struct(&p, "Ev")->used, 1);
  assert_int_equal(gen_struct(&p, "U")->used, 0);
  assert_int_equal(p.m->enums[0].used, 0);
  assert_diag_has(&p, "warning: struct 'U' is not used by any procedure or event");
  assert_diag_has(&p, "warning: enum 'Lonely' is not used by any procedure or event");
  gen_free(&p);
}

static void diagnostic_format_is_exact_with_tabs_and_count(void **state) {
  (void)state;
  parsed p = gen_parse(GEN_PRELUDE "struct A {\n\tNope x;\n}\nmethod f(A a);\noption zz = 1;\n");
  ffirt__gen_diag_summary(&p.d);
  assert_string_equal(p.d.out, "t.ffi:6:2: error: unknown type 'Nope'\n"
                               "\tNope x;\n"
                               "\t^\n"
                               "t.ffi:9:13: warning: unknown option 'zz' is ignored (known: "
                               "stale_warn_ms, event_capacity, event_overflow, "
                               "event_block_timeout_ms, liveness_grace_ms)\n"
                               "option zz = 1;\n"
                               "            ^\n"
                               "1 error, 1 warning generated.\n");
  gen_free(&p);
}

static void summary_line_variants(void **state) {
  (void)state;
  ffirt__gen_diag d = {0};
  ffirt__gen_diag_summary(&d);
  assert_null(d.out);
  d.errors = 2;
  ffirt__gen_diag_summary(&d);
  assert_string_equal(d.out, "2 errors generated.\n");
  ffirt__gen_diag_free(&d);
  memset(&d, 0, sizeof d);
  d.warnings = 1;
  ffirt__gen_diag_summary(&d);
  assert_string_equal(d.out, "1 warning generated.\n");
  ffirt__gen_diag_free(&d);
}

static void errors_unknown_and_duplicate_names(void **state) {
  (void)state;
  parsed p =
      gen_parse(GEN_PRELUDE "struct A { B b; i64 x; i64 x; }\nstruct A { }\nenum E { a, a }\n"
                            "method f(A a, A a);\nmethod f();\nevent ev(A);\nevent ev(A);\n"
                            "const i8 K = 1;\nconst i8 K = 2;\n");
  assert_diag_has(&p, "unknown type 'B'");
  assert_diag_has(&p, "duplicate field 'x' in struct 'A'");
  assert_diag_has(&p, "duplicate type 'A'");
  assert_diag_has(&p, "duplicate enumerator 'a' in enum 'E'");
  assert_diag_has(&p, "duplicate parameter 'a' of method 'f'");
  assert_diag_has(&p, "duplicate procedure 'f'");
  assert_diag_has(&p, "duplicate event 'ev'");
  assert_diag_has(&p, "duplicate constant 'K'");
  assert_int_equal(p.d.errors, 8);
  gen_free(&p);
}

static void errors_keywords_reserved_and_generated_symbols(void **state) {
  (void)state;
  parsed p = gen_parse(GEN_PRELUDE "struct int { }\nstruct FFIThing { }\nstruct P { i64 x; }\n"
                                   "method add_event_listener(P p);\nmethod create_cbor(P p);\n"
                                   "method f(P ctx);\nmethod ffirt_x(P p);\nmethod __y(P p);\n"
                                   "event e(P);\nmethod emit_e(P p);\n");
  assert_diag_has(&p, "struct name 'int' is a C keyword");
  assert_diag_has(&p, "struct name 'FFIThing' uses a prefix reserved");
  assert_diag_has(&p, "generates 't_add_event_listener', which clashes with the runtime's");
  assert_diag_has(&p, "generates 't_create_cbor', which clashes with constructor 'create'");
  assert_diag_has(&p, "parameter name 'ctx' clashes");
  assert_diag_has(&p, "method name 'ffirt_x' uses a prefix reserved");
  assert_diag_has(&p, "method name '__y' is reserved in C");
  assert_diag_has(&p,
                  "event 'e' (line 13) generates 't_emit_e', which clashes with method 'emit_e'");
  gen_free(&p);
}

static void errors_missing_and_repeated_ctor_dtor(void **state) {
  (void)state;
  parsed p = gen_parse("library t;\nstate S;\nmethod f();\n");
  assert_int_equal(p.d.errors, 2);
  assert_diag_has(&p, "missing constructor");
  assert_diag_has(&p, "missing destructor");
  gen_free(&p);
  p = gen_parse(GEN_PRELUDE "ctor again();\ndtor again2;\n");
  assert_int_equal(p.d.errors, 2);
  assert_diag_has(&p, "more than one constructor ('again'; the first is 'create' at line 3)");
  assert_diag_has(&p, "more than one destructor ('again2'; the first is 'destroy' at line 4)");
  gen_free(&p);
}

static void errors_recursion_by_value(void **state) {
  (void)state;
  parsed p =
      gen_parse(GEN_PRELUDE "struct N { optional<N> next; }\nstruct A { B b; }\n"
                            "struct B { seq<A> ok; optional<A> bad; }\nmethod f(N n, A a);\n");
  assert_int_equal(p.d.errors, 2);
  assert_diag_has(&p, "struct 'N' contains itself by value: N.next -> N");
  assert_diag_has(&p, "struct 'A' contains itself by value: A.b -> B.bad -> A");
  gen_free(&p);
}

static void errors_invalid_constants(void **state) {
  (void)state;
  parsed p = gen_parse(GEN_PRELUDE "const u8 A = 256;\nconst i16 B = -32769;\nconst i32 C = 1.0;\n"
                                   "const bool D = 0;\nconst string E = false;\n"
                                   "const optional<i8> F = 1;\nconst u32 G = 4294967295;\n");
  assert_int_equal(p.d.errors, 6);
  assert_diag_has(&p, "value 256 of constant 'A' does not fit in u8");
  assert_diag_has(&p, "value -32769 of constant 'B' does not fit in i16");
  assert_diag_has(&p, "constant 'C' of type i32 needs an integer, found 1.0");
  assert_diag_has(&p, "constant 'D' of type bool needs true or false, found 0");
  assert_diag_has(&p, "constant 'E' of type string needs a string, found false");
  assert_diag_has(&p, "constant 'F' has type optional<i8>");
  gen_free(&p);
}

static void errors_invalid_options(void **state) {
  (void)state;
  parsed p =
      gen_parse(GEN_PRELUDE "option event_overflow = drop_newst;\noption event_capacity = 0;\n"
                            "option stale_warn_ms = 1.5;\noption mystery = 1;\n");
  assert_int_equal(p.d.errors, 3);
  assert_int_equal(p.d.warnings, 1);
  assert_diag_has(&p, "option event_overflow must be drop_newest, drop_oldest or block, "
                      "found 'drop_newst' (did you mean 'drop_newest'?)");
  assert_diag_has(&p, "option event_capacity needs an integer from 1 to 16777216, found '0'");
  assert_diag_has(&p, "option stale_warn_ms needs milliseconds");
  assert_diag_has(&p, "warning: unknown option 'mystery'");
  gen_free(&p);
}

static void errors_optional_of_optional_and_type_function_clash(void **state) {
  (void)state;
  parsed p = gen_parse(GEN_PRELUDE "struct t_go { optional<optional<i8>> x; }\n"
                                   "method go(t_go a) -> seq<optional<optional<i8>>>;\n");
  assert_int_equal(p.d.errors, 3);
  assert_diag_has(&p, "t.ffi:5:24: error: optional<optional<...>> cannot be represented");
  assert_diag_has(&p, "t.ffi:6:35: error: optional<optional<...>> cannot be represented");
  assert_diag_has(&p, "method 'go' (line 6) generates 't_go', which clashes with struct 't_go'");
  gen_free(&p);
}

static void errors_event_names(void **state) {
  (void)state;
  parsed p = gen_parse(GEN_PRELUDE "event responding(u64);\nstruct PairSeenPayload { }\n"
                                   "event pair_seen(string a, string a);\n");
  assert_diag_has(&p, "event name 'responding' is a built-in event");
  assert_diag_has(&p, "the payload struct 'PairSeenPayload' generated for event 'pair_seen' "
                      "clashes with the struct declared at line 6");
  gen_free(&p);
}

static void reference_idl_files_check_cleanly(void **state) {
  (void)state;
  static const char *files[] = {FFIRT_GEN_TESTS_DIR "/my_timer.ffi",
                                FFIRT_GEN_TESTS_DIR "/kitchen_sink.ffi"};
  for (size_t i = 0; i < 2; i++) {
    FILE *f = fopen(files[i], "rb");
    assert_non_null(f);
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    parsed p = gen_parse_ok(buf);
    assert_non_null(p.m->ctor);
    assert_non_null(p.m->dtor);
    gen_free(&p);
  }
}

/* An IDL with n methods m0..m<n-1> and a struct of n fields f0..f<n-1>, plus
 * `extra` at the end. malloc'd. */
static char *big_idl(size_t n, const char *extra) {
  size_t cap = 64 * n + 4096, len = 0;
  char *s = malloc(cap);
  assert_non_null(s);
  len += (size_t)snprintf(s + len, cap - len, GEN_PRELUDE "struct Big {\n");
  for (size_t i = 0; i < n; i++)
    len += (size_t)snprintf(s + len, cap - len, "  i64 f%zu;\n", i);
  len += (size_t)snprintf(s + len, cap - len, "}\n");
  for (size_t i = 0; i < n; i++)
    len += (size_t)snprintf(s + len, cap - len, "method m%zu(Big b) -> Big;\n", i);
  snprintf(s + len, cap - len, "%s", extra);
  return s;
}

/* Name lookups are hashed: ten thousand methods and fields check at once
 * (the quadratic checker took minutes; ctest's timeout guards it), and a
 * duplicate of the first name, at the end, is still found. */
static void large_files_check_with_every_duplicate_found(void **state) {
  (void)state;
  char *src = big_idl(FFIRT_GEN_MAX_PROCS - 3, "method m0();\nstruct Big { }\n");
  parsed p = gen_parse(src);
  assert_int_equal(p.d.errors, 2);
  assert_diag_has(&p, "duplicate procedure 'm0'");
  assert_diag_has(&p, "duplicate type 'Big'");
  gen_free(&p);
  free(src);
}

static void procedures_and_fields_have_documented_limits(void **state) {
  (void)state;
  char *src = big_idl(FFIRT_GEN_MAX_FIELDS + 1, "");
  parsed p = gen_parse(src);
  assert_diag_has(&p, "too many fields in struct 'Big' (the limit is 10000)");
  gen_free(&p);
  free(src);
  src = big_idl(10, "");
  size_t len = strlen(src), cap = len + 40 * (size_t)FFIRT_GEN_MAX_PROCS;
  src = realloc(src, cap);
  assert_non_null(src);
  for (size_t i = 0; i < FFIRT_GEN_MAX_PROCS; i++)
    len += (size_t)snprintf(src + len, cap - len, "method x%zu();\n", i);
  p = gen_parse(src);
  assert_diag_has(&p, "too many procedures (the limit is 10000)");
  gen_free(&p);
  free(src);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(struct_order_puts_embedded_structs_first),
      cmocka_unit_test(nested_containers_get_shared_cnames_innermost_first),
      cmocka_unit_test(decl_order_interleaves_structs_and_containers_by_value),
      cmocka_unit_test(struct_and_enum_references_resolve),
      cmocka_unit_test(use_marks_follow_procedures_events_and_fields),
      cmocka_unit_test(diagnostic_format_is_exact_with_tabs_and_count),
      cmocka_unit_test(summary_line_variants),
      cmocka_unit_test(errors_unknown_and_duplicate_names),
      cmocka_unit_test(errors_keywords_reserved_and_generated_symbols),
      cmocka_unit_test(errors_missing_and_repeated_ctor_dtor),
      cmocka_unit_test(errors_recursion_by_value),
      cmocka_unit_test(errors_invalid_constants),
      cmocka_unit_test(errors_invalid_options),
      cmocka_unit_test(errors_optional_of_optional_and_type_function_clash),
      cmocka_unit_test(errors_event_names),
      cmocka_unit_test(reference_idl_files_check_cleanly),
      cmocka_unit_test(large_files_check_with_every_duplicate_found),
      cmocka_unit_test(procedures_and_fields_have_documented_limits),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
