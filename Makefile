# Thin driver around CMake.  `make check` is the test command of the README
# and of CI: it installs missing Debian packages (as root), then builds and
# tests twice: a -Werror build and an ASan/UBSan build.
BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
JOBS       ?= $(shell nproc)
CTEST_ARGS ?= --output-on-failure

.PHONY: all deps build build-asan check check-build check-asan fuzz clean

all: build

deps:
	scripts/install-deps

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(BUILD) -j $(JOBS)

build-asan: deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DPOSTMASK_SANITIZE=ON
	cmake --build $(ASAN_BUILD) -j $(JOBS)

check-build: build
	cd $(BUILD) && ctest $(CTEST_ARGS)

check-asan: build-asan
	cd $(ASAN_BUILD) && ctest $(CTEST_ARGS)

check: check-build check-asan

fuzz: deps
	CC=clang cmake -S . -B $(FUZZ_BUILD) -DPOSTMASK_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(FUZZ_BUILD) -j $(JOBS)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
