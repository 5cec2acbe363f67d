/* Unit tests for process events: datagrams built as the kernel sends them (and broken in
 * the ways input can be) are parsed; as root, a real child's fork, exec and exit, a burst
 * of 1000 children and an overflowed socket are read from the live connector. */
#include <linux/connector.h>
#include <linux/netlink.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "proc_events.h"
#include "unit.h"

/* The kernel's struct proc_event has our event's name: it is built here under another. */
#define proc_event cn_proc_event
#include <linux/cn_proc.h>
#undef proc_event

#define TIMESTAMP 123456789012ULL

/* A datagram under construction; aligned as recv's buffer is. */
struct datagram {
	uint8_t bytes[1024] __attribute__((aligned(8)));
	size_t len;
};

/* Appends one netlink message carrying a connector message with the first EV_LEN bytes of
 * EV, addressed to ID; returns where its header starts, for a test to break it. */
static size_t append(struct datagram *dgram, const struct cn_proc_event *ev, size_t ev_len,
		     struct cb_id id)
{
	size_t start = dgram->len;
	struct cn_msg cn = { .id = id, .len = (uint16_t)ev_len };
	struct nlmsghdr hdr = {
		.nlmsg_len = (uint32_t)NLMSG_LENGTH(sizeof(cn) + ev_len),
		.nlmsg_type = NLMSG_DONE,
	};

	memcpy(dgram->bytes + start, &hdr, sizeof(hdr));
	memcpy(dgram->bytes + start + NLMSG_HDRLEN, &cn, sizeof(cn));
	memcpy(dgram->bytes + start + NLMSG_HDRLEN + sizeof(cn), ev, ev_len);
	dgram->len = start + NLMSG_ALIGN(hdr.nlmsg_len);
	return start;
}

static const struct cb_id proc_id = { .idx = CN_IDX_PROC, .val = CN_VAL_PROC };

static void add_event(struct datagram *dgram, const struct cn_proc_event *ev)
{
	append(dgram, ev, sizeof(*ev), proc_id);
}

static struct cn_proc_event fork_event(pid_t parent, pid_t child_pid, pid_t child_tgid)
{
	struct cn_proc_event ev = { .what = PROC_EVENT_FORK, .timestamp_ns = TIMESTAMP };

	ev.event_data.fork.parent_pid = parent;
	ev.event_data.fork.parent_tgid = parent;
	ev.event_data.fork.child_pid = child_pid;
	ev.event_data.fork.child_tgid = child_tgid;
	return ev;
}

static struct cn_proc_event exit_event(pid_t pid, pid_t tgid, uint32_t exit_code)
{
	struct cn_proc_event ev = { .what = PROC_EVENT_EXIT, .timestamp_ns = TIMESTAMP };

	ev.event_data.exit.process_pid = pid;
	ev.event_data.exit.process_tgid = tgid;
	ev.event_data.exit.exit_code = exit_code;
	ev.event_data.exit.exit_signal = SIGCHLD;
	return ev;
}

static size_t parse(const struct datagram *dgram, struct proc_event *out, size_t max)
{
	return proc_events_parse(dgram->bytes, dgram->len, out, max);
}

/* Parses a datagram holding EV alone, into OUT (room for 4). */
static size_t parse_single(const struct cn_proc_event *ev, struct proc_event *out)
{
	struct datagram dgram = { .len = 0 };

	add_event(&dgram, ev);
	return parse(&dgram, out, 4);
}

static void fork_of_a_process_is_an_event(void)
{
	struct cn_proc_event ev = fork_event(100, 200, 200);
	struct proc_event out[4];

	CHECK(parse_single(&ev, out) == 1);
	CHECK(out[0].kind == PROC_EV_FORK);
	CHECK(out[0].pid == 200 && out[0].parent == 100);
	CHECK(out[0].time_ns == TIMESTAMP);
	CHECK(!out[0].exit_known);
}

static void fork_of_a_thread_is_skipped(void)
{
	struct cn_proc_event ev = fork_event(100, 201, 100);
	struct proc_event out[4];

	CHECK(parse_single(&ev, out) == 0);
}

static void exec_is_an_event_of_the_process(void)
{
	struct cn_proc_event ev = { .what = PROC_EVENT_EXEC, .timestamp_ns = TIMESTAMP };
	struct proc_event out[4];

	ev.event_data.exec.process_pid = 300;
	ev.event_data.exec.process_tgid = 300;
	CHECK(parse_single(&ev, out) == 1);
	CHECK(out[0].kind == PROC_EV_EXEC && out[0].pid == 300 && out[0].parent == 0);
}

static void exit_with_status_3_is_a_wait_status(void)
{
	struct cn_proc_event ev = exit_event(400, 400, 3 << 8);
	struct proc_event out[4];

	CHECK(parse_single(&ev, out) == 1);
	CHECK(out[0].kind == PROC_EV_EXIT && out[0].pid == 400);
	CHECK(out[0].exit_known);
	CHECK(WIFEXITED(out[0].exit_status) && WEXITSTATUS(out[0].exit_status) == 3);
}

static void exit_by_signal_9_is_a_wait_status(void)
{
	struct cn_proc_event ev = exit_event(401, 401, SIGKILL);
	struct proc_event out[4];

	CHECK(parse_single(&ev, out) == 1);
	CHECK(out[0].exit_known);
	CHECK(WIFSIGNALED(out[0].exit_status) && WTERMSIG(out[0].exit_status) == SIGKILL);
}

static void exit_of_a_thread_is_skipped(void)
{
	struct cn_proc_event ev = exit_event(402, 400, 0);
	struct proc_event out[4];

	CHECK(parse_single(&ev, out) == 0);
}

static void exit_without_its_code_has_no_status(void)
{
	struct datagram dgram = { .len = 0 };
	struct cn_proc_event ev = exit_event(403, 403, 3 << 8);
	struct proc_event out[4];

	append(&dgram, &ev, offsetof(struct cn_proc_event, event_data.exit.exit_code), proc_id);
	CHECK(parse(&dgram, out, 4) == 1);
	CHECK(out[0].kind == PROC_EV_EXIT && out[0].pid == 403 && !out[0].exit_known);
}

static void uid_change_of_a_leader_carries_the_uids(void)
{
	struct datagram dgram = { .len = 0 };
	struct cn_proc_event ev = { .what = PROC_EVENT_UID, .timestamp_ns = TIMESTAMP };
	struct proc_event out[4];

	ev.event_data.id.process_pid = 500;
	ev.event_data.id.process_tgid = 500;
	ev.event_data.id.r.ruid = 1000;
	ev.event_data.id.e.euid = 0;
	add_event(&dgram, &ev);
	ev.event_data.id.process_pid = 501;
	add_event(&dgram, &ev);
	CHECK(parse(&dgram, out, 4) == 1);
	CHECK(out[0].kind == PROC_EV_UID && out[0].pid == 500);
	CHECK(out[0].ruid == 1000 && out[0].euid == 0);
}

static void other_kinds_and_acks_are_skipped(void)
{
	struct datagram dgram = { .len = 0 };
	struct cn_proc_event ack = { .what = PROC_EVENT_NONE };
	struct cn_proc_event comm = { .what = PROC_EVENT_COMM };
	struct cn_proc_event dump = { .what = PROC_EVENT_COREDUMP };
	struct proc_event out[4];

	comm.event_data.comm.process_pid = comm.event_data.comm.process_tgid = 600;
	dump.event_data.coredump.process_pid = dump.event_data.coredump.process_tgid = 600;
	add_event(&dgram, &ack);
	add_event(&dgram, &comm);
	add_event(&dgram, &dump);
	CHECK(parse(&dgram, out, 4) == 0);
}

static void two_messages_in_one_datagram_are_two_events(void)
{
	struct datagram dgram = { .len = 0 };
	struct cn_proc_event forked = fork_event(1, 700, 700);
	struct cn_proc_event exited = exit_event(700, 700, 0);
	struct proc_event out[4];

	add_event(&dgram, &forked);
	add_event(&dgram, &exited);
	CHECK(parse(&dgram, out, 4) == 2);
	CHECK(out[0].kind == PROC_EV_FORK && out[1].kind == PROC_EV_EXIT);
	CHECK(out[0].pid == 700 && out[1].pid == 700);
	CHECK(parse(&dgram, out, 1) == 1 && out[0].kind == PROC_EV_FORK);
	CHECK(parse(&dgram, out, 0) == 0);
}

static void truncated_message_is_not_an_event(void)
{
	struct datagram dgram = { .len = 0 };
	struct cn_proc_event forked = fork_event(1, 800, 800);
	struct proc_event out[4];
	size_t whole;

	add_event(&dgram, &forked);
	whole = dgram.len;
	add_event(&dgram, &forked);
	/* Every cut of the second message leaves only the first. */
	for (size_t len = whole; len < dgram.len; len++)
		CHECK(proc_events_parse(dgram.bytes, len, out, 4) == 1);
	for (size_t len = 0; len < whole; len++)
		CHECK(proc_events_parse(dgram.bytes, len, out, 4) == 0);
	/* A connector message that holds too little of a fork for its child. */
	dgram.len = 0;
	append(&dgram, &forked, offsetof(struct cn_proc_event, event_data.fork.child_tgid),
	       proc_id);
	CHECK(parse(&dgram, out, 4) == 0);
}

static void wrong_connector_id_is_skipped(void)
{
	struct datagram dgram = { .len = 0 };
	struct cn_proc_event forked = fork_event(1, 900, 900);
	struct proc_event out[4];

	append(&dgram, &forked, sizeof(forked), (struct cb_id){ .idx = CN_IDX_CIFS, .val = 1 });
	append(&dgram, &forked, sizeof(forked), (struct cb_id){ .idx = CN_IDX_PROC, .val = 2 });
	CHECK(parse(&dgram, out, 4) == 0);
	add_event(&dgram, &forked);
	CHECK(parse(&dgram, out, 4) == 1 && out[0].pid == 900);
}

static void lying_lengths_are_not_followed(void)
{
	struct datagram dgram = { .len = 0 };
	struct cn_proc_event forked = fork_event(1, 1000, 1000);
	struct proc_event out[4];
	struct nlmsghdr hdr;
	struct cn_msg cn;
	size_t second;

	add_event(&dgram, &forked);
	second = append(&dgram, &forked, sizeof(forked), proc_id);
	memcpy(&hdr, dgram.bytes + second, sizeof(hdr));
	/* Longer than what is left: the message and all after it are dropped. */
	hdr.nlmsg_len = (uint32_t)(dgram.len - second + 1);
	memcpy(dgram.bytes + second, &hdr, sizeof(hdr));
	CHECK(parse(&dgram, out, 4) == 1);
	/* Shorter than its own header: framing is lost. */
	hdr.nlmsg_len = 4;
	memcpy(dgram.bytes + second, &hdr, sizeof(hdr));
	CHECK(parse(&dgram, out, 4) == 1);
	hdr.nlmsg_len = 0;
	memcpy(dgram.bytes + second, &hdr, sizeof(hdr));
	CHECK(parse(&dgram, out, 4) == 1);
	/* Covering the header only, while cn_msg says an event follows. */
	hdr.nlmsg_len = NLMSG_HDRLEN + sizeof(cn);
	memcpy(dgram.bytes + second, &hdr, sizeof(hdr));
	CHECK(parse(&dgram, out, 4) == 1);
	/* cn_msg's own length beyond its netlink message. */
	hdr.nlmsg_len = (uint32_t)NLMSG_LENGTH(sizeof(cn) + sizeof(forked));
	memcpy(dgram.bytes + second, &hdr, sizeof(hdr));
	memcpy(&cn, dgram.bytes + second + NLMSG_HDRLEN, sizeof(cn));
	cn.len = sizeof(forked) + 1;
	memcpy(dgram.bytes + second + NLMSG_HDRLEN, &cn, sizeof(cn));
	CHECK(parse(&dgram, out, 4) == 1);
	/* Not a connector message at all. */
	cn.len = sizeof(forked);
	memcpy(dgram.bytes + second + NLMSG_HDRLEN, &cn, sizeof(cn));
	hdr.nlmsg_type = NLMSG_ERROR;
	memcpy(dgram.bytes + second, &hdr, sizeof(hdr));
	CHECK(parse(&dgram, out, 4) == 1);
}

static void any_alignment_is_read(void)
{
	struct datagram dgram = { .len = 0 };
	struct cn_proc_event exited = exit_event(1100, 1100, 3 << 8);
	uint8_t shifted[sizeof(dgram.bytes) + 1];
	struct proc_event out[4];

	add_event(&dgram, &exited);
	memcpy(shifted + 1, dgram.bytes, dgram.len);
	CHECK(proc_events_parse(shifted + 1, dgram.len, out, 4) == 1);
	CHECK(out[0].pid == 1100 && WEXITSTATUS(out[0].exit_status) == 3);
}

static long elapsed_ms(const struct timespec *since)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - since->tv_sec) * 1000 + (now.tv_nsec - since->tv_nsec) / 1000000;
}

/* What the live test saw of its child. */
struct child_story {
	bool forked, execed, exited, lost;
	int exit_status;
	uint64_t fork_ns;
};

static void note(struct child_story *story, const struct proc_event *ev, pid_t child)
{
	if (ev->kind == PROC_EV_LOST)
		story->lost = true;
	if (ev->pid != child)
		return;
	if (ev->kind == PROC_EV_FORK && ev->parent == getpid()) {
		story->forked = true;
		story->fork_ns = ev->time_ns;
	}
	if (ev->kind == PROC_EV_EXEC)
		story->execed = true;
	if (ev->kind == PROC_EV_EXIT && ev->exit_known) {
		story->exited = true;
		story->exit_status = ev->exit_status;
	}
}

static void child_fork_exec_and_exit_are_read_live(void)
{
	char why[160] = "";
	int fd = proc_events_open(why, sizeof(why));
	struct child_story story = { .forked = false };
	struct timespec start, fork_time;
	pid_t child;
	int status;

	if (fd < 0) {
		printf("    %s\n", why);
		CHECK(fd >= 0);
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &fork_time);
	child = fork();
	if (child == 0) {
		execl("/bin/sh", "sh", "-c", "exit 3", (char *)NULL);
		_exit(127);
	}
	CHECK(child > 0);
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (!(story.forked && story.exited) && elapsed_ms(&start) < 10000) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		struct proc_event out[64];
		ssize_t n;

		poll(&pfd, 1, 100);
		n = proc_events_read(fd, out, 64);
		CHECK(n >= 0);
		for (ssize_t i = 0; i < n; i++)
			note(&story, &out[i], child);
	}
	waitpid(child, &status, 0);
	proc_events_close(fd);
	CHECK(!story.lost);
	CHECK(story.forked && story.execed && story.exited);
	CHECK(WIFEXITED(story.exit_status) && WEXITSTATUS(story.exit_status) == 3);
	CHECK(story.exit_status == status);
	/* The kernel's clock is ours: the fork happened after we read CLOCK_MONOTONIC. */
	CHECK(story.fork_ns >= (uint64_t)fork_time.tv_sec * 1000000000u +
				       (uint64_t)fork_time.tv_nsec);
}

enum { BURST = 1000 };

static bool in_burst(const pid_t *children, pid_t pid)
{
	for (int i = 0; i < BURST; i++)
		if (children[i] == pid)
			return true;
	return false;
}

/* BURST children fork and exit while nothing reads; then every one of them is read. */
static void burst_of_forks_fits_the_receive_buffer(void)
{
	static pid_t children[BURST];
	char why[160] = "";
	int fd = proc_events_open(why, sizeof(why));
	int forks = 0, exits = 0;
	bool lost = false;
	struct timespec start;

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	for (int i = 0; i < BURST; i++) {
		children[i] = fork();
		if (children[i] == 0)
			_exit(0);
	}
	for (int i = 0; i < BURST; i++)
		waitpid(children[i], NULL, 0);
	clock_gettime(CLOCK_MONOTONIC, &start);
	while ((forks < BURST || exits < BURST) && !lost && elapsed_ms(&start) < 10000) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		struct proc_event out[64];
		ssize_t n;

		poll(&pfd, 1, 100);
		n = proc_events_read(fd, out, 64);
		CHECK(n >= 0);
		for (ssize_t i = 0; i < n; i++) {
			lost |= out[i].kind == PROC_EV_LOST;
			if (!in_burst(children, out[i].pid))
				continue;
			forks += out[i].kind == PROC_EV_FORK && out[i].parent == getpid();
			exits += out[i].kind == PROC_EV_EXIT && out[i].exit_status == 0;
		}
	}
	proc_events_close(fd);
	printf("    %d forks and %d exits of %d children read after the burst%s\n", forks,
	       exits, BURST, lost ? ", events lost" : "");
	CHECK(!lost);
	CHECK(forks == BURST && exits == BURST);
}

/* Whether FD yields CHILD's fork within 10 s. */
static bool saw_fork_of(int fd, pid_t child)
{
	struct timespec start;

	clock_gettime(CLOCK_MONOTONIC, &start);
	while (elapsed_ms(&start) < 10000) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		struct proc_event out[64];
		ssize_t n;

		poll(&pfd, 1, 100);
		n = proc_events_read(fd, out, 64);
		for (ssize_t i = 0; i < n; i++)
			if (out[i].kind == PROC_EV_FORK && out[i].pid == child)
				return true;
	}
	return false;
}

/* A socket shrunk to a few events overflows under a burst: that reads as LOST, and the
 * events after it still come. */
static void overflowed_socket_reads_as_lost(void)
{
	char why[160] = "";
	int fd = proc_events_open(why, sizeof(why));
	int tiny = 4096;
	struct proc_event out[64];
	size_t lost = 0;
	pid_t child;
	ssize_t n;

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	CHECK(setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &tiny, sizeof(tiny)) == 0);
	for (int i = 0; i < 200; i++) {
		child = fork();
		if (child == 0)
			_exit(0);
		waitpid(child, NULL, 0);
	}
	while ((n = proc_events_read(fd, out, 64)) > 0)
		for (ssize_t i = 0; i < n; i++)
			lost += out[i].kind == PROC_EV_LOST && out[i].pid == 0 && out[i].time_ns == 0;
	CHECK(n == 0);
	CHECK(lost >= 1);
	/* Room again: the next child is read whole. */
	CHECK(setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &(int){ 4 << 20 }, sizeof(int)) == 0);
	child = fork();
	if (child == 0)
		_exit(0);
	waitpid(child, NULL, 0);
	CHECK(saw_fork_of(fd, child));
	proc_events_close(fd);
}

/* How proc_events_open went without CAP_NET_ADMIN. Linux 6.6 lets anyone listen (anyone
 * can read /proc); before, bind is refused with EPERM. */
enum unprivileged_open { REFUSED_NAMING_CAP_NET_ADMIN, OPENED, REFUSED_OTHERWISE };

static enum unprivileged_open open_unprivileged(void)
{
	char why[160] = "";
	int fd = proc_events_open(why, sizeof(why));

	if (fd >= 0) {
		proc_events_close(fd);
		return OPENED;
	}
	if (strstr(why, "CAP_NET_ADMIN") == NULL) {
		printf("    %s\n", why);
		return REFUSED_OTHERWISE;
	}
	return REFUSED_NAMING_CAP_NET_ADMIN;
}

static void report_unprivileged(enum unprivileged_open outcome)
{
	CHECK(outcome == REFUSED_NAMING_CAP_NET_ADMIN || outcome == OPENED);
	if (outcome == OPENED)
		printf("    this kernel lets a user without CAP_NET_ADMIN listen\n");
}

static void without_cap_net_admin_open_names_it_or_works(void)
{
	pid_t child = fork();
	int status;

	if (child == 0) {
		if (setgid(65534) < 0 || setuid(65534) < 0)
			_exit(REFUSED_OTHERWISE);
		_exit(open_unprivileged());
	}
	CHECK(child > 0 && waitpid(child, &status, 0) == child);
	CHECK(WIFEXITED(status));
	report_unprivileged((enum unprivileged_open)WEXITSTATUS(status));
}

static void not_root_open_names_cap_net_admin_or_works(void)
{
	report_unprivileged(open_unprivileged());
}

int main(void)
{
	TEST(fork_of_a_process_is_an_event);
	TEST(fork_of_a_thread_is_skipped);
	TEST(exec_is_an_event_of_the_process);
	TEST(exit_with_status_3_is_a_wait_status);
	TEST(exit_by_signal_9_is_a_wait_status);
	TEST(exit_of_a_thread_is_skipped);
	TEST(exit_without_its_code_has_no_status);
	TEST(uid_change_of_a_leader_carries_the_uids);
	TEST(other_kinds_and_acks_are_skipped);
	TEST(two_messages_in_one_datagram_are_two_events);
	TEST(truncated_message_is_not_an_event);
	TEST(wrong_connector_id_is_skipped);
	TEST(lying_lengths_are_not_followed);
	TEST(any_alignment_is_read);
	if (geteuid() != 0) {
		TEST(not_root_open_names_cap_net_admin_or_works);
		UNIT_EXIT();
	}
	TEST(child_fork_exec_and_exit_are_read_live);
	TEST(burst_of_forks_fits_the_receive_buffer);
	TEST(overflowed_socket_reads_as_lost);
	TEST(without_cap_net_admin_open_names_it_or_works);
	UNIT_EXIT();
}
