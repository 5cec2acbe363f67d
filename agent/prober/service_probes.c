/* Turns one probe's result into its probe row, its probe record and health reasons
 * (fail_after consecutive failures make a failing probe critical). */
#include "service_probes.h"
#include "clean_text.h"
#include "proc_threads.h"

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

/* " (pid 812: 4 threads, R 0 S 4 D 0)" for the listener's owner, "" when unreadable. */
static void owner_threads(const struct probe_listener *found, char *buf, size_t len)
{
	struct thread_states states;
	char text[80];

	buf[0] = '\0';
	if (found->owner == 0 || proc_threads_read("/proc", found->owner, &states) < 0)
		return;
	thread_states_text(found->owner, &states, text, sizeof(text));
	snprintf(buf, len, " (%s)", text);
}

/* The text of a failure: for a connection the server holds without serving it, what the
 * kernel showed of it, who the server is and how its threads are doing; else the probe's
 * own words. */
static void failure_text(const struct probe_result *result, const struct probe_listener *found,
			 char *buf, size_t len)
{
	uint32_t took_ms = result->latency_us / 1000;
	const char *what = result->in_handshake ? "no reply to the TLS handshake" : "no reply";
	const char *held = result->request_sent ? "request read" : "connection accepted";
	char by[32] = "", queue[48] = "", threads[96];

	if (found->owner != 0)
		snprintf(by, sizeof(by), " by pid %d", (int)found->owner);
	if (found->listener != NULL)
		snprintf(queue, sizeof(queue), " (accept queue %u of %u)",
			 found->listener->accept_queue, found->listener->accept_backlog);
	switch (result->phase) {
	case PHASE_NEVER_ACCEPTED:
		/* A unix listener's full queue (backlogFull) already says so. */
		if (result->status != PROBE_TIMEOUT)
			snprintf(buf, len, "%s", result->error);
		else
			snprintf(buf, len, "%s: connection completed but never accepted%s, timed "
				 "out after %u ms", what, queue, took_ms);
		break;
	case PHASE_REQUEST_UNREAD:
		snprintf(buf, len, "%s: connection accepted%s but %u request bytes unread, timed "
			 "out after %u ms", what, by, result->unread, took_ms);
		break;
	case PHASE_NO_REPLY:
		if (result->reply_len > 0)
			snprintf(buf, len, "%s: %s%s, %zu bytes answered but no complete reply, timed "
				 "out after %u ms", what, held, by, result->reply_len, took_ms);
		else
			snprintf(buf, len, "%s: %s%s, nothing answered, timed out after %u ms", what,
				 held, by, took_ms);
		break;
	default:
		snprintf(buf, len, "%s", result->error);
		return;
	}
	owner_threads(found, threads, sizeof(threads));
	snprintf(buf + strlen(buf), len - strlen(buf), "%s", threads);
}

static void judge_result(const struct service_config *service, const struct probe_config *probe,
			 const struct probe_result *result, const struct probe_listener *found,
			 struct probe_state *record, int64_t now_ms, struct health_reasons *reasons)
{
	char text[sizeof(record->last_error)], queue[64] = "";

	if (result->status == PROBE_OK) {
		record->consec_failures = 0;
		record->last_success_ms = now_ms;
		return;
	}
	record->consec_failures++;
	record->failures++;
	failure_text(result, found, text, sizeof(text));
	/* A cut may have split a character of a unix path. */
	clean_text_in_place(text);
	snprintf(record->last_error, sizeof(record->last_error), "%s", text);
	/* A filled accept queue tells a stalled listener from a slow one; a never-accepted
	 * connection's text already shows it. */
	if (found->listener != NULL && found->listener->accept_queue > 0 &&
	    !(result->status == PROBE_TIMEOUT && result->phase == PHASE_NEVER_ACCEPTED))
		snprintf(queue, sizeof(queue), " (accept queue %u of %u)",
			 found->listener->accept_queue, found->listener->accept_backlog);
	if (record->consec_failures >= service->fail_after)
		health_add(reasons, HEALTH_CRITICAL, "probe %s: %s%s", probe->name, text, queue);
	else
		health_add(reasons, HEALTH_WARNING, "probe %s: %s%s (failure %u of %u)", probe->name,
			   text, queue, record->consec_failures, service->fail_after);
}

/* A listener whose accept queue stays non-empty at STALLED_SAMPLES recordings in a row,
 * over at least the service's stall_after, while its owner lives is not accepting, whether
 * or not the probe passed (the kernel completes a connect alone). The time keeps a busy
 * acceptor, whose queue is caught non-empty a few times running, from counting. Returns
 * the seconds since the run began; 0 when not stalled. */
#define STALLED_SAMPLES 3

static uint32_t judge_acceptor(const struct service_config *service, const struct probe_config *probe,
			       const struct probe_result *result, const struct probe_listener *found,
			       struct probe_state *record, int64_t now_ms,
			       struct health_reasons *reasons)
{
	char threads[96];
	int64_t for_ms;

	/* A request answered, or a handshake done, proves the listener accepts: a queue
	 * beside that is load, not a stall. */
	bool exchanged = result->status == PROBE_OK &&
			 (probe->send != NULL || probe->expect != NULL || probe->kind == PROBE_HTTP ||
			  probe->kind == PROBE_TLS);

	if (found->listener == NULL || found->listener->accept_queue == 0 || found->owner == 0 ||
	    exchanged) {
		record->queue_samples = 0;
		return 0;
	}
	if (record->queue_samples++ == 0)
		record->queue_since_ms = now_ms;
	for_ms = now_ms - record->queue_since_ms;
	if (record->queue_samples < STALLED_SAMPLES || for_ms < (int64_t)service->stall_after_ms)
		return 0;
	owner_threads(found, threads, sizeof(threads));
	health_add(reasons, HEALTH_WARNING, "probe %s: acceptor stalled: %u connection%s waiting "
		   "for %lld s%s", probe->name, found->listener->accept_queue,
		   found->listener->accept_queue == 1 ? "" : "s",
		   (long long)(for_ms > 0 ? for_ms / 1000 : 0), threads);
	return for_ms > 0 ? (uint32_t)(for_ms / 1000 > UINT32_MAX ? UINT32_MAX : for_ms / 1000) : 0;
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
	uint32_t stalled_s;

	judge_result(service, probe, in->result, found, record, in->now_ms, reasons);
	judge_owner(service, probe, in, found, reasons);
	stalled_s = judge_acceptor(service, probe, in->result, found, record, in->now_ms, reasons);
	memset(row, 0, sizeof(*row));
	row->accept_stalled_s = stalled_s;
	row->failure_phase = in->result->status == PROBE_OK ? PHASE_NONE : in->result->phase;
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
