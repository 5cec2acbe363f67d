#!/usr/bin/env bash
# Fault drills: snmpd restarted under a polling loop, oobhealthd SIGKILLed around its
# history writes, and the state directory read-only, full, replaced by a symlink, its state
# file replaced by garbage, a directory, a FIFO or a symlink. Each asserts what oobhealthd
# serves and writes, and what it logs, with deadlines far above what an idle host needs.
# (A second instance on the same state file or pidfile: daemon_test.sh.)
source "$(dirname "$0")/../lib.sh"

SD="" # the state directory of the test: $T/sd

# fault_setup: every drill starts here, so that its mounts and planted files are removed
# (by path) after its processes are ended (by pid), whether it passed or not.
fault_setup() {
	SD=$T/sd
	mkdir "$SD"
	: >"$T/mounts"
	: >"$T/planted"
	trap 'undo_faults; cleanup' EXIT
}

undo_faults() {
	local pid path
	for pid in $(tac "$T/pids" 2>/dev/null); do end_pid "$pid"; done
	for path in $(tac "$T/mounts" 2>/dev/null | awk '!seen[$0]++'); do
		while mountpoint -q "$path"; do
			umount "$path" 2>/dev/null || umount -l "$path" 2>/dev/null ||
				{ fail "cannot unmount $path"; break; }
		done
	done
	for path in $(tac "$T/planted" 2>/dev/null); do
		if [ -L "$path" ] || [ -p "$path" ]; then rm -f "$path"; fi
	done
	: >"$T/mounts"
}

# fault_mount MOUNT-ARGS... DIR: mounts (or remounts), and remembers DIR for undo_faults.
fault_mount() {
	mount "$@" || { fail "mount $*"; return 1; }
	echo "${*: -1}" >>"$T/mounts"
}

fault_unmount() {
	umount "$1" || { fail "cannot unmount $1"; return 1; }
	sed -i "\|^$1\$|d" "$T/mounts"
}

# plant KIND PATH [TARGET]: puts a fifo, symlink, dir or garbage file at PATH (whatever was
# there is removed first).
plant() {
	rm -rf "$2"
	case "$1" in
	fifo) mkfifo "$2" ;;
	symlink) ln -s "$3" "$2" ;;
	dir) mkdir "$2" ;;
	garbage) seq 1000 >"$2" ;;
	esac
	echo "$2" >>"$T/planted"
}

# restart_service: replaces the "node" process (pidfile $T/node.pid); sets NODE_PID and
# appends it to NODE_PIDS (the pid of each generation, the first at index 0).
NODE_PIDS=()
restart_service() {
	[ -z "${NODE_PID:-}" ] || end_pid "$NODE_PID"
	spawn bash -c "echo \$\$ >'$T/node.pid'; exec sleep 600"
	NODE_PID=$SPAWNED
	NODE_PIDS+=("$NODE_PID")
}

restarts_are() { value_is 'ohServiceRestarts."node"' "$1"; }

# The restart count of "node" in the state file, empty when it holds none or is no file.
saved_restarts() {
	[ -f "$SD/state" ] && [ ! -L "$SD/state" ] || return 0
	awk '$1 == "service" && $2 == "node" { print $7 }' "$SD/state"
}

saved_restarts_are() { [ "$(saved_restarts)" = "$1" ]; }

# saved_node_is PID RESTARTS: the state file holds PID as node's main process, with RESTARTS.
saved_node_is() {
	[ -f "$SD/state" ] && [ "$(awk '$1 == "service" && $2 == "node" { print $3, $7 }' "$SD/state")" = "$1 $2" ]
}

history_walk() {
	snmpwalk -v2c -c public -t 1 -r 0 -OqU "${MIB_OPTS[@]}" "127.0.0.1:$SNMP_PORT" OOBHEALTH-MIB::ohRestartTable
}

# watch_node: snmpd, oobhealthd watching "node" by its pidfile with its state in $SD, and
# node running and seen.
watch_node() {
	start_snmpd || return
	write_config <<CONF
  - name: node
    match: { pidfile: $T/node.pid }
CONF
	sed -i "s|state_file: .*|state_file: $SD/state|" "$T/agent.yaml"
	restart_service
	start_agent || return
	wait_until "$WAIT_MS" value_is 'ohServicePid."node"' "$NODE_PID" || { fail "node not seen"; return 1; }
}

# restart_and_see N: restarts node and waits until oobhealthd serves its Nth restart.
restart_and_see() {
	restart_service
	wait_until "$WAIT_MS" restarts_are "$1" ||
		{ fail "restart $1 not counted: ohServiceRestarts $(oh_get 'ohServiceRestarts."node"' 2>&1)"; return 1; }
}

# node_is_served_right N: what oobhealthd serves about node after N restarts.
node_is_served_right() {
	assert_value 'ohServiceStatus."node"' up
	assert_value 'ohServicePid."node"' "$NODE_PID"
	assert_value 'ohServiceRestarts."node"' "$1"
	assert_value 'ohServiceHealth."node"' ok
	assert_value "ohRestartNewPid.\"node\".$1" "$NODE_PID"
}

logged() { grep -qF -- "$1" "$T/agent.log"; }

# expect_log LINE WHAT: waits for LINE in the agent's log.
expect_log() {
	wait_until "$WAIT_MS" logged "$1" || { fail "$2: no [$1] in the log:"; tail -5 "$T/agent.log"; return 1; }
}

# cycles_advance: ohAgentCycles moves on by at least two from what it is now.
cycles_advance() {
	local from
	from=$(oh_get ohAgentCycles.0) || { fail "no ohAgentCycles"; return 1; }
	wait_until "$WAIT_MS" eval '[ "$(oh_get ohAgentCycles.0 2>/dev/null || echo 0)" -ge $((from + 2)) ]' ||
		{ fail "ohAgentCycles stuck at $from"; return 1; }
}

# ---- a. snmpd restarts ----

# poll_forever: a poller in the background asking for node's pid twice a second, one line
# per answer in $T/poller.out ("ok VALUE" or "failed"); sets POLLER_PID.
poll_forever() {
	: >"$T/poller.out"
	# SIGTERM waits for the snmpget under way, so that none outlives the poller.
	cat >"$T/poller.sh" <<POLL
trap 'exit 0' TERM
while :; do
	if value=\$(snmpget -v2c -c public -t 1 -r 0 -OqvU ${MIB_OPTS[*]} 127.0.0.1:$SNMP_PORT 'OOBHEALTH-MIB::ohServicePid."node"' 2>/dev/null); then
		echo "ok \$value"
	else
		echo failed
	fi >>"$T/poller.out"
	sleep 0.5
done
POLL
	spawn bash "$T/poller.sh"
	POLLER_PID=$SPAWNED
}

# poller_answered_since LINE PID: the poller got PID as an answer after line LINE.
poller_answered_since() { tail -n "+$(($1 + 1))" "$T/poller.out" | grep -qx "ok $2"; }

snmpd_restarts_change_nothing_but_the_connection() {
	local history cycles lines now i
	fault_setup
	watch_node || return
	restart_and_see 1 || return
	restart_and_see 2 || return
	history=$(history_walk)
	[ "$(grep -c '^OOBHEALTH-MIB::ohRestartNewPid' <<<"$history")" = 2 ] || { fail "expected two restart rows: $history"; return; }
	poll_forever
	for i in 1 2 3 4 5; do
		cycles=$(oh_get ohAgentCycles.0) || { fail "no answer before snmpd restart $i"; return; }
		lines=$(wc -l <"$T/poller.out")
		stop_snmpd
		start_snmpd || return
		# ping_interval 1s: the subagent connects again within seconds, by itself.
		wait_until "$WAIT_MS" value_is 'ohServicePid."node"' "$NODE_PID" ||
			{ fail "no answer from oobhealthd after snmpd restart $i"; tail -5 "$T/agent.log"; return; }
		wait_until "$WAIT_MS" poller_answered_since "$lines" "$NODE_PID" ||
			fail "the poller got no right answer after snmpd restart $i"
		now=$(oh_get ohAgentCycles.0)
		[ "$now" -ge "$cycles" ] || fail "ohAgentCycles went from $cycles to $now over snmpd restart $i"
		assert_value 'ohServiceRestarts."node"' 2
		assert_eq "$history" "$(history_walk)" "ohRestartTable after snmpd restart $i"
		kill -0 "$AGENT_PID" 2>/dev/null || { fail "oobhealthd is gone after snmpd restart $i"; return; }
	done
	end_pid "$POLLER_PID"
	# No answer while snmpd was down, noSuchObject from snmpd before oobhealthd registered
	# again: never a wrong value.
	assert_eq "" "$(grep -v -x -e "ok $NODE_PID" -e failed -e "ok No Such Object available on this agent at this OID" \
		"$T/poller.out" | sort -u)" "poller answers other than node's pid"
	assert_eq 1 "$(grep -c "oobhealthd .*: 1 services, AgentX master" "$T/agent.log")" "starts of oobhealthd in its log"
	assert_eq "$AGENT_PID" "$(cat "$SD/state.lock")" "the pid in the state lock"
	cycles_advance
	end_pid "$AGENT_PID"
	assert_eq 2 "$(saved_restarts)" "restarts in the state file after five snmpd restarts"
}

# ---- b. SIGKILL around history writes ----

# The state file is replaced by rename, so a kill at any moment leaves the old file or the
# new one, both whole: every start loads it (never sets it aside). A restart oobhealthd did
# not write is seen again at the next start, from the pid the file holds. So when the file
# holds the last generation before a restart (each round waits for that), the count after
# the next start is exactly the number of restarts performed, wherever the kill fell, and
# the rows name each generation's pid. (Two restarts the file never heard of would count as
# one: a pid in between is not known.)
sigkill_around_history_writes_keeps_every_restart() {
	local round delays=(0 0 0.005 0.02 0.05 0 0.01 0.002 0.1 0) count
	fault_setup
	watch_node || return
	for round in $(seq 1 10); do
		wait_until "$WAIT_MS" saved_node_is "$NODE_PID" $((round - 1)) ||
			{ fail "round $round: the state file does not hold pid $NODE_PID: $(grep '^service' "$SD/state")"; return; }
		restart_service
		# Every third round, the first included, the kill comes before oobhealthd can have
		# seen the restart; the others, after it served it (its write follows at once), by
		# a varying delay.
		if [ $((round % 3)) -ne 1 ]; then
			wait_until "$WAIT_MS" restarts_are "$round" || { fail "round $round: restart not counted"; return; }
			sleep "${delays[round - 1]}"
		fi
		kill -KILL "$AGENT_PID"
		wait "$AGENT_PID" 2>/dev/null
		forget_pid "$AGENT_PID"
		# Each start empties the log (net-snmp's -Lf): it is read before the next.
		if grep -E 'AddressSanitizer|runtime error:' "$T/agent.log"; then
			fail "round $round: oobhealthd reported a sanitizer error before SIGKILL"
		fi
		[ -s "$SD/state" ] || fail "round $round: no state file at SIGKILL"
		if [ -e "$SD/state" ]; then
			assert_prefix "oobhealth-state 1" "$(head -n 1 "$SD/state")" "round $round: the state file after SIGKILL"
			grep -q '^end [0-9a-f]\{16\}$' "$SD/state" || fail "round $round: the state file has no end line after SIGKILL"
		fi
		start_agent || return
		if ! wait_until "$WAIT_MS" restarts_are "$round"; then
			count=$(oh_get 'ohServiceRestarts."node"' 2>&1)
			fail "round $round: ohServiceRestarts $count after the start, $round restarts performed"
			return
		fi
		assert_value 'ohServicePid."node"' "$NODE_PID"
		expect_log "$SD/state: restart history of 1 services loaded" "round $round"
		if grep -E "moved aside|left in place|could not move it aside" "$T/agent.log"; then
			fail "round $round: the start refused the state file"
		fi
	done
	for round in $(seq 1 10); do
		assert_value "ohRestartOldPid.\"node\".$round" "${NODE_PIDS[round - 1]}"
		assert_value "ohRestartNewPid.\"node\".$round" "${NODE_PIDS[round]}"
	done
	assert_eq 10 "$(history_walk | grep -c '^OOBHEALTH-MIB::ohRestartNewPid')" "rows in ohRestartTable"
}

# ---- c. the state directory and file ----

read_only_state_directory_is_survived() {
	fault_setup
	watch_node || return
	restart_and_see 1 || return
	wait_until "$WAIT_MS" saved_restarts_are 1 || { fail "restart 1 not written"; return; }
	fault_mount --bind "$SD" "$SD" || return
	fault_mount -o remount,ro,bind "$SD" || return
	restart_and_see 2 || return
	expect_log "$SD/state: create $SD/state.tmp: Read-only file system; restart history will be lost if oobhealthd stops" \
		"a read-only state directory" || return
	node_is_served_right 2
	cycles_advance
	assert_eq 1 "$(saved_restarts)" "restarts in the state file while its directory is read-only"
	fault_unmount "$SD" || return
	wait_until "$WAIT_MS" saved_restarts_are 2 || { fail "not written once the directory is writable again"; return; }
	expect_log "$SD/state: written again" "the directory writable again"
	# Read-only from the start: no lock can be taken, so nothing is written until it can;
	# then the lock is held as if taken at the start.
	end_pid "$AGENT_PID"
	fault_mount --bind "$SD" "$SD" || return
	fault_mount -o remount,ro,bind "$SD" || return
	start_agent || return
	expect_log "lock file $SD/state.lock: cannot open: Read-only file system; $SD/state is not written until the lock can be taken: make $SD writable for user root" \
		"a start in a read-only state directory" || return
	restart_and_see 3 || return
	expect_log "$SD/state: not written without its lock: lock file $SD/state.lock: cannot open: Read-only file system" \
		"a write in a read-only state directory" || return
	node_is_served_right 3
	fault_unmount "$SD" || return
	wait_until "$WAIT_MS" saved_restarts_are 3 || { fail "not written once the directory is writable again"; return; }
	assert_eq "$AGENT_PID" "$(cat "$SD/state.lock")" "the pid in the lock taken late"
	timeout 30 "$OOBHEALTHD" -f -c "$T/agent.yaml" -Lf "$T/second.log" >/dev/null 2>&1
	assert_eq 75 $? "exit code of a second oobhealthd once the lock was taken late"
}

full_state_directory_is_survived() {
	local before
	fault_setup
	fault_mount -t tmpfs -o size=64k,mode=0750 oobhealth-test-full "$SD" || return
	watch_node || return
	restart_and_see 1 || return
	wait_until "$WAIT_MS" saved_restarts_are 1 || { fail "restart 1 not written"; return; }
	before=$(cat "$SD/state")
	dd if=/dev/zero of="$SD/filler" bs=4k 2>/dev/null
	assert_eq 0 "$(df --output=avail "$SD" | tail -n 1 | tr -d ' ')" "free space left on the full tmpfs"
	restart_and_see 2 || return
	expect_log "$SD/state: write $SD/state.tmp: No space left on device; restart history will be lost if oobhealthd stops" \
		"a full state directory" || return
	node_is_served_right 2
	cycles_advance
	assert_eq "$before" "$(cat "$SD/state")" "the state file while its file system is full"
	[ -e "$SD/state.tmp" ] && fail "a temporary file was left on the full file system"
	rm "$SD/filler"
	wait_until "$WAIT_MS" saved_restarts_are 2 || { fail "not written once there is space again"; return; }
	expect_log "$SD/state: written again" "space again"
}

# While oobhealthd runs, whatever is put at the state file's name is replaced whole at the
# next write (a symlink is replaced, never written through; a FIFO never opened), except a
# directory, which cannot be: that is logged and retried until it is gone.
state_file_replaced_while_running_is_survived() {
	local n=0 kind
	fault_setup
	watch_node || return
	echo precious >"$T/victim"
	for kind in garbage fifo symlink dir; do
		plant "$kind" "$SD/state" "$T/victim"
		n=$((n + 1))
		restart_and_see "$n" || return
		if [ "$kind" = dir ]; then
			expect_log "$SD/state: rename $SD/state.tmp: Is a directory; restart history will be lost if oobhealthd stops" \
				"a directory at the state file's name" || return
			node_is_served_right "$n"
			cycles_advance
			[ -d "$SD/state" ] || fail "the directory at the state file's name is gone"
			[ -e "$SD/state.tmp" ] && fail "a temporary file was left beside the directory"
			rmdir "$SD/state"
			expect_log "$SD/state: written again" "the directory removed"
		fi
		wait_until "$WAIT_MS" saved_restarts_are "$n" || { fail "the $kind at the state file's name was not replaced"; return; }
		node_is_served_right "$n"
	done
	assert_eq precious "$(cat "$T/victim")" "the file a symlink at the state file's name pointed to"
	cycles_advance
}

# The same things found at the start: refused with the reason, set aside, never followed or
# waited on; the agent serves from an empty history and writes a new file.
state_file_faults_at_start_are_refused() {
	local kind reason
	fault_setup
	watch_node || return
	echo precious >"$T/victim"
	for kind in fifo symlink dir; do
		end_pid "$AGENT_PID"
		rm -rf "$SD/state.corrupt"
		plant "$kind" "$SD/state" "$T/victim"
		case $kind in
		fifo) reason="$SD/state: is a FIFO, not a regular file" ;;
		symlink) reason="$SD/state: is a symbolic link, which oobhealthd does not follow" ;;
		dir) reason="$SD/state: is a directory, not a regular file" ;;
		esac
		start_agent || return
		expect_log "$reason; moved aside to $SD/state.corrupt, restart history starts empty" "a $kind at the start" || return
		assert_eq "$kind" "$(stat -c %F "$SD/state.corrupt" | sed 's/symbolic link/symlink/; s/directory/dir/')" \
			"what was set aside"
		assert_value 'ohServiceStatus."node"' up
		assert_value 'ohServicePid."node"' "$NODE_PID"
		assert_value 'ohServiceRestarts."node"' 0
		assert_value 'ohServiceHealth."node"' ok
		restart_and_see 1 || return
		wait_until "$WAIT_MS" saved_restarts_are 1 || { fail "no new state file after a $kind was set aside"; return; }
	done
	assert_eq precious "$(cat "$T/victim")" "the file a symlink at the state file's name pointed to"
}

# The state directory replaced by a symlink to another directory: the lock oobhealthd holds
# is no longer at its name, so nothing is written there until the directory is back.
state_directory_replaced_by_a_symlink_is_not_followed() {
	fault_setup
	watch_node || return
	restart_and_see 1 || return
	wait_until "$WAIT_MS" saved_restarts_are 1 || { fail "restart 1 not written"; return; }
	mkdir "$T/elsewhere"
	mv "$SD" "$T/sd.moved"
	plant symlink "$SD" "$T/elsewhere"
	restart_and_see 2 || return
	expect_log "$SD/state: not written: $SD/state.lock is no longer the lock this oobhealthd holds" \
		"the state directory replaced by a symlink" || return
	node_is_served_right 2
	cycles_advance
	assert_eq "" "$(ls -A "$T/elsewhere")" "what was written through the symlink"
	rm "$SD"
	mv "$T/sd.moved" "$SD"
	wait_until "$WAIT_MS" saved_restarts_are 2 || { fail "not written once the directory is back"; return; }
	expect_log "$SD/state: written again" "the directory back"
}

run_tests snmpd_restarts_change_nothing_but_the_connection sigkill_around_history_writes_keeps_every_restart \
	read_only_state_directory_is_survived full_state_directory_is_survived \
	state_file_replaced_while_running_is_survived state_file_faults_at_start_are_refused \
	state_directory_replaced_by_a_symlink_is_not_followed
