/* The socket inodes a process holds, from its /proc/PID/fd links, read at most once per
 * cycle however many services share the process. */
#include "proc_sockets.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc_scan.h"

static int add_inode(struct process_sockets *sockets, size_t *capacity, uint32_t inode)
{
	if (sockets->count == *capacity) {
		size_t more = *capacity ? *capacity * 2 : 16;
		uint32_t *grown = realloc(sockets->inodes, more * sizeof(*grown));

		if (grown == NULL)
			return -1;
		sockets->inodes = grown;
		*capacity = more;
	}
	sockets->inodes[sockets->count++] = inode;
	return 0;
}

/* Fills SOCKETS from the fd links under PID_DIR. Returns 0 or -1 with errno. */
static int read_links(int pid_dir, struct process_sockets *sockets)
{
	int fd = openat(pid_dir, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *entry;
	size_t capacity = 0;
	char link[64];
	DIR *dir;

	if (fd < 0)
		return -1;
	dir = fdopendir(fd);
	if (dir == NULL) {
		close(fd);
		return -1;
	}
	while ((entry = readdir(dir)) != NULL) {
		unsigned long inode;
		ssize_t len;

		if (entry->d_name[0] == '.')
			continue;
		len = readlinkat(dirfd(dir), entry->d_name, link, sizeof(link) - 1);
		if (len < 0 && (errno == EACCES || errno == EPERM)) {
			closedir(dir);
			errno = EACCES;
			return -1;
		}
		if (len <= 0)
			continue;      /* closed meanwhile */
		link[len] = '\0';
		if (sscanf(link, "socket:[%lu]", &inode) != 1 || inode > UINT32_MAX)
			continue;
		if (add_inode(sockets, &capacity, (uint32_t)inode) < 0) {
			closedir(dir);
			errno = ENOMEM;
			return -1;
		}
	}
	closedir(dir);
	return 0;
}

static void read_sockets(const char *proc_root, struct process_sockets *sockets)
{
	int pid_dir = proc_pid_dir_open(proc_root, sockets->pid, sockets->start_ticks);

	if (pid_dir < 0) {
		sockets->error = errno;
		return;
	}
	if (read_links(pid_dir, sockets) < 0) {
		sockets->error = errno == ENOENT ? ESRCH : errno;
		free(sockets->inodes);
		sockets->inodes = NULL;
		sockets->count = 0;
	}
	close(pid_dir);
}

const struct process_sockets *process_sockets_read(struct socket_inode_cache *cache,
						   const char *proc_root, pid_t pid,
						   unsigned long long start_ticks)
{
	struct process_sockets *sockets;

	for (size_t i = 0; i < cache->count; i++) {
		sockets = &cache->items[i];
		if (sockets->pid != pid || sockets->start_ticks != start_ticks)
			continue;
		errno = sockets->error;
		return sockets->error == 0 ? sockets : NULL;
	}
	if (cache->count == cache->capacity) {
		size_t more = cache->capacity ? cache->capacity * 2 : 32;
		struct process_sockets *grown = realloc(cache->items, more * sizeof(*grown));

		if (grown == NULL) {
			errno = ENOMEM;
			return NULL;
		}
		cache->items = grown;
		cache->capacity = more;
	}
	sockets = &cache->items[cache->count++];
	*sockets = (struct process_sockets){ .pid = pid, .start_ticks = start_ticks };
	read_sockets(proc_root, sockets);
	errno = sockets->error;
	return sockets->error == 0 ? sockets : NULL;
}

void socket_inode_cache_free(struct socket_inode_cache *cache)
{
	for (size_t i = 0; i < cache->count; i++)
		free(cache->items[i].inodes);
	free(cache->items);
	memset(cache, 0, sizeof(*cache));
}
