/* test_gen_naming.c - the host-language naming and type-mapping layer. */
#include "test_gen_util.h"

#include "naming.h"

static ffirt__gen_names pool;

static int setup(void **state) {
  (void)state;
  ffirt__gen_names_init(&pool);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  ffirt__gen_names_free(&pool);
  return 0;
}

static void case_conversion_splits_camel_snake_and_acronyms(void **state) {
  (void)state;
  static const struct {
    const char *in;
    ffirt__gen_case c;
    const char *want;
  } rows[] = {
      {"delayMs", GEN_CASE_SNAKE, "delay_ms"},
      {"HTTPServer", GEN_CASE_SNAKE, "http_server"},
      {"on_echo_fired", GEN_CASE_PASCAL, "OnEchoFired"},
      {"delayMs", GEN_CASE_PASCAL, "DelayMs"},
      {"HTTPServer", GEN_CASE_PASCAL, "HTTPServer"},
      {"MyTimer", GEN_CASE_CAMEL, "myTimer"},
      {"on_echo_fired", GEN_CASE_CAMEL, "onEchoFired"},
      {"utf8Text", GEN_CASE_SNAKE, "utf8_text"},
      {"maxAttempts", GEN_CASE_UPPER, "MAX_ATTEMPTS"},
      {"x", GEN_CASE_PASCAL, "X"},
      /* SCREAMING_SNAKE names (constants, enumerators) read as words */
      {"MAX_I8", GEN_CASE_PASCAL, "MaxI8"},
      {"DEFAULT_DELAY_MS", GEN_CASE_CAMEL, "defaultDelayMs"},
      {"LOW", GEN_CASE_PASCAL, "Low"},
      {"HTTP_Server", GEN_CASE_PASCAL, "HTTPServer"},
      {"timerName", GEN_CASE_ASIS, "timerName"},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
    assert_string_equal(ffirt__gen_case_convert(&pool, rows[i].in, rows[i].c), rows[i].want);
}

static void identifiers_follow_each_languages_roles_and_escape_keywords(void **state) {
  (void)state;
  const ffirt__gen_lang *cpp = ffirt__gen_lang_get(GEN_LANG_CPP);
  const ffirt__gen_lang *py = ffirt__gen_lang_get(GEN_LANG_PYTHON);
  const ffirt__gen_lang *rs = ffirt__gen_lang_get(GEN_LANG_RUST);
  const ffirt__gen_lang *go = ffirt__gen_lang_get(GEN_LANG_GO);
  assert_string_equal(ffirt__gen_lang_ident(&pool, cpp, GEN_ROLE_FIELD, "delayMs"), "delayMs");
  assert_string_equal(ffirt__gen_lang_ident(&pool, py, GEN_ROLE_FIELD, "delayMs"), "delay_ms");
  assert_string_equal(ffirt__gen_lang_ident(&pool, rs, GEN_ROLE_FIELD, "delayMs"), "delay_ms");
  assert_string_equal(ffirt__gen_lang_ident(&pool, go, GEN_ROLE_FIELD, "delayMs"), "DelayMs");
  assert_string_equal(ffirt__gen_lang_ident(&pool, go, GEN_ROLE_PARAM, "req"), "req");
  /* keywords of the target, after conversion */
  assert_string_equal(ffirt__gen_lang_ident(&pool, cpp, GEN_ROLE_FIELD, "new"), "new_");
  /* names the C++ binding's bodies spell (ffirt::, detail::) */
  assert_string_equal(ffirt__gen_lang_ident(&pool, cpp, GEN_ROLE_PARAM, "detail"), "detail_");
  assert_string_equal(ffirt__gen_lang_ident(&pool, py, GEN_ROLE_FIELD, "from"), "from_");
  assert_string_equal(ffirt__gen_lang_ident(&pool, py, GEN_ROLE_FIELD, "isAsync"), "is_async");
  assert_string_equal(ffirt__gen_lang_ident(&pool, rs, GEN_ROLE_FIELD, "type"), "r#type");
  assert_string_equal(ffirt__gen_lang_ident(&pool, rs, GEN_ROLE_PARAM, "self"), "self_");
  assert_string_equal(ffirt__gen_lang_ident(&pool, rs, GEN_ROLE_TYPE, "Option"), "Option_");
  assert_string_equal(ffirt__gen_lang_ident(&pool, go, GEN_ROLE_PARAM, "type"), "type_");
  assert_string_equal(ffirt__gen_lang_ident(&pool, go, GEN_ROLE_PARAM, "ctx"), "ctx_");
  assert_string_equal(ffirt__gen_lang_ident(&pool, rs, GEN_ROLE_CONST, "maxItems"), "MAX_ITEMS");
  /* enumerators */
  assert_string_equal(ffirt__gen_lang_enumerator(&pool, cpp, "Color", "dark_red"), "dark_red");
  assert_string_equal(ffirt__gen_lang_enumerator(&pool, py, "Color", "darkRed"), "DARK_RED");
  assert_string_equal(ffirt__gen_lang_enumerator(&pool, rs, "Color", "dark_red"), "DarkRed");
  assert_string_equal(ffirt__gen_lang_enumerator(&pool, go, "Color", "dark_red"), "ColorDarkRed");
}

static void library_level_names_match_the_bindings_contracts(void **state) {
  (void)state;
  const ffirt__gen_lang *cpp = ffirt__gen_lang_get(GEN_LANG_CPP);
  const ffirt__gen_lang *py = ffirt__gen_lang_get(GEN_LANG_PYTHON);
  const ffirt__gen_lang *rs = ffirt__gen_lang_get(GEN_LANG_RUST);
  const ffirt__gen_lang *go = ffirt__gen_lang_get(GEN_LANG_GO);
  assert_string_equal(ffirt__gen_lang_ctx_class(&pool, cpp, "MyTimer"), "MyTimerCtx");
  assert_string_equal(ffirt__gen_lang_ctx_class(&pool, rs, "Echo"), "EchoCtx");
  assert_string_equal(ffirt__gen_lang_ctx_class(&pool, py, "MyTimer"), "MyTimer");
  assert_string_equal(ffirt__gen_lang_ctx_class(&pool, go, "MyTimer"), "MyTimer");
  assert_string_equal(ffirt__gen_lang_module(&pool, go, "my_timer"), "mytimer");
  assert_string_equal(ffirt__gen_lang_module(&pool, py, "my_timer"), "my_timer");
  assert_string_equal(ffirt__gen_lang_event_subscribe(&pool, cpp, "on_echo_fired"),
                      "addOnEchoFiredListener");
  assert_string_equal(ffirt__gen_lang_event_subscribe(&pool, py, "on_echo_fired"), "on_echo_fired");
  assert_string_equal(ffirt__gen_lang_event_subscribe(&pool, py, "pair_seen"), "on_pair_seen");
  assert_string_equal(ffirt__gen_lang_event_subscribe(&pool, rs, "on_echo_fired"),
                      "add_on_echo_fired_listener");
  assert_string_equal(ffirt__gen_lang_event_subscribe(&pool, go, "on_echo_fired"), "OnEchoFired");
  assert_string_equal(ffirt__gen_lang_async(&pool, cpp, "echo"), "echoAsync");
  assert_string_equal(ffirt__gen_lang_async(&pool, py, "getItem"), "get_item_async");
  /* a Python method must not hide a member every context class has */
  assert_string_equal(ffirt__gen_lang_ident(&pool, py, GEN_ROLE_METHOD, "close"), "close_");
  assert_string_equal(ffirt__gen_lang_ident(&pool, py, GEN_ROLE_METHOD, "onAny"), "on_any_");
  assert_null(ffirt__gen_lang_async(&pool, go, "echo"));
  /* Go: IDL methods must not take the names of the context type's own
   * methods (Close, Events, OnAny, OnAnyCBOR) */
  assert_string_equal(ffirt__gen_lang_ident(&pool, go, GEN_ROLE_METHOD, "close"), "Close_");
  assert_string_equal(ffirt__gen_lang_ident(&pool, go, GEN_ROLE_METHOD, "events"), "Events_");
  assert_string_equal(ffirt__gen_lang_ident(&pool, go, GEN_ROLE_METHOD, "on_any"), "OnAny_");
  assert_string_equal(ffirt__gen_lang_ident(&pool, go, GEN_ROLE_METHOD, "OnAnyCBOR"), "OnAnyCBOR_");
}

static void types_are_spelled_per_language_also_nested(void **state) {
  (void)state;
  ffirt__gen_type str = {.kind = GEN_STRING};
  ffirt__gen_type opt = {.kind = GEN_OPTIONAL, .elem = &str};
  ffirt__gen_type seq = {.kind = GEN_SEQ, .elem = &opt};
  ffirt__gen_type point = {.kind = GEN_STRUCT, .name = "Point"};
  ffirt__gen_type seqp = {.kind = GEN_SEQ, .elem = &point};
  ffirt__gen_type u8 = {.kind = GEN_U8};
  assert_string_equal(ffirt__gen_lang_type(&pool, ffirt__gen_lang_get(GEN_LANG_CPP), &seq),
                      "std::vector<std::optional<std::string>>");
  assert_string_equal(ffirt__gen_lang_type(&pool, ffirt__gen_lang_get(GEN_LANG_PYTHON), &seq),
                      "list[Optional[str]]");
  assert_string_equal(ffirt__gen_lang_type(&pool, ffirt__gen_lang_get(GEN_LANG_RUST), &seq),
                      "Vec<Option<String>>");
  assert_string_equal(ffirt__gen_lang_type(&pool, ffirt__gen_lang_get(GEN_LANG_GO), &seq),
                      "[]*string");
  assert_string_equal(ffirt__gen_lang_type(&pool, ffirt__gen_lang_get(GEN_LANG_GO), &seqp),
                      "[]Point");
  assert_string_equal(ffirt__gen_lang_type(&pool, ffirt__gen_lang_get(GEN_LANG_RUST), &u8), "u8");
}

static void string_literals_escape_per_language(void **state) {
  (void)state;
  const char *s = "a\"b\\c\nd\te\x01"
                  "f\xc3\xa9";
  assert_string_equal(ffirt__gen_lang_string(&pool, ffirt__gen_lang_get(GEN_LANG_PYTHON), s),
                      "\"a\\\"b\\\\c\\nd\\te\\x01f\xc3\xa9\"");
  assert_string_equal(ffirt__gen_lang_string(&pool, ffirt__gen_lang_get(GEN_LANG_RUST), s),
                      "\"a\\\"b\\\\c\\nd\\te\\u{1}f\xc3\xa9\"");
  assert_string_equal(ffirt__gen_lang_string(&pool, ffirt__gen_lang_get(GEN_LANG_GO), s),
                      "\"a\\\"b\\\\c\\nd\\te\\x01f\\xc3\\xa9\"");
  assert_string_equal(ffirt__gen_lang_string(&pool, ffirt__gen_lang_get(GEN_LANG_CPP),
                                             "\x01"
                                             "1"),
                      "\"\\0011\"");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(case_conversion_splits_camel_snake_and_acronyms),
      cmocka_unit_test(identifiers_follow_each_languages_roles_and_escape_keywords),
      cmocka_unit_test(library_level_names_match_the_bindings_contracts),
      cmocka_unit_test(types_are_spelled_per_language_also_nested),
      cmocka_unit_test(string_literals_escape_per_language),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
