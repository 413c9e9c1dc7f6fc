/* test_gen_parse.c - one test per grammar rule of the IDL (docs/idl.md),
 * plus syntax error recovery. */
#include "test_gen_util.h"

static void rule_library_sets_the_prefix_and_its_doc(void **state) {
  (void)state;
  parsed p = gen_parse_ok("/// The lib.\n" GEN_PRELUDE);
  assert_string_equal(p.m->library, "t");
  assert_int_equal(p.m->library_doc.count, 1);
  assert_string_equal(p.m->library_doc.lines[0], "The lib.");
  assert_int_equal(p.m->library_loc.line, 2);
  assert_int_equal(p.m->library_loc.col, 9);
  gen_free(&p);
}

static void rule_library_must_come_first_and_once(void **state) {
  (void)state;
  parsed p = gen_parse("state S;\nlibrary t;\nlibrary u;\nctor c();\ndtor d;\n");
  assert_int_equal(p.d.errors, 2);
  assert_diag_has(&p, "t.ffi:2:1: error: 'library' must be the first declaration");
  assert_diag_has(&p, "t.ffi:3:1: error: duplicate 'library' declaration");
  assert_string_equal(p.m->library, "t");
  gen_free(&p);
  p = gen_parse("state S;\n");
  assert_diag_has(&p, "t.ffi:1:1: error: missing 'library <name>;'");
  gen_free(&p);
}

static void rule_state_names_the_opaque_type(void **state) {
  (void)state;
  parsed p = gen_parse_ok("library t;\n/// My state.\nstate MyState;\nctor c();\ndtor d;\n");
  assert_string_equal(p.m->state, "MyState");
  assert_string_equal(p.m->state_doc.lines[0], "My state.");
  gen_free(&p);
}

static void rule_struct_with_fields_docs_and_optional_semicolon(void **state) {
  (void)state;
  parsed p = gen_parse_ok(GEN_PRELUDE "/// A point.\nstruct P {\n  /// x axis\n  i32 x; /// (px)\n"
                                      "  i32 y;\n};\nstruct E { }\nmethod m(P p, E e);\n");
  ffirt__gen_struct *s = gen_struct(&p, "P");
  assert_int_equal(s->nfields, 2);
  assert_string_equal(s->doc.lines[0], "A point.");
  assert_string_equal(s->fields[0].name, "x");
  assert_int_equal(s->fields[0].type->kind, GEN_I32);
  assert_int_equal(s->fields[0].doc.count, 2);
  assert_string_equal(s->fields[0].doc.lines[0], "x axis");
  assert_string_equal(s->fields[0].doc.lines[1], "(px)");
  assert_int_equal(s->fields[1].doc.count, 0);
  assert_int_equal(gen_struct(&p, "E")->nfields, 0);
  gen_free(&p);
}

static void rule_type_every_builtin_and_nested_containers(void **state) {
  (void)state;
  parsed p = gen_parse_ok(GEN_PRELUDE
                          "struct A { bool a; i8 b; i16 c; i32 d; i64 e; u8 f; u16 g; u32 h;\n"
                          "  u64 i; f32 j; f64 k; string l; bytes m; seq<optional<string>> n;\n"
                          "  optional<seq<i64>> o; A2 p; }\nstruct A2 { }\nmethod m(A a);\n");
  ffirt__gen_struct *s = gen_struct(&p, "A");
  static const ffirt__gen_kind want[] = {
      GEN_BOOL, GEN_I8,  GEN_I16, GEN_I32,    GEN_I64,   GEN_U8,  GEN_U16,      GEN_U32,
      GEN_U64,  GEN_F32, GEN_F64, GEN_STRING, GEN_BYTES, GEN_SEQ, GEN_OPTIONAL, GEN_STRUCT};
  assert_int_equal(s->nfields, 16);
  for (size_t i = 0; i < 16; i++)
    assert_int_equal(s->fields[i].type->kind, want[i]);
  assert_int_equal(s->fields[13].type->elem->kind, GEN_OPTIONAL);
  assert_int_equal(s->fields[13].type->elem->elem->kind, GEN_STRING);
  assert_int_equal(s->fields[14].type->elem->kind, GEN_SEQ);
  assert_int_equal(s->fields[14].type->elem->elem->kind, GEN_I64);
  assert_string_equal(s->fields[15].type->name, "A2");
  assert_ptr_equal(s->fields[15].type->sdecl, gen_struct(&p, "A2"));
  gen_free(&p);
}

static void rule_type_errors(void **state) {
  (void)state;
  parsed p = gen_parse(GEN_PRELUDE "struct A { seq x; i64<i8> y; optional<> z; seq<i8 w; }\n");
  assert_int_equal(p.d.errors, 4);
  assert_diag_has(&p, "expected '<' after 'seq' (write seq<T>)");
  assert_diag_has(&p, "type 'i64' takes no type arguments");
  assert_diag_has(&p, "expected a type, found '>'");
  assert_diag_has(&p, "expected '>' to close the type arguments, found 'w'");
  gen_free(&p);
}

static void rule_enum_wire_texts_and_ordinals(void **state) {
  (void)state;
  parsed p = gen_parse_ok(GEN_PRELUDE "/// C.\nenum C { a, b = \"B\", c = 7, d = \"D\" = 9, e, }\n"
                                      "method m(C c);\n");
  assert_int_equal(p.m->nenums, 1);
  ffirt__gen_enum *e = &p.m->enums[0];
  assert_int_equal(e->nitems, 5);
  static const char *wire[] = {"a", "B", "c", "D", "e"};
  static const int64_t value[] = {0, 1, 7, 9, 10};
  static const int has[] = {0, 0, 1, 1, 0};
  for (size_t i = 0; i < 5; i++) {
    assert_string_equal(e->items[i].wire, wire[i]);
    assert_int_equal(e->items[i].value, value[i]);
    assert_int_equal(e->items[i].has_value, has[i]);
  }
  assert_string_equal(e->doc.lines[0], "C.");
  gen_free(&p);
}

static void rule_enumerator_docs_before_and_after(void **state) {
  (void)state;
  parsed p =
      gen_parse_ok(GEN_PRELUDE "enum C {\n  /// first\n  a, /// trailing a\n  b /// last\n}\n"
                               "method m(C c);\n");
  ffirt__gen_enum *e = &p.m->enums[0];
  assert_int_equal(e->items[0].doc.count, 2);
  assert_string_equal(e->items[0].doc.lines[0], "first");
  assert_string_equal(e->items[0].doc.lines[1], "trailing a");
  assert_int_equal(e->items[1].doc.count, 1);
  assert_string_equal(e->items[1].doc.lines[0], "last");
  gen_free(&p);
}

static void rule_const_of_every_literal_kind(void **state) {
  (void)state;
  parsed p =
      gen_parse_ok(GEN_PRELUDE "const i8 A = -128;\nconst u64 B = 0xFFFFFFFFFFFFFFFF;\n"
                               "const f64 C = 2.5e-3;\nconst f32 D = 2;\nconst bool E = true;\n"
                               "/// s\nconst string F = \"x\\ty\";\n");
  assert_int_equal(p.m->nconsts, 6);
  ffirt__gen_const *k = p.m->consts;
  assert_int_equal(k[0].vkind, GEN_CONST_INT);
  assert_int_equal(k[0].i, -128);
  assert_int_equal(k[1].is_unsigned, 1);
  assert_true(k[1].u == UINT64_MAX);
  assert_string_equal(k[1].literal, "0xFFFFFFFFFFFFFFFF");
  assert_int_equal(k[2].vkind, GEN_CONST_FLOAT);
  assert_true(k[2].f == 2.5e-3);
  assert_int_equal(k[3].vkind, GEN_CONST_FLOAT); /* an integer literal for a float type */
  assert_true(k[3].f == 2.0);
  assert_int_equal(k[4].vkind, GEN_CONST_BOOL);
  assert_int_equal(k[4].b, 1);
  assert_int_equal(k[5].vkind, GEN_CONST_STRING);
  assert_string_equal(k[5].s, "x\ty");
  assert_string_equal(k[5].doc.lines[0], "s");
  gen_free(&p);
}

static void rule_ctor_and_dtor(void **state) {
  (void)state;
  parsed p = gen_parse_ok("library t;\nstate S;\nstruct C { }\n/// make\nctor make(C c, i64 n);\n"
                          "/// drop\ndtor drop;\n");
  assert_non_null(p.m->ctor);
  assert_string_equal(p.m->ctor->name, "make");
  assert_int_equal(p.m->ctor->kind, GEN_CTOR);
  assert_int_equal(p.m->ctor->nparams, 2);
  assert_string_equal(p.m->ctor->params[1].name, "n");
  assert_null(p.m->ctor->result);
  assert_string_equal(p.m->ctor->doc.lines[0], "make");
  assert_string_equal(p.m->dtor->name, "drop");
  assert_int_equal(p.m->dtor->nparams, 0);
  assert_int_equal(p.m->nprocs, 2);
  gen_free(&p);
}

static void rule_ctor_has_no_result_and_dtor_no_params(void **state) {
  (void)state;
  parsed p = gen_parse("library t;\nstate S;\nctor c() -> i64;\ndtor d();\n");
  assert_diag_has(&p, "t.ffi:3:10: error: a constructor has no result type");
  assert_diag_has(&p, "t.ffi:4:7: error: a destructor takes no parameters (write 'dtor d;')");
  gen_free(&p);
}

static void rule_method_with_and_without_result(void **state) {
  (void)state;
  parsed p = gen_parse_ok(GEN_PRELUDE "method a() -> seq<string>;\nmethod b(i64 x, string y);\n");
  ffirt__gen_proc *a = gen_proc(&p, "a"), *b = gen_proc(&p, "b");
  assert_int_equal(a->kind, GEN_METHOD);
  assert_int_equal(a->nparams, 0);
  assert_int_equal(a->result->kind, GEN_SEQ);
  assert_null(b->result);
  assert_int_equal(b->nparams, 2);
  assert_int_equal(b->params[1].type->kind, GEN_STRING);
  gen_free(&p);
}

static void rule_static(void **state) {
  (void)state;
  parsed p = gen_parse_ok(GEN_PRELUDE "/// v\nstatic version() -> string;\n");
  ffirt__gen_proc *v = gen_proc(&p, "version");
  assert_int_equal(v->kind, GEN_STATIC);
  assert_int_equal(v->result->kind, GEN_STRING);
  assert_string_equal(v->doc.lines[0], "v");
  gen_free(&p);
}

static void rule_event_single_payload(void **state) {
  (void)state;
  parsed p = gen_parse_ok(GEN_PRELUDE "struct E { i64 n; }\n/// fired\nevent on_e(E);\n"
                                      "event tick(u64);\n");
  assert_int_equal(p.m->nevents, 2);
  ffirt__gen_event *e = &p.m->events[0];
  assert_string_equal(e->wire, "on_e");
  assert_int_equal(e->nparams, 1);
  assert_null(e->params[0].name);
  assert_ptr_equal(e->payload->sdecl, gen_struct(&p, "E"));
  assert_string_equal(e->doc.lines[0], "fired");
  assert_int_equal(p.m->events[1].payload->kind, GEN_U64);
  gen_free(&p);
}

static void rule_event_several_params_synthesize_a_payload_struct(void **state) {
  (void)state;
  parsed p = gen_parse_ok(GEN_PRELUDE "event pair_seen(string a, i64 b);\n");
  ffirt__gen_event *e = &p.m->events[0];
  assert_int_equal(e->nparams, 2);
  ffirt__gen_struct *s = gen_struct(&p, "PairSeenPayload");
  assert_int_equal(s->synthesized, 1);
  assert_int_equal(s->used, 1);
  assert_int_equal(s->nfields, 2);
  assert_string_equal(s->fields[0].name, "a");
  assert_int_equal(s->fields[1].type->kind, GEN_I64);
  assert_int_equal(e->payload->kind, GEN_STRUCT);
  assert_ptr_equal(e->payload->sdecl, s);
  /* appended after the declared structs */
  assert_ptr_equal(&p.m->structs[p.m->nstructs - 1], s);
  gen_free(&p);
}

static void rule_event_needs_a_payload(void **state) {
  (void)state;
  parsed p = gen_parse(GEN_PRELUDE "event e();\nevent f(string, i64 b);\n");
  assert_int_equal(p.d.errors, 2);
  assert_diag_has(&p, "event 'e' needs a payload");
  assert_diag_has(&p, "parameter 1 of event 'f' needs a name");
  gen_free(&p);
}

static void rule_option_values(void **state) {
  (void)state;
  parsed p = gen_parse_ok(GEN_PRELUDE "option stale_warn_ms = 0;\noption event_capacity = 8;\n"
                                      "option event_overflow = \"block\";\n"
                                      "option event_block_timeout_ms = 7;\n");
  assert_int_equal(p.m->noptions, 4);
  assert_string_equal(p.m->options[2].key, "event_overflow");
  assert_string_equal(p.m->options[2].value, "block");
  assert_int_equal(p.m->opt_stale_warn_ms, 0);
  assert_int_equal(p.m->opt_event_capacity, 8);
  assert_int_equal(p.m->opt_event_overflow, 2);
  assert_int_equal(p.m->opt_event_block_ms, 7);
  gen_free(&p);
}

static void option_defaults_without_options(void **state) {
  (void)state;
  parsed p = gen_parse_ok(GEN_PRELUDE);
  assert_int_equal(p.m->opt_stale_warn_ms, 5000);
  assert_int_equal(p.m->opt_event_capacity, 1024);
  assert_int_equal(p.m->opt_event_overflow, 0);
  assert_int_equal(p.m->opt_event_block_ms, 100);
  gen_free(&p);
}

static void trailing_docs_on_declarations(void **state) {
  (void)state;
  parsed p = gen_parse_ok("library t; /// lib\nstate S; /// st\n/// one\nconst i8 K = 1; /// two\n"
                          "ctor c(); /// mk\ndtor d; /// rm\nevent e(u8); /// ev\n"
                          "option event_capacity = 2; /// cap\n");
  assert_string_equal(p.m->library_doc.lines[0], "lib");
  assert_string_equal(p.m->state_doc.lines[0], "st");
  assert_int_equal(p.m->consts[0].doc.count, 2);
  assert_string_equal(p.m->consts[0].doc.lines[1], "two");
  assert_string_equal(p.m->ctor->doc.lines[0], "mk");
  assert_string_equal(p.m->dtor->doc.lines[0], "rm");
  assert_string_equal(p.m->events[0].doc.lines[0], "ev");
  assert_string_equal(p.m->options[0].doc.lines[0], "cap");
  gen_free(&p);
}

static void recovery_reports_every_broken_declaration(void **state) {
  (void)state;
  parsed p = gen_parse(GEN_PRELUDE "struct A { i64 ; string s; }\nmethod m(A a) -> ;\n"
                                   "bogus thing;\nmethod n(A a, A) -> A;\nmethod ok(A a) -> A;\n");
  assert_int_equal(p.d.errors, 4);
  assert_diag_has(&p, "t.ffi:5:16: error: expected a field name, found ';'");
  assert_diag_has(&p, "t.ffi:6:18: error: expected a type, found ';'");
  assert_diag_has(&p, "t.ffi:7:1: error: expected a declaration");
  assert_diag_has(&p, "t.ffi:8:16: error: expected a parameter name, found ')'");
  /* the struct's valid field and the valid method survive */
  assert_int_equal(gen_struct(&p, "A")->nfields, 1);
  assert_non_null(gen_proc(&p, "ok"));
  gen_free(&p);
}

static void missing_semicolon_at_end_of_line_is_reported_after_the_token(void **state) {
  (void)state;
  parsed p = gen_parse(GEN_PRELUDE "struct A {\n  i64 x\n  i64 y;\n}\nmethod m(A a)\n");
  assert_int_equal(p.d.errors, 2);
  assert_diag_has(&p, "t.ffi:6:8: error: expected ';' after the field\n  i64 x\n       ^\n");
  assert_diag_has(&p, "t.ffi:9:14: error: expected ';' after the declaration");
  assert_int_equal(gen_struct(&p, "A")->nfields, 2);
  gen_free(&p);
}

static void missing_closing_brace_stops_at_the_next_declaration(void **state) {
  (void)state;
  parsed p = gen_parse(GEN_PRELUDE "struct A {\n  i64 x;\nmethod m(A a);\n");
  assert_int_equal(p.d.errors, 1);
  assert_diag_has(&p, "expected '}' to close struct 'A' before 'method'");
  assert_non_null(gen_proc(&p, "m"));
  gen_free(&p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(rule_library_sets_the_prefix_and_its_doc),
      cmocka_unit_test(rule_library_must_come_first_and_once),
      cmocka_unit_test(rule_state_names_the_opaque_type),
      cmocka_unit_test(rule_struct_with_fields_docs_and_optional_semicolon),
      cmocka_unit_test(rule_type_every_builtin_and_nested_containers),
      cmocka_unit_test(rule_type_errors),
      cmocka_unit_test(rule_enum_wire_texts_and_ordinals),
      cmocka_unit_test(rule_enumerator_docs_before_and_after),
      cmocka_unit_test(rule_const_of_every_literal_kind),
      cmocka_unit_test(rule_ctor_and_dtor),
      cmocka_unit_test(rule_ctor_has_no_result_and_dtor_no_params),
      cmocka_unit_test(rule_method_with_and_without_result),
      cmocka_unit_test(rule_static),
      cmocka_unit_test(rule_event_single_payload),
      cmocka_unit_test(rule_event_several_params_synthesize_a_payload_struct),
      cmocka_unit_test(rule_event_needs_a_payload),
      cmocka_unit_test(rule_option_values),
      cmocka_unit_test(option_defaults_without_options),
      cmocka_unit_test(trailing_docs_on_declarations),
      cmocka_unit_test(recovery_reports_every_broken_declaration),
      cmocka_unit_test(missing_semicolon_at_end_of_line_is_reported_after_the_token),
      cmocka_unit_test(missing_closing_brace_stops_at_the_next_declaration),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
