# cprof: one Makefile for the launcher (cprofrun), the preload library (libcprof.so),
# the encoder, the tests and the benchmarks. Everything is built into build/.
#
#   make            build build/cprofrun and build/libcprof.so
#   make demo       install missing packages (as root), build, profile the demo, show its top
#   make test       install missing packages (as root), build with -Werror, run tests/run
#   make bench      run the benchmarks (ratios against the plain run and the peers)
#   make install    PREFIX (default /usr/local) and DESTDIR are honoured
#   make clean

VERSION    := 0.1.0
PREFIX     ?= /usr/local
DESTDIR    ?=
PKG_CONFIG ?= pkg-config
PROTOC_C   ?= protoc-c
CXX        ?= g++
CFLAGS     ?= -g -O2
CXXFLAGS   ?= -g -O2
B          := build

# Dependencies are looked up lazily (recursive variables), so that "make clean" and the
# install script work on a machine that has none of them yet.
PKGS        = libprotobuf-c zlib
DEP_CFLAGS  = $(shell $(PKG_CONFIG) --cflags $(PKGS))
DEP_LIBS    = $(shell $(PKG_CONFIG) --libs $(PKGS))
UNW_CFLAGS  = $(shell $(PKG_CONFIG) --cflags libunwind)
UNW_LIBS    = $(shell $(PKG_CONFIG) --libs libunwind)

WARN       := -Wall -Wextra -Wno-unused-parameter -Wshadow -Wstrict-prototypes
ifeq ($(WERROR),1)
WARN       += -Werror
endif
BASE_CFLAGS = -std=c11 $(CFLAGS) $(WARN) -MMD -MP -D_GNU_SOURCE -DCPROF_VERSION='"$(VERSION)"' \
              -iquote encoder -iquote preload -I$(B)/gen $(DEP_CFLAGS)
# The preload runs inside other programs: hidden symbols (only interposed libc names and
# the cprof_* API are exported), no builtin malloc folding (calloc must not become a call
# to itself), TLS in the initial-exec model.
PRELOAD_CFLAGS = -fPIC -fvisibility=hidden -ftls-model=initial-exec -fno-builtin-malloc \
                 -fno-builtin-calloc -fno-builtin-realloc -fno-builtin-free

ENC_SRC  := $(wildcard encoder/*.c)
PRE_SRC  := $(wildcard preload/*.c)
LAU_SRC  := $(wildcard launcher/*.c)
GEN_C    := $(B)/gen/profile.pb-c.c
GEN_H    := $(B)/gen/profile.pb-c.h
ENC_OBJ  := $(ENC_SRC:%.c=$(B)/obj/%.o) $(B)/obj/gen/profile.pb-c.o
PRE_OBJ  := $(PRE_SRC:%.c=$(B)/obj/%.o)
LAU_OBJ  := $(LAU_SRC:%.c=$(B)/obj/%.o)

LIB      := $(B)/libcprof.so
LAUNCHER := $(B)/cprofrun
PDUMP    := $(B)/pdump

.PHONY: all demo test check test-build bench install uninstall clean check-deps deps lint fuzz
.DEFAULT_GOAL := all

all: check-deps $(LIB) $(LAUNCHER) $(PDUMP)

# One line naming the Debian package when something is missing (scripts/deps.sh installs them).
check-deps:
	$(if $(shell command -v $(PKG_CONFIG)),,$(error cprof needs pkg-config: install the Debian package pkg-config (scripts/deps.sh does it)))
	$(if $(shell $(PKG_CONFIG) --exists libprotobuf-c && echo y),,$(error cprof needs libprotobuf-c: install the Debian package libprotobuf-c-dev (scripts/deps.sh does it)))
	$(if $(shell $(PKG_CONFIG) --exists zlib && echo y),,$(error cprof needs zlib: install the Debian package zlib1g-dev (scripts/deps.sh does it)))
	$(if $(shell $(PKG_CONFIG) --exists libunwind && echo y),,$(error cprof needs libunwind: install the Debian package libunwind-dev (scripts/deps.sh does it)))
	$(if $(shell command -v $(PROTOC_C)),,$(error cprof needs protoc-c: install the Debian package protobuf-c-compiler (scripts/deps.sh does it)))

deps:
	scripts/deps.sh

# --- encoder: protoc-c output is generated here, never committed -----------------------
$(GEN_C) $(GEN_H) &: encoder/profile.proto | check-deps
	@mkdir -p $(B)/gen
	$(PROTOC_C) --proto_path=encoder --c_out=$(B)/gen encoder/profile.proto

$(B)/obj/gen/profile.pb-c.o: $(GEN_C)
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) -fPIC -fvisibility=hidden -Wno-shadow -Wno-strict-prototypes -c $< -o $@

$(B)/obj/encoder/%.o: encoder/%.c $(GEN_H)
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) -fPIC -fvisibility=hidden -c $< -o $@

$(B)/libcprofenc.a: $(ENC_OBJ)
	$(AR) rcs $@ $^

# --- preload -----------------------------------------------------------------------------
$(B)/obj/preload/%.o: preload/%.c $(GEN_H)
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(PRELOAD_CFLAGS) -c $< -o $@

# An operator new that throws unwinds through its wrapper, whose cleanup must run.
$(B)/obj/preload/heap_wrap.o: PRELOAD_CFLAGS += -fexceptions

$(LIB): $(PRE_OBJ) $(B)/libcprofenc.a preload/libcprof.map
	$(CC) -shared -o $@ $(PRE_OBJ) $(B)/libcprofenc.a $(DEP_LIBS) -ldl -pthread -lm \
	      -Wl,--exclude-libs,ALL -Wl,-z,now -Wl,-z,nodelete -Wl,--no-undefined \
	      -Wl,--version-script=preload/libcprof.map

# --- launcher ----------------------------------------------------------------------------
$(B)/obj/launcher/%.o: launcher/%.c $(GEN_H)
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) -c $< -o $@

# The launcher checks -signal and -period with the library's own parsers.
LAU_PRE := $(B)/obj/preload/signame.o $(B)/obj/preload/duration.o
$(LAUNCHER): $(LAU_OBJ) $(LAU_PRE) $(B)/libcprofenc.a
	$(CC) -o $@ $(LAU_OBJ) $(LAU_PRE) $(B)/libcprofenc.a $(DEP_LIBS) -lm

# pdump: the project's decoder as a command (tests and humans: -raw, -top, -check)
$(B)/obj/tests/tools/%.o: tests/tools/%.c $(GEN_H)
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) -c $< -o $@

$(PDUMP): $(B)/obj/tests/tools/pdump.o $(B)/libcprofenc.a
	$(CC) -o $@ $^ $(DEP_LIBS) -lm

# hreq: a raw HTTP client for the 7xxx tests (slow, partial and malformed requests)
HREQ := $(B)/hreq
$(HREQ): $(B)/obj/tests/tools/hreq.o
	$(CC) -o $@ $^

# --- tests -------------------------------------------------------------------------------
# Unit tests: tests/unit/NAME.c links the objects named in UNIT_DEPS_NAME.
UNIT_SRC := $(wildcard tests/unit/*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/unit/%)
PRE_LIBOBJ = $(addprefix $(B)/obj/preload/,$(1))
UNIT_DEPS_encoder_test  = $(B)/libcprofenc.a
UNIT_DEPS_merge_test    = $(B)/libcprofenc.a
UNIT_DEPS_legacy_test   = $(B)/libcprofenc.a
UNIT_DEPS_labels_test   = $(call PRE_LIBOBJ,labels.o log.o real.o)
UNIT_DEPS_symbols_test  = $(call PRE_LIBOBJ,symbols.o lines.o)
UNIT_DEPS_unwind_test   = $(call PRE_LIBOBJ,unwind_sig.o modules.o log.o real.o)
UNIT_DEPS_stacks_test   = $(call PRE_LIBOBJ,stacks.o records.o log.o)
UNIT_DEPS_httpreq_test  = $(call PRE_LIBOBJ,httpreq.o) $(B)/obj/tests/fuzz/httpreq_fuzz.o
UNIT_LIBS_unwind_test   = $(UNW_LIBS)

# Fuzz targets (tests/fuzz/NAME_fuzz.c): linked into the unit tests that replay their
# corpus, and built with clang's libFuzzer by "make fuzz".
$(B)/obj/tests/fuzz/%.o: tests/fuzz/%.c
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) -c $< -o $@

$(B)/obj/tests/unit/%.o: tests/unit/%.c $(GEN_H)
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(UNW_CFLAGS) -c $< -o $@

.SECONDEXPANSION:
# The symbolizer's test reads these objects (DWARF 4, compressed DWARF 5).
$(B)/tests/unit/symbols_test: | $(B)/tests/progs/symtest_dwarf4 $(B)/tests/progs/symtest_gz

$(B)/tests/unit/%: $(B)/obj/tests/unit/%.o $$(UNIT_DEPS_$$*)
	@mkdir -p $(@D)
	$(CC) -o $@ $^ $(DEP_LIBS) $(UNIT_LIBS_$*) -ldl -pthread -lm

# Programs to profile: tests/progs/NAME.c or NAME.cc, extra flags in PROG_FLAGS_NAME.
# Libraries for them: tests/progs/libNAME.c builds $(B)/tests/progs/libNAME.so.
PROG_LIB := $(wildcard tests/progs/lib*.c)
PROG_C   := $(filter-out $(PROG_LIB),$(wildcard tests/progs/*.c))
PROG_CC  := $(wildcard tests/progs/*.cc)
PROG_BIN := $(PROG_C:tests/progs/%.c=$(B)/tests/progs/%) $(PROG_CC:tests/progs/%.cc=$(B)/tests/progs/%) \
            $(PROG_LIB:tests/progs/%.c=$(B)/tests/progs/%.so)
PROG_CFLAGS := -g -O2 -Wall -Wno-unused-result -pthread -D_GNU_SOURCE -iquote preload
include tests/progs/flags.mk

$(B)/tests/progs/lib%.so: tests/progs/lib%.c
	@mkdir -p $(@D)
	$(CC) $(PROG_CFLAGS) -shared -fPIC -o $@ $<

$(B)/tests/progs/%: tests/progs/%.c tests/progs/burn.h
	@mkdir -p $(@D)
	$(CC) $(PROG_CFLAGS) $(PROG_FLAGS_$*) -o $@ $< $(PROG_LIBS_$*)

$(B)/tests/progs/%: tests/progs/%.cc
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS) -Wall -pthread -iquote preload $(PROG_FLAGS_$*) -o $@ $< $(PROG_LIBS_$*)

test-build: all $(UNIT_BIN) $(PROG_BIN) $(HREQ)

# The README's test command. It installs what is missing (as root), rebuilds everything
# with -Werror, then runs every test; the last line is "N passed, N failed, N skipped".
test check:
	scripts/deps.sh
	$(MAKE) WERROR=1 test-build
	tests/run

lint:
	tests/lint-sig.sh

demo:
	scripts/deps.sh
	$(MAKE) all $(B)/tests/progs/demo
	$(LAUNCHER) -cpu=$(B)/demo.prof $(B)/tests/progs/demo
	go tool pprof -top -cum -nodecount=12 $(B)/demo.prof

# The request parser under libFuzzer with ASan and UBSan, FUZZ_SECONDS long (default 600),
# starting from tests/fuzz/corpus/httpreq/ and writing what it finds to build/fuzz/corpus
# (crashes to build/fuzz/crash-*); docs/fuzzing.md says how to fold that back into the
# committed corpus. Not part of make test: the unit tests replay the corpus without it.
FUZZ_CC      ?= clang-14
FUZZ_SECONDS ?= 600
fuzz:
	scripts/deps.sh --fuzz
	@mkdir -p $(B)/fuzz
	$(FUZZ_CC) -g -O1 -std=c11 -D_GNU_SOURCE -iquote preload -fsanitize=fuzzer,address,undefined \
	      -fno-sanitize-recover=undefined -o $(B)/fuzz/httpreq_fuzz preload/httpreq.c tests/fuzz/httpreq_fuzz.c
	@mkdir -p $(B)/fuzz/corpus
	$(B)/fuzz/httpreq_fuzz -max_total_time=$(FUZZ_SECONDS) -max_len=20000 -timeout=5 \
	      -artifact_prefix=$(B)/fuzz/ $(B)/fuzz/corpus tests/fuzz/corpus/httpreq

bench:
	scripts/deps.sh --bench
	$(MAKE) all $(PROG_BIN) $(BENCH_BIN)
	@for b in tests/bench/run-*; do echo; echo "== $$b"; $$b || exit 1; done

BENCH_SRC := $(wildcard tests/bench/*.c)
BENCH_BIN := $(BENCH_SRC:tests/bench/%.c=$(B)/tests/bench/%)
$(B)/tests/bench/%: tests/bench/%.c
	@mkdir -p $(@D)
	$(CC) -g -O2 -pthread -D_GNU_SOURCE -o $@ $<

# --- install -----------------------------------------------------------------------------
# The launcher finds the library at ../lib/cprof/libcprof.so relative to itself.
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/cprof \
	           $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0755 $(LAUNCHER) $(DESTDIR)$(PREFIX)/bin/cprofrun
	install -m 0755 $(LIB) $(DESTDIR)$(PREFIX)/lib/cprof/libcprof.so
	install -m 0644 preload/cprof.h $(DESTDIR)$(PREFIX)/include/cprof.h
	install -m 0644 docs/cprofrun.1 $(DESTDIR)$(PREFIX)/share/man/man1/cprofrun.1

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/cprofrun $(DESTDIR)$(PREFIX)/lib/cprof/libcprof.so \
	      $(DESTDIR)$(PREFIX)/include/cprof.h $(DESTDIR)$(PREFIX)/share/man/man1/cprofrun.1
	-rmdir $(DESTDIR)$(PREFIX)/lib/cprof

clean:
	rm -rf $(B)

-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)
