#!/usr/bin/env bash
# make demo: prints a walk of OOBHEALTH-MIB by name and the notifications its trap receiver
# got, in under 30 s, and leaves nothing running.
source "$(dirname "$0")/../lib.sh"

demo_prints_the_walk_and_cleans_up() {
	local start took out pid pids line
	# make demo's paths and ports are fixed: test runs side by side take turns.
	serialize demo || return
	start=$(now_ms)
	out=$("$ROOT/tests/demo/run-demo" 2>&1)
	took=$(($(now_ms) - start))
	log "make demo took ${took} ms"
	[ "$took" -lt 30000 ] || fail "the demo took $took ms"
	# Each story of the demo, as the walk prints it.
	while read -r line; do
		grep -qxF "OOBHEALTH-MIB::$line" <<<"$out" || fail "the walk lacks: $line"
	done <<'LINES'
ohServiceStatus."demo-web" = INTEGER: up(1)
ohServiceStatus."demo-worker" = INTEGER: up(1)
ohServiceStatus."demo-paused" = INTEGER: stopped(4)
ohServiceStatus."demo-absent" = INTEGER: absent(2)
ohServiceHealth."demo-absent" = INTEGER: critical(3)
ohServiceZombies."demo-wrapper" = Gauge32: 1 processes
ohServiceFdSoftLimit."demo-lowfd" = Gauge32: 1024 descriptors
ohServiceHealth."demo-lowfd" = INTEGER: critical(3)
ohFileStatus."demo-worker"."worker.log" = INTEGER: ok(1)
ohProbeStatus."demo-stalled"."ping" = INTEGER: timeout(2)
ohProbeStatus."demo-stalled"."connect" = INTEGER: ok(1)
ohProbeStatus."demo-probe-only"."http" = INTEGER: ok(1)
ohProbeStatus."demo-probe-only"."https" = INTEGER: ok(1)
ohProbeCertDaysLeft."demo-probe-only"."https" = INTEGER: 9 days
ohServiceHealth."demo-probe-only" = INTEGER: warning(2)
ohAgentServices.0 = Gauge32: 8 services
LINES
	assert_contains "$out" 'ohServiceHealthText."demo-probe-only" = STRING: probe https: certificate expires in 9 days (notAfter ' "the demo's HTTPS probe"
	# And check_oobhealth's verdict on all of them: the worst is critical.
	assert_contains "$out" "OOBHEALTH CRITICAL - demo-" "check_oobhealth --all in the demo"
	assert_contains "$out" "(exit code 2: 0 OK" "check_oobhealth --all in the demo"
	# The notifications snmptrapd logged with conf/snmptrapd.conf: the start, a service broken
	# from the start, and demo-worker killed during the demo.
	assert_contains "$out" "| snmpTrapOID.0 = ohAgentStarted | ohAgentVersion.0 = " "the demo's notifications"
	assert_contains "$out" '| snmpTrapOID.0 = ohServiceStatusChange | ohServiceStatus."demo-absent" = absent | ohServiceHealth."demo-absent" = critical | ohServiceHealthText."demo-absent" = absent: pidfile ' "the demo's notifications"
	assert_contains "$out" '| snmpTrapOID.0 = ohServiceStatusChange | ohServiceStatus."demo-worker" = absent | ohServiceHealth."demo-worker" = critical |' "the demo's notifications"
	pids=$(sed -n 's/^demo: stopping what it started, pids: //p' <<<"$out")
	[ "$(wc -w <<<"$pids")" -eq 11 ] || fail "the demo did not name the 11 processes it started: [$pids]"
	for pid in $pids; do
		kill -0 "$pid" 2>/dev/null && fail "the demo left pid $pid running"
	done
	[ "$FAILED" = 0 ] || printf '%s\n' "$out" | head -40
}

run_tests demo_prints_the_walk_and_cleans_up
