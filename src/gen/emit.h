/*
 * emit.h - one entry point per output kind. Each reads only the checked
 * model and writes its files into outdir through writer.h. Returns 0 or -1
 * (the reason already printed to stderr).
 */
#ifndef FFIRT_GEN_EMIT_H
#define FFIRT_GEN_EMIT_H

#include "ir.h"
#include "writer.h"

/* <lib>_ffi.h and <lib>_ffi.c: the author's side and every export (emit_c_glue.c). */
int ffirt__gen_emit_c_glue(const ffirt__gen_model *m, const char *outdir);
/* <lib>.h: the native host header (emit_c_host.c). */
int ffirt__gen_emit_c_host(const ffirt__gen_model *m, const char *outdir);
/* <lib>_cbor.h: the self-contained CBOR host header (emit_c_cbor_host.c). */
int ffirt__gen_emit_c_cbor_host(const ffirt__gen_model *m, const char *outdir);
/* <lib>_remote.c: lib<lib>_remote.so, the exports over NATS (emit_c_remote.c). */
int ffirt__gen_emit_c_remote(const ffirt__gen_model *m, const char *outdir);
/* <lib>.cddl: the wire schema (emit_cddl.c). */
int ffirt__gen_emit_cddl(const ffirt__gen_model *m, const char *outdir);
/* <lib>/: the Python package over the native ABI (emit_python.c). */
int ffirt__gen_emit_python(const ffirt__gen_model *m, const char *outdir);
/* The text of <lib>.cddl into w (emit_cddl.c); the glue's descriptor embeds it. */
void ffirt__gen_cddl_write(const ffirt__gen_model *m, ffirt__gen_writer *w);

/* <lib>.hpp: the header-only C++20 binding (src/gen/lang/emit_cpp.c). */
int ffirt__gen_emit_cpp(const ffirt__gen_model *m, const char *outdir);
/* The Go module of the library: go.mod, <lib>.go, <lib>_cgo.go and a copy
 * of <lib>.h (emit_go.c). */
int ffirt__gen_emit_go(const ffirt__gen_model *m, const char *outdir);
/* The Rust crate: Cargo.toml, build.rs, src/ (src/gen/lang/emit_rust.c). */
int ffirt__gen_emit_rust(const ffirt__gen_model *m, const char *outdir);

/* --lib-dir: the directory lib<lib>.so is built into, written into the
 * build scripts of language bindings that link it (Rust build.rs); NULL when
 * not given (they then rely on an environment variable or the system). */
extern const char *ffirt__gen_lib_dir;

#endif /* FFIRT_GEN_EMIT_H */
