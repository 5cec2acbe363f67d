/* Unit tests for restart detection and the state file: what counts as a restart, how the
 * history is kept, and that a damaged file is refused (cut at every byte) without harm. */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "service_state.h"
#include "state_file.h"
#include "unit.h"

static char dir[] = "/tmp/oh-unit-state.XXXXXX";
static char path[256];

static struct main_sighting sighting(pid_t pid, unsigned long long ticks, uint32_t fd_soft)
{
	struct main_sighting seen = { .pid = pid, .start_ticks = ticks, .fd_soft = fd_soft };

	seen.start_ms = 1000000 + (int64_t)ticks;
	return seen;
}

static void first_sighting_is_no_restart(void)
{
	struct service_state state = { 0 };
	struct main_sighting seen = sighting(100, 5000, 1024);

	CHECK(!service_state_seen_up(&state, &seen, 2000000, 8));
	CHECK(!service_state_seen_up(&state, &seen, 2001000, 8));
	CHECK(state.restarts == 0 && state.nevents == 0);
	free(state.events);
}

static void new_pid_or_new_start_time_is_a_restart(void)
{
	struct service_state state = { 0 };
	struct main_sighting a = sighting(100, 5000, 65536), b = sighting(200, 9000, 1024);
	struct main_sighting reused = sighting(200, 12000, 1024);

	service_state_seen_up(&state, &a, 1004000, 8);
	CHECK(service_state_seen_up(&state, &b, 1010000, 8));
	/* The same pid with a later start time: the pid was reused by a new process. */
	CHECK(service_state_seen_up(&state, &reused, 1013000, 8));
	CHECK(state.restarts == 2 && state.nevents == 2 && state.last_index == 2);
	CHECK(state.events[0].index == 1 && state.events[0].old_pid == 100 &&
	      state.events[0].new_pid == 200);
	CHECK(state.events[0].old_fd_soft == 65536 && state.events[0].new_fd_soft == 1024);
	/* Last seen at 1004000, the new process started at 1009000. */
	CHECK(state.events[0].downtime_ms == 5000);
	CHECK(state.events[1].old_pid == 200 && state.events[1].new_pid == 200);
	free(state.events);
}

/* An exit event dates the downtime from the exit and says how the process ended; the new
 * process's start dates the restart. */
static void exit_event_dates_the_restart_and_keeps_how_it_ended(void)
{
	struct service_state state = { 0 };
	struct main_sighting a = sighting(100, 5000, 0), b = sighting(200, 9000, 0);
	struct main_sighting c = sighting(300, 12000, 0);

	service_state_seen_up(&state, &a, 1006000, 8);
	service_state_exited(&state, 100, 1007000, 9);
	service_state_exited(&state, 999, 1007500, 0); /* not its main process: ignored */
	CHECK(service_state_seen_up(&state, &b, 1010000, 8));
	CHECK(state.events[0].time_ms == 1009000);
	CHECK(state.events[0].downtime_ms == 2000);
	CHECK(state.events[0].old_exit == 9);
	/* A pidfd alone gives the time, not the status: not known, never 0 ("exited 0"). */
	service_state_exited(&state, 200, 1011000, -1);
	CHECK(service_state_seen_up(&state, &c, 1013000, 8));
	CHECK(state.events[1].old_exit == -1 && state.events[1].downtime_ms == 1000);
	free(state.events);
}

/* A pidfile pointed at a process that already ran: the change is dated when seen. */
static void older_process_taking_over_is_dated_when_seen(void)
{
	struct service_state state = { 0 };
	struct main_sighting a = sighting(100, 5000, 0), older = sighting(50, 1000, 0);

	service_state_seen_up(&state, &a, 1006000, 8);
	CHECK(service_state_seen_up(&state, &older, 1020000, 8));
	CHECK(state.events[0].time_ms == 1020000 && state.events[0].old_exit == -1);
	free(state.events);
}

static void exit_statuses_read_as_people_say_them(void)
{
	char text[64];

	exit_status_text(3 << 8, text, sizeof(text));
	CHECK_STR(text, "exited with status 3");
	exit_status_text(0, text, sizeof(text));
	CHECK_STR(text, "exited with status 0");
	exit_status_text(9, text, sizeof(text));
	CHECK_STR(text, "killed by signal 9 (SIGKILL)");
	exit_status_text(11 | 0x80, text, sizeof(text));
	CHECK_STR(text, "killed by signal 11 (SIGSEGV), core dumped");
	exit_status_text(-1, text, sizeof(text));
	CHECK_STR(text, "ended (how is not known)");
}

static void history_drops_oldest_and_never_reuses_an_index(void)
{
	struct service_state state = { 0 };

	for (pid_t pid = 1; pid <= 10; pid++) {
		struct main_sighting seen = sighting(pid, (unsigned long long)pid * 10, 0);

		service_state_seen_up(&state, &seen, 2000000 + pid, 4);
	}
	CHECK(state.restarts == 9 && state.nevents == 4);
	CHECK(state.events[0].index == 6 && state.events[3].index == 9);
	CHECK(service_state_restarts_within(&state, 2000010, 2) == 3);
	free(state.events);
}

static void restarts_from_another_boot_count(void)
{
	struct service_state state = { .pid = 100, .start_ticks = 5000, .seen_this_boot = false };
	struct main_sighting same_numbers = sighting(100, 5000, 0);

	CHECK(service_state_seen_up(&state, &same_numbers, 3000000, 8));
	CHECK(state.restarts == 1);
	free(state.events);
}

static void fill_store(struct state_store *store)
{
	struct config config = { .agent = { .history = 8 } };
	struct service_config services[2] = { { .name = "alpha" }, { .name = "beta.2" } };

	config.services = services;
	config.nservices = 2;
	snprintf(store->boot_id, sizeof(store->boot_id), "test-boot");
	CHECK(state_store_sync(store, &config) == 0);
	for (pid_t pid = 10; pid < 13; pid++) {
		struct main_sighting seen = sighting(pid, (unsigned long long)pid, 4096);

		service_state_seen_up(&store->services[0], &seen, 5000000 + pid, 8);
	}
}

static void save_then_load_gives_the_same_history(void)
{
	struct state_store saved = { 0 }, loaded = { 0 };
	char error[512];

	fill_store(&saved);
	saved.services[0].events[1].old_exit = 11 | 0x80;
	CHECK(state_file_save(path, &saved, error, sizeof(error)) == 0);
	snprintf(loaded.boot_id, sizeof(loaded.boot_id), "test-boot");
	CHECK(state_file_load(path, &loaded, error, sizeof(error)) == 1);
	CHECK(loaded.nservices == 2);
	if (loaded.nservices == 2) {
		const struct service_state *a = &saved.services[0], *b = &loaded.services[0];

		CHECK_STR(b->name, "alpha");
		CHECK(b->pid == a->pid && b->start_ticks == a->start_ticks && b->seen_this_boot);
		CHECK(b->restarts == 2 && b->last_index == 2 && b->nevents == 2);
		CHECK(memcmp(a->events, b->events, 2 * sizeof(*a->events)) == 0);
		CHECK_STR(loaded.services[1].name, "beta.2");
		CHECK(loaded.services[1].nevents == 0);
	}
	state_store_free(&loaded);
	/* Another boot: the pids in the file belong to processes that are gone. */
	snprintf(loaded.boot_id, sizeof(loaded.boot_id), "other-boot");
	CHECK(state_file_load(path, &loaded, error, sizeof(error)) == 1);
	CHECK(loaded.nservices == 2 && !loaded.services[0].seen_this_boot);
	state_store_free(&loaded);
	state_store_free(&saved);
}

static uint64_t fnv1a(const char *data, size_t len)
{
	uint64_t hash = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < len; i++) {
		hash ^= (unsigned char)data[i];
		hash *= 0x100000001b3ULL;
	}
	return hash;
}

/* Files written before restart lines said how the old process ended still load. */
static void restart_lines_without_an_exit_still_load(void)
{
	static const char body[] = "oobhealth-state 1\nboot test-boot\n"
				   "service alpha 12 12 4096 5000012 1 1 1\n"
				   "restart 1 5000011 11 12 0 4096 4096\n";
	struct state_store loaded = { 0 };
	char text[512], error[512];
	int fd, n;

	n = snprintf(text, sizeof(text), "%send %016llx\n", body,
		     (unsigned long long)fnv1a(body, sizeof(body) - 1));
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0 && write(fd, text, (size_t)n) == n);
	close(fd);
	snprintf(loaded.boot_id, sizeof(loaded.boot_id), "test-boot");
	CHECK(state_file_load(path, &loaded, error, sizeof(error)) == 1);
	CHECK(loaded.nservices == 1 && loaded.services[0].nevents == 1);
	if (loaded.nservices == 1 && loaded.services[0].nevents == 1)
		CHECK(loaded.services[0].events[0].old_exit == -1);
	state_store_free(&loaded);
}

static void every_truncation_is_refused(void)
{
	struct state_store saved = { 0 };
	char error[512], cut[300], text[8192];
	int fd, refused = 0, tries = 0;
	ssize_t len;

	fill_store(&saved);
	CHECK(state_file_save(path, &saved, error, sizeof(error)) == 0);
	state_store_free(&saved);
	fd = open(path, O_RDONLY);
	len = read(fd, text, sizeof(text));
	close(fd);
	CHECK(len > 0);
	snprintf(cut, sizeof(cut), "%s.cut", path);
	for (ssize_t n = 0; n < len; n++) {
		struct state_store loaded = { 0 };

		fd = open(cut, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		CHECK(write(fd, text, (size_t)n) == n);
		close(fd);
		tries++;
		if (state_file_load(cut, &loaded, error, sizeof(error)) < 0 && loaded.nservices == 0)
			refused++;
		state_store_free(&loaded);
	}
	/* Only the file missing just its final newline is still whole. */
	CHECK(refused == tries - 1);
	unlink(cut);
}

static void damaged_files_say_where(void)
{
	static const struct {
		const char *text, *message;
	} cases[] = {
		{ "", ":0: the file is empty (truncated?)" },
		{ "hello\n", ":1: not an oobhealth state file" },
		{ "oobhealth-state 9\n", ":1: format version 9; this oobhealthd reads version 1" },
		{ "oobhealth-state 1\nboot x\nservice a 1 2 3 4 5 6 0\n",
		  ":3: the file ends without its \"end\" line (truncated?)" },
		{ "oobhealth-state 1\nboot x\nservice a 1 2 3 4 5 6 0\nend 0000000000000000\n",
		  ":4: checksum mismatch (the file was changed or damaged)" },
		{ "oobhealth-state 1\nboot x\nservice a/b 1 2 3 4 5 6 0\n",
		  ":3: \"a/b\" is not a service name" },
		{ "oobhealth-state 1\nboot x\nservice a 1 2 3 4 5 6 1\nrestart 7 1 1 2 0 0 0\n",
		  ":4: service a: restart index 7 out of order" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct state_store loaded = { 0 };
		char error[512], want[512];
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		CHECK(write(fd, cases[i].text, strlen(cases[i].text)) == (ssize_t)strlen(cases[i].text));
		close(fd);
		CHECK(state_file_load(path, &loaded, error, sizeof(error)) == -1);
		snprintf(want, sizeof(want), "%s%s", path, cases[i].message);
		CHECK_STR(error, want);
		CHECK(loaded.nservices == 0);
	}
}

static void missing_file_is_no_error(void)
{
	struct state_store loaded = { 0 };
	char error[512], missing[300];

	snprintf(missing, sizeof(missing), "%s/none", dir);
	CHECK(state_file_load(missing, &loaded, error, sizeof(error)) == 0);
	CHECK(loaded.nservices == 0);
}

static void set_aside_keeps_the_file(void)
{
	char aside[512], check[300];

	snprintf(check, sizeof(check), "%s.corrupt", path);
	CHECK(state_file_set_aside(path, aside, sizeof(aside)) == 0);
	CHECK_STR(aside, check);
	CHECK(access(aside, F_OK) == 0 && access(path, F_OK) != 0);
	unlink(aside);
}

int main(void)
{
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/state", dir);
	TEST(first_sighting_is_no_restart);
	TEST(new_pid_or_new_start_time_is_a_restart);
	TEST(exit_event_dates_the_restart_and_keeps_how_it_ended);
	TEST(older_process_taking_over_is_dated_when_seen);
	TEST(exit_statuses_read_as_people_say_them);
	TEST(history_drops_oldest_and_never_reuses_an_index);
	TEST(restarts_from_another_boot_count);
	TEST(save_then_load_gives_the_same_history);
	TEST(restart_lines_without_an_exit_still_load);
	TEST(every_truncation_is_refused);
	TEST(damaged_files_say_where);
	TEST(missing_file_is_no_error);
	TEST(set_aside_keeps_the_file);
	rmdir(dir);
	UNIT_EXIT();
}
