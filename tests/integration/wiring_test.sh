#!/usr/bin/env bash
# The README's "Wiring it into an existing snmpd", followed as written on Debian: its
# snmpd lines added to a copy of Debian's own snmpd.conf, then its snmpwalk/snmpget
# commands by name and by number run under Debian's own snmp.conf. And its "Receiving
# them: snmptrapd": the receiver and the sink lines as written, on loopback.
source "$(dirname "$0")/../lib.sh"

DEBIAN_SNMPD_CONF=/etc/snmp/snmpd.conf
OH_ROOT_OID=.1.3.6.1.4.1.8072.9999.9999.4242

# readme_block NAME: the fenced block right after the README line
# "<!-- wiring_test.sh: NAME -->", without fences or indentation; fails if there is none.
readme_block() {
	awk -v marker="<!-- wiring_test.sh: $1 -->" '
		{ line = $0; sub(/^[ \t]+/, "", line) }
		state == 0 && line == marker { state = 1; next }
		state == 1 && line ~ /^```/ { state = 2; next }
		state == 1 && line != "" { exit }
		state == 2 && line ~ /^```/ { found = 1; exit }
		state == 2 { print line }
		END { exit !found }' "$ROOT/README.md"
}

# start_debian_snmpd LINES: snmpd on a copy of Debian's snmpd.conf whose includeDir is
# this test's directory, holding LINES as the file the README names, started as
# Debian's snmpd.service starts it (as Debian-snmp, without smux and mteTrigger).
# The copy leaves out Debian's agentaddress (udp 161 on both loopbacks): snmpd adds the
# command line's address to it rather than replacing it. A second file, read last,
# moves the AgentX socket into $T.
start_debian_snmpd() {
	grep -qxE 'includeDir[[:space:]]+/etc/snmp/snmpd\.conf\.d' "$DEBIAN_SNMPD_CONF" || {
		fail "$DEBIAN_SNMPD_CONF has no 'includeDir /etc/snmp/snmpd.conf.d', where the README puts its lines"
		return 1
	}
	mkdir -p "$T/snmpd.conf.d" "$T/persist"
	sed -e "s|^includeDir[[:space:]].*|includeDir $T/snmpd.conf.d|" -e 's/^[[:space:]]*agentaddress/#&/I' \
		"$DEBIAN_SNMPD_CONF" >"$T/snmpd.conf"
	printf '%s\n' "$1" >"$T/snmpd.conf.d/oobhealth.conf"
	echo "agentXSocket $T/agentx/master" >"$T/test-socket.conf"
	# snmpd, once it is Debian-snmp, still saves its persistent state under $T.
	chown Debian-snmp: "$T/persist"
	chmod 711 "$T"
	SNMP_PORT=$(free_port)
	MIBS="" spawn snmpd -f -C -c "$T/snmpd.conf,$T/test-socket.conf" -Lf "$T/snmpd.log" \
		-p "$T/snmpd.pid" -u Debian-snmp -g Debian-snmp -I -smux,mteTrigger,mteTriggerConf \
		"udp:127.0.0.1:$SNMP_PORT"
	SNMPD_PID=$SPAWNED
	wait_until "$WAIT_MS" snmpd_answers || { fail "snmpd did not answer on port $SNMP_PORT"; tail "$T/snmpd.log"; return 1; }
}

# oobhealthd watching snmpd under the service name the README's commands ask for.
start_oobhealthd() {
	cat >"$T/agent.yaml" <<CONF
agent:
  agentx_socket: $T/agentx/master
  interval: 1s
  ping_interval: 1s
  state_file: $T/state
services:
  - name: snmpd
    match: { pidfile: $T/snmpd.pid, user: Debian-snmp }
CONF
	start_agent && return
	grep -q "AgentX subagent connected" "$T/agent.log" &&
		fail "oobhealthd is connected, but community public cannot read OOBHEALTH-MIB: does the README still add it to Debian's view systemonly?"
	return 1
}

# run_readme_commands NAME ENV...: runs each line of the README block NAME with the
# monitored host (HOST) being this test's snmpd, in the environment of a fresh shell
# (Debian's /etc/snmp/snmp.conf, HOME below $T) plus ENV. Writes $T/NAME.N.out and
# .err and .rc for each line N; fails on a line that is not a net-snmp query.
run_readme_commands() {
	local name=$1 block line n=0
	shift
	block=$(readme_block "$name") || { fail "README.md has no block after <!-- wiring_test.sh: $name -->"; return 1; }
	while IFS= read -r line; do
		case "$line" in "" | "#"*) continue ;; esac
		n=$((n + 1))
		[[ "$line" =~ ^(snmpwalk|snmpget|snmptranslate)\  ]] ||
			{ fail "README block '$name' line $n is not an snmpwalk/snmpget/snmptranslate: $line"; continue; }
		line=$(sed "s/\bHOST\b/127.0.0.1:$SNMP_PORT/g" <<<"$line")
		log "\$ $line"
		printf '%s\n' "$line" >"$T/$name.$n.cmd"
		env -u SNMPCONFPATH -u MIBS -u MIBDIRS HOME="$T/home" "$@" bash -c "$line" \
			>"$T/$name.$n.out" 2>"$T/$name.$n.err"
		echo $? >"$T/$name.$n.rc"
	done <<<"$block"
	[ "$n" -gt 0 ] || fail "README block '$name' has no command"
	echo "$n" >"$T/$name.count"
}

# assert_readme_commands NAME PREFIX: every command of block NAME exited 0, printed
# nothing on stderr, and only lines starting with PREFIX that hold a value.
assert_readme_commands() {
	local name=$1 prefix=$2 n out err line
	for n in $(seq "$(cat "$T/$name.count" 2>/dev/null || echo 0)"); do
		out=$(cat "$T/$name.$n.out")
		err=$(cat "$T/$name.$n.err")
		assert_eq 0 "$(cat "$T/$name.$n.rc")" "exit code of README '$name' command $n"
		case "$err" in
		*"Cannot find module"* | *"Unknown Object Identifier"*) fail "README '$name' command $n could not load its MIBs: $(head -3 <<<"$err")" ;;
		?*) fail "README '$name' command $n wrote to stderr: $(head -3 <<<"$err")" ;;
		esac
		[ -n "$out" ] || fail "README '$name' command $n printed nothing"
		while IFS= read -r line; do
			[[ "$line" == "$prefix"* ]] ||
				{ fail "README '$name' command $n printed a line not starting with $prefix: $line"; break; }
		done <<<"$out"
		# A walk of the last subtree of a view ends with the agent's endOfMibView, which
		# snmpwalk prints as its last line; anywhere else it means a missing value.
		[[ "$(cat "$T/$name.$n.cmd")" == snmpwalk\ * ]] && out=$(sed '$ {/= No more variables left in this MIB View/d}' <<<"$out")
		line=$(grep -m1 -E 'No Such (Object|Instance)|No more variables' <<<"$out")
		[ -z "$line" ] || fail "README '$name' command $n got no value: $line"
	done
}

readme_snmpd_lines_match_the_snippet() {
	local readme snippet
	readme=$(readme_block snmpd.conf) || { fail "README.md has no snmpd.conf block"; return; }
	snippet=$(grep -vE '^[[:space:]]*(#|$)' "$ROOT/conf/snmpd.conf.snippet")
	assert_eq "$snippet" "$readme" "the README's snmpd lines against conf/snmpd.conf.snippet"
}

readme_wiring_works_on_debian_snmpd_conf() {
	local lines perms sock_mode dir_mode group oid
	lines=$(readme_block snmpd.conf) || { fail "README.md has no snmpd.conf block"; return; }
	# The README has the group made (make install's sysusers file) before snmpd starts;
	# where it is missing the test makes it and removes it at the end. The group's name is
	# fixed: test runs side by side take turns here.
	group=$(awk '$1 == "agentXPerms" { print $5 }' <<<"$lines")
	serialize "group-$group" || return
	if [ -n "$group" ] && ! getent group "$group" >/dev/null; then
		groupadd --system "$group" || { fail "cannot create the group $group"; return; }
		trap "groupdel '$group' >/dev/null 2>&1; cleanup" EXIT
	fi
	start_debian_snmpd "$lines" || return
	start_oobhealthd || return

	# The socket and its directory as the README's agentXPerms line sets them.
	perms=$(grep -E '^agentXPerms ' <<<"$lines")
	if [ -n "$perms" ]; then
		read -r _ sock_mode dir_mode _ group <<<"$perms"
		assert_eq "${sock_mode#0}" "$(stat -c %a "$T/agentx/master")" "AgentX socket mode"
		assert_eq "${dir_mode#0}" "$(stat -c %a "$T/agentx")" "AgentX socket directory mode"
		assert_eq "$group" "$(stat -c %G "$T/agentx/master")" "AgentX socket group"
	fi

	# By name: OOBHEALTH-MIB where the README says a poller copies it, the IETF base MIBs
	# from build/mibs where snmp-mibs-downloader's would be (an addition to the default
	# MIB path, as /usr/share/snmp/mibs/ietf is).
	mkdir -p "$T/home/.snmp/mibs"
	cp "$ROOT/mibs/OOBHEALTH-MIB.txt" "$T/home/.snmp/mibs/"
	run_readme_commands "by name" MIBDIRS="+$ROOT/build/mibs"
	assert_readme_commands "by name" "OOBHEALTH-MIB::"
	grep -qxF 'OOBHEALTH-MIB::ohServiceStatus."snmpd" = INTEGER: up(1)' "$T"/"by name".*.out ||
		fail "the README's commands by name did not show ohServiceStatus.\"snmpd\" = up(1)"
	grep -qxF 'OOBHEALTH-MIB::ohServiceHealth."snmpd" = INTEGER: ok(1)' "$T"/"by name".*.out ||
		fail "the README's commands by name did not show ohServiceHealth.\"snmpd\" = ok(1)"

	# Without the base MIBs the same commands complain: the step is needed, and the
	# stderr check above is one that can fail.
	if [ -e /usr/share/snmp/mibs/ietf/SNMPv2-SMI ]; then
		log "this host has snmp-mibs-downloader's MIBs: the run without base MIBs is skipped"
	else
		run_readme_commands "by name"
		grep -q "Cannot find module (SNMPv2-" "$T"/"by name".*.err ||
			fail "without the base MIBs the README's commands by name did not report them missing"
	fi

	# By number: the README's translation is the OID its numeric command asks for, and
	# the numeric commands work with no MIB file anywhere on the MIB path.
	run_readme_commands translate MIBDIRS="+$ROOT/build/mibs"
	assert_readme_commands translate "$OH_ROOT_OID."
	oid=$(cat "$T/translate.1.out")
	assert_contains "$(readme_block "by number")" "$oid" "the README's numeric commands"
	grep -qF "prints \`$oid\`" "$ROOT/README.md" || fail "the README does not say snmptranslate prints $oid"
	rm -rf "${T:?}/home"
	run_readme_commands "by number" MIBDIRS=""
	assert_readme_commands "by number" "$OH_ROOT_OID."
	grep -qxF "$oid = INTEGER: 1" "$T"/"by number".*.out ||
		fail "the README's numeric commands did not show $oid = INTEGER: 1 (ok)"
}

readme_sink_lines_match_the_snippet() {
	local readme snippet
	readme=$(readme_block sinks) || { fail "README.md has no sinks block"; return; }
	snippet=$(sed -n 's/^#\(trap2sink\|trapsess\) /\1 /p' "$ROOT/conf/snmpd.conf.snippet")
	assert_eq "$snippet" "$readme" "the README's sink lines against those commented in conf/snmpd.conf.snippet"
}

trapd_listens() { [ -n "$(ss -Hlun "sport = :$TRAP_PORT" 2>/dev/null)" ]; }

# received COUNT NAME [TEXT]: the receiver logged COUNT notifications NAME (holding TEXT).
received() {
	[ "$(grep -F "| snmpTrapOID.0 = $2 |" "$T/traps" | grep -cF -- "${3:-}")" = "$1" ]
}

# The README's receiver, run as written but for where its file goes (below $T), the port
# (loopback) and -X (no AgentX session with whatever master this host runs), logs what
# snmpd sends through each README sink line once, one line per notification, by name.
readme_notifications_reach_the_receiver() {
	local block install trapd sinks
	block=$(readme_block snmptrapd) || { fail "README.md has no snmptrapd block"; return; }
	grep -qx 'apt-get install snmptrapd' <<<"$block" || fail "the README's receiver block does not install snmptrapd"
	install=$(grep '^install ' <<<"$block")
	trapd=$(grep '^snmptrapd ' <<<"$block")
	[[ "$trapd" == *" udp:162" ]] || { fail "the README's snmptrapd does not end with udp:162: $trapd"; return; }
	TRAP_PORT=$(free_port)
	mkdir -p "$T/etc/snmp"
	(cd "$ROOT" && bash -c "${install//\/etc\/snmp\//$T/etc/snmp/}") || { fail "the README's install line failed"; return; }
	trapd="snmptrapd -X ${trapd#snmptrapd }"
	trapd=${trapd//\/etc\/snmp\//$T/etc/snmp/}
	trapd="${trapd% udp:162} udp:127.0.0.1:$TRAP_PORT"
	log "\$ $trapd"
	MIBDIRS="+$ROOT/build/mibs:$ROOT/mibs" spawn bash -c "exec $trapd >'$T/traps'"
	wait_until "$WAIT_MS" trapd_listens || { fail "the README's snmptrapd did not listen"; cat "$T/spawned.log"; return; }

	sinks=$(readme_block sinks | sed -e "s/nms\.example\.net:162\$/127.0.0.1:$TRAP_PORT/" \
		-e "s/^trap2sink nms\.example\.net /trap2sink 127.0.0.1:$TRAP_PORT /")
	[ "$(grep -c "127.0.0.1:$TRAP_PORT" <<<"$sinks")" = 2 ] || { fail "the README's sink lines name no nms.example.net: $sinks"; return; }
	SNMPD_EXTRA=$sinks start_snmpd || return
	write_config <<CONF
  - name: gone
    match: { pidfile: $T/gone.pid }
CONF
	start_agent || return
	# Each sink delivers each notification once: two lines of each.
	wait_until "$WAIT_MS" received 2 ohServiceStatusChange 'ohServiceStatus."gone" = absent' ||
		fail "the receiver did not log ohServiceStatusChange for gone from both sinks"
	received 2 coldStart || fail "the receiver did not log snmpd's coldStart from both sinks"
	received 2 ohAgentStarted "ohAgentServices.0 = 1 services" || fail "the receiver did not log ohAgentStarted from both sinks"
	received 2 ohServiceStatusChange \
		'ohServiceStatus."gone" = absent | ohServiceHealth."gone" = critical | ohServiceHealthText."gone" = absent: pidfile '"$T/gone.pid"' is missing' ||
		fail "the status change lines are not as the README shows them"
	grep -E 'Cannot find module|Unknown|Authentication failed|Warning' "$T/traps" "$T/spawned.log" &&
		fail "the README's receiver complained"
	[ "$FAILED" = 0 ] || cat "$T/traps"
}

run_tests readme_snmpd_lines_match_the_snippet readme_wiring_works_on_debian_snmpd_conf \
	readme_sink_lines_match_the_snippet readme_notifications_reach_the_receiver
