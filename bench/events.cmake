# Benchmark of the event runtime (bench/bench_events.c). GLib's
# g_signal_emit is the named baseline; without gobject-2.0 the benchmark is
# skipped (it never fails a build).
pkg_check_modules(GOBJECT IMPORTED_TARGET gobject-2.0)
if(GOBJECT_FOUND)
  ffirt_add_bench(bench_events SOURCES ${PROJECT_SOURCE_DIR}/bench/bench_events.c
    LIBS PkgConfig::GOBJECT)
else()
  message(STATUS "bench_events: gobject-2.0 not found, skipped")
endif()
