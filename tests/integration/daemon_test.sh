#!/usr/bin/env bash
# Daemon manners and least privilege: one instance per state file and per pidfile, the
# first instance kept when another takes the MIB while snmpd restarts, a pidfile and lock
# never written through a symlink or a hard link (nor the state file without its lock), the
# pidfile's mode, the syslog ident, log files reopened on
# SIGHUP, the state directory, a master that cannot be reached, and oobhealthd run as a
# dedicated user against an snmpd configured with conf/snmpd.conf.snippet.
source "$(dirname "$0")/../lib.sh"

probe_only_agent() {
	start_snmpd || return
	write_config <<CONF
  - name: probe-only
CONF
	start_agent
}

# first_serves_on CYCLES: the first oobhealthd still runs and answers, its ohAgentCycles
# counting on from CYCLES (never started over).
first_serves_on() {
	kill -0 "$AGENT_PID" 2>/dev/null || { fail "the first oobhealthd is gone"; return 1; }
	wait_until "$WAIT_MS" eval '[ "$(oh_get ohAgentCycles.0 2>/dev/null || echo 0)" -ge $(($1 + 2)) ]' ||
		fail "ohAgentCycles of the first oobhealthd did not count on from $1: $(oh_get ohAgentCycles.0 2>&1)"
}

second_instance_on_the_same_state_file_is_refused() {
	probe_only_agent || return
	local out cycles
	cycles=$(oh_get ohAgentCycles.0)
	assert_eq "640 $AGENT_PID" "$(stat -c %a "$T/state.lock") $(cat "$T/state.lock")" \
		"mode and content of the lock file"
	out=$(timeout 30 "$OOBHEALTHD" -f -c "$T/agent.yaml" -Lf "$T/second.log" 2>&1)
	assert_eq 75 $? "exit code of a second oobhealthd on the same state file"
	assert_contains "$out" "another oobhealthd (pid $AGENT_PID) is running with the state file $T/state: it holds the lock $T/state.lock" \
		"what the second oobhealthd prints"
	assert_contains "$(cat "$T/second.log")" "another oobhealthd (pid $AGENT_PID)" "the second oobhealthd's log"
	if grep -q "AgentX subagent connected" "$T/second.log"; then fail "the second oobhealthd reached snmpd"; fi
	if grep -q "duplicate registration" "$T/snmpd.log"; then fail "snmpd saw a duplicate registration"; fi
	out=$(timeout 30 "$OOBHEALTHD" -c "$T/agent.yaml" -Lf "$T/second.log" 2>&1)
	assert_eq 75 $? "exit code of a second oobhealthd started without -f"
	assert_contains "$out" "another oobhealthd (pid $AGENT_PID)" "what it prints when started without -f"
	# One look at the config or one cycle needs no lock.
	"$OOBHEALTHD" --check-config -c "$T/agent.yaml" >/dev/null
	assert_eq 0 $? "--check-config beside a running oobhealthd"
	"$OOBHEALTHD" --once -c "$T/agent.yaml" >/dev/null
	assert_eq 0 $? "--once beside a running oobhealthd"
	assert_value 'ohServiceStatus."probe-only"' unknown
	first_serves_on "$cycles"
	assert_eq "$AGENT_PID" "$(cat "$T/state.lock")" "the pid in the lock after the refusals"
}

killed_instance_leaves_no_stale_lock() {
	probe_only_agent || return
	kill -KILL "$AGENT_PID"
	wait "$AGENT_PID" 2>/dev/null
	forget_pid "$AGENT_PID"
	[ -f "$T/state.lock" ] || fail "no lock file left behind to test with"
	# Its pidfile and lock file are still there; the next start replaces the one, takes the other.
	start_agent || return
	assert_eq "$AGENT_PID" "$(cat "$T/state.lock")" "pid in the lock file after the restart"
	assert_eq "$AGENT_PID" "$(cat "$T/agent.pid")" "pid in the pidfile after the restart"
}

background_daemon_holds_the_lock() {
	start_snmpd || return
	write_config <<CONF
  - name: probe-only
CONF
	local out
	"$OOBHEALTHD" -c "$T/agent.yaml" -Lf "$T/agent.log" -p "$T/agent.pid"
	assert_eq 0 $? "exit code of the launching process"
	wait_until "$WAIT_MS" test -s "$T/agent.pid" || { fail "no pidfile from the daemon"; return; }
	AGENT_PID=$(cat "$T/agent.pid")
	echo "$AGENT_PID" >>"$T/pids"
	wait_until "$WAIT_MS" agent_has_cycled || { fail "the daemon does not answer"; return; }
	assert_eq "$AGENT_PID" "$(cat "$T/state.lock")" "pid in the lock file (the daemon's, not the launcher's)"
	out=$(timeout 30 "$OOBHEALTHD" -c "$T/agent.yaml" -Lf "$T/second.log" 2>&1)
	assert_eq 75 $? "exit code of a second oobhealthd"
	assert_contains "$out" "another oobhealthd (pid $AGENT_PID)" "what the second oobhealthd prints"
}

second_instance_on_another_state_file_exits() {
	probe_only_agent || return
	local code
	sed "s|state_file: .*|state_file: $T/state2|" "$T/agent.yaml" >"$T/agent2.yaml"
	timeout 30 "$OOBHEALTHD" -f -c "$T/agent2.yaml" -Lf "$T/second.log"
	code=$?
	assert_eq 75 "$code" "exit code of an oobhealthd whose registration snmpd refused"
	assert_contains "$(cat "$T/second.log")" \
		"AgentX master $T/agentx.sock refused to register .1.3.6.1.4.1.8072.9999.9999.4242." \
		"the refused oobhealthd's log"
	assert_contains "$(cat "$T/second.log")" "most likely a second oobhealthd with its own state file; this one exits" \
		"the refused oobhealthd's log"
	kill -0 "$AGENT_PID" || fail "the first oobhealthd is gone"
	assert_value 'ohServiceStatus."probe-only"' unknown
}

# snmpd restarts while the first oobhealthd is held stopped, and a second one with its own
# state file takes OOBHEALTH-MIB in between: the first, refused on reconnecting, keeps
# trying and serves again once the second stops.
displaced_instance_waits_and_serves_again() {
	probe_only_agent || return
	local refused="AgentX master $T/agentx.sock refused to register .1.3.6.1.4.1.8072.9999.9999.4242."
	sed -e "s|state_file: .*|state_file: $T/state2|" -e "s|name: probe-only|name: probe-b|" \
		"$T/agent.yaml" >"$T/agent2.yaml"
	kill -STOP "$AGENT_PID"
	stop_snmpd
	start_snmpd || { kill -CONT "$AGENT_PID"; return; }
	spawn "$OOBHEALTHD" -f -c "$T/agent2.yaml" -Lf "$T/second.log"
	local second=$SPAWNED
	wait_until "$WAIT_MS" value_is 'ohServiceStatus."probe-b"' unknown ||
		{ fail "the second oobhealthd did not register"; kill -CONT "$AGENT_PID"; return; }
	kill -CONT "$AGENT_PID"
	# ping_interval 1s: a line per attempt, one attempt a second.
	if ! wait_until "$WAIT_MS" eval '[ "$(grep -c "$refused" "$T/agent.log")" -ge 3 ]'; then
		fail "the first oobhealthd did not retry after the refusal:"
		tail -5 "$T/agent.log"
	fi
	assert_contains "$(cat "$T/agent.log")" "on reconnecting: another subagent took it while this oobhealthd was disconnected" \
		"the refused oobhealthd's log"
	kill -0 "$AGENT_PID" 2>/dev/null || { fail "the first oobhealthd exited on the refusal"; forget_pid "$AGENT_PID"; return; }
	assert_value 'ohServiceStatus."probe-b"' unknown
	end_pid "$second"
	wait_until "$WAIT_MS" value_is 'ohServiceStatus."probe-only"' unknown ||
		fail "the first oobhealthd does not serve once the second stopped"
	assert_contains "$(cat "$T/agent.log")" "AgentX master $T/agentx.sock accepts our registrations again" \
		"the first oobhealthd's log once it serves again"
	kill -0 "$AGENT_PID" 2>/dev/null || fail "the first oobhealthd is gone"
	# Running normally, it still turns a second instance away.
	timeout 30 "$OOBHEALTHD" -f -c "$T/agent2.yaml" -Lf "$T/third.log"
	assert_eq 75 $? "exit code of a second oobhealthd while the first serves"
}

# Another state file but the same pidfile: refused before it touches the pidfile or snmpd,
# so the first keeps its pidfile (logrotate's postrotate signals through it).
second_instance_with_the_same_pidfile_is_refused() {
	probe_only_agent || return
	local out cycles
	cycles=$(oh_get ohAgentCycles.0)
	sed "s|state_file: .*|state_file: $T/state2|" "$T/agent.yaml" >"$T/agent2.yaml"
	out=$(timeout 30 "$OOBHEALTHD" -f -c "$T/agent2.yaml" -Lf "$T/second.log" -p "$T/agent.pid" 2>&1)
	assert_eq 75 $? "exit code of a second oobhealthd with the same pidfile"
	assert_contains "$out" "another oobhealthd (pid $AGENT_PID) is running with the pidfile $T/agent.pid. Stop that one first, or give this one its own -p PIDFILE; exiting" \
		"what the second oobhealthd prints"
	assert_eq "$AGENT_PID" "$(cat "$T/agent.pid" 2>&1)" "the pidfile after the second oobhealthd was refused"
	if grep -q "AgentX subagent connected" "$T/second.log"; then fail "the second oobhealthd reached snmpd"; fi
	if grep -q "duplicate registration" "$T/snmpd.log"; then fail "snmpd saw a duplicate registration"; fi
	out=$(timeout 30 "$OOBHEALTHD" -c "$T/agent2.yaml" -Lf "$T/second.log" -p "$T/agent.pid" 2>&1)
	assert_eq 75 $? "exit code of a second oobhealthd with the same pidfile, without -f"
	assert_contains "$out" "another oobhealthd (pid $AGENT_PID) is running with the pidfile $T/agent.pid" \
		"what it prints when started without -f"
	assert_eq "$AGENT_PID" "$(cat "$T/agent.pid" 2>&1)" "the pidfile after the second refusal"
	first_serves_on "$cycles"
	end_pid "$AGENT_PID"
	[ -e "$T/agent.pid" ] && fail "the first oobhealthd's pidfile is still there after it exited"
	return 0
}

# A pidfile that names no running oobhealthd is replaced.
stale_pidfile_is_replaced() {
	start_snmpd || return
	write_config <<CONF
  - name: probe-only
CONF
	local stale
	for stale in "$SNMPD_PID" "12x" "0$SNMPD_PID" "-1" ""; do
		printf '%s\n' "$stale" >"$T/agent.pid"
		start_agent || { fail "oobhealthd did not start over a pidfile holding [$stale]"; return; }
		assert_eq "$AGENT_PID" "$(cat "$T/agent.pid")" "the pidfile that held [$stale] (snmpd is $SNMPD_PID)"
		end_pid "$AGENT_PID"
	done
}

# refused_pidfile WHAT [SEP]: oobhealthd started with -p $T/agent.pid must exit 1 at once,
# printing "pidfile $T/agent.pid WHAT" (SEP, a space by default, between the two), without
# reaching snmpd.
refused_pidfile() {
	local out what="${2- }$1"
	out=$(timeout 30 "$OOBHEALTHD" -f -c "$T/agent.yaml" -Lf "$T/refused.log" -p "$T/agent.pid" 2>&1)
	assert_eq 1 $? "exit code of oobhealthd with a pidfile that$what"
	assert_contains "$out" "pidfile $T/agent.pid$what; exiting" "what oobhealthd prints"
	if grep -q "AgentX subagent connected" "$T/refused.log"; then fail "oobhealthd reached snmpd with a pidfile that$what"; fi
}

pidfile_is_never_written_through_a_symlink() {
	start_snmpd || return
	write_config <<CONF
  - name: probe-only
CONF
	echo precious >"$T/victim"
	ln -s "$T/victim" "$T/agent.pid"
	refused_pidfile "is a symbolic link, which oobhealthd does not follow"
	assert_eq precious "$(cat "$T/victim")" "the file a symlink at the pidfile's name points to"
	[ -L "$T/agent.pid" ] || fail "the symlink at the pidfile's name was removed"
	rm "$T/agent.pid"
	mkfifo "$T/agent.pid"
	refused_pidfile "is not a regular file"
	rm "$T/agent.pid"
	mkdir "$T/agent.pid"
	refused_pidfile "" ": cannot open: Is a directory"
	rmdir "$T/agent.pid"
	# The pid goes into the file: never into one that is also known by another name.
	ln "$T/victim" "$T/agent.pid"
	refused_pidfile "has 2 names (hard links), so it is not oobhealthd's own: left untouched"
	assert_eq precious "$(cat "$T/victim")" "the file a hard link at the pidfile's name leads to"
	rm "$T/agent.pid"
	start_agent || return
	assert_eq "$AGENT_PID 644" "$(cat "$T/agent.pid") $(stat -c %a "$T/agent.pid")" "pid and mode of the pidfile"
	end_pid "$AGENT_PID"
	[ -e "$T/agent.pid" ] && fail "the pidfile is still there after SIGTERM"
	assert_eq precious "$(cat "$T/victim")" "the victim after all that"
}

# pidfile_names_the_daemon STALE: waits until $T/agent.pid holds one pid other than STALE
# and the daemon it names answers; sets AGENT_PID to it.
pidfile_names_the_daemon() {
	wait_until "$WAIT_MS" eval 'grep -qx "[0-9]*" "$T/agent.pid" && [ "$(cat "$T/agent.pid")" != "$1" ]' ||
		{ fail "the pidfile was not rewritten: [$(cat "$T/agent.pid")]"; return 1; }
	AGENT_PID=$(cat "$T/agent.pid")
	echo "$AGENT_PID" >>"$T/pids"
	wait_until "$WAIT_MS" agent_has_cycled || { fail "the daemon does not answer"; return 1; }
}

# Mode 0644 whatever the umask and whatever mode a stale pidfile had, and only the pid in
# it, whole, over a longer stale content.
pidfile_has_a_fixed_mode_and_only_the_pid() {
	local stale=123456789012345678
	start_snmpd || return
	write_config <<CONF
  - name: probe-only
CONF
	printf '%s\n' "$stale" >"$T/agent.pid"
	chmod 0600 "$T/agent.pid"
	(umask 0077 && exec "$OOBHEALTHD" -c "$T/agent.yaml" -Lf "$T/agent.log" -p "$T/agent.pid")
	assert_eq 0 $? "exit code of the launching process"
	pidfile_names_the_daemon "$stale" || return
	assert_eq "644 $AGENT_PID" "$(stat -c %a "$T/agent.pid") $(cat "$T/agent.pid")" "mode and content of the pidfile under umask 0077"
	assert_eq "$(printf '%s\n' "$AGENT_PID" | wc -c)" "$(stat -c %s "$T/agent.pid")" "size of the pidfile"
	end_pid "$AGENT_PID"
	[ -e "$T/agent.pid" ] && fail "the pidfile is still there after SIGTERM"
	(umask 0 && exec "$OOBHEALTHD" -c "$T/agent.yaml" -Lf "$T/agent.log" -p "$T/agent.pid")
	pidfile_names_the_daemon "" || return
	assert_eq 644 "$(stat -c %a "$T/agent.pid")" "mode of the pidfile under umask 0"
}

pidfile_replaced_by_another_is_left_alone() {
	probe_only_agent || return
	echo 4242 >"$T/other.pid"
	mv "$T/other.pid" "$T/agent.pid"
	end_pid "$AGENT_PID"
	assert_eq 4242 "$(cat "$T/agent.pid" 2>&1)" "a pidfile written by someone else, after oobhealthd exited"
}

lock_file_symlink_is_not_followed() {
	start_snmpd || return
	write_config <<CONF
  - name: probe-only
CONF
	echo precious >"$T/victim"
	ln -s "$T/victim" "$T/state.lock"
	start_agent || return
	assert_eq precious "$(cat "$T/victim")" "the file a symlink at the lock's name points to"
	assert_contains "$(cat "$T/agent.log")" "lock file $T/state.lock is a symbolic link, which oobhealthd does not follow; $T/state is not written until the lock can be taken: remove what is at that name" \
		"the log about the planted symlink"
	assert_value 'ohServiceStatus."probe-only"' unknown
	# Without the lock the state file is not written, not even on SIGTERM; once the name is
	# free, it is.
	end_pid "$AGENT_PID"
	[ -e "$T/state" ] && fail "the state file was written without its lock"
	assert_contains "$(cat "$T/agent.log")" "$T/state: not written without its lock: lock file $T/state.lock is a symbolic link" \
		"the log on SIGTERM"
	rm "$T/state.lock"
	start_agent || return
	end_pid "$AGENT_PID"
	assert_prefix "oobhealth-state 1" "$(cat "$T/state" 2>&1)" "the state file once the lock could be taken"
	assert_eq precious "$(cat "$T/victim")" "the symlink's target at the end"
}

# The pid goes into the lock file: never into a file that is also known by another name.
lock_file_hard_link_is_left_untouched() {
	start_snmpd || return
	write_config <<CONF
  - name: probe-only
CONF
	mkdir "$T/outside"
	echo precious >"$T/outside/victim"
	ln "$T/outside/victim" "$T/state.lock"
	start_agent || return
	assert_eq precious "$(cat "$T/outside/victim")" "the file a hard link at the lock's name leads to"
	assert_contains "$(cat "$T/agent.log")" "lock file $T/state.lock has 2 names (hard links), so it is not oobhealthd's own: left untouched; $T/state is not written until the lock can be taken: remove what is at that name" \
		"the log about the hard link"
	assert_value 'ohServiceStatus."probe-only"' unknown
}

# Nor into a lock file someone else (neither root nor oobhealthd's user) put there.
lock_file_of_another_user_is_left_untouched() {
	start_snmpd || return
	write_config <<CONF
  - name: probe-only
CONF
	echo precious >"$T/state.lock"
	chown 4242:4242 "$T/state.lock"
	start_agent || return
	assert_eq precious "$(cat "$T/state.lock")" "the lock file of uid 4242"
	assert_contains "$(cat "$T/agent.log")" "lock file $T/state.lock belongs to uid 4242, neither root nor this process's user: left untouched; $T/state is not written until the lock can be taken" \
		"the log about the foreign lock file"
}

state_temp_file_symlink_is_not_followed() {
	start_snmpd || return
	write_config <<CONF
  - name: probe-only
CONF
	echo precious >"$T/victim"
	ln -s "$T/victim" "$T/state.tmp"
	start_agent || return
	end_pid "$AGENT_PID" # SIGTERM writes the state file
	assert_eq precious "$(cat "$T/victim")" "the file a symlink at the temporary file's name points to"
	assert_eq "regular file" "$(stat -c %F "$T/state" 2>&1)" "the state file written on SIGTERM"
	assert_prefix "oobhealth-state 1" "$(cat "$T/state" 2>&1)" "the state file written on SIGTERM"
}

syslog_ident_is_oobhealthd_under_Ls() {
	start_snmpd || return
	write_config <<CONF
  - name: probe-only
CONF
	start_syslog_listener || return
	private_dev_log
	spawn "${PRIVATE_DEV_LOG[@]}" "$OOBHEALTHD" -f -c "$T/agent.yaml" -Ls d
	AGENT_PID=$SPAWNED
	wait_until "$WAIT_MS" agent_has_cycled || { fail "oobhealthd logging to syslog does not answer"; return; }
	local version
	version=$(oh_get ohAgentVersion.0)
	# <30>: facility daemon (3 * 8), priority info (6).
	if ! wait_until "$WAIT_MS" grep -q "^<30>.* oobhealthd\[$AGENT_PID\]: oobhealthd $version: 1 services" "$T/syslog"; then
		fail "no daemon.info line tagged oobhealthd[$AGENT_PID] reached /dev/log:"
		cat "$T/syslog"
	fi
	if grep -q " net-snmp\[" "$T/syslog"; then fail "lines still tagged net-snmp: $(grep " net-snmp\[" "$T/syslog")"; fi
}

# rotate_and_hup LOG: renames LOG to LOG.1, sends SIGHUP and checks LOG is created again,
# takes what follows and LOG.1 stops growing.
rotate_and_hup() {
	local log=$1 size
	mv "$log" "$log.1"
	kill -HUP "$AGENT_PID"
	wait_until "$WAIT_MS" grep -q "SIGHUP: log files reopened" "$log" || { fail "no new $log after SIGHUP"; return 1; }
	wait_until "$WAIT_MS" grep -q "reloaded, 1 services" "$log" || fail "the reload's line did not reach the new $log"
	size=$(stat -c %s "$log.1")
	if grep -q "SIGHUP" "$log.1"; then fail "the SIGHUP line went to the rotated file"; fi
	kill -HUP "$AGENT_PID"
	wait_until "$WAIT_MS" eval '[ "$(grep -c "reloaded, 1 services" "$log")" -ge 2 ]' || fail "a second SIGHUP's lines did not reach $log"
	assert_eq "$size" "$(stat -c %s "$log.1")" "size of the rotated file after more lines were logged"
}

sighup_reopens_a_rotated_log_file() {
	probe_only_agent || return
	rotate_and_hup "$T/agent.log"
}

# -Lf before -Ls: net-snmp's own netsnmp_logging_restart() would skip this file.
sighup_reopens_a_log_file_given_before_syslog() {
	start_snmpd || return
	write_config <<CONF
  - name: probe-only
CONF
	start_syslog_listener || return
	private_dev_log
	spawn "${PRIVATE_DEV_LOG[@]}" "$OOBHEALTHD" -f -c "$T/agent.yaml" -Lf "$T/agent.log" -Ls d
	AGENT_PID=$SPAWNED
	wait_until "$WAIT_MS" agent_has_cycled || { fail "oobhealthd does not answer"; return; }
	rotate_and_hup "$T/agent.log"
	wait_until "$WAIT_MS" grep -q "oobhealthd\[$AGENT_PID\]: SIGHUP: log files reopened" "$T/syslog" ||
		fail "the SIGHUP line did not reach syslog as well"
}

# In the background oobhealthd works from /: paths given relative to where it was started
# still mean the files there.
relative_paths_survive_the_fork() {
	start_snmpd || return
	write_config <<CONF
  - name: probe-only
CONF
	(cd "$T" && "$OOBHEALTHD" -c agent.yaml -Lf "$T/agent.log" -p agent.pid)
	assert_eq 0 $? "exit code of the launching process"
	wait_until "$WAIT_MS" test -s "$T/agent.pid" || { fail "no pidfile in the directory oobhealthd was started in"; return; }
	AGENT_PID=$(cat "$T/agent.pid")
	echo "$AGENT_PID" >>"$T/pids"
	wait_until "$WAIT_MS" agent_has_cycled || { fail "the daemon does not answer"; return; }
	kill -HUP "$AGENT_PID"
	wait_until "$WAIT_MS" grep -q "$T/agent.yaml: reloaded, 1 services" "$T/agent.log" ||
		fail "the relative config path did not reload"
	kill -TERM "$AGENT_PID"
	wait_until "$WAIT_MS" eval '! kill -0 "$AGENT_PID" 2>/dev/null' || fail "the daemon did not exit on SIGTERM"
	forget_pid "$AGENT_PID"
	[ -e "$T/agent.pid" ] && fail "the relative pidfile was not removed"
	return 0
}

# A relative -Lf file is still the one reopened on SIGHUP in the background. Started from
# T's parent, so that the same name taken from / leads to a directory that does not exist
# there: nothing is written outside T even when the name is not made absolute.
relative_log_file_survives_the_fork() {
	start_snmpd || return
	write_config <<CONF
  - name: probe-only
CONF
	(cd "$T/.." && "$OOBHEALTHD" -c "$T/agent.yaml" -Lf "$(basename "$T")/agent.log" -p "$T/agent.pid")
	assert_eq 0 $? "exit code of the launching process"
	wait_until "$WAIT_MS" test -s "$T/agent.pid" || { fail "no pidfile from the daemon"; return; }
	AGENT_PID=$(cat "$T/agent.pid")
	echo "$AGENT_PID" >>"$T/pids"
	wait_until "$WAIT_MS" agent_has_cycled || { fail "the daemon does not answer"; return; }
	rotate_and_hup "$T/agent.log"
}

state_directory_is_created() {
	umask 022
	start_snmpd || return
	write_config <<CONF
  - name: probe-only
CONF
	mkdir "$T/lib"
	sed -i "s|state_file: .*|state_file: $T/lib/oobhealth/state|" "$T/agent.yaml"
	start_agent || return
	assert_eq "750 directory" "$(stat -c '%a %F' "$T/lib/oobhealth" 2>&1)" "the state directory"
	assert_contains "$(cat "$T/agent.log")" "created the state directory $T/lib/oobhealth" "the log"
	[ -f "$T/lib/oobhealth/state.lock" ] || fail "no lock file in the new state directory"
	end_pid "$AGENT_PID"
	[ -f "$T/lib/oobhealth/state" ] || fail "no state file written into the new state directory"
}

state_directory_that_cannot_be_created_is_reported() {
	start_snmpd || return
	write_config <<CONF
  - name: probe-only
CONF
	local log
	echo "not a directory" >"$T/afile"
	sed "s|state_file: .*|state_file: $T/afile/oobhealth/state|" "$T/agent.yaml" >"$T/under-file.yaml"
	sed "s|state_file: .*|state_file: $T/missing/oobhealth/state|" "$T/agent.yaml" >"$T/no-parent.yaml"
	cp "$T/under-file.yaml" "$T/agent.yaml"
	start_agent || return
	log=$(cat "$T/agent.log")
	assert_contains "$log" "state directory $T/afile/oobhealth: Not a directory; the restart history will not be kept" \
		"the log under a state path below a file"
	assert_contains "$log" "install -d -m 0750 -o root -g root $T/afile/oobhealth" "the log's advice"
	assert_value 'ohServiceStatus."probe-only"' unknown
	end_pid "$AGENT_PID"
	cp "$T/no-parent.yaml" "$T/agent.yaml"
	start_agent || return
	assert_contains "$(cat "$T/agent.log")" \
		"state directory $T/missing/oobhealth: cannot create it: No such file or directory; the restart history will not be kept" \
		"the log under a state path whose parent is missing"
	[ -e "$T/missing" ] && fail "a missing parent was created (only one level may be)"
	assert_value 'ohServiceStatus."probe-only"' unknown
}

unreachable_master_is_explained_once_per_cause() {
	write_config <<CONF
  - name: probe-only
CONF
	[ -n "$SNMP_PORT" ] || SNMP_PORT=$(free_port)
	spawn "$OOBHEALTHD" -f -c "$T/agent.yaml" -Lf "$T/agent.log"
	AGENT_PID=$SPAWNED
	local missing="AgentX master $T/agentx.sock unreachable: No such file or directory. snmpd is not running, or its snmpd.conf lacks \"master agentx\" (and \"agentXSocket $T/agentx.sock\" unless that is its default /var/agentx/master); retrying every 1 s"
	wait_until "$WAIT_MS" grep -qsF "$missing" "$T/agent.log" || { fail "no line on the missing master socket"; cat "$T/agent.log"; return; }
	sleep 3 # three more attempts (ping_interval 1s)
	assert_eq 1 "$(grep -c "unreachable" "$T/agent.log")" "lines on the unreachable master after three more attempts"
	if grep -q "Failed to connect" "$T/agent.log"; then fail "net-snmp's line without a reason is still logged"; fi
	start_snmpd || return
	wait_until "$WAIT_MS" agent_has_cycled || { fail "no answer once snmpd runs"; return; }
	assert_contains "$(cat "$T/agent.log")" "AgentX master $T/agentx.sock reachable again" "the log once snmpd runs"
	stop_snmpd
	wait_until "$WAIT_MS" grep -q "unreachable: Connection refused. Nothing accepts connections there: snmpd is not running (the socket is left from an earlier run)" "$T/agent.log" ||
		fail "no line on the socket left behind by the stopped snmpd"
}

# A TCP master given by address is diagnosed; by name it is not, as resolving a name may
# block the SNMP thread.
tcp_master_is_diagnosed_by_address_only() {
	write_config <<CONF
  - name: probe-only
CONF
	local port
	port=$(free_port)
	spawn "$OOBHEALTHD" -f -c "$T/agent.yaml" -Lf "$T/agent.log" -x "tcp:127.0.0.1:$port"
	AGENT_PID=$SPAWNED
	wait_until "$WAIT_MS" grep -qsF "AgentX master tcp:127.0.0.1:$port unreachable: Connection refused. Nothing accepts connections there: snmpd is not running (or listens elsewhere)" "$T/agent.log" ||
		{ fail "no line on the refused TCP master"; cat "$T/agent.log"; }
	end_pid "$AGENT_PID"
	spawn "$OOBHEALTHD" -f -c "$T/agent.yaml" -Lf "$T/agent.log" -x "tcp:localhost:$port"
	AGENT_PID=$SPAWNED
	wait_until "$WAIT_MS" grep -qsF "AgentX master tcp:localhost:$port unreachable (no reason looked up for a master given by host name); retrying every 1 s" "$T/agent.log" ||
		{ fail "no line on the TCP master given by name"; cat "$T/agent.log"; }
	if grep -q "localhost:$port unreachable:" "$T/agent.log"; then fail "a reason was given for a master given by name"; fi
}

# --- oobhealthd as a dedicated user, snmpd configured with conf/snmpd.conf.snippet ---

# The snippet as an operator adds it, with this test's socket and the test user's group.
snippet_for_test() {
	sed -e "s|/var/agentx/master|$T/agentx/master|" \
		-e "s|^\(agentXPerms .*\) oobhealth\$|\1 $TEST_USER|" "$ROOT/conf/snmpd.conf.snippet"
}

# unprivileged_agent CAPS [SNMPD_LINES]: snmpd (with SNMPD_LINES, by default the snippet),
# a root-owned listener and fd holder to watch, an fd holder of TEST_USER's own, and
# oobhealthd started as TEST_USER with CAPS. Sets LISTENER_PID, HOLDER_PID, OWN_PID and
# AGENT_PID; does not wait for registration.
unprivileged_agent() {
	local caps=$1 port
	add_test_user || return
	SNMPD_EXTRA=${2-$(snippet_for_test)}
	start_snmpd || return
	mkdir "$T/bin" "$T/home"
	chown "$TEST_USER:$TEST_USER" "$T/home"
	cp "$OOBHEALTHD" "$T/bin/oobhealthd"
	cp "$HELPERS/listener" "$T/bin/oh-exe-listener"
	cp "$HELPERS/hold_fds" "$T/bin/hold_fds"
	port=$(free_port)
	spawn "$T/bin/oh-exe-listener" "127.0.0.1:$port" 16 reply PONG
	LISTENER_PID=$SPAWNED
	wait_until "$WAIT_MS" grep -q "^ready" "$T/spawned.log" || { fail "listener did not start"; return 1; }
	spawn "$HELPERS/hold_fds" "$T/holder.pid" 40
	HOLDER_PID=$SPAWNED
	wait_until "$WAIT_MS" test -s "$T/holder.pid" || { fail "hold_fds did not start"; return 1; }
	spawn setpriv --reuid "$TEST_USER" --regid "$TEST_USER" --clear-groups \
		"$T/bin/hold_fds" "$T/home/own.pid" 7
	OWN_PID=$SPAWNED
	wait_until "$WAIT_MS" test -s "$T/home/own.pid" || { fail "hold_fds as $TEST_USER did not start"; return 1; }
	write_config <<CONF
  - name: holder
    match: { pidfile: $T/holder.pid }
  - name: own
    match: { pidfile: $T/home/own.pid }
  - name: listener
    match: { cmdline: 'oh-exe-listener 127\.0\.0\.1:$port ' }
    probes:
      - { name: ping, tcp: 127.0.0.1:$port, send: "PING\r\n", expect: '^PONG', timeout: 2s }
  - name: by-exe
    match: { exe: $T/bin/oh-exe-listener }
CONF
	sed -i -e "s|agentx_socket: .*|agentx_socket: $T/agentx/master|" \
		-e "s|state_file: .*|state_file: $T/home/state/state|" "$T/agent.yaml"
	chmod 0644 "$T/agent.yaml"
	install -m 0644 -o "$TEST_USER" /dev/null "$T/agent.log"
	as_test_user "$caps"
	spawn env SNMP_PERSISTENT_DIR="$T/home/persist" "${AS_USER[@]}" "$T/bin/oobhealthd" -f \
		-c "$T/agent.yaml" -Lf "$T/agent.log"
	AGENT_PID=$SPAWNED
}

NO_INSTANCE='No Such Instance currently exists at this OID'

# What oobhealthd reads as root, it must read the same as TEST_USER with these two.
unprivileged_with_capabilities_reads_everything() {
	unprivileged_agent dac_read_search,sys_ptrace || return
	wait_until "$WAIT_MS" agent_has_cycled || { fail "oobhealthd as $TEST_USER did not register"; cat "$T/agent.log"; return; }
	assert_eq "$TEST_USER" "$(ps -o user:32= -p "$AGENT_PID")" "the user oobhealthd runs as"
	assert_eq "660 $TEST_USER" "$(stat -c '%a %G' "$T/agentx/master")" "mode and group of the AgentX socket"
	assert_eq "755" "$(stat -c '%a' "$T/agentx")" "mode of the AgentX socket's directory"
	assert_eq "750 $TEST_USER" "$(stat -c '%a %U' "$T/home/state")" "the state directory oobhealthd created"
	assert_value 'ohServiceStatus."holder"' up
	assert_value 'ohServiceFdOpen."holder"' "$(find "/proc/$HOLDER_PID/fd" -mindepth 1 | wc -l)"
	assert_value 'ohServiceFdSoftLimit."holder"' "$(awk '/^Max open files/ {print $4}' "/proc/$HOLDER_PID/limits")"
	assert_value 'ohServiceHealth."holder"' ok
	assert_value 'ohServiceStatus."by-exe"' up
	assert_value 'ohServicePid."by-exe"' "$LISTENER_PID"
	assert_value 'ohServicePid."listener"' "$LISTENER_PID"
	assert_value 'ohProbeStatus."listener"."ping"' ok
	assert_value 'ohProbeListenerPid."listener"."ping"' "$LISTENER_PID"
	assert_value 'ohProbeAcceptBacklog."listener"."ping"' 16
	assert_value 'ohServiceHealth."listener"' ok
}

# Without capabilities, another user's fds are unreadable: unknown, with the reason.
unprivileged_without_capabilities_reports_unknown() {
	local text
	unprivileged_agent "" || return
	wait_until "$WAIT_MS" agent_has_cycled || { fail "oobhealthd as $TEST_USER did not register"; cat "$T/agent.log"; return; }
	assert_eq "0000000000000000" "$(awk '/^CapEff/ {print $2}' "/proc/$AGENT_PID/status")" "oobhealthd's effective capabilities"
	assert_value 'ohServiceStatus."holder"' up
	assert_value 'ohServicePid."holder"' "$HOLDER_PID"
	assert_value 'ohServiceHealth."holder"' unknown
	assert_value 'ohServiceHealthText."holder"' "fd use of pid $HOLDER_PID (hold_fds) unreadable: Permission denied"
	# Its fd numbers are not known: no instance, never a 0 to graph.
	for column in ohServiceFdOpen ohServiceFdSoftLimit ohServiceFdHardLimit ohServiceFdUsage; do
		assert_eq "$NO_INSTANCE" "$(oh_get "$column.\"holder\"" 2>&1)" "$column of a service whose fds cannot be read"
	done
	assert_value 'ohServiceFdWarn."holder"' 80
	assert_value 'ohServiceStatus."listener"' up
	assert_value 'ohServiceHealth."listener"' unknown
	text=$(oh_get 'ohServiceHealthText."listener"')
	assert_contains "$text" "fd use of pid $LISTENER_PID (oh-exe-listener) unreadable: Permission denied" \
		"the listener's health text"
	# Its owner cannot be read: no instance, as 0 would say "nothing listens".
	assert_contains "$text" "probe ping: owner of the listener unreadable (fds of " "the listener's health text"
	assert_contains "$text" " processes could not be read; needs CAP_SYS_PTRACE)" "the listener's health text"
	assert_eq "$NO_INSTANCE" "$(oh_get 'ohProbeListenerPid."listener"."ping"' 2>&1)" \
		"ohProbeListenerPid of a listener whose owner cannot be read"
	# Probes and sock_diag need no privilege.
	assert_value 'ohProbeStatus."listener"."ping"' ok
	assert_value 'ohProbeAcceptBacklog."listener"."ping"' 16
	# Its own user's process it reads whole.
	assert_value 'ohServiceHealth."own"' ok
	assert_value 'ohServiceFdOpen."own"' "$(find "/proc/$OWN_PID/fd" -mindepth 1 | wc -l)"
	# A walk, GETNEXT or GETBULK, goes past the missing cells: only "own" has fd columns,
	# every row has its configured thresholds.
	local walk bulk
	walk=$(snmpwalk -v2c -c public -t "$SNMP_TIMEOUT" -r 0 -Oqs "${MIB_OPTS[@]}" "127.0.0.1:$SNMP_PORT" OOBHEALTH-MIB::ohServiceTable)
	bulk=$(snmpbulkwalk -v2c -c public -t "$SNMP_TIMEOUT" -r 0 -Oqs "${MIB_OPTS[@]}" "127.0.0.1:$SNMP_PORT" OOBHEALTH-MIB::ohServiceTable)
	assert_eq 'ohServiceFdOpen."own" ohServiceFdSoftLimit."own" ohServiceFdHardLimit."own" ohServiceFdUsage."own"' \
		"$(awk '/^ohServiceFd(Open|SoftLimit|HardLimit|Usage)\./ {printf "%s%s", sep, $1; sep=" "}' <<<"$walk")" \
		"fd cells in a walk of ohServiceTable"
	assert_eq 'ohServiceFdWarn."own" ohServiceFdWarn."by-exe" ohServiceFdWarn."holder" ohServiceFdWarn."listener"' \
		"$(awk '/^ohServiceFdWarn\./ {printf "%s%s", sep, $1; sep=" "}' <<<"$walk")" \
		"ohServiceFdWarn cells in a walk of ohServiceTable"
	assert_eq "$walk" "$bulk" "snmpbulkwalk against snmpwalk of ohServiceTable"
	assert_eq 0 "$(grep -c 'ohProbeListenerPid' <<<"$(oh_walk -Oqs)")" "ohProbeListenerPid cells in a walk"
}

# check_oobhealth on services whose fds oobhealthd cannot read: oobhealthd's unknown, and
# no fd_used perfdata or fd threshold, whether it reads one row or walks them all.
check_plugin_leaves_out_unread_fds() {
	local check=$ROOT/build/san/check_oobhealth out rc
	unprivileged_agent "" || return
	wait_until "$WAIT_MS" agent_has_cycled || { fail "oobhealthd as $TEST_USER did not register"; return; }
	wait_until "$WAIT_MS" value_is 'ohServiceHealth."own"' ok || { fail "own is not ok: $(oh_get 'ohServiceHealthText."own"')"; return; }
	out=$("$check" -H 127.0.0.1 -p "$SNMP_PORT" -s holder -w 1 -c 2 2>&1)
	rc=$?
	log "$out"
	assert_eq 3 "$rc" "exit code of check_oobhealth -s holder"
	assert_eq "OOBHEALTH UNKNOWN - holder: fd use of pid $HOLDER_PID (hold_fds) unreadable: Permission denied | restarts=0c zombies=0;;;0" \
		"$out" "check_oobhealth -s holder"
	out=$("$check" -H 127.0.0.1 -p "$SNMP_PORT" -s holder -P 1 -w 1 -c 2 2>&1)
	assert_eq "OOBHEALTH UNKNOWN - holder: fd use of pid $HOLDER_PID (hold_fds) unreadable: Permission denied | restarts=0c zombies=0;;;0" \
		"$out" "check_oobhealth -s holder over SNMPv1"
	for version in 2c 1; do
		out=$("$check" -H 127.0.0.1 -p "$SNMP_PORT" --all -P $version 2>&1)
		log "--all -P $version: $(head -n 1 <<<"$out")"
		assert_eq 1 "$(grep -o '[a-z-]*/fd_used=' <<<"$out" | wc -l)" "fd_used items of --all -P $version"
		assert_contains "$out" "own/fd_used=" "--all -P $version"
		assert_contains "$out" "holder/restarts=0c" "--all -P $version"
		assert_contains "$out" $'\nholder: UNKNOWN - fd use of pid '"$HOLDER_PID" "--all -P $version"
	done
}

# readlink /proc/PID/exe of another user's process needs CAP_SYS_PTRACE: a running
# service must not read as absent for want of it.
unprivileged_exe_match_is_unknown_not_absent() {
	unprivileged_agent "" || return
	wait_until "$WAIT_MS" agent_has_cycled || { fail "oobhealthd as $TEST_USER did not register"; return; }
	assert_value 'ohServiceStatus."by-exe"' unknown
	assert_value 'ohServiceHealth."by-exe"' unknown
	assert_prefix "no process runs $T/bin/oh-exe-listener that could be read; " \
		"$(oh_get 'ohServiceHealthText."by-exe"')" "by-exe health text"
	assert_contains "$(oh_get 'ohServiceHealthText."by-exe"')" \
		"; 1 process could not be read (its exe needs CAP_SYS_PTRACE)" "by-exe health text"
}

master_socket_not_granted_is_explained() {
	unprivileged_agent "" "agentXSocket $T/agentx/master" || return
	local line
	wait_until "$WAIT_MS" grep -q "unreachable" "$T/agent.log" || { fail "no line on the unreachable master"; cat "$T/agent.log"; return; }
	line=$(grep "unreachable" "$T/agent.log")
	assert_contains "$line" "AgentX master $T/agentx/master unreachable: Permission denied. snmpd must let user $TEST_USER in:" \
		"the line on the master socket"
	assert_contains "$line" "add \"agentXPerms 0660 0755 Debian-snmp $TEST_USER\" (SOCKPERMS DIRPERMS USER GROUP; USER is the account snmpd runs as) to snmpd.conf and restart snmpd, with $TEST_USER a member of group $TEST_USER" \
		"the fix the line gives"
	assert_contains "$line" "chmod 0755 $T/agentx if it already exists" "the fix the line gives"
	sleep 3 # three more attempts (ping_interval 1s)
	assert_eq 1 "$(grep -c "unreachable" "$T/agent.log")" "lines on the unreachable master after three more attempts"
	assert_prefix "No Such Object" "$(oh_get ohAgentCycles.0 2>&1)" "OOBHEALTH-MIB while oobhealthd cannot reach snmpd"
}

run_tests second_instance_on_the_same_state_file_is_refused killed_instance_leaves_no_stale_lock \
	background_daemon_holds_the_lock second_instance_on_another_state_file_exits displaced_instance_waits_and_serves_again \
	second_instance_with_the_same_pidfile_is_refused stale_pidfile_is_replaced \
	pidfile_is_never_written_through_a_symlink pidfile_has_a_fixed_mode_and_only_the_pid \
	pidfile_replaced_by_another_is_left_alone \
	lock_file_symlink_is_not_followed lock_file_hard_link_is_left_untouched lock_file_of_another_user_is_left_untouched \
	state_temp_file_symlink_is_not_followed \
	syslog_ident_is_oobhealthd_under_Ls \
	sighup_reopens_a_rotated_log_file sighup_reopens_a_log_file_given_before_syslog \
	relative_paths_survive_the_fork relative_log_file_survives_the_fork state_directory_is_created \
	state_directory_that_cannot_be_created_is_reported \
	unreachable_master_is_explained_once_per_cause tcp_master_is_diagnosed_by_address_only \
	unprivileged_with_capabilities_reads_everything \
	unprivileged_without_capabilities_reports_unknown check_plugin_leaves_out_unread_fds \
	unprivileged_exe_match_is_unknown_not_absent \
	master_socket_not_granted_is_explained
