#!/usr/bin/env bash
# TLS probes against real openssl s_server processes presenting certificates the test makes
# with the openssl CLI: days left and health as the end nears, an expired certificate, a
# healthy one's notAfter, https:// with expect_status, a handshake that stalls or meets plain text,
# verify, a missing CA file, sni, --once --json.
source "$(dirname "$0")/../lib.sh"

probe() { echo "$1.\"$2\".\"$3\""; }

# snmp_date WHEN: a `date -d` time in UTC as snmpget prints a DateAndTime of 11 octets.
snmp_date() { date -u -d "$1 UTC" +'%Y-%-m-%-d,%-H:%-M:%-S.0,+0:0'; }

# health_date WHEN: the same time as the health text writes a notAfter.
health_date() { date -u -d "$1 UTC" +'%Y-%m-%d %H:%M:%S UTC'; }

has_value() { oh_get "$1" >/dev/null 2>&1 && [[ "$(oh_get "$1")" =~ ^-?[0-9] ]]; }

# assert_no_instance OBJECT: OBJECT has no instance (a probe that saw no certificate).
assert_no_instance() {
	local got
	got=$(oh_get "$1" 2>&1)
	assert_contains "$got" "No Such Instance" "$1"
}

# assert_days_between OBJECT LOW HIGH
assert_days_between() {
	local got
	got=$(oh_get "$1" 2>&1)
	[[ "$got" =~ ^-?[0-9]+$ ]] && [ "$got" -ge "$2" ] && [ "$got" -le "$3" ] ||
		fail "$1: expected $2..$3 days, got [$got]"
}

certificate_expiring_in_3_days_warns_with_days_left() {
	local service
	start_snmpd && tls_ca && tls_leaf soon IP:127.0.0.1 "-1 day" "+3 days +1 hour" || return
	start_tls_server soon -rev || return
	write_config <<CONF
  - name: api
    probes:
      - { name: soon, tls: 127.0.0.1:$TLS_PORT, ca: $TLS_DIR/ca.pem, timeout: 2s }
  - name: relaxed
    probes:
      - { name: soon, tls: 127.0.0.1:$TLS_PORT, ca: $TLS_DIR/ca.pem, cert_warn: 3, timeout: 2s }
  - name: strict
    probes:
      - { name: soon, tls: 127.0.0.1:$TLS_PORT, ca: $TLS_DIR/ca.pem, cert_crit: 4, timeout: 2s }
CONF
	start_agent || return
	wait_until "$WAIT_MS" has_value "$(probe ohProbeCertDaysLeft api soon)" ||
		{ fail "no days left: $(oh_get "$(probe ohProbeLastError api soon)" 2>&1)"; return; }
	assert_value "$(probe ohProbeStatus api soon)" ok
	assert_value "$(probe ohProbeCertDaysLeft api soon)" 3
	assert_value "$(probe ohProbeCertNotAfter api soon)" "$(snmp_date "$(tls_not_after soon)")"
	# Fewer days left than cert_warn (default 14): the service warns, naming the probe.
	assert_value 'ohServiceHealth."api"' warning
	assert_contains "$(oh_get 'ohServiceHealthText."api"')" \
		"probe soon: certificate expires in 3 days (notAfter $(health_date "$(tls_not_after soon)")" \
		"health text"
	# The thresholds are per probe: 3 days left is not fewer than 3, and is fewer than 4.
	for service in relaxed strict; do
		wait_until "$WAIT_MS" has_value "$(probe ohProbeCertDaysLeft $service soon)" ||
			{ fail "$service saw no certificate"; return; }
	done
	assert_value 'ohServiceHealth."relaxed"' ok
	assert_value 'ohServiceHealth."strict"' critical
	assert_contains "$(oh_get 'ohServiceHealthText."strict"')" "probe soon: certificate expires in 3 days" \
		"strict health text"
}

expired_certificate_is_critical_and_still_dated() {
	local text
	start_snmpd && tls_ca && tls_leaf old IP:127.0.0.1 "-30 days" "-2 days -1 hour" || return
	start_tls_server old -rev || return
	write_config <<CONF
  - name: api
    probes:
      - { name: old, tls: 127.0.0.1:$TLS_PORT, ca: $TLS_DIR/ca.pem, timeout: 2s }
CONF
	start_agent || return
	wait_until "$WAIT_MS" has_value "$(probe ohProbeCertDaysLeft api old)" ||
		{ fail "no days left: $(oh_get "$(probe ohProbeLastError api old)" 2>&1)"; return; }
	# Whole days rounded down: 2 days and an hour ago is -3.
	assert_value "$(probe ohProbeCertDaysLeft api old)" -3
	assert_value "$(probe ohProbeCertNotAfter api old)" "$(snmp_date "$(tls_not_after old)")"
	assert_value "$(probe ohProbeStatus api old)" error
	assert_contains "$(oh_get "$(probe ohProbeLastError api old)")" \
		"certificate verify failed: certificate has expired" "last error"
	assert_value 'ohServiceHealth."api"' critical
	text=$(oh_get 'ohServiceHealthText."api"')
	[[ "$text" =~ "probe old: certificate expired "[0-9]+" days ago (notAfter $(health_date "$(tls_not_after old)"))" ]] ||
		fail "health text: expected [probe old: certificate expired N days ago (notAfter $(health_date "$(tls_not_after old)"))] in [$text]"
}

healthy_certificate_is_ok_with_its_not_after() {
	start_snmpd && tls_ca && tls_leaf good IP:127.0.0.1 "-1 hour" "+365 days" || return
	start_tls_server good -rev || return
	write_config <<CONF
  - name: api
    probes:
      - { name: hello, tls: 127.0.0.1:$TLS_PORT, ca: $TLS_DIR/ca.pem, timeout: 2s }
      - { name: ping, tls: 127.0.0.1:$TLS_PORT, ca: $TLS_DIR/ca.pem, send: "PING\n", expect: '^GNIP', timeout: 2s }
      - { name: plain, tcp: 127.0.0.1:$TLS_PORT, timeout: 2s }
CONF
	start_agent || return
	wait_until "$WAIT_MS" value_is "$(probe ohProbeStatus api ping)" ok ||
		{ fail "ping over TLS: $(oh_get "$(probe ohProbeLastError api ping)" 2>&1)"; return; }
	wait_until "$WAIT_MS" value_is "$(probe ohProbeStatus api hello)" ok ||
		{ fail "connect-only TLS: $(oh_get "$(probe ohProbeLastError api hello)" 2>&1)"; return; }
	assert_value "$(probe ohProbeCertNotAfter api hello)" "$(snmp_date "$(tls_not_after good)")"
	assert_days_between "$(probe ohProbeCertDaysLeft api hello)" 364 365
	assert_value "$(probe ohProbeTarget api hello)" "127.0.0.1:$TLS_PORT"
	assert_value "$(probe ohProbeLastError api hello)" ""
	assert_value 'ohServiceHealth."api"' ok
	# A tcp probe to the same port knows nothing of certificates.
	assert_value "$(probe ohProbeStatus api plain)" ok
	assert_no_instance "$(probe ohProbeCertDaysLeft api plain)"
	assert_no_instance "$(probe ohProbeCertNotAfter api plain)"
}

https_probe_checks_the_status_over_tls() {
	start_snmpd && tls_ca && tls_leaf web IP:127.0.0.1 "-1 hour" "+90 days" || return
	mkdir "$T/www" && echo ok >"$T/www/healthz"
	TLS_WWW=$T/www start_tls_server web -WWW || return
	# s_server -WWW answers 200 even for a missing file: a 404 expected is a 200 refused.
	write_config <<CONF
  - name: web
    probes:
      - { name: health, http: 'https://127.0.0.1:$TLS_PORT/healthz', ca: $TLS_DIR/ca.pem, expect_status: 200, timeout: 2s }
      - { name: gone, http: 'https://127.0.0.1:$TLS_PORT/healthz', ca: $TLS_DIR/ca.pem, expect_status: 404, timeout: 2s }
CONF
	start_agent || return
	wait_until "$WAIT_MS" value_is "$(probe ohProbeStatus web health)" ok ||
		{ fail "https probe: $(oh_get "$(probe ohProbeLastError web health)" 2>&1)"; return; }
	assert_value "$(probe ohProbeTarget web health)" "https://127.0.0.1:$TLS_PORT/healthz"
	assert_value "$(probe ohProbeCertNotAfter web health)" "$(snmp_date "$(tls_not_after web)")"
	assert_days_between "$(probe ohProbeCertDaysLeft web health)" 89 90
	wait_until "$WAIT_MS" value_is "$(probe ohProbeStatus web gone)" badResponse ||
		{ fail "expect_status 404 against a 200: $(oh_get "$(probe ohProbeStatus web gone)" 2>&1)"; return; }
	assert_prefix "HTTP status 200, expected 404" "$(oh_get "$(probe ohProbeLastError web gone)")" "gone last error"
}

handshake_that_stalls_ends_at_the_deadline() {
	local port=$(free_port) error took
	start_snmpd || return
	# Accepts the connection and never answers: the ClientHello is never answered.
	listen 127.0.0.1:$port 8 silent || return
	write_config <<CONF
  - name: api
    probes:
      - { name: stuck, tls: 127.0.0.1:$port, timeout: 1s }
CONF
	start_agent || return
	wait_until "$WAIT_MS" value_is "$(probe ohProbeStatus api stuck)" timeout ||
		{ fail "stuck: $(oh_get "$(probe ohProbeStatus api stuck)" 2>&1)"; return; }
	error=$(oh_get "$(probe ohProbeLastError api stuck)")
	log "last error: $error"
	[[ "$error" =~ ^"no reply to the TLS handshake: request read by pid "[0-9]+", nothing answered, timed out after "([0-9]+)" ms" ]] ||
		{ fail "last error: expected [no reply to the TLS handshake: request read by pid P, nothing answered, timed out after N ms], got [$error]"; return; }
	# It waited for its whole deadline, and the result was published: it did not hang.
	took=${BASH_REMATCH[1]}
	[ "$took" -ge 1000 ] || fail "gave up after $took ms, before its 1000 ms deadline"
	assert_no_instance "$(probe ohProbeCertDaysLeft api stuck)"
	kill -0 "$AGENT_PID" || fail "oobhealthd died"
}

plain_text_server_fails_the_handshake() {
	local port=$(free_port) error
	start_snmpd || return
	listen 127.0.0.1:$port 8 reply "PONG ready" || return
	write_config <<CONF
  - name: api
    probes:
      - { name: plain, tls: 127.0.0.1:$port, timeout: 2s }
CONF
	start_agent || return
	wait_until "$WAIT_MS" value_is "$(probe ohProbeStatus api plain)" error ||
		{ fail "plain: $(oh_get "$(probe ohProbeStatus api plain)" 2>&1)"; return; }
	error=$(oh_get "$(probe ohProbeLastError api plain)")
	log "last error: $error"
	assert_prefix "TLS with 127.0.0.1:$port: handshake failed: " "$error" "plain last error"
	assert_no_instance "$(probe ohProbeCertNotAfter api plain)"
}

unknown_issuer_fails_verification_unless_verify_is_false() {
	start_snmpd && tls_ca && tls_self_signed own IP:127.0.0.1 365 || return
	start_tls_server own -rev || return
	write_config <<CONF
  - name: api
    probes:
      - { name: strict, tls: 127.0.0.1:$TLS_PORT, timeout: 2s }
      - { name: pinned, tls: 127.0.0.1:$TLS_PORT, ca: $TLS_DIR/ca.pem, timeout: 2s }
      - { name: lenient, tls: 127.0.0.1:$TLS_PORT, verify: false, timeout: 2s }
CONF
	start_agent || return
	wait_until "$WAIT_MS" value_is "$(probe ohProbeStatus api strict)" error ||
		{ fail "strict: $(oh_get "$(probe ohProbeStatus api strict)" 2>&1)"; return; }
	assert_contains "$(oh_get "$(probe ohProbeLastError api strict)")" \
		"certificate verify failed: self-signed certificate" "strict last error"
	wait_until "$WAIT_MS" value_is "$(probe ohProbeStatus api pinned)" error ||
		{ fail "pinned: $(oh_get "$(probe ohProbeStatus api pinned)" 2>&1)"; return; }
	assert_contains "$(oh_get "$(probe ohProbeLastError api pinned)")" \
		"certificate verify failed: self-signed certificate" "pinned last error"
	# Not accepted, yet read: its dates are published.
	assert_days_between "$(probe ohProbeCertDaysLeft api strict)" 364 365
	wait_until "$WAIT_MS" value_is "$(probe ohProbeStatus api lenient)" ok ||
		{ fail "lenient: $(oh_get "$(probe ohProbeLastError api lenient)" 2>&1)"; return; }
	assert_value "$(probe ohProbeCertNotAfter api lenient)" "$(snmp_date "$(tls_not_after own)")"
	assert_days_between "$(probe ohProbeCertDaysLeft api lenient)" 364 365
}

missing_ca_file_fails_the_probe_naming_it() {
	start_snmpd && tls_ca && tls_leaf good IP:127.0.0.1 "-1 hour" "+365 days" || return
	start_tls_server good -rev || return
	write_config <<CONF
  - name: api
    probes:
      - { name: lost, tls: 127.0.0.1:$TLS_PORT, ca: $TLS_DIR/missing.pem, timeout: 2s }
CONF
	start_agent || return
	wait_until "$WAIT_MS" value_is "$(probe ohProbeStatus api lost)" error ||
		{ fail "lost: $(oh_get "$(probe ohProbeStatus api lost)" 2>&1)"; return; }
	assert_prefix "TLS with 127.0.0.1:$TLS_PORT: CA file $TLS_DIR/missing.pem not loaded: No such file or directory" \
		"$(oh_get "$(probe ohProbeLastError api lost)")" "lost last error"
	# Once the file is there, the next attempt uses it.
	cp "$TLS_DIR/ca.pem" "$TLS_DIR/missing.pem"
	wait_until "$WAIT_MS" value_is "$(probe ohProbeStatus api lost)" ok ||
		fail "with the CA file in place: $(oh_get "$(probe ohProbeLastError api lost)" 2>&1)"
}

sni_selects_and_checks_the_named_certificate() {
	local by_ip_port
	start_snmpd && tls_ca && tls_leaf by-ip IP:127.0.0.1 "-1 hour" "+200 days" &&
		tls_leaf by-name DNS:oobhealth.test "-1 hour" "+300 days" || return
	# The server presents by-name only to a client that asks for oobhealth.test by SNI.
	start_tls_server by-ip -rev -servername oobhealth.test \
		-cert2 "$TLS_DIR/by-name.pem" -key2 "$TLS_DIR/by-name.key" || return
	by_ip_port=$TLS_PORT
	# A server with only the name's certificate, probed by address alone.
	start_tls_server by-name -rev || return
	write_config <<CONF
  - name: api
    probes:
      - { name: unnamed, tls: 127.0.0.1:$TLS_PORT, ca: $TLS_DIR/ca.pem, timeout: 2s }
      - { name: named, tls: 127.0.0.1:$by_ip_port, sni: oobhealth.test, ca: $TLS_DIR/ca.pem, timeout: 2s }
      - { name: wrong, tls: 127.0.0.1:$by_ip_port, sni: other.test, ca: $TLS_DIR/ca.pem, timeout: 2s }
      - { name: bare, tls: 127.0.0.1:$by_ip_port, ca: $TLS_DIR/ca.pem, timeout: 2s }
CONF
	start_agent || return
	wait_until "$WAIT_MS" value_is "$(probe ohProbeStatus api named)" ok ||
		{ fail "named: $(oh_get "$(probe ohProbeLastError api named)" 2>&1)"; return; }
	assert_value "$(probe ohProbeCertNotAfter api named)" "$(snmp_date "$(tls_not_after by-name)")"
	assert_days_between "$(probe ohProbeCertDaysLeft api named)" 299 300
	# Another name gets the address's certificate, which does not name it.
	wait_until "$WAIT_MS" value_is "$(probe ohProbeStatus api wrong)" error ||
		{ fail "wrong: $(oh_get "$(probe ohProbeStatus api wrong)" 2>&1)"; return; }
	assert_contains "$(oh_get "$(probe ohProbeLastError api wrong)")" \
		"certificate verify failed: hostname mismatch" "wrong last error"
	assert_value "$(probe ohProbeCertNotAfter api wrong)" "$(snmp_date "$(tls_not_after by-ip)")"
	# No sni: the address is checked against the certificate's IP SANs.
	wait_until "$WAIT_MS" value_is "$(probe ohProbeStatus api bare)" ok ||
		{ fail "bare: $(oh_get "$(probe ohProbeLastError api bare)" 2>&1)"; return; }
	assert_days_between "$(probe ohProbeCertDaysLeft api bare)" 199 200
	wait_until "$WAIT_MS" value_is "$(probe ohProbeStatus api unnamed)" error ||
		{ fail "unnamed: $(oh_get "$(probe ohProbeStatus api unnamed)" 2>&1)"; return; }
	assert_contains "$(oh_get "$(probe ohProbeLastError api unnamed)")" \
		"certificate verify failed: IP address mismatch" "unnamed last error"
}

once_json_carries_the_certificate_fields() {
	local out
	tls_ca && tls_leaf soon IP:127.0.0.1 "-1 day" "+3 days +1 hour" || return
	start_tls_server soon -rev || return
	cat >"$T/once.yaml" <<CONF
services:
  - name: api
    probes:
      - { name: soon, tls: 127.0.0.1:$TLS_PORT, ca: $TLS_DIR/ca.pem, timeout: 2s }
      - { name: plain, tcp: 127.0.0.1:$TLS_PORT, timeout: 2s }
CONF
	out=$("$OOBHEALTHD" --once --json -c "$T/once.yaml")
	assert_eq 1 "$?" "--once exit code (warning)"
	assert_contains "$out" "\"cert_not_after\":\"$(date -u -d "$(tls_not_after soon) UTC" +%Y-%m-%dT%H:%M:%SZ)\",\"cert_days_left\":3" "--once --json"
	[ "$(grep -o '"cert_days_left"' <<<"$out" | wc -l)" = 1 ] || fail "cert fields on the tcp probe too: $out"
}

run_tests certificate_expiring_in_3_days_warns_with_days_left expired_certificate_is_critical_and_still_dated \
	healthy_certificate_is_ok_with_its_not_after https_probe_checks_the_status_over_tls \
	handshake_that_stalls_ends_at_the_deadline plain_text_server_fails_the_handshake \
	unknown_issuer_fails_verification_unless_verify_is_false missing_ca_file_fails_the_probe_naming_it \
	sni_selects_and_checks_the_named_certificate once_json_carries_the_certificate_fields
