#!/usr/bin/env bash
# check_oobhealth against a live oobhealthd under a real snmpd: OK, WARNING, CRITICAL and
# UNKNOWN with their exact exit codes, performance data checked against the Monitoring
# Plugins grammar, an SNMPv3 authPriv user, and the cases where oobhealthd, its data or
# snmpd itself is gone.
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
	wait_until 3000 value_is 'ohProbeStatus."web"."ping"' ok || { fail "probe never ok"; return; }
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
	assert_eq 5 "$PERF_ITEMS" "performance data items"

	# A latency threshold below any real answer tightens the verdict, and says why.
	run_check -s web -w ,0.000001
	assert_plugin WARNING
	assert_contains "$OUT" "web: probe ping took " "latency warning"
	assert_contains "$OUT" "ping_latency=" "latency perfdata"
	[[ "$(perf ping_latency)" =~ s\;0\.000001\;\;0\;2$ ]] || fail "ping_latency thresholds [$(perf ping_latency)]"
	run_check -s web -w ,0.000001 -C ,0.000002
	assert_plugin CRITICAL
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
}

fd_use_above_fd_warn_is_warning() {
	start_snmpd || return
	spawn prlimit --nofile=200:400 -- "$HELPERS/hold_fds" "$T/busy.pid" 165
	wait_until 2000 test -s "$T/busy.pid" || { fail "hold_fds did not start"; return; }
	write_config <<CONF
  - name: busy
    match: { pidfile: $T/busy.pid }
    fd_warn: 80%
    fd_crit: 95%
CONF
	start_agent || return
	wait_until 3000 value_is 'ohServiceFdOpen."busy"' 168 || { fail "fd open: $(oh_get 'ohServiceFdOpen."busy"')"; return; }
	run_check -s busy
	assert_plugin WARNING
	assert_eq "OOBHEALTH WARNING - busy: fd 168/200 (84%) | fd_used=168;159;189;0;200 restarts=0c zombies=0;;;0" \
		"$OUT" "output"
	# -C lower than the use makes it critical; the perfdata shows the threshold checked.
	run_check -s busy -C 50%
	assert_plugin CRITICAL
	assert_contains "$OUT" "busy: fd 168/200 (84%); fd use 84% reaches -C 50% |" "fd critical reason"
	assert_eq "168;159;99;0;200" "$(perf fd_used)" "fd_used with -C 50%"
	# oobhealthd's own verdict stands: a looser -w does not hide its warning.
	run_check -s busy -w 90 -C 99
	assert_plugin WARNING
}

all_reports_the_worst_and_every_service() {
	start_snmpd || return
	start_web || return
	spawn prlimit --nofile=200:400 -- "$HELPERS/hold_fds" "$T/busy.pid" 165
	wait_until 2000 test -s "$T/busy.pid" || { fail "hold_fds did not start"; return; }
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
	wait_until 3000 value_is 'ohProbeStatus."web"."ping"' ok || { fail "probe never ok"; return; }
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
	assert_eq "probe-only: OK - no process match, 1 probe ok | busy/fd_used=168;159;189;0;200 busy/restarts=0c busy/zombies=0;;;0" \
		"$(sed -n 5p <<<"$OUT")" "line 5"
	assert_prefix "web/fd_used=" "$(sed -n 6p <<<"$OUT")" "line 6"
	[[ "$(sed -n 7p <<<"$OUT")" =~ ^probe-only/ping_latency=0\.[0-9]+s\;\;\;0\;1\ probe-only/ping_accept_queue=0\;\;\;0\;8$ ]] ||
		fail "line 7: $(sed -n 7p <<<"$OUT")"
	assert_eq 12 "$PERF_ITEMS" "performance data items"
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
	spawn "$HELPERS/freeze_thread" "$AGENT_PID" oh-prober 6
	local freezer=$SPAWNED
	wait_until 2000 grep -q frozen "$T/spawned.log" || { fail "the prober thread could not be frozen"; return; }
	# Interval 1 s: stale once the last cycle ended more than 3 intervals and its duration ago.
	wait_until 5000 eval '"$CHECK" -H 127.0.0.1 -p "$SNMP_PORT" -s web >/dev/null 2>&1; [ $? -eq 3 ]' ||
		fail "the check never turned UNKNOWN while the prober was stuck"
	run_check -s web
	assert_plugin UNKNOWN
	assert_contains "$OUT" "oobhealthd's data is stale: its last probe cycle ended " "text"
	assert_contains "$OUT" "(interval 1.0 s, stale after 3." "text"
	wait "$freezer" 2>/dev/null
	wait_until 3000 eval '"$CHECK" -H 127.0.0.1 -p "$SNMP_PORT" -s web >/dev/null 2>&1' ||
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
	[ "$took" -ge 1900 ] && [ "$took" -le 3500 ] || fail "the check took $took ms with -t 2"
	# A wrong community is no answer too: snmpd drops the request.
	start_snmpd || return
	run_check -s web -c not-the-community -t 1
	assert_plugin CRITICAL
}

snmpv3_auth_priv_user_is_accepted() {
	serve_web || return
	wait_until 3000 value_is 'ohProbeStatus."web"."ping"' ok || { fail "probe never ok"; return; }
	run_check -s web -v 3 -u "$V3_USER" -l authPriv -a SHA -A "$V3_AUTH" -x AES -X "$V3_PRIV"
	assert_plugin OK
	assert_prefix "OOBHEALTH OK - web: up" "$OUT" "status line"
	run_check --all -v 3 -u "$V3_USER" -l authPriv -a SHA -A "$V3_AUTH" -x AES -X "$V3_PRIV"
	assert_plugin OK
	assert_prefix "OOBHEALTH OK - all 1 services ok | web/fd_used=" "$OUT" "status line"
	run_check -s web -v 3 -u "$V3_USER" -l authPriv -a SHA -A "wrong-passphrase" -x AES -X "$V3_PRIV"
	assert_plugin UNKNOWN
	assert_contains "$OUT" "Authentication failure" "text"
	# The user may not read without privacy: snmpd refuses, and the check cannot tell.
	run_check -s web -v 3 -u "$V3_USER" -l authNoPriv -a SHA -A "$V3_AUTH"
	assert_plugin UNKNOWN
}

bad_command_line_is_unknown() {
	local out rc
	SNMP_PORT=161
	for args in "-s web" "-H 127.0.0.1" "-H 127.0.0.1 -s web --all" "-H 127.0.0.1 -s 'no spaces'" \
		"-H 127.0.0.1 -s web -w 80,x" "-H 127.0.0.1 -s web -v 3" "-H 127.0.0.1 -s web -v 4" \
		"-H 127.0.0.1 -s web -v 3 -u u -l authPriv -A abcdefgh" "-H 127.0.0.1 -s web -t 0" \
		"-H 127.0.0.1 -s web --bogus" "-H 127.0.0.1 -s web -v 3 -u u -l authNoPriv -a NOPE -A abcdefgh" \
		"-H 127.0.0.1 -s web -v 3 -u u -l authNoPriv -A short"; do
		out=$(eval "\"$CHECK\" $args" 2>&1)
		rc=$?
		assert_eq 3 "$rc" "exit code of check_oobhealth $args"
		assert_prefix "OOBHEALTH UNKNOWN - " "$out" "check_oobhealth $args"
	done
	log "e.g. $(eval "\"$CHECK\" -H 127.0.0.1 -s web -v 3" 2>&1)"
	"$CHECK" --help >"$T/help" 2>&1
	assert_eq 0 "$?" "exit code of --help"
	assert_contains "$(cat "$T/help")" "Usage: check_oobhealth -H HOST" "--help"
}

run_tests \
	healthy_service_is_ok_with_perfdata \
	absent_service_is_critical \
	fd_use_above_fd_warn_is_warning \
	all_reports_the_worst_and_every_service \
	stopped_oobhealthd_is_unknown \
	unknown_service_is_unknown \
	stale_snapshot_is_unknown \
	snmp_timeout_is_critical \
	snmpv3_auth_priv_user_is_accepted \
	bad_command_line_is_unknown
