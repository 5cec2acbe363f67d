#!/usr/bin/env bash
# Where a failing probe stopped, told from the kernel's view of its own connection, against
# real listeners: one that never accepts (tcp and unix), one that accepts and never reads,
# one that reads and never answers, one that answers wrong, none at all, one whose full
# accept queue drops the SYN; the listener's owner and its threads in the text; and an
# acceptor that stalls while a connect probe passes, then recovers.
source "$(dirname "$0")/../lib.sh"

probe() { echo "$1.\"$2\".\"$3\""; }

# failing_probe PROBE-LINE: starts snmpd and oobhealthd with service "svc" and that one
# probe ("ping"), and waits until it has a failure phase.
failing_probe() {
	start_snmpd || return
	write_config <<CONF
  - name: svc
    probes:
      - $1
CONF
	start_agent || return
	wait_until "$WAIT_MS" eval '[ "$(oh_get "$(probe ohProbeFailurePhase svc ping)" 2>/dev/null)" != none ]' ||
		{ fail "ping never failed: $(oh_get "$(probe ohProbeStatus svc ping)" 2>&1)"; return 1; }
	ERROR=$(oh_get "$(probe ohProbeLastError svc ping)")
	log "last error: $ERROR"
}

tcp_listener_that_never_accepts_is_never_accepted() {
	local port=$(free_port)
	listen 127.0.0.1:$port 8 never-accept || return
	failing_probe "{ name: ping, tcp: 127.0.0.1:$port, send: \"PING\\r\\n\", expect: '^PONG', timeout: 1s }" || return
	assert_value "$(probe ohProbeStatus svc ping)" timeout
	assert_value "$(probe ohProbeFailurePhase svc ping)" neverAccepted
	[[ "$ERROR" =~ ^"no reply: connection completed but never accepted (accept queue "([0-9]+)" of 8), timed out after "[0-9]+" ms" ]] ||
		{ fail "last error: expected [no reply: connection completed but never accepted (accept queue N of 8), timed out after N ms], got [$ERROR]"; return; }
	# Its own connection at least waits in the queue.
	[ "${BASH_REMATCH[1]}" -ge 1 ] || fail "accept queue ${BASH_REMATCH[1]} in the text, expected 1 or more"
}

listener_that_accepts_and_never_reads_leaves_the_request_unread() {
	local port=$(free_port) listener
	listen 127.0.0.1:$port 8 accept-no-read || return
	listener=$SPAWNED
	# 18 bytes, as the operator would count them in the text.
	failing_probe "{ name: ping, tcp: 127.0.0.1:$port, send: \"HEALTH PLEASE 123\\n\", expect: '^OK', timeout: 1s }" || return
	assert_value "$(probe ohProbeStatus svc ping)" timeout
	assert_value "$(probe ohProbeFailurePhase svc ping)" requestUnread
	assert_prefix "no reply: connection accepted by pid $listener but 18 request bytes unread, timed out after " \
		"$ERROR" "last error"
}

listener_that_reads_and_never_answers_is_no_reply() {
	local port=$(free_port) listener
	listen 127.0.0.1:$port 8 silent || return
	listener=$SPAWNED
	failing_probe "{ name: ping, http: 'http://127.0.0.1:$port/health', timeout: 1s }" || return
	assert_value "$(probe ohProbeStatus svc ping)" timeout
	assert_value "$(probe ohProbeFailurePhase svc ping)" noReply
	assert_prefix "no reply: request read by pid $listener, nothing answered, timed out after " \
		"$ERROR" "last error"
}

listener_owners_threads_are_in_the_text() {
	local port=$(free_port) listener
	listen 127.0.0.1:$port 8 silent || return
	listener=$SPAWNED
	failing_probe "{ name: ping, tcp: 127.0.0.1:$port, send: \"PING\\r\\n\", expect: '^PONG', timeout: 1s }" || return
	# The helper has one thread, asleep in poll() while the probe waits.
	assert_contains "$ERROR" " (pid $listener: 1 thread, R 0 S 1 D 0)" "last error"
	assert_contains "$(oh_get 'ohServiceHealthText."svc"')" "(pid $listener: 1 thread, R 0 S 1 D 0)" "health text"
}

wrong_answer_is_a_bad_response() {
	local port=$(free_port)
	listen 127.0.0.1:$port 8 reply "NOPE" || return
	failing_probe "{ name: ping, tcp: 127.0.0.1:$port, send: \"PING\\r\\n\", expect: '^PONG', timeout: 1s }" || return
	assert_value "$(probe ohProbeStatus svc ping)" badResponse
	assert_value "$(probe ohProbeFailurePhase svc ping)" badResponse
	assert_prefix "reply (4 bytes) does not match /^PONG/" "$ERROR" "last error"
}

nothing_listening_is_refused() {
	local port=$(free_port)
	failing_probe "{ name: ping, tcp: 127.0.0.1:$port, timeout: 1s }" || return
	assert_value "$(probe ohProbeStatus svc ping)" refused
	assert_value "$(probe ohProbeFailurePhase svc ping)" refused
	assert_prefix "connect 127.0.0.1:$port: Connection refused (nothing listens)" "$ERROR" "last error"
}

# A full accept queue drops the SYN: the connect itself never completes.
connect_into_a_full_accept_queue_is_not_completed() {
	local port=$(free_port)
	listen 127.0.0.1:$port 0 never-accept || return
	# The first probe's connection fills a backlog of 0; the next ones wait in SYN_SENT.
	failing_probe "{ name: ping, tcp: 127.0.0.1:$port, timeout: 1s }" || return
	assert_value "$(probe ohProbeStatus svc ping)" timeout
	assert_value "$(probe ohProbeFailurePhase svc ping)" notCompleted
	assert_prefix "not completed: connect 127.0.0.1:$port, SYN unanswered: timed out after " \
		"$ERROR" "last error"
}

unix_listener_that_never_accepts_is_never_accepted() {
	listen "$T/admin.sock" 8 never-accept || return
	failing_probe "{ name: ping, unix: $T/admin.sock, send: \"PING\\n\", expect: '^PONG', timeout: 1s }" || return
	assert_value "$(probe ohProbeStatus svc ping)" timeout
	assert_value "$(probe ohProbeFailurePhase svc ping)" neverAccepted
	assert_prefix "no reply: connection completed but never accepted (accept queue " "$ERROR" "last error"
}

# The kernel completes a connect into the accept queue, so a connect probe passes; the
# queue that never empties says the acceptor stalled, until it accepts again.
stalled_acceptor_warns_while_connect_passes_then_clears() {
	local port=$(free_port) listener text stalled
	start_snmpd || return
	listen 127.0.0.1:$port 64 accept-on-signal || return
	listener=$SPAWNED
	write_config <<CONF
  - name: svc
    stall_after: 3s
    probes:
      - { name: ping, tcp: 127.0.0.1:$port, timeout: 1s }
CONF
	start_agent || return
	wait_until "$WAIT_MS" eval '[[ "$(oh_get '\''ohServiceHealthText."svc"'\'')" == *"acceptor stalled"* ]]' ||
		{ fail "no stalled acceptor: $(oh_get 'ohServiceHealthText."svc"' 2>&1)"; return; }
	wait_until "$WAIT_MS" eval '[ "$(oh_get "$(probe ohProbeAcceptStalledFor svc ping)")" -gt 0 ]' ||
		{ fail "ohProbeAcceptStalledFor stayed $(oh_get "$(probe ohProbeAcceptStalledFor svc ping)" 2>&1)"; return; }
	text=$(oh_get 'ohServiceHealthText."svc"')
	log "health text: $text"
	[[ "$text" =~ "probe ping: acceptor stalled: "([0-9]+)" connections waiting for "([0-9]+)" s (pid $listener: 1 thread, R 0 S 1 D 0)" ]] ||
		{ fail "health text: expected [probe ping: acceptor stalled: N connections waiting for S s (pid $listener: ...)], got [$text]"; return; }
	[ "${BASH_REMATCH[1]}" -ge 2 ] || fail "${BASH_REMATCH[1]} connections waiting after 3 probes, expected 2 or more"
	[ "${BASH_REMATCH[2]}" -ge 3 ] || fail "stalled for ${BASH_REMATCH[2]} s, reported before stall_after (3 s)"
	assert_value "$(probe ohProbeStatus svc ping)" ok
	assert_value "$(probe ohProbeFailurePhase svc ping)" none
	assert_value 'ohServiceHealth."svc"' warning
	kill -USR1 "$listener"
	wait_until "$WAIT_MS" value_is 'ohServiceHealth."svc"' ok ||
		{ fail "still $(oh_get 'ohServiceHealth."svc"' 2>&1) after the listener accepts: $(oh_get 'ohServiceHealthText."svc"' 2>&1)"; return; }
	assert_value "$(probe ohProbeAcceptStalledFor svc ping)" 0
	stalled=$(oh_get 'ohServiceHealthText."svc"')
	[[ "$stalled" != *"acceptor stalled"* ]] || fail "health text still says [$stalled]"
}

once_shows_the_phase_in_text_and_json() {
	local port=$(free_port) out
	cat >"$T/once.yaml" <<CONF
services:
  - name: svc
    probes:
      - { name: ping, tcp: 127.0.0.1:$port, timeout: 1s }
CONF
	out=$("$OOBHEALTHD" --once -c "$T/once.yaml")
	grep -Eq "^svc +ping +refused .* refused: connect 127.0.0.1:$port: Connection refused" <<<"$out" ||
		fail "--once does not show the phase: $out"
	out=$("$OOBHEALTHD" --once --json -c "$T/once.yaml")
	assert_contains "$out" '"failure_phase":"refused","accept_stalled_s":0,' "--once --json"
}

run_tests tcp_listener_that_never_accepts_is_never_accepted \
	listener_that_accepts_and_never_reads_leaves_the_request_unread \
	listener_that_reads_and_never_answers_is_no_reply listener_owners_threads_are_in_the_text \
	wrong_answer_is_a_bad_response nothing_listening_is_refused \
	connect_into_a_full_accept_queue_is_not_completed \
	unix_listener_that_never_accepts_is_never_accepted \
	stalled_acceptor_warns_while_connect_passes_then_clears once_shows_the_phase_in_text_and_json
