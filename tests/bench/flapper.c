/* A wrapper that restarts its program on a fixed beat, for make bench's restart counting.
 *
 *   flapper PERIOD_MS COUNT LOG PROG ARGV0 [ARG...]
 *
 * Starts PROG (with ARGV0 as its argv[0], so it can be matched by its command line) and
 * waits for SIGUSR1. Then it restarts it COUNT times, PERIOD_MS apart: each restart kills
 * the running process with SIGKILL, reaps it, waits 10 ms (a supervisor's restart delay)
 * and starts a new one. The last one is left running until the flapper ends (SIGTERM).
 * Appends "START_MS PID" (CLOCK_REALTIME, as restart times are published) to LOG for every
 * start, and "done" after the last. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RESTART_DELAY_NS 10000000LL

static volatile sig_atomic_t go;

static void on_go(int signo)
{
	(void)signo;
	go = 1;
}

static long long now_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void sleep_until(long long mono_ns)
{
	struct timespec ts = { (time_t)(mono_ns / 1000000000LL), (long)(mono_ns % 1000000000LL) };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) != 0)
		;
}

static pid_t start(char **program, FILE *log)
{
	pid_t pid = fork();

	if (pid < 0) {
		perror("flapper: fork");
		exit(1);
	}
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		execv(program[0], program + 1);
		perror(program[0]);
		_exit(127);
	}
	fprintf(log, "%lld %d\n", now_ns(CLOCK_REALTIME) / 1000000LL, (int)pid);
	fflush(log);
	return pid;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_go };
	long long period_ns, first_ns;
	long count;
	sigset_t usr1, waiting;
	pid_t child;
	FILE *log;

	if (argc < 6 || atol(argv[1]) <= 0 || atol(argv[2]) < 0) {
		fprintf(stderr, "usage: flapper PERIOD_MS COUNT LOG PROG ARGV0 [ARG...]\n");
		return 2;
	}
	period_ns = atol(argv[1]) * 1000000LL;
	count = atol(argv[2]);
	log = fopen(argv[3], "a");
	if (log == NULL) {
		perror(argv[3]);
		return 1;
	}
	sigaction(SIGUSR1, &sa, NULL);
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, &waiting);
	child = start(argv + 4, log);
	while (!go)
		sigsuspend(&waiting);
	first_ns = now_ns(CLOCK_MONOTONIC);
	for (long k = 0; k < count; k++) {
		sleep_until(first_ns + k * period_ns);
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		sleep_until(first_ns + k * period_ns + RESTART_DELAY_NS);
		child = start(argv + 4, log);
	}
	fprintf(log, "done\n");
	fflush(log);
	for (;;)
		pause();
}
