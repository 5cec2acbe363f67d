/* Which process holds a socket: socket inodes matched against /proc/PID/fd links. An
 * owner found last cycle is checked first by the one fd link it was found at, then by all
 * its fds; the whole host is read only for inodes still unknown, once per cycle for all. */
#include "socket_owner.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Reads PID's fd links and sets the owner of every wanted inode found there. Returns how
 * many were newly found; counts PID in *DENIED when its fds could not be read. */
static size_t claim_sockets(pid_t pid, struct socket_owner *wanted, size_t n, size_t *denied)
{
	char path[64], link[64];
	struct dirent *entry;
	size_t found = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	dir = opendir(path);
	if (dir == NULL) {
		if (errno == EACCES || errno == EPERM)
			(*denied)++;
		return 0;
	}
	while ((entry = readdir(dir)) != NULL) {
		unsigned long inode;
		ssize_t len;

		if (entry->d_name[0] == '.')
			continue;
		len = readlinkat(dirfd(dir), entry->d_name, link, sizeof(link) - 1);
		if (len <= 0) {
			if (len < 0 && (errno == EACCES || errno == EPERM)) {
				(*denied)++;
				break;
			}
			continue;
		}
		link[len] = '\0';
		if (sscanf(link, "socket:[%lu]", &inode) != 1)
			continue;
		for (size_t i = 0; i < n; i++) {
			if (wanted[i].pid == 0 && wanted[i].inode == inode) {
				wanted[i].pid = pid;
				wanted[i].fd = atoi(entry->d_name);
				found++;
			}
		}
	}
	closedir(dir);
	return found;
}

/* Whether PID still holds INODE at FD: one link read instead of all of PID's fds, which
 * for a server holding thousands of connections is most of a cycle's cost. */
static bool holds_at(pid_t pid, int fd, uint32_t inode)
{
	char path[64], link[64], want[32];
	ssize_t len;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)pid, fd);
	len = readlink(path, link, sizeof(link) - 1);
	if (len <= 0)
		return false;
	link[len] = '\0';
	snprintf(want, sizeof(want), "socket:[%u]", inode);
	return strcmp(link, want) == 0;
}

size_t socket_owners_find(const struct process_table *table, const struct socket_owner *known,
			  size_t nknown, struct socket_owner *wanted, size_t n)
{
	size_t missing = 0, denied = 0;

	for (size_t i = 0; i < n; i++) {
		wanted[i].pid = 0;
		if (wanted[i].inode != 0)
			missing++;
	}
	for (size_t k = 0; k < nknown && missing > 0; k++) {
		for (size_t i = 0; i < n; i++) {
			if (wanted[i].pid != 0 || wanted[i].inode == 0 ||
			    wanted[i].inode != known[k].inode ||
			    process_find(table, known[k].pid) == NULL)
				continue;
			if (known[k].pid != 0 && holds_at(known[k].pid, known[k].fd, known[k].inode)) {
				for (size_t j = i; j < n; j++) {
					if (wanted[j].pid == 0 && wanted[j].inode == known[k].inode) {
						wanted[j].pid = known[k].pid;
						wanted[j].fd = known[k].fd;
						missing--;
					}
				}
			} else {
				missing -= claim_sockets(known[k].pid, wanted, n, &denied);
			}
			break;
		}
	}
	for (size_t p = 0; p < table->count && missing > 0; p++)
		missing -= claim_sockets(table->procs[p].pid, wanted, n, &denied);
	return missing > 0 ? denied : 0;
}
