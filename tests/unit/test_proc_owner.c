/* Unit tests for a process's owner: the three uids of /proc/PID/status, and reading them
 * only from the very process a scan saw. */
#include <errno.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proc_owner.h"
#include "unit.h"

#define STATUS_HEAD "Name:\tsleep\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t4242\nNgid:\t0\n" \
		    "Pid:\t4242\nPPid:\t1\nTracerPid:\t0\n"

static int parse(const char *text, size_t len, struct process_uids *uids)
{
	return proc_parse_status_uids(text, len, uids);
}

static void real_effective_and_saved_are_read(void)
{
	static const char text[] = STATUS_HEAD "Uid:\t1000\t0\t0\t0\nGid:\t1000\t1000\t1000\t1000\n";
	struct process_uids uids;

	CHECK(parse(text, sizeof(text) - 1, &uids) == 0);
	CHECK(uids.real == 1000 && uids.effective == 0 && uids.saved == 0);
}

static void largest_uid_fits(void)
{
	static const char text[] = "Uid:\t4294967295 4294967294\t65534\t0\n";
	struct process_uids uids;

	CHECK(parse(text, sizeof(text) - 1, &uids) == 0);
	CHECK(uids.real == 4294967295u && uids.effective == 4294967294u && uids.saved == 65534);
}

static void malformed_lines_are_refused(void)
{
	struct process_uids uids;

	CHECK(parse(STATUS_HEAD, sizeof(STATUS_HEAD) - 1, &uids) < 0);
	CHECK(parse("Uid:\t1\t2\n", 9, &uids) < 0);
	CHECK(parse("Uid:\t1\t2\tx\t4\n", 13, &uids) < 0);
	CHECK(parse("Uid:1\t2\t3\t4\n", 12, &uids) < 0);
	CHECK(parse("Uid:\t4294967296\t0\t0\t0\n", 23, &uids) < 0);
	CHECK(parse("", 0, &uids) < 0);
}

static void only_a_line_that_starts_with_uid_counts(void)
{
	static const char text[] = "Name:\tUid:\t0\t0\t0\nUid:\t7\t8\t9\t10\n";
	struct process_uids uids;

	CHECK(parse(text, sizeof(text) - 1, &uids) == 0);
	CHECK(uids.real == 7 && uids.effective == 8 && uids.saved == 9);
}

static void buffer_end_is_respected(void)
{
	static const char text[] = "Uid:\t1\t2\t3\t4\n";
	struct process_uids uids;

	/* Cut inside the third field: "Uid:\t1\t2\t" is not a line of three uids. */
	CHECK(parse(text, 9, &uids) < 0);
	CHECK(parse(text, 10, &uids) == 0);
	CHECK(uids.saved == 3);
}

static void own_process_is_read(void)
{
	struct process self;
	struct process_uids uids;

	CHECK(proc_read_stat(getpid(), &self) == 0);
	CHECK(proc_read_uids(NULL, &self, &uids) == 0);
	CHECK(uids.real == getuid() && uids.effective == geteuid());
}

static void exited_or_reused_process_is_gone(void)
{
	struct process child, self;
	struct process_uids uids;
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	CHECK(pid > 0 && proc_read_stat(pid, &child) == 0);
	waitpid(pid, NULL, 0);
	errno = 0;
	CHECK(proc_read_uids(NULL, &child, &uids) < 0 && errno == ESRCH);
	/* Our pid with another start time stands for a process that had it before. */
	CHECK(proc_read_stat(getpid(), &self) == 0);
	self.start_ticks--;
	errno = 0;
	CHECK(proc_read_uids(NULL, &self, &uids) < 0 && errno == ESRCH);
}

/* A table that keeps owners reads each process's status once: what services matching the
 * same process see in one cycle is one reading, even once the process has gone. */
static void table_reads_an_owner_once(void)
{
	struct owner_slot slot = { 0 };
	struct process child;
	struct process_table table = { .procs = &child, .count = 1, .owners = &slot };
	struct process_uids uids;
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	CHECK(pid > 0 && proc_read_stat(pid, &child) == 0);
	CHECK(proc_read_uids(&table, &child, &uids) == 0 && uids.real == getuid());
	waitpid(pid, NULL, 0);
	CHECK(proc_read_uids(&table, &child, &uids) == 0 && uids.effective == geteuid());
	errno = 0;
	CHECK(proc_read_uids(NULL, &child, &uids) < 0 && errno == ESRCH);
	/* A failure is kept too, with its errno. */
	slot = (struct owner_slot){ 0 };
	errno = 0;
	CHECK(proc_read_uids(&table, &child, &uids) < 0 && errno == ESRCH);
	errno = 0;
	CHECK(proc_read_uids(&table, &child, &uids) < 0 && errno == ESRCH);
}

int main(void)
{
	TEST(real_effective_and_saved_are_read);
	TEST(largest_uid_fits);
	TEST(malformed_lines_are_refused);
	TEST(only_a_line_that_starts_with_uid_counts);
	TEST(buffer_end_is_respected);
	TEST(own_process_is_read);
	TEST(exited_or_reused_process_is_gone);
	TEST(table_reads_an_owner_once);
	UNIT_EXIT();
}
