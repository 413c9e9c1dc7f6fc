/*
 * emit_cddl.c - writes <lib>.cddl: the CBOR wire of a library as a CDDL
 * schema (RFC 8610), for people and for validators of captured traffic.
 *
 * Design notes:
 *  - Reads the checked model only, in ir.h order: integer width rules,
 *    enums, structs (synthesized payloads last), one request and response
 *    rule per procedure (the destructor has no CBOR form), then the event
 *    envelope over every event plus the runtime's built-in ones.
 *  - The schema describes what the generated encoders write (docs/abi.md 6)
 *    and what the decoders take: absent optionals are omitted by encoders
 *    and taken as null too by decoders (`? name: T / null`), integers are
 *    limited to their width, f32 is float32. Decoders also accept any float
 *    width; that leniency is not part of the schema.
 */
#include <stdio.h>
#include <string.h>

#include "emit.h"
#include "writer.h"

static const char *const width_rules[] = {
    [GEN_I8] = "i8 = -128..127",
    [GEN_I16] = "i16 = -32768..32767",
    [GEN_I32] = "i32 = -2147483648..2147483647",
    [GEN_I64] = "i64 = -9223372036854775808..9223372036854775807",
    [GEN_U8] = "u8 = 0..255",
    [GEN_U16] = "u16 = 0..65535",
    [GEN_U32] = "u32 = 0..4294967295",
    [GEN_U64] = "u64 = 0..18446744073709551615",
};

/* Writes the CDDL type of t; `inner` wraps choices in parentheses. */
static void type_expr(ffirt__gen_writer *w, const ffirt__gen_type *t, int inner) {
  switch (t->kind) {
  case GEN_BOOL: ffirt__gen_w_printf(w, "bool"); break;
  case GEN_I8: ffirt__gen_w_printf(w, "i8"); break;
  case GEN_I16: ffirt__gen_w_printf(w, "i16"); break;
  case GEN_I32: ffirt__gen_w_printf(w, "i32"); break;
  case GEN_I64: ffirt__gen_w_printf(w, "i64"); break;
  case GEN_U8: ffirt__gen_w_printf(w, "u8"); break;
  case GEN_U16: ffirt__gen_w_printf(w, "u16"); break;
  case GEN_U32: ffirt__gen_w_printf(w, "u32"); break;
  case GEN_U64: ffirt__gen_w_printf(w, "u64"); break;
  case GEN_F32: ffirt__gen_w_printf(w, "float32"); break;
  case GEN_F64: ffirt__gen_w_printf(w, "float64"); break;
  case GEN_STRING: ffirt__gen_w_printf(w, "tstr"); break;
  case GEN_BYTES: ffirt__gen_w_printf(w, "bstr"); break;
  case GEN_SEQ:
    ffirt__gen_w_printf(w, "[* ");
    type_expr(w, t->elem, 1);
    ffirt__gen_w_printf(w, "]");
    break;
  case GEN_OPTIONAL:
    if (inner) ffirt__gen_w_printf(w, "(");
    type_expr(w, t->elem, 1);
    ffirt__gen_w_printf(w, " / null");
    if (inner) ffirt__gen_w_printf(w, ")");
    break;
  case GEN_STRUCT:
  case GEN_ENUM: ffirt__gen_w_printf(w, "%s", t->name); break;
  }
}

/* The inside of a CDDL text value: '"' and '\\' escaped with '\\' (RFC 8610
 * SESC); the checker keeps control characters out of wire texts. */
static void text_value(ffirt__gen_writer *w, const char *s) {
  for (; *s; s++) {
    if (*s == '"' || *s == '\\') ffirt__gen_w_printf(w, "\\");
    ffirt__gen_w_printf(w, "%c", *s);
  }
}

static void mark_widths(const ffirt__gen_type *t, int *used) {
  for (; t; t = t->elem)
    used[t->kind] = 1;
}

/* A map of named members, one per line: fields of a struct or parameters
 * of a request. Optional members are `? name: T / null` (encoders omit an
 * absent value; decoders also take null for it). */
static void member(ffirt__gen_writer *w, const char *name, const ffirt__gen_type *t,
                   const ffirt__gen_doc *doc) {
  if (doc) ffirt__gen_w_doc(w, doc, GEN_DOC_SEMI);
  if (t->kind == GEN_OPTIONAL) {
    ffirt__gen_w_printf(w, "? %s: ", name);
    type_expr(w, t, 0);
  } else {
    ffirt__gen_w_printf(w, "%s: ", name);
    type_expr(w, t, 0);
  }
  ffirt__gen_w_line(w, ",");
}

static void request(ffirt__gen_writer *w, const ffirt__gen_proc *p) {
  if (p->nparams == 0) {
    ffirt__gen_w_line(w, "%s-request = {}", p->name);
    return;
  }
  ffirt__gen_w_line(w, "%s-request = {", p->name);
  ffirt__gen_w_indent(w);
  for (size_t i = 0; i < p->nparams; i++)
    member(w, p->params[i].name, p->params[i].type, NULL);
  ffirt__gen_w_dedent(w);
  ffirt__gen_w_line(w, "}");
}

static void event_rule(ffirt__gen_writer *w, const char *wire, const ffirt__gen_doc *doc,
                       const char *doc_line, const ffirt__gen_type *payload,
                       const char *payload_text) {
  ffirt__gen_w_blank(w);
  if (doc)
    ffirt__gen_w_doc(w, doc, GEN_DOC_SEMI);
  else
    ffirt__gen_w_line(w, "; %s", doc_line);
  ffirt__gen_w_printf(w, "%s-event = { eventType: \"%s\", payload: ", wire, wire);
  if (payload)
    type_expr(w, payload, 0);
  else
    ffirt__gen_w_printf(w, "%s", payload_text ? payload_text : "any");
  ffirt__gen_w_line(w, " }");
}

int ffirt__gen_emit_cddl(const ffirt__gen_model *m, const char *outdir) {
  ffirt__gen_writer w;
  ffirt__gen_w_init(&w);
  ffirt__gen_cddl_write(m, &w);
  char name[512];
  snprintf(name, sizeof name, "%s.cddl", m->library);
  int rc = ffirt__gen_w_save(&w, outdir, name);
  ffirt__gen_w_free(&w);
  return rc;
}

void ffirt__gen_cddl_write(const ffirt__gen_model *m, ffirt__gen_writer *w) {
  const char *base = strrchr(m->file, '/');
  base = base ? base + 1 : m->file;
  ffirt__gen_w_line(w, "; %s.cddl - the CBOR wire of library %s (docs/abi.md 6).", m->library,
                    m->library);
  ffirt__gen_w_line(w, "; Generated by ffirt-gen from %s; do not edit.", base);
  if (m->library_doc.count) {
    ffirt__gen_w_line(w, ";");
    ffirt__gen_w_doc(w, &m->library_doc, GEN_DOC_SEMI);
  }
  ffirt__gen_w_line(w, ";");
  ffirt__gen_w_line(w, "; A request is <name>-request, its successful reply <name>-response;");
  ffirt__gen_w_line(w, "; every error reply is a text string (RET_ERR). Events reach CBOR");
  ffirt__gen_w_line(w, "; listeners as event-envelope.");

  /* integer widths actually used */
  int used[GEN_ENUM + 1] = {0};
  for (size_t i = 0; i < m->nstructs; i++)
    for (size_t k = 0; k < m->structs[i].nfields; k++)
      mark_widths(m->structs[i].fields[k].type, used);
  for (size_t i = 0; i < m->nprocs; i++) {
    for (size_t k = 0; k < m->procs[i].nparams; k++)
      mark_widths(m->procs[i].params[k].type, used);
    mark_widths(m->procs[i].result, used);
  }
  for (size_t i = 0; i < m->nevents; i++)
    mark_widths(m->events[i].payload, used);
  used[GEN_U64] = 1; /* dropped_events */
  ffirt__gen_w_blank(w);
  ffirt__gen_w_line(w, "; ---- integer widths");
  for (int k = GEN_I8; k <= GEN_U64; k++)
    if (used[k]) ffirt__gen_w_line(w, "%s", width_rules[k]);

  if (m->nenums) {
    ffirt__gen_w_blank(w);
    ffirt__gen_w_line(w, "; ---- enums (the wire form is the text)");
  }
  for (size_t i = 0; i < m->nenums; i++) {
    const ffirt__gen_enum *e = &m->enums[i];
    ffirt__gen_w_blank(w);
    ffirt__gen_w_doc(w, &e->doc, GEN_DOC_SEMI);
    ffirt__gen_w_printf(w, "%s = ", e->name);
    for (size_t k = 0; k < e->nitems; k++) {
      ffirt__gen_w_printf(w, "%s\"", k ? " / " : "");
      text_value(w, e->items[k].wire);
      ffirt__gen_w_printf(w, "\"");
    }
    ffirt__gen_w_printf(w, "\n");
  }

  if (m->nstructs) {
    ffirt__gen_w_blank(w);
    ffirt__gen_w_line(w, "; ---- structs (maps keyed by field name)");
  }
  for (size_t i = 0; i < m->nstructs; i++) {
    const ffirt__gen_struct *s = &m->structs[i];
    ffirt__gen_w_blank(w);
    ffirt__gen_w_doc(w, &s->doc, GEN_DOC_SEMI);
    if (s->nfields == 0) {
      ffirt__gen_w_line(w, "%s = {}", s->name);
      continue;
    }
    ffirt__gen_w_line(w, "%s = {", s->name);
    ffirt__gen_w_indent(w);
    for (size_t k = 0; k < s->nfields; k++)
      member(w, s->fields[k].name, s->fields[k].type, &s->fields[k].doc);
    ffirt__gen_w_dedent(w);
    ffirt__gen_w_line(w, "}");
  }

  ffirt__gen_w_blank(w);
  ffirt__gen_w_line(w, "; ---- requests and responses");
  for (size_t i = 0; i < m->nprocs; i++) {
    const ffirt__gen_proc *p = &m->procs[i];
    if (p->kind == GEN_DTOR) continue;
    ffirt__gen_w_blank(w);
    ffirt__gen_w_doc(w, &p->doc, GEN_DOC_SEMI);
    request(w, p);
    if (p->kind == GEN_CTOR) {
      ffirt__gen_w_line(w, "%s-response = tstr ; the context handle in decimal", p->name);
    } else if (p->result) {
      ffirt__gen_w_printf(w, "%s-response = ", p->name);
      type_expr(w, p->result, 0);
      ffirt__gen_w_printf(w, "\n");
    } else {
      ffirt__gen_w_line(w, "%s-response = null", p->name);
    }
  }

  ffirt__gen_w_blank(w);
  ffirt__gen_w_line(w, "; ---- events (a map of two entries, eventType first)");
  ffirt__gen_w_blank(w);
  ffirt__gen_w_printf(w, "event-envelope =");
  for (size_t i = 0; i < m->nevents; i++)
    ffirt__gen_w_printf(w, "%s %s-event", i ? "\n  /" : "", m->events[i].wire);
  ffirt__gen_w_line(w, "%s not_responding-event\n  / responding-event\n  / dropped_events-event",
                    m->nevents ? "\n  /" : "");
  for (size_t i = 0; i < m->nevents; i++) {
    const ffirt__gen_event *ev = &m->events[i];
    event_rule(w, ev->wire, &ev->doc, NULL, ev->payload, NULL);
  }
  event_rule(w, "not_responding", NULL,
             "Built in: the worker thread made no progress for the stall threshold.", NULL, "{}");
  event_rule(w, "responding", NULL, "Built in: the worker thread recovered.", NULL, "{}");
  event_rule(w, "dropped_events", NULL, "Built in: events dropped since the last report.", NULL,
             "u64");
}
