#!/usr/bin/env bash
# The shipped monitoring configs, each run by the real consumer: Icinga 2 validates
# conf/icinga2 and its numeric OIDs feed the stock check_snmp; Nagios validates
# conf/nagios and its command line runs. (Prometheus: prometheus_test.sh.)
source "$(dirname "$0")/../lib.sh"

CHECK=${CHECK:-$ROOT/build/san/check_oobhealth}
PLUGINS=/usr/lib/nagios/plugins

# A listener found by its pidfile, and a service that is absent.
start_services() {
	local port=$(free_port)
	listen 127.0.0.1:$port 8 reply "PONG" || return 1
	echo "$SPAWNED" >"$T/web.pid"
	write_config <<CONF
  - name: web
    match: { pidfile: $T/web.pid }
    probes:
      - { name: ping, tcp: 127.0.0.1:$port, send: "PING\r\n", expect: '^PONG', timeout: 2s }
  - name: db-1
    match: { pidfile: $T/never-written.pid }
CONF
	start_agent || return 1
	wait_until "$WAIT_MS" value_is 'ohProbeStatus."web"."ping"' ok || { fail "probe never ok"; return 1; }
}

# icinga2 drops to its own user: what it reads and writes must be open to that user, and
# the checkout may not be (a home directory is often 0700), so it reads copies in $T.
icinga_dir() {
	mkdir -p "$T/icinga/cache"
	cp "$ROOT/conf/icinga2/oobhealth.conf" "$T/icinga/"
	chmod 0755 "$T"
	chmod -R a+rwX "$T/icinga"
	cat >"$T/icinga/icinga2.conf" <<CONF
const PluginDir = "$PLUGINS"
const NodeName = "oobhealth-test"
const ZoneName = "oobhealth-test"
include <itl>
include <plugins>
include "$T/icinga/oobhealth.conf"
object Host "app1" {
  check_command = "hostalive"
  address = "127.0.0.1"
  vars.oobhealth_services = [ "web", "db-1" ]
}
CONF
}

icinga2_config_validates() {
	local out
	icinga_dir
	out=$(icinga2 daemon -C -c "$T/icinga/icinga2.conf" -DCacheDir="$T/icinga/cache" 2>&1)
	assert_eq 0 "$?" "icinga2 daemon -C exit code"
	grep -E 'critical|warning' <<<"$out" && fail "icinga2 reported problems"
	# Two listed services plus the worst-of-all one, on the one host.
	assert_contains "$out" "Instantiated 3 Services." "icinga2 -C"
	assert_contains "$out" "Instantiated 1 Host." "icinga2 -C"
	log "$(grep -o 'Instantiated [0-9]* CheckCommands' <<<"$out")"
}

# The config's OID function, evaluated by icinga2 itself, against snmptranslate.
icinga_oid() {
	local function
	function=$(sed -n '/^function oobhealth_service_oid/,/^}/p' "$ROOT/conf/icinga2/oobhealth.conf")
	icinga2 console -e "$function; oobhealth_service_oid($1, \"$2\")" 2>&1 | tr -d '"'
}

icinga2_snmp_command_reads_the_health_by_number() {
	local name expected got warn crit
	start_snmpd || return
	start_services || return
	for name in web db-1 A.Z_0-9; do
		expected=$(snmptranslate -On "${MIB_OPTS[@]}" "OOBHEALTH-MIB::ohServiceHealth.\"$name\"")
		got=$(icinga_oid 12 "$name")
		assert_eq "$expected" "$got" "oobhealth_service_oid(12, \"$name\")"
	done
	# The stock check_snmp with the command's thresholds, against live values.
	warn=$(sed -n 's/^\tvars.snmp_warn = "\(.*\)"$/\1/p' "$ROOT/conf/icinga2/oobhealth.conf")
	crit=$(sed -n 's/^\tvars.snmp_crit = "\(.*\)"$/\1/p' "$ROOT/conf/icinga2/oobhealth.conf")
	assert_eq "1:1 1:2" "$warn $crit" "thresholds read from the config"
	got=$("$PLUGINS/check_snmp" -H 127.0.0.1 -p "$SNMP_PORT" -P 2c -C public \
		-o "$(icinga_oid 12 web)" -w "$warn" -c "$crit" -l ohServiceHealth)
	assert_eq 0 "$?" "check_snmp exit code for a healthy service ($got)"
	log "$got"
	got=$("$PLUGINS/check_snmp" -H 127.0.0.1 -p "$SNMP_PORT" -P 2c -C public \
		-o "$(icinga_oid 12 db-1)" -w "$warn" -c "$crit" -l ohServiceHealth)
	assert_eq 2 "$?" "check_snmp exit code for an absent service ($got)"
	log "$got"
}

nagios_config_validates_and_its_command_runs() {
	local out line
	# nagios4 reads its files as its own user, which may not enter the checkout: it reads
	# copies in $T.
	mkdir -p "$T/nagios"
	cp "$ROOT/conf/nagios/oobhealth.cfg" "$T/nagios/"
	chmod 0755 "$T"
	chmod -R a+rwX "$T/nagios"
	cat >"$T/nagios/nagios.cfg" <<CONF
cfg_file=/etc/nagios4/objects/templates.cfg
cfg_file=/etc/nagios4/objects/timeperiods.cfg
cfg_file=/etc/nagios4/objects/contacts.cfg
cfg_file=/etc/nagios4/objects/commands.cfg
cfg_file=$T/nagios/oobhealth.cfg
cfg_file=$T/nagios/hosts.cfg
resource_file=$T/nagios/resource.cfg
check_result_path=$T/nagios
illegal_macro_output_chars=\`~\$&|'"<>
CONF
	cat >"$T/nagios/hosts.cfg" <<'CONF'
define command {
    command_name    check-host-alive
    command_line    $USER1$/check_ping -H $HOSTADDRESS$ -w 3000.0,80% -c 5000.0,100% -p 5
}
define host {
    use             linux-server
    host_name       app1
    address         127.0.0.1
    hostgroups      oobhealth-hosts
}
CONF
	# The SNMPv3 secrets: the shipped example ini with this test's user in it.
	sed -e "s/^secname=.*/secname=$V3_USER/" -e "s/^authpasswd=.*/authpasswd=$V3_AUTH/" \
		-e "s/^privpasswd=.*/privpasswd=$V3_PRIV/" "$ROOT/conf/nagios/oobhealth.ini" >"$T/nagios/oobhealth.ini"
	assert_eq 3 "$(grep -cE "^(secname=$V3_USER|authpasswd=$V3_AUTH|privpasswd=$V3_PRIV)\$" "$T/nagios/oobhealth.ini")" \
		"secrets put into the example ini"
	printf '$USER1$=%s\n$USER3$=public\n$USER4$=oobhealth-v3@%s\n' "$PLUGINS" "$T/nagios/oobhealth.ini" \
		>"$T/nagios/resource.cfg"
	out=$(nagios4 -v "$T/nagios/nagios.cfg" 2>&1)
	assert_eq 0 "$?" "nagios4 -v exit code"
	assert_contains "$out" "Total Warnings: 0" "nagios4 -v"
	assert_contains "$out" "Total Errors:   0" "nagios4 -v"
	assert_contains "$out" "Checked 2 services." "nagios4 -v"

	# The shipped command lines, with Nagios's macros filled in as Nagios would.
	start_snmpd || return
	start_services || return
	for name in check_oobhealth check_oobhealth_all check_oobhealth_v3; do
		line=$(awk -v want="$name" '$1 == "command_name" { name = $2 }
			$1 == "command_line" && name == want { sub(/^[ \t]*command_line[ \t]+/, ""); print }' \
			"$ROOT/conf/nagios/oobhealth.cfg")
		line=${line//'$USER1$'/$(dirname "$CHECK")}
		line=${line//'$HOSTADDRESS$'/127.0.0.1}
		line=${line//'$USER3$'/public}
		line=${line//'$USER4$'/oobhealth-v3@$T/nagios/oobhealth.ini}
		line=${line//'$ARG1$'/web}
		# Latency ranges the 2 s probe cannot leave: a loaded machine does not turn it WARNING.
		line=${line//'$ARG2$'/-p $SNMP_PORT -w 80,2 -c 90,2.5}
		[[ "$line" == *'$'* ]] && fail "$name: a macro the test does not fill: $line"
		out=$($line 2>&1)
		case $name in
		check_oobhealth_all)
			assert_eq 2 "$?" "$name exit code (db-1 is absent): $out"
			assert_prefix "OOBHEALTH CRITICAL - db-1: absent" "$out" "$name" ;;
		*)
			assert_eq 0 "$?" "$name exit code: $out"
			assert_prefix "OOBHEALTH OK - web: up" "$out" "$name" ;;
		esac
		log "$name: $(head -n 1 <<<"$out")"
	done
	# The SNMPv3 command really speaks v3: with a wrong passphrase in the file it fails.
	sed -i "s/^authpasswd=.*/authpasswd=not-the-passphrase/" "$T/nagios/oobhealth.ini"
	out=$($line 2>&1)
	assert_eq 3 "$?" "check_oobhealth_v3 with a wrong passphrase: $out"
	assert_contains "$out" "Authentication failure" "check_oobhealth_v3 with a wrong passphrase"
}

run_tests \
	icinga2_config_validates \
	icinga2_snmp_command_reads_the_health_by_number \
	nagios_config_validates_and_its_command_runs
