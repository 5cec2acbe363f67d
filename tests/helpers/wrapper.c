/* A process supervisor of the kind the tests need to imitate: it runs a program, waits for
 * it to exit, leaves it <defunct> for a while (or for ever) before reaping it, and starts
 * it again.
 * Usage: wrapper [--reap-after MS | --never-reap] [--restart-after MS] [--log FILE]
 *                -- PROG ARGV0 [ARG...]
 * ARGV0 becomes the child's argv[0], so tests can match the child by its command line.
 * --log appends "PID START_MS" (wall clock) for each child started, so a test knows every
 * restart that really happened. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0)
		;
}

static void log_start(const char *path, pid_t child)
{
	struct timespec now;
	FILE *log;

	if (path == NULL || (log = fopen(path, "a")) == NULL)
		return;
	clock_gettime(CLOCK_REALTIME, &now);
	fprintf(log, "%d %lld\n", (int)child, (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000);
	fclose(log);
}

static void usage(void)
{
	fprintf(stderr, "usage: wrapper [--reap-after MS | --never-reap] [--restart-after MS] "
		"[--log FILE] -- PROG ARGV0 [ARG...]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	long reap_after = 0, restart_after = 0;
	const char *log = NULL;
	int never_reap = 0, i;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], "--never-reap") == 0)
			never_reap = 1;
		else if (strcmp(argv[i], "--reap-after") == 0 && i + 1 < argc)
			reap_after = atol(argv[++i]);
		else if (strcmp(argv[i], "--restart-after") == 0 && i + 1 < argc)
			restart_after = atol(argv[++i]);
		else if (strcmp(argv[i], "--log") == 0 && i + 1 < argc)
			log = argv[++i];
		else
			usage();
	}
	/* After "--": PROG and ARGV0 at least. */
	if (i + 2 >= argc)
		usage();
	for (;;) {
		siginfo_t info;
		pid_t child = fork();

		if (child < 0) {
			perror("fork");
			return 1;
		}
		if (child == 0) {
			/* Ends with the wrapper, which the tests end by pid. */
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			execv(argv[i + 1], &argv[i + 2]);
			perror(argv[i + 1]);
			_exit(127);
		}
		log_start(log, child);
		/* Wait for the exit without reaping: the child stays <defunct> meanwhile. */
		if (waitid(P_PID, (id_t)child, &info, WEXITED | WNOWAIT) < 0) {
			perror("waitid");
			return 1;
		}
		if (never_reap)
			for (;;)
				pause();
		sleep_ms(reap_after);
		waitpid(child, NULL, 0);
		sleep_ms(restart_after);
	}
}
