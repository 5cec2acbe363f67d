/* Hands snapshots from the prober to the SNMP thread, waking it via eventfd. */
#include "handoff.h"
#include "log.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int wake_fd = -1;
static struct snapshot *pending;

int handoff_init(void)
{
	wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (wake_fd >= 0)
		log_queue_start(wake_fd);
	return wake_fd;
}

static void wake(void)
{
	uint64_t one = 1;

	if (write(wake_fd, &one, sizeof(one)) < 0) {
		/* EAGAIN: the counter is saturated, the SNMP thread is already due to wake. */
	}
}

void handoff_publish(struct snapshot *snapshot)
{
	struct snapshot *unclaimed;

	pthread_mutex_lock(&lock);
	unclaimed = pending;
	pending = snapshot;
	pthread_mutex_unlock(&lock);
	snapshot_free(unclaimed);
	wake();
}

struct snapshot *handoff_withdraw(void)
{
	struct snapshot *taken;

	pthread_mutex_lock(&lock);
	taken = pending;
	pending = NULL;
	pthread_mutex_unlock(&lock);
	return taken;
}

struct snapshot *handoff_take(void)
{
	struct snapshot *taken;
	uint64_t count;

	if (read(wake_fd, &count, sizeof(count)) < 0) {
		/* EAGAIN: nothing signalled since the last take; a pending snapshot may still wait. */
	}
	pthread_mutex_lock(&lock);
	taken = pending;
	pending = NULL;
	pthread_mutex_unlock(&lock);
	return taken;
}
