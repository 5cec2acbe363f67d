#!/usr/bin/env bash
# Notifications as a NOC receives them: a real snmpd forwards what oobhealthd sends to a
# private snmptrapd, and each story asserts the lines that receiver logged (one per
# notification, every varbind named): one per transition and in order (none for a restart
# within an interval, or an absence shorter than agent.notifications.hold), a probe failing
# and recovering, a budget that holds a storm back and says so (and budget 0 that sends
# nothing), one re-announcement per critical service after a master restart and what
# changed while it was away, nothing for a probe failing below fail_after, a rejected
# reload, the start, and an SNMPv3 inform.
source "$(dirname "$0")/../lib.sh"

svc() { echo "$1.\"$2\""; }
probe() { echo "$1.\"$2\".\"$3\""; }

# A receiver and an snmpd that sends it every notification as a v2c trap.
start_receiver() {
	start_trapd || return
	SNMPD_EXTRA=$(trap_sink_v2c)
	start_snmpd
}

# unindexed_varbinds LINE INDEX: the OOBHEALTH-MIB varbinds of LINE whose OID does not
# carry INDEX (e.g. '."web"'); none when every one names its row.
unindexed_varbinds() {
	local varbind
	while IFS= read -r varbind; do
		case "$varbind" in
		OOBHEALTH-MIB::*"$2"*" = "*) ;;
		OOBHEALTH-MIB::*) echo "$varbind" ;;
		esac
	done < <(sed 's/ | /\n/g' <<<"$1")
}

assert_indexed() {
	local stray
	stray=$(unindexed_varbinds "$1" "$2")
	[ -z "$stray" ] || fail "$3: varbinds without the row index $2: $stray"
}

# oh_notifications [FILE]: the receiver's lines of OOBHEALTH-MIB notifications.
oh_notifications() {
	grep -F -- "| SNMPv2-MIB::snmpTrapOID.0 = OID: OOBHEALTH-MIB::" "${1:-$T/traps}"
}

# A live process whose pid the pidfile FILE holds; sets SPAWNED.
spawn_with_pidfile() {
	spawn bash -c "echo \$\$ >'$1.new'; mv '$1.new' '$1'; exec sleep 600"
	wait_until "$WAIT_MS" grep -qx "$SPAWNED" "$1" 2>/dev/null || { fail "no pidfile $1"; return 1; }
}

service_going_absent_and_back_notifies_each_transition_once_in_order() {
	start_receiver || return
	local first second absent up restart
	spawn_with_pidfile "$T/node.pid" || return
	first=$SPAWNED
	write_config <<CONF
  - name: node
    match: { pidfile: $T/node.pid }
CONF
	start_agent || return
	wait_until "$WAIT_MS" value_is "$(svc ohServiceStatus node)" up || { fail "node never up"; return; }
	wait_traps 1 ohAgentStarted || return
	# Each state lasts more than one interval (1 s), so each change is one to send.
	sleep 2.5
	forget_pid "$first"
	# Reaped here, where the shell's note of its death goes nowhere.
	{ kill -KILL "$first" && wait "$first"; } 2>/dev/null
	wait_traps 1 ohServiceStatusChange '."node"' || return
	sleep 2.5
	spawn_with_pidfile "$T/node.pid" || return
	second=$SPAWNED
	wait_traps 2 ohServiceStatusChange '."node"' || return
	wait_traps 1 ohServiceRestart '."node"' || return
	# Whatever else would come (a duplicate, a late restart) comes within a few intervals.
	sleep 3
	assert_eq 2 "$(traps_of ohServiceStatusChange)" "status notifications for two transitions"
	absent=$(trap_lines ohServiceStatusChange | sed -n 1p)
	up=$(trap_lines ohServiceStatusChange | sed -n 2p)
	assert_indexed "$absent" '."node"' "the absent notification"
	assert_eq "absent(2)" "$(varbind_of "$absent" 'ohServiceStatus."node"')" "first notification: status"
	assert_eq "critical(3)" "$(varbind_of "$absent" 'ohServiceHealth."node"')" "first notification: health"
	assert_prefix "absent: " "$(varbind_of "$absent" 'ohServiceHealthText."node"')" \
		"first notification: health text"
	assert_indexed "$up" '."node"' "the up notification"
	assert_eq "up(1)" "$(varbind_of "$up" 'ohServiceStatus."node"')" "second notification: status"
	assert_eq "ok(1)" "$(varbind_of "$up" 'ohServiceHealth."node"')" "second notification: health"
	assert_eq "ok" "$(varbind_of "$up" 'ohServiceHealthText."node"')" "second notification: health text"
	assert_eq 1 "$(traps_of ohServiceRestart)" "restart notifications"
	restart=$(trap_lines ohServiceRestart | sed -n 1p)
	assert_indexed "$restart" '."node"' "the restart notification"
	assert_eq "$first" "$(varbind_of "$restart" 'ohRestartOldPid."node".*')" "restart: old pid"
	assert_eq "$second" "$(varbind_of "$restart" 'ohRestartNewPid."node".*')" "restart: new pid"
}

# The issue's "transitions that revert within one cycle are not both sent": a death and a
# new process within one interval are one restart, not absent then up.
quick_restart_sends_the_restart_and_no_status_change() {
	start_receiver || return
	local first
	spawn_with_pidfile "$T/node.pid" || return
	first=$SPAWNED
	INTERVAL=3s write_config <<CONF
  - name: node
    match: { pidfile: $T/node.pid }
CONF
	start_agent || return
	wait_until "$WAIT_MS" value_is "$(svc ohServiceStatus node)" up || { fail "node never up"; return; }
	wait_traps 1 ohAgentStarted || return
	forget_pid "$first"
	{ kill -KILL "$first" && wait "$first"; } 2>/dev/null
	spawn_with_pidfile "$T/node.pid" || return
	wait_traps 1 ohServiceRestart '."node"' || return
	# The absent state would have been sent one interval after it began.
	sleep 7
	assert_eq 1 "$(traps_of ohServiceRestart)" "restart notifications"
	assert_eq 0 "$(traps_of ohServiceStatusChange)" "status notifications for a restart within an interval"
}

# agent.notifications.hold set above the interval: an absence shorter than it is not sent,
# though it lasts several intervals.
absence_shorter_than_the_hold_is_not_sent() {
	local first
	AGENT_EXTRA="  notifications: { hold: 6s }"
	start_receiver || return
	spawn_with_pidfile "$T/node.pid" || return
	first=$SPAWNED
	write_config <<CONF
  - name: node
    match: { pidfile: $T/node.pid }
CONF
	start_agent || return
	wait_until "$WAIT_MS" value_is "$(svc ohServiceStatus node)" up || { fail "node never up"; return; }
	wait_traps 1 ohAgentStarted || return
	forget_pid "$first"
	{ kill -KILL "$first" && wait "$first"; } 2>/dev/null
	wait_until "$WAIT_MS" value_is "$(svc ohServiceStatus node)" absent || { fail "node never absent"; return; }
	sleep 2
	spawn_with_pidfile "$T/node.pid" || return
	wait_traps 1 ohServiceRestart '."node"' || return
	# The absence would have been sent 6 s after it began.
	sleep 8
	assert_eq 0 "$(traps_of ohServiceStatusChange)" "status notifications for an absence shorter than the hold"
}

probe_failing_and_recovering_notifies_once_each_way() {
	local port listener failing ok
	start_receiver || return
	port=$(free_port)
	listen "127.0.0.1:$port" 16 reply "pong" || return
	listener=$SPAWNED
	write_config <<CONF
  - name: api
    fail_after: 3
    probes:
      - { name: ping, tcp: 127.0.0.1:$port, send: "ping", expect: '^pong', timeout: 500ms }
CONF
	start_agent || return
	wait_until "$WAIT_MS" value_is "$(probe ohProbeStatus api ping)" ok ||
		{ fail "the probe never answered"; return; }
	wait_traps 1 ohAgentStarted || return
	end_pid "$listener"
	wait_traps 1 ohProbeStatusChange '."api"."ping"' || return
	listen "127.0.0.1:$port" 16 reply "pong" || return
	wait_traps 2 ohProbeStatusChange '."api"."ping"' || return
	sleep 3
	assert_eq 2 "$(traps_of ohProbeStatusChange)" "probe notifications for failing and recovering"
	failing=$(trap_lines ohProbeStatusChange | sed -n 1p)
	ok=$(trap_lines ohProbeStatusChange | sed -n 2p)
	assert_indexed "$failing" '."api"."ping"' "the failing notification"
	assert_eq "refused(3)" "$(varbind_of "$failing" 'ohProbeStatus."api"."ping"')" "failing: status"
	# Sent one interval after the third failure, the fourth may have come meanwhile.
	[ "$(varbind_of "$failing" 'ohProbeConsecFailures."api"."ping"')" -ge 3 ] 2>/dev/null ||
		fail "failing: consecutive failures below fail_after: $failing"
	assert_contains "$(varbind_of "$failing" 'ohProbeLastError."api"."ping"')" "refused" "failing: last error"
	assert_indexed "$ok" '."api"."ping"' "the recovery notification"
	assert_eq "ok(1)" "$(varbind_of "$ok" 'ohProbeStatus."api"."ping"')" "recovery: status"
}

# health_count LEVEL: how many rows of ohServiceHealth a walk shows at LEVEL.
health_count() {
	snmpwalk -v2c -c public -t "$SNMP_TIMEOUT" -r 0 -OqvU "${MIB_OPTS[@]}" "127.0.0.1:$SNMP_PORT" \
		OOBHEALTH-MIB::ohServiceHealth | grep -cx "$1"
}

storm_of_300_failures_is_held_to_the_budget_and_summed_up() {
	local services=300 budget=10 i shared sent status held summary text
	AGENT_EXTRA="  notifications: { budget: $budget, per: 30s }"
	start_receiver || return
	# One live process behind 300 pidfiles: removing them fails all 300 at once, cheaply.
	spawn sleep 600
	shared=$SPAWNED
	mkdir "$T/run"
	for i in $(seq "$services"); do echo "$shared" >"$T/run/s$i.pid"; done
	for i in $(seq "$services"); do
		printf '  - name: s%s\n    match: { pidfile: %s }\n' "$i" "$T/run/s$i.pid"
	done | write_config
	start_agent || return
	wait_until "$WAIT_MS" value_is "$(svc ohServiceStatus "s$services")" up ||
		{ fail "s$services never up"; return; }
	rm -f "$T"/run/s*.pid
	# The period that held some back ends with the summary.
	wait_until $((WAIT_MS + 30000)) traps_at_least 1 ohNotificationsHeldBack ||
		{ fail "no summary; the receiver logged $(oh_notifications | wc -l) notifications"; return; }
	# A second summary, or more status notifications, would come within a few intervals.
	sleep 3
	assert_eq 1 "$(traps_of ohNotificationsHeldBack)" "summaries"
	summary=$(trap_lines ohNotificationsHeldBack)
	# What the period sent is what the receiver logged before its summary.
	oh_notifications | sed '/OOBHEALTH-MIB::ohNotificationsHeldBack |/,$d' >"$T/traps.period"
	sent=$(wc -l <"$T/traps.period")
	status=$(trap_lines ohServiceStatusChange "$T/traps.period" | wc -l)
	held=$(varbind_of "$summary" 'ohNotifyHeldBack.0')
	text=$(varbind_of "$summary" 'ohNotifyText.0')
	log "the period sent $sent notifications ($status status changes) and held $held back: $text"
	# More changes than the budget: the period spends all of it, and no more. The start
	# opened it and counts against it.
	assert_eq "$budget" "$sent" "notifications sent in the period"
	assert_eq 1 "$(trap_lines ohAgentStarted "$T/traps.period" | wc -l)" "ohAgentStarted in the period"
	assert_eq "$services" "$((status + held))" "status notifications sent plus held back"
	assert_eq "$held" "$(varbind_of "$summary" 'ohAgentNotificationsHeldBack.0')" \
		"held back since the start, in the summary"
	assert_contains "$text" "$held notifications held back" "the summary's text"
	assert_contains "$text" "walk" "the summary's text"
	assert_eq "$status" "$(traps_of ohServiceStatusChange)" "status notifications after the summary"
	assert_value ohAgentNotificationsHeldBack.0 "$held"
	assert_value ohAgentNotificationsSent.0 "$(oh_notifications | wc -l)"
	assert_eq "$services" "$(health_count critical)" "services a walk shows critical"
}

# notifications_about SERVICE FILE: how many OOBHEALTH-MIB notifications in FILE name the
# row of SERVICE.
notifications_about() {
	oh_notifications "$2" | grep -cF -- ".\"$1\""
}

master_restart_reannounces_each_critical_service_once() {
	local mark
	start_receiver || return
	spawn_with_pidfile "$T/fine.pid" || return
	write_config <<CONF
  - name: down1
    match: { pidfile: $T/down1.pid }
  - name: down2
    match: { pidfile: $T/down2.pid }
  - name: fine
    match: { pidfile: $T/fine.pid }
CONF
	start_agent || return
	wait_traps 1 ohServiceStatusChange '."down1"' || return
	wait_traps 1 ohServiceStatusChange '."down2"' || return
	stop_snmpd
	mark=$(wc -l <"$T/traps")
	start_snmpd || return
	# Answered through the new master: the subagent has registered again.
	wait_until "$WAIT_MS" agent_has_cycled ||
		{ fail "oobhealthd did not register with the new snmpd"; return; }
	wait_traps 2 ohServiceStatusChange '."down1"' || return
	wait_traps 2 ohServiceStatusChange '."down2"' || return
	# A second re-announcement would come within a few intervals.
	sleep 3
	tail -n +"$((mark + 1))" "$T/traps" >"$T/traps.after"
	log "after the restart: $(oh_notifications "$T/traps.after" | wc -l) notifications"
	assert_eq 1 "$(notifications_about down1 "$T/traps.after")" "notifications about down1 after the restart"
	assert_eq 1 "$(notifications_about down2 "$T/traps.after")" "notifications about down2 after the restart"
	assert_eq 0 "$(notifications_about fine "$T/traps")" "notifications about the healthy service"
	assert_eq 1 "$(traps_of ohAgentStarted)" "ohAgentStarted (sent once, not at a reconnect)"
	assert_eq critical "$(oh_get "$(svc ohServiceHealth down1)")" "down1 health"
}

# What changed while no master listened is told once it is back: a recovery and a restart;
# a service that stayed critical is announced again, once.
changes_while_the_master_is_away_are_sent_after_it_returns() {
	local mark moved
	start_receiver || return
	spawn_with_pidfile "$T/moved.pid" || return
	moved=$SPAWNED
	write_config <<CONF
  - name: down
    match: { pidfile: $T/down.pid }
  - name: back
    match: { pidfile: $T/back.pid }
  - name: moved
    match: { pidfile: $T/moved.pid }
CONF
	start_agent || return
	wait_traps 1 ohServiceStatusChange '."down"' || return
	wait_traps 1 ohServiceStatusChange '."back"' || return
	stop_snmpd
	mark=$(wc -l <"$T/traps")
	spawn_with_pidfile "$T/back.pid" || return
	forget_pid "$moved"
	{ kill -KILL "$moved" && wait "$moved"; } 2>/dev/null
	spawn_with_pidfile "$T/moved.pid" || return
	# Long enough for the recovery to outlast its hold while the master is away.
	sleep 3
	start_snmpd || return
	wait_until "$WAIT_MS" agent_has_cycled ||
		{ fail "oobhealthd did not register with the new snmpd"; return; }
	wait_traps 2 ohServiceStatusChange '."back"' || return
	wait_traps 1 ohServiceRestart '."moved"' || return
	wait_traps 2 ohServiceStatusChange '."down"' || return
	sleep 3
	tail -n +"$((mark + 1))" "$T/traps" >"$T/traps.after"
	assert_eq "ok(1)" "$(varbind_of "$(trap_lines ohServiceStatusChange "$T/traps.after" | grep -F '."back"')" \
		'ohServiceHealth."back"')" "back's recovery after the master returned"
	assert_eq 1 "$(notifications_about back "$T/traps.after")" "notifications about back after the return"
	assert_eq 1 "$(notifications_about down "$T/traps.after")" "notifications about down after the return"
	assert_eq 1 "$(trap_lines ohServiceRestart "$T/traps.after" | grep -cF '."moved"')" "moved's restart"
	assert_eq 0 "$(trap_lines ohServiceStatusChange | grep -cF '."moved"')" "status notifications about moved"
}

# budget 0: nothing at all, not even a summary, while the sink works (snmpd's own coldStart
# arrives).
budget_zero_sends_nothing() {
	AGENT_EXTRA="  notifications: { budget: 0, per: 2s }"
	start_receiver || return
	write_config <<CONF
  - name: gone
    match: { pidfile: $T/gone.pid }
CONF
	start_agent || return
	wait_until "$WAIT_MS" grep -q 'snmpTrapOID.0 = OID: SNMPv2-MIB::coldStart' "$T/traps" ||
		{ fail "snmpd's coldStart never arrived: the sink does not work"; return; }
	wait_until "$WAIT_MS" value_is "$(svc ohServiceHealth gone)" critical || { fail "gone never critical"; return; }
	# Two periods and more after the start and the change.
	sleep 6
	assert_eq 0 "$(oh_notifications | wc -l)" "OOBHEALTH-MIB notifications under budget 0"
	assert_value ohAgentNotificationsSent.0 0
}

probe_flapping_below_fail_after_does_not_notify_each_cycle() {
	local port cycles failures service_base
	start_receiver || return
	port=$(free_port)
	listen "127.0.0.1:$port" 16 alternate "pong" || return
	write_config <<CONF
  - name: flaky
    fail_after: 3
    probes:
      - { name: ping, tcp: 127.0.0.1:$port, send: "ping", expect: '^pong', timeout: 600ms }
CONF
	start_agent || return
	wait_traps 1 ohAgentStarted || return
	# Settled once the probe has failed once and answered since.
	wait_until "$WAIT_MS" value_is "$(probe ohProbeConsecFailures flaky ping)" 1 ||
		{ fail "the probe never failed"; return; }
	wait_until "$WAIT_MS" value_is "$(probe ohProbeConsecFailures flaky ping)" 0 ||
		{ fail "the probe never answered after failing"; return; }
	service_base=$(traps_of ohServiceStatusChange '."flaky"')
	cycles=$(oh_get ohAgentCycles.0)
	failures=$(oh_get "$(probe ohProbeFailures flaky ping)")
	wait_until "$WAIT_MS" cycles_at_least $((cycles + 8)) || { fail "8 more cycles did not run"; return; }
	# A change held one interval would be sent by now.
	sleep 1.5
	failures=$(($(oh_get "$(probe ohProbeFailures flaky ping)") - failures))
	log "$failures probe failures in 8 cycles; $service_base status notifications before them"
	[ "$failures" -ge 3 ] || fail "the probe failed only $failures times in 8 cycles: it did not flap"
	assert_eq 0 "$(traps_of ohProbeStatusChange '."flaky"')" \
		"probe notifications (never fail_after failures in a row)"
	assert_eq "$service_base" "$(traps_of ohServiceStatusChange '."flaky"')" \
		"service notifications while the probe flapped"
}

cycles_at_least() {
	local got
	got=$(oh_get ohAgentCycles.0 2>/dev/null) && [ "$got" -ge "$1" ] 2>/dev/null
}

failed_reload_notifies_the_error_and_keeps_the_old_config() {
	local pid error line
	start_receiver || return
	spawn_with_pidfile "$T/node.pid" || return
	pid=$SPAWNED
	write_config <<CONF
  - name: node
    match: { pidfile: $T/node.pid }
CONF
	start_agent || return
	wait_traps 1 ohAgentStarted || return
	# An entry indented out of its list: a YAML syntax error.
	cat >>"$T/agent.yaml" <<CONF
  - name: other
   fd_warn: 80%
CONF
	error=$("$OOBHEALTHD" --check-config -c "$T/agent.yaml" 2>&1 | head -1)
	assert_prefix "$T/agent.yaml:" "$error" "--check-config on the bad file"
	kill -HUP "$AGENT_PID"
	wait_traps 1 ohConfigReloadFailed || return
	line=$(trap_lines ohConfigReloadFailed)
	assert_contains "$(varbind_of "$line" 'ohNotifyText.0')" "$error" "the reload failure's text"
	assert_eq 1 "$(varbind_of "$line" 'ohAgentConfigFailures.0')" "ohAgentConfigFailures in the notification"
	assert_value ohAgentConfigFailures.0 1
	assert_value "$(svc ohServiceStatus node)" up
	assert_value "$(svc ohServicePid node)" "$pid"
	assert_value "$(svc ohServiceStatus other)" "No Such Instance currently exists at this OID"
	# Two errors: the first is named, and that there was one more.
	INTERVAL=fast write_config <<CONF
  - name: node
    match: { pidfile: $T/node.pid }
    fail_afterr: 3
CONF
	error=$("$OOBHEALTHD" --check-config -c "$T/agent.yaml" 2>&1 | head -1)
	kill -HUP "$AGENT_PID"
	wait_traps 2 ohConfigReloadFailed || return
	line=$(trap_lines ohConfigReloadFailed | sed -n 2p)
	assert_contains "$(varbind_of "$line" 'ohNotifyText.0')" "$error" "the second reload failure's text"
	assert_contains "$(varbind_of "$line" 'ohNotifyText.0')" "1 more error" "the second reload failure's text"
	assert_eq 2 "$(varbind_of "$line" 'ohAgentConfigFailures.0')" "ohAgentConfigFailures in the second"
	assert_value "$(svc ohServicePid node)" "$pid"
}

agent_start_is_announced_once_with_version_and_service_count() {
	local line
	start_receiver || return
	spawn_with_pidfile "$T/node.pid" || return
	write_config <<CONF
  - name: node
    match: { pidfile: $T/node.pid }
  - name: node-too
    match: { pidfile: $T/node.pid }
CONF
	start_agent || return
	wait_traps 1 ohAgentStarted || return
	# A second one would come within a few intervals.
	sleep 3
	assert_eq 1 "$(traps_of ohAgentStarted)" "ohAgentStarted notifications"
	line=$(trap_lines ohAgentStarted)
	assert_eq "$(oh_get ohAgentVersion.0)" "$(varbind_of "$line" 'ohAgentVersion.0')" "ohAgentVersion in it"
	assert_eq 2 "$(varbind_of "$line" 'ohAgentServices.0')" "ohAgentServices in it"
	assert_eq 0 "$(traps_of ohServiceStatusChange)" "status notifications for healthy services"
}

v3_inform_reaches_the_receiver() {
	local line
	start_trapd || return
	SNMPD_EXTRA=$(trap_sink_v3_inform)
	start_snmpd || return
	write_config <<CONF
  - name: gone
    match: { pidfile: $T/gone.pid }
CONF
	start_agent || return
	wait_traps 1 ohAgentStarted || return
	wait_traps 1 ohServiceStatusChange '."gone"' || return
	line=$(trap_lines ohServiceStatusChange)
	assert_prefix "TRAP INFORM, SNMP v3, user $V3_USER," "$line" "how the status notification came"
	assert_eq "critical(3)" "$(varbind_of "$line" 'ohServiceHealth."gone"')" "health in the inform"
	assert_eq 0 "$(grep -c '^TRAP TRAP2' "$T/traps")" "v2c traps (none configured)"
}

run_tests service_going_absent_and_back_notifies_each_transition_once_in_order \
	quick_restart_sends_the_restart_and_no_status_change \
	absence_shorter_than_the_hold_is_not_sent \
	probe_failing_and_recovering_notifies_once_each_way \
	storm_of_300_failures_is_held_to_the_budget_and_summed_up \
	master_restart_reannounces_each_critical_service_once \
	changes_while_the_master_is_away_are_sent_after_it_returns \
	budget_zero_sends_nothing \
	probe_flapping_below_fail_after_does_not_notify_each_cycle \
	failed_reload_notifies_the_error_and_keeps_the_old_config \
	agent_start_is_announced_once_with_version_and_service_count \
	v3_inform_reaches_the_receiver
