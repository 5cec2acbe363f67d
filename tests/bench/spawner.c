/* Keeps a host busy with short-lived processes, for make bench: RATE a second, each a fork
 * and exec of /bin/true, reaped as it ends, until SIGTERM.
 *
 *   spawner RATE */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long rate = argc == 2 ? atol(argv[1]) : 0;
	long long step_ns, next_ns;
	struct timespec ts;

	if (rate <= 0) {
		fprintf(stderr, "usage: spawner RATE\n");
		return 2;
	}
	signal(SIGCHLD, SIG_IGN);  /* the kernel reaps them */
	step_ns = 1000000000LL / rate;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	next_ns = (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
	for (;;) {
		pid_t pid = fork();

		if (pid == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			execl("/bin/true", "true", (char *)NULL);
			_exit(127);
		}
		next_ns += step_ns;
		ts = (struct timespec){ (time_t)(next_ns / 1000000000LL), (long)(next_ns % 1000000000LL) };
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
	}
}
