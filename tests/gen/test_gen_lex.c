/* test_gen_lex.c - the IDL lexer: tokens, locations, literals, docs. */
#include "test_gen_util.h"

#include <stdlib.h>

typedef struct lexed_src {
  ffirt__gen_lexed l;
  ffirt__gen_diag d;
} lexed_src;

static lexed_src lex(const char *src) {
  lexed_src r;
  memset(&r, 0, sizeof r);
  r.d.src = src;
  r.d.src_len = strlen(src);
  assert_int_equal(ffirt__gen_lex("t.ffi", src, strlen(src), &r.d, &r.l), 0);
  ffirt__gen_diag_flush(&r.d);
  return r;
}

static void lex_free(lexed_src *r) {
  ffirt__gen_lexed_free(&r->l);
  ffirt__gen_diag_free(&r->d);
}

static void tokens_of_every_kind_with_locations(void **state) {
  (void)state;
  lexed_src r = lex("method f(a) -> seq<i64>;\n  { } = , x_1");
  static const ffirt__gen_tok_kind want[] = {
      TOK_IDENT,  TOK_IDENT, TOK_LPAREN, TOK_IDENT, TOK_RPAREN, TOK_ARROW,
      TOK_IDENT,  TOK_LT,    TOK_IDENT,  TOK_GT,    TOK_SEMI,   TOK_LBRACE,
      TOK_RBRACE, TOK_EQ,    TOK_COMMA,  TOK_IDENT, TOK_EOF};
  assert_int_equal(r.l.ntoks, sizeof want / sizeof want[0]);
  for (size_t i = 0; i < r.l.ntoks; i++)
    assert_int_equal(r.l.toks[i].kind, want[i]);
  assert_int_equal(r.l.toks[5].loc.line, 1);
  assert_int_equal(r.l.toks[5].loc.col, 13); /* -> */
  assert_int_equal(r.l.toks[11].loc.line, 2);
  assert_int_equal(r.l.toks[11].loc.col, 3); /* { */
  assert_int_equal(r.l.toks[15].len, 3);     /* x_1 */
  assert_int_equal(r.d.errors, 0);
  lex_free(&r);
}

static void numbers_decimal_hex_negative_and_float(void **state) {
  (void)state;
  lexed_src r = lex("12 -7 0xFf 1.5 -2e3 6.02e+23 0");
  static const ffirt__gen_tok_kind want[] = {TOK_INT,   TOK_INT,   TOK_INT, TOK_FLOAT,
                                             TOK_FLOAT, TOK_FLOAT, TOK_INT, TOK_EOF};
  assert_int_equal(r.l.ntoks, 8);
  for (size_t i = 0; i < 8; i++)
    assert_int_equal(r.l.toks[i].kind, want[i]);
  assert_int_equal(r.l.toks[1].len, 2); /* the sign belongs to the number */
  assert_int_equal(r.d.errors, 0);
  lex_free(&r);
}

static void malformed_number_is_reported_and_becomes_an_error_token(void **state) {
  (void)state;
  lexed_src r = lex("12abc 0x ;");
  assert_int_equal(r.d.errors, 2);
  assert_non_null(strstr(r.d.out, "t.ffi:1:1: error: malformed number '12abc'"));
  assert_non_null(strstr(r.d.out, "t.ffi:1:7: error: malformed number '0x'"));
  assert_int_equal(r.l.toks[0].kind, TOK_ERROR);
  assert_int_equal(r.l.toks[2].kind, TOK_SEMI);
  lex_free(&r);
}

static void comments_are_skipped_and_quadruple_slash_is_not_a_doc(void **state) {
  (void)state;
  lexed_src r = lex("// plain\na /* block\n spanning */ b //// not a doc\nc");
  assert_int_equal(r.l.ntoks, 4);
  assert_int_equal(r.l.toks[1].loc.line, 3);
  assert_int_equal(r.l.ndocs, 0);
  assert_int_equal(r.l.toks[2].loc.line, 4);
  lex_free(&r);
}

static void leading_docs_attach_to_the_next_token(void **state) {
  (void)state;
  lexed_src r = lex("/// one\n///two  \n\nstruct");
  assert_int_equal(r.l.ndocs, 2);
  assert_int_equal(r.l.toks[0].nlead_doc, 2);
  assert_int_equal(r.l.docs[0].len, 3);
  assert_memory_equal(r.l.docs[0].text, "one", 3);
  /* no space after /// is fine; trailing blanks are dropped */
  assert_int_equal(r.l.docs[1].len, 3);
  assert_memory_equal(r.l.docs[1].text, "two", 3);
  lex_free(&r);
}

static void trailing_doc_attaches_to_the_previous_token_on_its_line(void **state) {
  (void)state;
  lexed_src r = lex("i64 x; /// after\n/// before\ny");
  assert_int_equal(r.l.ntoks, 5);
  assert_int_equal(r.l.toks[2].trail_doc, 1); /* ';' */
  assert_int_equal(r.l.toks[3].nlead_doc, 1); /* y */
  assert_int_equal(r.l.toks[3].lead_doc, 1);
  lex_free(&r);
}

static void unterminated_string_and_comment_are_reported(void **state) {
  (void)state;
  lexed_src r = lex("\"abc\nx /* open");
  assert_int_equal(r.d.errors, 2);
  assert_non_null(strstr(r.d.out, "t.ffi:1:1: error: unterminated string literal"));
  assert_non_null(strstr(r.d.out, "t.ffi:2:3: error: unterminated comment"));
  lex_free(&r);
}

static void unexpected_characters_and_non_ascii_bytes(void **state) {
  (void)state;
  lexed_src r = lex("a $ \xc3\xa9 b");
  assert_int_equal(r.d.errors, 2);
  assert_non_null(strstr(r.d.out, "unexpected character '$'"));
  assert_non_null(strstr(r.d.out, "unexpected byte 0xc3"));
  assert_int_equal(r.l.ntoks, 3); /* a b EOF */
  lex_free(&r);
}

static void unquote_decodes_escapes_and_rejects_bad_ones(void **state) {
  (void)state;
  ffirt__gen_arena a = {0};
  const char *err = NULL;
  const char *lit = "\"q\\\" b\\\\ n\\n t\\t \\u00e9\\u20ac\"";
  char *s = ffirt__gen_unquote(&a, lit, strlen(lit), &err);
  assert_non_null(s);
  assert_string_equal(s, "q\" b\\ n\n t\t \xc3\xa9\xe2\x82\xac");
  static const char *bad[] = {"\"\\q\"", "\"\\u12\"", "\"\\u0000\"", "\"\\ud800\"", "\"\xff\""};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    err = NULL;
    assert_null(ffirt__gen_unquote(&a, bad[i], strlen(bad[i]), &err));
    assert_non_null(err);
  }
  ffirt__gen_arena_free(&a);
}

static void suggest_finds_likely_typos_only(void **state) {
  (void)state;
  static const char *const words[] = {"struct", "string", "i16", "i64", "event_capacity", NULL};
  assert_string_equal(ffirt__gen_suggest("strcut", words), "struct"); /* swap */
  assert_string_equal(ffirt__gen_suggest("i46", words), "i64");       /* swap beats substitute */
  assert_string_equal(ffirt__gen_suggest("Strng", words), "string");  /* case ignored, 1 edit */
  assert_string_equal(ffirt__gen_suggest("evnt_capcity", words), "event_capacity"); /* 2 edits */
  assert_null(ffirt__gen_suggest("i8", words)); /* 2 edits on a short word: no */
  assert_null(ffirt__gen_suggest("completely_else", words));
  assert_null(ffirt__gen_suggest("struct", words)); /* itself is not a suggestion */
}

static void crlf_line_ends_and_a_byte_order_mark_are_accepted(void **state) {
  (void)state;
  lexed_src r = lex("\xEF\xBB\xBF/// doc\r\nlibrary t;\r\n");
  assert_int_equal(r.d.errors, 0);
  assert_int_equal(r.l.ntoks, 4);
  assert_int_equal(r.l.toks[0].loc.line, 2);
  assert_int_equal(r.l.toks[0].loc.col, 1);
  assert_int_equal(r.l.docs[0].len, 3); /* the \r is not part of the doc text */
  assert_int_equal(r.l.docs[0].loc.col, 1);
  lex_free(&r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(tokens_of_every_kind_with_locations),
      cmocka_unit_test(numbers_decimal_hex_negative_and_float),
      cmocka_unit_test(malformed_number_is_reported_and_becomes_an_error_token),
      cmocka_unit_test(comments_are_skipped_and_quadruple_slash_is_not_a_doc),
      cmocka_unit_test(leading_docs_attach_to_the_next_token),
      cmocka_unit_test(trailing_doc_attaches_to_the_previous_token_on_its_line),
      cmocka_unit_test(unterminated_string_and_comment_are_reported),
      cmocka_unit_test(unexpected_characters_and_non_ascii_bytes),
      cmocka_unit_test(unquote_decodes_escapes_and_rejects_bad_ones),
      cmocka_unit_test(suggest_finds_likely_typos_only),
      cmocka_unit_test(crlf_line_ends_and_a_byte_order_mark_are_accepted),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
