# Shared helpers for the integration tests: a private snmpd, oobhealthd, processes the test
# starts (ended by PID only), SNMP queries and assertions. Sourced by tests/integration/*.sh.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OOBHEALTHD=${OOBHEALTHD:-$ROOT/build/san/oobhealthd}
HELPERS=$ROOT/build/helpers
MIB_OPTS=(-M "$ROOT/build/mibs:$ROOT/mibs:/usr/share/snmp/mibs" -m OOBHEALTH-MIB)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

# The SNMPv3 user every test snmpd knows (authPriv: SHA and AES).
V3_USER=ohcheck V3_AUTH=oobhealth-auth-pass V3_PRIV=oobhealth-priv-pass

# How long a test waits for an outcome that takes a second or less on an idle machine:
# tests share loaded machines, and wait_until returns as soon as the outcome holds, so a
# long deadline costs nothing when all is well. Speed is measured by make bench, not here.
WAIT_MS=60000
# Seconds an SNMP client waits for one answer, and snmpd for oobhealthd's part of it
# (a subagent later than agentXTimeout is disconnected): answers take milliseconds, these
# only bound a request that gets none.
SNMP_TIMEOUT=10
AGENTX_TIMEOUT=5

T=""            # this test's temp dir; every pidfile and socket lives here
SNMP_PORT=""
AGENT_PID=""
SNMPD_PID=""
FAILED=0

log() { printf '    %s\n' "$*"; }
fail() {
	printf '    FAIL: %s\n' "$*"
	FAILED=1
}

now_ms() { date +%s%3N; }

setup() {
	T=$(mktemp -d /tmp/oobhealth-test.XXXXXX)
	: >"$T/pids"
	export SNMPCONFPATH=$T SNMP_PERSISTENT_DIR=$T/persist
}

# Starts "$@" in the background as a child of the test's shell, remembers its pid for
# cleanup and sets SPAWNED to it.
spawn() {
	"$@" >>"$T/spawned.log" 2>&1 &
	SPAWNED=$!
	echo "$SPAWNED" >>"$T/pids"
}

# listen ADDRESS BACKLOG MODE [ARG]: starts a listener helper and waits until it listens.
listen() {
	spawn "$HELPERS/listener" "$@"
	wait_until "$WAIT_MS" grep -q "^ready" "$T/spawned.log" || {
		fail "listener $1 did not start: $(tr '\n' ' ' <"$T/spawned.log")"
		return 1
	}
	: >"$T/spawned.log"
}

# forget_pid PID: cleanup will not signal PID, which has ended (the system may hand the
# number to someone else).
forget_pid() { sed -i "/^$1\$/d" "$T/pids"; }

# pid_ended PID: PID has exited (a zombie waiting for its parent counts as exited).
pid_ended() {
	! kill -0 "$1" 2>/dev/null || [[ "$(ps -o stat= -p "$1")" == Z* ]]
}

# Ends one process this test started and forgets it: SIGTERM (and SIGCONT, should it be
# stopped), and SIGKILL if it has not exited 30 s later (oobhealthd writes its state on
# SIGTERM, which a loaded machine slows).
end_pid() {
	local pid=$1 deadline
	forget_pid "$pid"
	kill -TERM "$pid" 2>/dev/null || return 0
	kill -CONT "$pid" 2>/dev/null
	deadline=$(($(now_ms) + 30000))
	until pid_ended "$pid" || [ "$(now_ms)" -ge "$deadline" ]; do
		sleep 0.05
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

cleanup() {
	local pid
	[ -n "$T" ] || return 0
	for pid in $(tac "$T/pids" 2>/dev/null); do
		end_pid "$pid"
	done
	if [ -f "$T/agent.log" ] && grep -qE 'AddressSanitizer|runtime error:' "$T/agent.log"; then
		fail "oobhealthd reported a sanitizer error:"
		grep -A20 -E 'AddressSanitizer|runtime error:' "$T/agent.log" | head -40
	fi
	for d in $(cat "$T/cgroups" 2>/dev/null); do rmdir "$d" 2>/dev/null; done
	for port in $(cat "$T/ports" 2>/dev/null); do rm -f "$PORT_HOLDS/$port"; done
	if [ "$FAILED" = 1 ] || [ -n "${KEEP:-}" ]; then
		log "kept $T for inspection"
	else
		rm -rf "$T"
	fi
	[ "$FAILED" = 0 ] || exit 1
}

# The ports free_port handed out on this host, a file per port holding the pid of the test
# run that has it: two runs side by side never get the same port, not even one a test
# keeps unused on purpose. cleanup gives a test's ports back; a dead run's are taken over.
# Under /run, where only root writes; without root there are no holds, only the ss check.
PORT_HOLDS=/run/oobhealth-test-ports

# hold_port PORT: takes PORT for this run ($$) unless a live run, this one included,
# holds it.
hold_port() {
	local holder
	[ -n "$T" ] && mkdir -p "$PORT_HOLDS" 2>/dev/null || return 0
	(
		flock 9 || exit 1
		holder=$(cat "$PORT_HOLDS/$1" 2>/dev/null)
		[ -n "$holder" ] && kill -0 "$holder" 2>/dev/null && exit 1
		echo $$ >"$PORT_HOLDS/$1"
	) 9<"$PORT_HOLDS" || return 1
	echo "$1" >>"$T/ports"
}

# free_port: a loopback port no TCP or UDP socket uses and no other test run holds, below
# the kernel's ephemeral range (so no outgoing connection, a probe's included, can take
# it before it is bound).
free_port() {
	local port low
	low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range)
	[ "$low" -gt 21000 ] || low=40000
	while :; do
		port=$((20000 + RANDOM % (low - 20000)))
		[ -z "$(ss -Htuan "sport = :$port" 2>/dev/null)" ] && hold_port "$port" && break
	done
	echo "$port"
}

# start_snmpd: a private snmpd on loopback with its AgentX socket in $T; SNMPD_EXTRA holds
# more snmpd.conf lines.
start_snmpd() {
	[ -n "$SNMP_PORT" ] || SNMP_PORT=$(free_port)
	mkdir -p "$T/persist"
	cat >"$T/snmpd.conf" <<CONF
agentAddress udp:127.0.0.1:$SNMP_PORT
master agentx
agentXSocket $T/agentx.sock
agentXTimeout $AGENTX_TIMEOUT
agentXRetries 0
rocommunity public 127.0.0.1
createUser $V3_USER SHA $V3_AUTH AES $V3_PRIV
rouser $V3_USER priv
${SNMPD_EXTRA:-}
CONF
	MIBS="" spawn snmpd -f -C -c "$T/snmpd.conf" -Lf "$T/snmpd.log" -I -ifTable,ifXTable,ipAddressTable
	SNMPD_PID=$SPAWNED
	wait_until "$WAIT_MS" snmpd_answers || { fail "snmpd did not answer on port $SNMP_PORT"; tail "$T/snmpd.log"; return 1; }
}

stop_snmpd() {
	end_pid "$SNMPD_PID"
	SNMPD_PID=""
}

snmpd_answers() {
	snmpget -v2c -c public -t 0.5 -r 0 -Oqv "127.0.0.1:$SNMP_PORT" .1.3.6.1.2.1.1.3.0 >/dev/null 2>&1
}

# A private snmptrapd standing in for a NOC's trap receiver, on a free loopback UDP port
# (TRAP_PORT). It takes v2c traps for "public" and informs from the test's SNMPv3 user, and
# writes one line per notification to $T/traps: "TRAP <pdu type and security> | " then
# every varbind with MIB names resolved, each followed by " |", e.g.
#   ... | SNMPv2-MIB::snmpTrapOID.0 = OID: OOBHEALTH-MIB::ohServiceStatusChange |
#   OOBHEALTH-MIB::ohServiceStatus."web" = INTEGER: absent(2) | ...
# Start it before start_snmpd, with its sink (trap_sink_v2c, trap_sink_v3_inform) in
# SNMPD_EXTRA: snmpd sends to it from its start on (and again after a restart).
TRAP_PORT=""
start_trapd() {
	TRAP_PORT=$(free_port)
	mkdir -p "$T/persist"
	: >"$T/traps"
	cat >"$T/snmptrapd.conf" <<CONF
authCommunity log public
createUser $V3_USER SHA $V3_AUTH AES $V3_PRIV
authUser log $V3_USER priv
format2 TRAP %P | %V | %v |\n
CONF
	# -X: no AgentX connection of its own (it would attach to whatever master it finds).
	# SNMPv2-MIB names sysUpTime and snmpTrapOID, which lead every line; -OU: values
	# without their units, as oh_get prints them.
	spawn snmptrapd -f -C -c "$T/snmptrapd.conf" -Lf "$T/traps" -X -n -OU "${MIB_OPTS[@]}" \
		-m OOBHEALTH-MIB:SNMPv2-MIB "udp:127.0.0.1:$TRAP_PORT"
	wait_until "$WAIT_MS" trapd_listens ||
		{ fail "snmptrapd did not listen on port $TRAP_PORT"; cat "$T/traps"; return 1; }
}

trapd_listens() {
	[ -n "$(ss -Hlun "sport = :$TRAP_PORT" 2>/dev/null)" ]
}

# The snmpd.conf line that sends every notification to start_trapd's receiver as a v2c
# trap, and the one that sends it as an SNMPv3 inform (authPriv), which snmpd repeats
# until the receiver acknowledges it.
trap_sink_v2c() { echo "trap2sink 127.0.0.1:$TRAP_PORT public"; }
trap_sink_v3_inform() {
	echo "trapsess -Ci -v3 -u $V3_USER -l authPriv -a SHA -A $V3_AUTH -x AES -X $V3_PRIV 127.0.0.1:$TRAP_PORT"
}

# trap_lines NAME [FILE]: the receiver's lines of OOBHEALTH-MIB notification NAME, oldest
# first (from FILE, default $T/traps).
trap_lines() {
	grep -F -- "| SNMPv2-MIB::snmpTrapOID.0 = OID: OOBHEALTH-MIB::$1 |" "${2:-$T/traps}" 2>/dev/null
}

# traps_of NAME [TEXT]: how many NAME notifications the receiver logged (those holding
# TEXT, e.g. the service index '."web"', when given).
traps_of() {
	trap_lines "$1" | grep -cF -- "${2:-}"
}

traps_at_least() {
	[ "$(traps_of "$2" "${3:-}")" -ge "$1" ]
}

# wait_traps N NAME [TEXT]: waits until the receiver logged at least N NAME notifications
# (holding TEXT); says what it did receive when they do not come.
wait_traps() {
	wait_until "$WAIT_MS" traps_at_least "$@" && return 0
	fail "expected $1 $2 notification(s)${3:+ holding [$3]}, got $(traps_of "$2" "${3:-}"); the receiver logged:"
	grep '^TRAP' "$T/traps" | tail -20
	return 1
}

# varbind_of LINE OBJECT: the value of the varbind of OBJECT (with its index, e.g.
# 'ohServiceStatus."web"', or a pattern: 'ohRestartOldPid."web".*') in one receiver line,
# as printed after its type ("absent(2)").
varbind_of() {
	local rest=${1#*"| OOBHEALTH-MIB::"$2" = "}
	[ "$rest" != "$1" ] || return 1
	rest=${rest%%" |"*}
	echo "${rest#*: }"
}

# Writes an oobhealthd config to $T/agent.yaml: the agent section for this test (with the
# lines of AGENT_EXTRA, e.g. "  notifications: { budget: 10, per: 30s }"), then the
# services given on stdin.
write_config() {
	{
		cat <<CONF
agent:
  agentx_socket: $T/agentx.sock
  interval: ${INTERVAL:-1s}
  tracking: ${TRACKING:-auto}
  ping_interval: 1s
  state_file: $T/state
${AGENT_EXTRA:-}
services:
CONF
		cat
	} >"$T/agent.yaml"
}

start_agent() {
	spawn "$OOBHEALTHD" -f -c "$T/agent.yaml" -Lf "$T/agent.log" -p "$T/agent.pid" "$@"
	AGENT_PID=$SPAWNED
	wait_until "$WAIT_MS" agent_has_cycled || { fail "oobhealthd did not register and complete a cycle"; tail "$T/agent.log"; return 1; }
}

agent_has_cycled() {
	local cycles
	cycles=$(oh_get ohAgentCycles.0 2>/dev/null) || return 1
	[[ "$cycles" =~ ^[0-9]+$ ]] && [ "$cycles" -ge 1 ]
}

# Prints the bare value of one OOBHEALTH-MIB object (enums by label, no units).
oh_get() {
	snmpget -v2c -c public -t "$SNMP_TIMEOUT" -r 0 -OqvU "${MIB_OPTS[@]}" "127.0.0.1:$SNMP_PORT" "OOBHEALTH-MIB::$1"
}

oh_walk() {
	snmpwalk -v2c -c public -t "$SNMP_TIMEOUT" -r 0 "${MIB_OPTS[@]}" "$@" "127.0.0.1:$SNMP_PORT" OOBHEALTH-MIB::oobhealthMIB
}

# slowest_get N OBJECT: GETs OBJECT N times, 80 ms apart; prints the slowest answer in
# ms. A GET without an answer counts as 99999 ms (this runs in a subshell, where fail
# could not mark the test).
slowest_get() {
	local worst=0 start took
	for _ in $(seq "$1"); do
		start=$(now_ms)
		if oh_get "$2" >/dev/null; then took=$(($(now_ms) - start)); else took=99999; fi
		[ "$took" -gt "$worst" ] && worst=$took
		sleep 0.08
	done
	echo "$worst"
}

# wait_until MS CMD...: polls CMD every 100 ms until it succeeds or MS pass.
wait_until() {
	local limit=$1 start
	shift
	start=$(now_ms)
	while ! "$@"; do
		[ $(($(now_ms) - start)) -ge "$limit" ] && return 1
		sleep 0.1
	done
}

value_is() {
	local got
	got=$(oh_get "$1" 2>/dev/null) && [ "$got" = "$2" ]
}

assert_eq() {
	if [ "$1" != "$2" ]; then
		fail "$3: expected [$1], got [$2]"
	fi
}

assert_prefix() {
	case "$2" in
	"$1"*) ;;
	*) fail "$3: expected a text starting [$1], got [$2]" ;;
	esac
}

# assert_contains TEXT PART WHAT: fails unless TEXT contains PART.
assert_contains() {
	case "$1" in
	*"$2"*) ;;
	*) fail "$3: expected [$2] in [$1]" ;;
	esac
}

assert_value() {
	local got
	got=$(oh_get "$1" 2>&1)
	assert_eq "$2" "$got" "$1"
}

# run_tests NAME...: runs each test function in its own temp dir and snmpd, and reports.
# ONLY="name ..." in the environment runs just those.
run_tests() {
	local name rc=0
	[ -z "${ONLY:-}" ] || set -- $ONLY
	for name in "$@"; do
		FAILED=0
		if ! declare -F "$name" >/dev/null; then
			echo "FAIL $name (no such test)"
			rc=1
			continue
		fi
		(
			setup
			trap cleanup EXIT
			"$name"
			exit "$FAILED"
		)
		if [ $? -eq 0 ]; then
			echo "ok   $name"
		else
			echo "FAIL $name"
			rc=1
		fi
	done
	return $rc
}

# serialize NAME: until this test ends, holds a lock that every test run on this host
# shares, for what cannot be unique per run (a system group's fixed name, make demo's fixed
# paths): runs side by side take turns. The processes the test starts inherit the lock;
# cleanup ends them.
serialize() {
	exec {SERIAL_FD}>>"/run/oobhealth-test-$1.lock"
	flock -w 900 "$SERIAL_FD" || { fail "another test run held the lock on $1 for 15 minutes"; return 1; }
}

# copy_for_others FILE: a copy of FILE in $T that other users can run or read, so tests
# that run as another user do not depend on where the checkout lives (a 0700 home).
copy_for_others() {
	chmod 755 "$T"
	cp "$1" "$T/$(basename "$1")"
	chmod a+rX "$T/$(basename "$1")"
	echo "$T/$(basename "$1")"
}

# add_test_user: a system user with a group of its own (TEST_USER, same name), deleted
# when the test ends; $T becomes searchable (not readable) by it. A forced userdel comes
# first in the EXIT trap, as cleanup may exit before reaching anything after it.
add_test_user() {
	TEST_USER=ohtest$$
	if ! useradd --system --user-group --no-create-home --home-dir /nonexistent \
		--shell /usr/sbin/nologin "$TEST_USER"; then
		fail "cannot create the test user $TEST_USER"
		return 1
	fi
	trap 'userdel --force "$TEST_USER" >/dev/null 2>&1; cleanup' EXIT
	chmod 0711 "$T"
}

# as_test_user CAPS: sets AS_USER to the command prefix that runs a command as
# TEST_USER (its own group only) with the capabilities CAPS ("dac_read_search,sys_ptrace",
# or "" for none) kept across exec as ambient capabilities.
as_test_user() {
	AS_USER=(setpriv --reuid "$TEST_USER" --regid "$TEST_USER" --clear-groups)
	if [ -n "$1" ]; then
		local plus="+${1//,/,+}"
		AS_USER+=(--inh-caps="$plus" --ambient-caps="$plus")
	fi
}

# start_syslog_listener: a unix datagram socket at $T/dev-log appending every message it
# receives, one per line, to $T/syslog; stands in for /dev/log under private_dev_log.
# Perl, as perl-base is essential on Debian.
start_syslog_listener() {
	: >"$T/syslog"
	spawn perl -e '
use IO::Socket::UNIX;
my $log = IO::Socket::UNIX->new(Type => SOCK_DGRAM, Local => $ARGV[0]) or die "$ARGV[0]: $!";
open(my $out, ">>", $ARGV[1]) or die "$ARGV[1]: $!";
$out->autoflush(1);
while (defined $log->recv(my $message, 65536)) {
	$message =~ s/\n+$//;
	print $out "$message\n";
}' "$T/dev-log" "$T/syslog"
	wait_until "$WAIT_MS" test -S "$T/dev-log" || { fail "the syslog listener did not start"; return 1; }
}

# private_dev_log: sets PRIVATE_DEV_LOG to a command prefix that runs a command in a mount
# namespace of its own, where /dev is a fresh tmpfs of links to the real entries and
# /dev/log leads to $T/dev-log; the host's /dev is never touched. unshare and sh both
# exec, so the command keeps the pid spawn reports.
private_dev_log() {
	PRIVATE_DEV_LOG=(unshare --mount -- sh -ec '
mkdir "$1/host-dev"
mount --rbind /dev "$1/host-dev"
mount -t tmpfs -o mode=0755 oobhealth-test-dev /dev
for entry in "$1"/host-dev/*; do ln -s "$entry" /dev/; done
ln -sfn "$1/dev-log" /dev/log
shift
exec "$@"' sh "$T")
}

# The cgroup hierarchy systemd files units under: name=systemd on hybrid hosts, else v2.
systemd_cgroup_root() {
	if [ -d /sys/fs/cgroup/systemd ]; then
		echo /sys/fs/cgroup/systemd
	elif [ -f /sys/fs/cgroup/cgroup.controllers ]; then
		echo /sys/fs/cgroup
	else
		return 1
	fi
}

# TLS fixtures, made with the openssl CLI in $T/tls: a test CA (tls_ca), certificates it
# signs with chosen dates (tls_leaf), self-signed ones (tls_self_signed), and openssl
# s_server processes presenting them (start_tls_server). Keys are P-256: quick to make.
TLS_DIR=""

tls_new_key() {
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$TLS_DIR/$1.key" -out "$TLS_DIR/$1.csr" -subj "/CN=$2" 2>>"$TLS_DIR/openssl.log"
}

# tls_ca: the test CA ($TLS_DIR/ca.pem) and the minimal `openssl ca` set-up that signs with
# any start and end date (x509 -req takes only a number of days from now).
tls_ca() {
	TLS_DIR=$T/tls
	mkdir -p "$TLS_DIR/issued"
	: >"$TLS_DIR/index.txt"
	cat >"$TLS_DIR/ca.cnf" <<CONF
[ ca ]
default_ca = test_ca
[ test_ca ]
database = $TLS_DIR/index.txt
new_certs_dir = $TLS_DIR/issued
rand_serial = yes
unique_subject = no
default_md = sha256
policy = any_name
[ any_name ]
commonName = supplied
[ leaf ]
basicConstraints = CA:false
subjectAltName = \$ENV::TLS_SAN
CONF
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
		-keyout "$TLS_DIR/ca.key" -out "$TLS_DIR/ca.pem" -subj "/CN=oobhealth test CA" \
		2>>"$TLS_DIR/openssl.log" || { fail "openssl could not make the test CA"; return 1; }
}

# tls_leaf NAME SAN NOT_BEFORE NOT_AFTER: $TLS_DIR/NAME.pem and NAME.key, signed by the test
# CA, for SAN ("IP:127.0.0.1", "DNS:oobhealth.test"), valid between two `date -d` times
# ("-1 day", "+3 days +1 hour", "-2 days -1 hour").
tls_leaf() {
	local start end
	start=$(date -u -d "$3" +%Y%m%d%H%M%SZ) && end=$(date -u -d "$4" +%Y%m%d%H%M%SZ) &&
		tls_new_key "$1" "${2#*:}" &&
		TLS_SAN=$2 openssl ca -batch -notext -config "$TLS_DIR/ca.cnf" -extensions leaf \
			-cert "$TLS_DIR/ca.pem" -keyfile "$TLS_DIR/ca.key" -startdate "$start" -enddate "$end" \
			-in "$TLS_DIR/$1.csr" -out "$TLS_DIR/$1.pem" 2>>"$TLS_DIR/openssl.log" ||
		{ fail "openssl could not sign $1 ($2, $3 .. $4)"; return 1; }
}

# tls_self_signed NAME SAN DAYS: a certificate no CA vouches for.
tls_self_signed() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days "$3" \
		-keyout "$TLS_DIR/$1.key" -out "$TLS_DIR/$1.pem" -subj "/CN=${2#*:}" \
		-addext "subjectAltName=$2" 2>>"$TLS_DIR/openssl.log" ||
		{ fail "openssl could not make the self-signed $1"; return 1; }
}

# tls_not_after NAME: the certificate's notAfter as `date` reads it ("Nov 26 14:50:11 2026").
tls_not_after() {
	openssl x509 -in "$TLS_DIR/$1.pem" -noout -enddate | sed 's/^notAfter=//; s/ GMT$//'
}

tcp_listens() {
	[ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]
}

# start_tls_server NAME [s_server OPTION...]: openssl s_server on a free loopback port
# (TLS_PORT) presenting certificate NAME; the options say what it does once the handshake
# is done (-rev answers each line reversed, -WWW serves files from the directory in
# TLS_WWW). SPAWNED is its pid.
start_tls_server() {
	local name=$1
	shift
	TLS_PORT=$(free_port)
	spawn env -C "${TLS_WWW:-$T}" openssl s_server -quiet -accept "127.0.0.1:$TLS_PORT" \
		-cert "$TLS_DIR/$name.pem" -key "$TLS_DIR/$name.key" "$@"
	wait_until "$WAIT_MS" tcp_listens "$TLS_PORT" ||
		{ fail "openssl s_server ($name) did not listen on $TLS_PORT: $(tail -3 "$T/spawned.log")"; return 1; }
}
