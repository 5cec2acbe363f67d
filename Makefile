# oobhealth: build, install, test, demo, fuzz and MIB lint. Only the deps, test, demo, bench,
# fuzz and lint targets install missing Debian packages; the build and install never do.
CC ?= cc
CFLAGS ?= -O2 -g
# The user's build warns; the project's own test builds (sanitizers, unit tests, helpers,
# bench) also fail on warnings, so a newer compiler never breaks someone's install.
WARN := -std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes -Wformat=2 -Wno-format-nonliteral
TEST_WARN := $(WARN) -Werror
OH_CPPFLAGS := -D_GNU_SOURCE -Iinclude
AGENT_LIBS := -lnetsnmpagent -lnetsnmp -lyaml -lpcre2-8 -lssl -lcrypto -lpthread
CHECK_LIBS := -lnetsnmp -lm

# Installation directories (GNU names; PREFIX and DESTDIR as everywhere).
PREFIX ?= /usr/local
prefix ?= $(PREFIX)
exec_prefix ?= $(prefix)
sbindir ?= $(exec_prefix)/sbin
libdir ?= $(exec_prefix)/lib
datarootdir ?= $(prefix)/share
datadir ?= $(datarootdir)
mandir ?= $(datarootdir)/man
docdir ?= $(datarootdir)/doc/oobhealth
sysconfdir ?= /etc
# net-snmp's own MIB directory (the first system one it searches), whatever PREFIX is, as
# sysconfdir is /etc: a MIB elsewhere is not found by snmpwalk and friends.
NETSNMP_MIBDIR := $(shell net-snmp-config --default-mibdirs 2>/dev/null | tr ':' '\n' | grep -m1 '^/usr/')
mibdir ?= $(or $(NETSNMP_MIBDIR),$(datadir)/snmp/mibs)
nagiosplugindir ?= $(libdir)/nagios/plugins
systemdunitdir ?= $(libdir)/systemd/system
sysusersdir ?= $(libdir)/sysusers.d
logrotatedir ?= $(sysconfdir)/logrotate.d
confdir := $(sysconfdir)/oobhealth
INSTALL ?= install

BUILD := build

# Debian packages, by what needs them.
BUILD_DEPS := libsnmp-dev libyaml-dev libpcre2-dev libssl-dev
# A private snmpd and what tests/lib.sh runs beside it (pgrep, ss).
SNMPD_DEPS := snmpd snmp snmptrapd procps iproute2
# tests/tools/fetch-base-mibs downloads one tarball.
MIB_FETCH_DEPS := curl ca-certificates
LINT_DEPS := smitools
# The monitoring systems whose shipped configs the tests run for real.
POLLER_DEPS := icinga2-bin icinga2-common nagios4-core nagios4-common monitoring-plugins-basic \
	monitoring-plugins-standard prometheus-snmp-exporter prometheus curl
# What the install test checks the installed tree with: man and groff render the pages,
# logrotate -d, systemd-analyze/-sysusers, systemd-nspawn boots the unit, readelf.
INSTALL_CHECK_DEPS := man-db groff-base logrotate systemd systemd-container binutils
DEMO_DEPS := $(BUILD_DEPS) $(SNMPD_DEPS) $(MIB_FETCH_DEPS) openssl
# The fuzzers: clang (Debian's default version) and its libFuzzer and sanitizer runtimes.
FUZZ_DEPS := $(BUILD_DEPS) clang libclang-rt-dev
# tests/integration/stall_test.sh silences a network namespace's peer with nft.
TEST_DEPS := $(sort $(DEMO_DEPS) $(LINT_DEPS) $(POLLER_DEPS) $(INSTALL_CHECK_DEPS) $(FUZZ_DEPS) \
	nftables)
# The bench runs what the demo runs; its snmpd extend checks use curl. Monit and the
# Monitoring Plugins (check_procs, check_tcp) are the peers it measures detection against.
BENCH_DEPS := $(DEMO_DEPS) monit monitoring-plugins-basic strace

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
MAN_PAGES := $(wildcard conf/man/*.[1-8])

SAN := -fsanitize=address,undefined -fno-omit-frame-pointer

# The configuration path compiled in as the -c default follows sysconfdir; the stamp
# changes only when sysconfdir does, so `make install sysconfdir=...` rebuilds.
PATH_DEFS := -DOH_DEFAULT_CONFIG='"$(confdir)/oobhealth.yaml"'
PATHS_STAMP := $(BUILD)/paths.stamp

# First line of every recipe that compiles against net-snmp, libyaml, PCRE2 and libssl: a
# missing library is named with its Debian package instead of a screen of compiler errors.
CHECK_BUILD_DEPS = @printf '\#include <net-snmp/net-snmp-config.h>\n\#include <yaml.h>\n\#define PCRE2_CODE_UNIT_WIDTH 8\n\#include <pcre2.h>\n\#include <openssl/ssl.h>\n' | \
	$(CC) $(OH_CPPFLAGS) $(CPPFLAGS) -E -x c - >/dev/null 2>&1 || { \
	echo "oobhealth needs the net-snmp, libyaml, PCRE2 and OpenSSL development files, which $(CC) cannot find." >&2; \
	echo "On Debian: apt-get install $(BUILD_DEPS)   (or, as root: make deps)" >&2; exit 1; }

.PHONY: all deps test-deps demo-deps bench-deps lint-deps fuzz-deps unit test demo bench \
	fuzz lint-mib install uninstall clean FORCE

all: agent/oobhealthd agent/check_oobhealth

deps:
	@tests/tools/ensure-packages $(BUILD_DEPS)

$(PATHS_STAMP): FORCE
	@mkdir -p $(@D)
	@echo '$(confdir)' | cmp -s - $@ || echo '$(confdir)' >$@

agent/oobhealthd: $(SRCS) $(HDRS) $(PATHS_STAMP)
	$(CHECK_BUILD_DEPS)
	$(CC) $(OH_CPPFLAGS) $(PATH_DEFS) $(CPPFLAGS) $(WARN) $(CFLAGS) $(LDFLAGS) -o $@ $(SRCS) $(AGENT_LIBS)

# The Nagios/Icinga plugin: net-snmp's client library only.
agent/check_oobhealth: $(CHECK_SRCS) $(HDRS)
	$(CHECK_BUILD_DEPS)
	$(CC) $(OH_CPPFLAGS) $(CPPFLAGS) $(WARN) $(CFLAGS) $(LDFLAGS) -o $@ $(CHECK_SRCS) $(CHECK_LIBS)

# The daemon the tests run: the same sources with AddressSanitizer and UBSan.
$(BUILD)/san/oobhealthd: $(SRCS) $(HDRS)
	$(CHECK_BUILD_DEPS)
	@mkdir -p $(@D)
	$(CC) $(OH_CPPFLAGS) $(TEST_WARN) -O1 -g $(SAN) -o $@ $(SRCS) $(AGENT_LIBS)

$(BUILD)/san/check_oobhealth: $(CHECK_SRCS) $(HDRS)
	$(CHECK_BUILD_DEPS)
	@mkdir -p $(@D)
	$(CC) $(OH_CPPFLAGS) $(TEST_WARN) -O1 -g $(SAN) -o $@ $(CHECK_SRCS) $(CHECK_LIBS)

UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/unit/%,$(wildcard tests/unit/test_*.c))

# Unit tests link the core and what they test of the MIB side; the row lookup test
# supplies its own snapshot source, the notifier's test its own senders.
UNIT_SRCS := $(CORE_SRCS) agent/snmp/mib_value.c
$(BUILD)/unit/test_mib_table: UNIT_EXTRA := agent/snmp/mib_table.c
$(BUILD)/unit/test_notify: UNIT_EXTRA := agent/snmp/notify.c agent/snmp/notify_budget.c
$(BUILD)/unit/test_notify: agent/snmp/notify.c agent/snmp/notify_budget.c

$(BUILD)/unit/test_%: tests/unit/test_%.c tests/unit/unit.h $(UNIT_SRCS) agent/snmp/mib_table.c $(HDRS)
	$(CHECK_BUILD_DEPS)
	@mkdir -p $(@D)
	$(CC) $(OH_CPPFLAGS) -Itests/unit $(TEST_WARN) -O1 -g $(SAN) -o $@ $< $(UNIT_SRCS) $(UNIT_EXTRA) $(AGENT_LIBS)

$(BUILD)/helpers/%: tests/helpers/%.c
	@mkdir -p $(@D)
	$(CC) $(OH_CPPFLAGS) $(TEST_WARN) -O2 -o $@ $<

HELPERS := $(patsubst tests/helpers/%.c,$(BUILD)/helpers/%,$(wildcard tests/helpers/*.c))

# make fuzz: every parser of outside input under libFuzzer with AddressSanitizer and UBSan
# (UB aborts), FUZZ_SECONDS each; make test runs a short pass of the same (tests/fuzz/run).
# tests/fuzz/fuzz_NAME.c is the harness of one parser, tests/fuzz/corpus/NAME/ its seed
# inputs (real ones, kept small: what fuzzing finds goes to build/fuzz/corpus/NAME/), and
# tests/fuzz/regress/NAME/ every input that once crashed it, hung it or made it grow.
# To fuzz one more parser, add exactly these; the rules below find them by name:
#   tests/fuzz/fuzz_NAME.c  LLVMFuzzerTestOneInput hands the bytes to the parser as the
#       agent would (the same length bound, NUL-terminated if the agent does so) and frees
#       all it got; no files, clock or state kept across inputs. A comment line with
#       "libFuzzer: -max_len=N" sets the longest input tried (4096 without one).
#   tests/fuzz/corpus/NAME/  a few real inputs, one per file.
#   tests/fuzz/regress/NAME/.keep  and later each input a fix was made for.
# The parser must be in a stage of FUZZ_SRCS and declared in include/.
FUZZ_CC := clang
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_SECONDS ?= 60
# The stages that read from outside: sockets, /proc, the state file, the configuration.
FUZZ_SRCS := $(PROBE_SRCS) $(OBSERVE_SRCS) $(STATE_SRCS) $(CONFIG_SRCS)
FUZZ_OBJS := $(patsubst agent/%.c,$(BUILD)/fuzz/obj/%.o,$(FUZZ_SRCS))
FUZZERS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))

# Checked once, so that a missing clang or runtime is named with its Debian package.
$(BUILD)/fuzz/toolchain.ok:
	@mkdir -p $(@D)
	@echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n){return d && n;}' | \
		$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -x c - -o $(@D)/toolchain.check >/dev/null 2>&1 || { \
		echo "the fuzzers need clang with its libFuzzer and sanitizer runtimes." >&2; \
		echo "On Debian: apt-get install $(FUZZ_DEPS)   (or, as root: make fuzz-deps)" >&2; exit 1; }
	@rm -f $(@D)/toolchain.check
	@touch $@

$(BUILD)/fuzz/obj/%.o: agent/%.c $(HDRS) | $(BUILD)/fuzz/toolchain.ok
	@mkdir -p $(@D)
	$(FUZZ_CC) $(OH_CPPFLAGS) $(TEST_WARN) -O1 -g $(FUZZ_SAN) -fsanitize=fuzzer-no-link -c -o $@ $<

# An archive, so each harness links only the objects its parser needs.
$(BUILD)/fuzz/liboobhealth.a: $(FUZZ_OBJS)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(BUILD)/fuzz/liboobhealth.a $(HDRS)
	$(FUZZ_CC) $(OH_CPPFLAGS) $(TEST_WARN) -O1 -g $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $< \
		$(BUILD)/fuzz/liboobhealth.a $(AGENT_LIBS)

fuzz-deps:
	@tests/tools/ensure-packages $(FUZZ_DEPS)

fuzz: fuzz-deps $(FUZZERS)
	@tests/fuzz/run $(FUZZ_SECONDS)

test-deps:
	@tests/tools/ensure-packages $(TEST_DEPS)

demo-deps:
	@tests/tools/ensure-packages $(DEMO_DEPS)

lint-deps:
	@tests/tools/ensure-packages $(LINT_DEPS)

$(BUILD)/mibs/.fetched:
	@tests/tools/ensure-packages $(MIB_FETCH_DEPS)
	tests/tools/fetch-base-mibs $(BUILD)/mibs

unit: deps $(UNIT_TESTS)
	@for test in $(UNIT_TESTS); do $$test || exit 1; done

test: test-deps agent/oobhealthd agent/check_oobhealth $(BUILD)/san/oobhealthd $(BUILD)/san/check_oobhealth $(UNIT_TESTS) $(HELPERS) $(FUZZERS) $(BUILD)/mibs/.fetched
	@tests/run-all $(UNIT_TESTS)

demo: demo-deps agent/oobhealthd agent/check_oobhealth $(BUILD)/helpers/listener $(BUILD)/mibs/.fetched
	@tests/demo/run-demo

# make bench: the performance table (BENCHMARKS.md). Not part of make test.
BENCH_BINS := $(addprefix $(BUILD)/bench/,snmp_timer floor_agent idle_procs change_timer \
	hang_target check_loop flapper spawner conn_holder)
$(BUILD)/bench/snmp_timer $(BUILD)/bench/change_timer: BENCH_LIBS := -lnetsnmp
$(BUILD)/bench/floor_agent: BENCH_LIBS := -lnetsnmpagent -lnetsnmp

$(BUILD)/bench/%: tests/bench/%.c
	$(CHECK_BUILD_DEPS)
	@mkdir -p $(@D)
	$(CC) $(OH_CPPFLAGS) $(TEST_WARN) -O2 -g -o $@ $< $(BENCH_LIBS)

bench-deps:
	@tests/tools/ensure-packages $(BENCH_DEPS)

bench: bench-deps agent/oobhealthd $(BENCH_BINS) $(BUILD)/helpers/listener $(BUILD)/helpers/wrapper \
	$(BUILD)/mibs/.fetched
	@tests/bench/run

lint-mib: lint-deps $(BUILD)/mibs/.fetched
	@tests/tools/lint-mib $(BUILD)/mibs mibs/OOBHEALTH-MIB.txt

# make install: DESTDIR stages the tree (packaging, tests); every path is a variable above.
# The configuration is installed only when there is none: an operator's file is never
# replaced, and the shipped default is also kept in $(docdir)/examples.
# Examples keep their place under conf/ (conf/examples/* at the top of examples/).
EXAMPLES := conf/oobhealth.yaml $(wildcard conf/examples/*.yaml) conf/snmpd.conf.snippet \
	conf/snmptrapd.conf \
	conf/icinga2/oobhealth.conf conf/nagios/oobhealth.cfg conf/nagios/oobhealth.ini \
	conf/snmp_exporter/generator.yml $(wildcard conf/prometheus/*.yml)
EXAMPLE_NAMES := $(patsubst examples/%,%,$(patsubst conf/%,%,$(EXAMPLES)))
UNIT_PATHS := -e 's|/usr/local/sbin/oobhealthd|$(sbindir)/oobhealthd|g' \
	-e 's|/etc/oobhealth/|$(confdir)/|g' \
	-e 's|file:///usr/local/share/doc/oobhealth/|file://$(docdir)/|g'

install: all
	$(INSTALL) -d $(DESTDIR)$(sbindir) $(DESTDIR)$(nagiosplugindir) $(DESTDIR)$(mibdir) \
		$(DESTDIR)$(systemdunitdir) $(DESTDIR)$(sysusersdir) $(DESTDIR)$(logrotatedir) \
		$(DESTDIR)$(confdir) $(DESTDIR)$(docdir)/examples
	$(INSTALL) -m 0755 agent/oobhealthd $(DESTDIR)$(sbindir)/oobhealthd
	$(INSTALL) -m 0755 agent/check_oobhealth $(DESTDIR)$(nagiosplugindir)/check_oobhealth
	$(INSTALL) -m 0644 mibs/OOBHEALTH-MIB.txt $(DESTDIR)$(mibdir)/OOBHEALTH-MIB.txt
	@set -e; for page in $(MAN_PAGES); do \
		section=$${page##*.}; \
		echo "$(INSTALL) -m 0644 $$page $(DESTDIR)$(mandir)/man$$section/"; \
		$(INSTALL) -d $(DESTDIR)$(mandir)/man$$section; \
		$(INSTALL) -m 0644 $$page $(DESTDIR)$(mandir)/man$$section/; \
	done
	sed $(UNIT_PATHS) conf/oobhealthd.service >$(DESTDIR)$(systemdunitdir)/oobhealthd.service
	chmod 0644 $(DESTDIR)$(systemdunitdir)/oobhealthd.service
	$(INSTALL) -m 0644 conf/sysusers.d/oobhealth.conf $(DESTDIR)$(sysusersdir)/oobhealth.conf
	$(INSTALL) -m 0644 conf/logrotate $(DESTDIR)$(logrotatedir)/oobhealthd
	$(INSTALL) -m 0644 README.md $(DESTDIR)$(docdir)/README.md
	@set -e; for file in $(EXAMPLES); do \
		name=$${file#conf/}; name=$${name#examples/}; \
		echo "$(INSTALL) -m 0644 $$file $(DESTDIR)$(docdir)/examples/$$name"; \
		$(INSTALL) -d $(DESTDIR)$(docdir)/examples/$$(dirname $$name); \
		$(INSTALL) -m 0644 $$file $(DESTDIR)$(docdir)/examples/$$name; \
	done
	@if [ -e $(DESTDIR)$(confdir)/oobhealth.yaml ]; then \
		echo "install: kept the existing $(DESTDIR)$(confdir)/oobhealth.yaml; the shipped default is $(DESTDIR)$(docdir)/examples/oobhealth.yaml"; \
	else \
		echo "$(INSTALL) -m 0644 conf/oobhealth.yaml $(DESTDIR)$(confdir)/oobhealth.yaml"; \
		$(INSTALL) -m 0644 conf/oobhealth.yaml $(DESTDIR)$(confdir)/oobhealth.yaml; \
	fi

# make uninstall removes what install put, except a configuration that differs from the
# shipped default (an operator's edits); the state in /var/lib/oobhealth and the user
# stay, as a package removal leaves them.
uninstall:
	rm -f $(DESTDIR)$(sbindir)/oobhealthd $(DESTDIR)$(nagiosplugindir)/check_oobhealth \
		$(DESTDIR)$(mibdir)/OOBHEALTH-MIB.txt $(DESTDIR)$(systemdunitdir)/oobhealthd.service \
		$(DESTDIR)$(sysusersdir)/oobhealth.conf $(DESTDIR)$(logrotatedir)/oobhealthd \
		$(DESTDIR)$(docdir)/README.md \
		$(addprefix $(DESTDIR)$(docdir)/examples/,$(EXAMPLE_NAMES)) \
		$(foreach page,$(MAN_PAGES),$(DESTDIR)$(mandir)/man$(subst .,,$(suffix $(page)))/$(notdir $(page)))
	@if cmp -s conf/oobhealth.yaml $(DESTDIR)$(confdir)/oobhealth.yaml; then \
		echo "rm -f $(DESTDIR)$(confdir)/oobhealth.yaml"; \
		rm -f $(DESTDIR)$(confdir)/oobhealth.yaml; \
	elif [ -e $(DESTDIR)$(confdir)/oobhealth.yaml ]; then \
		echo "uninstall: kept $(DESTDIR)$(confdir)/oobhealth.yaml: it differs from the shipped default"; \
	fi
	@for dir in $(DESTDIR)$(confdir) $(sort $(patsubst %/,%,$(dir $(addprefix $(DESTDIR)$(docdir)/examples/,$(EXAMPLE_NAMES))))) \
		$(DESTDIR)$(docdir)/examples $(DESTDIR)$(docdir); do \
		[ ! -d $$dir ] || rmdir --ignore-fail-on-non-empty $$dir; \
	done

clean:
	rm -rf $(BUILD) agent/oobhealthd agent/check_oobhealth
