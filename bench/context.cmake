# Context runtime benchmark: sync round trip, async window, submit-only,
# worker hot vs parked, against a plain function call (bench_context.c).
ffirt_add_bench(bench_context SOURCES ${PROJECT_SOURCE_DIR}/bench/bench_context.c)
