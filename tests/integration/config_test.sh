#!/usr/bin/env bash
# The configuration contract: every bad file in tests/config/bad is rejected by
# --check-config with exactly the FILE:LINE:COL messages its "# expect:" lines give and
# exit 78; every good file and every shipped example passes.
source "$(dirname "$0")/../lib.sh"

bad_configs_are_rejected_with_exact_positions() {
	local file expected got code count=0
	for file in "$ROOT"/tests/config/bad/*.yaml; do
		expected=$(sed -n "s|^# expect: |$file:|p" "$file")
		[ -n "$expected" ] || { fail "$file has no '# expect:' line"; continue; }
		got=$("$OOBHEALTHD" --check-config -c "$file" 2>&1)
		code=$?
		assert_eq 78 "$code" "exit code for $(basename "$file")"
		assert_eq "$expected" "$got" "messages for $(basename "$file")"
		count=$((count + 1))
	done
	log "$count bad configurations checked"
	[ "$count" -ge 25 ] || fail "the corpus holds only $count bad configurations"
}

good_configs_and_examples_pass() {
	local file got
	for file in "$ROOT"/tests/config/good/*.yaml "$ROOT"/conf/oobhealth.yaml "$ROOT"/conf/examples/*.yaml "$ROOT"/conf/demo.yaml; do
		got=$("$OOBHEALTHD" --check-config -c "$file" 2>&1)
		assert_eq "0 OK" "$? $got" "--check-config $(basename "$file")"
	done
}

missing_file_is_reported() {
	local got
	got=$("$OOBHEALTHD" --check-config -c "$T/none.yaml" 2>&1)
	assert_eq "78 $T/none.yaml:1:1: cannot open: No such file or directory" "$? $got" "a missing file"
	got=$("$OOBHEALTHD" -f -c "$T/none.yaml" 2>&1)
	assert_eq "78 $T/none.yaml:1:1: cannot open: No such file or directory" "$? $got" "the daemon on a missing file"
}

# Not a configuration (a log, a disk image): refused after 16 MiB, never read whole.
oversized_file_is_refused() {
	local got
	truncate -s 17M "$T/huge.yaml"
	got=$("$OOBHEALTHD" --check-config -c "$T/huge.yaml" 2>&1)
	assert_eq "78 $T/huge.yaml:1:1: larger than 16 MiB: not a configuration file" "$? $got" \
		"a 17 MiB file"
}

once_reports_and_exits_by_worst_health() {
	sleep 600 &
	local pid=$! out code
	echo "$pid" >>"$T/pids"
	echo "$pid" >"$T/up.pid"
	cat >"$T/up.yaml" <<CONF
services:
  - name: alive
    match: { pidfile: $T/up.pid }
CONF
	out=$("$OOBHEALTHD" --once -c "$T/up.yaml")
	assert_eq "0" "$?" "--once exit code with every service ok"
	grep -Eq "^alive +up +$pid +0 +ok" <<<"$out" || fail "--once table: $out"
	cat >"$T/down.yaml" <<CONF
services:
  - name: alive
    match: { pidfile: $T/up.pid }
  - name: gone
    match: { pidfile: $T/gone.pid }
CONF
	out=$("$OOBHEALTHD" --once --json -c "$T/down.yaml")
	code=$?
	assert_eq 2 "$code" "--once exit code with a service absent"
	grep -Eq '"name":"gone","status":"absent","pid":0,[^}]*"health":"critical"' <<<"$out" ||
		fail "--once --json: $out"
	grep -Eq '"cycle_cpu_us":[0-9]+,"proc_pass_us":[1-9][0-9]*,"proc_pass_cpu_us":[0-9]+,"processes_scanned":[1-9][0-9]*' <<<"$out" ||
		fail "--once --json does not report the cycle and /proc pass cost: $out"
}

# The nested-repeat bomb that made POSIX regcomp grow to 24 GB is refused by the build
# users run within 64 MB of address space (a sanitizer build cannot run under ulimit -v),
# and x{0,32767} (13.8 s and 8.4 GB for regcomp) is one cheap instruction.
regex_bombs_are_refused_within_64_mb() {
	local agent=$ROOT/agent/oobhealthd got
	[ -x "$agent" ] || { fail "$agent is not built (make agent/oobhealthd)"; return; }
	cat >"$T/bomb.yaml" <<'CONF'
services:
  - name: web
    probes:
      - { name: banner, tcp: 127.0.0.1:25, expect: '(((x{0,255}){0,255}){0,255}){0,255}' }
CONF
	got=$(ulimit -v 65536 && timeout 120 "$agent" --check-config -c "$T/bomb.yaml" 2>&1)
	assert_eq "78 $T/bomb.yaml:4:52: expect: invalid regular expression \"(((x{0,255}){0,255}){0,255}){0,255}\": compiles to more than the limit of 16384 bytes (a repeated group is compiled once per repeat)" \
		"$? $got" "--check-config on the nested-repeat bomb under ulimit -v 65536"
	sed -i "s/expect: '.*'/expect: 'x{0,32767}'/" "$T/bomb.yaml"
	got=$(ulimit -v 65536 && timeout 120 "$agent" --check-config -c "$T/bomb.yaml" 2>&1)
	assert_eq "0 OK" "$? $got" "--check-config on x{0,32767} under ulimit -v 65536"
}

run_tests bad_configs_are_rejected_with_exact_positions good_configs_and_examples_pass \
	missing_file_is_reported oversized_file_is_refused once_reports_and_exits_by_worst_health \
	regex_bombs_are_refused_within_64_mb
