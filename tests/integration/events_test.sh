#!/usr/bin/env bash
# What happens between intervals, each with real processes read back over SNMP: a death and
# a pidfile rewrite published at once, every one of a wrapper's fast restarts counted with
# how the old process ended, a probe's result published while slower probes still run, and
# the tracking mode said. Run as well with TRACKING=polling, where what polling promises
# (exits of main processes at once, never a restart too many) must hold.
source "$(dirname "$0")/../lib.sh"

svc() { echo "$1.\"$2\""; }
probe() { echo "$1.\"$2\".\"$3\""; }
polling() { [ "${TRACKING:-auto}" = polling ]; }

# A one-hour interval: whatever is seen within the test came from an event.
LONG=1h

status_is_not() {
	local got
	got=$(oh_get "$(svc ohServiceStatus "$1")" 2>/dev/null) && [ -n "$got" ] && [ "$got" != "$2" ]
}

tracking_mode_is_published_and_explained() {
	start_snmpd || return
	write_config <<CONF
  - name: self
    match: { exe: /nonexistent/oh-none }
CONF
	start_agent || return
	if polling; then
		assert_value ohAgentTrackingMode.0 polling
		grep -q "following processes by reading /proc every 1000 ms: agent.tracking is polling" "$T/agent.log" ||
			fail "the log does not say why polling is in force: $(tr '\n' ' ' <"$T/agent.log")"
	else
		assert_value ohAgentTrackingMode.0 processEvents
		grep -q "following processes by the kernel's process events" "$T/agent.log" ||
			fail "the log does not say process events are followed: $(tr '\n' ' ' <"$T/agent.log")"
	fi
}

death_is_published_without_waiting_for_the_interval() {
	start_snmpd || return
	spawn bash -c "echo \$\$ >'$T/node.pid'; exec sleep 600"
	local pid=$SPAWNED
	wait_until "$WAIT_MS" grep -qx "$pid" "$T/node.pid" || { fail "no pidfile"; return; }
	INTERVAL=$LONG write_config <<CONF
  - name: node
    match: { pidfile: $T/node.pid }
CONF
	start_agent || return
	wait_until "$WAIT_MS" value_is "$(svc ohServiceStatus node)" up || { fail "node never up"; return; }
	kill -KILL "$pid"
	wait_until "$WAIT_MS" status_is_not node up ||
		{ fail "the death was not published within the hour's interval"; return; }
	assert_value "$(svc ohServiceHealth node)" critical
	assert_value ohAgentCycles.0 1
}

pidfile_rewrite_is_seen_without_waiting_for_the_interval() {
	start_snmpd || return
	spawn sleep 600
	local first=$SPAWNED second
	echo "$first" >"$T/node.pid"
	INTERVAL=$LONG write_config <<CONF
  - name: node
    match: { pidfile: $T/node.pid }
CONF
	start_agent || return
	wait_until "$WAIT_MS" value_is "$(svc ohServicePid node)" "$first" || { fail "the first pid was not seen"; return; }
	spawn sleep 600
	second=$SPAWNED
	echo "$second" >"$T/node.pid.new"
	mv "$T/node.pid.new" "$T/node.pid"
	wait_until "$WAIT_MS" value_is "$(svc ohServicePid node)" "$second" ||
		{ fail "the rewritten pidfile was not picked up within the hour's interval"; return; }
	assert_value "$(svc ohServiceRestarts node)" 1
	assert_value ohAgentCycles.0 1
}

# date_ms DATEANDTIME: ms since the epoch of net-snmp's "2026-11-23,9:5:23.5,+0:0".
date_ms() {
	local d=${1%%,*} rest=${1#*,} t
	t=${rest%%,*}
	awk -v d="$d" -v t="$t" 'BEGIN {
		split(t, hms, ":"); split(hms[3], sd, ".")
		cmd = "date -u -d \"" d " " hms[1] ":" hms[2] ":" sd[1] "\" +%s"
		cmd | getline s
		printf "%.0f\n", s * 1000 + (sd[2] + 0) * 100
	}'
}

every_fast_restart_is_counted() {
	start_snmpd || return
	local tag=oh-fast-$$-$RANDOM starts counted index pid started_ms row_ms last newest worst=0 gap i
	INTERVAL=5s write_config <<CONF
  - name: fast
    match: { cmdline: '^$tag ' }
CONF
	start_agent || return
	spawn "$HELPERS/wrapper" --log "$T/starts" -- /bin/sleep "$tag" 0.1
	local wrapper=$SPAWNED
	sleep 3
	end_pid "$wrapper"
	starts=$(wc -l <"$T/starts")
	# Every start after the first is a restart; the last one may still be in flight.
	wait_until "$WAIT_MS" restarts_at_least fast $((starts - 2)) || true
	sleep 1
	counted=$(oh_get "$(svc ohServiceRestarts fast)")
	log "$starts starts in 3 s, $counted restarts counted"
	[ "$counted" -le $((starts - 1)) ] || fail "$counted restarts counted for $starts starts"
	# Polling sees a process only at an interval (5 s here): it promises no restart too
	# many, not every one.
	polling && return
	[ "$counted" -ge $((starts - 2)) ] || fail "only $counted of $((starts - 1)) restarts counted"
	# The newest history rows are the last starts, in order, dated by the start.
	newest=$(snmpwalk -v2c -c public -t "$SNMP_TIMEOUT" -r 0 -OqU "${MIB_OPTS[@]}" "127.0.0.1:$SNMP_PORT" \
		"OOBHEALTH-MIB::ohRestartNewPid.\"fast\"" | tail -5)
	[ -n "$newest" ] || { fail "no restart rows"; return; }
	while read -r oid pid; do
		index=${oid##*.}
		started_ms=$(awk -v p="$pid" '$1 == p { print $2 }' "$T/starts")
		[ -n "$started_ms" ] || { fail "restart $index: new pid $pid is not one the wrapper started"; continue; }
		row_ms=$(date_ms "$(oh_get "ohRestartTime.\"fast\".$index")")
		gap=$((row_ms - started_ms))
		gap=${gap#-}
		[ "$gap" -gt "$worst" ] && worst=$gap
		assert_value "ohRestartOldExit.\"fast\".$index" "exited with status 0"
	done <<<"$newest"
	log "newest restart rows dated within $worst ms of the starts (DateAndTime keeps tenths)"
	[ "$worst" -le 200 ] || fail "a restart row's time is $worst ms off the start it records"
	last=$(tail -1 <<<"$newest" | awk '{ print $2 }')
	i=$(grep -n "^$last " "$T/starts" | cut -d: -f1)
	[ "$i" -ge $((starts - 1)) ] || fail "the newest row is start $i of $starts"
}

restarts_at_least() {
	local got
	got=$(oh_get "$(svc ohServiceRestarts "$1")" 2>/dev/null) && [ "$got" -ge "$2" ] 2>/dev/null
}

restart_records_how_the_old_process_ended() {
	start_snmpd || return
	local first second
	write_config <<CONF
  - name: node
    match: { pidfile: $T/node.pid }
CONF
	start_agent || return
	spawn bash -c "echo \$\$ >'$T/node.pid'; exec sleep 600"
	first=$SPAWNED
	wait_until "$WAIT_MS" value_is "$(svc ohServicePid node)" "$first" || { fail "the first process was not seen"; return; }
	kill -KILL "$first"
	spawn bash -c "echo \$\$ >'$T/node.pid'; sleep 1; exit 3"
	second=$SPAWNED
	wait_until "$WAIT_MS" restarts_at_least node 1 || { fail "the first restart was not counted"; return; }
	assert_value 'ohRestartNewPid."node".1' "$second"
	# The second ends by itself (status 3) before a third takes over.
	wait_until "$WAIT_MS" status_is_not node up || { fail "the second process's exit was not seen"; return; }
	spawn bash -c "echo \$\$ >'$T/node.pid'; exec sleep 600"
	wait_until "$WAIT_MS" restarts_at_least node 2 || { fail "the second restart was not counted"; return; }
	if polling; then
		# Without process events the way it ended is not known: no instance, not a guess.
		assert_value 'ohRestartOldExit."node".1' 'No Such Instance currently exists at this OID'
		assert_value 'ohRestartOldExit."node".2' 'No Such Instance currently exists at this OID'
		return
	fi
	assert_value 'ohRestartOldExit."node".1' "killed by signal 9 (SIGKILL)"
	assert_value 'ohRestartOldExit."node".2' "exited with status 3"
}

probe_result_is_published_while_slower_probes_run() {
	start_snmpd || return
	local port=$(free_port) started took
	listen 127.0.0.1:$port 64 silent || return
	INTERVAL=$LONG write_config <<CONF
  - name: api
    probes:
      - { name: quick, tcp: 127.0.0.1:$port, send: "x", timeout: 1s }
      - { name: slow, tcp: 127.0.0.1:$port, send: "x", timeout: 40s }
CONF
	started=$(now_ms)
	start_agent || return
	wait_until "$WAIT_MS" value_is "$(probe ohProbeStatus api quick)" timeout ||
		{ fail "the quick probe's timeout was not published"; return; }
	took=$(($(now_ms) - started))
	log "quick probe's timeout published ${took} ms after the start"
	# Published on its own: the slow probe is still waiting for its 40 s deadline.
	[ "$took" -lt 40000 ] || { fail "seen only after the slow probe's deadline"; return; }
	assert_value "$(probe ohProbeStatus api slow)" notRun
	assert_value "$(svc ohServiceHealth api)" unknown
	assert_contains "$(oh_get "$(svc ohServiceHealthText api)")" "probe slow: no result yet (deadline 40000 ms)" "health text"
	assert_contains "$(oh_get "$(svc ohServiceHealthText api)")" "probe quick: " "health text"
}

run_tests tracking_mode_is_published_and_explained death_is_published_without_waiting_for_the_interval \
	pidfile_rewrite_is_seen_without_waiting_for_the_interval every_fast_restart_is_counted \
	restart_records_how_the_old_process_ended probe_result_is_published_while_slower_probes_run
