#!/usr/bin/env bash
# Listener self-probes against real listeners on loopback and unix sockets: a listener that
# never accepts, one that accepts and never answers, a closed port, HTTP 500, a full unix
# backlog, IPv6, hostile replies, fail_after, twenty probes hanging at once while
# SNMP keeps answering, and a reply that runs the expect pattern into its match limit.
source "$(dirname "$0")/../lib.sh"

probe() { echo "$1.\"$2\".\"$3\""; }


# get_many OID...: the values of several objects from one request (one snapshot).
get_many() {
	snmpget -v2c -c public -t "$SNMP_TIMEOUT" -r 0 -OqvU "${MIB_OPTS[@]}" "127.0.0.1:$SNMP_PORT" \
		$(printf 'OOBHEALTH-MIB::%s ' "$@")
}

latency_between() {
	local got
	got=$(oh_get "$(probe ohProbeLatency "$1" "$2")")
	log "$1/$2: latency $got us"
	[ "$got" -ge "$3" ] && [ "$got" -le "$4" ] || fail "$1/$2: latency $got us not within $3..$4"
}

listener_that_never_accepts_fails_a_send_expect_probe() {
	local port=$(free_port)
	start_snmpd || return
	listen 127.0.0.1:$port 8 never-accept || return
	local listener=$SPAWNED queue
	write_config <<CONF
  - name: stalled
    fail_after: 1
    probes:
      - { name: connect, tcp: 127.0.0.1:$port, timeout: 1s }
      - { name: ping, tcp: 127.0.0.1:$port, send: "PING\r\n", expect: '^PONG', timeout: 1s }
CONF
	start_agent || return
	wait_until "$WAIT_MS" value_is "$(probe ohProbeStatus stalled ping)" timeout ||
		{ fail "ping: $(oh_get "$(probe ohProbeStatus stalled ping)" 2>&1)"; return; }
	# The kernel completes the handshake into the accept queue: connecting alone passes.
	assert_value "$(probe ohProbeStatus stalled connect)" ok
	latency_between stalled ping 1000000 2000000
	assert_prefix "no reply: connection completed but never accepted (accept queue " \
		"$(oh_get "$(probe ohProbeLastError stalled ping)")" "ping last error"
	assert_value 'ohServiceHealth."stalled"' critical
	# The probes' own connections wait in the accept queue; sock_diag shows them.
	assert_value "$(probe ohProbeAcceptBacklog stalled ping)" 8
	queue=$(oh_get "$(probe ohProbeAcceptQueue stalled ping)")
	log "accept queue $queue of 8"
	[ "$queue" -ge 1 ] && [ "$queue" -le 9 ] || fail "accept queue $queue, expected 1..9"
	assert_value "$(probe ohProbeListenerPid stalled ping)" "$listener"
	assert_contains "$(oh_get 'ohServiceHealthText."stalled"')" "(accept queue " "health text"
}

port_held_by_another_process_is_critical() {
	local port=$(free_port) node holder connections
	start_snmpd || return
	# The service's own process runs, but its port is held by a stale forwarder.
	spawn sleep 600
	node=$SPAWNED
	echo "$node" >"$T/node.pid"
	listen 127.0.0.1:$port 8 silent || return
	holder=$SPAWNED
	echo "$holder" >"$T/holder.pid"
	exec 7<>"/dev/tcp/127.0.0.1/$port" 8<>"/dev/tcp/127.0.0.1/$port"
	write_config <<CONF
  - name: node
    match: { pidfile: $T/node.pid }
    probes:
      - { name: api, tcp: 127.0.0.1:$port, timeout: 1s }
  - name: forwarder
    match: { pidfile: $T/holder.pid }
    probes:
      - { name: api, tcp: 127.0.0.1:$port, timeout: 1s }
CONF
	start_agent || return
	wait_until "$WAIT_MS" value_is "$(probe ohProbeListenerPid node api)" "$holder" ||
		{ fail "listener pid: $(oh_get "$(probe ohProbeListenerPid node api)" 2>&1), expected $holder"; return; }
	assert_value "$(probe ohProbeStatus node api)" ok
	assert_value 'ohServiceHealth."node"' critical
	assert_value 'ohServiceHealthText."node"' "port $port held by pid $holder (listener), not by this service"
	# The holder's own service sees its own listener: nothing wrong.
	assert_value 'ohServiceHealth."forwarder"' ok
	connections=$(oh_get "$(probe ohProbeConnections forwarder api)")
	log "established connections on the listener: $connections"
	[ "$connections" -ge 2 ] || fail "ohProbeConnections $connections, expected at least the 2 held open"
	assert_value "$(probe ohProbeStalledConnections forwarder api)" 0
	exec 7>&- 8>&-
}

answers_timeouts_refusals_and_http_status() {
	local silent=$(free_port) good=$(free_port) closed=$(free_port) h500=$(free_port) h200=$(free_port)
	start_snmpd || return
	listen 127.0.0.1:$silent 8 silent || return
	listen 127.0.0.1:$good 8 reply "PONG ready" || return
	listen 127.0.0.1:$h500 8 http 500 || return
	listen 127.0.0.1:$h200 8 http 200 || return
	write_config <<CONF
  - name: web
    probes:
      - { name: silent, tcp: 127.0.0.1:$silent, send: "PING\r\n", expect: '^PONG', timeout: 1s }
      - { name: good, tcp: 127.0.0.1:$good, send: "PING\r\n", expect: '^PONG', timeout: 1s }
      - { name: closed, tcp: 127.0.0.1:$closed, timeout: 1s }
      - { name: h500, http: 'http://127.0.0.1:$h500/health', timeout: 1s }
      - { name: h200, http: 'http://127.0.0.1:$h200/health', expect: '^ok', timeout: 1s }
CONF
	start_agent || return
	wait_until "$WAIT_MS" value_is "$(probe ohProbeStatus web silent)" timeout || { fail "silent did not time out"; return; }
	assert_value "$(probe ohProbeStatus web good)" ok
	latency_between web good 1 1000000
	assert_value "$(probe ohProbeStatus web closed)" refused
	assert_prefix "connect 127.0.0.1:$closed: Connection refused (nothing listens)" \
		"$(oh_get "$(probe ohProbeLastError web closed)")" "closed last error"
	assert_value "$(probe ohProbeStatus web h500)" badResponse
	assert_prefix "HTTP status 500, expected 2xx" "$(oh_get "$(probe ohProbeLastError web h500)")" "h500 last error"
	assert_value "$(probe ohProbeStatus web h200)" ok
	assert_value "$(probe ohProbeTarget web h200)" "http://127.0.0.1:$h200/health"
	assert_value "$(probe ohProbeLastError web good)" ""
	[ "$(oh_get "$(probe ohProbeLastSuccess web good)")" != "0-1-1,0:0:0.0" ] || fail "good has no last success"
	assert_value "$(probe ohProbeLastSuccess web closed)" "0-1-1,0:0:0.0"
}

full_unix_backlog_is_reported_never_a_hang() {
	local started took out
	listen "$T/admin.sock" 0 never-accept || return
	cat >"$T/once.yaml" <<CONF
services:
  - name: admin
    fail_after: 1
    probes:
      - { name: admin, unix: $T/admin.sock, timeout: 30s }
CONF
	# The first connection fills a backlog of 0; it stays queued, never accepted.
	"$OOBHEALTHD" --once -c "$T/once.yaml" >/dev/null
	started=$(now_ms)
	out=$("$OOBHEALTHD" --once -c "$T/once.yaml")
	took=$(($(now_ms) - started))
	log "--once with the backlog full took ${took} ms"
	grep -Eq "^admin +admin +backlogFull .* accept queue full \(listener not accepting\)" <<<"$out" ||
		fail "a full unix backlog is not backlogFull: $out"
	[ "$took" -lt 30000 ] || fail "the probe waited ${took} ms on a full backlog, as long as its timeout"
}

ipv6_loopback_probe_works() {
	local port=$(free_port)
	start_snmpd || return
	listen "[::1]:$port" 8 reply "PONG6" || return
	write_config <<CONF
  - name: six
    probes:
      - { name: v6, tcp: '[::1]:$port', send: "PING\r\n", expect: '^PONG6', timeout: 1s }
CONF
	start_agent || return
	wait_until "$WAIT_MS" value_is "$(probe ohProbeStatus six v6)" ok || fail "IPv6 probe: $(oh_get "$(probe ohProbeLastError six v6)" 2>&1)"
	assert_value "$(probe ohProbeTarget six v6)" "[::1]:$port"
}

hostile_replies_are_bounded() {
	local endless=$(free_port) trickle=$(free_port)
	start_snmpd || return
	listen 127.0.0.1:$endless 8 endless || return
	listen 127.0.0.1:$trickle 8 trickle || return
	listen "@oh-garbage-$$" 8 garbage || return
	write_config <<CONF
  - name: hostile
    probes:
      - { name: endless, tcp: 127.0.0.1:$endless, expect: 'NEVER', timeout: 1s }
      - { name: trickle, tcp: 127.0.0.1:$trickle, expect: 'NEVER', timeout: 1s }
      - { name: garbage, unix: '@oh-garbage-$$', expect: 'NEVER', timeout: 1s }
CONF
	start_agent || return
	wait_until "$WAIT_MS" value_is "$(probe ohProbeStatus hostile trickle)" timeout || { fail "trickle did not time out"; return; }
	assert_value "$(probe ohProbeStatus hostile endless)" badResponse
	assert_prefix "no match for /NEVER/ in the first 4096 bytes" \
		"$(oh_get "$(probe ohProbeLastError hostile endless)")" "endless last error"
	latency_between hostile endless 1 1000000
	latency_between hostile trickle 1000000 2000000
	assert_value "$(probe ohProbeStatus hostile garbage)" badResponse
	assert_prefix "reply (512 bytes) does not match /NEVER/" \
		"$(oh_get "$(probe ohProbeLastError hostile garbage)")" "garbage last error"
	kill -0 "$AGENT_PID" || fail "oobhealthd died"
}

fail_after_counts_consecutive_failures() {
	local silent=$(free_port) values below="" started
	start_snmpd || return
	listen 127.0.0.1:$silent 8 silent || return
	# Each failure stands for an interval of 2 s: time to see the service below fail_after.
	INTERVAL=2s write_config <<CONF
  - name: flaky
    fail_after: 3
    probes:
      - { name: rpc, tcp: 127.0.0.1:$silent, send: "x", timeout: 300ms }
CONF
	start_agent || return
	# Every snapshot: unknown until the first result, warning below fail_after, critical
	# from it on.
	started=$(now_ms)
	while :; do
		values=$(get_many "$(probe ohProbeConsecFailures flaky rpc)" 'ohServiceHealth."flaky"' | tr '\n' ' ')
		case "$values" in
		"0 unknown ") [ -z "$below" ] || { fail "no result again after failures: [$values]"; return; } ;;
		"1 warning "|"2 warning ") below+="$values/" ;;
		[3-9]" critical "|[1-9][0-9]*" critical ") break ;;
		*) fail "consecutive failures and health: [$values]"; return ;;
		esac
		[ $(($(now_ms) - started)) -lt "$WAIT_MS" ] || { fail "never critical: [$values]"; return; }
		sleep 0.2
	done
	log "below fail_after: $below then [$values]"
	[ -n "$below" ] || fail "the service was never seen below fail_after"
	values=$(get_many "$(probe ohProbeConsecFailures flaky rpc)" "$(probe ohProbeFailures flaky rpc)" | tr '\n' ' ')
	read -r consec total <<<"$values"
	[ "$consec" -ge 3 ] && [ "$total" -ge "$consec" ] || fail "critical with consec $consec, total $total"
}

twenty_hanging_probes_never_delay_answers() {
	local port=$(free_port) slowest started took i statuses latency
	start_snmpd || return
	listen 127.0.0.1:$port 64 silent || return
	# 10 s deadlines: a GET that waited on a probe would take that long.
	{
		echo "  - name: hanging"
		echo "    probes:"
		for i in $(seq 20); do
			echo "      - { name: p$i, tcp: 127.0.0.1:$port, send: \"x\", timeout: 10s }"
		done
	} | write_config
	started=$(now_ms)
	start_agent || return
	slowest=$(slowest_get 30 'ohServiceHealth."hanging"')
	log "slowest of 30 GETs while 20 probes hang for 10 s: ${slowest} ms"
	[ "$slowest" -lt 5000 ] || fail "a GET took ${slowest} ms while probes hung"
	wait_until "$WAIT_MS" value_is "$(probe ohProbeStatus hanging p20)" timeout || { fail "p20 did not time out"; return; }
	took=$(($(now_ms) - started))
	statuses=$(for i in $(seq 20); do oh_get "$(probe ohProbeStatus hanging p$i)"; done | sort | uniq -c | xargs)
	assert_eq "20 timeout" "$statuses" "the twenty probes' status"
	latency=$(oh_get "$(probe ohProbeLatency hanging p1)")
	log "all twenty timed out ${took} ms after the start; p1 took ${latency} us"
	[ "$latency" -ge 10000000 ] || fail "p1 gave up after $latency us, before its 10 s deadline"
	# All twenty at once: one deadline, not two or more one after another.
	[ "$took" -lt 20000 ] || fail "twenty 10 s probes took ${took} ms, expected about one deadline"
}

# status_line_error_is SERVICE PROBE SHOWN: ohProbeLastError says the reply had no valid
# status line and shows its first line as SHOWN (the byte count depends on how much was read).
status_line_error_is() {
	local error
	error=$(oh_get "$(probe ohProbeLastError "$1" "$2")")
	assert_prefix "no valid HTTP status line in the reply (" "$error" "$2 last error"
	assert_contains "$error" " bytes): \"$3\", after " "$2 last error"
}

# Status lines that sscanf("HTTP/1.%d %3d") took for valid: each a badResponse naming what came
# (escaped), judged on the bytes, while the listener holds the connection open; a strict
# "HTTP/1.1 204 No Content" still passes.
bogus_http_status_lines_are_bad_responses() {
	local p2000=$(free_port) minus=$(free_port) escape=$(free_port) p204=$(free_port) error
	start_snmpd || return
	printf 'HTTP/1.1 2000 Bogus\r\nContent-Length: 0\r\n\r\n' >"$T/2000.reply"
	printf 'HTTP/1.-1 204 No Content\r\n\r\n' >"$T/minus.reply"
	printf 'HTTP/1.1 2\033[31m00 OK\r\n\r\n' >"$T/escape.reply"
	printf 'HTTP/1.1 204 No Content\r\n\r\n' >"$T/204.reply"
	listen 127.0.0.1:$p2000 8 reply-file "$T/2000.reply" || return
	listen 127.0.0.1:$minus 8 reply-file "$T/minus.reply" || return
	listen 127.0.0.1:$escape 8 reply-file "$T/escape.reply" || return
	listen 127.0.0.1:$p204 8 reply-file "$T/204.reply" || return
	write_config <<CONF
  - name: web
    fail_after: 1
    probes:
      - { name: s2000, http: 'http://127.0.0.1:$p2000/health', timeout: 5s }
      - { name: minus, http: 'http://127.0.0.1:$minus/health', timeout: 5s }
      - { name: escape, http: 'http://127.0.0.1:$escape/health', timeout: 5s }
      - { name: s204, http: 'http://127.0.0.1:$p204/health', timeout: 5s }
CONF
	start_agent || return
	wait_until "$WAIT_MS" value_is "$(probe ohProbeStatus web s2000)" badResponse ||
		{ fail "HTTP/1.1 2000: $(oh_get "$(probe ohProbeStatus web s2000)" 2>&1)"; return; }
	status_line_error_is web s2000 'HTTP/1.1 2000 Bogus'
	assert_value "$(probe ohProbeStatus web minus)" badResponse
	status_line_error_is web minus 'HTTP/1.-1 204 No Content'
	assert_value "$(probe ohProbeStatus web escape)" badResponse
	# The ESC byte arrives as the four characters \x1b, never as a terminal control.
	status_line_error_is web escape 'HTTP/1.1 2\x1b[31m00 OK'
	error=$(oh_get "$(probe ohProbeLastError web escape)")
	[[ "$error" != *$'\033'* ]] || fail "a raw ESC byte reached ohProbeLastError"
	assert_contains "$(oh_get 'ohServiceHealthText."web"')" 'probe s2000: no valid HTTP status line' "health text"
	assert_value "$(probe ohProbeStatus web s204)" ok
	assert_value "$(probe ohProbeLastError web s204)" ""
}

# An expect written with a YAML "\r\n" holds a real CR LF; quoted in an error text it must
# not split the line (--once prints the same error text the MIB publishes).
expect_with_cr_lf_stays_on_one_line_in_errors() {
	local port=$(free_port) out
	listen 127.0.0.1:$port 8 reply "NOPE" || return
	cat >"$T/once.yaml" <<CONF
services:
  - name: api
    probes:
      - { name: ping, tcp: 127.0.0.1:$port, send: "PING\r\n", expect: "^PONG\r\n", timeout: 2s }
CONF
	out=$("$OOBHEALTHD" --once -c "$T/once.yaml")
	grep -q '^api  *ping  *badResponse .* reply (4 bytes) does not match /^PONG??/, after ' <<<"$out" ||
		fail "the expect in the error text is not on one line: $(cat -A <<<"$out")"
}

# A header block that does not end within the 4 KiB reply buffer is a bad reply at once,
# not a wait for the deadline, even when the listener keeps the connection open.
http_header_block_over_the_bound_is_a_bad_response() {
	local port=$(free_port) i
	start_snmpd || return
	{
		printf 'HTTP/1.1 200 OK\r\n'
		for i in $(seq 100); do printf 'X-Padding-%03d: %060d\r\n' "$i" 0; done
		printf '\r\nok'
	} >"$T/long-header.reply"
	listen 127.0.0.1:$port 8 reply-file "$T/long-header.reply" || return
	write_config <<CONF
  - name: web
    fail_after: 1
    probes:
      - { name: long, http: 'http://127.0.0.1:$port/health', timeout: 5s }
CONF
	start_agent || return
	wait_until "$WAIT_MS" value_is "$(probe ohProbeStatus web long)" badResponse ||
		{ fail "long header: $(oh_get "$(probe ohProbeStatus web long)" 2>&1) $(oh_get "$(probe ohProbeLastError web long)" 2>&1)"; return; }
	assert_prefix "HTTP header block over 4096 bytes, after " \
		"$(oh_get "$(probe ohProbeLastError web long)")" "long header last error"
}

# A URL of exactly the maximum length passes --check-config and goes on the wire whole:
# the listener receives the complete request line and Host header.
longest_http_url_is_sent_whole() {
	local port=$(free_port) base url path line got
	start_snmpd || return
	base="http://127.0.0.1:$port/"
	path=/$(head -c $((2048 - ${#base})) /dev/zero | tr '\0' 'a')
	url="http://127.0.0.1:$port$path"
	[ "${#url}" -eq 2048 ] || { fail "test URL is ${#url} bytes, not 2048"; return; }
	listen 127.0.0.1:$port 8 record "$T/requests" || return
	write_config <<CONF
  - name: web
    probes:
      - { name: long, http: '$url', timeout: 5s }
CONF
	got=$("$OOBHEALTHD" --check-config -c "$T/agent.yaml" 2>&1)
	assert_eq "0 OK" "$? $got" "--check-config with a 2048-byte URL"
	start_agent || return
	wait_until "$WAIT_MS" value_is "$(probe ohProbeStatus web long)" ok ||
		{ fail "2048-byte URL: $(oh_get "$(probe ohProbeLastError web long)" 2>&1)"; return; }
	line=$(head -n 1 "$T/requests")
	assert_eq "GET $path HTTP/1.1"$'\r' "$line" "request line the listener received"
	grep -q $'^Host: 127.0.0.1:'"$port"$'\r$' "$T/requests" || fail "no Host header in: $(head -c 300 "$T/requests" | tail -c 200)"
	# ohProbeTarget is a DisplayString (SIZE (0..255)): the URL's first 255 bytes.
	assert_value "$(probe ohProbeTarget web long)" "${url:0:255}"
}

# A reply that runs the expect pattern into its match limit is a bad response that says
# so: ^(a+)+$ tries every way to split the a's of "aaa...ab".
expect_over_its_match_limit_is_a_bad_response() {
	local port=$(free_port) runaway
	start_snmpd || return
	runaway=$(printf 'a%.0s' $(seq 40))b
	listen 127.0.0.1:$port 8 reply "$runaway" || return
	write_config <<CONF
  - name: runaway
    probes:
      - { name: banner, tcp: 127.0.0.1:$port, send: "x", expect: '^(a+)+\$', timeout: 2s }
      - { name: sane, tcp: 127.0.0.1:$port, send: "x", expect: '^a+b\$', timeout: 2s }
CONF
	start_agent || return
	wait_until "$WAIT_MS" value_is "$(probe ohProbeStatus runaway banner)" badResponse ||
		{ fail "banner: $(oh_get "$(probe ohProbeStatus runaway banner)" 2>&1), expected badResponse"; return; }
	assert_prefix "expect /^(a+)+\$/ exceeded its match limit on the reply (41 bytes), after " \
		"$(oh_get "$(probe ohProbeLastError runaway banner)")" "banner last error"
	assert_value "$(probe ohProbeStatus runaway sane)" ok
	kill -0 "$AGENT_PID" || fail "oobhealthd died"
}

# The same for an http probe's body: the reply is bad, and says the pattern gave up.
http_body_over_the_match_limit_is_a_bad_response() {
	local port=$(free_port)
	start_snmpd || return
	printf 'HTTP/1.1 200 OK\r\nContent-Length: 41\r\n\r\n%sb' "$(printf 'a%.0s' $(seq 40))" \
		>"$T/runaway.reply"
	listen 127.0.0.1:$port 8 reply-file "$T/runaway.reply" || return
	write_config <<CONF
  - name: web
    fail_after: 1
    probes:
      - { name: body, http: 'http://127.0.0.1:$port/health', expect: '^(a+)+\$', timeout: 5s }
      - { name: sane, http: 'http://127.0.0.1:$port/health', expect: '^a+b\$', timeout: 5s }
CONF
	start_agent || return
	wait_until "$WAIT_MS" value_is "$(probe ohProbeStatus web body)" badResponse ||
		{ fail "body: $(oh_get "$(probe ohProbeStatus web body)" 2>&1), expected badResponse"; return; }
	assert_prefix "HTTP 200 body: expect /^(a+)+\$/ exceeded its match limit, after " \
		"$(oh_get "$(probe ohProbeLastError web body)")" "body last error"
	assert_value "$(probe ohProbeStatus web sane)" ok
}

run_tests listener_that_never_accepts_fails_a_send_expect_probe port_held_by_another_process_is_critical \
	answers_timeouts_refusals_and_http_status full_unix_backlog_is_reported_never_a_hang \
	ipv6_loopback_probe_works hostile_replies_are_bounded fail_after_counts_consecutive_failures \
	twenty_hanging_probes_never_delay_answers bogus_http_status_lines_are_bad_responses \
	http_header_block_over_the_bound_is_a_bad_response longest_http_url_is_sent_whole \
	expect_with_cr_lf_stays_on_one_line_in_errors expect_over_its_match_limit_is_a_bad_response \
	http_body_over_the_match_limit_is_a_bad_response
