# Makefile - build, store, tests and benchmarks of planwatch (湖南省动力支撑能力提升行动方案 supervision).
#
#   make demo        the whole system on a fresh Debian 12 machine, replaying the plan 2022 -> 2026
#   make test        install what is missing, build, start the store, run every suite plain and
#                    under AddressSanitizer + UndefinedBehaviorSanitizer
#   make             build bin/ingestd bin/evaluatord bin/alertd bin/planctl
#   make deps        install the missing Debian packages (deps-demo: only what demo/up/certs need)
#   make SANITIZE=address,undefined   the same build with sanitizers, into build/san/
#   make db-start / db-stop           the private PostgreSQL cluster under var/ (unless DATABASE_URL)
#   make lint fmt    cppcheck; clang-format in place
#   make fuzz        every libFuzzer harness of tests/fuzz for FUZZ_SECONDS (60) each
#   make memcheck    every suite, then one demo round of the services, under valgrind
#   make chaos       the services killed -9 under load, PostgreSQL restarted; nothing lost
.DEFAULT_GOAL := all
SHELL := /bin/bash
.DELETE_ON_ERROR:
.SECONDARY:

VERSION := 0.1.0
SERVICES := $(sort $(patsubst services/%/,%,$(dir $(wildcard services/*/*_main.c))))

# Debian packages `make demo`, `make up` and `make certs` use (deps-demo installs the missing
# ones): the compiler and the -dev libraries of the build, protobuf-c's generator, PostgreSQL 15
# for the private store (initdb, pg_ctl, psql).
DEMO_PKGS := gcc make pkg-config libc6-dev libczmq-dev libzmq3-dev libprotobuf-c-dev \
             protobuf-c-compiler libpq-dev libcurl4-openssl-dev libjansson-dev \
             postgresql-15 postgresql-client-15

# Debian packages the build, the tests and the demo use; `make deps` installs the missing ones.
# (check, libsubunit-dev: the suites. chromium, libxml2-utils, fonts-wqy-microhei: check_report
# renders the bulletin in a real browser, checks it with an XML parser, and screenshots it with
# Chinese glyphs. clang and libclang-rt-14-dev: make fuzz, libFuzzer's runtime is only a
# Recommends of clang, which deps does not install; valgrind: make memcheck. cppcheck,
# clang-format, docker-compose: make test's lint, fmt-check and compose-check.)
DEB_PKGS := $(DEMO_PKGS) check libsubunit-dev \
            chromium libxml2-utils fonts-wqy-microhei \
            clang libclang-rt-14-dev valgrind \
            cppcheck clang-format docker-compose \
            $(EXTRA_DEB_PKGS)

SANITIZE ?=
ifeq ($(SANITIZE),)
BUILD := build/plain
BINDIR := bin
else
BUILD := build/san
BINDIR := build/san/bin
endif

PKG_LIBS := libczmq libzmq libprotobuf-c libpq libcurl jansson
TEST_PKG_LIBS := check
PKG_CFLAGS = $(shell pkg-config --cflags $(PKG_LIBS) 2>/dev/null)
PKG_LDLIBS = $(shell pkg-config --libs $(PKG_LIBS) 2>/dev/null)
CHECK_CFLAGS = $(shell pkg-config --cflags $(TEST_PKG_LIBS) 2>/dev/null)
CHECK_LDLIBS = $(shell pkg-config --libs $(TEST_PKG_LIBS) 2>/dev/null)

CC ?= gcc
ifeq ($(origin CC),default)
CC := gcc
endif
OPT ?= -O2
WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Werror
ifneq ($(findstring clang,$(CC)),)
WARN += -Wno-unknown-warning-option
endif
CFLAGS := -std=c11 -D_GNU_SOURCE -g $(OPT) $(WARN) -DPLANWATCH_VERSION='"$(VERSION)"' \
          -I services/common -I $(BUILD)/gen $(PKG_CFLAGS)
LDLIBS = $(PKG_LDLIBS) -lm
ifneq ($(SANITIZE),)
CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=$(SANITIZE)
endif

# --- store -------------------------------------------------------------------------------------
# Without DATABASE_URL the private cluster under var/ serves two databases: planwatch (services,
# demo) and planwatch_test (the suites wipe and refill it). With DATABASE_URL set, both are that URL.
DB_URL = $(or $(DATABASE_URL),$(shell deploy/db.sh url planwatch))
TEST_DB_URL = $(or $(TEST_DATABASE_URL),$(DATABASE_URL),$(shell deploy/db.sh url planwatch_test))
export PLAN_DIR := $(CURDIR)/deploy/plan
export MIGRATIONS_DIR := $(CURDIR)/deploy/migrations

# --- sources -----------------------------------------------------------------------------------
PROTOS := $(wildcard proto/planwatch/v1/*.proto)
GEN_C := $(patsubst proto/%.proto,$(BUILD)/gen/%.pb-c.c,$(PROTOS))
GEN_H := $(GEN_C:.c=.h)
GEN_O := $(GEN_C:.c=.o)
COMMON_O := $(patsubst %.c,$(BUILD)/%.o,$(wildcard services/common/*.c))

# lib<svc>.a holds a service's modules but its main, so that tests link the real code.
define service_rules
$(1)_O := $$(patsubst %.c,$$(BUILD)/%.o,$$(filter-out services/$(1)/$(1)_main.c,$$(wildcard services/$(1)/*.c)))
$$(BUILD)/lib$(1).a: $$($(1)_O)
	@mkdir -p $$(@D)
	ar rcs $$@ $$^
$$(BINDIR)/$(1): $$(BUILD)/services/$(1)/$(1)_main.o $$(BUILD)/lib$(1).a $$(BUILD)/libcommon.a
	@mkdir -p $$(@D)
	$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(LDLIBS)
endef
$(foreach s,$(SERVICES),$(eval $(call service_rules,$(s))))

SERVICE_LIBS := $(foreach s,$(SERVICES),$(BUILD)/lib$(s).a)
TEST_SRC := $(wildcard tests/check_*.c)
TEST_BIN := $(patsubst tests/%.c,$(BUILD)/tests/%,$(TEST_SRC))
BENCH_SRC := $(wildcard tests/bench_*.c)
BENCH_BIN := $(patsubst tests/%.c,$(BUILD)/tests/%,$(BENCH_SRC))
TESTUTIL_O := $(patsubst %.c,$(BUILD)/%.o,$(wildcard tests/testutil*.c))

.PHONY: all deps deps-demo demo certs up down compose-check test test-run test-build db-start db-stop migrate lint fmt fmt-check clean fuzz \
        fuzz-build fuzz-replay memcheck memcheck-run chaos \
        distclean bench-ingest bench-eval bench-alert bench-report

all: $(foreach s,$(SERVICES),$(BINDIR)/$(s))

$(BUILD)/gen/%.pb-c.c $(BUILD)/gen/%.pb-c.h: proto/%.proto
	@mkdir -p $(BUILD)/gen
	protoc-c --proto_path=proto --c_out=$(BUILD)/gen $<

# Generated code is protobuf-c's, not ours: compiled without -Werror so a newer generator
# cannot break the build.
$(GEN_O): %.o: %.c
	$(CC) -std=c11 -g $(OPT) $(filter -fsanitize=% -fno-%,$(CFLAGS)) -I $(BUILD)/gen $(PKG_CFLAGS) -c -o $@ $<

$(BUILD)/services/%.o: services/%.c $(GEN_H) $(wildcard services/common/*.h)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/tests/%.o: tests/%.c $(GEN_H) $(wildcard services/common/*.h tests/*.h)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -I tests $(foreach s,$(SERVICES),-I services/$(s)) $(CHECK_CFLAGS) -c -o $@ $<

$(BUILD)/libcommon.a: $(COMMON_O) $(GEN_O)
	@mkdir -p $(@D)
	ar rcs $@ $^

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(TESTUTIL_O) $(SERVICE_LIBS) $(BUILD)/libcommon.a
	$(CC) $(LDFLAGS) -o $@ $< $(TESTUTIL_O) $(SERVICE_LIBS) $(BUILD)/libcommon.a \
	    $(CHECK_LDLIBS) $(LDLIBS)

-include $(shell find build -name '*.d' 2>/dev/null)

# --- dependencies ------------------------------------------------------------------------------
# deb_install LIST: installs the missing packages of LIST (as root), or says how (otherwise).
define deb_install
	@missing=$$(for p in $(1); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; \
	done); \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" != 0 ]; then \
	    echo "missing Debian packages; run: sudo apt-get update && sudo apt-get install -y" \
	        $$missing " (or: sudo make $@)"; exit 1; \
	fi; \
	echo "$@: installing" $$missing; \
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends $$missing >/dev/null
endef

deps:
	$(call deb_install,$(DEB_PKGS))

deps-demo:
	$(call deb_install,$(DEMO_PKGS))

# --- store -------------------------------------------------------------------------------------
db-start: deps-demo
	@if [ -z "$$DATABASE_URL" ]; then deploy/db.sh start planwatch planwatch_test; fi

db-stop:
	@deploy/db.sh stop

# Apply migrations and load the plan catalog into the service database.
migrate: all db-start
	DATABASE_URL='$(DB_URL)' $(BINDIR)/planctl migrate
	DATABASE_URL='$(DB_URL)' $(BINDIR)/planctl plan load $(PLAN_DIR)

# --- deployment --------------------------------------------------------------------------------
# `make demo` is the README's main command; `make up`/`make down` run docker-compose.yml's
# configuration as local processes (deploy/up.sh); `make certs` fills deploy/certs/.
demo: deps-demo
	$(MAKE) --no-print-directory all
	deploy/demo/demo.sh

certs: deps-demo
	$(MAKE) --no-print-directory migrate
	DATABASE_URL='$(DB_URL)' deploy/certs.sh

up: deps-demo
	$(MAKE) --no-print-directory certs
	deploy/up.sh up

down:
	deploy/up.sh down

# docker-compose.yml needs .env (PLANWATCH_DB_PASSWORD; alertd's env_file): validated on a copy
# with a stand-in .env, so that it passes on a clean clone and never reads the real secrets.
compose-check:
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && mkdir "$$tmp/deploy" && \
	    cp docker-compose.yml "$$tmp/" && cp deploy/planwatch.env "$$tmp/deploy/" && \
	    printf 'PLANWATCH_DB_PASSWORD=compose-check\n' >"$$tmp/.env" && \
	    (cd "$$tmp" && docker-compose config -q) && \
	    echo "compose-check: docker-compose.yml is valid (docker-compose config)"

# --- tests -------------------------------------------------------------------------------------
# The README's test command: the code is clang-formatted and cppcheck-clean, the compose file
# valid; then every suite runs twice: plain, then with ASan + UBSan.
test: deps
	$(MAKE) --no-print-directory fmt-check lint compose-check
	$(MAKE) --no-print-directory all
	$(MAKE) --no-print-directory migrate
	$(MAKE) --no-print-directory test-run
	$(MAKE) --no-print-directory SANITIZE=address,undefined test-run
	@echo "test: all suites passed, plain and sanitized"

test-build: all $(TEST_BIN) $(BENCH_BIN)

test-run: test-build fuzz-replay
	@fail=0; for t in $(TEST_BIN); do \
	    echo "== $$t"; \
	    TEST_DATABASE_URL='$(TEST_DB_URL)' PLANWATCH_BIN='$(CURDIR)/$(BINDIR)' \
	    ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
	    $$t || fail=1; \
	done; exit $$fail

# --- fuzzing -----------------------------------------------------------------------------------
# `make fuzz FUZZ_SECONDS=N` runs each libFuzzer harness of tests/fuzz/ for N seconds (clang,
# ASan + UBSan), starting from the committed corpus tests/fuzz/corpus/<harness>/. A crash is saved
# by libFuzzer as crash-*; copy it into the corpus directory: `make test` replays every corpus
# file through the same harness (fuzz-replay), so each crash found stays a regression test.
FUZZ_SECONDS ?= 60
FUZZ_BUILD ?= build/fuzz
FUZZ_NAMES := $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_LIBS = $(SERVICE_LIBS) $(BUILD)/libcommon.a
FUZZ_INCLUDES := -I tests $(foreach s,$(SERVICES),-I services/$(s))

$(BUILD)/fuzz/%: tests/fuzz/%.c $(FUZZ_LIBS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(FUZZ_INCLUDES) -fsanitize=fuzzer -o $@ $< $(FUZZ_LIBS) $(LDLIBS)

$(BUILD)/replay/%: tests/fuzz/%.c tests/fuzz/replay_main.c $(FUZZ_LIBS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(FUZZ_INCLUDES) $(LDFLAGS) -o $@ $< tests/fuzz/replay_main.c $(FUZZ_LIBS) \
	    $(LDLIBS)

fuzz-build: $(foreach f,$(FUZZ_NAMES),$(BUILD)/fuzz/$(f))

fuzz: deps
	$(MAKE) -s --no-print-directory CC=clang SANITIZE=fuzzer-no-link,address,undefined \
	    BUILD=$(FUZZ_BUILD) BINDIR=$(FUZZ_BUILD)/bin fuzz-build
	@for f in $(FUZZ_NAMES); do \
	    mkdir -p $(FUZZ_BUILD)/corpus/$$f tests/fuzz/corpus/$$f; \
	    echo "== fuzz $$f for $(FUZZ_SECONDS) s"; \
	    PLAN_DIR=$(CURDIR)/deploy/plan $(FUZZ_BUILD)/fuzz/$$f -max_total_time=$(FUZZ_SECONDS) \
	        -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
	        -artifact_prefix=$(FUZZ_BUILD)/$$f- \
	        $(FUZZ_BUILD)/corpus/$$f tests/fuzz/corpus/$$f 2>&1 | \
	        grep -E '^(#[0-9]+.*DONE|stat::number_of_executed_units|==[0-9]+==ERROR|SUMMARY)' ; \
	    [ $${PIPESTATUS[0]} -eq 0 ] || { \
	        echo "fuzz: $$f failed; see $(FUZZ_BUILD)/$$f-crash-*"; exit 1; }; \
	done

fuzz-replay: $(foreach f,$(FUZZ_NAMES),$(BUILD)/replay/$(f))
	@for f in $(FUZZ_NAMES); do \
	    printf '== replay %s: ' $$f; \
	    PLAN_DIR=$(CURDIR)/deploy/plan $(BUILD)/replay/$$f tests/fuzz/corpus/$$f/* || exit 1; \
	done

# --- memcheck ----------------------------------------------------------------------------------
# `make memcheck`: every suite under valgrind's memcheck, with CK_FORK=no so that the tests run
# in the process valgrind watches (the services a suite starts run natively: they are what
# the suites test, and their turn comes next), then one full demo round (tests/memcheck_demo.sh:
# the plan replayed 2022 -> 2026 from deploy/demo/feeds) with ingestd, evaluatord and alertd
# under valgrind, on a cluster and ports of its own. It passes with no memcheck error and
# nothing "definitely lost"; tests/valgrind.supp holds third-party noise only, each entry
# explained. Reports: $(BUILD)/memcheck/*.log and var/memcheck/valgrind/.
VALGRIND := valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite \
            --errors-for-leak-kinds=definite --error-exitcode=99 --num-callers=40 \
            --suppressions=$(CURDIR)/tests/valgrind.supp
export VALGRIND

memcheck: deps
	$(MAKE) --no-print-directory all db-start
	$(MAKE) --no-print-directory memcheck-run

memcheck-run: test-build
	@mkdir -p $(BUILD)/memcheck; fail=0; for t in $(TEST_BIN); do \
	    n=$$(basename $$t); log=$(BUILD)/memcheck/$$n.log; \
	    start=$$(date +%s); \
	    CK_FORK=no TEST_DATABASE_URL='$(TEST_DB_URL)' PLANWATCH_BIN='$(CURDIR)/$(BINDIR)' \
	        $(VALGRIND) --log-file=$$log $$t >$(BUILD)/memcheck/$$n.out 2>&1; rc=$$?; \
	    errors=$$(grep -h 'ERROR SUMMARY' $$log | sed 's/.*ERROR SUMMARY: \([0-9]*\).*/\1/'); \
	    lost=$$(grep -h 'definitely lost:' $$log | sed 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/'); \
	    echo "== valgrind $$n: exit $$rc, errors $${errors:-?}, definitely lost $${lost:-0} bytes," \
	        "$$(grep -h '%: Checks' $(BUILD)/memcheck/$$n.out | tail -1) ($$(( $$(date +%s) - start )) s)"; \
	    if [ $$rc -ne 0 ]; then fail=1; tail -40 $(BUILD)/memcheck/$$n.out; \
	        grep -A30 -m3 -E '^==[0-9]+== (Invalid|Conditional|Syscall|Mismatched|.*definitely lost)' \
	            $$log; fi; \
	done; [ $$fail -eq 0 ] || { echo "memcheck: suites failed under valgrind"; exit 1; }
	PLANWATCH_BIN='$(CURDIR)/$(BINDIR)' tests/memcheck_demo.sh

# --- chaos -------------------------------------------------------------------------------------
# `make chaos` (tests/chaos.c): 14 cities push 200 000 observations over two minutes while
# ingestd, evaluatord and alertd are each killed -9 five times and PostgreSQL is restarted once,
# on a cluster (var/chaos/pg, port 18432) and loopback ports (18701-18715) of its own; then the
# store, the statuses, the alerts and both receivers are checked. Last line:
# `chaos lost=N duplicated=N mismatched=N`, exit 0 only when all are 0. CHAOS_SHORT=1: the CI's
# 30-second version (20 000 observations, two kills each, one PostgreSQL restart).
chaos: deps
	$(MAKE) --no-print-directory all $(BUILD)/tests/chaos
	PLANWATCH_BIN='$(CURDIR)/$(BINDIR)' $(BUILD)/tests/chaos

# --- benchmarks (figures, not pass/fail) -------------------------------------------------------
bench-ingest bench-eval bench-alert bench-report: bench-%: all $(BUILD)/tests/bench_% db-start
	DATABASE_URL='$(TEST_DB_URL)' PLANWATCH_BIN='$(CURDIR)/$(BINDIR)' $(BUILD)/tests/bench_$*

# --- hygiene -----------------------------------------------------------------------------------
C_FILES = $(shell git ls-files '*.c' '*.h' 2>/dev/null; git ls-files -o --exclude-standard '*.c' '*.h')

lint: $(GEN_H)
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability,performance \
	    --inline-suppr --suppress=missingIncludeSystem -I services/common \
	    --std=c11 -D__GNUC__ services tests

fmt:
	clang-format -i $(C_FILES)

fmt-check:
	@clang-format --dry-run -Werror $(C_FILES) && echo "fmt-check: every C file is clang-formatted"

clean:
	rm -rf build bin

distclean: clean db-stop
	rm -rf var
