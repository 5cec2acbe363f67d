/* Holds a given number of open file descriptors (besides stdin, stdout and stderr) until
 * it is ended, so tests can check fd counting and thresholds against a known figure.
 * Usage: hold_fds PIDFILE N [CHILD_N]: with CHILD_N, a child holding CHILD_N more runs
 * beside it. The pidfile (the parent's pid) is written once everything is open. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static void hold(long n)
{
	for (long i = 0; i < n; i++) {
		if (open("/dev/null", O_RDONLY) < 0) {
			perror("open /dev/null");
			exit(1);
		}
	}
}

int main(int argc, char **argv)
{
	FILE *pidfile;

	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: hold_fds PIDFILE N [CHILD_N]\n");
		return 2;
	}
	/* Whatever the starting shell left open would blur the count. */
	close_range(3, ~0U, 0);
	if (argc == 4) {
		int ready[2];
		char byte;
		pid_t child;

		if (pipe(ready) < 0)
			return 1;
		child = fork();
		if (child == 0) {
			/* Ends with its parent, which the tests end by pid. */
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			close(ready[0]);
			hold(atol(argv[3]) - 1); /* the pipe's write end is one of them */
			if (write(ready[1], "x", 1) != 1)
				_exit(1);
			for (;;)
				pause();
		}
		close(ready[1]);
		if (child < 0 || read(ready[0], &byte, 1) != 1)
			return 1;
		close(ready[0]);
	}
	hold(atol(argv[2]));
	pidfile = fopen(argv[1], "w");
	if (pidfile == NULL) {
		perror(argv[1]);
		return 1;
	}
	fprintf(pidfile, "%d\n", (int)getpid());
	fclose(pidfile);
	for (;;)
		pause();
}
