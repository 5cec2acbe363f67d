/* Turns one probe's result into its probe row, its probe record and health reasons
 * (fail_after consecutive failures make a failing probe critical). */
#include "service_probes.h"
#include "clean_text.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* A listener owned outside the service's tree: the port is someone else's (a stale
 * forwarder, say), whatever the probe says. Only services with a match have a tree. */
static void judge_owner(const struct service_config *service, const struct probe_config *probe,
			const struct service_probe *in, const struct probe_listener *found,
			struct health_reasons *reasons)
{
	if (service->match != MATCH_NONE && found->owner_denied > 0) {
		health_add(reasons, HEALTH_UNKNOWN,
			   "probe %s: owner of the listener unreadable (fds of %zu processes "
			   "could not be read; needs CAP_SYS_PTRACE)", probe->name, found->owner_denied);
		return;
	}
	/* Without a known main process, the holder may be the service's own process that
	 * could not be checked: no verdict rather than a wrong one. */
	if (service->match == MATCH_NONE || found->owner == 0 || in->table == NULL ||
	    (in->main_pid == 0 && in->main_unknown) ||
	    (in->main_pid != 0 && process_in_tree(in->table, in->main_pid, found->owner)))
		return;
	if (probe->kind == PROBE_UNIX) {
		health_add(reasons, HEALTH_CRITICAL, "socket %s held by pid %d (%s), not by this service",
			   probe->target, (int)found->owner, found->owner_comm);
		return;
	}
	health_add(reasons, HEALTH_CRITICAL, "port %u held by pid %d (%s), not by this service",
		   found->listener->port, (int)found->owner, found->owner_comm);
}

static void judge_result(const struct service_config *service, const struct probe_config *probe,
			 const struct probe_result *result, const struct probe_listener *found,
			 struct probe_state *record, int64_t now_ms, struct health_reasons *reasons)
{
	char queue[64] = "";

	if (result->status == PROBE_OK) {
		record->consec_failures = 0;
		record->last_success_ms = now_ms;
		return;
	}
	record->consec_failures++;
	record->failures++;
	snprintf(record->last_error, sizeof(record->last_error), "%s", result->error);
	clean_text_in_place(record->last_error);
	/* A filled accept queue tells a stalled listener from a slow one. */
	if (found->listener != NULL && found->listener->accept_queue > 0)
		snprintf(queue, sizeof(queue), " (accept queue %u of %u)",
			 found->listener->accept_queue, found->listener->accept_backlog);
	if (record->consec_failures >= service->fail_after)
		health_add(reasons, HEALTH_CRITICAL, "probe %s: %s%s", probe->name, result->error,
			   queue);
	else
		health_add(reasons, HEALTH_WARNING, "probe %s: %s%s (failure %u of %u)", probe->name,
			   result->error, queue, record->consec_failures, service->fail_after);
}

/* Whole days from NOW_MS until NOT_AFTER_MS, rounded down: -1 once it is an hour past. */
static int32_t cert_days_left(int64_t not_after_ms, int64_t now_ms)
{
	int64_t left = not_after_ms - now_ms, day = 86400000;
	int64_t days = left >= 0 ? left / day : -((-left + day - 1) / day);

	return days > INT32_MAX ? INT32_MAX : days < INT32_MIN ? INT32_MIN : (int32_t)days;
}

static void judge_certificate(const struct probe_config *probe, const struct probe_row *row,
			      struct health_reasons *reasons)
{
	/* Days left -3 is 2 whole days and part of a third since it expired. */
	int32_t days_ago = -(row->cert_days_left + 1);
	time_t t = (time_t)(row->cert_not_after_ms / 1000);
	char when[32];
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(when, sizeof(when), "unreadable");

	if (row->cert_days_left < 0 && days_ago == 0)
		health_add(reasons, HEALTH_CRITICAL, "probe %s: certificate expired less than a day "
			   "ago (notAfter %s)", probe->name, when);
	else if (row->cert_days_left < 0)
		health_add(reasons, HEALTH_CRITICAL, "probe %s: certificate expired %d day%s ago "
			   "(notAfter %s)", probe->name, (int)days_ago, days_ago == 1 ? "" : "s", when);
	else if (row->cert_days_left < (int64_t)probe->cert_crit_days)
		health_add(reasons, HEALTH_CRITICAL, "probe %s: certificate expires in %d day%s "
			   "(notAfter %s, cert_crit %u)", probe->name, (int)row->cert_days_left,
			   row->cert_days_left == 1 ? "" : "s", when, probe->cert_crit_days);
	else if (row->cert_days_left < (int64_t)probe->cert_warn_days)
		health_add(reasons, HEALTH_WARNING, "probe %s: certificate expires in %d day%s "
			   "(notAfter %s, cert_warn %u)", probe->name, (int)row->cert_days_left,
			   row->cert_days_left == 1 ? "" : "s", when, probe->cert_warn_days);
}

void service_probe_record(const struct service_config *service, size_t slot,
			  const struct service_probe *in, struct service_state *state,
			  struct probe_row *row, struct health_reasons *reasons)
{
	const struct probe_config *probe = &service->probes[slot];
	const struct probe_listener *found = in->listener;
	struct probe_state *record = &state->probes[slot];

	judge_result(service, probe, in->result, found, record, in->now_ms, reasons);
	judge_owner(service, probe, in, found, reasons);
	memset(row, 0, sizeof(*row));
	row_index_add_string(&row->index, service->name);
	row_index_add_string(&row->index, probe->name);
	row->timeout_ms = probe->timeout_ms;
	row->status = in->result->status;
	row->latency_us = in->result->latency_us;
	row->consec_failures = record->consec_failures;
	row->failing = in->result->status != PROBE_OK && record->consec_failures >= service->fail_after;
	row->failures = record->failures;
	row->last_success_ms = record->last_success_ms;
	if (found->listener != NULL) {
		row->accept_queue = found->listener->accept_queue;
		row->accept_backlog = found->listener->accept_backlog;
	}
	row->owner_known = found->listener == NULL || found->owner != 0;
	row->listener_pid = (uint32_t)found->owner;
	row->cert_known = in->result->cert_known;
	if (row->cert_known) {
		row->cert_not_after_ms = in->result->cert_not_after_ms;
		row->cert_days_left = cert_days_left(row->cert_not_after_ms, in->now_ms);
		judge_certificate(probe, row, reasons);
	}
}
