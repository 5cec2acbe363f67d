#!/usr/bin/env bash
# No impostors: an unprivileged user cannot make a dead service look alive by naming a
# process like it, by writing its pidfile, or by placing a process in a cgroup of the
# unit's name; kernel threads and pidfiles that are no plain pid never count; what
# oobhealthd cannot read is unknown; the owner it trusted is published.
source "$(dirname "$0")/../lib.sh"

NO_INSTANCE='No Such Instance currently exists at this OID'

# as_user CMD...: CMD run in the background as TEST_USER, without capabilities.
as_user() {
	as_test_user ""
	spawn "${AS_USER[@]}" "$@"
}

# wait_cycles N: returns once oobhealthd completed N more cycles after the call.
wait_cycles() {
	local target
	target=$(($(oh_get ohAgentCycles.0) + $1))
	wait_until "$WAIT_MS" eval '[ "$(oh_get ohAgentCycles.0 2>/dev/null || echo 0)" -ge '"$target"' ]' ||
		fail "oobhealthd did not complete $1 more cycles"
}

# wait_value OBJECT VALUE: fails unless OBJECT reads VALUE within 5 s.
wait_value() {
	wait_until "$WAIT_MS" value_is "$1" "$2" || fail "$1 did not become [$2]: [$(oh_get "$1" 2>&1)]"
}

# uids_of PID: the real, effective and saved uids of PID, space-separated.
uids_of() { awk '/^Uid:/ { print $2, $3, $4 }' "/proc/$1/status"; }

# is_kernel_thread PID: whether PID's flags (the 9th field of its stat) hold PF_KTHREAD.
is_kernel_thread() {
	local flags
	flags=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f7) || return 1
	[ -n "$flags" ] && (((flags & 0x200000) != 0))
}

# A process named like the service by another user, even a setuid-root one, is not the
# service; the root process of that name started after it is, and user: names an owner.
exec_a_impostor_of_another_user_stays_absent() {
	local impostor suid root_pid theirs uid
	add_test_user || return
	uid=$(id -u "$TEST_USER")
	start_snmpd || return
	mkdir -m 0755 "$T/bin"
	install -o root -m 4755 "$(command -v sleep)" "$T/bin/oh-suid-sleep"
	write_config <<CONF
  - name: wrapper
    match: { cmdline: '^oh-imp-wrapper-$$\.py' }
  - name: suid
    match: { cmdline: '^oh-imp-suid-$$\.py' }
  - name: theirs
    match: { cmdline: '^oh-imp-theirs-$$\.py', user: $TEST_USER }
CONF
	as_user bash -c "exec -a oh-imp-wrapper-$$.py sleep 600"
	impostor=$SPAWNED
	# A setuid-root binary under a chosen name: effective and saved uid root, real not.
	as_user bash -c "exec -a oh-imp-suid-$$.py $T/bin/oh-suid-sleep 600"
	suid=$SPAWNED
	wait_until "$WAIT_MS" eval '[ "$(uids_of '"$suid"')" = "'"$uid"' 0 0" ]' ||
		{ fail "the setuid impostor does not run as real $uid, effective 0 ($(uids_of "$suid"); /tmp nosuid?)"; return; }
	start_agent || return
	wait_cycles 2
	assert_value 'ohServiceStatus."wrapper"' absent
	assert_value 'ohServicePid."wrapper"' 0
	assert_value 'ohServiceHealthText."wrapper"' \
		"absent: no process matches cmdline /^oh-imp-wrapper-$$\.py/ owned by root (1 match owned by uid $uid was not counted)"
	assert_value 'ohServiceStatus."suid"' absent
	assert_value 'ohServiceHealthText."suid"' \
		"absent: no process matches cmdline /^oh-imp-suid-$$\.py/ owned by root (1 match owned by uid $uid was not counted)"
	assert_value 'ohServiceStatus."theirs"' absent
	# The real one, started after the impostor, is the one found.
	spawn bash -c "exec -a oh-imp-wrapper-$$.py sleep 600"
	root_pid=$SPAWNED
	wait_value 'ohServiceStatus."wrapper"' up
	assert_value 'ohServicePid."wrapper"' "$root_pid"
	assert_value 'ohServiceHealth."wrapper"' ok
	# user: names the owner the operator trusts.
	as_user bash -c "exec -a oh-imp-theirs-$$.py sleep 600"
	theirs=$SPAWNED
	wait_value 'ohServiceStatus."theirs"' up
	assert_value 'ohServicePid."theirs"' "$theirs"
	kill -0 "$impostor" || fail "the impostor exited: the test proved nothing"
}

# ohServiceOwnerUid is the main process's uid, and has no instance without one.
owner_uid_is_the_main_process_uid() {
	local root_pid theirs
	add_test_user || return
	start_snmpd || return
	spawn bash -c "exec -a oh-own-root-$$ sleep 600"
	root_pid=$SPAWNED
	as_user bash -c "exec -a oh-own-theirs-$$ sleep 600"
	theirs=$SPAWNED
	write_config <<CONF
  - name: root-svc
    match: { cmdline: '^oh-own-root-$$' }
  - name: theirs
    match: { cmdline: '^oh-own-theirs-$$', user: $TEST_USER }
  - name: nobody-runs-it
    match: { cmdline: '^oh-own-never-$$' }
CONF
	start_agent || return
	wait_value 'ohServiceStatus."theirs"' up
	assert_value 'ohServicePid."root-svc"' "$root_pid"
	assert_value 'ohServiceOwnerUid."root-svc"' 0
	assert_value 'ohServicePid."theirs"' "$theirs"
	assert_value 'ohServiceOwnerUid."theirs"' "$(id -u "$TEST_USER")"
	assert_eq "$(id -u "$TEST_USER")" "$(awk '/^Uid:/ { print $3 }' "/proc/$theirs/status")" "the effective uid of $theirs"
	assert_eq "$NO_INSTANCE" "$(oh_get 'ohServiceOwnerUid."nobody-runs-it"' 2>&1)" "ohServiceOwnerUid of an absent service"
	grep -q "^ohServiceOwnerUid\.\"theirs\" $(id -u "$TEST_USER")\$" <<<"$(oh_walk -Oqs)" ||
		fail "ohServiceOwnerUid.\"theirs\" not in a walk: $(oh_walk -Oqs | grep OwnerUid)"
}

# A pidfile holding a kernel thread's pid, a pid followed by a NUL, or binary garbage is
# never up; what it holds is shown escaped, in the MIB and in --once --json.
pidfile_of_a_kernel_thread_or_garbage_is_not_up() {
	local kthread="" pid json
	start_snmpd || return
	# kthreadd is pid 2 outside a pid namespace; any process flagged PF_KTHREAD will do.
	for pid in 2 $(ls /proc | grep -E '^[0-9]+$'); do
		is_kernel_thread "$pid" && { kthread=$pid; break; }
	done
	[ -n "$kthread" ] || { fail "no kernel thread visible in /proc to name"; return; }
	echo "$kthread" >"$T/kthread.pid"
	printf '1\0002\n' >"$T/nul.pid"
	printf '\xff\xfe\x01<b>\n' >"$T/garbage.pid"
	write_config <<CONF
  - name: kthread
    match: { pidfile: $T/kthread.pid }
  - name: nul
    match: { pidfile: $T/nul.pid }
  - name: garbage
    match: { pidfile: $T/garbage.pid }
CONF
	start_agent || return
	assert_value 'ohServiceStatus."kthread"' absent
	assert_value 'ohServicePid."kthread"' 0
	assert_value 'ohServiceHealthText."kthread"' \
		"absent: pidfile $T/kthread.pid names pid $kthread ($(awk '{ print substr($2, 2, length($2) - 2) }' "/proc/$kthread/stat")), a kernel thread"
	assert_value 'ohServiceStatus."nul"' unknown
	assert_value 'ohServicePid."nul"' 0
	assert_value 'ohServiceHealthText."nul"' "pidfile $T/nul.pid does not hold a pid (\"1\\x002\")"
	assert_value 'ohServiceStatus."garbage"' unknown
	assert_value 'ohServiceHealthText."garbage"' "pidfile $T/garbage.pid does not hold a pid (\"\\xff\\xfe\\x01<b>\")"
	json=$("$OOBHEALTHD" --once --json -c "$T/agent.yaml")
	assert_eq 2 "$?" "--once --json exit code"
	python3 -c '
import json, sys
doc = json.loads(sys.stdin.read())
rows = {s["name"]: s for s in doc["services"]}
want = {
    "kthread": ("absent", "absent: pidfile %s/kthread.pid names pid " % sys.argv[1]),
    "nul": ("unknown", "pidfile %s/nul.pid does not hold a pid (\"1\\x002\")" % sys.argv[1]),
    "garbage": ("unknown", "pidfile %s/garbage.pid does not hold a pid (\"\\xff\\xfe\\x01<b>\")" % sys.argv[1]),
}
for name, (status, text) in want.items():
    row = rows[name]
    assert row["status"] == status and row["pid"] == 0 and row["owner_uid"] is None, row
    assert row["health_text"].startswith(text), (row["health_text"], text)
' "$T" <<<"$json" || fail "--once --json: $json"
}

# A pidfile counts only if no one but root and its owner could have written it.
pidfile_another_user_could_have_written_is_not_trusted() {
	local theirs uid
	add_test_user || return
	uid=$(id -u "$TEST_USER")
	start_snmpd || return
	mkdir -m 1777 "$T/shared"
	mkdir -m 0755 "$T/own"
	chown "$TEST_USER" "$T/own"
	as_user sleep 600
	theirs=$SPAWNED
	as_test_user ""
	"${AS_USER[@]}" sh -c "echo $theirs >$T/shared/svc.pid && echo $theirs >$T/own/svc.pid" ||
		{ fail "the test user could not write its pidfiles"; return; }
	echo "$theirs" >"$T/open.pid"
	chmod 0666 "$T/open.pid"
	write_config <<CONF
  - name: sticky-dir
    match: { pidfile: $T/shared/svc.pid }
  - name: own-dir
    match: { pidfile: $T/own/svc.pid }
  - name: named-owner
    match: { pidfile: $T/shared/svc.pid, user: $TEST_USER }
  - name: world-writable
    match: { pidfile: $T/open.pid }
CONF
	start_agent || return
	assert_value 'ohServiceStatus."sticky-dir"' unknown
	assert_value 'ohServicePid."sticky-dir"' 0
	assert_value 'ohServiceHealthText."sticky-dir"' \
		"pidfile $T/shared/svc.pid is owned by uid $uid in a directory others can write: not trusted (name the owner with user:)"
	assert_value 'ohServiceHealth."sticky-dir"' unknown
	assert_value 'ohServiceStatus."world-writable"' unknown
	assert_value 'ohServiceHealthText."world-writable"' \
		"pidfile $T/open.pid is writable by its group or others (mode 0666): not trusted"
	# The same owner in a directory only it can write, or named by user:, is trusted.
	assert_value 'ohServiceStatus."own-dir"' up
	assert_value 'ohServicePid."own-dir"' "$theirs"
	assert_value 'ohServiceOwnerUid."own-dir"' "$uid"
	assert_value 'ohServiceStatus."named-owner"' up
	assert_value 'ohServicePid."named-owner"' "$theirs"
}

# A root-owned pidfile naming another user's process does not count without user:.
pidfile_naming_another_users_process_needs_user() {
	local theirs uid
	add_test_user || return
	uid=$(id -u "$TEST_USER")
	start_snmpd || return
	as_user sleep 600
	theirs=$SPAWNED
	echo "$theirs" >"$T/svc.pid"
	write_config <<CONF
  - name: root-pidfile
    match: { pidfile: $T/svc.pid }
  - name: named
    match: { pidfile: $T/svc.pid, user: $uid }
CONF
	start_agent || return
	assert_value 'ohServiceStatus."root-pidfile"' absent
	assert_value 'ohServiceHealthText."root-pidfile"' \
		"absent: pidfile $T/svc.pid names pid $theirs (sleep), owned by uid $uid, not root: not counted (name the owner with user:)"
	assert_value 'ohServiceStatus."named"' up
	assert_value 'ohServicePid."named"' "$theirs"
}

# As an unprivileged user, root's process of the exe cannot be read: unknown, never the
# readable process of that user which runs the same binary (and never a pid).
unprivileged_exe_match_never_picks_a_readable_impostor() {
	local daemon root_pid theirs uid json
	add_test_user || return
	uid=$(id -u "$TEST_USER")
	daemon=$(copy_for_others "$OOBHEALTHD")
	mkdir -m 0755 "$T/bin"
	cp "$(command -v sleep)" "$T/bin/oh-imp-sleeper"
	spawn "$T/bin/oh-imp-sleeper" 600
	root_pid=$SPAWNED
	as_user "$T/bin/oh-imp-sleeper" 600
	theirs=$SPAWNED
	wait_until "$WAIT_MS" eval '[ "$(readlink /proc/'"$theirs"'/exe)" = "'"$T"'/bin/oh-imp-sleeper" ]' ||
		{ fail "the test user's sleeper did not start"; return; }
	cat >"$T/once.yaml" <<CONF
services:
  - name: by-exe
    match: { exe: $T/bin/oh-imp-sleeper }
  - name: by-exe-theirs
    match: { exe: $T/bin/oh-imp-sleeper, user: $TEST_USER }
CONF
	chmod 0644 "$T/once.yaml"
	as_test_user ""
	json=$("${AS_USER[@]}" "$daemon" --once --json -c "$T/once.yaml")
	python3 -c '
import json, sys
rows = {s["name"]: s for s in json.loads(sys.stdin.read())["services"]}
exe, uid, theirs = sys.argv[1], sys.argv[2], int(sys.argv[3])
row = rows["by-exe"]
assert row["status"] == "unknown" and row["pid"] == 0 and row["owner_uid"] is None, row
assert row["health"] == "unknown", row
assert row["health_text"] == ("no process runs %s owned by root that could be read "
    "(1 match owned by uid %s was not counted); 1 process could not be read "
    "(its exe needs CAP_SYS_PTRACE)" % (exe, uid)), row["health_text"]
# Root'"'"'s process is not its owner'"'"'s: its own process is found, never unknown.
row = rows["by-exe-theirs"]
assert row["status"] == "up" and row["pid"] == theirs and row["owner_uid"] == int(uid), row
' "$T/bin/oh-imp-sleeper" "$uid" "$theirs" <<<"$json" || fail "--once --json as $TEST_USER: $json"
	# As root, the same configuration finds root's process.
	json=$("$OOBHEALTHD" --once --json -c "$T/once.yaml")
	python3 -c '
import json, sys
row = {s["name"]: s for s in json.loads(sys.stdin.read())["services"]}["by-exe"]
assert row["status"] == "up" and row["pid"] == int(sys.argv[1]) and row["owner_uid"] == 0, row
' "$root_pid" <<<"$json" || fail "--once --json as root: $json"
}

# /proc mounted with hidepid=noaccess lists other users' processes but hides their
# contents: a match that might be one of them is unknown, never absent.
hidden_processes_make_a_match_unknown() {
	local daemon root_pid json
	add_test_user || return
	daemon=$(copy_for_others "$OOBHEALTHD")
	spawn bash -c "exec -a oh-hid-$$ sleep 600"
	root_pid=$SPAWNED
	echo "$root_pid" >"$T/hid.pid"
	cat >"$T/once.yaml" <<CONF
services:
  - name: by-cmdline
    match: { cmdline: '^oh-hid-$$' }
  - name: by-pidfile
    match: { pidfile: $T/hid.pid }
CONF
	chmod 0644 "$T/once.yaml" "$T/hid.pid"
	as_test_user ""
	# Without hidepid the test user reads root's process: the control.
	json=$("${AS_USER[@]}" "$daemon" --once --json -c "$T/once.yaml")
	python3 -c '
import json, sys
rows = {s["name"]: s for s in json.loads(sys.stdin.read())["services"]}
for name in ("by-cmdline", "by-pidfile"):
    assert rows[name]["status"] == "up" and rows[name]["pid"] == int(sys.argv[1]), rows[name]
' "$root_pid" <<<"$json" || { fail "--once --json without hidepid: $json"; return; }
	json=$(unshare --mount -- sh -ec 'mount -t proc -o hidepid=1 proc /proc; exec "$@"' sh \
		"${AS_USER[@]}" "$daemon" --once --json -c "$T/once.yaml")
	python3 -c '
import json, re, sys
rows = {s["name"]: s for s in json.loads(sys.stdin.read())["services"]}
pattern, pidfile, pid = sys.argv[1], sys.argv[2], sys.argv[3]
row = rows["by-cmdline"]
assert row["status"] == "unknown" and row["pid"] == 0, row
assert re.fullmatch(r"no process matches cmdline /%s/ that could be read; [0-9]+ processes could not be read "
    r"\(/proc hides them: hidepid=; needs CAP_SYS_PTRACE\)" % re.escape(pattern), row["health_text"]), row
row = rows["by-pidfile"]
assert row["status"] == "unknown" and row["pid"] == 0, row
assert row["health_text"] == "pidfile %s names pid %s, which /proc hides (hidepid=; needs CAP_SYS_PTRACE)" % (
    pidfile, pid), row
' "^oh-hid-$$" "$T/hid.pid" "$root_pid" <<<"$json" || fail "--once --json under hidepid=1: $json"
}

# Processes in a cgroup of the unit's name below a user manager (or a container) are not
# the system unit's; the unit reached through slices only is.
unit_impostor_under_a_user_manager_stays_absent() {
	local root slice impostor real
	root=$(systemd_cgroup_root) || { fail "no cgroup hierarchy to place a unit in"; return; }
	UNIT=oh-imp-$$-$RANDOM.service
	slice=$root/oh-imp-$$-$RANDOM.slice
	mkdir -p "$slice/user@$$.service/app.slice/$UNIT" "$slice/$UNIT" || { fail "cannot create cgroups under $root"; return; }
	# Deepest first, for cleanup's rmdir.
	printf '%s\n' "$slice/user@$$.service/app.slice/$UNIT" "$slice/user@$$.service/app.slice" \
		"$slice/user@$$.service" "$slice/$UNIT" "$slice" >>"$T/cgroups"
	start_snmpd || return
	write_config <<CONF
  - name: unit
    match: { unit: $UNIT }
CONF
	spawn sleep 600
	impostor=$SPAWNED
	echo "$impostor" >"$slice/user@$$.service/app.slice/$UNIT/cgroup.procs"
	start_agent || return
	wait_cycles 2
	assert_value 'ohServiceStatus."unit"' absent
	assert_value 'ohServiceHealthText."unit"' "absent: no process in unit $UNIT"
	spawn sleep 600
	real=$SPAWNED
	echo "$real" >"$slice/$UNIT/cgroup.procs"
	wait_value 'ohServiceStatus."unit"' up
	assert_value 'ohServicePid."unit"' "$real"
	grep -q "/$UNIT\$" "/proc/$impostor/cgroup" || fail "the impostor left its cgroup: the test proved nothing"
}

# user: is resolved when the configuration is loaded; it needs a match kind beside it.
match_user_is_checked_at_load() {
	local got
	cat >"$T/bad.yaml" <<CONF
services:
  - name: typo
    match: { cmdline: '^x', user: oh-no-such-user-$$ }
  - name: alone
    match: { user: root }
  - name: huge
    match: { exe: /bin/true, user: 4294967295 }
CONF
	got=$("$OOBHEALTHD" --check-config -c "$T/bad.yaml" 2>&1)
	assert_eq 78 "$?" "--check-config exit code"
	assert_eq "$T/bad.yaml:3:35: user: no user \"oh-no-such-user-$$\" on this host (give a user name or a numeric uid)
$T/bad.yaml:5:20: user: names the owner of the processes one of pidfile, exe, cmdline, unit finds: give one of them
$T/bad.yaml:7:36: user: 4294967295 is not a uid (0..4294967294)" "$got" "--check-config messages"
	cat >"$T/good.yaml" <<CONF
services:
  - name: by-name
    match: { pidfile: /run/x.pid, user: root }
  - name: by-uid
    match: { unit: x.service, user: 4294967294 }
CONF
	got=$("$OOBHEALTHD" --check-config -c "$T/good.yaml" 2>&1)
	assert_eq "0 OK" "$? $got" "--check-config of user: by name and by uid"
}

run_tests exec_a_impostor_of_another_user_stays_absent owner_uid_is_the_main_process_uid \
	pidfile_of_a_kernel_thread_or_garbage_is_not_up pidfile_another_user_could_have_written_is_not_trusted \
	pidfile_naming_another_users_process_needs_user unprivileged_exe_match_never_picks_a_readable_impostor \
	hidden_processes_make_a_match_unknown unit_impostor_under_a_user_manager_stays_absent match_user_is_checked_at_load
