#!/usr/bin/env bash
# Restart history kept in the state file: it survives oobhealthd being killed, indexes are
# never reused, and a damaged state file is set aside instead of stopping the agent. Also
# the files: checks (error markers and heartbeats) in ohFileTable, whose rows are named by
# the files' names.
source "$(dirname "$0")/../lib.sh"

# restart_service: replaces the "node" process (pidfile $T/node.pid); sets NODE_PID.
restart_service() {
	[ -z "${NODE_PID:-}" ] || end_pid "$NODE_PID"
	spawn bash -c "echo \$\$ >'$T/node.pid'; exec sleep 600"
	NODE_PID=$SPAWNED
}

restarts_are() { value_is 'ohServiceRestarts."node"' "$1"; }

history_walk() {
	snmpwalk -v2c -c public -t "$SNMP_TIMEOUT" -r 0 -OqU "${MIB_OPTS[@]}" "127.0.0.1:$SNMP_PORT" OOBHEALTH-MIB::ohRestartTable
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
	wait_until "$WAIT_MS" value_is 'ohServicePid."node"' "$NODE_PID" || { fail "node not seen"; return 1; }
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
	wait_until "$WAIT_MS" restarts_are 1 || { fail "first restart not counted"; return; }
	restart_service
	wait_until "$WAIT_MS" restarts_are 2 || { fail "second restart not counted"; return; }
	before=$(history_walk)
	[ "$(grep -c '^OOBHEALTH-MIB::ohRestartNewPid' <<<"$before")" = 2 ] ||
		{ fail "expected two restart rows before the kill: $before"; return; }
	restart_agent_after_kill || return
	after=$(history_walk)
	assert_eq "$before" "$after" "ohRestartTable after SIGKILL"
	assert_value 'ohServiceRestarts."node"' 2
	# Indexes continue after the kill; they are never reused.
	restart_service
	wait_until "$WAIT_MS" restarts_are 3 || { fail "restart after the kill not counted"; return; }
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
	wait_until "$WAIT_MS" restarts_are 1 || { fail "a restart while oobhealthd was stopped was missed"; return; }
	assert_value 'ohRestartOldPid."node".1' "$old"
	assert_value 'ohRestartNewPid."node".1' "$NODE_PID"
}

truncated_state_file_is_set_aside() {
	local size
	watch_node || return
	restart_service
	wait_until "$WAIT_MS" restarts_are 1 || { fail "restart not counted"; return; }
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
	wait_until "$WAIT_MS" restarts_are 1 || { fail "restart after the reset not counted"; return; }
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

# The OID of ohFileStatus for file FILE of service SERVICE: both names length-prefixed.
file_status_oid() {
	local oid=.1.3.6.1.4.1.8072.9999.9999.4242.1.5.1.3 name i
	for name in "$1" "$2"; do
		oid+=".${#name}"
		for ((i = 0; i < ${#name}; i++)); do oid+=".$(printf '%d' "'${name:i:1}")"; done
	done
	echo "$oid"
}

# numeric_get OID: prints the OID (numeric) and its value.
numeric_get() {
	snmpget -v2c -c public -t "$SNMP_TIMEOUT" -r 0 -OqnU "${MIB_OPTS[@]}" "127.0.0.1:$SNMP_PORT" "$1"
}

# heartbeat FILE: touches FILE every 200 ms, as a live service writes its log, whatever
# the machine's load; sets HEARTBEAT_PID.
heartbeat() {
	spawn bash -c 'while :; do touch "$1"; sleep 0.2; done' sh "$1"
	HEARTBEAT_PID=$SPAWNED
}

files_feed_the_file_table_and_health() {
	start_snmpd || return
	write_config <<CONF
  - name: node
    files:
      - { path: $T/node-err.log, absent: true }
      - { path: $T/node.log, max_age: 2s }
      - { name: required, path: $T/must-exist }
CONF
	touch "$T/must-exist"
	heartbeat "$T/node.log"
	start_agent || return
	# Rows are named by the file's name key, or else the last part of its path.
	assert_value 'ohFilePath."node"."node.log"' "$T/node.log"
	assert_value 'ohFilePath."node"."required"' "$T/must-exist"
	assert_value 'ohFileStatus."node"."node-err.log"' ok
	assert_value 'ohFileStatus."node"."node.log"' ok
	assert_value 'ohFileStatus."node"."required"' ok
	assert_value 'ohServiceHealth."node"' ok
	assert_value 'ohServiceStatus."node"' unknown
	# On the wire the index is the two names, each length-prefixed.
	assert_eq "$(file_status_oid node node.log) ok" "$(numeric_get "$(file_status_oid node node.log)")" \
		"ohFileStatus of node.log by its numeric OID"
	# The error marker appears, the heartbeat stops, the required file goes.
	echo "fatal" >"$T/node-err.log"
	rm "$T/must-exist"
	end_pid "$HEARTBEAT_PID"
	wait_until "$WAIT_MS" value_is 'ohFileStatus."node"."node.log"' stale || { fail "heartbeat never went stale"; return; }
	assert_value 'ohFileStatus."node"."node-err.log"' present
	assert_value 'ohFileStatus."node"."required"' missing
	# A file that is not there has no age, rather than an age of 0.
	assert_value 'ohFileAge."node"."required"' 'No Such Instance currently exists at this OID'
	assert_value 'ohServiceHealth."node"' critical
	assert_prefix "error marker $T/node-err.log exists (" "$(oh_get 'ohServiceHealthText."node"')" "health text"
	case "$(oh_get 'ohServiceHealthText."node"')" in
	*"; file $T/node.log not modified for "*" s (max_age 2s); file $T/must-exist is missing") ;;
	*) fail "health text does not name every file reason: $(oh_get 'ohServiceHealthText."node"')" ;;
	esac
	heartbeat "$T/node.log"
	rm "$T/node-err.log"
	touch "$T/must-exist"
	wait_until "$WAIT_MS" value_is 'ohServiceHealth."node"' ok || fail "health did not recover"
}

file_rows_keep_their_index_when_the_list_changes() {
	local before after walk read_before
	start_snmpd || return
	write_config <<CONF
  - name: node
    files:
      - { path: $T/node-err.log, absent: true }
CONF
	echo "fatal" >"$T/node-err.log"
	touch -d '-90 seconds' "$T/node-err.log"
	start_agent || return
	wait_until "$WAIT_MS" value_is 'ohFileStatus."node"."node-err.log"' present || { fail "the error marker is not seen"; return; }
	read_before=$(now_ms)
	before=$(oh_get 'ohFileAge."node"."node-err.log"')
	[ "$before" -ge 90 ] || { fail "ohFileAge before the reload: $before"; return; }
	# A heartbeat file goes in before the marker: the marker keeps its row.
	write_config <<CONF
  - name: node
    files:
      - { path: $T/node.log, max_age: 1m }
      - { path: $T/node-err.log, absent: true }
CONF
	touch "$T/node.log"
	kill -HUP "$AGENT_PID"
	wait_until "$WAIT_MS" value_is ohAgentConfigReloads.0 1 || { fail "the reload was not counted"; return; }
	wait_until "$WAIT_MS" value_is 'ohFileStatus."node"."node.log"' ok || { fail "the new file has no row"; return; }
	assert_value 'ohFileStatus."node"."node-err.log"' present
	assert_value 'ohFilePath."node"."node-err.log"' "$T/node-err.log"
	after=$(oh_get 'ohFileAge."node"."node-err.log"')
	# Its age went on with the clock: 30 s of slack beyond the time between the two reads.
	[ "$after" -ge "$before" ] && [ "$after" -lt $((before + 30 + ($(now_ms) - read_before) / 1000)) ] ||
		fail "ohFileAge of the marker went from $before to $after s across the reload"
	assert_eq "$(file_status_oid node node-err.log) present" \
		"$(numeric_get "$(file_status_oid node node-err.log)")" \
		"the marker's row by the OID it had before the reload"
	walk=$(snmpwalk -v2c -c public -t "$SNMP_TIMEOUT" -r 0 -OqU "${MIB_OPTS[@]}" "127.0.0.1:$SNMP_PORT" OOBHEALTH-MIB::ohFileStatus)
	assert_eq 'OOBHEALTH-MIB::ohFileStatus."node"."node.log" ok
OOBHEALTH-MIB::ohFileStatus."node"."node-err.log" present' "$walk" "ohFileStatus after the reload"
}

once_names_the_files() {
	local out
	cat >"$T/once.yaml" <<CONF
services:
  - name: node
    files:
      - { path: $T/node.log, max_age: 1m }
      - { name: other-node.log, path: $T/sub/node.log }
CONF
	touch "$T/node.log"
	out=$("$OOBHEALTHD" --once --json -c "$T/once.yaml")
	assert_eq 2 "$?" "--once exit code with a required file missing"
	assert_contains "$out" "\"files\":[{\"service\":\"node\",\"name\":\"node.log\",\"path\":\"$T/node.log\",\"status\":\"ok\",\"age_s\":" "--once --json"
	assert_contains "$out" "{\"service\":\"node\",\"name\":\"other-node.log\",\"path\":\"$T/sub/node.log\",\"status\":\"missing\",\"age_s\":null}" "--once --json"
	out=$("$OOBHEALTHD" --once -c "$T/once.yaml")
	grep -Eq "^node +node\.log +ok +[0-9]+ s $T/node\.log\$" <<<"$out" || fail "--once table lacks node.log: $out"
	grep -Eq "^node +other-node\.log +missing +- $T/sub/node\.log\$" <<<"$out" || fail "--once table lacks other-node.log: $out"
}

run_tests history_survives_sigkill restart_while_agent_is_down_is_seen \
	truncated_state_file_is_set_aside garbage_state_file_is_survived \
	files_feed_the_file_table_and_health file_rows_keep_their_index_when_the_list_changes \
	once_names_the_files
