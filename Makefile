# flowprobe / flowcollect - see README.md.
#
#   make          build (installs build packages when missing)
#   make run      probe -> loopback -> collector on a bundled capture
#   make test     unit and end-to-end tests, plain and under ASan+UBSan
#   make pcaps    regenerate the crafted captures in pcaps/
#   make bench    speed and memory against softflowd (not part of make test)
#   make differential  every shared capture against softflowd and tshark, as a table
#   make interop  the interop matrix: tshark, nfcapd/nfdump, nfacctd read our exports
#   make fuzz     libFuzzer runs of the decoders (not part of make test)
#   make check-man  the manual pages in tools/man render without a groff warning

CC      ?= cc
BUILD   ?= build
# CFLAGS and LDFLAGS are the user's (make CFLAGS=-O3 keeps the rest).
# Link-time optimisation lets the per-packet path inline across files
# (decode, meter, flow table): 9% fewer instructions a packet.
CFLAGS  ?= -O2 -g -flto=auto
LDFLAGS ?= -O2 -flto=auto
FP_CFLAGS  := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -MMD -MP
FP_LDFLAGS :=
AR      := gcc-ar		# an archive of LTO objects needs its plugin
LDLIBS  := -lpcap -pthread
# The collector's objects (in libflow.a) send to ClickHouse with libcurl
# and write -o sqlite's databases with SQLite; flowprobe needs neither.
COLLECT_LIBS := -lcurl -lsqlite3

ifeq ($(SAN),1)
BUILD   := build-san
FP_CFLAGS  += -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FP_LDFLAGS += -fsanitize=address,undefined
endif

# Debian packages: what building needs, and what testing adds (the peers
# the tests compare against).
BUILD_PKGS := libpcap-dev libnet1-dev libcurl4-openssl-dev libsqlite3-dev
TEST_PKGS  := libcmocka-dev tshark nfdump softflowd pmacct python3 groff-base ethtool iputils-ping iproute2 clickhouse-server clickhouse-client sqlite3

EXPORT_SRC    := export/status.c export/ie.c export/ie_plan.c export/template.c export/ipfix.c export/nfclassic.c export/exporter.c export/sender.c export/transport.c
PROBE_SRC     := probe/link.c probe/packet.c probe/timeouts.c probe/flowtable.c \
                 probe/fragments.c probe/flowdump.c probe/l2extras.c probe/biflow.c probe/tagtab.c probe/dueorder.c probe/chunks.c probe/meter.c probe/stats.c probe/pcapfile.c probe/capture.c probe/reader.c probe/progress.c probe/options.c probe/log.c probe/daemon.c probe/control.c probe/commands.c probe/livecap.c probe/live.c
COLLECTOR_SRC := collector/exporters.c collector/collect.c collector/sink_fmt.c \
                 collector/outputs.c collector/sink_table.c collector/sink_csv.c collector/sink_json.c collector/sink_flows.c collector/ch_schema.c collector/ch_spool.c collector/sink_clickhouse.c collector/flowfile.c \
                 collector/db_schema.c collector/sink_sqlite.c \
                 collector/optval.c collector/topn.c collector/topn_print.c \
                 collector/source_flows.c collector/source_udp.c \
                 collector/source_pcap.c collector/source_tcp.c collector/listen.c collector/steer.c collector/templates.c collector/held.c collector/v9ipfix.c
LIB_SRC       := $(EXPORT_SRC) $(PROBE_SRC) $(COLLECTOR_SRC)
UNIT_SRC      := $(wildcard tests/unit/test_*.c)

LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/%.o)
LIB       := $(BUILD)/libflow.a
PROGRAMS  := $(BUILD)/flowprobe $(BUILD)/flowcollect $(BUILD)/flowctl
TOOLS     := $(BUILD)/craftpcap $(BUILD)/craftsend $(BUILD)/gencap
UNITS     := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_TARGETS := collector packet flowfile
REPLAYS   := $(FUZZ_TARGETS:%=$(BUILD)/fuzz-replay-%)

.PHONY: all deps test-deps programs tools units replays run test pcaps bench differential interop fuzz fuzz-seeds check-man clean

all: deps
	@$(MAKE) --no-print-directory programs

programs: $(PROGRAMS)
tools: $(TOOLS)
units: $(UNITS) $(REPLAYS) $(BUILD)/ctlserver

# Install only what is missing, non-interactively; apt-get update first.
define ensure_pkgs
	@missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
endef

deps:
	$(call ensure_pkgs,$(BUILD_PKGS))

test-deps: deps
	$(call ensure_pkgs,$(TEST_PKGS))

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(FP_CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/flowprobe: $(BUILD)/probe/main.o $(LIB)
	$(CC) $(LDFLAGS) $(FP_LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/flowcollect: $(BUILD)/collector/main.o $(LIB)
	$(CC) $(LDFLAGS) $(FP_LDFLAGS) -o $@ $^ $(LDLIBS) $(COLLECT_LIBS)

# The control socket's client (softflowctl's equivalent).
$(BUILD)/flowctl: $(BUILD)/probe/flowctl.o
	$(CC) $(LDFLAGS) $(FP_LDFLAGS) -o $@ $^

# A control socket served with fake actions, for tests/e2e/control.sh
# (flowprobe has no live loop to serve it yet).
$(BUILD)/ctlserver: $(BUILD)/tests/ctlserver.o $(LIB)
	$(CC) $(LDFLAGS) $(FP_LDFLAGS) -o $@ $^ $(LDLIBS) $(COLLECT_LIBS)

# bench's capture generator: the tests use it for a 100k-packet stream.
$(BUILD)/gencap: $(BUILD)/bench/gencap.o
	$(CC) $(LDFLAGS) $(FP_LDFLAGS) -o $@ $^ -lpcap -lm

$(BUILD)/craftpcap: $(BUILD)/tools/craftpcap.o
	$(CC) $(LDFLAGS) $(FP_LDFLAGS) -o $@ $^ -lnet $(LDLIBS)

# Crafted packets sent live (tests/e2e/router.sh).
$(BUILD)/craftsend: $(BUILD)/tools/craftsend.o
	$(CC) $(LDFLAGS) $(FP_LDFLAGS) -o $@ $^ -lnet

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(LIB)
	$(CC) $(LDFLAGS) $(FP_LDFLAGS) -o $@ $^ -lcmocka $(LDLIBS) $(COLLECT_LIBS)

# The fuzz targets, linked with a plain main that replays stored inputs
# (tests/fuzz/replay.c): make test runs the corpus and every crash found.
$(BUILD)/fuzz-replay-%: $(BUILD)/tests/fuzz/fuzz_%.o $(BUILD)/tests/fuzz/replay.o $(LIB)
	$(CC) $(LDFLAGS) $(FP_LDFLAGS) -o $@ $^ $(LDLIBS) $(COLLECT_LIBS)

run: all
	@sh tests/demo.sh $(BUILD) pcaps/demo.pcap

# The suite runs twice: as built, then built with ASan and UBSan.
test: test-deps
	@$(MAKE) --no-print-directory programs tools units
	@$(MAKE) --no-print-directory SAN=1 programs tools units
	@bash tests/run.sh build build-san

# The interop matrix alone: our exports read by tshark, nfcapd/nfdump
# and nfacctd, format by format (also part of make test).
interop: test-deps
	@$(MAKE) --no-print-directory programs
	@bash tests/e2e/interop.sh

# The manual pages (also part of make test): groff -man -ww without a
# warning, and every --help option in its page.
check-man: deps
	$(call ensure_pkgs,groff-base)
	@$(MAKE) --no-print-directory programs
	@bash tests/e2e/man.sh

differential: test-deps
	@$(MAKE) --no-print-directory programs
	@bash tests/e2e/differential.sh --table

# The speed benchmark: generated captures up to 10M packets over 1M
# concurrent flows, in /tmp/fpbench (see bench/README.md).  bench/run.sh,
# the older comparison on ../shared's real captures, still runs by hand.
bench: deps
	$(call ensure_pkgs,softflowd)
	@$(MAKE) --no-print-directory programs
	@bash bench/compare.sh

# libFuzzer (clang), ASan and UBSan, in build-fuzz/.  FUZZ_RUNS executions
# of each target (or FUZZ_SECONDS each), starting from tests/fuzz/corpus;
# new inputs stay in build-fuzz/corpus-T, crashes are written to
# tests/fuzz/regressions/T/ for make test to replay (and to be fixed).
FUZZ_RUNS    ?= 10000000
FUZZ_SECONDS ?= 0
FUZZ_CFLAGS  := -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
fuzz:
	$(call ensure_pkgs,$(BUILD_PKGS) clang libclang-rt-14-dev)
	@$(MAKE) --no-print-directory CC=clang BUILD=build-fuzz CFLAGS="$(FUZZ_CFLAGS)" \
	  LDFLAGS="-fsanitize=address,undefined" build-fuzz/libflow.a \
	  $(FUZZ_TARGETS:%=build-fuzz/tests/fuzz/fuzz_%.o)
	@for t in $(FUZZ_TARGETS); do \
	  clang -fsanitize=fuzzer,address,undefined -o build-fuzz/fuzz-$$t \
	    build-fuzz/tests/fuzz/fuzz_$$t.o build-fuzz/libflow.a $(LDLIBS) $(COLLECT_LIBS) || exit 1; \
	  mkdir -p build-fuzz/corpus-$$t tests/fuzz/regressions/$$t; \
	  echo "fuzz $$t: $(FUZZ_RUNS) runs"; \
	  build-fuzz/fuzz-$$t -runs=$(FUZZ_RUNS) -max_total_time=$(FUZZ_SECONDS) -max_len=8192 \
	    -print_final_stats=1 -artifact_prefix=tests/fuzz/regressions/$$t/ \
	    build-fuzz/corpus-$$t tests/fuzz/corpus/$$t 2>&1 | grep -E '^(#[0-9]+ *DONE|stat::|==|SUMMARY|Done)' ; \
	done

# Regenerate the starting corpus from our own captures and exports.
fuzz-seeds: programs
	python3 tests/fuzz/make_seeds.py $(BUILD)

pcaps: all tools
	$(BUILD)/craftpcap pcaps

clean:
	rm -rf build build-san build-fuzz

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
