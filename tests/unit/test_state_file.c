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
	TEST(history_drops_oldest_and_never_reuses_an_index);
	TEST(restarts_from_another_boot_count);
	TEST(save_then_load_gives_the_same_history);
	TEST(every_truncation_is_refused);
	TEST(damaged_files_say_where);
	TEST(missing_file_is_no_error);
	TEST(set_aside_keeps_the_file);
	rmdir(dir);
	UNIT_EXIT();
}
