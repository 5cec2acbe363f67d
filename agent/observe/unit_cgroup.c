/* A systemd unit's processes as its cgroup lists them (cgroup.procs of the unit's directory
 * and those below it): a process moved into or out of a unit makes no process event. */
#include "unit_cgroup.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SEARCH_DEPTH 8
#define NESTED_DEPTH 8

/* The hierarchy systemd keeps its units in: the unified one, or v1's named hierarchy. */
static const char *cgroup_root(void)
{
	struct stat st;

	if (stat("/sys/fs/cgroup/systemd", &st) == 0 && S_ISDIR(st.st_mode))
		return "/sys/fs/cgroup/systemd";
	return "/sys/fs/cgroup";
}

static bool is_slice(const char *name)
{
	size_t len = strlen(name);

	return len > 6 && strcmp(name + len - 6, ".slice") == 0;
}

/* Looks for UNIT in DIR and the slices below it, as systemd places units. */
static bool search(const char *dir, const char *unit, int depth, char *found, size_t len)
{
	DIR *d;
	struct dirent *entry;
	char path[PATH_MAX];
	bool hit = false;

	snprintf(path, sizeof(path), "%s/%s", dir, unit);
	if (access(path, F_OK) == 0 && (size_t)snprintf(found, len, "%s", path) < len)
		return true;
	if (depth == 0 || (d = opendir(dir)) == NULL)
		return false;
	while (!hit && (entry = readdir(d)) != NULL) {
		if (entry->d_type != DT_DIR || !is_slice(entry->d_name))
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, entry->d_name) >= sizeof(path))
			continue;
		hit = search(path, unit, depth - 1, found, len);
	}
	closedir(d);
	return hit;
}

/* Appends the pids of DIR's cgroup.procs and of the cgroups below it. */
static void read_procs(const char *dir, int depth, pid_t *pids, size_t max, size_t *n)
{
	char path[PATH_MAX];
	struct dirent *entry;
	FILE *procs;
	DIR *d;
	long pid;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	if ((procs = fopen(path, "re")) != NULL) {
		while (*n < max && fscanf(procs, "%ld", &pid) == 1) {
			if (pid > 0 && pid <= INT_MAX)
				pids[(*n)++] = (pid_t)pid;
		}
		fclose(procs);
	}
	if (depth == 0 || (d = opendir(dir)) == NULL)
		return;
	while ((entry = readdir(d)) != NULL) {
		if (entry->d_type != DT_DIR || entry->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, entry->d_name) < sizeof(path))
			read_procs(path, depth - 1, pids, max, n);
	}
	closedir(d);
}

ssize_t unit_cgroup_pids(const char *unit, char *dir, size_t dir_len, pid_t *pids, size_t max)
{
	size_t n = 0;

	if ((dir[0] == '\0' || access(dir, F_OK) != 0) &&
	    !search(cgroup_root(), unit, SEARCH_DEPTH, dir, dir_len)) {
		dir[0] = '\0';
		return -1;
	}
	read_procs(dir, NESTED_DEPTH, pids, max, &n);
	return (ssize_t)n;
}
