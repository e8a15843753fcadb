# profreport - plain Makefile. `make demo` and `make test` set up what they
# need (Debian packages, installed with apt-get when run as root).

PREFIX  ?= /usr/local
DESTDIR ?=
CC      ?= cc
CFLAGS  ?= -O2 -g
WARN    := -std=c11 -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
           -Wformat=2 -Wvla
PYTHON  ?= /usr/bin/python3
# The version lives in one place: PR_VERSION_STRING in the public header.
VERSION := $(shell sed -n 's/^\#define PR_VERSION_STRING "\(.*\)"/\1/p' include/profreport.h)
# Header dependencies: each object also depends on the headers it included.
DEPFLAGS := -MMD -MP

BUILD_DEPS := pkg-config binutils libcsv-dev libcmark-gfm-dev \
              libcmark-gfm-extensions-dev zlib1g-dev libarchive-dev \
              libjansson-dev libprotobuf-c-dev protobuf-c-compiler
# python3-flask, python3-flask-sqlalchemy: the twin app of gatetest;
# clang, libclang-rt-dev: clangtest; time: the fault suite's RSS checks;
# jq, valgrind (callgrind_annotate), golang-go (go tool pprof): the
# exports' consumers in clitest. (npm, for speedscopetest, is installed by
# that test when missing: a machine may have Node's own npm, not Debian's.)
TEST_DEPS  := $(BUILD_DEPS) libcriterion-dev python3 groff-base \
              python3-flask python3-flask-sqlalchemy clang libclang-rt-dev \
              time cppcheck jq valgrind golang-go

# libcsv ships no .pc file: plain -lcsv.
PKGS     := libcmark-gfm zlib libarchive jansson libprotobuf-c
PC_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PC_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
LIBS      = $(PC_LIBS) -lcmark-gfm-extensions -lcsv -lm -pthread

LIB_SRC  := $(sort $(wildcard lib/*.c))
# Code protoc-c generates from proto/*.proto (-f pprof), built with lib/
# into the same library, never committed.
PROTO    := $(wildcard proto/*.proto)
GEN_SRC  := $(PROTO:proto/%.proto=build/gen/%.pb-c.c)
GEN_HDR  := $(GEN_SRC:.c=.h)
LIB_OBJ  := $(LIB_SRC:lib/%.c=build/lib/%.o) $(GEN_SRC:build/gen/%.c=build/lib/%.o)
SAN_OBJ  := $(LIB_OBJ:build/lib/%=build/san/lib/%)
CLANG_OBJ := $(LIB_OBJ:build/lib/%=build/clang/lib/%)
TEST_SRC := $(sort $(wildcard tests/test_*.c))
EX_SRC   := $(sort $(wildcard examples/*.c))

ALL_CFLAGS = $(WARN) $(CFLAGS) -Iinclude -Ilib -Ibuild/gen $(PC_CFLAGS) -pthread
LIB_VIS    = -fvisibility=hidden
OBJCOPY   ?= objcopy
# examples/ sees only the public header, like any user of the library.
EX_CFLAGS  = $(WARN) $(CFLAGS) -Iinclude -pthread
# Tests and CI: warnings are errors, sanitizers on. float-cast-overflow
# (a double too big for the integer it is cast to) is in neither
# compiler's `undefined` group: named here, and checked by clang too.
SAN       := -fsanitize=address,undefined,float-cast-overflow \
             -fno-omit-frame-pointer -fno-sanitize-recover=all
# PR_FAULT_INJECTION: the arena's allocation-failure hook (tests/test_oom.c).
TEST_CFLAGS = $(WARN) -Werror -O1 -g $(SAN) -DPR_FAULT_INJECTION -Iinclude -Ilib -Ibuild/gen \
              $(PC_CFLAGS) -pthread

.PHONY: all deps test-deps demo test unit symtest difftest clitest statetest faulttest browsertest speedscopetest truthtest gatetest gate-eval clangtest bench install \
        uninstall clean format lint sanitize

all: build/profreport build/libprofreport.a $(EX_SRC:examples/%.c=build/examples/%)

# dpkg-query runs once, and again when the Makefile (its package lists)
# or deps.sh changes: object rules wait on the stamp, not on the check.
build/.deps.stamp: Makefile mk/deps.sh
	@mkdir -p $(@D)
	@./mk/deps.sh $(BUILD_DEPS)
	@touch $@

build/.test-deps.stamp: Makefile mk/deps.sh
	@mkdir -p $(@D)
	@./mk/deps.sh $(TEST_DEPS)
	@touch $@

build/.fuzz-deps.stamp: Makefile mk/deps.sh
	@mkdir -p $(@D)
	@./mk/deps.sh $(FUZZ_DEPS)
	@touch $@

deps: build/.deps.stamp
test-deps: build/.test-deps.stamp

build/lib/%.o: lib/%.c | build/.deps.stamp
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LIB_VIS) $(DEPFLAGS) -c -o $@ $<

build/gen/%.pb-c.c build/gen/%.pb-c.h: proto/%.proto | build/.deps.stamp
	@mkdir -p $(@D)
	protoc-c --proto_path=proto --c_out=build/gen $<

build/lib/%.o: build/gen/%.c | build/.deps.stamp
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LIB_VIS) $(DEPFLAGS) -c -o $@ $<

# Files that include generated headers wait for them (the first build has
# no .d files yet to say so).
$(foreach d,build/lib build/san/lib build/clang/lib build/fuzz/lib,$(d)/render_pprof.o): $(GEN_HDR)

# The archive exports the public API only: lib/ is compiled with hidden
# visibility (PR_API marks the public functions), linked into one object
# (ld -r) so calls between files resolve inside it, and objcopy then makes
# every hidden symbol local. `nm -g` shows pr_ names only (tests/symbols.sh).
# The sanitizer build (build/san/) links the plain objects, so unit tests
# still reach internal functions.
build/libprofreport.o: $(LIB_OBJ)
	$(LD) -r -o $@ $^
	$(OBJCOPY) --localize-hidden $@

build/libprofreport.a: build/libprofreport.o
	rm -f $@
	$(AR) rcs $@ $^

build/profreport: cmd/profreport.c include/profreport.h build/libprofreport.a
	$(CC) $(ALL_CFLAGS) -o $@ $< build/libprofreport.a $(LIBS)

# The man page and the pkg-config file get the version from the header.
build/profreport.1: man/profreport.1 include/profreport.h
	@mkdir -p $(@D)
	sed -e 's|@VERSION@|$(VERSION)|g' man/profreport.1 > $@

build/profreport.pc: mk/profreport.pc.in include/profreport.h
	@mkdir -p $(@D)
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' $< > $@

build/examples/%: examples/%.c include/profreport.h build/libprofreport.a
	@mkdir -p $(@D)
	$(CC) $(EX_CFLAGS) -o $@ $< build/libprofreport.a $(LIBS)

# ---- tests --------------------------------------------------------------

build/san/lib/%.o: lib/%.c | build/.test-deps.stamp
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) $(DEPFLAGS) -c -o $@ $<

build/san/lib/%.o: build/gen/%.c | build/.test-deps.stamp
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) $(DEPFLAGS) -c -o $@ $<

# tests/test_oom.c fails chosen allocations: lib/'s calls to these go
# through its wrappers.
OOM_WRAP := -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=strdup

build/san/unit: $(TEST_SRC) $(SAN_OBJ) $(GEN_HDR) tests/testutil.h \
                $(wildcard lib/*.h) include/profreport.h
	$(CC) $(TEST_CFLAGS) -o $@ $(TEST_SRC) \
	    $(SAN_OBJ) $(LIBS) -lcriterion $(OOM_WRAP)

build/san/profreport: cmd/profreport.c include/profreport.h $(SAN_OBJ)
	$(CC) $(TEST_CFLAGS) -o $@ $< $(SAN_OBJ) $(LIBS)

unit: build/san/unit
	./tests/run_unit.sh ../build/san/unit

symtest: build/libprofreport.a
	./tests/symbols.sh build/libprofreport.a

difftest: build/san/profreport test-deps
	PROFREPORT=build/san/profreport PYTHON=$(PYTHON) ./tests/difftest.sh

clitest: build/san/profreport
	PROFREPORT=build/san/profreport ./tests/clitest.sh

faulttest: build/san/profreport build/profreport
	PROFREPORT=build/san/profreport PROFREPORT_RELEASE=build/profreport \
	    ./tests/faulttest.sh

statetest: build/san/profreport test-deps
	PROFREPORT=build/san/profreport PYTHON=$(PYTHON) ./tests/statetest.sh

# The CI gate on pairs of runs of the twin app (A/A must pass, A/B must
# name the slower view and its module), generated once into the cache.
gatetest: build/san/profreport test-deps
	PROFREPORT=build/san/profreport PYTHON=$(PYTHON) ./tests/gatetest.sh

# False-alarm rate over 24 A/A pairs, detection over 10 A/B pairs at 30
# and at 50 requests a route, and the requests an endpoint needs (README,
# "A CI gate that does not cry wolf"). Not part of make test: 44 pairs of
# the twin app are generated into the cache the first time (8 minutes on
# the loaded 2-vCPU machine), later runs take about 3.
gate-eval: build/profreport test-deps
	PROFREPORT=build/profreport PYTHON=$(PYTHON) ./tests/gate_eval.sh

# The same command-line tests against a clang build with ASan, UBSan and
# float-cast-overflow: the second compiler's sanitizers catch what gcc's
# miss (and clang's warnings are errors too).
CLANG_CC ?= clang
build/clang/lib/%.o: lib/%.c | build/.test-deps.stamp
	@mkdir -p $(@D)
	$(CLANG_CC) $(TEST_CFLAGS) $(DEPFLAGS) -c -o $@ $<

build/clang/lib/%.o: build/gen/%.c | build/.test-deps.stamp
	@mkdir -p $(@D)
	$(CLANG_CC) $(TEST_CFLAGS) $(DEPFLAGS) -c -o $@ $<

build/clang/profreport: cmd/profreport.c $(CLANG_OBJ)
	$(CLANG_CC) $(TEST_CFLAGS) -o $@ $< $(CLANG_OBJ) $(LIBS)

clangtest: build/clang/profreport
	PROFREPORT=build/clang/profreport ./tests/clitest.sh

# The HTML report in headless Chromium (installed when missing);
# screenshots of the demo report go to build/artifacts/.
browsertest: build/san/profreport
	PROFREPORT=build/san/profreport PYTHON=$(PYTHON) ./tests/browsertest.sh

# -f speedscope opened by the speedscope app (npm, cached under
# PROFREPORT_CACHE) in headless Chromium (browsertest installs it).
speedscopetest: build/san/profreport test-deps
	PROFREPORT=build/san/profreport PYTHON=$(PYTHON) ./tests/speedscopetest.sh

# Findings, module shares and request wall times against the truth
# measured while tests/data/truth/ was written (tests/gen/make_truth_fixtures.sh).
truthtest: build/san/profreport test-deps
	PROFREPORT=build/san/profreport PYTHON=$(PYTHON) ./tests/truthtest.sh

# The fixtures must come out of the tests as they went in: mode, size,
# mtime and bytes (a test's chmod -R once reached them through hard
# links and made them executable).
DATA_MANIFEST = find tests/data -type f -printf '%m %s %T@ %p\n' | sort; \
	find tests/data -type f -print0 | sort -z | xargs -0 cat | md5sum
test: test-deps
	@mkdir -p build && { $(DATA_MANIFEST); } > build/data.before
	$(MAKE) lint unit symtest difftest clitest statetest faulttest gatetest browsertest speedscopetest truthtest clangtest all
	@{ $(DATA_MANIFEST); } | diff build/data.before - > build/data.diff \
	    && echo "tests/data: every fixture as it was" \
	    || { echo "tests/data: fixtures changed by the tests:"; head -20 build/data.diff; exit 1; }

sanitize: unit

# ---- demo, bench --------------------------------------------------------

demo: all
	./build/profreport examples/profiles
	./build/profreport --quiet -f html -o build/demo-report.html examples/profiles
	@echo "The same report as one HTML file: build/demo-report.html"

# The corpus is written by a Flask app behind werkzeug's ProfilerMiddleware
# (bench/gen_bench.sh); /usr/bin/time measures peak RSS.
BENCH_DEPS := python3 python3-flask python3-flask-sqlalchemy time

bench: all
	@./mk/deps.sh $(BENCH_DEPS)
	./bench/bench.sh

# ---- fuzzing ------------------------------------------------------------
# libFuzzer targets in fuzz/ (see fuzz/README.md), built with clang (Debian
# clang and libclang-rt-dev, installed by mk/deps.sh) into build/fuzz/
# with lib/ under ASan and UBSan. `make fuzz` writes seed corpora outside
# the tree (fuzz/seeds.sh) and runs each target FUZZ_TIME seconds (0: no
# limit) or FUZZ_RUNS executions, in FUZZ_JOBS processes (one per core);
# FUZZ_TARGETS picks targets, FUZZ_ARGS adds libFuzzer flags:
#   make fuzz FUZZ_TARGETS=state FUZZ_TIME=0 FUZZ_RUNS=10000000 FUZZ_JOBS=2
# UBSan is left recoverable so that FUZZ_SKIP_KNOWN=1 can fuzz on past the
# bugs already reported (fuzz/known-bugs.supp); fuzz/fuzz.h still makes it
# stop at the first report.

FUZZ_CC      ?= clang
FUZZ_TIME    ?= 60
FUZZ_ARGS    ?=
FUZZ_RUNS    ?= 0
FUZZ_JOBS    ?= 1
FUZZ_SKIP_KNOWN ?= 0
FUZZ_TARGETS ?= profile name state baseline report
FUZZ_DEPS    := $(BUILD_DEPS) clang libclang-rt-dev
FUZZ_CFLAGS   = $(WARN) -O1 -g -fno-omit-frame-pointer \
                -fsanitize=address,undefined,float-cast-overflow \
                -Iinclude -Ilib -Ibuild/gen $(PC_CFLAGS) -pthread
FUZZ_LIB_OBJ := $(LIB_OBJ:build/lib/%=build/fuzz/lib/%)

.PHONY: fuzz fuzz-build fuzz-deps fuzz-seeds
# Objects reached only through the pattern rule below: keep them.
.SECONDARY: $(FUZZ_LIB_OBJ)

fuzz-deps: build/.fuzz-deps.stamp

build/fuzz/lib/%.o: lib/%.c | build/.fuzz-deps.stamp
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(DEPFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

build/fuzz/lib/%.o: build/gen/%.c | build/.fuzz-deps.stamp
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(DEPFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

build/fuzz/fuzz_%: fuzz/fuzz_%.c fuzz/fuzz.h $(FUZZ_LIB_OBJ)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer \
	    -DFUZZ_DATA_DIR='"$(CURDIR)/tests/data"' -o $@ $< $(FUZZ_LIB_OBJ) $(LIBS)

fuzz-build: $(FUZZ_TARGETS:%=build/fuzz/fuzz_%)

fuzz-seeds: build/profreport
	PROFREPORT=build/profreport ./fuzz/seeds.sh $(FUZZ_TARGETS)

fuzz: fuzz-build fuzz-seeds
	FUZZ_TIME=$(FUZZ_TIME) FUZZ_ARGS='$(FUZZ_ARGS)' FUZZ_RUNS=$(FUZZ_RUNS) \
	    FUZZ_JOBS=$(FUZZ_JOBS) FUZZ_SKIP_KNOWN=$(FUZZ_SKIP_KNOWN) ./fuzz/run.sh $(FUZZ_TARGETS)

# ---- install ------------------------------------------------------------

install: all build/profreport.1 build/profreport.pc
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib \
	    $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/pkgconfig \
	    $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 build/profreport $(DESTDIR)$(PREFIX)/bin/profreport
	install -m 644 build/libprofreport.a $(DESTDIR)$(PREFIX)/lib/
	install -m 644 include/profreport.h $(DESTDIR)$(PREFIX)/include/
	install -m 644 build/profreport.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 644 build/profreport.pc $(DESTDIR)$(PREFIX)/lib/pkgconfig/

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/profreport \
	    $(DESTDIR)$(PREFIX)/lib/libprofreport.a \
	    $(DESTDIR)$(PREFIX)/include/profreport.h \
	    $(DESTDIR)$(PREFIX)/lib/pkgconfig/profreport.pc \
	    $(DESTDIR)$(PREFIX)/share/man/man1/profreport.1

format:
	clang-format -i cmd/*.c lib/*.c lib/*.h include/*.h tests/*.c tests/*.h examples/*.c

# cppcheck, and the functions the style guide bans (word match, so
# snprintf is fine). Part of `make test`.
BANNED := strcpy|sprintf|vsprintf|strtok|atoi|gets

lint: build/.test-deps.stamp
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
	    --inline-suppr -Iinclude -Ilib lib cmd
	@if grep -nE '\b($(BANNED)) *\(' lib/*.c lib/*.h cmd/*.c include/*.h; then \
	    echo "lint: banned function (see STYLE)"; exit 1; fi

clean:
	rm -rf build

-include $(wildcard build/lib/*.d build/san/lib/*.d build/clang/lib/*.d build/fuzz/lib/*.d)
