/* Fills the host's process table for make bench: forks COUNT children that sleep until
 * this process ends, then prints "ready".
 *
 *   idle_procs COUNT
 *
 * Each child blocks reading a pipe whose only writer is this process, so ending this
 * one pid (SIGTERM) ends them all: their read sees end-of-file. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long count = argc == 2 ? atol(argv[1]) : -1;
	int pipe_fds[2];
	char byte;

	if (count < 0) {
		fprintf(stderr, "usage: idle_procs COUNT\n");
		return 2;
	}
	if (pipe(pipe_fds) < 0) {
		perror("idle_procs: pipe");
		return 1;
	}
	for (long i = 0; i < count; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			perror("idle_procs: fork");
			return 1;
		}
		if (pid == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			close(pipe_fds[1]);
			while (read(pipe_fds[0], &byte, 1) > 0)
				;
			_exit(0);
		}
	}
	close(pipe_fds[0]);
	signal(SIGCHLD, SIG_IGN);
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
}
