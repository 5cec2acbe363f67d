# oobhealth: build, test, demo and MIB lint. Targets install missing Debian packages.
CC ?= cc
CFLAGS ?= -O2 -g
WARN := -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wformat=2 -Wno-format-nonliteral
CPPFLAGS += -D_GNU_SOURCE -Iinclude
SNMP_CFLAGS := $(shell net-snmp-config --cflags 2>/dev/null | sed 's/-Werror[^ ]*//g')
AGENT_LIBS := -lnetsnmpagent -lnetsnmp -lyaml -lpthread

BUILD := build
BUILD_DEPS := libsnmp-dev libyaml-dev
# The monitoring systems whose shipped configs the tests run for real.
POLLER_DEPS := icinga2-bin icinga2-common nagios4-core nagios4-common monitoring-plugins-basic \
	monitoring-plugins-standard prometheus-snmp-exporter curl
TEST_DEPS := $(BUILD_DEPS) snmpd snmp smitools procps iproute2 $(POLLER_DEPS)
LINT_DEPS := smitools
BENCH_DEPS := $(BUILD_DEPS) snmpd snmp procps iproute2 curl

# Sources by stage (STYLE.md): each folder uses only the folders listed after it.
SNMP_SRCS := $(wildcard agent/snmp/*.c)
PROBER_SRCS := $(wildcard agent/prober/*.c)
PROBE_SRCS := $(wildcard agent/probe/*.c)
OBSERVE_SRCS := $(wildcard agent/observe/*.c)
STATE_SRCS := $(wildcard agent/state/*.c)
CONFIG_SRCS := $(wildcard agent/config/*.c)
# Everything below the SNMP thread: what unit tests link.
CORE_SRCS := $(PROBER_SRCS) $(PROBE_SRCS) $(OBSERVE_SRCS) $(STATE_SRCS) $(CONFIG_SRCS)
SRCS := agent/main.c $(SNMP_SRCS) $(CORE_SRCS)
CHECK_SRCS := $(wildcard agent/check/*.c) agent/config/names.c
HDRS := $(wildcard include/*.h)

SAN := -fsanitize=address,undefined -fno-omit-frame-pointer

.PHONY: all deps test-deps bench-deps unit integration test demo bench lint-mib clean

all: agent/oobhealthd agent/check_oobhealth

deps:
	@tests/tools/ensure-packages $(BUILD_DEPS)

agent/oobhealthd: $(SRCS) $(HDRS) | deps
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) -o $@ $(SRCS) $(AGENT_LIBS)

# The Nagios/Icinga plugin: net-snmp's client library only.
agent/check_oobhealth: $(CHECK_SRCS) $(HDRS) | deps
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) -o $@ $(CHECK_SRCS) -lnetsnmp -lm

# The daemon the tests run: the same sources with AddressSanitizer and UBSan.
$(BUILD)/san/oobhealthd: $(SRCS) $(HDRS) | deps
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WARN) -O1 -g $(SAN) -o $@ $(SRCS) $(AGENT_LIBS)

$(BUILD)/san/check_oobhealth: $(CHECK_SRCS) $(HDRS) | deps
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WARN) -O1 -g $(SAN) -o $@ $(CHECK_SRCS) -lnetsnmp -lm

UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/unit/%,$(wildcard tests/unit/test_*.c))

# Unit tests link the core and what they test of the MIB side; the row lookup test
# supplies its own snapshot source.
UNIT_SRCS := $(CORE_SRCS) agent/snmp/mib_value.c
$(BUILD)/unit/test_mib_table: UNIT_EXTRA := agent/snmp/mib_table.c

$(BUILD)/unit/test_%: tests/unit/test_%.c tests/unit/unit.h $(UNIT_SRCS) agent/snmp/mib_table.c $(HDRS) | deps
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -Itests/unit $(WARN) -O1 -g $(SAN) -o $@ $< $(UNIT_SRCS) $(UNIT_EXTRA) $(AGENT_LIBS)

$(BUILD)/helpers/%: tests/helpers/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WARN) -O2 -o $@ $<

HELPERS := $(patsubst tests/helpers/%.c,$(BUILD)/helpers/%,$(wildcard tests/helpers/*.c))

test-deps:
	@tests/tools/ensure-packages $(TEST_DEPS)

$(BUILD)/mibs/.fetched:
	@tests/tools/ensure-packages $(LINT_DEPS)
	tests/tools/fetch-base-mibs $(BUILD)/mibs

unit: test-deps $(UNIT_TESTS)
	@tests/run-unit $(UNIT_TESTS)

test: test-deps agent/oobhealthd agent/check_oobhealth $(BUILD)/san/oobhealthd $(BUILD)/san/check_oobhealth $(UNIT_TESTS) $(HELPERS) $(BUILD)/mibs/.fetched
	@tests/run-all $(UNIT_TESTS)

demo: test-deps agent/oobhealthd agent/check_oobhealth $(BUILD)/helpers/listener $(BUILD)/mibs/.fetched
	@tests/demo/run-demo

# make bench: the performance table (BENCHMARKS.md). Not part of make test.
BENCH_BINS := $(BUILD)/bench/snmp_timer $(BUILD)/bench/floor_agent $(BUILD)/bench/idle_procs
$(BUILD)/bench/snmp_timer: BENCH_LIBS := -lnetsnmp
$(BUILD)/bench/floor_agent: BENCH_LIBS := -lnetsnmpagent -lnetsnmp

$(BUILD)/bench/%: tests/bench/%.c | deps
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WARN) -O2 -g -o $@ $< $(BENCH_LIBS)

bench-deps:
	@tests/tools/ensure-packages $(BENCH_DEPS)

bench: bench-deps agent/oobhealthd $(BENCH_BINS) $(BUILD)/helpers/listener $(BUILD)/mibs/.fetched
	@tests/bench/run

lint-mib: $(BUILD)/mibs/.fetched
	@tests/tools/lint-mib $(BUILD)/mibs mibs/OOBHEALTH-MIB.txt

clean:
	rm -rf $(BUILD) agent/oobhealthd agent/check_oobhealth
