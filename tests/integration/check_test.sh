#!/usr/bin/env bash
# check_oobhealth against a live oobhealthd under a real snmpd: OK, WARNING, CRITICAL and
# UNKNOWN with their exact exit codes, performance data checked against the Monitoring
# Plugins grammar, threshold ranges in every form, --extra-opts ini files, -v levels, an
# SNMPv3 authPriv user, and the cases where oobhealthd, its data or snmpd itself is gone.
source "$(dirname "$0")/../lib.sh"

CHECK=${CHECK:-$ROOT/build/san/check_oobhealth}

# run_check ARGS...: runs the plugin against the test snmpd; sets OUT and RC.
run_check() {
	OUT=$("$CHECK" -H 127.0.0.1 -p "$SNMP_PORT" "$@" 2>"$T/check.err")
	RC=$?
	log "exit $RC: $(head -n 1 <<<"$OUT")"
	# Icinga shows stderr as part of the output: everything belongs on stdout's lines.
	if [ -s "$T/check.err" ]; then
		fail "check_oobhealth wrote to stderr:"
		head -20 "$T/check.err"
	fi
}

# The guidelines' grammar: 'label'=value[UOM];[warn];[crit];[min];[max]
NUMBER='-?[0-9]+(\.[0-9]+)?'
UOM='(s|ms|us|%|B|KB|MB|TB|c)?'
RANGE="@?(~|$NUMBER)?(:($NUMBER)?)?"
PERF_ITEM="^('[^'=]+'|[^' =]+)=($NUMBER|U)$UOM(;($RANGE)?(;($RANGE)?(;($NUMBER)?(;($NUMBER)?)?)?)?)?\$"

# Prints the performance data of $OUT: after the "|" of the first line, and after the first
# "|" of the long text, with every line that follows it.
perfdata_of() {
	local line first=1 rest=0
	while IFS= read -r line; do
		if [ "$first" = 1 ]; then
			first=0
			[[ "$line" == *"|"* ]] && printf '%s\n' "${line#*|}"
		elif [ "$rest" = 1 ]; then
			printf '%s\n' "$line"
		elif [[ "$line" == *"|"* ]]; then
			rest=1
			printf '%s\n' "${line#*|}"
		fi
	done <<<"$OUT"
}

# assert_plugin STATE: $OUT and $RC are that state by the guidelines, and every
# performance data item follows the grammar. Prints nothing; fails the test otherwise.
assert_plugin() {
	local state=$1 code item items=0
	case "$state" in OK) code=0 ;; WARNING) code=1 ;; CRITICAL) code=2 ;; UNKNOWN) code=3 ;; esac
	assert_eq "$code" "$RC" "exit code"
	[[ "$(head -n 1 <<<"$OUT")" =~ ^OOBHEALTH\ $state\ -\ [^|]+ ]] ||
		fail "first line is not \"OOBHEALTH $state - text\": $(head -n 1 <<<"$OUT")"
	for item in $(perfdata_of); do
		items=$((items + 1))
		[[ "$item" =~ $PERF_ITEM ]] || fail "perfdata item [$item] breaks the guidelines' grammar"
	done
	PERF_ITEMS=$items
}

# perf LABEL: the value field of one performance data item of $OUT.
perf() {
	perfdata_of | tr ' ' '\n' | sed -n "s|^$1=||p"
}

# A listener that answers, found by its pidfile, and a tcp probe of it.
start_web() {
	local port=$(free_port)
	listen 127.0.0.1:$port 8 reply "PONG" || return 1
	echo "$SPAWNED" >"$T/web.pid"
	WEB_SERVICE="  - name: web
    match: { pidfile: $T/web.pid }
    probes:
      - { name: ping, tcp: 127.0.0.1:$port, send: \"PING\\r\\n\", expect: '^PONG', timeout: 2s }"
}

# snmpd, oobhealthd and the web service under it.
serve_web() {
	start_snmpd || return 1
	start_web || return 1
	write_config <<<"$WEB_SERVICE"
	start_agent
}

healthy_service_is_ok_with_perfdata() {
	serve_web || return
	wait_until "$WAIT_MS" value_is 'ohProbeStatus."web"."ping"' ok || { fail "probe never ok"; return; }
	run_check -s web
	assert_plugin OK
	assert_prefix "OOBHEALTH OK - web: up, pid $(cat "$T/web.pid"), fd " "$OUT" "status line"
	assert_contains "$OUT" ", 1 probe ok |" "status line"
	assert_eq 1 "$(wc -l <<<"$OUT")" "lines of output for one service"
	# fd thresholds are counts from the service's own fd_warn 80% / fd_crit 95%.
	local soft=$(oh_get 'ohServiceFdSoftLimit."web"')
	[[ "$(perf fd_used)" =~ ^[0-9]+\;$(((soft * 80 + 99) / 100 - 1))\;$(((soft * 95 + 99) / 100 - 1))\;0\;$soft$ ]] ||
		fail "fd_used [$(perf fd_used)] with a soft limit of $soft"
	assert_eq "0c" "$(perf restarts)" "restarts"
	assert_eq "0;;;0" "$(perf zombies)" "zombies"
	[[ "$(perf ping_latency)" =~ ^0\.[0-9]+s\;\;\;0\;2$ ]] || fail "ping_latency [$(perf ping_latency)]"
	assert_eq 0 "$(perf ping_accept_queue | cut -d';' -f1)" "ping accept queue"
	# The TCP connections of its process tree (the probe's own is closed by then, or not).
	[[ "$(perf connections)" =~ ^[0-9]+\;\;\;0$ ]] || fail "connections [$(perf connections)]"
	assert_eq "0;;;0" "$(perf stalled_connections)" "stalled_connections"
	assert_eq 7 "$PERF_ITEMS" "performance data items"

	# A latency threshold below any real answer tightens the verdict, and says why.
	run_check -s web -w ,0.000001
	assert_plugin WARNING
	assert_contains "$OUT" "web: probe ping took " "latency warning"
	assert_contains "$OUT" "ping_latency=" "latency perfdata"
	[[ "$(perf ping_latency)" =~ s\;0\.000001\;\;0\;2$ ]] || fail "ping_latency thresholds [$(perf ping_latency)]"
	run_check -s web -w ,0.000001 -c ,0.000002s
	assert_plugin CRITICAL
	assert_contains "$OUT" "web: probe ping took " "latency critical"
	assert_contains "$OUT" " ms (outside -c 0.000002 s) |" "latency critical"
	[[ "$(perf ping_latency)" =~ s\;0\.000001\;0\.000002\;0\;2$ ]] || fail "ping_latency thresholds [$(perf ping_latency)]"
}

absent_service_is_critical() {
	start_snmpd || return
	write_config <<CONF
  - name: gone
    match: { pidfile: $T/never-written.pid }
CONF
	start_agent || return
	run_check -s gone
	assert_plugin CRITICAL
	assert_prefix "OOBHEALTH CRITICAL - gone: absent" "$OUT" "status line"
	assert_eq "0c" "$(perf restarts)" "restarts"
	assert_eq "" "$(perf fd_used)" "fd_used of an absent service"
	# Its fd cells have no instance. SNMPv1 answers a GET of one with noSuchName for the
	# whole request: the verdict is the same, one row or a walk of all.
	local v2c=$OUT
	run_check -s gone -P 1
	assert_plugin CRITICAL
	assert_eq "$v2c" "$OUT" "check_oobhealth -s gone over SNMPv1"
	run_check --all
	v2c=$OUT
	assert_plugin CRITICAL
	assert_eq "" "$(perf gone/fd_used)" "fd_used of an absent service with --all"
	run_check --all -P 1
	assert_plugin CRITICAL
	assert_eq "$v2c" "$OUT" "check_oobhealth --all over SNMPv1"
	run_check -s gone -vvv
	assert_contains "$OUT" $'\nservice gone: status absent, pid 0, restarts 0, zombies 0, fd not served (fd_warn 80%, fd_crit 95%)' "-vvv"
}

# start_busy FD_WARN FD_CRIT: the service "busy", 168 of 200 descriptors open, watched
# with those thresholds by an oobhealthd that has read them.
start_busy() {
	start_snmpd || return
	spawn prlimit --nofile=200:400 -- "$HELPERS/hold_fds" "$T/busy.pid" 165
	wait_until "$WAIT_MS" test -s "$T/busy.pid" || { fail "hold_fds did not start"; return 1; }
	write_config <<CONF
  - name: busy
    match: { pidfile: $T/busy.pid }
    fd_warn: $1
    fd_crit: $2
CONF
	start_agent || return
	wait_until "$WAIT_MS" value_is 'ohServiceFdOpen."busy"' 168 ||
		{ fail "fd open: $(oh_get 'ohServiceFdOpen."busy"')"; return 1; }
}

fd_use_above_fd_warn_is_warning() {
	start_busy 80% 95% || return
	run_check -s busy
	assert_plugin WARNING
	assert_eq "OOBHEALTH WARNING - busy: fd 168/200 (84%) | fd_used=168;159;189;0;200 restarts=0c zombies=0;;;0 connections=0;;;0 stalled_connections=0;;;0" \
		"$OUT" "output"
	# -c below the use makes it critical; the perfdata shows the range checked, in
	# descriptors as fd_used counts them (50% of 200).
	run_check -s busy -c 50%
	assert_plugin CRITICAL
	assert_contains "$OUT" "busy: fd 168/200 (84%); fd use 84% outside -c 50% |" "fd critical reason"
	assert_eq "168;159;100;0;200" "$(perf fd_used)" "fd_used with -c 50%"
	# A -w oobhealthd's warning crossed too adds its reason (check_oobhealth(1) shows this).
	run_check -s busy -w 80
	assert_plugin WARNING
	assert_eq "OOBHEALTH WARNING - busy: fd 168/200 (84%); fd use 84% outside -w 80% | fd_used=168;160;189;0;200 restarts=0c zombies=0;;;0 connections=0;;;0 stalled_connections=0;;;0" \
		"$OUT" "output with -w 80"
	# oobhealthd's own verdict stands: a looser -w does not hide its warning.
	run_check -s busy -w 90 -c 99
	assert_plugin WARNING
	assert_eq "168;180;198;0;200" "$(perf fd_used)" "fd_used with -w 90 -c 99"
}

all_reports_the_worst_and_every_service() {
	start_snmpd || return
	start_web || return
	spawn prlimit --nofile=200:400 -- "$HELPERS/hold_fds" "$T/busy.pid" 165
	wait_until "$WAIT_MS" test -s "$T/busy.pid" || { fail "hold_fds did not start"; return; }
	write_config <<CONF
$WEB_SERVICE
  - name: busy
    match: { pidfile: $T/busy.pid }
  - name: gone
    match: { pidfile: $T/never-written.pid }
  - name: probe-only
    probes:
      - { name: ping, tcp: $(sed -n 's/.*tcp: \([^,]*\),.*/\1/p' <<<"$WEB_SERVICE"), timeout: 1s }
CONF
	start_agent || return
	wait_until "$WAIT_MS" value_is 'ohProbeStatus."web"."ping"' ok || { fail "probe never ok"; return; }
	run_check --all
	assert_plugin CRITICAL
	assert_prefix "OOBHEALTH CRITICAL - gone: absent" "$OUT" "status line"
	assert_contains "$(head -n 1 <<<"$OUT")" " / busy: fd 168/200 (84%) (2 of 4 services ok) | gone/restarts=0c" "status line"
	# One long line per service, worst first; the last carries the rest of the perfdata,
	# one service per line.
	assert_eq 7 "$(wc -l <<<"$OUT")" "lines"
	assert_prefix "gone: CRITICAL - absent" "$(sed -n 2p <<<"$OUT")" "line 2"
	assert_eq "busy: WARNING - fd 168/200 (84%)" "$(sed -n 3p <<<"$OUT")" "line 3"
	assert_prefix "web: OK - up, pid " "$(sed -n 4p <<<"$OUT")" "line 4"
	assert_eq "probe-only: OK - no process match, 1 probe ok | busy/fd_used=168;159;189;0;200 busy/restarts=0c busy/zombies=0;;;0 busy/connections=0;;;0 busy/stalled_connections=0;;;0" \
		"$(sed -n 5p <<<"$OUT")" "line 5"
	assert_prefix "web/fd_used=" "$(sed -n 6p <<<"$OUT")" "line 6"
	# The queue is what sock_diag saw: the other service's probe of the same listener may
	# be waiting in it on a loaded machine.
	[[ "$(sed -n 7p <<<"$OUT")" =~ ^probe-only/ping_latency=0\.[0-9]+s\;\;\;0\;1\ probe-only/ping_accept_queue=[0-8]\;\;\;0\;8$ ]] ||
		fail "line 7: $(sed -n 7p <<<"$OUT")"
	assert_eq 16 "$PERF_ITEMS" "performance data items"
}

stopped_oobhealthd_is_unknown() {
	serve_web || return
	run_check -s web
	assert_plugin OK
	end_pid "$AGENT_PID"
	run_check -s web
	assert_plugin UNKNOWN
	assert_contains "$OUT" "oobhealthd is not registered with the SNMP agent at udp:127.0.0.1:$SNMP_PORT" "text"
	run_check --all
	assert_plugin UNKNOWN
}

unknown_service_is_unknown() {
	serve_web || return
	run_check -s wbe
	assert_plugin UNKNOWN
	assert_eq 'OOBHEALTH UNKNOWN - oobhealthd has no service "wbe"; it watches web' "$OUT" "output"
}

stale_snapshot_is_unknown() {
	serve_web || return
	run_check -s web
	assert_plugin OK
	# Frozen for up to a minute; ended once the checks are done.
	spawn "$HELPERS/freeze_thread" "$AGENT_PID" oh-prober 60
	local freezer=$SPAWNED
	wait_until "$WAIT_MS" grep -q frozen "$T/spawned.log" || { fail "the prober thread could not be frozen"; return; }
	# Interval 1 s: stale once the last cycle ended more than 3 intervals and its duration ago.
	wait_until "$WAIT_MS" eval '"$CHECK" -H 127.0.0.1 -p "$SNMP_PORT" -s web >/dev/null 2>&1; [ $? -eq 3 ]' ||
		fail "the check never turned UNKNOWN while the prober was stuck"
	run_check -s web
	assert_plugin UNKNOWN
	assert_contains "$OUT" "oobhealthd's data is stale: its last probe cycle ended " "text"
	assert_contains "$OUT" "(interval 1.0 s, stale after 3." "text"
	end_pid "$freezer"
	wait_until "$WAIT_MS" eval '"$CHECK" -H 127.0.0.1 -p "$SNMP_PORT" -s web >/dev/null 2>&1' ||
		fail "the check did not recover after the prober resumed"
}

snmp_timeout_is_critical() {
	serve_web || return
	stop_snmpd
	local started=$(now_ms) took
	run_check -s web -t 2
	took=$(($(now_ms) - started))
	assert_plugin CRITICAL
	assert_eq "OOBHEALTH CRITICAL - no SNMP answer from udp:127.0.0.1:$SNMP_PORT within 2.0 s" "$OUT" "output"
	log "gave up after $took ms with -t 2"
	# At its -t, not at the default 10 s (the upper bound leaves a loaded machine room).
	[ "$took" -ge 1900 ] && [ "$took" -lt 9000 ] || fail "the check took $took ms with -t 2"
	# A wrong community is no answer too: snmpd drops the request.
	start_snmpd || return
	run_check -s web -C not-the-community -t 1
	assert_plugin CRITICAL
}

snmpv3_auth_priv_user_is_accepted() {
	serve_web || return
	wait_until "$WAIT_MS" value_is 'ohProbeStatus."web"."ping"' ok || { fail "probe never ok"; return; }
	run_check -s web -P 3 -U "$V3_USER" -L authPriv -a SHA -A "$V3_AUTH" -x AES -X "$V3_PRIV"
	assert_plugin OK
	assert_prefix "OOBHEALTH OK - web: up" "$OUT" "status line"
	run_check --all -P 3 -U "$V3_USER" -L authPriv -a SHA -A "$V3_AUTH" -x AES -X "$V3_PRIV"
	assert_plugin OK
	assert_prefix "OOBHEALTH OK - all 1 services ok | web/fd_used=" "$OUT" "status line"
	run_check -s web -P 3 -U "$V3_USER" -L authPriv -a SHA -A "wrong-passphrase" -x AES -X "$V3_PRIV"
	assert_plugin UNKNOWN
	assert_contains "$OUT" "Authentication failure" "text"
	# The user may not read without privacy: snmpd refuses, and the check cannot tell.
	run_check -s web -P 3 -U "$V3_USER" -L authNoPriv -a SHA -A "$V3_AUTH"
	assert_plugin UNKNOWN
}

bad_command_line_is_unknown() {
	local out rc args
	SNMP_PORT=161
	# The old letters (-c community, -v version, -u user, -l level, -r retries) are gone:
	# each is an error or a threshold now, never silently taken for what it was.
	for args in "-s web" "-H 127.0.0.1" "-H 127.0.0.1 -s web --all" "-H 127.0.0.1 -s 'no spaces'" \
		"-H 127.0.0.1 -s web -w 80,x" "-H 127.0.0.1 -s web -P 3" "-H 127.0.0.1 -s web -P 4" \
		"-H 127.0.0.1 -s web -P 3 -U u -L authPriv -A abcdefgh" "-H 127.0.0.1 -s web -t 0" \
		"-H 127.0.0.1 -s web --bogus" "-H 127.0.0.1 -s web -P 3 -U u -L authNoPriv -a NOPE -A abcdefgh" \
		"-H 127.0.0.1 -s web -P 3 -U u -L authNoPriv -A short" "-H 127.0.0.1 -s web -L bogus" \
		"-H 127.0.0.1 -s web -c public" "-H 127.0.0.1 -s web -v 3" "-H 127.0.0.1 -s web -u u" \
		"-H 127.0.0.1 -s web -l authPriv" "-H 127.0.0.1 -s web -r 2" "-H 127.0.0.1 -s web -e 11" \
		"-H 127.0.0.1 -s web -C" "-H 127.0.0.1 -s web --all=1" "-H 127.0.0.1 -s web stray"; do
		out=$(eval "\"$CHECK\" $args" 2>&1)
		rc=$?
		assert_eq 3 "$rc" "exit code of check_oobhealth $args"
		assert_prefix "OOBHEALTH UNKNOWN - " "$out" "check_oobhealth $args"
		assert_eq 1 "$(wc -l <<<"$out")" "lines of output of check_oobhealth $args"
	done
	log "e.g. $(eval "\"$CHECK\" -H 127.0.0.1 -s web -P 3" 2>&1)"
	out=$("$CHECK" -H 127.0.0.1 -s web -P 3 2>&1)
	assert_eq "OOBHEALTH UNKNOWN - SNMPv3 needs a user: give -U SECNAME (check_oobhealth --help lists the options)" "$out" "output"
	out=$("$CHECK" -H 127.0.0.1 -s web -u u 2>&1)
	assert_eq "OOBHEALTH UNKNOWN - unknown option -u (check_oobhealth --help lists the options)" "$out" "output"
	# A reason quoting what was typed stays one line without a "|".
	out=$("$CHECK" -H 127.0.0.1 -s "$(printf 'a|b\nOOBHEALTH OK')" 2>&1)
	assert_eq 3 "$?" "exit code with a service name holding a newline"
	assert_eq 1 "$(wc -l <<<"$out")" "lines with a service name holding a newline"
	[[ "$out" == *"|"* ]] && fail "a \"|\" reached the status line: $out"
}

# The Monitoring Plugins convention: --help and --version print to stdout and exit 3.
help_and_version_follow_the_plugin_conventions() {
	local out version letter
	version=$(sed -n 's/^#define OOBHEALTH_VERSION "\(.*\)"$/\1/p' "$ROOT/include/oobhealth.h")
	out=$("$CHECK" -V 2>"$T/check.err")
	assert_eq 3 "$?" "exit code of -V"
	assert_eq "check_oobhealth v$version (oobhealth $version)" "$out" "-V"
	assert_eq "$out" "$("$CHECK" --version 2>&1)" "--version"
	out=$("$CHECK" -h 2>>"$T/check.err")
	assert_eq 3 "$?" "exit code of -h"
	assert_eq "$out" "$("$CHECK" --help 2>&1)" "--help"
	[ -s "$T/check.err" ] && fail "-h or -V wrote to stderr: $(cat "$T/check.err")"
	assert_eq "check_oobhealth v$version (oobhealth $version)" "$(head -n 1 <<<"$out")" "first line of --help"
	for letter in "-h, --help" "-V, --version" "--extra-opts=[section][@file]" "-H, --hostname=" \
		"-p, --port=" "-P, --protocol=[1|2c|3]" "-C, --community=" "-L, --seclevel=" \
		"-U, --secname=" "-a, --authproto=" "-A, --authpasswd=" "-x, --privproto=" \
		"-X, --privpasswd=" "-s, --service=" "--all" "-w, --warning=" "-c, --critical=" \
		"-t, --timeout=" "-e, --retries=" "--stale=" "-v, --verbose" " @10:20 " " ~:10 "; do
		assert_contains "$out" "$letter" "--help"
	done
}

# conf/man/check_oobhealth.1 renders without a warning and documents every option --help
# lists.
man_page_renders_and_lists_every_option() {
	local page=$ROOT/conf/man/check_oobhealth.1 out option
	command -v man >/dev/null && command -v groff >/dev/null ||
		{ fail "man and groff are needed (Debian: man-db, groff-base)"; return; }
	out=$(man --warnings -l "$page" 2>&1 >/dev/null)
	assert_eq "" "$out" "man --warnings"
	out=$(groff -man -ww -z "$page" 2>&1)
	assert_eq "" "$out" "groff -man -ww -z"
	out=$(MANWIDTH=200 man -l "$page" 2>/dev/null)
	for option in $("$CHECK" --help | grep -oE '^ (-[a-zA-Z], )?--[a-z-]+' | sed 's/^ //'); do
		assert_contains "$out" "$option" "the man page"
	done
	for section in NAME SYNOPSIS DESCRIPTION OPTIONS THRESHOLDS EXTRA-OPTS OUTPUT "EXIT STATUS" EXAMPLES "SEE ALSO"; do
		grep -q "^$section\$" <<<"$out" || fail "no section $section in the man page"
	done
	assert_contains "$out" "oobhealthd(8), oobhealth.yaml(5)" "SEE ALSO"
}

# The acceptance case of the issue: check_snmp's -C for the community, -w/-c for ranges.
warn_80_crit_90_against_a_live_agent() {
	serve_web || return
	wait_until "$WAIT_MS" value_is 'ohProbeStatus."web"."ping"' ok || { fail "probe never ok"; return; }
	local soft=$(oh_get 'ohServiceFdSoftLimit."web"')
	run_check -C public -s web -w 80 -c 90
	assert_plugin OK
	assert_prefix "OOBHEALTH OK - web: up, pid $(cat "$T/web.pid"), fd " "$OUT" "status line"
	# Ranges on percent of the soft limit, printed in descriptors.
	[[ "$(perf fd_used)" =~ ^[0-9]+\;$((soft * 80 / 100))\;$((soft * 90 / 100))\;0\;$soft$ ]] ||
		fail "fd_used [$(perf fd_used)] with -w 80 -c 90 and a soft limit of $soft"
	run_check -C public --all -w 80 -c 90
	assert_plugin OK
	assert_prefix "OOBHEALTH OK - all 1 services ok | web/fd_used=" "$OUT" "status line"
}

# A service holding 168 of 200 descriptors (84%) that oobhealthd itself finds fine: each
# range form of the guidelines decides alone.
fd_ranges_follow_the_guidelines() {
	local range state perf
	start_busy 98% 99% || return
	run_check -s busy
	assert_plugin OK
	# range, state at 84%, the critical range as perfdata prints it (descriptors of 200)
	while read -r range state perf; do
		run_check -s busy -c "$range"
		assert_plugin "$state"
		assert_eq "168;195;$perf;0;200" "$(perf fd_used)" "fd_used with -c $range"
		case $state in
		OK) assert_eq "OOBHEALTH OK - busy: up, pid $(cat "$T/busy.pid"), fd 168/200 (84%) | fd_used=168;195;$perf;0;200 restarts=0c zombies=0;;;0 connections=0;;;0 stalled_connections=0;;;0" \
			"$OUT" "output with -c $range" ;;
		*) assert_contains "$OUT" "OOBHEALTH CRITICAL - busy: fd use 84% " "-c $range" ;;
		esac
	done <<'RANGES'
90 OK 180
80 CRITICAL 160
80% CRITICAL 160
90: CRITICAL 180:
80: OK 160:
~:80 CRITICAL ~:160
~:90 OK ~:180
80:90 OK 160:180
85:90 CRITICAL 170:180
@80:90 CRITICAL @160:180
@85:90 OK @170:180
@90 CRITICAL @180
84 OK 168
83.5 CRITICAL 167
RANGES
	run_check -s busy -c 80
	assert_eq "OOBHEALTH CRITICAL - busy: fd use 84% outside -c 80% | fd_used=168;195;160;0;200 restarts=0c zombies=0;;;0 connections=0;;;0 stalled_connections=0;;;0" "$OUT" "output with -c 80"
	run_check -s busy -c @80:90%
	assert_contains "$OUT" "busy: fd use 84% inside -c @80:90% |" "output with -c @80:90%"
	# -w alone, and -c taking precedence over -w.
	run_check -s busy -w 80
	assert_plugin WARNING
	assert_eq "OOBHEALTH WARNING - busy: fd use 84% outside -w 80% | fd_used=168;160;197;0;200 restarts=0c zombies=0;;;0 connections=0;;;0 stalled_connections=0;;;0" "$OUT" "output with -w 80"
	run_check -s busy -w 50 -c 80
	assert_plugin CRITICAL
	assert_eq "168;100;160;0;200" "$(perf fd_used)" "fd_used with -w 50 -c 80"
	# A latency range: the service has no probe, so only the fd part can alert.
	run_check -s busy -w 90,~:0
	assert_plugin OK
	# Not ranges: UNKNOWN, saying why, before any SNMP.
	for range in 90:80 8O 1e2 @ ~ "80,90,1" ",x" "" "--5" "10::20" "0x10" "nan" "80%%"; do
		run_check -s busy -w "$range"
		assert_plugin UNKNOWN
		assert_eq 1 "$(wc -l <<<"$OUT")" "lines with -w \"$range\""
	done
	run_check -s busy -w 90:80
	assert_eq 'OOBHEALTH UNKNOWN - -w fd part: range "90:80": its start is above its end (check_oobhealth --help lists the options)' "$OUT" "output with -w 90:80"
	run_check -s busy -c 8O
	assert_eq 'OOBHEALTH UNKNOWN - -c fd part: "8O" is not a range (N, N:, ~:N, N:M or @N:M, plain decimal numbers) (check_oobhealth --help lists the options)' "$OUT" "output with -c 8O"
}

latency_ranges_follow_the_guidelines() {
	serve_web || return
	wait_until "$WAIT_MS" value_is 'ohProbeStatus."web"."ping"' ok || { fail "probe never ok"; return; }
	local range state perf
	# An answered probe took more than a microsecond and less than its 2 s timeout.
	while read -r range state perf; do
		run_check -s web -c ",$range"
		assert_plugin "$state"
		[[ "$(perf ping_latency)" =~ ^0\.[0-9]+s\;\;$perf\;0\;2$ ]] || fail "ping_latency [$(perf ping_latency)] with -c ,$range"
	done <<'RANGES'
2 OK 2
2s OK 2
0.000001 CRITICAL 0\.000001
2: CRITICAL 2:
~:0.000001 CRITICAL ~:0\.000001
0.000001:2 OK 0\.000001:2
@0.000001:2 CRITICAL @0\.000001:2
@2:3 OK @2:3
RANGES
	run_check -s web -w ,@0:2
	assert_plugin WARNING
	assert_contains "$OUT" "OOBHEALTH WARNING - web: probe ping took " "status line"
	assert_contains "$OUT" " ms (inside -w @0:2 s) |" "status line"
	[[ "$(perf ping_latency)" =~ ^0\.[0-9]+s\;@2\;\;0\;2$ ]] || fail "ping_latency [$(perf ping_latency)] with -w ,@0:2"
}

# write_ini: the options file the --extra-opts tests read, to $T/plugins.ini.
write_ini() {
	cat >"$T/plugins.ini" <<INI
# Options for the Monitoring Plugins; each section is one plugin or one use of it.
[check_snmp]
this line belongs to another plugin and is not ours to judge

[ check_oobhealth ]
hostname = 127.0.0.1
port=$SNMP_PORT
; a comment
community = public
service=web
warning=80

[secure]
hostname=127.0.0.1
port=$SNMP_PORT
P=3
secname=$V3_USER
seclevel=authPriv
authproto=SHA
authpasswd=$V3_AUTH
x=AES
privpasswd=$V3_PRIV
all=
verbose=

[wrong]
hostname=127.0.0.1
port=$SNMP_PORT
community=not-the-community
timeout=1
service=web

[broken]
hostname 127.0.0.1
INI
}

extra_opts_read_a_section_of_an_ini_file() {
	serve_web || return
	wait_until "$WAIT_MS" value_is 'ohProbeStatus."web"."ping"' ok || { fail "probe never ok"; return; }
	write_ini
	local ini=$T/plugins.ini
	# Host, port, community and service all from the plugin's own section.
	OUT=$("$CHECK" --extra-opts=@"$ini" 2>"$T/check.err"); RC=$?
	assert_plugin OK
	assert_prefix "OOBHEALTH OK - web: up, pid $(cat "$T/web.pid")" "$OUT" "status line"
	[[ "$(perf fd_used)" =~ ^[0-9]+\;[0-9]+\;[0-9]+\;0\;[0-9]+$ ]] || fail "fd_used [$(perf fd_used)]"
	# SNMPv3 secrets in a named section; they never show, even with -vv.
	OUT=$("$CHECK" --extra-opts=secure@"$ini" -v 2>"$T/check.err"); RC=$?
	assert_plugin OK
	assert_prefix "OOBHEALTH OK - all 1 services ok: web | web/fd_used=" "$OUT" "status line"
	assert_contains "$OUT" "--extra-opts: 11 options from [secure] in $ini" "-vv from file and command line"
	assert_contains "$OUT" "SNMPv3 user $V3_USER, authPriv, auth SHA, priv AES" "-vv"
	[[ "$OUT" == *"$V3_AUTH"* || "$OUT" == *"$V3_PRIV"* ]] && fail "a passphrase reached the output"
	# The command line wins over the file, wherever --extra-opts stands in it.
	run_check --extra-opts=wrong@"$ini"
	assert_plugin CRITICAL
	assert_eq "OOBHEALTH CRITICAL - no SNMP answer from udp:127.0.0.1:$SNMP_PORT within 1.0 s" "$OUT" "wrong community"
	run_check -C public --extra-opts=wrong@"$ini"
	assert_plugin OK
	run_check --extra-opts=@"$ini" -C not-the-community -t 1
	assert_plugin CRITICAL
	# The file's -s gives way to --all on the command line, its -w 80 to another -w.
	run_check --extra-opts "@$ini" --all
	assert_plugin OK
	assert_prefix "OOBHEALTH OK - all 1 services ok | web/fd_used=" "$OUT" "--all over the file's service"
	run_check --extra-opts=@"$ini" -w 0:0
	assert_plugin WARNING
	assert_contains "$OUT" "outside -w 0:0%" "-w over the file's warning"
	# The Monitoring Plugins' default file: MP_CONFIG_FILE, then NAGIOS_CONFIG_PATH.
	OUT=$(MP_CONFIG_FILE=$ini "$CHECK" --extra-opts 2>"$T/check.err"); RC=$?
	assert_plugin OK
	mkdir -p "$T/etc/empty" "$T/etc/nagios"
	cp "$ini" "$T/etc/nagios/plugins.ini"
	OUT=$(NAGIOS_CONFIG_PATH=$T/etc/empty:$T/etc/nagios "$CHECK" --extra-opts secure 2>"$T/check.err"); RC=$?
	assert_plugin OK
	assert_prefix "OOBHEALTH OK - all 1 services ok: web |" "$OUT" "NAGIOS_CONFIG_PATH"
	# What is missing or wrong is UNKNOWN, saying what and where.
	run_check -s web --extra-opts=nosuch@"$ini"
	assert_plugin UNKNOWN
	assert_eq "OOBHEALTH UNKNOWN - --extra-opts: no section [nosuch] in $ini (check_oobhealth --help lists the options)" "$OUT" "missing section"
	run_check -s web --extra-opts=@"$T/missing.ini"
	assert_plugin UNKNOWN
	assert_eq "OOBHEALTH UNKNOWN - --extra-opts: cannot read $T/missing.ini: No such file or directory (check_oobhealth --help lists the options)" "$OUT" "missing file"
	run_check --extra-opts=broken@"$ini"
	assert_plugin UNKNOWN
	assert_eq "OOBHEALTH UNKNOWN - $ini:$(grep -n '^hostname 127' "$ini" | cut -d: -f1): \"hostname 127.0.0.1\" has no \"=\": write KEY=VALUE, or KEY= for an option without a value (check_oobhealth --help lists the options)" "$OUT" "broken section"
	printf '[check_oobhealth]\nwarnings=80\n' >"$T/typo.ini"
	run_check -s web --extra-opts=@"$T/typo.ini"
	assert_plugin UNKNOWN
	assert_eq "OOBHEALTH UNKNOWN - $T/typo.ini:2: unknown option --warnings (check_oobhealth --help lists the options)" "$OUT" "unknown key"
}

# Bounded and never a crash: garbage, a huge file, a long line, too many options, a
# directory, a NUL byte. Each is UNKNOWN in one line; the sanitizers watch the rest.
extra_opts_survive_garbage() {
	local i out rc
	SNMP_PORT=161
	head -c 70000 /dev/urandom >"$T/huge.ini"
	{ echo '[check_oobhealth]'; printf 'hostname=%02000d\n' 0; } >"$T/long.ini"
	{ echo '[check_oobhealth]'; for i in $(seq 65); do echo 'verbose='; done; } >"$T/many.ini"
	printf '[check_oobhealth]\nhostname=a\0b\n' >"$T/nul.ini"
	for args in "@$T/huge.ini" "@$T/long.ini" "@$T/many.ini" "@$T/nul.ini" "@$T" "@" "x@$T/none"; do
		out=$("$CHECK" -s web --extra-opts="$args" 2>&1)
		rc=$?
		assert_eq 3 "$rc" "exit code with --extra-opts=$args"
		assert_prefix "OOBHEALTH UNKNOWN - " "$out" "--extra-opts=$args"
		assert_eq 1 "$(wc -l <<<"$out")" "lines with --extra-opts=$args"
		log "$out"
	done
	for i in $(seq 100); do
		{
			[ $((i % 2)) = 0 ] && echo '[check_oobhealth]'
			head -c $((RANDOM % 2000)) /dev/urandom | tr '\0' x
			printf '\n[check_oobhealth]\n'
			head -c $((RANDOM % 400)) /dev/urandom | tr -dc 'a-zA-Z=\n[];#@ ,:~%.0-9-'
		} >"$T/random.ini"
		out=$("$CHECK" --extra-opts=@"$T/random.ini" -H 127.0.0.1 -p 1 -t 0.2 -s web 2>&1)
		rc=$?
		if [ "$rc" -gt 3 ] || [ "$(wc -l <<<"$out")" != 1 ] || [[ "$out" != OOBHEALTH\ * ]]; then
			cp "$T/random.ini" "$T/failed-$i.ini"
			fail "random file $i: exit $rc: $(head -c 300 <<<"$out")"
		fi
	done
}

# -v, -vv and -vvv add detail and never change the verdict, the first line's place, the
# performance data or stderr's silence.
verbose_levels_keep_the_output_valid() {
	start_snmpd || return
	start_web || return
	spawn prlimit --nofile=200:400 -- "$HELPERS/hold_fds" "$T/busy.pid" 165
	wait_until "$WAIT_MS" test -s "$T/busy.pid" || { fail "hold_fds did not start"; return; }
	write_config <<CONF
$WEB_SERVICE
  - name: busy
    match: { pidfile: $T/busy.pid }
CONF
	start_agent || return
	wait_until "$WAIT_MS" value_is 'ohProbeStatus."web"."ping"' ok || { fail "probe never ok"; return; }
	local args level state items
	for args in "-s web" "--all" "-s busy"; do
		run_check $args
		state=$(sed -n 's/^OOBHEALTH \([A-Z]*\) - .*/\1/p' <<<"$(head -n 1 <<<"$OUT")")
		assert_plugin "$state"
		items=$PERF_ITEMS
		for level in -v -vv -vvv "-v -v -v -v"; do
			run_check $args $level
			assert_plugin "$state"
			assert_eq "$items" "$PERF_ITEMS" "performance data items with $args $level"
		done
	done
	run_check -s web -v
	assert_eq 1 "$(wc -l <<<"$OUT")" "lines with -v"
	[[ "$OUT" =~ ^OOBHEALTH\ OK\ -\ web:\ up,\ pid\ [0-9]+,\ fd\ [0-9]+/[0-9]+\ \([0-9]+%\),\ [0-9]+\ TCP\ connections?,\ 1\ probe\ ok\ \(ping\ [0-9]+\.[0-9]\ ms\)\ \| ]] ||
		fail "status line with -v: $OUT"
	run_check --all -v
	assert_prefix "OOBHEALTH WARNING - busy: fd 168/200 (84%) (1 of 2 services ok): web | " "$OUT" "status line of --all -v"
	run_check -s web -vv
	assert_eq 4 "$(wc -l <<<"$OUT")" "lines with -vv"
	assert_eq "snmp: udp:127.0.0.1:$SNMP_PORT, SNMPv2c with a community, timeout 10 s, 1 retry" "$(sed -n 2p <<<"$OUT")" "line 2 with -vv"
	assert_eq "thresholds: fd use no -w, no -c (of the soft limit; otherwise the service's own fd_warn/fd_crit); probe latency no -w, no -c; stale after 3 intervals" \
		"$(sed -n 3p <<<"$OUT")" "line 3 with -vv"
	[[ "$(sed -n 4p <<<"$OUT")" =~ ^oobhealthd:\ 2\ services,\ probe\ interval\ 1\.0\ s,\ last\ cycle\ took\ [0-9]+\ ms\ and\ ended\ [0-9.]+\ s\ ago$ ]] ||
		fail "line 4 with -vv: $(sed -n 4p <<<"$OUT")"
	run_check -s web -vvv -w 80,0.5 -c @90:95
	assert_contains "$OUT" "thresholds: fd use -w 80%, -c @90:95% (of the soft limit" "-vvv"
	assert_contains "$OUT" "probe latency -w 0.5 s, no -c;" "-vvv"
	assert_contains "$OUT" $'\nsnmp GET to udp:127.0.0.1:'"$SNMP_PORT"': 4 OIDs from .1.3.6.1.4.1.8072.9999.9999.4242.1.1.' "-vvv"
	assert_contains "$OUT" $'\nsnmp GET to udp:127.0.0.1:'"$SNMP_PORT"': 12 OIDs from .1.3.6.1.4.1.8072.9999.9999.4242.1.3.1.2.3.119.101.98' "-vvv"
	assert_contains "$OUT" $'\nsnmp GETBULK to udp:127.0.0.1:' "-vvv"
	assert_contains "$OUT" $'\n  answer after ' "-vvv"
	assert_contains "$OUT" $'\nservice web: status up, pid '"$(cat "$T/web.pid")" "-vvv"
	assert_contains "$OUT" $'\nprobe web/ping: status ok, latency ' "-vvv"
	# With no answer, the detail says so after the verdict.
	stop_snmpd
	run_check -s web -vvv -t 1
	assert_plugin CRITICAL
	assert_eq "OOBHEALTH CRITICAL - no SNMP answer from udp:127.0.0.1:$SNMP_PORT within 1.0 s" "$(head -n 1 <<<"$OUT")" "first line"
	assert_contains "$OUT" $'\n  answer after ' "-vvv without snmpd"
	assert_contains "$OUT" "timeout, 0 values" "-vvv without snmpd"
}

# A FIFO is refused without waiting for a writer; standard input that never ends gives
# UNKNOWN at the options' own deadline, never a plugin the scheduler must kill.
extra_opts_never_hang() {
	local out rc
	mkfifo "$T/fifo.ini"
	out=$(timeout 30 "$CHECK" -s web --extra-opts=@"$T/fifo.ini" 2>&1)
	rc=$?
	assert_eq 3 "$rc" "exit code with a FIFO as --extra-opts"
	assert_eq "OOBHEALTH UNKNOWN - --extra-opts: $T/fifo.ini is not a regular file (check_oobhealth --help lists the options)" \
		"$out" "a FIFO as --extra-opts"
	# Standard input: a FIFO this shell holds open for writing and never writes to.
	mkfifo "$T/stdin"
	exec 3<>"$T/stdin"
	out=$(timeout 120 "$CHECK" -s web --extra-opts=@- <&3 2>&1)
	rc=$?
	exec 3>&-
	assert_eq 3 "$rc" "exit code with --extra-opts=@- on a standard input that never ends"
	assert_prefix "OOBHEALTH UNKNOWN - the options were not read within 10 s" "$out" \
		"--extra-opts=@- on a standard input that never ends"
}

# A TLS probe's certificate: days left in the -v and -vvv detail and as performance data,
# read from ohProbeCertDaysLeft; a probe that is not TLS has no such cell and gets nothing.
# The server is openssl s_server with a certificate made here, four days from its end.
tls_certificate_days_left_are_shown() {
	start_snmpd || return
	local port=$(free_port)
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 4 \
		-subj /CN=oobhealth-test -addext subjectAltName=IP:127.0.0.1 \
		-keyout "$T/tls.key" -out "$T/tls.pem" 2>"$T/openssl.err" ||
		{ fail "openssl could not make a certificate: $(cat "$T/openssl.err")"; return; }
	spawn openssl s_server -accept 127.0.0.1:$port -cert "$T/tls.pem" -key "$T/tls.key" -www
	wait_until "$WAIT_MS" grep -q '^ACCEPT' "$T/spawned.log" || { fail "openssl s_server did not start"; return; }
	write_config <<CONF
  - name: api
    probes:
      - { name: tls, tls: 127.0.0.1:$port, ca: $T/tls.pem, cert_warn: 3, timeout: 2s }
  - name: web
    probes:
      - { name: https, http: 'https://127.0.0.1:$port/', ca: $T/tls.pem, expect_status: 200, timeout: 2s }
      - { name: plain, tcp: 127.0.0.1:$port, timeout: 2s }
CONF
	start_agent || return
	wait_until "$WAIT_MS" value_is 'ohProbeStatus."api"."tls"' ok || { fail "tls probe never ok"; return; }
	wait_until "$WAIT_MS" value_is 'ohProbeStatus."web"."https"' ok || { fail "https probe never ok"; return; }
	assert_eq 3 "$(oh_get 'ohProbeCertDaysLeft."api"."tls"')" "ohProbeCertDaysLeft"

	# Three days left, cert_warn 3: ok, and -v says how many.
	run_check -s api -v
	assert_plugin OK
	[[ "$(head -n 1 <<<"$OUT")" =~ ^OOBHEALTH\ OK\ -\ api:\ no\ process\ match,\ 1\ probe\ ok\ \(tls\ [0-9]+\.[0-9]\ ms\ certificate\ 3\ days\ left\)\ \| ]] ||
		fail "status line with -v: $OUT"
	assert_eq 3 "$(perf tls_cert_days)" "tls_cert_days"
	[[ "$(perf tls_latency)" =~ ^0\.[0-9]+s\;\;\;0\;2$ ]] || fail "tls_latency [$(perf tls_latency)]"

	# The default cert_warn of 14 days: oobhealthd's health is warning and says why.
	run_check -s web
	assert_plugin WARNING
	assert_prefix "OOBHEALTH WARNING - web: probe https: certificate expires in 3 days (notAfter " "$OUT" "status line"
	assert_eq 3 "$(perf https_cert_days)" "https_cert_days"
	assert_eq "" "$(perf plain_cert_days)" "cert days of a tcp probe"
	[[ "$(perf plain_latency)" =~ s\;\;\;0\;2$ ]] || fail "plain_latency [$(perf plain_latency)]"

	run_check --all -vvv
	assert_plugin WARNING
	assert_eq 3 "$(perf api/tls_cert_days)" "api/tls_cert_days with --all"
	assert_eq 3 "$(perf web/https_cert_days)" "web/https_cert_days with --all"
	assert_contains "$OUT" $'\nprobe api/tls: status ok, latency ' "-vvv"
	[[ "$OUT" =~ $'\n'probe\ api/tls:\ [^$'\n']*,\ certificate\ 3\ days\ left$'\n' ]] || fail "-vvv line of api/tls: $OUT"
	[[ "$OUT" =~ $'\n'probe\ web/plain:\ [^$'\n']*\ of\ [0-9]+$'\n' ]] || fail "-vvv line of web/plain: $OUT"
}

# -v names a healthy service's TCP connections; -vvv says where a failing probe stopped
# (ohProbeFailurePhase), here a listener that reads the request and never answers.
failure_phase_and_connections_are_shown() {
	local port=$(free_port)
	start_snmpd || return
	listen 127.0.0.1:$port 8 silent || return
	echo "$SPAWNED" >"$T/mute.pid"
	start_web || return
	write_config <<CONF
$WEB_SERVICE
  - name: mute
    match: { pidfile: $T/mute.pid }
    fail_after: 1
    probes:
      - { name: ping, tcp: 127.0.0.1:$port, send: "PING\\r\\n", expect: '^PONG', timeout: 1s }
CONF
	start_agent || return
	wait_until "$WAIT_MS" value_is 'ohProbeFailurePhase."mute"."ping"' noReply ||
		{ fail "phase never noReply: $(oh_get 'ohProbeFailurePhase."mute"."ping"' 2>&1)"; return; }
	wait_until "$WAIT_MS" value_is 'ohProbeStatus."web"."ping"' ok || { fail "web probe never ok"; return; }
	run_check -s web -v
	assert_plugin OK
	[[ "$(head -n 1 <<<"$OUT")" =~ ^OOBHEALTH\ OK\ -\ web:\ up,\ pid\ [0-9]+,\ fd\ [0-9]+/[0-9]+\ \([0-9]+%\),\ [0-9]+\ TCP\ connections?,\ 1\ probe\ ok ]] ||
		fail "status line with -v: $OUT"
	run_check -s mute -vvv
	assert_plugin CRITICAL
	assert_contains "$OUT" "probe mute/ping: status timeout, failed at noReply, latency " "-vvv trace"
	assert_contains "$OUT" "OOBHEALTH CRITICAL - mute: probe ping: no reply: " "status line"
	[[ "$OUT" =~ "service mute: status up, pid $(cat "$T/mute.pid"), ".*", TCP connections "[0-9]+" (0 stalled), health critical" ]] ||
		fail "-vvv service trace: $OUT"
	assert_eq "0;;;0" "$(perf stalled_connections)" "stalled_connections"
}

run_tests \
	healthy_service_is_ok_with_perfdata \
	failure_phase_and_connections_are_shown \
	absent_service_is_critical \
	fd_use_above_fd_warn_is_warning \
	all_reports_the_worst_and_every_service \
	stopped_oobhealthd_is_unknown \
	unknown_service_is_unknown \
	stale_snapshot_is_unknown \
	snmp_timeout_is_critical \
	snmpv3_auth_priv_user_is_accepted \
	bad_command_line_is_unknown \
	help_and_version_follow_the_plugin_conventions \
	man_page_renders_and_lists_every_option \
	warn_80_crit_90_against_a_live_agent \
	fd_ranges_follow_the_guidelines \
	latency_ranges_follow_the_guidelines \
	extra_opts_read_a_section_of_an_ini_file \
	extra_opts_survive_garbage \
	extra_opts_never_hang \
	verbose_levels_keep_the_output_valid \
	tls_certificate_days_left_are_shown
