#!/usr/bin/env bash
# The subagent under a real snmpd: answers by name, lists OOBHEALTH-MIB in sysORTable,
# survives snmpd restarts and a stuck prober, reloads on SIGHUP, unregisters on SIGTERM.
source "$(dirname "$0")/../lib.sh"

service_is_answered_by_name() {
	start_snmpd || return
	spawn sleep 600
	echo "$SPAWNED" >"$T/web.pid"
	write_config <<CONF
  - name: web
    match: { pidfile: $T/web.pid }
  - name: db
    match: { pidfile: $T/db.pid }
CONF
	start_agent || return
	assert_value 'ohServiceStatus."web"' up
	assert_value 'ohServicePid."web"' "$(cat "$T/web.pid")"
	assert_value 'ohServiceHealth."web"' ok
	assert_value 'ohServiceStatus."db"' absent
	assert_value 'ohServiceHealth."db"' critical
	assert_value 'ohServiceHealthText."db"' "absent: pidfile $T/db.pid is missing"
	assert_value 'ohAgentServices.0' 2
	assert_value 'ohAgentVersion.0' 0.1.0
	assert_eq 'No Such Instance currently exists at this OID' "$(oh_get 'ohServiceStatus."nope"' 2>&1)" \
		"an unknown service name"
	# The walk lists rows in index order: shorter names first ("db" before "web").
	assert_eq 'db web' "$(oh_walk -Oqs | awk -F'"' '/^ohServiceStatus/ {printf "%s%s", sep, $2; sep=" "}')" \
		"rows of ohServiceStatus in a walk"
	local host_max
	host_max=$(awk '{print $3}' /proc/sys/fs/file-nr)
	[ "$host_max" -gt 4294967295 ] && host_max=4294967295
	assert_value 'ohHostFdMax.0' "$host_max"
}

# What is not known has no instance; what is known to be nothing is 0.
absent_service_has_no_fd_cells() {
	local port walk column
	port=$(free_port)
	start_snmpd || return
	spawn sleep 600
	echo "$SPAWNED" >"$T/web.pid"
	write_config <<CONF
  - name: web
    match: { pidfile: $T/web.pid }
  - name: db
    match: { pidfile: $T/db.pid }
    probes:
      - { name: closed, tcp: 127.0.0.1:$port, timeout: 1s }
CONF
	start_agent || return
	assert_value 'ohServiceStatus."db"' absent
	for column in ohServiceFdOpen ohServiceFdSoftLimit ohServiceFdHardLimit ohServiceFdUsage; do
		assert_eq 'No Such Instance currently exists at this OID' "$(oh_get "$column.\"db\"" 2>&1)" \
			"$column of an absent service"
		[[ "$(oh_get "$column.\"web\"" 2>&1)" =~ ^[0-9]+$ ]] ||
			fail "$column of a running service: $(oh_get "$column.\"web\"" 2>&1)"
	done
	assert_value 'ohServiceFdWarn."db"' 80
	assert_value 'ohServiceFdCrit."db"' 95
	# Walks go past the missing cells, by GETNEXT and by GETBULK.
	walk=$(snmpwalk -v2c -c public -t "$SNMP_TIMEOUT" -r 0 -Oqs "${MIB_OPTS[@]}" "127.0.0.1:$SNMP_PORT" \
		OOBHEALTH-MIB::ohServiceTable)
	assert_eq 'ohServiceFdOpen."web" ohServiceFdSoftLimit."web" ohServiceFdHardLimit."web" ohServiceFdUsage."web"' \
		"$(awk '/^ohServiceFd(Open|SoftLimit|HardLimit|Usage)\./ {printf "%s%s", sep, $1; sep=" "}' <<<"$walk")" \
		"fd cells in a walk"
	assert_eq "$walk" "$(snmpbulkwalk -v2c -c public -t "$SNMP_TIMEOUT" -r 0 -Oqs "${MIB_OPTS[@]}" "127.0.0.1:$SNMP_PORT" \
		OOBHEALTH-MIB::ohServiceTable)" "snmpbulkwalk against snmpwalk"
	assert_contains "$walk" 'ohServiceFdCrit."db" 95' "the walk"
	# Nothing listens on the probe's port: known, and 0.
	assert_value 'ohProbeListenerPid."db"."closed"' 0
}

reconnects_after_snmpd_restart() {
	start_snmpd || return
	write_config <<CONF
  - name: probe-only
CONF
	start_agent || return
	local agent_pid=$AGENT_PID before restarted answered
	before=$(oh_get ohAgentCycles.0)
	stop_snmpd
	sleep 1
	start_snmpd || return
	restarted=$(now_ms)
	if ! wait_until "$WAIT_MS" value_is 'ohServiceStatus."probe-only"' unknown; then
		fail "no answer from oobhealthd $((WAIT_MS / 1000)) s after snmpd came back"
		return
	fi
	answered=$(($(now_ms) - restarted))
	log "answers came back ${answered} ms after snmpd did (ping_interval 1s)"
	# Reconnecting follows ping_interval (1 s here): well before the default 15 s would.
	[ "$answered" -lt 10000 ] || fail "reconnect took $answered ms, more than ten ping intervals"
	kill -0 "$agent_pid" || fail "oobhealthd is not running any more"
	[ "$(oh_get ohAgentCycles.0)" -gt "$before" ] || fail "the cycle counter did not go on"
}

# The descriptions of the master's sysORTable rows whose sysORID is OOBHEALTH-MIB's
# MODULE-IDENTITY, one a line.
oobhealth_sysor_rows() {
	snmpwalk -v2c -c public -t "$SNMP_TIMEOUT" -r 0 -OqU "${MIB_OPTS[@]}" "127.0.0.1:$SNMP_PORT" SNMPv2-MIB::sysORTable |
		awk '{ row = $1; sub(/.*\./, "", row); value = $0; sub(/^[^ ]+ /, "", value) }
		     $1 ~ /::sysORID\./ && value == "OOBHEALTH-MIB::oobhealthMIB" { ours[row] = 1 }
		     $1 ~ /::sysORDescr\./ { descr[row] = value }
		     END { for (row in ours) print descr[row] }'
}

sysortable_lists_the_mib_across_snmpd_restarts() {
	local descr="OOBHEALTH-MIB: out-of-band health of this host's services, from oobhealthd"
	start_snmpd || return
	write_config <<CONF
  - name: probe-only
CONF
	start_agent || return
	assert_eq "$descr" "$(oobhealth_sysor_rows)" "OOBHEALTH-MIB in sysORTable"
	stop_snmpd
	sleep 1
	start_snmpd || return
	wait_until "$WAIT_MS" value_is 'ohServiceStatus."probe-only"' unknown ||
		{ fail "oobhealthd did not reconnect after snmpd came back"; return; }
	assert_eq "$descr" "$(oobhealth_sysor_rows)" "OOBHEALTH-MIB in sysORTable after snmpd restarted"
	# The entry belongs to the AgentX session: it goes when oobhealthd does.
	kill -TERM "$AGENT_PID"
	wait "$AGENT_PID"
	assert_eq "" "$(oobhealth_sysor_rows)" "OOBHEALTH-MIB in sysORTable after oobhealthd exited"
	snmpd_answers || fail "snmpd stopped answering"
}

stuck_prober_never_delays_answers() {
	start_snmpd || return
	write_config <<CONF
  - name: probe-only
CONF
	start_agent || return
	local freezer frozen_at worst age_after stuck_for
	# Frozen for up to a minute, ended once the GETs are done: a GET that waited for the
	# prober would wait for the whole freeze.
	spawn "$HELPERS/freeze_thread" "$AGENT_PID" oh-prober 60
	freezer=$SPAWNED
	wait_until "$WAIT_MS" grep -q frozen "$T/spawned.log" || { fail "the prober thread could not be frozen"; return; }
	frozen_at=$(now_ms)
	worst=$(slowest_get 30 'ohServiceStatus."probe-only"')
	stuck_for=$(($(now_ms) - frozen_at))
	age_after=$(oh_get ohAgentSnapshotAge.0)
	log "30 GETs while the prober was stuck: slowest ${worst} ms; snapshot age ${age_after} ms after ${stuck_for} ms stuck"
	[ "$worst" -lt 10000 ] || fail "a GET took $worst ms while the prober was stuck"
	# No cycle can complete while the prober is stuck: the age covers the whole time.
	[ "$age_after" -ge $((stuck_for - 50)) ] || fail "ohAgentSnapshotAge ($age_after ms) did not grow while the prober was stuck ($stuck_for ms)"
	kill -0 "$freezer" 2>/dev/null || fail "the freeze ended before the GETs did"
	end_pid "$freezer"
	wait_until "$WAIT_MS" age_below 2000 || fail "the snapshot age did not recover after the prober resumed"
}

age_below() {
	local age
	age=$(oh_get ohAgentSnapshotAge.0 2>/dev/null) && [ "$age" -lt "$1" ]
}

sighup_with_bad_config_keeps_old_one() {
	start_snmpd || return
	write_config <<CONF
  - name: keeper
CONF
	start_agent || return
	cp "$T/agent.yaml" "$T/good.yaml"
	printf 'agent:\n  interval: 5x\nservices: []\n' >"$T/agent.yaml"
	kill -HUP "$AGENT_PID"
	wait_until "$WAIT_MS" value_is ohAgentConfigFailures.0 1 || fail "ohAgentConfigFailures did not count the bad reload"
	assert_value 'ohServiceStatus."keeper"' unknown
	assert_value ohAgentConfigReloads.0 0
	grep -qF "$T/agent.yaml:2:13: interval: \"5x\" is not a duration (use e.g. 250ms, 5s, 2m, 1h)" "$T/agent.log" ||
		fail "the log does not name the bad line"
	# A good file then takes effect.
	cp "$T/good.yaml" "$T/agent.yaml"
	echo "  - name: newcomer" >>"$T/agent.yaml"
	kill -HUP "$AGENT_PID"
	wait_until "$WAIT_MS" value_is ohAgentConfigReloads.0 1 || fail "the good reload was not counted"
	wait_until "$WAIT_MS" value_is 'ohServiceStatus."newcomer"' unknown || fail "the new service is not served"
	assert_value ohAgentServices.0 2
}

sigterm_unregisters_and_exits_zero() {
	start_snmpd || return
	write_config <<CONF
  - name: probe-only
CONF
	start_agent || return
	[ -f "$T/agent.pid" ] && [ "$(cat "$T/agent.pid")" = "$AGENT_PID" ] || fail "-p did not write the pid"
	kill -TERM "$AGENT_PID"
	wait "$AGENT_PID"
	assert_eq 0 $? "exit code after SIGTERM"
	[ ! -e "$T/agent.pid" ] || fail "the pidfile was left behind"
	assert_eq 'No Such Object available on this agent at this OID' "$(oh_get ohAgentVersion.0 2>&1)" \
		"ohAgentVersion after oobhealthd unregistered"
}

agentx_socket_option_overrides_config() {
	start_snmpd || return
	write_config <<CONF
  - name: probe-only
CONF
	sed -i "s|agentx_socket: .*|agentx_socket: $T/nowhere.sock|" "$T/agent.yaml"
	start_agent -x "unix:$T/agentx.sock" || return
	assert_value 'ohServiceStatus."probe-only"' unknown
}

runs_in_the_background_without_f() {
	start_snmpd || return
	write_config <<CONF
  - name: probe-only
CONF
	"$OOBHEALTHD" -c "$T/agent.yaml" -Lf "$T/agent.log" -p "$T/agent.pid"
	assert_eq 0 $? "exit code of the launching process"
	wait_until "$WAIT_MS" test -s "$T/agent.pid" || { fail "no pidfile from the daemon"; return; }
	AGENT_PID=$(cat "$T/agent.pid")
	echo "$AGENT_PID" >>"$T/pids"
	kill -0 "$AGENT_PID" || { fail "the daemon is not running"; return; }
	# Detached: the launcher returned while the daemon runs on in a session of its own.
	[ "$(awk '{print $6}' "/proc/$AGENT_PID/stat")" != "$(awk '{print $6}' /proc/$$/stat)" ] ||
		fail "the daemon still runs in the test's session"
	wait_until "$WAIT_MS" agent_has_cycled || fail "the daemon does not answer"
	kill -TERM "$AGENT_PID"
	wait_until "$WAIT_MS" eval '! kill -0 "$AGENT_PID" 2>/dev/null' || fail "the daemon did not exit on SIGTERM"
}

run_tests service_is_answered_by_name absent_service_has_no_fd_cells runs_in_the_background_without_f \
	reconnects_after_snmpd_restart \
	sysortable_lists_the_mib_across_snmpd_restarts \
	stuck_prober_never_delays_answers sighup_with_bad_config_keeps_old_one \
	sigterm_unregisters_and_exits_zero agentx_socket_option_overrides_config
