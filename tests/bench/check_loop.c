/* Runs a check command on a fixed interval, as a Nagios-style scheduler would, for
 * make bench: how soon the Monitoring Plugins see a fault.
 *
 *   check_loop INTERVAL_MS LOG COMMAND [ARG...]
 *
 * Runs start INTERVAL_MS apart (a run that overruns is followed by the next at once);
 * each run's output goes to /dev/null, and as it ends "END_NS EXIT" is appended to LOG
 * (CLOCK_MONOTONIC; EXIT is 128 + the signal for a run killed by one). Runs until
 * SIGTERM. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int run(char **command)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return 255;
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		execv(command[0], command);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return 255;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(int argc, char **argv)
{
	long long interval_ns, next_ns;
	FILE *log;

	if (argc < 4 || atol(argv[1]) <= 0) {
		fprintf(stderr, "usage: check_loop INTERVAL_MS LOG COMMAND [ARG...]\n");
		return 2;
	}
	interval_ns = atol(argv[1]) * 1000000LL;
	log = fopen(argv[2], "a");
	if (log == NULL) {
		perror(argv[2]);
		return 1;
	}
	next_ns = now_ns();
	for (;;) {
		int exit_code = run(argv + 3);
		long long ended = now_ns();

		fprintf(log, "%lld %d\n", ended, exit_code);
		fflush(log);
		next_ns += interval_ns;
		if (next_ns > ended) {
			struct timespec ts = { (time_t)(next_ns / 1000000000LL), (long)(next_ns % 1000000000LL) };

			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		} else {
			next_ns = ended;
		}
	}
}
