#!/usr/bin/env bash
# Each of the four ways to find a service's process (pidfile, exe, cmdline, systemd unit)
# sees a real process come up and go away (how fast is make bench's to measure).
source "$(dirname "$0")/../lib.sh"

# Starts the four processes; sets PIDFILE_PID EXE_PID CMDLINE_PID UNIT_PID.
start_services() {
	local cg
	spawn sleep 600
	PIDFILE_PID=$SPAWNED
	echo "$PIDFILE_PID" >"$T/svc.pid"

	mkdir -p "$T/bin"
	cp "$(command -v sleep)" "$T/bin/oh-exe-sleeper"
	spawn "$T/bin/oh-exe-sleeper" 600
	EXE_PID=$SPAWNED

	spawn bash -c "exec -a oh-cmdline-marker-$$ sleep 600"
	CMDLINE_PID=$SPAWNED

	cg=$(systemd_cgroup_root)/$UNIT
	mkdir "$cg" && echo "$cg" >>"$T/cgroups"
	spawn sleep 600
	UNIT_PID=$SPAWNED
	echo "$UNIT_PID" >"$cg/cgroup.procs"
}

# wait_status NAME STATUS: logs the time taken, or fails if STATUS never comes.
wait_status() {
	local start=$(now_ms) took
	if ! wait_until "$WAIT_MS" value_is "ohServiceStatus.\"$1\"" "$2"; then
		fail "$1: status did not become $2 (now $(oh_get "ohServiceStatus.\"$1\"" 2>&1))"
		return 1
	fi
	took=$(($(now_ms) - start))
	log "$1: $2 after ${took} ms"
}

each_match_kind_goes_up_then_absent() {
	UNIT=oh-test-$$-$RANDOM.service
	systemd_cgroup_root >/dev/null || { fail "no cgroup hierarchy to place a unit in"; return; }
	start_snmpd || return
	write_config <<CONF
  - name: by-pidfile
    match: { pidfile: $T/svc.pid }
  - name: by-exe
    match: { exe: $T/bin/oh-exe-sleeper }
  - name: by-cmdline
    match: { cmdline: '^oh-cmdline-marker-$$ ' }
  - name: by-unit
    match: { unit: $UNIT }
CONF
	start_services
	start_agent || return
	local name pid
	for name in by-pidfile by-exe by-cmdline by-unit; do
		wait_status "$name" up
	done
	assert_value 'ohServicePid."by-pidfile"' "$PIDFILE_PID"
	assert_value 'ohServicePid."by-exe"' "$EXE_PID"
	assert_value 'ohServicePid."by-cmdline"' "$CMDLINE_PID"
	assert_value 'ohServicePid."by-unit"' "$UNIT_PID"
	for pid in $PIDFILE_PID $EXE_PID $CMDLINE_PID $UNIT_PID; do
		kill "$pid"
		wait "$pid" 2>/dev/null
	done
	for name in by-pidfile by-exe by-cmdline by-unit; do
		wait_status "$name" absent
	done
	assert_value 'ohServiceHealthText."by-pidfile"' "absent: pidfile $T/svc.pid names pid $PIDFILE_PID, which is not running"
	# Hosts may hide some processes (EACCES); their count may follow the reason.
	assert_prefix "absent: no process runs $T/bin/oh-exe-sleeper" "$(oh_get 'ohServiceHealthText."by-exe"')" by-exe
	assert_prefix "absent: no process matches cmdline /^oh-cmdline-marker-$$ /" \
		"$(oh_get 'ohServiceHealthText."by-cmdline"')" by-cmdline
	assert_prefix "absent: no process in unit $UNIT" "$(oh_get 'ohServiceHealthText."by-unit"')" by-unit
}

main_process_is_the_topmost_ancestor() {
	start_snmpd || return
	# A wrapper shell whose child matches the same pattern: the wrapper is the main process.
	spawn bash -c "exec -a oh-tree-wrapper-$$ bash -c '(exec -a oh-tree-child-$$ sleep 600) & wait'"
	local wrapper=$SPAWNED child
	wait_until "$WAIT_MS" pgrep -P "$wrapper" >/dev/null || { fail "the wrapper started no child"; return; }
	child=$(pgrep -P "$wrapper")
	echo "$child" >>"$T/pids"
	write_config <<CONF
  - name: tree
    match: { cmdline: 'oh-tree-(wrapper|child)-$$' }
CONF
	start_agent || return
	wait_status tree up
	assert_value 'ohServicePid."tree"' "$wrapper"
}

malformed_pidfile_is_unknown_not_a_crash() {
	start_snmpd || return
	printf 'not-a-pid\n' >"$T/bad.pid"
	mkfifo "$T/fifo.pid"
	write_config <<CONF
  - name: garbage
    match: { pidfile: $T/bad.pid }
  - name: fifo
    match: { pidfile: $T/fifo.pid }
CONF
	start_agent || return
	assert_value 'ohServiceStatus."garbage"' unknown
	assert_value 'ohServiceHealthText."garbage"' "pidfile $T/bad.pid does not hold a pid (\"not-a-pid\")"
	# A FIFO would block a reader forever; it is refused instead.
	assert_value 'ohServiceStatus."fifo"' unknown
	assert_value 'ohServiceHealthText."fifo"' "pidfile $T/fifo.pid is not a regular file"
	agent_has_cycled || fail "oobhealthd stopped answering"
}

# A cmdline that runs the pattern into its match limit is a process that could not be
# checked: the service is unknown, not absent, and the prober goes on.
cmdline_match_over_its_limit_is_unknown_not_absent() {
	local runaway cycles text
	start_snmpd || return
	runaway=oh-runaway-$$-$(printf 'a%.0s' $(seq 40))b
	spawn bash -c "exec -a $runaway sleep 600"
	local pid=$SPAWNED
	write_config <<CONF
  - name: runaway
    match: { cmdline: '^oh-runaway-$$-(a+)+\$' }
CONF
	start_agent || return
	wait_until "$WAIT_MS" value_is 'ohServiceStatus."runaway"' unknown ||
		{ fail "status: $(oh_get 'ohServiceStatus."runaway"' 2>&1), expected unknown"; return; }
	text=$(oh_get 'ohServiceHealthText."runaway"')
	assert_prefix "no process matches cmdline /^oh-runaway-$$-(a+)+\$/ that could be read; " "$text" "health text"
	assert_contains "$text" "1 process ran the cmdline pattern into its match limit" "health text"
	assert_value 'ohServiceHealth."runaway"' unknown
	# The prober goes on cycling and the agent answers.
	cycles=$(oh_get ohAgentCycles.0)
	wait_until "$WAIT_MS" eval '[ "$(oh_get ohAgentCycles.0 2>/dev/null)" -gt "$cycles" ]' ||
		fail "no cycle completed after $cycles"
	kill -0 "$AGENT_PID" || fail "oobhealthd died"
	# Without that process nothing is left unchecked: plainly absent.
	end_pid "$pid"
	wait_status runaway absent
}

# A service that is unknown might be running behind the port it listens on: the port is
# not reported as held by someone else, as it is once the service is known to be absent.
text_has() {
	local text
	text=$(oh_get "ohServiceHealthText.\"$1\"" 2>/dev/null) && [[ "$text" == *"$2"* ]]
}

unknown_service_never_blames_its_port_holder() {
	local port=$(free_port) runaway pid
	start_snmpd || return
	runaway=oh-runaway-$$-$(printf 'a%.0s' $(seq 40))b
	spawn bash -c "exec -a $runaway $HELPERS/listener 127.0.0.1:$port 8 accept"
	pid=$SPAWNED
	wait_until "$WAIT_MS" grep -q "^ready" "$T/spawned.log" || { fail "listener did not start"; return; }
	write_config <<CONF
  - name: runaway
    match: { cmdline: '^oh-runaway-$$-(a+)+\$' }
    probes:
      - { name: port, tcp: 127.0.0.1:$port, timeout: 2s }
  - name: absent
    match: { cmdline: '^oh-nothing-runs-this-$$\$' }
    probes:
      - { name: port, tcp: 127.0.0.1:$port, timeout: 2s }
CONF
	start_agent || return
	wait_status runaway unknown || return
	wait_until "$WAIT_MS" value_is 'ohServiceHealth."absent"' critical || { fail "absent service not critical"; return; }
	# The probe's verdict is published when the probe is back, possibly after the process side.
	wait_until "$WAIT_MS" text_has absent "port $port held by pid $pid (" || true
	assert_contains "$(oh_get 'ohServiceHealthText."absent"')" "port $port held by pid $pid (" "absent service's text"
	case "$(oh_get 'ohServiceHealthText."runaway"')" in
	*"held by"*) fail "the unknown service blamed its port holder: $(oh_get 'ohServiceHealthText."runaway"')" ;;
	esac
	assert_value 'ohServiceHealth."runaway"' unknown
}

run_tests each_match_kind_goes_up_then_absent main_process_is_the_topmost_ancestor \
	malformed_pidfile_is_unknown_not_a_crash cmdline_match_over_its_limit_is_unknown_not_absent \
	unknown_service_never_blames_its_port_holder
