/*
 * main.c - the ffirt-gen command line: reads one .ffi file, reports its
 * diagnostics and runs the requested emitters.
 *
 *   ffirt-gen [-o OUTDIR] [--lang c,cddl,rust] [--lib-dir DIR] FILE.ffi
 *
 * Exit status: 0 success (warnings allowed), 1 errors in the IDL (or an
 * emitter failed to write), 2 usage errors (unknown option or language,
 * missing or unreadable file).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "emit.h"
#include "lex.h"

#include "ffirt/common.h"

static const char usage[] =
    "usage: ffirt-gen [-o OUTDIR] [--lang LANGS] FILE.ffi\n"
    "\n"
    "Reads an IDL file, reports every problem in it, and writes the bindings.\n"
    "\n"
    "options:\n"
    "  -o, --output OUTDIR  directory to write into (default: the current one)\n"
    "  --lang LANGS         comma-separated outputs (default: c,cddl):\n"
    "                         c     <lib>_ffi.h, <lib>_ffi.c, <lib>.h, <lib>_cbor.h\n"
    "                         cddl  <lib>.cddl\n"
    "                         cpp   <lib>.hpp (C++20, header-only)\n"
    "                         go    a Go module: go.mod, <lib>.go, <lib>_cgo.go, <lib>.h\n"
    "                         python  <lib>/ (a ctypes package: __init__.py, _runtime.py)\n"
    "                         rust  a Cargo crate: Cargo.toml, build.rs, src/*.rs\n"
    "                         remote <lib>_remote.c (lib<lib>_remote.so, docs/remote.md)\n"
    "  --lib-dir DIR        where lib<lib>.so is built (written into the Rust\n"
    "                       crate's build.rs; FFIRT_LIB_DIR overrides it)\n"
    "  --check              only check the IDL, write nothing\n"
    "  -h, --help           this text\n"
    "  --version            the generator's and the runtime's version\n"
    "\n"
    "exit status: 0 success, 1 errors in the IDL, 2 usage error\n";

/* Every output kind, in the order --lang lists them. A language is one row
 * (and one emitter in src/gen/c/ or src/gen/lang/). */
typedef int (*emit_fn)(const ffirt__gen_model *m, const char *outdir);
static const struct target {
  const char *name;
  emit_fn emit[3]; /* run in order; NULL-terminated */
} targets[] = {
    {"c", {ffirt__gen_emit_c_glue, ffirt__gen_emit_c_host, ffirt__gen_emit_c_cbor_host}},
    {"cddl", {ffirt__gen_emit_cddl}},
    {"cpp", {ffirt__gen_emit_cpp}},
    {"go", {ffirt__gen_emit_go}},
    {"python", {ffirt__gen_emit_python}},
    {"rust", {ffirt__gen_emit_rust}},
    {"remote", {ffirt__gen_emit_c_remote}},
};
enum { NTARGETS = sizeof targets / sizeof targets[0] };

static void known_langs(FILE *f) {
  for (size_t i = 0; i < NTARGETS; i++)
    fprintf(f, "%s%s", i ? ", " : "", targets[i].name);
}

static int parse_langs(const char *s, unsigned *mask) {
  *mask = 0;
  while (*s) {
    const char *comma = strchr(s, ',');
    size_t n = comma ? (size_t)(comma - s) : strlen(s);
    size_t i = 0;
    while (i < NTARGETS && !(strlen(targets[i].name) == n && strncmp(s, targets[i].name, n) == 0))
      i++;
    if (i == NTARGETS) {
      fprintf(stderr, "ffirt-gen: unknown language '%.*s' (known: ", (int)n, s);
      known_langs(stderr);
      fprintf(stderr, ")\n");
      return -1;
    }
    *mask |= 1u << i;
    s += n;
    if (*s == ',') s++;
  }
  if (*mask == 0) {
    fprintf(stderr, "ffirt-gen: --lang needs at least one language (");
    known_langs(stderr);
    fprintf(stderr, ")\n");
    return -1;
  }
  return 0;
}

/* mkdir -p: creates dir and its missing parents. Returns 0 or -1 (errno). */
static int make_dirs(const char *dir) {
  if (!dir[0]) return 0;
  char *path = strdup(dir);
  if (!path) return -1;
  for (char *p = path + 1;; p++) {
    if (*p != '/' && *p != '\0') continue;
    char c = *p;
    *p = '\0';
    if (mkdir(path, 0777) != 0 && errno != EEXIST) {
      free(path);
      return -1;
    }
    *p = c;
    if (!c) break;
  }
  free(path);
  return 0;
}

static char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 65536, n = 0;
  char *buf = malloc(cap);
  while (buf) {
    size_t got = fread(buf + n, 1, cap - n, f);
    n += got;
    if (n < cap) break;
    char *p = realloc(buf, cap * 2);
    if (!p) {
      free(buf);
      buf = NULL;
      break;
    }
    buf = p;
    cap *= 2;
  }
  int failed = ferror(f), err = errno; /* fread sets errno (EISDIR, EIO, ...) */
  fclose(f);
  if (failed || !buf) {
    free(buf);
    errno = failed ? err : ENOMEM;
    return NULL;
  }
  *len = n;
  return buf;
}

int main(int argc, char **argv) {
  const char *outdir = "";
  const char *file = NULL;
  unsigned langs = 1u << 0 | 1u << 1; /* c, cddl */
  int check_only = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      fputs(usage, stdout);
      return 0;
    } else if (strcmp(a, "--version") == 0) {
      printf("ffirt-gen %s (ffirt %s)\n", FFIRT_VERSION_STRING, FFIRT_VERSION_STRING);
      return 0;
    } else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
      if (++i >= argc) {
        fprintf(stderr, "ffirt-gen: %s needs a directory\n%s", a, usage);
        return 2;
      }
      outdir = argv[i];
    } else if (strcmp(a, "--lang") == 0) {
      if (++i >= argc) {
        fprintf(stderr, "ffirt-gen: --lang needs a list of languages\n%s", usage);
        return 2;
      }
      if (parse_langs(argv[i], &langs) != 0) return 2;
    } else if (strncmp(a, "--lang=", 7) == 0) {
      if (parse_langs(a + 7, &langs) != 0) return 2;
    } else if (strcmp(a, "--lib-dir") == 0) {
      if (++i >= argc) {
        fprintf(stderr, "ffirt-gen: --lib-dir needs a directory\n%s", usage);
        return 2;
      }
      ffirt__gen_lib_dir = argv[i];
    } else if (strcmp(a, "--check") == 0) {
      check_only = 1;
    } else if (a[0] == '-' && a[1] != '\0') {
      fprintf(stderr, "ffirt-gen: unknown option '%s'\n%s", a, usage);
      return 2;
    } else if (file) {
      fprintf(stderr, "ffirt-gen: more than one input file ('%s' and '%s')\n", file, a);
      return 2;
    } else {
      file = a;
    }
  }
  if (!file) {
    fprintf(stderr, "ffirt-gen: missing the IDL file argument\n%s", usage);
    return 2;
  }
  size_t len = 0;
  char *src = read_file(file, &len);
  if (!src) {
    fprintf(stderr, "ffirt-gen: cannot read '%s': %s\n", file, strerror(errno));
    return 2;
  }
  ffirt__gen_diag d = {0};
  ffirt__gen_model *m = ffirt__gen_parse(file, src, len, &d);
  if (!m) {
    fprintf(stderr, "ffirt-gen: out of memory\n");
    ffirt__gen_diag_free(&d);
    free(src);
    return 1;
  }
  ffirt__gen_diag_summary(&d);
  if (d.out_len) fputs(d.out, stderr);
  int rc = d.errors ? 1 : 0;
  if (rc == 0 && !check_only && make_dirs(outdir) != 0) {
    fprintf(stderr, "ffirt-gen: cannot create '%s': %s\n", outdir, strerror(errno));
    rc = 1;
  }
  if (rc == 0 && !check_only) {
    for (size_t i = 0; i < NTARGETS && rc == 0; i++)
      if (langs & 1u << i)
        for (size_t k = 0; k < 3 && targets[i].emit[k] && rc == 0; k++)
          if (targets[i].emit[k](m, outdir) != 0) rc = 1;
  }
  ffirt__gen_model_free(m);
  ffirt__gen_diag_free(&d);
  free(src);
  return rc;
}
