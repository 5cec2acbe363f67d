#!/usr/bin/env bash
# make install / uninstall as an operator or a packager runs them: a clean copy of the
# source built with the caller's flags, installed with DESTDIR and PREFIX=/usr, and every
# installed part checked by the tool that consumes it (man, systemd-analyze, logrotate,
# systemd-sysusers, snmpd, and systemd itself booting the unit in a container).
source "$(dirname "$0")/../lib.sh"

# Debian's hardening flags (dpkg-buildflags with hardening=+all), as a package build passes them.
USER_FLAGS=(CFLAGS="-g -O2 -fstack-protector-strong -Wformat -Werror=format-security"
	CPPFLAGS="-Wdate-time -D_FORTIFY_SOURCE=2" LDFLAGS="-Wl,-z,relro -Wl,-z,now")
# One copy of the source, built once for every test of this file.
SRC=$(mktemp -d /tmp/oobhealth-install-src.XXXXXX)
trap 'rm -rf "$SRC"' EXIT

# Copies the source (what a release tarball holds) and builds it with USER_FLAGS.
build_copy() {
	[ -x "$SRC/agent/oobhealthd" ] && [ -x "$SRC/agent/check_oobhealth" ] && return 0
	mkdir -p "$SRC/tests"
	cp -a "$ROOT"/Makefile "$ROOT"/README.md "$ROOT"/agent "$ROOT"/include "$ROOT"/mibs "$ROOT"/conf "$SRC/"
	cp -a "$ROOT"/tests/tools "$SRC/tests/"
	make -s -C "$SRC" clean >/dev/null
	make -s -C "$SRC" "${USER_FLAGS[@]}" all >"$SRC/build.log" 2>&1 ||
		{ fail "the build with the caller's flags failed:"; cat "$SRC/build.log"; return 1; }
}

# make install into $T/dest; sets D to it.
install_tree() {
	build_copy || return 1
	D=$T/dest
	make -C "$SRC" install DESTDIR="$D" PREFIX=/usr >"$T/install.log" 2>&1 ||
		{ fail "make install failed:"; cat "$T/install.log"; return 1; }
}

# Runs "$@" in a mount namespace of its own, where /run is an empty tmpfs: tools that
# leave marks in /run (systemd-analyze, systemd-nspawn) leave them there.
private_run() {
	unshare --mount --propagation private -- sh -c 'mount -t tmpfs tmpfs /run && exec "$@"' sh "$@"
}

build_honours_the_callers_flags_and_never_installs_packages() {
	local plain
	build_copy || return
	# The link got LDFLAGS: -z now and relro, which the compiler alone does not give.
	for bin in oobhealthd check_oobhealth; do
		readelf -d "$SRC/agent/$bin" | grep -q 'FLAGS.*BIND_NOW' || fail "$bin: no BIND_NOW, LDFLAGS did not reach the link"
		readelf -lW "$SRC/agent/$bin" | grep -q GNU_RELRO || fail "$bin: no RELRO segment"
		# CPPFLAGS reached the compiler: _FORTIFY_SOURCE turned calls into their checked forms.
		readelf --dyn-syms -W "$SRC/agent/$bin" | grep -q '__[a-z]*_chk' || fail "$bin: no _chk calls, CPPFLAGS were lost"
	done
	printf 'int main(void) { return 0; }\n' >"$T/plain.c"
	cc -o "$T/plain" "$T/plain.c"
	readelf -d "$T/plain" | grep -q BIND_NOW && fail "cc links with BIND_NOW by itself: the LDFLAGS check proves nothing here"
	# -Werror belongs to the project's test builds only, never to the user's build.
	plain=$(make -C "$SRC" -n -B agent/oobhealthd agent/check_oobhealth 2>&1)
	assert_contains "$plain" "-o agent/oobhealthd" "make -n of the user build"
	grep -q -- '-Werror\( \|$\)' <<<"$plain" && fail "the user build forces -Werror: $plain"
	grep -q -- '-Werror ' <<<"$(make -C "$SRC" -n -B build/san/oobhealthd 2>&1)" ||
		fail "the sanitizer build lost -Werror"
	# make (all) never installs packages; make demo installs only what the demo runs.
	grep -Eq 'ensure-packages|apt-get (update|install -y)|sudo ' <<<"$(make -C "$SRC" -n -B all install 2>&1)" &&
		fail "make all or install would install packages"
	plain=$(make -C "$SRC" -n demo-deps 2>&1)
	assert_contains "$plain" "snmpd" "make demo's packages"
	grep -Eq 'icinga2|nagios4|prometheus|smitools' <<<"$plain" && fail "make demo installs what it does not run: $plain"
	# Missing development files are named with their Debian packages, before any compiling.
	plain=$(make -C "$SRC" -B CC="cc -nostdinc" agent/oobhealthd 2>&1)
	assert_contains "$plain" "apt-get install libsnmp-dev libyaml-dev libpcre2-dev" "make without the headers"
	assert_contains "$plain" "make deps" "make without the headers"
	grep -q -- ' -o agent/oobhealthd' <<<"$plain" && fail "make without the headers still ran the compiler: $plain"
}

ensure_packages_names_what_is_missing_without_root_or_sudo() {
	local out code bin
	# As root, an installed package is left alone: no apt-get at all.
	out=$("$ROOT/tests/tools/ensure-packages" coreutils 2>&1)
	assert_eq "0 " "$? $out" "ensure-packages with nothing missing"
	# As a user on a host without sudo: the packages are named, and it fails.
	bin=$(mktemp -d /tmp/oobhealth-nosudo.XXXXXX)
	chmod 755 "$bin"
	for tool in sh env id grep dpkg-query apt-get apt-cache; do ln -s "$(command -v "$tool")" "$bin/$tool"; done
	cp "$ROOT/tests/tools/ensure-packages" "$bin/"
	out=$(cd / && setpriv --reuid=nobody --regid=nogroup --clear-groups env PATH="$bin" \
		sh "$bin/ensure-packages" coreutils oobhealth-no-such-package 2>&1)
	code=$?
	rm -rf "$bin"
	assert_eq 1 "$code" "ensure-packages as a user without sudo"
	assert_contains "$out" "apt-get install oobhealth-no-such-package" "ensure-packages as a user without sudo"
	grep -q "coreutils" <<<"$out" && fail "ensure-packages named an installed package: $out"
}

installed_tree_holds_every_part_in_place() {
	local expected got page mibdir out version
	install_tree || return
	expected=$(
		cd "$ROOT" || exit
		printf '%s\n' etc/logrotate.d/oobhealthd etc/oobhealth/oobhealth.yaml \
			usr/lib/nagios/plugins/check_oobhealth usr/lib/systemd/system/oobhealthd.service \
			usr/lib/sysusers.d/oobhealth.conf usr/sbin/oobhealthd usr/share/doc/oobhealth/README.md \
			usr/share/doc/oobhealth/examples/oobhealth.yaml usr/share/doc/oobhealth/examples/snmpd.conf.snippet \
			usr/share/doc/oobhealth/examples/snmptrapd.conf \
			usr/share/doc/oobhealth/examples/icinga2/oobhealth.conf \
			usr/share/doc/oobhealth/examples/nagios/oobhealth.cfg \
			usr/share/doc/oobhealth/examples/nagios/oobhealth.ini \
			usr/share/doc/oobhealth/examples/snmp_exporter/generator.yml \
			usr/share/snmp/mibs/OOBHEALTH-MIB.txt
		for file in conf/examples/*.yaml; do echo "usr/share/doc/oobhealth/examples/${file#conf/examples/}"; done
		for file in conf/prometheus/*.yml; do echo "usr/share/doc/oobhealth/examples/${file#conf/}"; done
		for page in conf/man/*.[1-8]; do echo "usr/share/man/man${page##*.}/${page#conf/man/}"; done
	)
	got=$(cd "$D" && find . -type f -o -type l | sed 's|^\./||')
	assert_eq "$(sort <<<"$expected")" "$(sort <<<"$got")" "the installed files"
	[ -n "$(ls "$ROOT"/conf/man/*.[1-8] 2>/dev/null)" ] || fail "no man pages in conf/man"
	# Both programs run from where they were installed.
	version=$(sed -n 's/^#define OOBHEALTH_VERSION "\(.*\)"$/\1/p' "$ROOT/include/oobhealth.h")
	assert_eq "oobhealthd $version" "$("$D/usr/sbin/oobhealthd" -V 2>&1)" "installed oobhealthd -V"
	assert_contains "$("$D/usr/sbin/oobhealthd" --help 2>&1)" "(default /etc/oobhealth/oobhealth.yaml)" \
		"the compiled-in configuration path"
	assert_eq "check_oobhealth v$version (oobhealth $version)" "$("$D/usr/lib/nagios/plugins/check_oobhealth" -V 2>&1)" \
		"installed check_oobhealth -V"
	out=$("$D/usr/sbin/oobhealthd" --check-config -c "$D/etc/oobhealth/oobhealth.yaml" 2>&1)
	assert_eq "0 OK" "$? $out" "--check-config of the installed default"
	assert_eq "$(cat "$ROOT/conf/oobhealth.yaml")" "$(cat "$D/etc/oobhealth/oobhealth.yaml")" "the installed default"
	# The MIB is in net-snmp's own default MIB directory under /usr, and loads from there.
	mibdir=$(net-snmp-config --default-mibdirs | tr ':' '\n' | grep -x '/usr/share/snmp/mibs')
	[ -f "$D$mibdir/OOBHEALTH-MIB.txt" ] || fail "OOBHEALTH-MIB is not in net-snmp's $mibdir"
	out=$(MIBS="" snmptranslate -M "$D$mibdir:$ROOT/build/mibs:/usr/share/snmp/mibs" -m OOBHEALTH-MIB -On \
		OOBHEALTH-MIB::ohServiceHealth 2>"$T/translate.err")
	assert_prefix ".1.3.6.1.4.1.8072.9999.9999.4242." "$out" \
		"snmptranslate with the installed MIB ($(cat "$T/translate.err"))"
	# Every man page, found by man under the installed mandir.
	for page in "$ROOT"/conf/man/*.[1-8]; do
		page=${page##*/}
		assert_eq "$D/usr/share/man/man${page##*.}/$page" \
			"$(MANPATH=$D/usr/share/man man -w "${page%.*}" 2>&1)" "man -w ${page%.*}"
	done
}

installed_man_pages_render_without_warnings() {
	local page out section
	install_tree || return
	for page in "$D"/usr/share/man/man[1-8]/*; do
		out=$(man --warnings -l "$page" 2>&1 >/dev/null)
		assert_eq "" "$out" "man --warnings -l ${page##*/}"
		out=$(groff -man -ww -z "$page" 2>&1)
		assert_eq "" "$out" "groff -man -ww -z ${page##*/}"
		out=$(MANWIDTH=80 man -l "$page" 2>/dev/null)
		grep -q '^NAME' <<<"$out" || fail "${page##*/} renders without a NAME section"
	done
	out=$(MANWIDTH=80 man -l "$D/usr/share/man/man5/oobhealth.yaml.5" 2>/dev/null)
	for section in SYNOPSIS DESCRIPTION VALUES "THE agent SECTION" "THE services LIST" HEALTH EXAMPLES \
		FILES "SEE ALSO"; do
		grep -qx "$section" <<<"$out" || fail "oobhealth.yaml(5) has no $section section"
	done
}

# The full example in conf/examples is also printed in oobhealth.yaml(5): the same text,
# and valid.
full_example_is_the_one_in_the_man_page_and_valid() {
	local file from_page
	install_tree || return
	from_page=$(sed -n '/^\.\\" BEGIN oobhealth-full.yaml/,/^\.\\" END/p' "$ROOT/conf/man/oobhealth.yaml.5" |
		sed '1,2d;$d' | sed '$d' |
		sed -e 's/\\-/-/g' -e 's/\\(aq/'"'"'/g' -e 's/\\(ha/^/g' -e 's/\\(ga/`/g' -e 's/\\e/\\/g')
	assert_eq "$(cat "$ROOT/conf/examples/oobhealth-full.yaml")" "$from_page" \
		"the full example in oobhealth.yaml(5) and conf/examples/oobhealth-full.yaml"
	for file in "$D"/usr/share/doc/oobhealth/examples/*.yaml; do
		assert_eq "OK" "$("$D/usr/sbin/oobhealthd" --check-config -c "$file" 2>&1)" "--check-config ${file##*/}"
	done
}

installed_unit_verifies_and_is_hardened() {
	local unit=$T/dest/usr/lib/systemd/system/oobhealthd.service out exposure ambient bounding
	install_tree || return
	assert_contains "$(cat "$unit")" "ExecStart=/usr/sbin/oobhealthd -f -c /etc/oobhealth/oobhealth.yaml " \
		"the installed unit's paths"
	grep -v '^#' "$unit" | grep -q '/usr/local' && fail "the installed unit still names /usr/local: $(grep /usr/local "$unit")"
	assert_contains "$(cat "$unit")" "Documentation=file:///usr/share/doc/oobhealth/README.md" "the unit's Documentation="
	[ -f "$D/usr/share/doc/oobhealth/README.md" ] || fail "the README the unit points at is not installed"
	# systemd-analyze verify checks ExecStart's binaries and the man: pages exist. The unit
	# is verified with its paths moved under DESTDIR, the man pages found in DESTDIR's mandir.
	mkdir -p "$T/verify"
	sed "s|=/usr/sbin/oobhealthd |=$D/usr/sbin/oobhealthd |" "$unit" >"$T/verify/oobhealthd.service"
	out=$(MANPATH=$D/usr/share/man private_run systemd-analyze verify "$T/verify/oobhealthd.service" 2>&1)
	assert_eq "0 " "$? $out" "systemd-analyze verify"
	out=$(private_run systemd-analyze security --offline=true "$unit" 2>&1)
	exposure=$(sed -n 's/^→ Overall exposure level for oobhealthd.service: \([0-9.]*\) .*/\1/p' <<<"$out")
	log "systemd-analyze security: exposure $exposure"
	[ -n "$exposure" ] || fail "no exposure level in: $out"
	awk -v e="$exposure" 'BEGIN { exit !(e <= 3.0) }' || fail "exposure $exposure is above 3.0: $(grep '✗' <<<"$out")"
	assert_eq "oobhealth oobhealth" "$(sed -n 's/^User=//p' "$unit") $(sed -n 's/^Group=//p' "$unit")" \
		"the unit's User= and Group="
	# The capabilities granted are exactly those the bounding set allows.
	ambient=$(sed -n 's/^AmbientCapabilities=//p' "$unit")
	bounding=$(sed -n 's/^CapabilityBoundingSet=//p' "$unit")
	[ -n "$ambient" ] || fail "the unit grants no capabilities"
	assert_eq "$ambient" "$bounding" "AmbientCapabilities and CapabilityBoundingSet"
}

installed_sysusers_and_logrotate_files_work() {
	local root=$T/sysroot entry out
	install_tree || return
	# systemd-sysusers creates the user in a copy of this host's user database.
	mkdir -p "$root/etc" "$root/usr/lib/sysusers.d"
	cp /etc/passwd /etc/group "$root/etc/"
	cp "$D/usr/lib/sysusers.d/oobhealth.conf" "$root/usr/lib/sysusers.d/"
	out=$(systemd-sysusers --root="$root" 2>&1) || fail "systemd-sysusers: $out"
	entry=$(grep '^oobhealth:' "$root/etc/passwd")
	grep -Eq '^oobhealth:x:[0-9]+:[0-9]+:oobhealth service health agent:/var/lib/oobhealth:/(usr/)?s?bin/nologin$' <<<"$entry" ||
		fail "the oobhealth user: [$entry]"
	[ "$(cut -d: -f3 <<<"$entry")" -lt 1000 ] || fail "oobhealth is not a system user: $entry"
	grep -q "^oobhealth:x:$(cut -d: -f4 <<<"$entry"):" "$root/etc/group" || fail "no group oobhealth of the user's gid"
	out=$(systemd-sysusers --dry-run --root="$D" 2>&1)
	assert_contains "$out" "Creating user 'oobhealth' (oobhealth service health agent)" \
		"systemd-sysusers --dry-run on the installed tree"
	assert_contains "$out" "Would write /etc/passwd" "systemd-sysusers --dry-run on the installed tree"
	# logrotate, with that user known, in a namespace where /var/log and /run are private:
	# the debug run accepts the file; a forced run rotates the log as the user, creates the
	# new one, and the pid in /run/oobhealth/oobhealthd.pid gets SIGHUP.
	cat >"$T/rotate.sh" <<'SCRIPT'
set -e
root=$1 conf=$2 state=$3
mount --bind "$root/etc/passwd" /etc/passwd
mount --bind "$root/etc/group" /etc/group
mount -t tmpfs tmpfs /var/log
install -d -o oobhealth -g oobhealth -m 0750 /var/log/oobhealth /run/oobhealth
echo "a line oobhealthd logged" >/var/log/oobhealth/oobhealthd.log
chown oobhealth:oobhealth /var/log/oobhealth/oobhealthd.log
chmod 0640 /var/log/oobhealth/oobhealthd.log
setpriv --reuid=oobhealth --regid=oobhealth --clear-groups sh -c \
	'trap "echo hup >/run/oobhealth/hup" HUP; : >/run/oobhealth/ready; for i in $(seq 1200); do sleep 0.1; done' &
daemon=$!
echo "$daemon" >/run/oobhealth/oobhealthd.pid
# SIGHUP only once its trap is set (ready), or it would end the stand-in.
for i in $(seq 600); do [ -e /run/oobhealth/ready ] && break; sleep 0.1; done
logrotate -d -s "$state" "$conf" >/run/debug.out 2>&1 || { cat /run/debug.out; exit 1; }
grep -q 'error' /run/debug.out && { cat /run/debug.out; exit 1; }
logrotate -f -s "$state" "$conf"
for i in $(seq 600); do [ -e /run/oobhealth/hup ] && break; sleep 0.1; done
kill "$daemon"
echo "hup: $(cat /run/oobhealth/hup 2>/dev/null)"
cd /var/log/oobhealth && stat -c '%n %U %G %a %s' * | sort
SCRIPT
	out=$(private_run sh "$T/rotate.sh" "$root" "$D/etc/logrotate.d/oobhealthd" "$T/logrotate.state" 2>&1)
	assert_eq "hup: hup
oobhealthd.log oobhealth oobhealth 640 0
oobhealthd.log.1 oobhealth oobhealth 640 25" "$out" "logrotate of /var/log/oobhealth/oobhealthd.log"
}

# The installed default on a host where /etc/init.d/snmpd starts snmpd as Debian does
# (-u Debian-snmp -p /run/snmpd.pid, AgentX at /var/agentx/master): with the pidfile
# match its comment suggests, --once is healthy, and the AgentX probe leaves no log line.
# snmpd and oobhealthd run in a mount namespace with tmpfs over /run and /var, so the
# host's /run/snmpd.pid and /var/agentx are never touched.
default_config_is_healthy_beside_snmpd_from_init_script() {
	local holder snmpd_pid suggestion out code lines
	install_tree || return
	getent passwd Debian-snmp >/dev/null || { fail "no Debian-snmp user: is snmpd installed?"; return; }
	suggestion=$(sed -n 's/.*(no systemd), use: \(match: .*\)$/\1/p' "$D/etc/oobhealth/oobhealth.yaml")
	assert_eq "match: { pidfile: /run/snmpd.pid, user: Debian-snmp }" "$suggestion" "the pidfile match the default config suggests"
	sed "s|^    match: { unit: snmpd.service }$|    $suggestion|" "$D/etc/oobhealth/oobhealth.yaml" >"$T/sysv.yaml"
	grep -qF "    $suggestion" "$T/sysv.yaml" || { fail "could not put the pidfile match in"; return; }
	spawn unshare --mount --propagation private -- sh -c \
		"mount -t tmpfs tmpfs /run && mount -t tmpfs tmpfs /var && echo ready >$T/ns.ready && exec sleep 600"
	holder=$SPAWNED
	wait_until "$WAIT_MS" test -e "$T/ns.ready" || { fail "the mount namespace did not come up"; return; }
	SNMP_PORT=$(free_port)
	mkdir -p "$T/persist"
	chown Debian-snmp "$T/persist"
	chmod 755 "$T"
	cat >"$T/snmpd.conf" <<CONF
agentAddress udp:127.0.0.1:$SNMP_PORT
master agentx
rocommunity public 127.0.0.1
CONF
	# /etc/init.d/snmpd's options, logging every priority to a file instead of -LSwd.
	MIBS="" spawn nsenter -t "$holder" -m -- snmpd -f -C -c "$T/snmpd.conf" -Lf "$T/snmpd.log" \
		-u Debian-snmp -g Debian-snmp -I -smux,mteTrigger,mteTriggerConf -p /run/snmpd.pid
	snmpd_pid=$SPAWNED
	wait_until "$WAIT_MS" nsenter -t "$holder" -m -- test -S /var/agentx/master ||
		{ fail "snmpd did not open /var/agentx/master"; cat "$T/snmpd.log"; return; }
	wait_until "$WAIT_MS" snmpd_answers || { fail "snmpd does not answer"; return; }
	assert_eq "$snmpd_pid" "$(nsenter -t "$holder" -m -- cat /run/snmpd.pid)" "snmpd's pidfile"
	[ -e /run/snmpd.pid ] && [ "$(cat /run/snmpd.pid)" = "$snmpd_pid" ] && fail "snmpd wrote the host's /run/snmpd.pid"
	lines=$(wc -l <"$T/snmpd.log")
	out=$(nsenter -t "$holder" -m -- "$D/usr/sbin/oobhealthd" --once -c "$T/sysv.yaml" 2>&1)
	code=$?
	assert_eq 0 "$code" "--once exit code: $out"
	grep -Eq "^snmpd +up +$snmpd_pid +$(id -u Debian-snmp) +ok" <<<"$out" || fail "--once: snmpd is not up and ok: $out"
	grep -Eq "^snmpd +agentx +ok " <<<"$out" || fail "--once: the AgentX probe did not pass: $out"
	sleep 0.5
	assert_eq "$lines" "$(wc -l <"$T/snmpd.log")" "snmpd's log lines after the AgentX probe ($(tail -n +$((lines + 1)) "$T/snmpd.log"))"
	end_pid "$snmpd_pid"
	end_pid "$holder"
}

# systemd 252 boots a container (systemd-nspawn, volatile root, the host's /usr with the
# installed tree laid over it, no network but its own loopback) with Debian's snmpd.service
# and the installed oobhealthd.service: systemd-sysusers creates the user from the
# installed file, and the unit runs sandboxed as that user with its two capabilities.
CT_LEADER=""
CT_NSPAWN=""
CT_CGROUPS=""

ct() { nsenter -t "$CT_LEADER" -a -- "$@"; }
ct_get() {
	nsenter -t "$CT_LEADER" -n -- snmpget -v2c -c public -t "$SNMP_TIMEOUT" -r 0 -OqvU "${MIB_OPTS[@]}" 127.0.0.1 \
		"OOBHEALTH-MIB::$1"
}
ct_value_is() {
	local got
	got=$(ct_get "$1" 2>/dev/null) && [ "$got" = "$2" ]
}
ct_cycles_past() {
	local cycles
	cycles=$(ct_get ohAgentCycles.0 2>/dev/null) && [[ "$cycles" =~ ^[0-9]+$ ]] && [ "$cycles" -gt "$1" ]
}
ct_leader_found() {
	CT_LEADER=$(pgrep -P "$CT_NSPAWN" -x systemd) && [ -n "$CT_LEADER" ]
}
ct_snmpd_log_lines() { ct journalctl -q -u snmpd.service -o cat | wc -l; }

ct_gone() { ! kill -0 "$CT_NSPAWN" 2>/dev/null; }

# Halts the container: SIGTERM asks its systemd to power off; a second one ends it at once.
ct_stop() {
	local signal
	[ -n "$CT_NSPAWN" ] || return 0
	for signal in TERM TERM KILL; do
		kill -"$signal" "$CT_NSPAWN" 2>/dev/null || break
		wait_until 30000 ct_gone && break
	done
	forget_pid "$CT_NSPAWN"
	wait "$CT_NSPAWN" 2>/dev/null
	CT_NSPAWN=""
	# nspawn leaves its supervisor/payload cgroups, empty, below the one it ran in.
	for cg in $CT_CGROUPS; do
		find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null
	done
}

# CAP_* names to the hexadecimal mask /proc/PID/status prints.
cap_mask() {
	local mask=0 cap bit
	for cap in "$@"; do
		bit=$(sed -n "s/^#define ${cap}[[:space:]]\+\([0-9]\+\)$/\1/p" /usr/include/linux/capability.h)
		[ -n "$bit" ] || { echo "unknown-$cap"; return; }
		mask=$((mask | (1 << bit)))
	done
	printf '%016x\n' "$mask"
}

unit_runs_under_systemd_as_oobhealth_with_its_capabilities() {
	local pid snmpd_pid caps user cycles lines out
	install_tree || return
	command -v systemd-nspawn >/dev/null || { fail "no systemd-nspawn (Debian package systemd-container)"; return; }
	cat >"$T/oobhealth-test.target" <<'UNIT'
[Unit]
Description=snmpd and oobhealthd, as a host enabling both would start them
Wants=snmpd.service oobhealthd.service
After=snmpd.service oobhealthd.service
UNIT
	# snmpd configured as the README's wiring section says (its lines are the snippet's,
	# which wiring_test.sh holds to the README): the group oobhealth may connect.
	{
		echo 'agentAddress udp:127.0.0.1:161'
		echo 'rocommunity public 127.0.0.1'
		grep -vE '^[[:space:]]*(#|$)' "$ROOT/conf/snmpd.conf.snippet"
	} >"$T/ct-snmpd.conf"
	# The user the snmpd package's postinst creates.
	echo 'u Debian-snmp - "net-snmp" /var/lib/snmp' >"$T/debian-snmp.conf"
	chmod 755 "$T"
	# nspawn makes its supervisor and payload cgroups below its own: one of its own here,
	# in the hierarchies systemd uses (name=systemd and the unified one on hybrid hosts).
	for root in /sys/fs/cgroup/systemd /sys/fs/cgroup/unified /sys/fs/cgroup; do
		[ -f "$root/cgroup.procs" ] && CT_CGROUPS="$CT_CGROUPS $root/oobhealth-test-$$"
	done
	# unshare execs sh, which joins those cgroups and execs systemd-nspawn: the spawned
	# pid is nspawn's.
	spawn unshare --mount --propagation private -- sh -c \
		'for cg in $0; do mkdir "$cg" && echo $$ >"$cg/cgroup.procs" || exit 1; done
		mount -t tmpfs tmpfs /run && exec "$@"' "$CT_CGROUPS" \
		systemd-nspawn -q -D / --volatile=yes --private-network --register=no --keep-unit \
		--console=pipe --machine="oobhealth-test-$$" --overlay-ro="/usr:$D/usr:/usr" \
		--bind-ro="$D/etc/oobhealth:/etc/oobhealth" --bind-ro="$T/ct-snmpd.conf:/etc/snmp/snmpd.conf" \
		--bind-ro="$T/debian-snmp.conf:/etc/sysusers.d/debian-snmp.conf" \
		--bind-ro="$T/oobhealth-test.target:/etc/systemd/system/oobhealth-test.target" \
		-b systemd.unit=oobhealth-test.target systemd.mask=systemd-firstboot.service
	CT_NSPAWN=$SPAWNED
	trap 'ct_stop; cleanup' EXIT
	wait_until 180000 ct_leader_found || { fail "the container did not boot"; cat "$T/spawned.log"; return; }
	wait_until 180000 ct_cycles_past 0 ||
		{ fail "oobhealthd.service did not register"; ct systemctl --no-pager status oobhealthd snmpd; return; }
	assert_eq "active" "$(ct systemctl is-active oobhealthd.service)" "oobhealthd.service"
	# Who it runs as, and with what.
	user=$(ct getent passwd oobhealth)
	grep -Eq '^oobhealth:x:[0-9]+:[0-9]+:[^:]*:/var/lib/oobhealth:/(usr/)?s?bin/nologin$' <<<"$user" ||
		fail "systemd-sysusers did not create oobhealth from the installed file: [$user]"
	pid=$(ct systemctl show -p MainPID --value oobhealthd.service)
	assert_eq "oobhealth" "$(ct stat -c %U "/proc/$pid")" "the user oobhealthd.service runs as"
	# shellcheck disable=SC2046
	caps=$(cap_mask $(sed -n 's/^AmbientCapabilities=//p' "$D/usr/lib/systemd/system/oobhealthd.service"))
	for set in CapEff CapAmb CapBnd; do
		assert_eq "$caps" "$(ct sed -n "s/^$set:[[:space:]]*//p" "/proc/$pid/status")" "$set of oobhealthd"
	done
	assert_eq "$pid" "$(ct cat /run/oobhealth/oobhealthd.pid)" "the pidfile in the RuntimeDirectory"
	# Through the sandbox it sees snmpd (another user's, not dumpable) whole, and reaches
	# the AgentX socket on the read-only /var: the default config is healthy.
	snmpd_pid=$(ct systemctl show -p MainPID --value snmpd.service)
	wait_until "$WAIT_MS" ct_value_is 'ohServiceHealth."snmpd"' ok ||
		fail "snmpd's health: $(ct_get 'ohServiceHealthText."snmpd"' 2>&1)"
	assert_eq "up" "$(ct_get 'ohServiceStatus."snmpd"' 2>&1)" "ohServiceStatus of snmpd"
	assert_eq "$snmpd_pid" "$(ct_get 'ohServicePid."snmpd"' 2>&1)" "ohServicePid of snmpd"
	[[ "$(ct_get 'ohServiceFdOpen."snmpd"' 2>&1)" =~ ^[1-9][0-9]*$ ]] ||
		fail "snmpd's open fds are not read: $(ct_get 'ohServiceFdOpen."snmpd"' 2>&1)"
	assert_eq "ok" "$(ct_get 'ohProbeStatus."snmpd"."agentx"' 2>&1)" "the AgentX probe"
	# The listener's owner comes from readlink of snmpd's /proc/PID/fd/* (CAP_SYS_PTRACE).
	assert_eq "$snmpd_pid" "$(ct_get 'ohProbeListenerPid."snmpd"."agentx"' 2>&1)" "the AgentX socket's owner"
	# --once on the installed default, as root on this stock host, exits 0.
	lines=$(ct_snmpd_log_lines)
	cycles=$(ct_get ohAgentCycles.0)
	out=$(ct /usr/sbin/oobhealthd --once 2>&1)
	assert_eq 0 "$?" "--once on the installed default: $out"
	wait_until "$WAIT_MS" ct_cycles_past "$cycles" || fail "no cycle after $cycles"
	assert_eq "$lines" "$(ct_snmpd_log_lines)" "snmpd's journal after two AgentX probes"
	# systemctl reload sends SIGHUP through the sandbox; stop persists the state and exits 0.
	ct systemctl reload oobhealthd.service || fail "systemctl reload oobhealthd"
	wait_until "$WAIT_MS" ct_value_is ohAgentConfigReloads.0 1 || fail "the reload was not counted"
	ct systemctl stop oobhealthd.service
	assert_eq "success 0" "$(ct systemctl show -p Result --value oobhealthd.service) $(ct systemctl show -p ExecMainStatus --value oobhealthd.service)" \
		"oobhealthd.service stopped"
	assert_eq "oobhealth 700" "$(ct stat -c '%U %a' /var/lib/oobhealth)" "the StateDirectory"
	ct test -s /var/lib/oobhealth/state || fail "no state file written in the StateDirectory on stop"
	ct_stop
}

reinstall_keeps_an_edited_config_and_uninstall_removes_the_rest() {
	local out left conf
	install_tree || return
	conf=$D/etc/oobhealth/oobhealth.yaml
	echo "# edited by the operator" >>"$conf"
	cp "$conf" "$T/edited.yaml"
	out=$(make -C "$SRC" install DESTDIR="$D" PREFIX=/usr 2>&1)
	assert_eq "$(cat "$T/edited.yaml")" "$(cat "$conf")" "the config after a second make install"
	assert_contains "$out" "install: kept the existing $conf" "make install over an edited config"
	out=$(make -C "$SRC" uninstall DESTDIR="$D" PREFIX=/usr 2>&1)
	assert_contains "$out" "uninstall: kept $conf: it differs from the shipped default" "make uninstall"
	left=$(cd "$D" && find . -type f -o -type l)
	assert_eq "./etc/oobhealth/oobhealth.yaml" "$left" "files left by make uninstall with an edited config"
	# An unedited default goes with the rest, and so do the package's own directories.
	rm "$conf"
	make -C "$SRC" install DESTDIR="$D" PREFIX=/usr >/dev/null 2>&1
	make -C "$SRC" uninstall DESTDIR="$D" PREFIX=/usr >"$T/uninstall.log" 2>&1 ||
		fail "make uninstall: $(cat "$T/uninstall.log")"
	assert_eq "" "$(cd "$D" && find . -type f -o -type l)" "files left by make uninstall"
	for dir in etc/oobhealth usr/share/doc/oobhealth; do
		[ -e "$D/$dir" ] && fail "make uninstall left $dir"
	done
}

[ "$(id -u)" -eq 0 ] || { echo "FAIL install_test.sh needs root (namespaces, a container, chown)"; exit 1; }
run_tests build_honours_the_callers_flags_and_never_installs_packages \
	ensure_packages_names_what_is_missing_without_root_or_sudo \
	installed_tree_holds_every_part_in_place installed_man_pages_render_without_warnings \
	full_example_is_the_one_in_the_man_page_and_valid installed_unit_verifies_and_is_hardened \
	installed_sysusers_and_logrotate_files_work default_config_is_healthy_beside_snmpd_from_init_script \
	unit_runs_under_systemd_as_oobhealth_with_its_capabilities \
	reinstall_keeps_an_edited_config_and_uninstall_removes_the_rest
