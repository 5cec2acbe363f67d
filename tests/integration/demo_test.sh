#!/usr/bin/env bash
# make demo: prints a walk of OOBHEALTH-MIB by name in under 30 s and leaves nothing running.
source "$(dirname "$0")/../lib.sh"

demo_prints_the_walk_and_cleans_up() {
	local start took out pid pids
	start=$(now_ms)
	out=$("$ROOT/tests/demo/run-demo" 2>&1)
	took=$(($(now_ms) - start))
	log "make demo took ${took} ms"
	[ "$took" -lt 30000 ] || fail "the demo took $took ms"
	grep -q '^OOBHEALTH-MIB::ohServiceStatus."demo-web" = INTEGER: up(1)$' <<<"$out" || fail "demo-web is not up"
	grep -q '^OOBHEALTH-MIB::ohServiceStatus."demo-worker" = INTEGER: up(1)$' <<<"$out" || fail "demo-worker is not up"
	grep -q '^OOBHEALTH-MIB::ohServiceStatus."demo-paused" = INTEGER: stopped(4)$' <<<"$out" || fail "demo-paused is not stopped"
	grep -q '^OOBHEALTH-MIB::ohServiceStatus."demo-absent" = INTEGER: absent(2)$' <<<"$out" || fail "demo-absent is not absent"
	grep -q '^OOBHEALTH-MIB::ohServiceHealth."demo-absent" = INTEGER: critical(3)$' <<<"$out" || fail "demo-absent is not critical"
	grep -q '^OOBHEALTH-MIB::ohServiceZombies."demo-wrapper" = Gauge32: 1 processes$' <<<"$out" || fail "demo-wrapper's zombie is not counted"
	grep -q '^OOBHEALTH-MIB::ohServiceFdSoftLimit."demo-lowfd" = Gauge32: 1024 descriptors$' <<<"$out" || fail "demo-lowfd's limit is not 1024"
	grep -q '^OOBHEALTH-MIB::ohServiceHealth."demo-lowfd" = INTEGER: critical(3)$' <<<"$out" || fail "demo-lowfd is not critical"
	grep -q '^OOBHEALTH-MIB::ohFileStatus."demo-worker".1 = INTEGER: ok(1)$' <<<"$out" || fail "demo-worker's heartbeat is not ok"
	grep -q '^OOBHEALTH-MIB::ohProbeStatus."demo-stalled"."ping" = INTEGER: timeout(2)$' <<<"$out" || fail "demo-stalled's ping did not time out"
	grep -q '^OOBHEALTH-MIB::ohProbeStatus."demo-stalled"."connect" = INTEGER: ok(1)$' <<<"$out" || fail "demo-stalled's connect probe is not ok"
	grep -q '^OOBHEALTH-MIB::ohProbeStatus."demo-probe-only"."http" = INTEGER: ok(1)$' <<<"$out" || fail "demo-probe-only's http probe is not ok"
	grep -q '^OOBHEALTH-MIB::ohAgentServices.0 = Gauge32: 8 services$' <<<"$out" || fail "ohAgentServices is not 8"
	pids=$(sed -n 's/^demo: stopping what it started, pids: //p' <<<"$out")
	[ "$(wc -w <<<"$pids")" -eq 9 ] || fail "the demo did not name the 9 processes it started: [$pids]"
	for pid in $pids; do
		kill -0 "$pid" 2>/dev/null && fail "the demo left pid $pid running"
	done
	[ "$FAILED" = 0 ] || printf '%s\n' "$out" | head -40
}

run_tests demo_prints_the_walk_and_cleans_up
