/* Unit tests for the thread states of a process: counting stat lines by state, and reading
 * a real process's threads. */
#include <pthread.h>
#include <unistd.h>

#include "proc_threads.h"
#include "unit.h"

#define STAT_TAIL " 1 4242 4242 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 3 0 12345 1000 10"

static void states_are_counted_by_letter(void)
{
	struct thread_states states = { 0 };

	CHECK(thread_states_add(&states, "4242 (worker) R" STAT_TAIL) == 0);
	CHECK(thread_states_add(&states, "4243 (worker) S" STAT_TAIL) == 0);
	CHECK(thread_states_add(&states, "4244 (io) D" STAT_TAIL) == 0);
	CHECK(thread_states_add(&states, "4245 (io) S" STAT_TAIL) == 0);
	CHECK(thread_states_add(&states, "4246 (gone) Z" STAT_TAIL) == 0);
	CHECK(states.threads == 5 && states.running == 1 && states.sleeping == 2 &&
	      states.disk_wait == 1);
}

static void a_comm_with_parentheses_does_not_shift_the_state(void)
{
	struct thread_states states = { 0 };

	CHECK(thread_states_add(&states, "7 (a) D (b) R" STAT_TAIL) == 0);
	CHECK(states.threads == 1 && states.running == 1 && states.disk_wait == 0);
}

static void what_is_not_a_stat_line_is_not_counted(void)
{
	struct thread_states states = { 0 };

	CHECK(thread_states_add(&states, "") < 0);
	CHECK(thread_states_add(&states, "4242 (worker") < 0);
	CHECK(thread_states_add(&states, "garbage") < 0);
	CHECK(states.threads == 0);
}

static void the_text_names_pid_and_counts(void)
{
	struct thread_states states = { .threads = 4, .sleeping = 4 };
	char text[80];

	thread_states_text(812, &states, text, sizeof(text));
	CHECK_STR(text, "pid 812: 4 threads, R 0 S 4 D 0");
	states = (struct thread_states){ .threads = 1, .running = 1 };
	thread_states_text(9, &states, text, sizeof(text));
	CHECK_STR(text, "pid 9: 1 thread, R 1 S 0 D 0");
}

static void *sleeper(void *arg)
{
	(void)arg;
	pause();
	return NULL;
}

static void a_live_process_shows_each_thread(void)
{
	struct thread_states states;
	pthread_t threads[3];

	for (int i = 0; i < 3; i++)
		CHECK(pthread_create(&threads[i], NULL, sleeper, NULL) == 0);
	usleep(50000);
	CHECK(proc_threads_read("/proc", getpid(), &states) == 0);
	/* This thread runs as it reads; the three sleep. */
	CHECK(states.threads == 4);
	CHECK(states.running >= 1 && states.sleeping >= 3);
	for (int i = 0; i < 3; i++)
		pthread_cancel(threads[i]);
	for (int i = 0; i < 3; i++)
		pthread_join(threads[i], NULL);
}

static void a_process_that_is_gone_is_an_error(void)
{
	struct thread_states states;

	CHECK(proc_threads_read("/proc", 0, &states) < 0);
	CHECK(proc_threads_read("/nonexistent", getpid(), &states) < 0);
}

int main(void)
{
	TEST(states_are_counted_by_letter);
	TEST(a_comm_with_parentheses_does_not_shift_the_state);
	TEST(what_is_not_a_stat_line_is_not_counted);
	TEST(the_text_names_pid_and_counts);
	TEST(a_live_process_shows_each_thread);
	TEST(a_process_that_is_gone_is_an_error);
	UNIT_EXIT();
}
