#!/usr/bin/env bash
# The liveness stories, each with real processes read back over SNMP: a parent that never
# reaps its child, a wrapper that keeps restarting its binary, a restart under a lower fd
# limit, a process close to its fd limit, and services whose processes cannot be read.
source "$(dirname "$0")/../lib.sh"

svc() { echo "$1.\"$2\""; }


zombie_child_under_wrapper_is_reported() {
	start_snmpd || return
	local tag=oh-zombie-$$-$RANDOM started counted took text zombies health looked
	write_config <<CONF
  - name: wrapper
    match: { cmdline: 'wrapper --never-reap -- /bin/true $tag' }
    zombie_grace: 10s
CONF
	start_agent || return
	started=$(now_ms)
	spawn "$HELPERS/wrapper" --never-reap -- /bin/true "$tag"
	local wrapper=$SPAWNED
	wait_until "$WAIT_MS" value_is "$(svc ohServicePid wrapper)" "$wrapper" ||
		{ fail "the wrapper was not found (pid $(oh_get "$(svc ohServicePid wrapper)" 2>&1))"; return; }
	# The child is <defunct> already, but not for zombie_grace yet: a parent may be about
	# to reap it. Answers read before 9.9 s had passed since the child started must say so
	# (a loaded machine may only get to look later; the long grace makes that rare).
	zombies=$(oh_get "$(svc ohServiceZombies wrapper)")
	health=$(oh_get "$(svc ohServiceHealth wrapper)")
	looked=$(($(now_ms) - started))
	if [ "$looked" -lt 9900 ]; then
		assert_eq "0 ok" "$zombies $health" "zombies and health within zombie_grace"
	else
		log "first look ${looked} ms after the start, past zombie_grace: nothing to check before it"
	fi
	wait_until "$WAIT_MS" value_is "$(svc ohServiceZombies wrapper)" 1 ||
		{ fail "the zombie child was never counted"; return; }
	took=$(($(now_ms) - started))
	log "zombie counted ${took} ms after the wrapper started (zombie_grace 10s)"
	[ "$took" -ge 9900 ] || fail "the zombie counted after ${took} ms, before zombie_grace"
	assert_value "$(svc ohServiceStatus wrapper)" up
	# The binary is dead and the wrapper waits with no live child: the outage itself.
	assert_value "$(svc ohServiceHealth wrapper)" critical
	text=$(oh_get "$(svc ohServiceHealthText wrapper)")
	assert_prefix "1 zombie in process tree: pid " "$text" "health text"
	assert_contains "$text" "<defunct>" "health text"
	assert_contains "$text" "its parent pid $wrapper (wrapper) has no live child left" "health text"
}

# A parent that left one child unreaped but still runs another: untidy, not an outage.
zombie_beside_a_live_child_is_a_warning() {
	start_snmpd || return
	local tag=oh-untidy-$$-$RANDOM parent text counted child
	write_config <<CONF
  - name: untidy
    match: { cmdline: '^perl -e .* $tag\$' }
CONF
	start_agent || return
	spawn perl -e 'if (!fork) { exit 0 } if (!fork) { sleep 600; exit 0 } sleep 600' "$tag"
	parent=$SPAWNED
	wait_until "$WAIT_MS" value_is "$(svc ohServiceZombies untidy)" 1
	counted=$?
	# The live child would outlive its parent's end: cleanup ends it too.
	for child in $(pgrep -P "$parent"); do
		[[ "$(ps -o stat= -p "$child")" == Z* ]] || echo "$child" >>"$T/pids"
	done
	[ "$counted" = 0 ] ||
		{ fail "the zombie was never counted ($(oh_get "$(svc ohServiceHealthText untidy)" 2>&1))"; return; }
	assert_value "$(svc ohServicePid untidy)" "$parent"
	assert_value "$(svc ohServiceHealth untidy)" warning
	text=$(oh_get "$(svc ohServiceHealthText untidy)")
	assert_contains "$text" "<defunct>" "health text"
	assert_contains "$text" "not reaped by pid $parent (perl)" "health text"
}

binary_defunct_under_live_wrapper_is_zombie() {
	start_snmpd || return
	local tag=oh-binary-$$-$RANDOM child text
	write_config <<CONF
  - name: binary
    match: { cmdline: '^$tag ' }
CONF
	start_agent || return
	spawn "$HELPERS/wrapper" --never-reap -- /bin/sleep "$tag" 600
	local wrapper=$SPAWNED
	wait_until "$WAIT_MS" pgrep -P "$wrapper" >/dev/null || { fail "the wrapper started no binary"; return; }
	child=$(pgrep -P "$wrapper")
	wait_until "$WAIT_MS" value_is "$(svc ohServicePid binary)" "$child" ||
		{ fail "the binary was not seen up (pid $(oh_get "$(svc ohServicePid binary)" 2>&1), expected $child)"; return; }
	assert_value "$(svc ohServiceStatus binary)" up
	# The binary exits once it has been seen; the wrapper never reaps it.
	kill "$child"
	# Once defunct its command line is gone, yet it is still the service's process.
	wait_until "$WAIT_MS" value_is "$(svc ohServiceStatus binary)" zombie ||
		{ fail "a defunct binary was not reported as zombie (status $(oh_get "$(svc ohServiceStatus binary)" 2>&1))"; return; }
	assert_value "$(svc ohServicePid binary)" "$child"
	assert_value "$(svc ohServiceHealth binary)" critical
	text=$(oh_get "$(svc ohServiceHealthText binary)")
	assert_eq "zombie: pid $child (sleep) is <defunct>, not reaped by pid $wrapper (wrapper)" "$text" "health text"
}

wrapper_restarts_are_counted_and_flapping_raised() {
	start_snmpd || return
	local tag=oh-flap-$$-$RANDOM rows n prev_new index old new downtime started elapsed
	INTERVAL=250ms write_config <<CONF
  - name: child
    match: { cmdline: '^$tag ' }
    flap: { restarts: 3, within: 1m }
CONF
	start_agent || return
	started=$(now_ms)
	spawn "$HELPERS/wrapper" --reap-after 300 -- /bin/sleep "$tag" 1
	wait_until "$WAIT_MS" restarts_at_least child 3 || { fail "3 restarts were not counted (ohServiceRestarts $(oh_get "$(svc ohServiceRestarts child)" 2>&1))"; return; }
	assert_value "$(svc ohServiceHealth child)" critical
	assert_prefix "flapping: 3 restarts within 1m (flap.restarts 3)" \
		"$(oh_get "$(svc ohServiceHealthText child)")" "health text"
	# The history: indexes 1, 2, 3 in order, each restart's old pid the previous one's new.
	rows=$(restart_rows child)
	elapsed=$(($(now_ms) - started))
	log "restart rows (index old new downtime_ms): $(tr '\n' ' ' <<<"$rows")"
	n=0
	prev_new=""
	while read -r index old new downtime; do
		n=$((n + 1))
		[ "$n" -gt 3 ] && break
		assert_eq "$n" "$index" "restart row $n index"
		[ "$old" != "$new" ] || fail "restart $index: old and new pid are both $old"
		[ -z "$prev_new" ] || assert_eq "$prev_new" "$old" "restart $index old pid"
		# The wrapper leaves the old child defunct for 300 ms before starting the next; the
		# whole story took elapsed ms.
		[ "$downtime" -ge 250 ] && [ "$downtime" -le "$elapsed" ] ||
			fail "restart $index: downtime $downtime ms, expected about 300 (at most the $elapsed ms the story took)"
		prev_new=$new
	done <<<"$rows"
	[ "$n" -ge 3 ] || fail "expected 3 restart rows, got $n"
}

restarts_at_least() {
	local got
	got=$(oh_get "$(svc ohServiceRestarts "$1")" 2>/dev/null) && [ "$got" -ge "$2" ] 2>/dev/null
}

# restart_rows NAME: one line per ohRestartTable row of NAME: index old_pid new_pid downtime.
restart_rows() {
	local index
	for index in $(snmpwalk -v2c -c public -t "$SNMP_TIMEOUT" -r 0 -OqU "${MIB_OPTS[@]}" "127.0.0.1:$SNMP_PORT" \
		"OOBHEALTH-MIB::ohRestartOldPid.\"$1\"" | sed -E 's/^[^ ]*\.([0-9]+) .*$/\1/'); do
		echo "$index $(oh_get "ohRestartOldPid.\"$1\".$index") $(oh_get "ohRestartNewPid.\"$1\".$index")" \
			"$(oh_get "ohRestartDowntime.\"$1\".$index")"
	done
}

fd_limit_regression_after_restart() {
	start_snmpd || return
	local good=65536 pid want
	# Raising the hard limit needs CAP_SYS_RESOURCE; without it the highest limit this
	# host grants stands in for 65536.
	if ! prlimit --nofile=$good:$good true 2>/dev/null; then
		good=$(ulimit -Hn)
		log "cannot raise the fd limit to 65536 here; using the hard limit $good instead"
		[ "$good" -gt 4096 ] || { fail "the hard fd limit $good leaves no room for the story"; return; }
	fi
	write_config <<CONF
  - name: node
    match: { pidfile: $T/node.pid }
    fd_min_limit: $good
CONF
	start_agent || return
	spawn prlimit --nofile=$good:$good -- bash -c "echo \$\$ >'$T/node.pid'; exec sleep 600"
	pid=$SPAWNED
	wait_until "$WAIT_MS" value_is "$(svc ohServiceFdSoftLimit node)" "$good" ||
		{ fail "soft limit $good not seen (got $(oh_get "$(svc ohServiceFdSoftLimit node)" 2>&1))"; return; }
	assert_value "$(svc ohServiceHealth node)" ok
	# The supervisor restarts it with its own limit.
	end_pid "$pid"
	spawn prlimit --nofile=1024:4096 -- bash -c "echo \$\$ >'$T/node.pid'; exec sleep 600"
	pid=$SPAWNED
	wait_until "$WAIT_MS" value_is "$(svc ohServiceRestarts node)" 1 || { fail "the restart was not counted"; return; }
	assert_value "ohRestartOldFdSoftLimit.\"node\".1" "$good"
	assert_value "ohRestartNewFdSoftLimit.\"node\".1" 1024
	assert_value "ohRestartNewPid.\"node\".1" "$pid"
	assert_value "$(svc ohServiceFdSoftLimit node)" 1024
	assert_value "$(svc ohServiceFdHardLimit node)" 4096
	assert_value "$(svc ohServiceHealth node)" critical
	want="fd limit regression: soft limit 1024 of pid $pid (sleep) is below fd_min_limit $good (was $good before the restart)"
	# The pidfile is written before the exec: until /proc is read again after it, the
	# process may still be named bash.
	wait_until "$WAIT_MS" value_is "$(svc ohServiceHealthText node)" "$want"
	assert_eq "$want" "$(oh_get "$(svc ohServiceHealthText node)")" "health text"
}

# check_fds NAME HELD SOFT: ohServiceFdOpen within 3 of HELD (stdin, stdout and stderr
# come on top), the usage percentage consistent with it.
check_fds() {
	local open usage
	open=$(oh_get "$(svc ohServiceFdOpen "$1")")
	usage=$(oh_get "$(svc ohServiceFdUsage "$1")")
	log "$1: holds $2, ohServiceFdOpen $open, ohServiceFdUsage $usage%"
	[ "$open" -ge $(($2 - 3)) ] && [ "$open" -le $(($2 + 3)) ] ||
		fail "$1: ohServiceFdOpen $open is not within 3 of $2"
	assert_eq $((open * 100 / $3)) "$usage" "$1 ohServiceFdUsage"
	assert_value "$(svc ohServiceFdSoftLimit "$1")" "$3"
}

fd_use_is_counted_and_thresholds_fire() {
	start_snmpd || return
	local worker text
	write_config <<CONF
  - name: calm
    match: { pidfile: $T/calm.pid }
  - name: busy
    match: { pidfile: $T/busy.pid }
  - name: full
    match: { pidfile: $T/full.pid }
  - name: family
    match: { pidfile: $T/family.pid }
CONF
	spawn prlimit --nofile=200:400 -- "$HELPERS/hold_fds" "$T/calm.pid" 50
	spawn prlimit --nofile=200:400 -- "$HELPERS/hold_fds" "$T/busy.pid" 165
	spawn prlimit --nofile=200:400 -- "$HELPERS/hold_fds" "$T/full.pid" 192
	# A parent with few descriptors and a child close to its limit: the child is reported.
	spawn prlimit --nofile=200:400 -- "$HELPERS/hold_fds" "$T/family.pid" 10 190
	wait_until "$WAIT_MS" test -s "$T/family.pid" -a -s "$T/full.pid" -a -s "$T/busy.pid" -a -s "$T/calm.pid" ||
		{ fail "hold_fds did not start"; return; }
	start_agent || return
	wait_until "$WAIT_MS" value_is "$(svc ohServiceStatus family)" up || { fail "services not up"; return; }
	check_fds calm 50 200
	assert_value "$(svc ohServiceFdHardLimit calm)" 400
	assert_value "$(svc ohServiceHealth calm)" ok
	assert_value "$(svc ohServiceHealthText calm)" ok
	check_fds busy 165 200
	assert_value "$(svc ohServiceHealth busy)" warning
	assert_prefix "fd 16" "$(oh_get "$(svc ohServiceHealthText busy)")" "busy health text"
	check_fds full 192 200
	assert_value "$(svc ohServiceHealth full)" critical
	assert_prefix "fd 19" "$(oh_get "$(svc ohServiceHealthText full)")" "full health text"
	check_fds family 190 200
	assert_value "$(svc ohServiceHealth family)" critical
	worker=$(pgrep -P "$(cat "$T/family.pid")")
	text=$(oh_get "$(svc ohServiceHealthText family)")
	assert_contains "$text" " in pid $worker (hold_fds)" "family health text"
}

unreadable_processes_are_unknown_never_up() {
	local out json daemon
	spawn sleep 600
	echo "$SPAWNED" >"$T/root.pid"
	daemon=$(copy_for_others "$OOBHEALTHD")
	cat >"$T/nobody.yaml" <<CONF
services:
  - name: rootsvc
    match: { pidfile: $T/root.pid }
  - name: byexe
    match: { exe: /nonexistent/oh-never-runs }
  - name: bycmdline
    match: { cmdline: '^oh-never-runs-either ' }
CONF
	chmod 644 "$T/nobody.yaml" "$T/root.pid"
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$daemon" --once -c "$T/nobody.yaml")
	assert_eq 2 "$?" "--once exit code as nobody"
	log "$(grep -E '^(rootsvc|byexe|bycmdline) ' <<<"$out")"
	grep -Eq "^rootsvc +up +$SPAWNED +0 +unknown +fd use of pid $SPAWNED \(sleep\) unreadable: Permission denied$" <<<"$out" ||
		fail "a process whose fds cannot be read is not unknown: $out"
	# Its fd numbers are null in JSON, not 0; the keys stay.
	json=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$daemon" --once --json -c "$T/nobody.yaml")
	assert_contains "$json" "\"zombies\":0,\"fd_open\":null,\"fd_soft_limit\":null,\"fd_hard_limit\":null,\"fd_usage_pct\":null,\"health\":\"unknown\",\"health_text\":\"fd use of pid $SPAWNED (sleep)" \
		"--once --json of rootsvc"
	# Other users' processes whose exe it cannot read have other names: none of them can be
	# the binary, so absent stays absent (daemon_test.sh has one that could be).
	grep -Eq "^byexe +absent +0 +- +critical +absent: no process runs /nonexistent/oh-never-runs$" <<<"$out" ||
		fail "an exe nobody runs is not absent: $out"
	# cmdline is readable by all: an exe it cannot read elsewhere changes nothing here.
	grep -Eq "^bycmdline +absent +0 +- +critical +absent: no process matches cmdline /\^oh-never-runs-either /$" <<<"$out" ||
		fail "a cmdline nothing matches is not absent: $out"
}

cycles_at_least() {
	local got
	got=$(oh_get ohAgentCycles.0 2>/dev/null) && [ "$got" -ge "$1" ] 2>/dev/null
}

process_churn_never_crashes() {
	start_snmpd || return
	local cycles before answers=0 started
	INTERVAL=100ms write_config <<CONF
  - name: everything
    match: { cmdline: '.' }
  - name: shells
    match: { exe: /usr/bin/bash }
  - name: sleepers
    match: { cmdline: '^sleep ' }
CONF
	start_agent || return
	before=$(oh_get ohAgentCycles.0)
	# Processes that appear and exit while /proc is read, until ten cycles have read them
	# (or a minute has passed: the prober stopped).
	started=$(now_ms)
	spawn bash -c 'until [ -e "$1" ]; do (sleep 0.0$((RANDOM % 5)) &); /bin/true; done; wait' sh "$T/churn.stop"
	local churn=$SPAWNED
	while :; do
		oh_get "$(svc ohServiceStatus sleepers)" >/dev/null || fail "no answer during churn"
		answers=$((answers + 1))
		cycles_at_least $((before + 10)) || [ $(($(now_ms) - started)) -ge "$WAIT_MS" ] && break
		sleep 0.2
	done
	touch "$T/churn.stop"
	wait_until "$WAIT_MS" pid_ended "$churn" || fail "the churn did not stop"
	cycles=$(oh_get ohAgentCycles.0)
	log "$((cycles - before)) cycles and $answers answers during $(($(now_ms) - started)) ms of churn"
	[ "$cycles" -ge "$((before + 10))" ] || fail "the prober stopped cycling during churn ($before -> $cycles)"
	kill -0 "$AGENT_PID" || fail "oobhealthd died during churn"
}

run_tests zombie_child_under_wrapper_is_reported zombie_beside_a_live_child_is_a_warning binary_defunct_under_live_wrapper_is_zombie \
	wrapper_restarts_are_counted_and_flapping_raised fd_limit_regression_after_restart \
	fd_use_is_counted_and_thresholds_fire unreadable_processes_are_unknown_never_up \
	process_churn_never_crashes
