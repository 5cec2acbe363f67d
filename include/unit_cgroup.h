/* A systemd unit's processes as its cgroup lists them (cgroup.procs of the unit's directory
 * and those below it): a process moved into or out of a unit makes no process event. */
#ifndef OH_UNIT_CGROUP_H
#define OH_UNIT_CGROUP_H

#include <stddef.h>
#include <sys/types.h>

/* Fills PIDS (at most MAX) with the processes in UNIT's cgroup. DIR (DIR_LEN bytes) keeps
 * where the unit was found, so the next call needs no search ("" at first). Returns the
 * number of pids, or -1 when the unit has no cgroup now. */
ssize_t unit_cgroup_pids(const char *unit, char *dir, size_t dir_len, pid_t *pids, size_t max);

#endif
