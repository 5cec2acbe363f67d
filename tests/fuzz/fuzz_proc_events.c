/* Fuzzes the process connector parser with any bytes as one received datagram. What it
 * keeps must be process-level events, and fewer slots must give the same first events.
 * The seeds are real datagrams from the kernel: the listen ack, a process's fork, uid
 * change, exec and exit, a kill by SIGKILL, a thread's creation, and two in one. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proc_events.h"

/* libFuzzer: -max_len=4096 (the agent receives into 4 KiB) */
#define SLOTS 64

static void check_event(const struct proc_event *ev)
{
	if (ev->kind < PROC_EV_FORK || ev->kind > PROC_EV_UID || ev->pid <= 0)
		abort();
	if (ev->kind == PROC_EV_FORK ? ev->parent < 0 : ev->parent != 0)
		abort();
	if (ev->exit_known && ev->kind != PROC_EV_EXIT)
		abort();
}

static bool same_event(const struct proc_event *a, const struct proc_event *b)
{
	return a->kind == b->kind && a->pid == b->pid && a->parent == b->parent &&
	       a->time_ns == b->time_ns && a->exit_known == b->exit_known &&
	       a->exit_status == b->exit_status && a->ruid == b->ruid && a->euid == b->euid;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The bytes end where the allocation does, so AddressSanitizer sees a read past them;
	 * they start one byte in, as the parser must take any alignment. */
	uint8_t *alloc = malloc(size + 1);
	struct proc_event all[SLOTS], few[SLOTS];
	size_t count, some;

	if (alloc == NULL)
		return 0;
	memcpy(alloc + 1, data, size);
	count = proc_events_parse(alloc + 1, size, all, SLOTS);
	if (count > SLOTS)
		abort();
	for (size_t i = 0; i < count; i++)
		check_event(&all[i]);
	some = proc_events_parse(alloc + 1, size, few, count / 2);
	if (some != count / 2)
		abort();
	for (size_t i = 0; i < some; i++)
		if (!same_event(&few[i], &all[i]))
			abort();
	free(alloc);
	return 0;
}
