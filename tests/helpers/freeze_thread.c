/* Freezes one named thread of a process for some seconds, as if it were stuck in a
 * blocking call: ptrace-stops only that thread (PTRACE_SEIZE + PTRACE_INTERRUPT), the
 * rest of the process runs on. Usage: freeze_thread PID THREAD_NAME SECONDS */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t find_thread(const char *pid, const char *name)
{
	char path[600], comm[64];
	struct dirent *entry;
	pid_t found = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%s/task", pid);
	dir = opendir(path);
	if (dir == NULL)
		return 0;
	while (found == 0 && (entry = readdir(dir)) != NULL) {
		FILE *f;

		if (entry->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/task/%s/comm", pid, entry->d_name);
		f = fopen(path, "r");
		if (f == NULL)
			continue;
		if (fgets(comm, sizeof(comm), f) != NULL) {
			comm[strcspn(comm, "\n")] = '\0';
			if (strcmp(comm, name) == 0)
				found = (pid_t)atoi(entry->d_name);
		}
		fclose(f);
	}
	closedir(dir);
	return found;
}

int main(int argc, char **argv)
{
	pid_t tid;
	int status;

	if (argc != 4) {
		fprintf(stderr, "usage: freeze_thread PID THREAD_NAME SECONDS\n");
		return 2;
	}
	tid = find_thread(argv[1], argv[2]);
	if (tid == 0) {
		fprintf(stderr, "freeze_thread: no thread \"%s\" in pid %s\n", argv[2], argv[1]);
		return 1;
	}
	if (ptrace(PTRACE_SEIZE, tid, NULL, NULL) < 0 || ptrace(PTRACE_INTERRUPT, tid, NULL, NULL) < 0 ||
	    waitpid(tid, &status, __WALL) < 0) {
		fprintf(stderr, "freeze_thread: cannot stop thread %d: %s\n", (int)tid, strerror(errno));
		return 1;
	}
	printf("frozen %d\n", (int)tid);
	fflush(stdout);
	sleep((unsigned)atoi(argv[3]));
	ptrace(PTRACE_DETACH, tid, NULL, NULL);
	return 0;
}
