# The README's two commands: `make demo` and `make test`.
# Each installs missing Debian packages first (scripts/deps.sh).
JOBS ?= $(shell nproc)
BUILD ?= build
# `make install PREFIX=...`: where the runtime, ffirt-gen and the packages go.
PREFIX ?= /usr/local

.PHONY: all deps build demo test soak fuzz-long regen-golden bench clean install

all: build

deps:
	@scripts/deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# The main demo: the my_timer example host (falls back to the codec demo
# while the examples are not built).
demo: build
	@if [ -x $(BUILD)/bin/my_timer_demo ]; then $(BUILD)/bin/my_timer_demo; \
	 else $(BUILD)/bin/ffirt-cbor-demo; fi

# Every suite: unit (ctest), asan+ubsan, tsan (concurrency), fuzz (short), format.
test: deps
	@scripts/test.sh

bench: build
	@for b in $(BUILD)/bench/*; do [ -x "$$b" ] && "$$b"; done

soak: build
	@scripts/soak.sh

fuzz-long: deps
	@FUZZ_SECONDS=600 scripts/test.sh fuzz

regen-golden: build
	@scripts/regen-golden.sh

# Installs the runtime, ffirt-gen, headers, docs/abi.md, the CMake package and
# the pkg-config file into PREFIX, from a build of its own without tests,
# benchmarks or examples (only the build's own Debian packages are needed).
install:
	@scripts/deps.sh build
	@cmake -S . -B $(BUILD)-install -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_INSTALL_PREFIX="$(PREFIX)" -DFFIRT_BUILD_TESTS=OFF -DFFIRT_BUILD_BENCH=OFF \
	  -DFFIRT_BUILD_EXAMPLES=OFF >/dev/null
	@cmake --build $(BUILD)-install -j $(JOBS)
	@cmake --install $(BUILD)-install

clean:
	rm -rf build build-asan build-tsan build-fuzz build-install
