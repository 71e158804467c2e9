# SPDX-License-Identifier: Apache-2.0
# Thin driver around CMake.  `make check` is the test command of the README
# and of CI: it installs missing Debian packages (as root), then builds and
# tests twice: a -Werror build and an ASan/UBSan build.
BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
JOBS       ?= $(shell nproc)
CTEST_ARGS ?= --output-on-failure -j $(JOBS)

.PHONY: all deps build build-asan check check-build check-asan demo fuzz clean

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

# The full local demo: a private Postfix on loopback, postmask-milter,
# postmask-bridge and the Twilio stand-in play one conversation and print
# each hop, then what the building contact receives (a burst of SMS as one
# email, both parts, the reply trimmed at the marker, the flood limit);
# everything started is stopped at the end.  As root.
demo: build
	PM_DEMO=1 BIN=$(CURDIR)/$(BUILD) SRC=$(CURDIR) sh tests/postfix/e2e_flow.sh
	PM_DEMO=1 BIN=$(CURDIR)/$(BUILD) SRC=$(CURDIR) sh tests/postfix/e2e_email.sh

fuzz: deps
	CC=clang cmake -S . -B $(FUZZ_BUILD) -DPOSTMASK_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(FUZZ_BUILD) -j $(JOBS)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)

# The Debian package, unsigned and binary-only, in build-deb/ (the .deb,
# .buildinfo and .changes; build-deb/src is the copy it was built from).
# Needs debhelper and dpkg-dev: apt-get install debhelper devscripts.  The
# tests are not run again inside the package build (make check runs them);
# make deb DEB_BUILD_OPTIONS= runs them there too.
DEB_BUILD ?= build-deb
.PHONY: deb
deb: deps
	sh packaging/build-deb.sh $(CURDIR)/$(DEB_BUILD)

# The package's autopkgtest (packaging/debian/tests), on this machine
# (autopkgtest's null testbed): it installs the .deb, configures the system
# Postfix on loopback, and removes the package again.  Root only; for CI
# and scratch machines.  Needs autopkgtest and debhelper.
.PHONY: check-deb
check-deb: deb
	autopkgtest $(CURDIR)/$(DEB_BUILD)/postmask_*.deb $(CURDIR)/$(DEB_BUILD)/src/ -- null
