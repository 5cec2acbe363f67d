#!/usr/bin/env bash
# Restart history kept in the state file: it survives oobhealthd being killed, indexes are
# never reused, and a damaged state file is set aside instead of stopping the agent. Also
# the files: checks (error markers and heartbeats) in ohFileTable.
source "$(dirname "$0")/../lib.sh"

# restart_service: replaces the "node" process (pidfile $T/node.pid); sets NODE_PID.
restart_service() {
	[ -z "${NODE_PID:-}" ] || end_pid "$NODE_PID"
	spawn bash -c "echo \$\$ >'$T/node.pid'; exec sleep 600"
	NODE_PID=$SPAWNED
}

restarts_are() { value_is 'ohServiceRestarts."node"' "$1"; }

history_walk() {
	snmpwalk -v2c -c public -t 1 -r 0 -OqU "${MIB_OPTS[@]}" "127.0.0.1:$SNMP_PORT" OOBHEALTH-MIB::ohRestartTable
}

# watch_node: snmpd, oobhealthd watching "node" by its pidfile, and node running and seen.
watch_node() {
	start_snmpd || return
	write_config <<CONF
  - name: node
    match: { pidfile: $T/node.pid }
CONF
	restart_service
	start_agent || return
	wait_until 2500 value_is 'ohServicePid."node"' "$NODE_PID" || { fail "node not seen"; return 1; }
}

restart_agent_after_kill() {
	kill -KILL "$AGENT_PID"
	wait "$AGENT_PID" 2>/dev/null
	start_agent
}

history_survives_sigkill() {
	local before after
	watch_node || return
	restart_service
	wait_until 2500 restarts_are 1 || { fail "first restart not counted"; return; }
	restart_service
	wait_until 2500 restarts_are 2 || { fail "second restart not counted"; return; }
	before=$(history_walk)
	[ "$(grep -c '^OOBHEALTH-MIB::ohRestartNewPid' <<<"$before")" = 2 ] ||
		{ fail "expected two restart rows before the kill: $before"; return; }
	restart_agent_after_kill || return
	after=$(history_walk)
	assert_eq "$before" "$after" "ohRestartTable after SIGKILL"
	assert_value 'ohServiceRestarts."node"' 2
	# Indexes continue after the kill; they are never reused.
	restart_service
	wait_until 2500 restarts_are 3 || { fail "restart after the kill not counted"; return; }
	assert_value 'ohRestartNewPid."node".3' "$NODE_PID"
	grep -q "restart history of 1 services loaded" "$T/agent.log" || fail "the load is not logged"
}

restart_while_agent_is_down_is_seen() {
	local old
	watch_node || return
	old=$NODE_PID
	end_pid "$AGENT_PID"
	restart_service
	start_agent || return
	wait_until 2500 restarts_are 1 || { fail "a restart while oobhealthd was stopped was missed"; return; }
	assert_value 'ohRestartOldPid."node".1' "$old"
	assert_value 'ohRestartNewPid."node".1' "$NODE_PID"
}

truncated_state_file_is_set_aside() {
	local size
	watch_node || return
	restart_service
	wait_until 2500 restarts_are 1 || { fail "restart not counted"; return; }
	end_pid "$AGENT_PID"
	size=$(stat -c %s "$T/state")
	truncate -s $((size / 2)) "$T/state"
	cp "$T/state" "$T/state.damaged"
	: >"$T/agent.log"
	start_agent || return
	grep -q "moved aside to $T/state.corrupt, restart history starts empty" "$T/agent.log" ||
		{ fail "the damaged file is not reported: $(cat "$T/agent.log")"; return; }
	cmp -s "$T/state.corrupt" "$T/state.damaged" || fail "the damaged file was not kept as it was"
	assert_value 'ohServiceRestarts."node"' 0
	# The history starts again and is written whole.
	restart_service
	wait_until 2500 restarts_are 1 || { fail "restart after the reset not counted"; return; }
	assert_prefix "oobhealth-state 1" "$(head -1 "$T/state")" "rewritten state file"
	grep -q '^end [0-9a-f]\{16\}$' "$T/state" || fail "the rewritten state file has no end line"
}

garbage_state_file_is_survived() {
	start_snmpd || return
	write_config <<CONF
  - name: node
    match: { pidfile: $T/node.pid }
CONF
	seq 1000 >"$T/state"
	restart_service
	start_agent || return
	assert_value 'ohServiceStatus."node"' up
	grep -q "$T/state:1: not an oobhealth state file; moved aside" "$T/agent.log" ||
		fail "garbage state file not reported: $(cat "$T/agent.log")"
}

files_feed_the_file_table_and_health() {
	start_snmpd || return
	write_config <<CONF
  - name: node
    files:
      - { path: $T/node-err.log, absent: true }
      - { path: $T/node.log, max_age: 2s }
      - { path: $T/must-exist }
CONF
	touch "$T/node.log" "$T/must-exist"
	start_agent || return
	assert_value 'ohFilePath."node".2' "$T/node.log"
	assert_value 'ohFileStatus."node".1' ok
	assert_value 'ohFileStatus."node".2' ok
	assert_value 'ohFileStatus."node".3' ok
	assert_value 'ohServiceHealth."node"' ok
	assert_value 'ohServiceStatus."node"' unknown
	# The error marker appears, the heartbeat stops, the required file goes.
	echo "fatal" >"$T/node-err.log"
	rm "$T/must-exist"
	wait_until 4000 value_is 'ohFileStatus."node".2' stale || { fail "heartbeat never went stale"; return; }
	assert_value 'ohFileStatus."node".1' present
	assert_value 'ohFileStatus."node".3' missing
	assert_value 'ohFileAge."node".3' 0
	assert_value 'ohServiceHealth."node"' critical
	assert_prefix "error marker $T/node-err.log exists (" "$(oh_get 'ohServiceHealthText."node"')" "health text"
	case "$(oh_get 'ohServiceHealthText."node"')" in
	*"; file $T/node.log not modified for "*" s (max_age 2s); file $T/must-exist is missing") ;;
	*) fail "health text does not name every file reason: $(oh_get 'ohServiceHealthText."node"')" ;;
	esac
	touch "$T/node.log"
	rm "$T/node-err.log"
	touch "$T/must-exist"
	wait_until 2500 value_is 'ohServiceHealth."node"' ok || fail "health did not recover"
}

run_tests history_survives_sigkill restart_while_agent_is_down_is_seen \
	truncated_state_file_is_set_aside garbage_state_file_is_survived \
	files_feed_the_file_table_and_health
