#!/usr/bin/env bash
# Stalled TCP peers, both directions, IPv4 and IPv6, over real SNMP: a service's peer in a network
# namespace of the test's own, joined by a veth pair, is silenced with nft (everything
# inside the namespace dropped) while real processes keep data outstanding; the row of
# ohStalledPeerTable, the counts and the health follow, and go when the link heals. A busy
# connection with random loss is never stalled. Runs as root.
source "$(dirname "$0")/../lib.sh"

STALL_AFTER_MS=3000
NS="" VETH="" HOST_IP="" PEER_IP="" HOST_IP6="" PEER_IP6=""

# make_link: a network namespace joined to this one by a veth pair on a /30 of 10.0.0.0/8
# that no address or route here uses: HOST_IP on this side, PEER_IP inside. Removed when
# the test ends, failed or not.
make_link() {
	local x y try
	NS=ohstall$BASHPID VETH=ohst$BASHPID
	for try in $(seq 50); do
		x=$((16 + RANDOM % 200)) y=$((RANDOM % 64 * 4))
		[ -z "$(ip -4 -o addr show to "10.$x.$y.0/30")" ] &&
			[ -z "$(ip -4 route show match "10.$x.$y.0/30" | grep -v '^default')" ] && break
	done
	HOST_IP=10.$x.$y.1 PEER_IP=10.$x.$y.2
	trap 'remove_link; cleanup' EXIT
	ip netns add "$NS" &&
		ip link add "${VETH}h" type veth peer name "${VETH}p" &&
		ip link set "${VETH}p" netns "$NS" &&
		ip addr add "$HOST_IP/30" dev "${VETH}h" && ip link set "${VETH}h" up &&
		ip netns exec "$NS" ip addr add "$PEER_IP/30" dev "${VETH}p" &&
		ip netns exec "$NS" ip link set "${VETH}p" up &&
		ip netns exec "$NS" ip link set lo up || { fail "cannot set up $NS and ${VETH}h"; return 1; }
	log "link ${VETH}h $HOST_IP <-> $PEER_IP in $NS"
}

# add_ipv6: HOST_IP6 and PEER_IP6 on the link too, in a unique local /64 nothing here uses
# (nodad: usable at once).
add_ipv6() {
	local net try
	for try in $(seq 50); do
		net=fd6f:6f68:$(printf '%x:%x' $((RANDOM % 65536)) $((RANDOM % 65536)))
		[ -z "$(ip -6 route show match "$net::/64" | grep -v '^default')" ] && break
	done
	HOST_IP6=$net::1 PEER_IP6=$net::2
	ip addr add "$HOST_IP6/64" dev "${VETH}h" nodad &&
		in_ns ip addr add "$PEER_IP6/64" dev "${VETH}p" nodad || { fail "cannot add IPv6 to the link"; return 1; }
}

# The processes inside end with the test's others (cleanup); the link and the name go here.
remove_link() {
	[ -n "$VETH" ] && ip link del "${VETH}h" 2>/dev/null
	[ -n "$NS" ] && ip netns del "$NS" 2>/dev/null
	VETH="" NS=""
}

# in_ns CMD...: CMD inside the namespace.
in_ns() { ip netns exec "$NS" "$@"; }

# drop_all: the namespace answers nothing and sends nothing, as a peer that vanished.
drop_all() {
	in_ns nft -f - <<'NFT'
table inet ohstall {
	chain input { type filter hook input priority 0; policy drop; }
	chain output { type filter hook output priority 0; policy drop; }
}
NFT
}

# lose_some: one packet in twenty dropped at random, both ways.
lose_some() {
	in_ns nft -f - <<'NFT'
table inet ohstall {
	chain input { type filter hook input priority 0; numgen random mod 20 == 0 drop; }
	chain output { type filter hook output priority 0; numgen random mod 20 == 0 drop; }
}
NFT
}

heal() { in_ns nft delete table inet ohstall; }

# stream [ip netns exec NS] streamer ARGS...: starts a streamer (ip netns exec execs it:
# its pid is the streamer's) and waits for its "ready".
stream() {
	spawn "$@"
	wait_until "$WAIT_MS" grep -q "^ready" "$T/spawned.log" || {
		fail "streamer did not start: $(tr '\n' ' ' <"$T/spawned.log")"
		return 1
	}
	: >"$T/spawned.log"
}

# service_config NAME [MORE]: a service matched by $T/NAME.pid, stall_after 3s, with the
# lines of MORE.
service_config() {
	write_config <<CONF
  - name: $1
    match: { pidfile: $T/$1.pid }
    stall_after: ${STALL_AFTER_MS}ms
${2:-}
CONF
}

peer() { echo "$1.\"$2\".$3"; }

no_instance() {
	local got
	got=$(oh_get "$1" 2>&1)
	[[ "$got" == No\ Such\ Instance* ]]
}

# The stall shows within stall_after, the retransmission timer's first two tries and a few
# intervals; the deadline only bounds a failure.
wait_stalled() {
	wait_until "$WAIT_MS" value_is "ohServiceStalledConnections.\"$1\"" "$2" ||
		{ fail "$1: stalled connections $(oh_get "ohServiceStalledConnections.\"$1\"" 2>&1), expected $2; health: $(oh_get "ohServiceHealthText.\"$1\"" 2>&1)"; return 1; }
}

# The service (a client here) streams to a server in the namespace; the namespace goes
# silent: the server's row, outbound, and a warning naming it; healed: row and warning go.
outbound_peer_silenced_is_stalled_then_heals() {
	local port=$(free_port) client local_port silent text
	start_snmpd && make_link || return
	stream ip netns exec "$NS" "$HELPERS/streamer" listen "$PEER_IP:$port" 0 read "$T/read.count" || return
	stream "$HELPERS/streamer" connect "$PEER_IP:$port" 1 write || return
	client=$SPAWNED
	echo "$client" >"$T/client.pid"
	local_port=$(ss -Htn "dst $PEER_IP:$port" | awk '{ print $4 }' | sed 's/.*://')
	service_config client
	start_agent || return
	wait_until "$WAIT_MS" value_is 'ohServiceConnections."client"' 1 ||
		{ fail "connections: $(oh_get 'ohServiceConnections."client"' 2>&1), expected 1"; return; }
	assert_value 'ohServiceStalledConnections."client"' 0
	assert_value 'ohServiceStallAfter."client"' "$STALL_AFTER_MS"
	assert_value 'ohServiceHealth."client"' ok
	no_instance "$(peer ohStalledPeerRemoteAddress client 1)" || fail "a stalled-peer row before any stall"

	drop_all || { fail "nft drop in $NS"; return; }
	wait_stalled client 1 || return
	assert_value "$(peer ohStalledPeerRemoteAddress client 1)" "$PEER_IP"
	assert_value "$(peer ohStalledPeerRemotePort client 1)" "$port"
	assert_value "$(peer ohStalledPeerLocalPort client 1)" "$local_port"
	assert_value "$(peer ohStalledPeerDirection client 1)" outbound
	assert_value "$(peer ohStalledPeerState client 1)" established
	assert_value "$(peer ohStalledPeerPid client 1)" "$client"
	silent=$(oh_get "$(peer ohStalledPeerSilentMs client 1)")
	[ "$silent" -ge "$STALL_AFTER_MS" ] || fail "silent for $silent ms, below stall_after"
	[ "$(oh_get "$(peer ohStalledPeerRetransmits client 1)")" -ge 2 ] ||
		fail "retransmits $(oh_get "$(peer ohStalledPeerRetransmits client 1)"), expected 2 or more"
	[ "$(oh_get "$(peer ohStalledPeerUnackedBytes client 1)")" -gt 0 ] || fail "no unacknowledged bytes"
	no_instance "$(peer ohStalledPeerRemoteAddress client 2)" || fail "a second row for one connection"
	assert_value 'ohServiceHealth."client"' warning
	text=$(oh_get 'ohServiceHealthText."client"')
	assert_contains "$text" "peer $PEER_IP:$port silent for " "health text"
	assert_contains "$text" "(outbound from port $local_port, " "health text"
	assert_contains "$text" "1 of 1 connections stalled" "health text"

	heal || { fail "nft delete in $NS"; return; }
	wait_stalled client 0 || return
	wait_until "$WAIT_MS" no_instance "$(peer ohStalledPeerRemoteAddress client 1)" ||
		fail "the row stayed after the link healed"
	wait_until "$WAIT_MS" value_is 'ohServiceHealth."client"' ok ||
		fail "health after healing: $(oh_get 'ohServiceHealthText."client"')"
	assert_value 'ohServiceConnections."client"' 1
}

# The same over IPv6: the peer's address as IPv6 text, in brackets in the health text.
outbound_ipv6_peer_silenced_is_stalled() {
	local port=$(free_port)
	start_snmpd && make_link && add_ipv6 || return
	stream ip netns exec "$NS" "$HELPERS/streamer" listen "[$PEER_IP6]:$port" 0 read || return
	stream "$HELPERS/streamer" connect "[$PEER_IP6]:$port" 1 write || return
	echo "$SPAWNED" >"$T/client.pid"
	service_config client
	start_agent || return
	wait_until "$WAIT_MS" value_is 'ohServiceConnections."client"' 1 || { fail "no connection seen"; return; }
	drop_all || { fail "nft drop in $NS"; return; }
	wait_stalled client 1 || return
	assert_value "$(peer ohStalledPeerRemoteAddress client 1)" "$PEER_IP6"
	assert_value "$(peer ohStalledPeerRemotePort client 1)" "$port"
	assert_value "$(peer ohStalledPeerDirection client 1)" outbound
	assert_contains "$(oh_get 'ohServiceHealthText."client"')" "peer [$PEER_IP6]:$port silent for " "health text"
}

# The service listens here and writes to a client in the namespace, which vanishes.
inbound_client_vanishing_while_service_writes_is_stalled() {
	local port=$(free_port) text client_port
	start_snmpd && make_link || return
	stream "$HELPERS/streamer" listen "$HOST_IP:$port" 0 write || return
	echo "$SPAWNED" >"$T/server.pid"
	stream ip netns exec "$NS" "$HELPERS/streamer" connect "$HOST_IP:$port" 1 read "$T/read.count" || return
	service_config server
	start_agent || return
	wait_until "$WAIT_MS" value_is 'ohServiceConnections."server"' 1 ||
		{ fail "connections: $(oh_get 'ohServiceConnections."server"' 2>&1), expected 1"; return; }
	drop_all || { fail "nft drop in $NS"; return; }
	wait_stalled server 1 || return
	client_port=$(ss -Htn "src $HOST_IP:$port" | awk '{ print $5 }' | sed 's/.*://')
	assert_value "$(peer ohStalledPeerDirection server 1)" inbound
	assert_value "$(peer ohStalledPeerRemoteAddress server 1)" "$PEER_IP"
	assert_value "$(peer ohStalledPeerRemotePort server 1)" "$client_port"
	assert_value "$(peer ohStalledPeerLocalPort server 1)" "$port"
	assert_value 'ohServiceHealth."server"' warning
	text=$(oh_get 'ohServiceHealthText."server"')
	assert_contains "$text" "client $PEER_IP:$client_port silent for " "health text"
	assert_contains "$text" "(inbound on port $port, " "health text"
}

# A stream through random loss keeps being acknowledged: never stalled, however long.
busy_connection_with_loss_is_not_stalled() {
	local port=$(free_port) before after end stalled connections samples=0
	start_snmpd && make_link || return
	stream ip netns exec "$NS" "$HELPERS/streamer" listen "$PEER_IP:$port" 0 read "$T/read.count" || return
	stream "$HELPERS/streamer" connect "$PEER_IP:$port" 1 write || return
	echo "$SPAWNED" >"$T/client.pid"
	service_config client
	start_agent || return
	wait_until "$WAIT_MS" value_is 'ohServiceConnections."client"' 1 || { fail "no connection seen"; return; }
	lose_some || { fail "nft loss in $NS"; return; }
	sleep 1.5
	before=$(cat "$T/read.count")
	end=$(($(now_ms) + 4 * STALL_AFTER_MS))
	while [ "$(now_ms)" -lt "$end" ]; do
		stalled=$(oh_get 'ohServiceStalledConnections."client"')
		connections=$(oh_get 'ohServiceConnections."client"')
		samples=$((samples + 1))
		assert_eq 0 "$stalled" "stalled connections at sample $samples"
		[ "$connections" -ge 1 ] || fail "connections $connections at sample $samples"
		sleep 0.5
	done
	after=$(cat "$T/read.count")
	log "$samples samples; the reader got $((after - before)) bytes meanwhile"
	[ "$after" -gt "$before" ] || fail "no bytes flowed through the loss ($before, then $after)"
	assert_value 'ohServiceHealth."client"' ok
	[ "$(in_ns nft list table inet ohstall | grep -c 'numgen random mod 20')" -eq 2 ] ||
		fail "the loss rules were not in place"
}

stall_health_critical() {
	local port=$(free_port)
	start_snmpd && make_link || return
	stream ip netns exec "$NS" "$HELPERS/streamer" listen "$PEER_IP:$port" 0 read || return
	stream "$HELPERS/streamer" connect "$PEER_IP:$port" 1 write || return
	echo "$SPAWNED" >"$T/client.pid"
	service_config client "    stall_health: critical"
	start_agent || return
	wait_until "$WAIT_MS" value_is 'ohServiceConnections."client"' 1 || { fail "no connection seen"; return; }
	drop_all || { fail "nft drop in $NS"; return; }
	wait_stalled client 1 || return
	assert_value 'ohServiceHealth."client"' critical
	assert_contains "$(oh_get 'ohServiceHealthText."client"')" "peer $PEER_IP:$port silent for " "health text"
}

# Four stalled connections, stalled_peers 2: two rows, ranks 1 and 2, all four counted.
stalled_peers_limit() {
	local port=$(free_port) rows
	start_snmpd && make_link || return
	stream ip netns exec "$NS" "$HELPERS/streamer" listen "$PEER_IP:$port" 0 read || return
	stream "$HELPERS/streamer" connect "$PEER_IP:$port" 4 write || return
	echo "$SPAWNED" >"$T/client.pid"
	service_config client "    stalled_peers: 2"
	start_agent || return
	wait_until "$WAIT_MS" value_is 'ohServiceConnections."client"' 4 || { fail "4 connections not seen"; return; }
	drop_all || { fail "nft drop in $NS"; return; }
	wait_stalled client 4 || return
	rows=$(oh_walk -Oqs | grep -c '^ohStalledPeerRemoteAddress\."client"\.')
	assert_eq 2 "$rows" "ohStalledPeerTable rows"
	assert_value "$(peer ohStalledPeerRemoteAddress client 1)" "$PEER_IP"
	assert_value "$(peer ohStalledPeerRemoteAddress client 2)" "$PEER_IP"
	no_instance "$(peer ohStalledPeerRemoteAddress client 3)" || fail "a third row"
	assert_contains "$(oh_get 'ohServiceHealthText."client"')" "4 of 4 connections stalled" "health text"
}

# get_many OID...: the values of several objects from one request (one snapshot).
get_many() {
	snmpget -v2c -c public -t "$SNMP_TIMEOUT" -r 0 -OqvU "${MIB_OPTS[@]}" "127.0.0.1:$SNMP_PORT" \
		$(printf 'OOBHEALTH-MIB::%s ' "$@")
}

# A tcp probe on the service's listener counts the same stalled clients as the service.
probe_counts_the_same_stalled_peers_as_its_service() {
	local port=$(free_port) values
	start_snmpd && make_link || return
	stream "$HELPERS/streamer" listen "$HOST_IP:$port" 0 write || return
	echo "$SPAWNED" >"$T/server.pid"
	stream ip netns exec "$NS" "$HELPERS/streamer" connect "$HOST_IP:$port" 3 read || return
	service_config server "    probes:
      - { name: api, tcp: $HOST_IP:$port, timeout: 1s }"
	start_agent || return
	wait_until "$WAIT_MS" value_is 'ohProbeConnections."server"."api"' 3 ||
		{ fail "probe connections: $(oh_get 'ohProbeConnections."server"."api"' 2>&1), expected 3"; return; }
	drop_all || { fail "nft drop in $NS"; return; }
	wait_stalled server 3 || return
	wait_until "$WAIT_MS" value_is 'ohProbeStalledConnections."server"."api"' 3 ||
		fail "probe stalled: $(oh_get 'ohProbeStalledConnections."server"."api"' 2>&1), expected 3"
	for _ in 1 2 3 4 5; do
		values=$(get_many 'ohServiceStalledConnections."server"' 'ohProbeStalledConnections."server"."api"' |
			tr '\n' ' ')
		assert_eq "3 3 " "$values" "service and probe stalled counts in one answer"
		sleep 1
	done
	assert_value "$(peer ohStalledPeerDirection server 1)" inbound
}

# --once --json carries the stalled peer, and the document parses.
once_json_carries_the_stalled_peer() {
	local port=$(free_port) client
	make_link || return
	stream ip netns exec "$NS" "$HELPERS/streamer" listen "$PEER_IP:$port" 0 read || return
	stream "$HELPERS/streamer" connect "$PEER_IP:$port" 1 write || return
	client=$SPAWNED
	echo "$client" >"$T/client.pid"
	service_config client
	drop_all || { fail "nft drop in $NS"; return; }
	wait_until "$WAIT_MS" stalled_in_once || { fail "--once never showed the stall: $(cat "$T/once.json")"; return; }
	python3 - "$T/once.json" "$PEER_IP" "$port" "$client" <<'PY' || fail "--once --json: $(cat "$T/once.json")"
import json, sys
doc = json.load(open(sys.argv[1]))
service = doc["services"][0]
assert service["stalled_connections"] == 1, service
assert service["connections"] == 1 and service["stall_after_ms"] == 3000, service
peer = service["stalled_peers"][0]
assert (peer["remote_address"], peer["remote_port"]) == (sys.argv[2], int(sys.argv[3])), peer
assert peer["direction"] == "outbound" and peer["pid"] == int(sys.argv[4]), peer
assert peer["silent_ms"] >= 3000 and peer["retransmits"] >= 2, peer
assert service["health"] == "warning", service
PY
	"$OOBHEALTHD" --once -c "$T/agent.yaml" >"$T/once.txt"
	assert_contains "$(cat "$T/once.txt")" "$PEER_IP:$port outbound from port" "--once table"
}

stalled_in_once() {
	"$OOBHEALTHD" --once --json -c "$T/agent.yaml" >"$T/once.json" 2>"$T/once.err"
	grep -q '"stalled_connections":1' "$T/once.json"
}

# A connection idle for longer than stall_after whose first segments are lost is not
# silent for its idle time: the peer's last acknowledgement is old, but the data waiting
# is new. It counts only once the data has waited stall_after.
idle_connection_losing_its_first_segments_is_not_stalled_at_once() {
	local port=$(free_port) client signalled ended value STALL_AFTER_MS=6000 samples=0
	start_snmpd && make_link || return
	stream ip netns exec "$NS" "$HELPERS/streamer" listen "$PEER_IP:$port" 0 read || return
	stream "$HELPERS/streamer" connect "$PEER_IP:$port" 1 write-on-signal || return
	client=$SPAWNED
	echo "$client" >"$T/client.pid"
	service_config client
	start_agent || return
	wait_until "$WAIT_MS" value_is 'ohServiceConnections."client"' 1 ||
		{ fail "connections: $(oh_get 'ohServiceConnections."client"' 2>&1), expected 1"; return; }
	# Idle past stall_after: the peer's last acknowledgement (the handshake) ages.
	sleep 8
	drop_all || { fail "nft drop in $NS"; return; }
	kill -USR1 "$client"
	signalled=$(now_ms)
	# No snapshot taken before the data could have waited stall_after may say stalled;
	# the margin covers the GET's own time.
	while :; do
		value=$(oh_get 'ohServiceStalledConnections."client"')
		ended=$(now_ms)
		[ $((ended - signalled)) -lt $((STALL_AFTER_MS - 500)) ] || break
		samples=$((samples + 1))
		[ "$value" = 0 ] || { fail "stalled $((ended - signalled)) ms after the first unacknowledged write: $(oh_get 'ohServiceHealthText."client"')"; return; }
		sleep 0.3
	done
	[ "$samples" -ge 3 ] || fail "only $samples samples before stall_after"
	log "$samples samples, none stalled, in the first $((STALL_AFTER_MS - 500)) ms"
	# And then it is: the drop did silence the peer.
	wait_stalled client 1 || return
	value=$(oh_get "$(peer ohStalledPeerSilentMs client 1)")
	ended=$(now_ms)
	# Silent since the first write at most (the idle time before it was 8 s more).
	[ "$value" -ge "$STALL_AFTER_MS" ] && [ "$value" -le $((ended - signalled + 1000)) ] ||
		fail "silent for $value ms, $((ended - signalled)) ms after the first unacknowledged write"
	heal
}

run_tests outbound_peer_silenced_is_stalled_then_heals outbound_ipv6_peer_silenced_is_stalled \
	inbound_client_vanishing_while_service_writes_is_stalled \
	busy_connection_with_loss_is_not_stalled stall_health_critical stalled_peers_limit \
	probe_counts_the_same_stalled_peers_as_its_service once_json_carries_the_stalled_peer \
	idle_connection_losing_its_first_segments_is_not_stalled_at_once
