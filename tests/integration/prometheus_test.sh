#!/usr/bin/env bash
# The Prometheus side, run by its real consumers: snmp_exporter's generator builds the
# module from conf/snmp_exporter/generator.yml with the command documented there, the
# exporter scrapes a live oobhealthd with it, promtool checks and unit-tests
# conf/prometheus, and a Prometheus server scraping through the exporter with the
# shipped scrape job evaluates the shipped rules on live values.
source "$(dirname "$0")/../lib.sh"

GENERATOR_YML=$ROOT/conf/snmp_exporter/generator.yml
PROM_DIR=$ROOT/conf/prometheus
# The DateAndTime series: "never" reaches them as -62167219200, which only the recording
# rules can drop (snmp_exporter 0.21 cannot).
DATE_SERIES='^(ohServiceStartTime|ohServiceLastRestart|ohProbeLastSuccess)\{'

# The generator command block of generator.yml's header, "#   " taken off each line.
documented_command() {
	sed -n '/^#   work=/,/generate)$/s/^#   //p' "$GENERATOR_YML"
}

# debian_mibs DIR: the base MIBs where Debian's snmp-mibs-downloader puts them
# (DIR/ietf/SNMPv2-SMI, no suffix), made from the copies the build fetched.
debian_mibs() {
	local m
	mkdir -p "$1/ietf"
	for m in SNMPv2-SMI SNMPv2-TC SNMPv2-CONF; do
		cp "$ROOT/build/mibs/$m.txt" "$1/ietf/$m"
	done
}

# build_module: runs the documented command from the top of the checkout, with only the
# base MIBs' directory (and mktemp's) moved into $T; sets MODULE to the snmp.yml it wrote.
build_module() {
	local cmd work rc
	cmd=$(documented_command)
	[ -n "$cmd" ] || { fail "no generator command in the header of $GENERATOR_YML"; return 1; }
	debian_mibs "$T/debian"
	cmd=${cmd//\/usr\/share\/snmp\/mibs\/ietf\//$T/debian/ietf/}
	(cd "$ROOT" && TMPDIR=$T bash -c "$cmd"' && printf "%s\n" "$work" >"$1"' bash "$T/work") \
		>"$T/generate.log" 2>&1
	rc=$?
	work=$(cat "$T/work" 2>/dev/null)
	if [ "$rc" != 0 ] || [ -z "$work" ]; then
		fail "the documented generator command failed (exit $rc):"
		printf '%s\n' "$cmd" | sed 's/^/      /'
		cat "$T/generate.log"
		return 1
	fi
	if grep -E 'level=(warn|error)' "$T/generate.log"; then
		fail "the generator warned"
		return 1
	fi
	MODULE=$work/snmp.yml
	[ -s "$MODULE" ] || { fail "no snmp.yml in $work"; return 1; }
}

# start_exporter: prometheus-snmp-exporter with $MODULE on a free loopback port.
start_exporter() {
	EXPORTER_PORT=$(free_port)
	spawn prometheus-snmp-exporter --config.file="$MODULE" \
		--web.listen-address="127.0.0.1:$EXPORTER_PORT"
	wait_until "$WAIT_MS" curl -sf -o /dev/null "http://127.0.0.1:$EXPORTER_PORT/metrics" ||
		{ fail "snmp_exporter did not start"; tail "$T/spawned.log"; return 1; }
}

# scrape: the exporter's answer for this test's snmpd, module oobhealth.
scrape() {
	curl -sf --max-time 30 "http://127.0.0.1:$EXPORTER_PORT/snmp?module=oobhealth&target=127.0.0.1:$SNMP_PORT"
}

# series_value TEXT SERIES: the value of one series (name and labels exactly as the
# exposition writes them) in a scrape.
series_value() {
	awk -v want="$2" 'substr($0, 1, length(want) + 1) == want " " { print $NF }' <<<"$1"
}

# Services: web is up with an ok probe and two files; db-1 has never run; flaky has a
# probe on $FLAKY_PORT that fails.
write_services() {
	local port=$(free_port)
	FLAKY_PORT=$(free_port)
	listen 127.0.0.1:$port 8 reply "PONG" || return 1
	echo "$SPAWNED" >"$T/web.pid"
	date >"$T/heartbeat"
	write_config <<CONF
  - name: web
    match: { pidfile: $T/web.pid }
    files:
      - { path: $T/heartbeat, max_age: 1h }
      - { path: $T/error.marker, absent: true }
    probes:
      - { name: ping, tcp: 127.0.0.1:$port, send: "PING\r\n", expect: '^PONG', timeout: 2s }
  - name: db-1
    match: { pidfile: $T/never-written.pid }
  - name: flaky
    probes:
      - { name: slow, tcp: 127.0.0.1:$FLAKY_PORT, send: "HI\r\n", expect: '^OK', timeout: 300ms }
CONF
}

generator_builds_the_module_as_documented() {
	local key names
	build_module || return
	prometheus-snmp-exporter --dry-run --config.file="$MODULE" >"$T/dry-run.log" 2>&1 ||
		{ fail "the exporter rejects the module:"; cat "$T/dry-run.log"; }
	# 0.21 silently ignores an override whose object it does not know: a renamed
	# object would quietly bring back a free-text label or a raw unit.
	for key in $(sed -n '/^    overrides:/,$s/^      \([A-Za-z0-9]*\):$/\1/p' "$GENERATOR_YML"); do
		snmptranslate -M "$T/debian/ietf:$ROOT/mibs:/usr/share/snmp/mibs" -m OOBHEALTH-MIB \
			"OOBHEALTH-MIB::$key" >/dev/null 2>&1 || fail "override $key names no OOBHEALTH-MIB object"
	done
	names=$(sed -n 's/^  - name: //p' "$MODULE" | sort | tr '\n' ' ')
	log "metrics: $names"
	for key in ohServiceHealthText ohProbeLastError ohProbeTarget ohFilePath ohRestartTime; do
		case " $names " in *" $key "*) fail "snmp.yml still exports $key" ;; esac
	done
	for key in ohServiceHealth ohProbeStatus ohProbeLatency ohFileStatus ohAgentSnapshotAge; do
		case " $names " in *" $key "*) ;; *) fail "snmp.yml lacks $key" ;; esac
	done
}

# The documented flag is what makes a missing or broken MIB an error: without it 0.21
# exits 0 with a module built from whatever parsed.
generator_fails_loudly_on_a_missing_or_broken_mib() {
	local rc
	mkdir -p "$T/gen/missing" "$T/gen/broken"
	cp "$GENERATOR_YML" "$T/gen/"
	cp "$ROOT/build/mibs/SNMPv2-SMI.txt" "$ROOT/build/mibs/SNMPv2-CONF.txt" "$ROOT/mibs/OOBHEALTH-MIB.txt" \
		/usr/share/snmp/mibs/NET-SNMP-MIB.txt "$T/gen/missing/"
	(cd "$T/gen" && MIBDIRS="$T/gen/missing" prometheus-snmp-generator --fail-on-parse-errors generate) \
		>"$T/gen/missing.log" 2>&1
	rc=$?
	[ "$rc" != 0 ] || fail "SNMPv2-TC missing, yet the generator exited 0: $(cat "$T/gen/missing.log")"
	log "SNMPv2-TC missing: exit $rc"

	cp "$ROOT"/build/mibs/SNMPv2-*.txt /usr/share/snmp/mibs/NET-SNMP-MIB.txt "$T/gen/broken/"
	sed '0,/SYNTAX      Gauge32/s//SYNTAX      Gauge32 ((/' "$ROOT/mibs/OOBHEALTH-MIB.txt" \
		>"$T/gen/broken/OOBHEALTH-MIB.txt"
	cmp -s "$ROOT/mibs/OOBHEALTH-MIB.txt" "$T/gen/broken/OOBHEALTH-MIB.txt" && fail "could not break the MIB copy"
	(cd "$T/gen" && MIBDIRS="$T/gen/broken" prometheus-snmp-generator --fail-on-parse-errors generate) \
		>"$T/gen/broken.log" 2>&1
	rc=$?
	[ "$rc" != 0 ] || fail "a syntax error in OOBHEALTH-MIB, yet the generator exited 0: $(cat "$T/gen/broken.log")"
	assert_contains "$(cat "$T/gen/broken.log")" "level=warn" "the generator's log of a broken MIB"
	log "broken OOBHEALTH-MIB: exit $rc"
}

# Acceptance: three scrapes, each after a further oobhealthd cycle in which the failing
# probe's error text and latency changed, have the same series identities.
scrapes_of_three_cycles_have_the_same_label_sets() {
	local i metrics cycles prev_cycles=0 error errors="" latency latencies="" first labels
	build_module || return
	start_snmpd || return
	write_services || return
	start_agent || return
	start_exporter || return
	for i in 1 2 3; do
		# A reply of a new length each round: the probe fails with a new message.
		[ -z "${FLAKY_PID:-}" ] || end_pid "$FLAKY_PID"
		listen 127.0.0.1:$FLAKY_PORT 8 reply "NO$(printf '%*s' "$i" '' | tr ' ' x)" || return
		FLAKY_PID=$SPAWNED
		wait_until "$WAIT_MS" eval '[[ "$(oh_get "ohProbeLastError.\"flaky\".\"slow\"" 2>/dev/null)" == *"($((i + 2)) bytes)"* ]]' ||
			{ fail "round $i: the probe never saw the ${i}th reply: $(oh_get 'ohProbeLastError."flaky"."slow"')"; return; }
		error=$(oh_get 'ohProbeLastError."flaky"."slow"')
		metrics=$(scrape) || { fail "round $i: the scrape failed"; return; }
		printf '%s\n' "$metrics" >"$T/scrape.$i"
		cycles=$(series_value "$metrics" ohAgentCycles)
		latency=$(series_value "$metrics" 'ohProbeLatencySeconds{ohProbeName="slow",ohProbeTarget="127.0.0.1:'"$FLAKY_PORT"'",ohServiceName="flaky"}')
		log "round $i: cycle $cycles, error \"$error\", latency ${latency}s"
		[[ "$cycles" =~ ^[0-9]+$ ]] && [ "$cycles" -gt "$prev_cycles" ] ||
			fail "round $i: ohAgentCycles $cycles did not pass $prev_cycles"
		prev_cycles=${cycles:-0}
		errors+="$error"$'\n'
		latencies+="$latency"$'\n'
		labels=$(grep -v '^#' <<<"$metrics" | sed 's/ [^ ]*$//' | sort)
		if [ "$i" = 1 ]; then
			first=$labels
		elif [ "$labels" != "$first" ]; then
			fail "round $i: the label sets differ from round 1:"
			diff <(echo "$first") <(echo "$labels") | head -20
		fi
	done
	# The test means something only if the text and the latency did change.
	[ "$(sort -u <<<"$errors" | grep -c .)" = 3 ] || fail "the error text did not change every round: $errors"
	[ "$(sort -u <<<"$latencies" | grep -c .)" -ge 2 ] || fail "the latency never changed: $latencies"
	log "$(grep -c . <<<"$first") series in each scrape"

	# What the series are: identities only as labels, state sets, seconds.
	for labels in \
		'ohServiceHealth{ohServiceHealth="critical",ohServiceName="db-1"} 1' \
		'ohServiceHealth{ohServiceHealth="ok",ohServiceName="web"} 1' \
		'ohServiceStatus{ohServiceName="db-1",ohServiceStatus="absent"} 1' \
		'ohServiceStatus{ohServiceName="web",ohServiceStatus="up"} 1' \
		"ohProbeStatus{ohProbeName=\"slow\",ohProbeStatus=\"badResponse\",ohProbeTarget=\"127.0.0.1:$FLAKY_PORT\",ohServiceName=\"flaky\"} 1" \
		"ohProbeTimeoutSeconds{ohProbeName=\"slow\",ohProbeTarget=\"127.0.0.1:$FLAKY_PORT\",ohServiceName=\"flaky\"} 0.3" \
		"ohProbeFailurePhase{ohProbeFailurePhase=\"badResponse\",ohProbeName=\"slow\",ohProbeTarget=\"127.0.0.1:$FLAKY_PORT\",ohServiceName=\"flaky\"} 1" \
		'ohServiceStallAfterSeconds{ohServiceName="web"} 10' \
		'ohAgentIntervalSeconds 1' \
		'ohServiceFdCritRatio{ohServiceName="web"} 0.95' \
		'ohAgentServices 3'; do
		grep -qxF "$labels" "$T/scrape.3" || fail "no [$labels] in the scrape"
	done
	# ohFileIndex is the file's position or, with a files: entry's name, the name.
	grep -qE "^ohFileStatus\{ohFileIndex=\"[^\"]+\",ohFilePath=\"$T/heartbeat\",ohFileStatus=\"ok\",ohServiceName=\"web\"\} 1\$" \
		"$T/scrape.3" || fail "no ohFileStatus ok for $T/heartbeat: $(grep '^ohFileStatus' "$T/scrape.3")"
	grep -E '^oh[A-Za-z]*\{[^}]*(ohServiceHealthText|ohProbeLastError)=' "$T/scrape.3" && fail "free text as a label"
	grep -E '^ohRestart' "$T/scrape.3" && fail "restart events as series"
	grep -E '^oh(ProbeLatency|AgentSnapshotAge|AgentLastCycleDuration|AgentLastCycleCpu|AgentInterval|ProbeTimeout|ServiceFdUsage|ServiceFdWarn|ServiceFdCrit|ServiceStallAfter)[{ ]' \
		"$T/scrape.3" && fail "a series in µs, ms or percent"
	# -62167219200 ("never") only on the DateAndTime series, which the rules filter.
	grep -v '^#' "$T/scrape.3" | grep -vE "$DATE_SERIES" | awk '$NF < -1e9 { print; bad = 1 } END { exit !bad }' &&
		fail "a value near -6.2e10 outside the DateAndTime series"
	assert_latency_in_seconds
}

# The exporter's ohProbeLatencySeconds is the MIB's microseconds / 1e6, read within
# one cycle: the prober is held still meanwhile, so SNMP gives the same value before and
# after the scrape however long the scrape takes.
assert_latency_in_seconds() {
	local before after metrics seconds freezer
	spawn "$HELPERS/freeze_thread" "$AGENT_PID" oh-prober 60
	freezer=$SPAWNED
	wait_until "$WAIT_MS" grep -q "^frozen " "$T/spawned.log" || { fail "the prober thread could not be frozen"; return; }
	before=$(oh_get 'ohProbeLatency."web"."ping"')
	metrics=$(scrape)
	after=$(oh_get 'ohProbeLatency."web"."ping"')
	kill -0 "$freezer" 2>/dev/null || fail "the freeze ended before the scrape did"
	end_pid "$freezer"
	assert_eq "$before" "$after" "the latency of web/ping over SNMP before and after the scrape"
	seconds=$(series_value "$metrics" "$(grep -o '^ohProbeLatencySeconds{ohProbeName="ping"[^}]*}' <<<"$metrics")")
	awk -v s="$seconds" -v us="$before" 'BEGIN { exit !(s != "" && s * 1e6 - us < 0.5 && us - s * 1e6 < 0.5) }' ||
		fail "ohProbeLatencySeconds of web/ping is [$seconds], the MIB says $before µs"
	log "web/ping: $before µs over SNMP, ${seconds}s from the exporter"
}

rules_pass_promtool() {
	local out
	out=$(promtool check rules "$PROM_DIR/oobhealth.rules.yml" 2>&1)
	assert_eq 0 "$?" "promtool check rules exit code ($out)"
	assert_contains "$out" "SUCCESS" "promtool check rules"
	grep -i 'warn' <<<"$out" && fail "promtool check rules warned"
	log "$(grep SUCCESS <<<"$out")"
	out=$(cd "$PROM_DIR" && promtool test rules oobhealth.rules.test.yml 2>&1)
	assert_eq 0 "$?" "promtool test rules exit code ($out)"
	assert_contains "$out" "SUCCESS" "promtool test rules"
	rules_are_all_tested
}

# Every alert is tested firing and not firing, every recording rule evaluated.
rules_are_all_tested() {
	local name tests=$PROM_DIR/oobhealth.rules.test.yml
	for name in $(sed -n 's/^ *- alert: //p' "$PROM_DIR/oobhealth.rules.yml"); do
		awk -v want="$name" '
			$1 == "alertname:" { current = $2 }
			$1 == "exp_alerts:" && current == want { if ($2 == "[]") quiet = 1; else fires = 1 }
			END { exit !(quiet && fires) }' "$tests" ||
			fail "alert $name is not tested both firing and not firing"
	done
	for name in $(sed -n 's/^ *- record: //p' "$PROM_DIR/oobhealth.rules.yml"); do
		grep -qE "^ +- expr: $name\$" "$tests" || fail "recording rule $name is not evaluated"
	done
}

# prom_query EXPR: the result of an instant query, one series a line (empty: none).
prom_query() {
	promtool query instant "http://127.0.0.1:$PROM_PORT" "$1" 2>>"$T/query.log"
}

# prom_has EXPR: the query answered and found something.
prom_has() {
	local out
	out=$(prom_query "$1") && [ -n "$out" ]
}

# prom_none EXPR WHAT: fails unless the query answers and finds nothing.
prom_none() {
	local out
	out=$(prom_query "$1") || { fail "query $1: $(tail -n 1 "$T/query.log")"; return; }
	[ -z "$out" ] || fail "$2: $out"
}

# The shipped scrape job and rules in a real Prometheus server, scraping through the
# exporter every 5 s (a scrape may take that long on a loaded machine): the recorded
# times never hold "never", the alerts match live series by their real names and labels,
# and the reading-path alerts follow oobhealthd and snmpd going away.
prometheus_evaluates_the_rules_on_live_series() {
	local config out now
	build_module || return
	start_snmpd || return
	write_services || return
	listen 127.0.0.1:$FLAKY_PORT 8 silent || return
	start_agent || return
	start_exporter || return

	mkdir -p "$T/prometheus"
	config=$T/prometheus/prometheus.yml
	{
		printf 'global:\n  scrape_interval: 5s\n  scrape_timeout: 5s\n  evaluation_interval: 1s\n'
		sed -e "s|/etc/prometheus/oobhealth.rules.yml|$PROM_DIR/oobhealth.rules.yml|" \
			-e "s|app1.example.net:161|127.0.0.1:$SNMP_PORT|" \
			-e "s|replacement: 127.0.0.1:9116|replacement: 127.0.0.1:$EXPORTER_PORT|" \
			"$PROM_DIR/prometheus.yml"
	} >"$config"
	for out in "$PROM_DIR/oobhealth.rules.yml" "127.0.0.1:$SNMP_PORT" "127.0.0.1:$EXPORTER_PORT"; do
		grep -qF "$out" "$config" || fail "conf/prometheus/prometheus.yml no longer has the place for $out"
	done
	out=$(promtool check config "$config" 2>&1) || { fail "promtool check config: $out"; return; }

	PROM_PORT=$(free_port)
	spawn prometheus --config.file="$config" --storage.tsdb.path="$T/prometheus/data" \
		--web.listen-address="127.0.0.1:$PROM_PORT" --log.level=warn
	wait_until "$WAIT_MS" curl -sf -o /dev/null "http://127.0.0.1:$PROM_PORT/-/ready" ||
		{ fail "prometheus did not become ready"; tail "$T/spawned.log"; return; }

	wait_until "$WAIT_MS" prom_has 'oobhealth:probe_last_success_time_seconds{ohServiceName="web"}' ||
		{ fail "no recorded last success of web/ping: $(prom_query 'ohProbeLastSuccess')"; return; }
	prom_none '{__name__=~"oobhealth:.+"} < -1e9' "recorded series near -6.2e10"
	# "Never" is absent from the records while the raw series is there.
	prom_has 'ohServiceStartTime{ohServiceName="db-1"}' || fail "no raw ohServiceStartTime for db-1"
	prom_none 'oobhealth:service_start_time_seconds{ohServiceName="db-1"}' \
		"db-1 never ran, yet it has a recorded start time"
	prom_none 'oobhealth:probe_last_success_time_seconds{ohServiceName="flaky"}' \
		"flaky/slow never succeeded, yet it has a recorded last success"
	now=$(date +%s)
	prom_has "oobhealth:service_start_time_seconds{ohServiceName=\"web\"} > $((now - 3600)) < $((now + 60))" ||
		fail "web's recorded start time is not within the last hour: $(prom_query 'oobhealth:service_start_time_seconds')"

	for out in \
		'ALERTS{alertname="OobhealthServiceDown",ohServiceName="db-1",ohServiceStatus="absent"}' \
		'ALERTS{alertname="OobhealthServiceCritical",ohServiceName="db-1"}' \
		"ALERTS{alertname=\"OobhealthProbeFailing\",ohServiceName=\"flaky\",ohProbeName=\"slow\",ohProbeTarget=\"127.0.0.1:$FLAKY_PORT\",instance=\"127.0.0.1:$SNMP_PORT\"}"; do
		wait_until "$WAIT_MS" prom_has "$out" || fail "no $out; alerts: $(prom_query ALERTS)"
	done
	prom_none 'ALERTS{ohServiceName="web"} or ALERTS{alertname=~"OobhealthScrapeFailing|OobhealthAgentNotAnswering|OobhealthSnapshotStale"}' \
		"alerts for what is healthy"

	end_pid "$AGENT_PID"
	wait_until "$WAIT_MS" prom_has 'ALERTS{alertname="OobhealthAgentNotAnswering"}' ||
		fail "oobhealthd stopped, yet no OobhealthAgentNotAnswering: $(prom_query ALERTS)"
	stop_snmpd
	wait_until "$WAIT_MS" prom_has 'ALERTS{alertname="OobhealthScrapeFailing"}' ||
		fail "snmpd stopped, yet no OobhealthScrapeFailing: $(prom_query ALERTS)"
	log "alerts at the end: $(prom_query ALERTS | sed -n 's/.*alertname="\([A-Za-z]*\)".*/\1/p' | sort -u | tr '\n' ' ')"
}

run_tests \
	generator_builds_the_module_as_documented \
	generator_fails_loudly_on_a_missing_or_broken_mib \
	scrapes_of_three_cycles_have_the_same_label_sets \
	rules_pass_promtool \
	prometheus_evaluates_the_rules_on_live_series
