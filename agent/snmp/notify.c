/* Decides which notifications to send: each snapshot the SNMP thread takes is compared
 * with what was last announced per row; a change is sent once it has lasted its hold (one
 * interval unless set), within the budget; after the master comes back, what is not ok is
 * announced again. SNMP thread only. */
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>
#include <net-snmp/agent/agent_callbacks.h>

#include "notify.h"
#include "clock.h"
#include "notify_budget.h"
#include "notify_send.h"

#include <stdlib.h>
#include <string.h>

/* What a service's notifications announce; a probe has only its status. */
enum aspect {
	ASPECT_STATUS,                /* service: status and health; probe: failing or ok */
	ASPECT_FD_USAGE,
	ASPECT_FD_LIMIT,
	ASPECT_FLAPPING,
	ASPECTS,
};

#define NO_READING -1

/* One row as announced: a service or a probe. */
struct watch {
	struct row_index index;
	bool settled;                 /* its first complete reading is taken */
	bool restarts_known;          /* services: restart_said is set */
	int said[ASPECTS];            /* the value last announced, or taken as the start */
	int now[ASPECTS];
	uint64_t since_ms[ASPECTS];   /* CLOCK_MONOTONIC when NOW first differed from SAID; 0: same */
	uint32_t restart_said;        /* services: the highest ohRestartIndex announced */
};

struct watch_list {
	struct watch *rows;           /* aligned with the served snapshot's rows of that table */
	size_t count;
};

static struct {
	const struct snapshot *snapshot; /* the one served */
	struct watch_list services, probes;
	uint32_t services_at_start;
	bool connected;
	bool started_sent;
	bool failures_known;
	uint32_t failures_said;
	unsigned hold_alarm, open_alarm;
} notify;

static void flush(void);

/* ---- rows ---- */

static int service_reading(const struct service_row *row, enum aspect aspect)
{
	switch (aspect) {
	case ASPECT_STATUS:
		return (int)row->status * 8 + (int)row->health;
	case ASPECT_FD_USAGE:
		return row->fd_known ? (int)row->fd_level : NO_READING;
	case ASPECT_FD_LIMIT:
		return row->fd_known ? row->fd_limit_regressed : NO_READING;
	case ASPECT_FLAPPING:
		return row->flapping;
	default:
		return NO_READING;
	}
}

/* A service's state when nothing is wrong with it, for an aspect's current value. */
static int service_quiet(enum aspect aspect, int value)
{
	switch (aspect) {
	case ASPECT_STATUS:
		return value - value % 8 + HEALTH_OK;
	case ASPECT_FD_USAGE:
		return HEALTH_OK;
	default:
		return 0;
	}
}

static int probe_reading(const struct probe_row *row)
{
	if (row->status == PROBE_NOT_RUN)
		return NO_READING;
	return row->failing ? row->status : PROBE_OK;
}

/* Takes the row's new readings: a row is judged from its first complete one on, and what
 * is not quiet then is announced as a change (so a service broken at start is reported). */
static void read_row(struct watch *w, const int *reading, bool complete, const int *quiet,
		     uint64_t now)
{
	if (!w->settled) {
		if (!complete)
			return;
		w->settled = true;
		for (int a = 0; a < ASPECTS; a++)
			w->now[a] = w->said[a] = quiet[a];
	}
	for (int a = 0; a < ASPECTS; a++) {
		if (reading[a] != NO_READING)
			w->now[a] = reading[a];
		if (w->now[a] == w->said[a])
			w->since_ms[a] = 0;
		else if (w->since_ms[a] == 0)
			w->since_ms[a] = now;
	}
}

static void read_service(struct watch *w, const struct service_row *row, uint64_t now)
{
	int reading[ASPECTS], quiet[ASPECTS];

	for (int a = 0; a < ASPECTS; a++) {
		reading[a] = service_reading(row, (enum aspect)a);
		quiet[a] = service_quiet((enum aspect)a, service_reading(row, ASPECT_STATUS));
	}
	/* A probe added by a reload has no result yet: its unknown is no news. */
	if (row->provisional)
		reading[ASPECT_STATUS] = NO_READING;
	read_row(w, reading, !row->provisional, quiet, now);
}

static void read_probe(struct watch *w, const struct probe_row *row, uint64_t now)
{
	int reading[ASPECTS] = { probe_reading(row), 0, 0, 0 };
	int quiet[ASPECTS] = { PROBE_OK, 0, 0, 0 };

	read_row(w, reading, reading[ASPECT_STATUS] != NO_READING, quiet, now);
}

/* The watches for ROWS (COUNT rows of STRIDE bytes, sorted by index), carried over from
 * LIST by index; a row seen for the first time starts unsettled. */
static int carry_watches(struct watch_list *list, const void *rows, size_t count, size_t stride)
{
	struct watch *fresh = calloc(count > 0 ? count : 1, sizeof(*fresh));
	size_t old = 0;

	if (fresh == NULL)
		return -1;
	for (size_t i = 0; i < count; i++) {
		const struct row_index *index = (const void *)((const char *)rows + i * stride);
		int cmp = 1;

		while (old < list->count &&
		       (cmp = row_index_compare(&list->rows[old].index, index)) < 0)
			old++;
		if (old < list->count && cmp == 0)
			fresh[i] = list->rows[old++];
		else
			fresh[i].index = *index;
	}
	free(list->rows);
	list->rows = fresh;
	list->count = count;
	return 0;
}

static enum notification service_notification(enum aspect aspect, int value)
{
	switch (aspect) {
	case ASPECT_FD_USAGE:
		return value == HEALTH_OK ? OH_FD_USAGE_NORMAL : OH_FD_USAGE_HIGH;
	case ASPECT_FD_LIMIT:
		return value ? OH_FD_LIMIT_REGRESSION : OH_FD_LIMIT_RESTORED;
	case ASPECT_FLAPPING:
		return value ? OH_SERVICE_FLAPPING : OH_SERVICE_FLAPPING_ENDED;
	default:
		return OH_SERVICE_STATUS_CHANGE;
	}
}

/* Announces aspect A of row I of the served snapshot (within the budget). */
static void announce(bool probe, size_t i, int a)
{
	struct watch *w = probe ? &notify.probes.rows[i] : &notify.services.rows[i];

	w->said[a] = w->now[a];
	w->since_ms[a] = 0;
	if (!notify_budget_take())
		return;
	if (probe)
		notify_budget_sent(notify_send_probe(&notify.snapshot->probes[i]));
	else
		notify_budget_sent(notify_send_service(service_notification((enum aspect)a, w->now[a]),
					  &notify.snapshot->services[i]));
}

/* Whether restart row R belongs to the service whose index is SERVICE. */
static bool restart_of(const struct restart_row *r, const struct row_index *service)
{
	return r->index.nbytes == service->nbytes &&
	       memcmp(r->index.bytes, service->bytes, service->nbytes) == 0;
}

/* Restarts not announced yet, in order; those in the history when a service was first
 * seen are taken as announced. */
static void announce_restarts(void)
{
	const struct snapshot *s = notify.snapshot;
	size_t r = 0;

	for (size_t i = 0; i < notify.services.count; i++) {
		struct watch *w = &notify.services.rows[i];

		while (r < s->nrestarts && row_index_compare(&s->restarts[r].index, &w->index) < 0)
			r++;
		for (; r < s->nrestarts && restart_of(&s->restarts[r], &w->index); r++) {
			const struct restart_row *restart = &s->restarts[r];

			if (!w->restarts_known) {
				w->restart_said = restart->restart_index;
				continue;
			}
			if (restart->restart_index <= w->restart_said || !notify.connected)
				continue;
			w->restart_said = restart->restart_index;
			if (notify_budget_take())
				notify_budget_sent(notify_send_restart(restart, &s->services[i]));
		}
		w->restarts_known = true;
	}
}

static void announce_reload_failure(void)
{
	const struct snapshot *s = notify.snapshot;

	if (!notify.failures_known) {
		notify.failures_known = true;
		notify.failures_said = s->config_failures;
		return;
	}
	if (s->config_failures == notify.failures_said || !notify.connected)
		return;
	notify.failures_said = s->config_failures;
	if (notify_budget_take())
		notify_budget_sent(notify_send_reload_failed(s->config_failures, s->config_error));
}

static void hold_alarm_fired(unsigned reg, void *unused)
{
	(void)reg;
	(void)unused;
	notify.hold_alarm = 0;
	flush();
}

/* Sends the changes that have lasted one interval, and wakes again when the next will. */
static void flush(void)
{
	uint64_t now = monotonic_ms(), hold, next = 0;

	if (notify.snapshot == NULL || !notify.connected)
		return;
	hold = notify.snapshot->notify_hold_ms;
	for (int list = 0; list < 2; list++) {
		struct watch_list *l = list ? &notify.probes : &notify.services;

		for (size_t i = 0; i < l->count; i++) {
			for (int a = 0; a < ASPECTS; a++) {
				uint64_t due = l->rows[i].since_ms[a] + hold;

				if (l->rows[i].since_ms[a] == 0)
					continue;
				if (now >= due)
					announce(list == 1, i, a);
				else if (next == 0 || due < next)
					next = due;
			}
		}
	}
	if (next != 0)
		notify_alarm(&notify.hold_alarm, next - now, hold_alarm_fired);
}

void notify_take(const struct snapshot *snapshot)
{
	uint64_t now = monotonic_ms();

	notify.snapshot = snapshot;
	if (snapshot == NULL)
		return;
	notify_budget_set(snapshot->notify_budget, snapshot->notify_per_ms);
	if (carry_watches(&notify.services, snapshot->services, snapshot->nservices,
			  sizeof(*snapshot->services)) < 0 ||
	    carry_watches(&notify.probes, snapshot->probes, snapshot->nprobes,
			  sizeof(*snapshot->probes)) < 0) {
		snmp_log(LOG_ERR, "%s: out of memory; no notification for this change\n", __func__);
		return;
	}
	for (size_t i = 0; i < snapshot->nservices; i++)
		read_service(&notify.services.rows[i], &snapshot->services[i], now);
	for (size_t i = 0; i < snapshot->nprobes; i++)
		read_probe(&notify.probes.rows[i], &snapshot->probes[i], now);
	announce_restarts();
	announce_reload_failure();
	flush();
}

/* ---- the master's sessions ---- */

/* After a session opens: oobhealthd's start the first time, then whatever the master
 * may have missed: every row not ok, and changes and restarts while it was away. */
static void session_opened(unsigned reg, void *unused)
{
	uint32_t before;

	(void)reg;
	(void)unused;
	notify.open_alarm = 0;
	if (!notify.connected)
		return;
	if (!notify.started_sent) {
		notify.started_sent = true;
		if (notify_budget_take())
			notify_budget_sent(notify_send_started(notify.snapshot != NULL ? (uint32_t)notify.snapshot->nservices
									  : notify.services_at_start));
	}
	if (notify.snapshot == NULL)
		return;
	before = notify_budget_spent();
	for (size_t i = 0; i < notify.services.count; i++) {
		struct watch *w = &notify.services.rows[i];

		for (int a = 0; w->settled && a < ASPECTS; a++) {
			if (w->now[a] != w->said[a] ||
			    w->now[a] != service_quiet((enum aspect)a, w->now[ASPECT_STATUS]))
				announce(false, i, a);
		}
	}
	for (size_t i = 0; i < notify.probes.count; i++) {
		struct watch *w = &notify.probes.rows[i];

		if (w->settled && (w->now[ASPECT_STATUS] != w->said[ASPECT_STATUS] ||
				   w->now[ASPECT_STATUS] != PROBE_OK))
			announce(true, i, ASPECT_STATUS);
	}
	announce_restarts();
	announce_reload_failure();
	if (notify_budget_spent() != before)
		snmp_log(LOG_NOTICE, "AgentX session open: %u notification%s of what the master "
			 "may have missed (services and probes not ok, changes and restarts meanwhile)\n",
			 notify_budget_spent() - before, notify_budget_spent() - before == 1 ? "" : "s");
	flush();
}

static int on_session_open(int major, int minor, void *serverarg, void *clientarg)
{
	(void)major;
	(void)minor;
	(void)serverarg;
	(void)clientarg;
	notify.connected = true;
	/* The library registers our subtrees after this callback: announce once it has. */
	notify_alarm(&notify.open_alarm, 1, session_opened);
	return 0;
}

static int on_session_close(int major, int minor, void *serverarg, void *clientarg)
{
	(void)major;
	(void)minor;
	(void)serverarg;
	(void)clientarg;
	notify.connected = false;
	return 0;
}

void notify_init(const struct config *config)
{
	notify.services_at_start = (uint32_t)config->nservices;
	notify_budget_set(config->agent.notify_budget, config->agent.notify_per_ms);
	snmp_register_callback(SNMP_CALLBACK_APPLICATION, SNMPD_CALLBACK_INDEX_START,
			       on_session_open, NULL);
	snmp_register_callback(SNMP_CALLBACK_APPLICATION, SNMPD_CALLBACK_INDEX_STOP,
			       on_session_close, NULL);
}

void notify_release(void)
{
	unsigned *alarms[] = { &notify.hold_alarm, &notify.open_alarm };

	for (size_t i = 0; i < sizeof(alarms) / sizeof(alarms[0]); i++) {
		if (*alarms[i] != 0)
			snmp_alarm_unregister(*alarms[i]);
	}
	free(notify.services.rows);
	free(notify.probes.rows);
	memset(&notify, 0, sizeof(notify));
	notify_budget_reset();
}
