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

CORE_SRCS := agent/config.c agent/config_values.c agent/proc_scan.c agent/proc_fd.c \
	agent/service_locate.c agent/service_state.c agent/service_observe.c agent/state_file.c \
	agent/file_check.c agent/health.c agent/probe_socket.c agent/probe.c agent/probe_pool.c \
	agent/probe_listener.c agent/service_probes.c agent/sock_diag.c agent/socket_owner.c agent/snapshot.c agent/names.c agent/host_stats.c agent/cycle.c \
	agent/handoff.c agent/prober.c agent/report.c
SNMP_SRCS := agent/mib.c agent/mib_table.c agent/mib_value.c agent/mib_agent.c \
	agent/mib_service.c agent/mib_probe.c agent/mib_file.c agent/mib_restart.c \
	agent/snmp_agent.c agent/main.c
SRCS := $(CORE_SRCS) $(SNMP_SRCS)
CHECK_SRCS := agent/check/check_oobhealth.c agent/check/options.c agent/check/snmp_link.c \
	agent/check/reading.c agent/check/verdict.c agent/check/perfdata.c agent/names.c
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
UNIT_SRCS := $(CORE_SRCS) agent/mib_value.c
$(BUILD)/unit/test_mib_table: UNIT_EXTRA := agent/mib_table.c

$(BUILD)/unit/test_%: tests/unit/test_%.c tests/unit/unit.h $(UNIT_SRCS) agent/mib_table.c $(HDRS) | deps
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
