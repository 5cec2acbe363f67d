/* File-descriptor use of one process: open descriptors and its RLIMIT_NOFILE. */
#include "proc_fd.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proc_scan.h"

static uint32_t limit_value(const char *text)
{
	unsigned long long v;

	if (strncmp(text, "unlimited", 9) == 0)
		return UINT32_MAX;
	v = strtoull(text, NULL, 10);
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

int fd_limits_parse(const char *limits, uint32_t *soft, uint32_t *hard)
{
	static const char key[] = "Max open files";
	const char *line = strstr(limits, key);
	char soft_text[32], hard_text[32];

	if (line == NULL || sscanf(line + sizeof(key) - 1, " %31s %31s", soft_text, hard_text) != 2)
		return -1;
	*soft = limit_value(soft_text);
	*hard = limit_value(hard_text);
	return 0;
}

unsigned fd_usage_percent(const struct fd_usage *usage)
{
	if (usage->soft == 0)
		return 0;
	return (unsigned)((uint64_t)usage->open * 100 / usage->soft);
}

/* Linux 6.2 and later give the count as the size of the fd directory; older kernels
 * report 0 there, so the entries are counted. */
static int count_fds(int pid_dir, uint32_t *open_count)
{
	int fd = openat(pid_dir, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct stat st;
	struct dirent *entry;
	uint32_t n = 0;
	DIR *dir;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) == 0 && st.st_size > 0) {
		close(fd);
		*open_count = st.st_size > UINT32_MAX ? UINT32_MAX : (uint32_t)st.st_size;
		return 0;
	}
	dir = fdopendir(fd);
	if (dir == NULL) {
		close(fd);
		return -1;
	}
	while ((entry = readdir(dir)) != NULL) {
		if (entry->d_name[0] != '.')
			n++;
	}
	closedir(dir);
	*open_count = n;
	return 0;
}

int fd_usage_read(const char *proc_root, pid_t pid, unsigned long long start_ticks,
		  struct fd_usage *out)
{
	char buf[4096];
	int pid_dir = proc_pid_dir_open(proc_root, pid, start_ticks), saved;

	if (pid_dir < 0)
		return -1;
	if (count_fds(pid_dir, &out->open) < 0 || proc_read_small(pid_dir, "limits", buf, sizeof(buf)) < 0)
		goto fail;
	if (fd_limits_parse(buf, &out->soft, &out->hard) < 0) {
		errno = EINVAL;
		goto fail;
	}
	close(pid_dir);
	return 0;
fail:
	saved = errno == ENOENT ? ESRCH : errno;
	close(pid_dir);
	errno = saved;
	return -1;
}

static int grow(struct fd_usage_cache *cache)
{
	size_t capacity = cache->capacity ? cache->capacity * 2 : 64;
	struct fd_cache_slot *slots = calloc(capacity, sizeof(*slots));

	if (slots == NULL)
		return -1;
	for (size_t i = 0; i < cache->capacity; i++) {
		struct fd_cache_slot *old = &cache->slots[i];
		size_t at = (size_t)old->pid & (capacity - 1);

		if (old->pid == 0)
			continue;
		while (slots[at].pid != 0)
			at = (at + 1) & (capacity - 1);
		slots[at] = *old;
	}
	free(cache->slots);
	cache->slots = slots;
	cache->capacity = capacity;
	return 0;
}

int fd_usage_cached(struct fd_usage_cache *cache, pid_t pid, unsigned long long start_ticks,
		    struct fd_usage *out)
{
	struct fd_cache_slot *slot;
	size_t at;
	int rc;

	if (cache == NULL || (cache->used * 2 >= cache->capacity && grow(cache) < 0))
		return fd_usage_read("/proc", pid, start_ticks, out);
	at = (size_t)pid & (cache->capacity - 1);
	while (cache->slots[at].pid != 0 && cache->slots[at].pid != pid)
		at = (at + 1) & (cache->capacity - 1);
	slot = &cache->slots[at];
	if (slot->pid == pid && slot->start_ticks == start_ticks) {
		*out = slot->usage;
		errno = slot->error;
		return slot->error == 0 ? 0 : -1;
	}
	rc = fd_usage_read("/proc", pid, start_ticks, out);
	if (slot->pid == 0)
		cache->used++;
	slot->pid = pid;
	slot->start_ticks = start_ticks;
	slot->error = rc == 0 ? 0 : errno;
	slot->usage = rc == 0 ? *out : (struct fd_usage){ 0 };
	errno = slot->error;
	return rc;
}

void fd_usage_cache_free(struct fd_usage_cache *cache)
{
	free(cache->slots);
	memset(cache, 0, sizeof(*cache));
}
