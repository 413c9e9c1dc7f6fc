/*
 * check.c - the semantic checks of an IDL model and its resolution: types
 * resolved, ordinals numbered, event payload structs synthesized, containers
 * named, declaration orders computed, options read.
 *
 * Design notes:
 *  - Every problem is reported (not only the first); the model stays usable
 *    for the checks that follow (an unknown type is left unresolved, a
 *    recursive field is skipped by the ordering, ...), but emitters may only
 *    run when d->errors == 0.
 *  - Steps run in this order (ffirt__gen_check), each relying on the
 *    previous ones: synthesize payload structs (the last push to
 *    m->structs) -> type names -> resolve references -> fields -> enums ->
 *    struct recursion and struct_order -> procedures, events and generated
 *    symbols (sets ctor/dtor) -> constants -> options -> use marks ->
 *    container names (nested) -> decl_order -> unattached docs.
 *  - Pointers into m->structs (sdecl, struct_order) are taken only after the
 *    last push to it.
 */
#include "lex.h"
#include "naming.h"

#include <float.h>
#include <stdlib.h>
#include <string.h>

/* A hash index of names to positions (open addressing, linear probing, at
 * most half full), so every name lookup of the checker is O(1) and checking
 * stays linear in the size of the IDL (40 000 methods: well under a second). */
typedef struct index_slot {
  const char *name; /* NULL: empty */
  size_t pos;
} index_slot;

typedef struct str_index {
  index_slot *slots;
  size_t cap, n; /* cap is 0 or a power of two */
} str_index;

static size_t str_hash(const char *s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
  return (size_t)h;
}

/* The position recorded for name, or SIZE_MAX. */
static size_t index_find(const str_index *ix, const char *name) {
  if (!ix->cap) return SIZE_MAX;
  for (size_t h = str_hash(name) & (ix->cap - 1);; h = (h + 1) & (ix->cap - 1)) {
    if (!ix->slots[h].name) return SIZE_MAX;
    if (strcmp(ix->slots[h].name, name) == 0) return ix->slots[h].pos;
  }
}

static void index_put(index_slot *slots, size_t cap, const char *name, size_t pos) {
  size_t h = str_hash(name) & (cap - 1);
  while (slots[h].name)
    h = (h + 1) & (cap - 1);
  slots[h].name = name;
  slots[h].pos = pos;
}

/* Records name at pos (the caller has checked it is not there yet). */
static void index_add(ffirt__gen_arena *a, str_index *ix, const char *name, size_t pos) {
  if ((ix->n + 1) * 2 > ix->cap) {
    size_t cap = ix->cap ? ix->cap * 2 : 16;
    index_slot *slots = ffirt__gen_alloc(a, cap * sizeof *slots); /* zeroed */
    for (size_t i = 0; i < ix->cap; i++)
      if (ix->slots[i].name) index_put(slots, cap, ix->slots[i].name, ix->slots[i].pos);
    ix->slots = slots; /* the old array stays in the arena */
    ix->cap = cap;
  }
  index_put(ix->slots, ix->cap, name, pos);
  ix->n++;
}

typedef struct checker {
  ffirt__gen_model *m;
  ffirt__gen_arena *a;
  ffirt__gen_diag *d;
  int syntax_errors;
  str_index struct_ix, enum_ix; /* find_struct, find_enum */
  size_t structs_indexed, enums_indexed;
} checker;

/* ------------------------------------------------------------------ names */

static const char *const c_keywords[] = {
    /* C11 */
    "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else", "enum",
    "extern", "float", "for", "goto", "if", "inline", "int", "long", "register", "restrict",
    "return", "short", "signed", "sizeof", "static", "struct", "switch", "typedef", "union",
    "unsigned", "void", "volatile", "while", "_Alignas", "_Alignof", "_Atomic", "_Bool", "_Complex",
    "_Generic", "_Imaginary", "_Noreturn", "_Static_assert", "_Thread_local",
    /* C23 */
    "typeof", "typeof_unqual", NULL};

static const char *const cpp_keywords[] = {"alignas",
                                           "alignof",
                                           "and",
                                           "and_eq",
                                           "asm",
                                           "bitand",
                                           "bitor",
                                           "bool",
                                           "catch",
                                           "char8_t",
                                           "char16_t",
                                           "char32_t",
                                           "class",
                                           "compl",
                                           "concept",
                                           "consteval",
                                           "constexpr",
                                           "constinit",
                                           "const_cast",
                                           "co_await",
                                           "co_return",
                                           "co_yield",
                                           "decltype",
                                           "delete",
                                           "dynamic_cast",
                                           "explicit",
                                           "export",
                                           "false",
                                           "friend",
                                           "mutable",
                                           "namespace",
                                           "new",
                                           "noexcept",
                                           "not",
                                           "not_eq",
                                           "nullptr",
                                           "operator",
                                           "or",
                                           "or_eq",
                                           "private",
                                           "protected",
                                           "public",
                                           "reinterpret_cast",
                                           "requires",
                                           "static_assert",
                                           "static_cast",
                                           "template",
                                           "this",
                                           "thread_local",
                                           "throw",
                                           "true",
                                           "try",
                                           "typeid",
                                           "typename",
                                           "using",
                                           "virtual",
                                           "wchar_t",
                                           "xor",
                                           "xor_eq",
                                           NULL};

/* Names of the C library and the runtime ABI that generated code uses. */
static const char *const reserved_names[] = {
    "int8_t",         "int16_t",   "int32_t",  "int64_t",
    "uint8_t",        "uint16_t",  "uint32_t", "uint64_t",
    "size_t",         "uintptr_t", "NULL",     "FFICallBack",
    "FFIEventView",   "RET_OK",    "RET_ERR",  "RET_MISSING_CALLBACK",
    "RET_STALE_WARN", "_unused",   NULL};

/* File-scope names of the C library headers that generated code includes
 * (<stdio.h>, <stdlib.h>, <string.h>, <stdarg.h>, <stddef.h>, <stdint.h>):
 * a type may not take one. */
static const char *const libc_names[] = {"FILE",
                                         "abort",
                                         "abs",
                                         "aligned_alloc",
                                         "at_quick_exit",
                                         "atexit",
                                         "atof",
                                         "atoi",
                                         "atol",
                                         "atoll",
                                         "bsearch",
                                         "calloc",
                                         "clearerr",
                                         "ctermid",
                                         "div",
                                         "dprintf",
                                         "exit",
                                         "fclose",
                                         "fdopen",
                                         "feof",
                                         "ferror",
                                         "fflush",
                                         "fgetc",
                                         "fgetpos",
                                         "fgets",
                                         "fileno",
                                         "flockfile",
                                         "fmemopen",
                                         "fopen",
                                         "fprintf",
                                         "fputc",
                                         "fputs",
                                         "fread",
                                         "free",
                                         "freopen",
                                         "fscanf",
                                         "fseek",
                                         "fseeko",
                                         "fsetpos",
                                         "ftell",
                                         "ftello",
                                         "ftrylockfile",
                                         "funlockfile",
                                         "fwrite",
                                         "getc",
                                         "getc_unlocked",
                                         "getchar",
                                         "getchar_unlocked",
                                         "getdelim",
                                         "getenv",
                                         "getline",
                                         "getsubopt",
                                         "labs",
                                         "ldiv",
                                         "llabs",
                                         "lldiv",
                                         "malloc",
                                         "mblen",
                                         "mbstowcs",
                                         "mbtowc",
                                         "memchr",
                                         "memcmp",
                                         "memcpy",
                                         "memmove",
                                         "memset",
                                         "mkdtemp",
                                         "mkstemp",
                                         "open_memstream",
                                         "pclose",
                                         "perror",
                                         "popen",
                                         "posix_memalign",
                                         "printf",
                                         "putc",
                                         "putc_unlocked",
                                         "putchar",
                                         "putchar_unlocked",
                                         "puts",
                                         "qsort",
                                         "quick_exit",
                                         "rand",
                                         "rand_r",
                                         "realloc",
                                         "remove",
                                         "rename",
                                         "renameat",
                                         "rewind",
                                         "scanf",
                                         "setbuf",
                                         "setenv",
                                         "setvbuf",
                                         "snprintf",
                                         "sprintf",
                                         "srand",
                                         "sscanf",
                                         "stpcpy",
                                         "stpncpy",
                                         "strcat",
                                         "strchr",
                                         "strcmp",
                                         "strcoll",
                                         "strcpy",
                                         "strcspn",
                                         "strdup",
                                         "strerror",
                                         "strerror_r",
                                         "strlen",
                                         "strncat",
                                         "strncmp",
                                         "strncpy",
                                         "strndup",
                                         "strnlen",
                                         "strpbrk",
                                         "strrchr",
                                         "strsignal",
                                         "strspn",
                                         "strstr",
                                         "strtod",
                                         "strtof",
                                         "strtok",
                                         "strtok_r",
                                         "strtol",
                                         "strtold",
                                         "strtoll",
                                         "strtoul",
                                         "strtoull",
                                         "strxfrm",
                                         "system",
                                         "tmpfile",
                                         "tmpnam",
                                         "ungetc",
                                         "unsetenv",
                                         "va_list",
                                         "va_start",
                                         "va_end",
                                         "va_arg",
                                         "va_copy",
                                         "vdprintf",
                                         "vfprintf",
                                         "vfscanf",
                                         "vprintf",
                                         "vscanf",
                                         "vsnprintf",
                                         "vsprintf",
                                         "vsscanf",
                                         "wcstombs",
                                         "wctomb",
                                         "stdin",
                                         "stdout",
                                         "stderr",
                                         "errno",
                                         "offsetof",
                                         NULL};

static int in_list(const char *const *list, const char *s) {
  for (int i = 0; list[i]; i++) /* first byte first: most names differ there */
    if (list[i][0] == s[0] && strcmp(list[i], s) == 0) return 1;
  return 0;
}

static int has_prefix_nocase(const char *s, const char *prefix) {
  for (; *prefix; s++, prefix++) {
    char c = *s;
    if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
    if (c != *prefix) return 0;
  }
  return 1;
}

/* Reports a name that cannot become a C/C++ identifier of generated code.
 * what: "struct", "field", ... Returns 0 when the name is usable. */
/* Macros the generated code may see: an IDL name equal to one would be
 * replaced by the preprocessor (a constant's macro would clash with it). */
static const char *const std_macros[] = {
    "INT8_MIN", "INT16_MIN", "INT32_MIN", "INT64_MIN", "INT8_MAX", "INT16_MAX", "INT32_MAX",
    "INT64_MAX", "UINT8_MAX", "UINT16_MAX", "UINT32_MAX", "UINT64_MAX", "INT8_C", "INT16_C",
    "INT32_C", "INT64_C", "UINT8_C", "UINT16_C", "UINT32_C", "UINT64_C", "INTPTR_MAX",
    "UINTPTR_MAX", "SIZE_MAX", "PTRDIFF_MAX", "PTRDIFF_MIN", "CHAR_BIT", "SCHAR_MIN", "SCHAR_MAX",
    "UCHAR_MAX", "CHAR_MIN", "CHAR_MAX", "SHRT_MIN", "SHRT_MAX", "USHRT_MAX", "INT_MIN", "INT_MAX",
    "UINT_MAX", "LONG_MIN", "LONG_MAX", "ULONG_MAX", "LLONG_MIN", "LLONG_MAX", "ULLONG_MAX",
    "FLT_MAX", "FLT_MIN", "FLT_EPSILON", "DBL_MAX", "DBL_MIN", "DBL_EPSILON", "HUGE_VAL",
    "INFINITY", "NAN", "EOF", "FILE", "BUFSIZ", "EXIT_SUCCESS", "EXIT_FAILURE", "RAND_MAX",
    "PRId64", "PRIu64", "PRIx64",
    /* <stdio.h>, <stdlib.h>, <stddef.h>, <stdarg.h>, <assert.h>, <errno.h>,
     * <signal.h> (reached through <uv.h>), <stdbool.h> */
    "SEEK_SET", "SEEK_CUR", "SEEK_END", "FOPEN_MAX", "FILENAME_MAX", "TMP_MAX", "L_tmpnam",
    "_IOFBF", "_IOLBF", "_IONBF", "MB_CUR_MAX", "va_arg", "va_start", "va_end", "va_copy", "assert",
    "errno", "bool", "true", "false", "SIG_DFL", "SIG_IGN", "SIG_ERR", "SIGABRT", "SIGFPE",
    "SIGILL", "SIGINT", "SIGSEGV", "SIGTERM", "SIGKILL", "SIGHUP", "SIGPIPE", "SIGCHLD", "SIGUSR1",
    "SIGUSR2", "SIGALRM", "E2BIG", "EACCES", "EADDRINUSE", "EAGAIN", "EBADF", "EBUSY", "ECANCELED",
    "ECHILD", "ECONNREFUSED", "ECONNRESET", "EDEADLK", "EDOM", "EEXIST", "EFAULT", "EFBIG",
    "EINPROGRESS", "EINTR", "EINVAL", "EIO", "EISDIR", "EMFILE", "ENAMETOOLONG", "ENFILE", "ENODEV",
    "ENOENT", "ENOMEM", "ENOSPC", "ENOSYS", "ENOTDIR", "ENOTEMPTY", "ENOTSUP", "EPERM", "EPIPE",
    "ERANGE", "EROFS", "ESPIPE", "ESRCH", "ETIMEDOUT", "EWOULDBLOCK", "EXDEV",
    /* predefined by GCC and Clang in the GNU modes (-std=gnu11, gnu++17) */
    "linux", "unix", "i386", NULL};

static int check_name(checker *c, const char *name, ffirt__gen_loc loc, const char *what) {
  if (in_list(c_keywords, name)) {
    ffirt__gen_error(c->d, loc, "%s name '%s' is a C keyword", what, name);
    return -1;
  }
  if (in_list(cpp_keywords, name)) {
    ffirt__gen_error(c->d, loc, "%s name '%s' is a C++ keyword (the headers are also C++)", what,
                     name);
    return -1;
  }
  if (name[0] == '_' && (name[1] == '_' || (name[1] >= 'A' && name[1] <= 'Z'))) {
    ffirt__gen_error(c->d, loc,
                     "%s name '%s' is reserved in C (it starts with '__' or '_' and a capital)",
                     what, name);
    return -1;
  }
  int member = strcmp(what, "field") == 0 || strcmp(what, "parameter") == 0 ||
               strcmp(what, "event parameter") == 0 || strcmp(what, "enumerator") == 0;
  if (name[0] == '_' && !member) {
    ffirt__gen_error(c->d, loc,
                     "%s name '%s' starts with '_' (reserved at file scope in C, and "
                     "'<lib>__' names are the generated code's internals)",
                     what, name);
    return -1;
  }
  if (in_list(reserved_names, name)) {
    ffirt__gen_error(c->d, loc, "%s name '%s' clashes with a name the generated code uses", what,
                     name);
    return -1;
  }
  /* Generated internals are named '<lib>__...' and derived names join IDL
   * names with '_' (<lib>_<method>, <Enum>_<item>): a '__' inside a name, a
   * library or enum name ending in '_', or an enumerator starting with '_'
   * could spell one of them. C++ also reserves every name containing '__'. */
  if (strstr(name, "__")) {
    ffirt__gen_error(c->d, loc,
                     "%s name '%s' contains '__' (reserved in C++ and for the generated code's "
                     "internals)",
                     what, name);
    return -1;
  }
  size_t nlen = strlen(name);
  if ((strcmp(what, "library") == 0 || strcmp(what, "enum") == 0) && nlen > 0 &&
      name[nlen - 1] == '_') {
    ffirt__gen_error(c->d, loc,
                     "%s name '%s' ends in '_' (joined with '_' it would spell a '__' name of "
                     "the generated code)",
                     what, name);
    return -1;
  }
  if (strcmp(what, "enumerator") == 0 && name[0] == '_') {
    ffirt__gen_error(c->d, loc,
                     "enumerator name '%s' starts with '_' (the constant <Enum>_%s would contain "
                     "'__')",
                     name, name);
    return -1;
  }
  int file_scope_type =
      strcmp(what, "struct") == 0 || strcmp(what, "enum") == 0 || strcmp(what, "state type") == 0;
  size_t len = strlen(name);
  if (file_scope_type && (in_list(libc_names, name) || strncmp(name, "uv_", 3) == 0 ||
                          strncmp(name, "pthread_", 8) == 0)) {
    ffirt__gen_error(c->d, loc, "%s name '%s' clashes with a name of the C library or libuv", what,
                     name);
    return -1;
  }
  if (file_scope_type && len > 2 && strcmp(name + len - 2, "_t") == 0) {
    ffirt__gen_error(c->d, loc, "%s name '%s' ends in '_t' (reserved for types by POSIX)", what,
                     name);
    return -1;
  }
  if (has_prefix_nocase(name, "ffirt") || strncmp(name, "FFI", 3) == 0) {
    ffirt__gen_error(c->d, loc,
                     "%s name '%s' uses a prefix reserved for the runtime ('ffirt', 'FFI')", what,
                     name);
    return -1;
  }
  /* names that stand unprefixed in generated C (types, members, parameters,
   * handler-table slots) must not be macros */
  int unprefixed = member || strcmp(what, "struct") == 0 || strcmp(what, "enum") == 0 ||
                   strcmp(what, "state type") == 0 || strcmp(what, "event") == 0;
  /* function-like macros replace a name only when '(' follows: harmless
   * here (so are offsetof, assert, va_arg, and glibc's `#define stdin stdin`) */
  static const char *const function_like[] = {"INT8_C",   "INT16_C",  "INT32_C",
                                              "INT64_C",  "UINT8_C",  "UINT16_C",
                                              "UINT32_C", "UINT64_C", NULL};
  if (unprefixed && strcmp(what, "enumerator") != 0 &&
      ((in_list(std_macros, name) && !in_list(function_like, name)) ||
       strncmp(name, "UV_", 3) == 0)) {
    ffirt__gen_error(c->d, loc,
                     "%s name '%s' is a macro of the C library, POSIX or GNU C (the "
                     "preprocessor would replace it in the generated code)",
                     what, name);
    return -1;
  }
  return 0;
}

/* A set of names with where they were declared, for duplicate checks. */
typedef struct name_set {
  const char **names;
  ffirt__gen_loc *locs;
  size_t n, cap, cap2;
  str_index ix;
} name_set;

/* Returns the location of an earlier `name`, or adds it and returns NULL. */
static const ffirt__gen_loc *name_add(checker *c, name_set *s, const char *name,
                                      ffirt__gen_loc loc) {
  size_t at = index_find(&s->ix, name);
  if (at != SIZE_MAX) return &s->locs[at];
  index_add(c->a, &s->ix, name, s->n);
  size_t n = s->n;
  const char **slot = ffirt__gen_push(c->a, &s->names, &s->n, &s->cap, sizeof *slot);
  *slot = name;
  ffirt__gen_loc *l = ffirt__gen_push(c->a, &s->locs, &n, &s->cap2, sizeof *l);
  *l = loc;
  return NULL;
}

static void dup_error(checker *c, ffirt__gen_loc loc, const char *what, const char *name,
                      const ffirt__gen_loc *first) {
  ffirt__gen_error(c->d, loc, "duplicate %s '%s' (first declared at line %d)", what, name,
                   first->line);
}

/* ------------------------------------------------------------------ type helpers */

static const char *const kind_names[] = {"bool",  "i8",  "i16",      "i32",    "i64", "u8",
                                         "u16",   "u32", "u64",      "f32",    "f64", "string",
                                         "bytes", "seq", "optional", "struct", "enum"};

static int is_container(const ffirt__gen_type *t) {
  return t && (t->kind == GEN_SEQ || t->kind == GEN_OPTIONAL);
}

/* The IDL spelling of a type, for messages. */
static char *type_str(checker *c, const ffirt__gen_type *t) {
  if (!t) return "?";
  if (t->kind == GEN_SEQ || t->kind == GEN_OPTIONAL) {
    const char *inner = type_str(c, t->elem);
    return ffirt__gen_sprintf(c->a, "%s<%s>", kind_names[t->kind], inner);
  }
  if (t->kind == GEN_STRUCT || t->kind == GEN_ENUM) return (char *)(t->name ? t->name : "?");
  return (char *)kind_names[t->kind];
}

/* The first struct named name (structs added since the last call, such as
 * synthesized payloads, are indexed first). */
static ffirt__gen_struct *find_struct(checker *c, const char *name) {
  ffirt__gen_model *m = c->m;
  for (; c->structs_indexed < m->nstructs; c->structs_indexed++) {
    const char *n = m->structs[c->structs_indexed].name;
    if (n && index_find(&c->struct_ix, n) == SIZE_MAX)
      index_add(c->a, &c->struct_ix, n, c->structs_indexed);
  }
  size_t at = index_find(&c->struct_ix, name);
  return at == SIZE_MAX ? NULL : &m->structs[at];
}
static ffirt__gen_enum *find_enum(checker *c, const char *name) {
  ffirt__gen_model *m = c->m;
  for (; c->enums_indexed < m->nenums; c->enums_indexed++) {
    const char *n = m->enums[c->enums_indexed].name;
    if (n && index_find(&c->enum_ix, n) == SIZE_MAX)
      index_add(c->a, &c->enum_ix, n, c->enums_indexed);
  }
  size_t at = index_find(&c->enum_ix, name);
  return at == SIZE_MAX ? NULL : &m->enums[at];
}

/* ------------------------------------------------------------------ steps */

static void free_pool(void *pool) { ffirt__gen_names_free(pool); }

/* Copies a name built by naming.h into the arena (the naming rules live
 * there, shared with the emitters) and frees the pool, also when out of
 * memory. */
static char *keep_name(checker *c, ffirt__gen_names *pool, const char *name) {
  if (pool->oom && c->a->oom) {
    ffirt__gen_names_free(pool);
    longjmp(*c->a->oom, 1);
  }
  c->a->on_oom = free_pool;
  c->a->on_oom_arg = pool;
  char *s = ffirt__gen_strndup(c->a, name, strlen(name));
  c->a->on_oom = NULL;
  ffirt__gen_names_free(pool);
  return s;
}

/* pair_seen -> PairSeenPayload */
static char *payload_name(checker *c, const char *wire) {
  ffirt__gen_names pool;
  ffirt__gen_names_init(&pool);
  return keep_name(c, &pool, ffirt__gen_payload_name(&pool, wire));
}

static void synthesize_payloads(checker *c) {
  ffirt__gen_model *m = c->m;
  size_t cap = m->nstructs; /* forces a move on the first push */
  for (size_t i = 0; i < m->nevents; i++) {
    ffirt__gen_event *ev = &m->events[i];
    if (ev->nparams == 1) {
      ev->payload = ev->params[0].type;
      continue;
    }
    if (ev->nparams == 0) continue;
    int ok = 1;
    for (size_t k = 0; k < ev->nparams; k++)
      if (!ev->params[k].name) {
        ffirt__gen_error(c->d, ev->params[k].loc,
                         "parameter %zu of event '%s' needs a name (the parameters of a "
                         "multi-parameter event become the fields of its payload struct)",
                         k + 1, ev->wire);
        ok = 0;
      }
    if (!ok) continue;
    const char *pname = payload_name(c, ev->wire);
    ffirt__gen_struct *clash = find_struct(c, pname);
    if (clash) {
      ffirt__gen_error(c->d, ev->loc,
                       "the payload struct '%s' generated for event '%s' clashes with the struct "
                       "declared at line %d",
                       pname, ev->wire, clash->loc.line);
      continue;
    }
    ffirt__gen_struct *s = ffirt__gen_push(c->a, &m->structs, &m->nstructs, &cap, sizeof *s);
    s->name = pname;
    s->loc = ev->loc;
    s->synthesized = 1;
    s->nfields = ev->nparams;
    s->fields = ffirt__gen_alloc(c->a, ev->nparams * sizeof *s->fields);
    for (size_t k = 0; k < ev->nparams; k++) {
      s->fields[k].name = ev->params[k].name;
      s->fields[k].type = ev->params[k].type;
      s->fields[k].loc = ev->params[k].loc;
    }
    s->doc.count = 1;
    s->doc.lines = ffirt__gen_alloc(c->a, sizeof *s->doc.lines);
    s->doc.lines[0] = ffirt__gen_sprintf(c->a, "Payload of the `%s` event.", ev->wire);
    ffirt__gen_type *t = ffirt__gen_alloc(c->a, sizeof *t);
    t->kind = GEN_STRUCT;
    t->name = pname;
    t->loc = ev->loc;
    ev->payload = t;
  }
}

/* Type names of the CDDL prelude (RFC 8610 appendix D) plus the width rules
 * of emit_cddl.c: the schema names IDL types by their own names. */
static const char *const cddl_names[] = {
    "any",     "uint",     "nint",      "int",        "bstr",    "bytes",  "tstr",    "text",
    "tdate",   "time",     "number",    "biguint",    "bignint", "bigint", "integer", "unsigned",
    "decfrac", "bigfloat", "eb64url",   "eb64legacy", "eb16",    "uri",    "b64url",  "b64legacy",
    "regexp",  "float16",  "float32",   "float64",    "float",   "false",  "true",    "bool",
    "nil",     "null",     "undefined", NULL};

static int is_builtin_type_name(const char *name) {
  for (size_t i = 0; i < sizeof kind_names / sizeof kind_names[0]; i++)
    if (i != GEN_STRUCT && i != GEN_ENUM && strcmp(kind_names[i], name) == 0) return 1;
  return strcmp(name, "optional") == 0 || in_list(cddl_names, name);
}

static void check_type_names(checker *c) {
  ffirt__gen_model *m = c->m;
  name_set types = {0};
  if (m->library) check_name(c, m->library, m->library_loc, "library");
  if (m->state && check_name(c, m->state, m->state_loc, "state type") == 0) {
    if (is_builtin_type_name(m->state))
      ffirt__gen_error(c->d, m->state_loc,
                       "'%s' is a built-in type (of the IDL or of CDDL) and cannot name the state",
                       m->state);
    name_add(c, &types, m->state, m->state_loc);
  }
  /* structs and enums share one namespace: visit them in source order so a
   * duplicate is reported at the later declaration */
  size_t ie = 0, is = 0;
  while (ie < m->nenums || is < m->nstructs) {
    int take_enum = 0;
    if (ie < m->nenums) {
      const ffirt__gen_loc *el = &m->enums[ie].loc,
                           *sl = is < m->nstructs ? &m->structs[is].loc : NULL;
      take_enum = !sl || m->structs[is].synthesized || el->line < sl->line ||
                  (el->line == sl->line && el->col < sl->col);
    }
    if (take_enum) {
      ffirt__gen_enum *e = &m->enums[ie++];
      const ffirt__gen_loc *first;
      if (check_name(c, e->name, e->loc, "enum") != 0) continue;
      if (is_builtin_type_name(e->name))
        ffirt__gen_error(c->d, e->loc,
                         "'%s' is a built-in type (of the IDL or of CDDL) and cannot name an enum",
                         e->name);
      else if ((first = name_add(c, &types, e->name, e->loc)) != NULL)
        dup_error(c, e->loc, "type", e->name, first);
      continue;
    }
    ffirt__gen_struct *s = &m->structs[is++];
    const ffirt__gen_loc *first;
    if (s->synthesized) {
      if ((first = name_add(c, &types, s->name, s->loc)) != NULL)
        ffirt__gen_error(c->d, s->loc,
                         "the payload struct '%s' generated for this event clashes with the type "
                         "declared at line %d",
                         s->name, first->line);
      continue;
    }
    if (check_name(c, s->name, s->loc, "struct") != 0) continue;
    if (is_builtin_type_name(s->name))
      ffirt__gen_error(c->d, s->loc,
                       "'%s' is a built-in type (of the IDL or of CDDL) and cannot name a struct",
                       s->name);
    else if ((first = name_add(c, &types, s->name, s->loc)) != NULL)
      dup_error(c, s->loc, "type", s->name, first);
  }
}

/* Resolves a type reference (recursively through containers). */
static void resolve(checker *c, ffirt__gen_type *t) {
  if (!t) return;
  if (t->kind == GEN_OPTIONAL && t->elem && t->elem->kind == GEN_OPTIONAL)
    ffirt__gen_error(c->d, t->elem->loc,
                     "optional<optional<...>> cannot be represented: an absent inner value and "
                     "an absent outer value are the same on the wire");
  if (is_container(t)) return resolve(c, t->elem);
  if (t->kind != GEN_STRUCT && t->kind != GEN_ENUM) return;
  if (t->sdecl || t->edecl) return;
  ffirt__gen_enum *e = find_enum(c, t->name);
  if (e) {
    t->kind = GEN_ENUM;
    t->edecl = e;
    return;
  }
  ffirt__gen_struct *s = find_struct(c, t->name);
  if (s) {
    t->sdecl = s;
    return;
  }
  if (c->m->state && strcmp(c->m->state, t->name) == 0) {
    ffirt__gen_error(c->d, t->loc,
                     "'%s' is the opaque state type; it cannot be used as a type in the IDL",
                     t->name);
    return;
  }
  /* another language's name of a built-in type */
  static const struct {
    const char *name, *idl;
  } foreign[] = {{"int", "'i32' or 'i64'"},  {"integer", "'i32' or 'i64'"},
                 {"long", "'i64'"},          {"short", "'i16'"},
                 {"byte", "'u8'"},           {"char", "'u8' or 'string'"},
                 {"uint", "'u32' or 'u64'"}, {"float", "'f32'"},
                 {"double", "'f64'"},        {"boolean", "'bool'"},
                 {"str", "'string'"},        {"String", "'string'"},
                 {"int8", "'i8'"},           {"int16", "'i16'"},
                 {"int32", "'i32'"},         {"int64", "'i64'"},
                 {"uint8", "'u8'"},          {"uint16", "'u16'"},
                 {"uint32", "'u32'"},        {"uint64", "'u64'"},
                 {"float32", "'f32'"},       {"float64", "'f64'"},
                 {"usize", "'u64'"},         {"isize", "'i64'"},
                 {"size_t", "'u64'"},        {"number", "'i64' or 'f64'"},
                 {"blob", "'bytes'"}};
  for (size_t i = 0; i < sizeof foreign / sizeof foreign[0]; i++)
    if (strcmp(t->name, foreign[i].name) == 0) {
      ffirt__gen_error(c->d, t->loc, "unknown type '%s' (did you mean %s?)", t->name,
                       foreign[i].idl);
      return;
    }
  /* a hint for a typo: built-in types, structs and enums */
  size_t n = c->m->nstructs + c->m->nenums + sizeof kind_names / sizeof kind_names[0] + 1;
  const char **cands = ffirt__gen_alloc(c->a, n * sizeof *cands);
  size_t k = 0;
  for (size_t i = 0; i < sizeof kind_names / sizeof kind_names[0]; i++)
    if (i != GEN_STRUCT && i != GEN_ENUM && i != GEN_SEQ && i != GEN_OPTIONAL)
      cands[k++] = kind_names[i];
  for (size_t i = 0; i < c->m->nstructs; i++)
    cands[k++] = c->m->structs[i].name;
  for (size_t i = 0; i < c->m->nenums; i++)
    cands[k++] = c->m->enums[i].name;
  cands[k] = NULL;
  const char *hint = ffirt__gen_suggest(t->name, cands);
  if (hint)
    ffirt__gen_error(c->d, t->loc, "unknown type '%s' (did you mean '%s'?)", t->name, hint);
  else
    ffirt__gen_error(c->d, t->loc, "unknown type '%s'", t->name);
}

static void resolve_all(checker *c) {
  ffirt__gen_model *m = c->m;
  for (size_t i = 0; i < m->nstructs; i++)
    for (size_t k = 0; k < m->structs[i].nfields; k++)
      resolve(c, m->structs[i].fields[k].type);
  for (size_t i = 0; i < m->nprocs; i++) {
    for (size_t k = 0; k < m->procs[i].nparams; k++)
      resolve(c, m->procs[i].params[k].type);
    resolve(c, m->procs[i].result);
  }
  for (size_t i = 0; i < m->nevents; i++) {
    ffirt__gen_event *ev = &m->events[i];
    if (ev->nparams > 1 || !ev->payload) {
      /* with a payload struct, its fields (the same types) were resolved
       * above: resolving them again would report an unknown type twice */
      for (size_t k = 0; !ev->payload && k < ev->nparams; k++)
        resolve(c, ev->params[k].type);
      if (ev->payload) {
        ev->payload->sdecl = find_struct(c, ev->payload->name);
        if (!ev->payload->sdecl) ev->payload = NULL;
      }
    } else {
      resolve(c, ev->payload);
    }
  }
  for (size_t i = 0; i < m->nconsts; i++)
    resolve(c, m->consts[i].type);
}

/* The field whose generated member ("<f>_len", "<f>_present") the field
 * `name` would spell, looked up in the struct's field index. */
static const char *field_suffix_owner(checker *c, const ffirt__gen_struct *s,
                                      const name_set *fields, const char *name,
                                      const char **member) {
  static const struct {
    const char *suffix;
    const char *member;
  } suffixes[] = {{"_len", "length"}, {"_present", "presence flag"}};
  size_t len = strlen(name);
  for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
    size_t sl = strlen(suffixes[i].suffix);
    if (len <= sl || strcmp(name + len - sl, suffixes[i].suffix) != 0) continue;
    size_t at = index_find(&fields->ix, ffirt__gen_strndup(c->a, name, len - sl));
    if (at == SIZE_MAX) continue;
    const ffirt__gen_field *f = NULL;
    for (size_t k = 0; k < s->nfields && !f; k++) /* the first of that name */
      if (s->fields[k].name == fields->names[at]) f = &s->fields[k];
    ffirt__gen_kind kind = f && f->type ? f->type->kind : GEN_BOOL;
    if (i == 0 ? kind == GEN_SEQ || kind == GEN_BYTES : kind == GEN_OPTIONAL) {
      *member = suffixes[i].member;
      return fields->names[at];
    }
  }
  return NULL;
}

/* The wire name of the event whose payload struct is s. */
static const char *event_of(const ffirt__gen_model *m, const ffirt__gen_struct *s) {
  for (size_t i = 0; i < m->nevents; i++)
    if (m->events[i].payload && m->events[i].payload->name == s->name) return m->events[i].wire;
  return s->name;
}

static void check_structs(checker *c) {
  ffirt__gen_model *m = c->m;
  for (size_t i = 0; i < m->nstructs; i++) {
    ffirt__gen_struct *s = &m->structs[i];
    name_set fields = {0};
    const char *what = s->synthesized ? "event parameter" : "field";
    unsigned char *bad = ffirt__gen_alloc(c->a, s->nfields + 1); /* zeroed */
    for (size_t k = 0; k < s->nfields; k++) {
      ffirt__gen_field *f = &s->fields[k];
      const ffirt__gen_loc *first;
      if (check_name(c, f->name, f->loc, what) != 0) {
        bad[k] = 1;
        continue;
      }
      if ((first = name_add(c, &fields, f->name, f->loc)) != NULL) {
        bad[k] = 1;
        if (s->synthesized)
          ffirt__gen_error(c->d, f->loc, "duplicate parameter '%s' of event '%s'", f->name,
                           event_of(c->m, s));
        else
          ffirt__gen_error(c->d, f->loc,
                           "duplicate field '%s' in struct '%s' (first declared at line %d)",
                           f->name, s->name, first->line);
      }
    }
    /* once every field is known: a name spelling another's generated member */
    for (size_t k = 0; k < s->nfields; k++) {
      ffirt__gen_field *f = &s->fields[k];
      const char *member = NULL;
      const char *owner;
      if (!bad[k] && (owner = field_suffix_owner(c, s, &fields, f->name, &member)) != NULL)
        ffirt__gen_error(c->d, f->loc,
                         "%s '%s' clashes with the %s member generated for '%s' in the native "
                         "struct",
                         what, f->name, member, owner);
    }
  }
}

/* ---- recursion by value and declaration order */

typedef struct order_state {
  checker *c;
  int *mark;                     /* per struct: 0 new, 1 on the stack, 2 done */
  const ffirt__gen_field **path; /* fields being followed, outermost first */
  ffirt__gen_struct **owners;    /* the struct of each path entry */
  size_t depth;
  ffirt__gen_struct **order;
  size_t norder;
} order_state;

/* The struct a field embeds by value (through any optionals), or NULL. */
static ffirt__gen_struct *by_value_struct(const ffirt__gen_type *t) {
  while (t && t->kind == GEN_OPTIONAL)
    t = t->elem;
  return t && t->kind == GEN_STRUCT ? t->sdecl : NULL;
}

static void order_visit(order_state *o, ffirt__gen_struct *s) {
  size_t idx = (size_t)(s - o->c->m->structs);
  if (o->mark[idx] == 2) return;
  o->mark[idx] = 1;
  for (size_t k = 0; k < s->nfields; k++) {
    ffirt__gen_field *f = &s->fields[k];
    ffirt__gen_struct *dep = by_value_struct(f->type);
    if (!dep) continue;
    size_t didx = (size_t)(dep - o->c->m->structs);
    o->owners[o->depth] = s;
    o->path[o->depth++] = f;
    if (o->mark[didx] == 1) {
      /* a cycle: the path from dep (on the stack) to here */
      size_t start = o->depth - 1;
      while (start > 0 && o->owners[start] != dep)
        start--;
      char *chain = "";
      for (size_t i = start; i < o->depth; i++)
        chain =
            ffirt__gen_sprintf(o->c->a, "%s%s.%s -> ", chain, o->owners[i]->name, o->path[i]->name);
      ffirt__gen_error(o->c->d, f->loc,
                       "struct '%s' contains itself by value: %s%s (an optional is stored by "
                       "value too; use seq<%s> to break the cycle)",
                       dep->name, chain, dep->name, dep->name);
    } else if (o->mark[didx] == 0) {
      order_visit(o, dep);
    }
    o->depth--;
  }
  o->mark[idx] = 2;
  o->order[o->norder++] = s;
}

static void order_structs(checker *c) {
  ffirt__gen_model *m = c->m;
  order_state o = {0};
  o.c = c;
  o.mark = ffirt__gen_alloc(c->a, (m->nstructs + 1) * sizeof *o.mark);
  o.order = ffirt__gen_alloc(c->a, (m->nstructs + 1) * sizeof *o.order);
  size_t maxfields = 1;
  for (size_t i = 0; i < m->nstructs; i++)
    maxfields += m->structs[i].nfields;
  o.path = ffirt__gen_alloc(c->a, maxfields * sizeof *o.path);
  o.owners = ffirt__gen_alloc(c->a, maxfields * sizeof *o.owners);
  for (size_t i = 0; i < m->nstructs; i++)
    order_visit(&o, &m->structs[i]);
  m->struct_order = o.order;
}

/* ---- use marks */

static void mark_used(ffirt__gen_type *t) {
  for (; t; t = t->elem) {
    if (t->kind == GEN_ENUM && t->edecl) t->edecl->used = 1;
    if (t->kind == GEN_STRUCT && t->sdecl && !t->sdecl->used) {
      t->sdecl->used = 1;
      for (size_t k = 0; k < t->sdecl->nfields; k++)
        mark_used(t->sdecl->fields[k].type);
    }
  }
}

static void check_use(checker *c) {
  ffirt__gen_model *m = c->m;
  for (size_t i = 0; i < m->nprocs; i++) {
    for (size_t k = 0; k < m->procs[i].nparams; k++)
      mark_used(m->procs[i].params[k].type);
    mark_used(m->procs[i].result);
  }
  for (size_t i = 0; i < m->nevents; i++)
    mark_used(m->events[i].payload);
  /* with errors, an unused type is most likely a consequence of them */
  if (c->d->errors) return;
  for (size_t i = 0; i < m->nstructs; i++)
    if (!m->structs[i].used && !m->structs[i].synthesized)
      ffirt__gen_warning(c->d, m->structs[i].loc,
                         "struct '%s' is not used by any procedure or event", m->structs[i].name);
  for (size_t i = 0; i < m->nenums; i++)
    if (!m->enums[i].used)
      ffirt__gen_warning(c->d, m->enums[i].loc, "enum '%s' is not used by any procedure or event",
                         m->enums[i].name);
}

/* ---- container names */

typedef struct containers {
  size_t cap;
} containers;

static int same_type(const ffirt__gen_type *a, const ffirt__gen_type *b) {
  for (; a && b; a = a->elem, b = b->elem) {
    if (a->kind != b->kind) return 0;
    if ((a->kind == GEN_STRUCT || a->kind == GEN_ENUM) && strcmp(a->name, b->name) != 0) return 0;
  }
  return a == b;
}

/* Names t (a container) and, first, the containers inside it. */
static void name_container(checker *c, containers *cs, ffirt__gen_type *t) {
  ffirt__gen_model *m = c->m;
  if (is_container(t->elem)) name_container(c, cs, t->elem);
  if (t->cname) return;
  ffirt__gen_names pool;
  ffirt__gen_names_init(&pool);
  char *cname = keep_name(c, &pool, ffirt__gen_box_name(&pool, m->library ? m->library : "lib", t));
  for (size_t i = 0; i < m->nnested; i++) {
    if (strcmp(m->nested[i]->cname, cname) != 0) continue;
    if (!same_type(m->nested[i], t))
      ffirt__gen_error(c->d, t->loc,
                       "the generated container name '%s' of '%s' is also the name of '%s' "
                       "(rename the struct or enum whose name looks like a container)",
                       cname, type_str(c, t), type_str(c, m->nested[i]));
    t->cname = m->nested[i]->cname;
    return;
  }
  t->cname = cname;
  ffirt__gen_type **slot = ffirt__gen_push(c->a, &m->nested, &m->nnested, &cs->cap, sizeof *slot);
  *slot = t;
}

static void name_inner(checker *c, containers *cs, ffirt__gen_type *t) {
  if (is_container(t) && is_container(t->elem)) name_container(c, cs, t->elem);
}

static void name_containers(checker *c) {
  ffirt__gen_model *m = c->m;
  containers cs = {0};
  for (size_t i = 0; i < m->nstructs; i++)
    for (size_t k = 0; k < m->structs[i].nfields; k++)
      name_inner(c, &cs, m->structs[i].fields[k].type);
  for (size_t i = 0; i < m->nprocs; i++) {
    for (size_t k = 0; k < m->procs[i].nparams; k++)
      if (is_container(m->procs[i].params[k].type))
        name_container(c, &cs, m->procs[i].params[k].type);
    if (is_container(m->procs[i].result)) name_container(c, &cs, m->procs[i].result);
  }
  for (size_t i = 0; i < m->nevents; i++)
    if (m->events[i].nparams == 1 && is_container(m->events[i].payload))
      name_container(c, &cs, m->events[i].payload);
  /* a struct or enum may not take a container's name */
  for (size_t i = 0; i < m->nnested; i++) {
    ffirt__gen_struct *s = find_struct(c, m->nested[i]->cname);
    ffirt__gen_enum *e = find_enum(c, m->nested[i]->cname);
    if (s || e)
      ffirt__gen_error(c->d, s ? s->loc : e->loc,
                       "'%s' is the name generated for the container '%s'", m->nested[i]->cname,
                       type_str(c, m->nested[i]));
  }
}

/* decl_order: structs and named containers, by-value dependencies first. */
typedef struct decl_state {
  checker *c;
  int *smark, *cmark;
  size_t cap;
} decl_state;

static void decl_visit_struct(decl_state *o, ffirt__gen_struct *s);
static void decl_visit_container(decl_state *o, ffirt__gen_type *t);

static void decl_push(decl_state *o, ffirt__gen_struct *s, ffirt__gen_type *t) {
  ffirt__gen_model *m = o->c->m;
  ffirt__gen_decl *d =
      ffirt__gen_push(o->c->a, &m->decl_order, &m->ndecl_order, &o->cap, sizeof *d);
  d->s = s;
  d->container = t;
}

static ffirt__gen_type *nested_of(ffirt__gen_model *m, const ffirt__gen_type *t) {
  for (size_t i = 0; i < m->nnested; i++)
    if (t->cname && strcmp(m->nested[i]->cname, t->cname) == 0) return m->nested[i];
  return NULL;
}

/* Visits what a value of type t stored in place (native form) embeds. */
static void decl_visit_native(decl_state *o, ffirt__gen_type *t) {
  if (!t) return;
  if (t->kind == GEN_STRUCT && t->sdecl) {
    decl_visit_struct(o, t->sdecl);
  } else if (is_container(t) && t->cname) {
    ffirt__gen_type *rep = nested_of(o->c->m, t);
    if (rep) decl_visit_container(o, rep);
  } else if (t->kind == GEN_OPTIONAL) {
    decl_visit_native(o, t->elem); /* inline optional field */
  }
}

static void decl_visit_struct(decl_state *o, ffirt__gen_struct *s) {
  size_t idx = (size_t)(s - o->c->m->structs);
  if (o->smark[idx]) return;
  o->smark[idx] = 1;
  for (size_t k = 0; k < s->nfields; k++)
    decl_visit_native(o, s->fields[k].type);
  decl_push(o, s, NULL);
}

static void decl_visit_container(decl_state *o, ffirt__gen_type *t) {
  size_t idx = 0;
  while (idx < o->c->m->nnested && o->c->m->nested[idx] != t)
    idx++;
  if (o->cmark[idx]) return;
  o->cmark[idx] = 1;
  if (t->kind == GEN_OPTIONAL) decl_visit_native(o, t->elem);
  decl_push(o, NULL, t);
}

static void order_decls(checker *c) {
  ffirt__gen_model *m = c->m;
  decl_state o = {0};
  o.c = c;
  o.smark = ffirt__gen_alloc(c->a, (m->nstructs + 1) * sizeof *o.smark);
  o.cmark = ffirt__gen_alloc(c->a, (m->nnested + 1) * sizeof *o.cmark);
  /* struct_order is already a valid order of the structs */
  for (size_t i = 0; i < m->nstructs; i++)
    decl_visit_struct(&o, m->struct_order[i]);
  for (size_t i = 0; i < m->nnested; i++)
    decl_visit_container(&o, m->nested[i]);
}

/* ---- enums */

static void check_enums(checker *c) {
  ffirt__gen_model *m = c->m;
  for (size_t i = 0; i < m->nenums; i++) {
    ffirt__gen_enum *e = &m->enums[i];
    if (e->nitems == 0) ffirt__gen_error(c->d, e->loc, "enum '%s' has no enumerators", e->name);
    name_set names = {0}, wires = {0};
    int64_t next = 0;
    for (size_t k = 0; k < e->nitems; k++) {
      ffirt__gen_enumerator *it = &e->items[k];
      const ffirt__gen_loc *first;
      int in_range = it->value >= INT32_MIN && it->value <= INT32_MAX;
      if (it->has_value && !in_range) {
        /* reported by the parser; keep numbering from 0 */
        it->value = next = 0;
      } else if (!it->has_value) {
        if (next > INT32_MAX) {
          ffirt__gen_error(c->d, it->loc,
                           "the ordinal of enumerator '%s' would be %lld, beyond the i32 range",
                           it->name, (long long)next);
          next = 0;
        }
        it->value = next;
      }
      next = it->value + 1;
      if (!it->wire) it->wire = it->name;
      if (check_name(c, it->name, it->loc, "enumerator") == 0 &&
          (first = name_add(c, &names, it->name, it->loc)) != NULL)
        ffirt__gen_error(c->d, it->loc,
                         "duplicate enumerator '%s' in enum '%s' (first declared at line %d)",
                         it->name, e->name, first->line);
      int control = 0;
      for (const char *q = it->wire; *q; q++)
        control |= (unsigned char)*q < 0x20 || *q == 0x7f;
      if (it->wire[0] == '\0')
        ffirt__gen_error(c->d, it->loc, "enumerator '%s' has an empty wire text", it->name);
      else if (control)
        ffirt__gen_error(c->d, it->loc,
                         "wire text of enumerator '%s' contains a control character (not "
                         "expressible in the CDDL schema)",
                         it->name);
      else if (it->wire != it->name && (first = name_add(c, &wires, it->wire, it->loc)) != NULL)
        ffirt__gen_error(c->d, it->loc,
                         "wire text \"%s\" of enumerator '%s' is already used at line %d", it->wire,
                         it->name, first->line);
      else if (it->wire == it->name)
        name_add(c, &wires, it->wire, it->loc);
      for (size_t j = 0; j < k && in_range; j++)
        if (e->items[j].value == it->value) {
          ffirt__gen_error(c->d, it->loc,
                           "enumerator '%s' has the ordinal %lld of enumerator '%s' (line %d)",
                           it->name, (long long)it->value, e->items[j].name, e->items[j].loc.line);
          break;
        }
    }
  }
}

/* ---- procedures and events */

/* Parameters and locals of the generated functions that also take the IDL
 * parameters (native exports, _impl, emitters, CBOR request encoders). */
static const char *const reserved_params[] = {"ctx",     "cb",      "ud",        "call",
                                              "self",    "out",     "out_len",   "enc",
                                              "errText", "errSize", "timeoutMs", NULL};

static const char *proc_kind_name(ffirt__gen_proc_kind k) {
  switch (k) {
  case GEN_CTOR: return "constructor";
  case GEN_DTOR: return "destructor";
  case GEN_METHOD: return "method";
  case GEN_STATIC: return "static";
  }
  return "procedure";
}

/* A parameter named <p>_len or <p>_present where p is a bytes/seq or an
 * optional parameter: C functions take those as two parameters. */
static const char *param_suffix_owner(const ffirt__gen_param *ps, size_t n, const char *name,
                                      const char **member) {
  for (size_t i = 0; i < n; i++) {
    if (!ps[i].name || !ps[i].type) continue;
    size_t len = strlen(ps[i].name);
    if (strncmp(name, ps[i].name, len) != 0) continue;
    ffirt__gen_kind k = ps[i].type->kind;
    if ((k == GEN_SEQ || k == GEN_BYTES) && strcmp(name + len, "_len") == 0) {
      *member = "length";
      return ps[i].name;
    }
    if (k == GEN_OPTIONAL && strcmp(name + len, "_present") == 0) {
      *member = "presence flag";
      return ps[i].name;
    }
  }
  return NULL;
}

/* Checks parameter names: C names, generated names, duplicates, _len /
 * _present clashes; with check_dups 0 (the parameters of a multi-parameter
 * event, checked as payload struct fields already) only generated names. */
static void check_params(checker *c, ffirt__gen_param *ps, size_t n, const char *owner,
                         int check_dups) {
  name_set names = {0};
  for (size_t k = 0; k < n; k++) {
    ffirt__gen_param *pa = &ps[k];
    const ffirt__gen_loc *first;
    const char *member = NULL, *of;
    if (!pa->name) continue;
    if (check_dups && check_name(c, pa->name, pa->loc, "parameter") != 0) continue;
    if (in_list(reserved_params, pa->name))
      ffirt__gen_error(c->d, pa->loc,
                       "parameter name '%s' clashes with a parameter or local of the generated "
                       "functions (ctx, cb, ud, call, self, out, out_len, enc, errText, errSize, "
                       "timeoutMs)",
                       pa->name);
    else if (check_dups && (first = name_add(c, &names, pa->name, pa->loc)) != NULL)
      ffirt__gen_error(c->d, pa->loc, "duplicate parameter '%s' of %s", pa->name, owner);
    else if (check_dups && (of = param_suffix_owner(ps, n, pa->name, &member)) != NULL)
      ffirt__gen_error(c->d, pa->loc,
                       "parameter '%s' clashes with the %s parameter generated for '%s' in the C "
                       "functions",
                       pa->name, member, of);
  }
}

/* Generated symbol table: every exported/author-facing function name. */
typedef struct symtab {
  const char **names;
  const char **owners;
  size_t n, cap, cap2;
  str_index ix;
} symtab;

static int find_name(const symtab *t, const char *sym) {
  return index_find(&t->ix, sym) != SIZE_MAX;
}

/* Adds sym; on a clash reports it at loc and returns -1. */
static int sym_add(checker *c, symtab *t, ffirt__gen_loc loc, const char *owner, const char *sym) {
  size_t at = index_find(&t->ix, sym);
  if (at != SIZE_MAX) {
    ffirt__gen_error(c->d, loc, "%s generates '%s', which clashes with %s", owner, sym,
                     t->owners[at]);
    return -1;
  }
  index_add(c->a, &t->ix, sym, t->n);
  size_t n = t->n;
  const char **s = ffirt__gen_push(c->a, &t->names, &t->n, &t->cap, sizeof *s);
  *s = sym;
  const char **o = ffirt__gen_push(c->a, &t->owners, &n, &t->cap2, sizeof *o);
  *o = owner;
  return 0;
}

static void check_procs_events(checker *c) {
  ffirt__gen_model *m = c->m;
  const char *lib = m->library ? m->library : "lib";
  name_set procs = {0}, events = {0};
  symtab syms = {0};
  static const char *const fixed[] = {"add_event_listener",
                                      "add_event_listener_cbor",
                                      "remove_event_listener",
                                      "add_event_handlers",
                                      "event_handlers",
                                      "abi_fingerprint",
                                      NULL};
  for (int i = 0; fixed[i]; i++)
    sym_add(c, &syms, (ffirt__gen_loc){0}, "", ffirt__gen_sprintf(c->a, "%s_%s", lib, fixed[i]));
  for (size_t i = 0; i < syms.n; i++)
    syms.owners[i] = strcmp(fixed[i], "abi_fingerprint") == 0
                         ? "the library's ABI fingerprint function"
                         : "the runtime's listener API of the library";
  /* type names share C's ordinary identifier namespace with the functions
   * (duplicates among them were reported by check_type_names) */
  for (size_t i = 0; i < m->nstructs; i++)
    if (!find_name(&syms, m->structs[i].name))
      sym_add(c, &syms, m->structs[i].loc,
              ffirt__gen_sprintf(c->a, "struct '%s'", m->structs[i].name), m->structs[i].name);
  for (size_t i = 0; i < m->nenums; i++)
    if (!find_name(&syms, m->enums[i].name))
      sym_add(c, &syms, m->enums[i].loc, ffirt__gen_sprintf(c->a, "enum '%s'", m->enums[i].name),
              m->enums[i].name);

  int nctor = 0, ndtor = 0;
  for (size_t i = 0; i < m->nprocs; i++) {
    ffirt__gen_proc *p = &m->procs[i];
    const char *kind = proc_kind_name(p->kind);
    const ffirt__gen_loc *first;
    if (p->kind == GEN_CTOR) {
      if (nctor++ == 0)
        m->ctor = p;
      else
        ffirt__gen_error(c->d, p->loc,
                         "more than one constructor ('%s'; the first is '%s' at line %d)", p->name,
                         m->ctor->name, m->ctor->loc.line);
    }
    if (p->kind == GEN_DTOR) {
      if (ndtor++ == 0)
        m->dtor = p;
      else
        ffirt__gen_error(c->d, p->loc,
                         "more than one destructor ('%s'; the first is '%s' at line %d)", p->name,
                         m->dtor->name, m->dtor->loc.line);
    }
    if (check_name(c, p->name, p->loc, kind) != 0) continue;
    if ((first = name_add(c, &procs, p->name, p->loc)) != NULL) {
      dup_error(c, p->loc, "procedure", p->name, first);
      continue;
    }
    check_params(c, p->params, p->nparams, ffirt__gen_sprintf(c->a, "%s '%s'", kind, p->name), 1);
    char *owner = ffirt__gen_sprintf(c->a, "%s '%s' (line %d)", kind, p->name, p->loc.line);
    static const char *const suffixes[] = {"",      "_cbor",       "_impl",  "_ok",
                                           "_fn",   "_after",      "_typed", "_reply_cb",
                                           "_wait", "_result_free"};
    for (int k = 0; k < 10; k++)
      if (sym_add(c, &syms, p->loc, owner,
                  ffirt__gen_sprintf(c->a, "%s_%s%s", lib, p->name, suffixes[k])) != 0)
        break;
  }
  if (c->syntax_errors == 0) {
    ffirt__gen_loc end = {m->file, 1, 1};
    if (m->library_loc.line) end = m->library_loc;
    if (nctor == 0)
      ffirt__gen_error(c->d, end, "missing constructor: declare one with 'ctor <name>(...);'");
    if (ndtor == 0)
      ffirt__gen_error(c->d, end, "missing destructor: declare one with 'dtor <name>;'");
    if (!m->state)
      ffirt__gen_error(c->d, end,
                       "missing 'state <CType>;' (the library's state type, owned by the "
                       "context)");
  }
  static const char *const builtin_events[] = {"not_responding", "responding", "dropped_events",
                                               NULL};
  for (size_t i = 0; i < m->nevents; i++) {
    ffirt__gen_event *ev = &m->events[i];
    const ffirt__gen_loc *first;
    if (check_name(c, ev->wire, ev->loc, "event") != 0) continue;
    if (in_list(builtin_events, ev->wire)) {
      ffirt__gen_error(c->d, ev->loc, "event name '%s' is a built-in event of the runtime",
                       ev->wire);
      continue;
    }
    if ((first = name_add(c, &events, ev->wire, ev->loc)) != NULL) {
      dup_error(c, ev->loc, "event", ev->wire, first);
      continue;
    }
    char *owner = ffirt__gen_sprintf(c->a, "event '%s' (line %d)", ev->wire, ev->loc.line);
    if (ev->nparams == 1 && ev->params[0].name)
      check_params(c, ev->params, ev->nparams, ffirt__gen_sprintf(c->a, "event '%s'", ev->wire), 1);
    else if (ev->nparams > 1) /* they are also the parameters of <lib>_emit_<event> */
      check_params(c, ev->params, ev->nparams, NULL, 0);
    if (sym_add(c, &syms, ev->loc, owner, ffirt__gen_sprintf(c->a, "%s_emit_%s", lib, ev->wire)) ==
        0)
      sym_add(c, &syms, ev->loc, owner,
              ffirt__gen_sprintf(c->a, "%s_add_%s_listener", lib, ev->wire));
  }
}

/* ---- constants */

/* An upper-case identifier of the IDL equal to a constant's name, which the
 * constant's macro would replace in the generated code. Returns what it is. */
static const char *macro_victim(const ffirt__gen_model *m, const char *name) {
  if (m->state && strcmp(m->state, name) == 0) return "the state type";
  for (size_t i = 0; i < m->nstructs; i++) {
    if (strcmp(m->structs[i].name, name) == 0) return "a struct";
    for (size_t k = 0; k < m->structs[i].nfields; k++)
      if (strcmp(m->structs[i].fields[k].name, name) == 0) return "a field";
  }
  for (size_t i = 0; i < m->nenums; i++) {
    const ffirt__gen_enum *e = &m->enums[i];
    if (strcmp(e->name, name) == 0) return "an enum";
    size_t n = strlen(e->name);
    for (size_t k = 0; k < e->nitems; k++)
      if (strncmp(name, e->name, n) == 0 && name[n] == '_' &&
          strcmp(name + n + 1, e->items[k].name) == 0)
        return "an enumerator constant";
  }
  for (size_t i = 0; i < m->nprocs; i++)
    for (size_t k = 0; k < m->procs[i].nparams; k++)
      if (strcmp(m->procs[i].params[k].name, name) == 0) return "a parameter";
  for (size_t i = 0; i < m->nevents; i++)
    if (strcmp(m->events[i].wire, name) == 0) return "an event (a handler-table member)";
  return NULL;
}

static void check_const_name(checker *c, const ffirt__gen_const *k) {
  for (const char *p = k->name; *p; p++)
    if (*p >= 'a' && *p <= 'z') {
      ffirt__gen_error(c->d, k->loc,
                       "constant '%s' must be upper case (constants become C macros, which would "
                       "replace any identifier '%s' in the generated code)",
                       k->name, k->name);
      return;
    }
  const char *lib = c->m->library ? c->m->library : "";
  size_t n = strlen(lib);
  int guard = 0;
  if (n) {
    char *up = ffirt__gen_strndup(c->a, lib, n);
    for (char *p = up; *p; p++)
      if (*p >= 'a' && *p <= 'z') *p = (char)(*p - 'a' + 'A');
    static const char *const suffixes[] = {
        "_H", "_FFI_H", "_CBOR_H", "_TYPES_DEFINED", "_ABI_FINGERPRINT", "_CHECK_ABI", NULL};
    for (int i = 0; suffixes[i] && !guard; i++)
      if (strncmp(k->name, up, n) == 0 && strcmp(k->name + n, suffixes[i]) == 0)
        guard = i < 4 ? 1 : 2; /* an include guard, or an ABI check macro */
  }
  const char *victim;
  if (guard)
    ffirt__gen_error(c->d, k->loc, "constant '%s' clashes with a generated %s", k->name,
                     guard == 1 ? "include guard" : "ABI check macro");
  else if (in_list(std_macros, k->name) || strncmp(k->name, "UV_", 3) == 0)
    ffirt__gen_error(c->d, k->loc, "constant '%s' clashes with a macro of the C library or libuv",
                     k->name);
  else if ((victim = macro_victim(c->m, k->name)) != NULL)
    ffirt__gen_error(c->d, k->loc,
                     "constant '%s' has the name of %s; its macro would replace that name in the "
                     "generated code",
                     k->name, victim);
}

static void check_consts(checker *c) {
  ffirt__gen_model *m = c->m;
  name_set names = {0};
  for (size_t i = 0; i < m->nconsts; i++) {
    ffirt__gen_const *k = &m->consts[i];
    const ffirt__gen_loc *first;
    if (check_name(c, k->name, k->loc, "constant") == 0) {
      if ((first = name_add(c, &names, k->name, k->loc)) != NULL)
        dup_error(c, k->loc, "constant", k->name, first);
      else
        check_const_name(c, k);
    }
    ffirt__gen_kind t = k->type->kind;
    const char *tn = type_str(c, k->type);
    switch (t) {
    case GEN_BOOL:
      if (k->vkind != GEN_CONST_BOOL)
        ffirt__gen_error(c->d, k->loc, "constant '%s' of type bool needs true or false, found %s",
                         k->name, k->literal);
      break;
    case GEN_STRING:
      if (k->vkind != GEN_CONST_STRING)
        ffirt__gen_error(c->d, k->loc, "constant '%s' of type string needs a string, found %s",
                         k->name, k->literal);
      break;
    case GEN_F32:
    case GEN_F64:
      if (k->vkind == GEN_CONST_INT) {
        k->vkind = GEN_CONST_FLOAT;
        k->f = k->is_unsigned ? (double)k->u : (double)k->i;
      }
      if (k->vkind != GEN_CONST_FLOAT)
        ffirt__gen_error(c->d, k->loc, "constant '%s' of type %s needs a number, found %s", k->name,
                         tn, k->literal);
      else if (t == GEN_F32 && (k->f > FLT_MAX || k->f < -FLT_MAX))
        ffirt__gen_error(c->d, k->loc, "value %s of constant '%s' does not fit in f32", k->literal,
                         k->name);
      break;
    case GEN_I8:
    case GEN_I16:
    case GEN_I32:
    case GEN_I64:
    case GEN_U8:
    case GEN_U16:
    case GEN_U32:
    case GEN_U64: {
      if (k->vkind != GEN_CONST_INT) {
        ffirt__gen_error(c->d, k->loc, "constant '%s' of type %s needs an integer, found %s",
                         k->name, tn, k->literal);
        break;
      }
      static const int64_t lo[] = {INT8_MIN, INT16_MIN, INT32_MIN, INT64_MIN};
      static const uint64_t hi[] = {INT8_MAX,  INT16_MAX,  INT32_MAX,  INT64_MAX,
                                    UINT8_MAX, UINT16_MAX, UINT32_MAX, UINT64_MAX};
      int idx = (int)t - (int)GEN_I8;
      int fits;
      if (k->is_unsigned)
        fits = k->u <= hi[idx];
      else if (k->i < 0)
        fits = idx < 4 && k->i >= lo[idx];
      else
        fits = (uint64_t)k->i <= hi[idx];
      if (!fits)
        ffirt__gen_error(c->d, k->loc, "value %s of constant '%s' does not fit in %s", k->literal,
                         k->name, tn);
      break;
    }
    default:
      ffirt__gen_error(c->d, k->type->loc,
                       "constant '%s' has type %s; constants are bool, integers, f32, f64 or "
                       "string",
                       k->name, tn);
    }
  }
}

/* ---- options */

static int parse_u32(const char *s, uint32_t *out) {
  uint64_t v = 0;
  if (!*s) return -1;
  for (; *s; s++) {
    if (*s < '0' || *s > '9') return -1;
    v = v * 10 + (uint64_t)(*s - '0');
    if (v > UINT32_MAX) return -1;
  }
  *out = (uint32_t)v;
  return 0;
}

static void check_options(checker *c) {
  ffirt__gen_model *m = c->m;
  name_set keys = {0};
  for (size_t i = 0; i < m->noptions; i++) {
    ffirt__gen_option *o = &m->options[i];
    const ffirt__gen_loc *first;
    if ((first = name_add(c, &keys, o->key, o->loc)) != NULL) {
      dup_error(c, o->loc, "option", o->key, first);
      continue;
    }
    uint32_t v;
    if (strcmp(o->key, "stale_warn_ms") == 0 || strcmp(o->key, "event_block_timeout_ms") == 0 ||
        strcmp(o->key, "liveness_grace_ms") == 0) {
      if (parse_u32(o->value, &v) != 0)
        ffirt__gen_error(c->d, o->loc,
                         "option %s needs milliseconds as an integer from 0 to 4294967295, "
                         "found '%s'",
                         o->key, o->value);
      else if (o->key[0] == 's')
        m->opt_stale_warn_ms = v;
      else if (o->key[0] == 'l')
        m->opt_liveness_grace_ms = v;
      else
        m->opt_event_block_ms = v;
    } else if (strcmp(o->key, "event_capacity") == 0) {
      if (parse_u32(o->value, &v) != 0 || v < 1 || v > 16777216)
        ffirt__gen_error(c->d, o->loc,
                         "option event_capacity needs an integer from 1 to 16777216, found '%s'",
                         o->value);
      else
        m->opt_event_capacity = v;
    } else if (strcmp(o->key, "event_overflow") == 0) {
      if (strcmp(o->value, "drop_newest") == 0)
        m->opt_event_overflow = 0;
      else if (strcmp(o->value, "drop_oldest") == 0)
        m->opt_event_overflow = 1;
      else if (strcmp(o->value, "block") == 0)
        m->opt_event_overflow = 2;
      else {
        static const char *const policies[] = {"drop_newest", "drop_oldest", "block", NULL};
        const char *hint = ffirt__gen_suggest(o->value, policies);
        ffirt__gen_error(c->d, o->loc,
                         "option event_overflow must be drop_newest, drop_oldest or block, "
                         "found '%s'%s%s%s",
                         o->value, hint ? " (did you mean '" : "", hint ? hint : "",
                         hint ? "'?)" : "");
      }
    } else {
      static const char *const known[] = {"stale_warn_ms",     "event_capacity",
                                          "event_overflow",    "event_block_timeout_ms",
                                          "liveness_grace_ms", NULL};
      const char *hint = ffirt__gen_suggest(o->key, known);
      if (hint)
        ffirt__gen_warning(c->d, o->loc, "unknown option '%s' is ignored (did you mean '%s'?)",
                           o->key, hint);
      else
        ffirt__gen_warning(c->d, o->loc,
                           "unknown option '%s' is ignored (known: stale_warn_ms, "
                           "event_capacity, event_overflow, event_block_timeout_ms, "
                           "liveness_grace_ms)",
                           o->key);
    }
  }
}

/* ---- docs */

static void check_docs(checker *c, ffirt__gen_lexed *l) {
  for (size_t i = 0; i < l->ndocs; i++)
    if (!l->docs[i].used)
      ffirt__gen_warning(c->d, l->docs[i].loc,
                         "doc comment is not attached to a declaration, field or enumerator");
}

void ffirt__gen_check(ffirt__gen_model *m, ffirt__gen_arena *a, ffirt__gen_lexed *l,
                      ffirt__gen_diag *d, int syntax_errors) {
  checker c = {.m = m, .a = a, .d = d, .syntax_errors = syntax_errors};
  synthesize_payloads(&c);
  check_type_names(&c);
  resolve_all(&c);
  check_structs(&c);
  check_enums(&c);
  order_structs(&c);
  check_procs_events(&c);
  check_consts(&c);
  check_options(&c);
  check_use(&c);
  name_containers(&c);
  order_decls(&c);
  check_docs(&c, l);
}
