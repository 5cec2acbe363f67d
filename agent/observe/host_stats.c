/* Host-wide counters: allocated and maximum file handles, listen queue overflows. */
#include "host_stats.h"

#include <stdio.h>
#include <string.h>

static void read_file_nr(const char *proc_root, struct host_stats *stats)
{
	char path[256];
	long long allocated, unused, max;
	FILE *f;

	snprintf(path, sizeof(path), "%s/sys/fs/file-nr", proc_root);
	f = fopen(path, "re");
	if (f == NULL)
		return;
	if (fscanf(f, "%lld %lld %lld", &allocated, &unused, &max) == 3) {
		stats->fd_allocated = allocated;
		stats->fd_max = max;
	}
	fclose(f);
}

/* /proc/net/netstat holds "TcpExt:" twice: a header line of names, then one of values. */
static void read_listen_overflows(const char *proc_root, struct host_stats *stats)
{
	char path[256], names[8192], values[8192];
	char *name_save = NULL, *value_save = NULL, *name, *value;
	FILE *f;

	snprintf(path, sizeof(path), "%s/net/netstat", proc_root);
	f = fopen(path, "re");
	if (f == NULL)
		return;
	while (fgets(names, sizeof(names), f) != NULL) {
		if (strncmp(names, "TcpExt:", 7) != 0)
			continue;
		if (fgets(values, sizeof(values), f) == NULL)
			break;
		name = strtok_r(names, " \n", &name_save);
		value = strtok_r(values, " \n", &value_save);
		while (name != NULL && value != NULL) {
			long long count;

			if (strcmp(name, "ListenOverflows") == 0 && sscanf(value, "%lld", &count) == 1)
				stats->listen_overflows = count;
			name = strtok_r(NULL, " \n", &name_save);
			value = strtok_r(NULL, " \n", &value_save);
		}
		break;
	}
	fclose(f);
}

void host_stats_read(const char *proc_root, struct host_stats *stats)
{
	stats->fd_allocated = -1;
	stats->fd_max = -1;
	stats->listen_overflows = -1;
	read_file_nr(proc_root, stats);
	read_listen_overflows(proc_root, stats);
}
