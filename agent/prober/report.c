/* Prints a snapshot for --once: a table for people, JSON for programs. */
#include "report.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clean_text.h"

#include "probe.h"

/* A row index back to its strings: service name, then (for probe and file rows) the
 * probe's or the file's name. */
static void index_names(const struct row_index *index, char *service, char *name)
{
	const uint8_t *at = index->bytes, *end = index->bytes + index->nbytes;

	service[0] = name[0] = '\0';
	for (int part = 0; part < 2 && at < end; part++) {
		char *out = part == 0 ? service : name;
		uint8_t len = *at++;

		memcpy(out, at, len);
		out[len] = '\0';
		at += len;
	}
}

/* VALUE as text, or "-" for people and null for JSON (UNKNOWN) when it is not known. */
/* MS since the epoch as FORMAT in UTC, into BUF. */
static const char *utc_format(int64_t ms, const char *format, char *buf, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(buf, len, format, &tm) == 0)
		snprintf(buf, len, "?");
	return buf;
}

static const char *utc_date(int64_t ms, char *buf, size_t len)
{
	return utc_format(ms, "%Y-%m-%d %H:%M:%S UTC", buf, len);
}

static const char *iso_date(int64_t ms, char *buf, size_t len)
{
	return utc_format(ms, "%Y-%m-%dT%H:%M:%SZ", buf, len);
}

static const char *known_or(bool known, uint32_t value, const char *unknown, char *buf,
			    size_t len)
{
	if (!known)
		return unknown;
	snprintf(buf, len, "%" PRIu32, value);
	return buf;
}

/* The MIB's names of ohStalledPeerState and ohStalledPeerDirection. */
static const char *peer_state_name(int state)
{
	switch (state) {
	case PEER_SYN_SENT: return "synSent";
	case PEER_ESTABLISHED: return "established";
	case PEER_FIN_WAIT1: return "finWait1";
	case PEER_CLOSE_WAIT: return "closeWait";
	case PEER_LAST_ACK: return "lastAck";
	case PEER_CLOSING: return "closing";
	default: return "unknown";
	}
}

static const char *peer_direction_name(int direction)
{
	return direction == PEER_INBOUND ? "inbound" : "outbound";
}

/* Whether PEER is a row of SERVICE: its index is the service's, then a rank. */
static bool peer_of(const struct stalled_peer_row *peer, const struct service_row *service)
{
	return peer->index.nbytes == service->index.nbytes &&
	       memcmp(peer->index.bytes, service->index.bytes, service->index.nbytes) == 0;
}

static void report_connections(FILE *out, const struct snapshot *s)
{
	bool header = false;

	for (size_t i = 0; i < s->nservices; i++) {
		const struct service_row *row = &s->services[i];

		if (!row->connections_known)
			continue;
		if (!header)
			fprintf(out, "\n%-24s %11s %8s %12s\n", "SERVICE", "CONNECTIONS", "STALLED",
				"STALL AFTER");
		header = true;
		fprintf(out, "%-24s %11" PRIu32 " %8" PRIu32 " %9" PRIu32 " ms\n", row->name,
			row->connections, row->stalled_connections, row->stall_after_ms);
		for (size_t j = 0; j < s->nstalled_peers; j++) {
			const struct stalled_peer_row *peer = &s->stalled_peers[j];
			bool v6 = strchr(peer->remote_address, ':') != NULL;

			if (!peer_of(peer, row))
				continue;
			fprintf(out, "  #%-3" PRIu32 " %s%s%s:%" PRIu32 " %s %s port %" PRIu32
				", silent %" PRIu32 " ms, %" PRIu32 " bytes unacknowledged, %" PRIu32
				" retransmits, %s, pid %" PRIu32 "\n",
				peer->rank, v6 ? "[" : "", peer->remote_address, v6 ? "]" : "",
				peer->remote_port, peer_direction_name(peer->direction),
				peer->direction == PEER_INBOUND ? "on" : "from", peer->local_port,
				peer->silent_ms, peer->unacked_bytes, peer->retransmits,
				peer_state_name(peer->state), peer->pid);
		}
	}
}

void report_table(FILE *out, const struct snapshot *s)
{
	fprintf(out, "%-24s %-8s %-8s %-6s %-9s %s\n", "SERVICE", "STATUS", "PID", "UID", "HEALTH",
		"REASON");
	for (size_t i = 0; i < s->nservices; i++) {
		const struct service_row *row = &s->services[i];
		char uid[16];

		fprintf(out, "%-24s %-8s %-8d %-6s %-9s %s\n", row->name, service_status_name(row->status),
			(int)row->pid, known_or(row->owner_known, row->owner_uid, "-", uid, sizeof(uid)),
			health_name(row->health), row->health_text);
	}
	if (s->nprobes > 0)
		fprintf(out, "\n%-24s %-16s %-12s %10s %-7s %-8s %s\n", "SERVICE", "PROBE", "STATUS",
			"LATENCY", "QUEUE", "OWNER", "LAST ERROR");
	for (size_t i = 0; i < s->nprobes; i++) {
		const struct probe_row *row = &s->probes[i];
		char service[OH_SERVICE_NAME_MAX + 1], probe[OH_PROBE_NAME_MAX + 1], owner[16];
		char when[32];

		index_names(&row->index, service, probe);
		fprintf(out, "%-24s %-16s %-12s %7.1f ms %3" PRIu32 "/%-3" PRIu32 " %-8s %s%s%s",
			service, probe, probe_status_name(row->status), row->latency_us / 1000.0,
			row->accept_queue, row->accept_backlog,
			known_or(row->owner_known, row->listener_pid, "-", owner, sizeof(owner)),
			row->status == PROBE_OK ? "" : probe_phase_name(row->failure_phase),
			row->status == PROBE_OK ? "" : ": ",
			row->status == PROBE_OK ? "" : row->last_error);
		if (row->accept_stalled_s > 0)
			fprintf(out, "%sacceptor stalled for %" PRIu32 " s",
				row->status == PROBE_OK ? "" : "; ", row->accept_stalled_s);
		if (row->cert_known)
			fprintf(out, "%scertificate until %s (%" PRId32 " days left)",
				row->status == PROBE_OK && row->accept_stalled_s == 0 ? "" : "; ",
				utc_date(row->cert_not_after_ms, when, sizeof(when)), row->cert_days_left);
		fputc('\n', out);
	}
	if (s->nfiles > 0)
		fprintf(out, "\n%-24s %-16s %-8s %10s %s\n", "SERVICE", "FILE", "STATUS", "AGE", "PATH");
	for (size_t i = 0; i < s->nfiles; i++) {
		const struct file_row *row = &s->files[i];
		char service[OH_SERVICE_NAME_MAX + 1], file[OH_FILE_NAME_MAX + 1], age[16];

		index_names(&row->index, service, file);
		if (row->age_known)
			snprintf(age, sizeof(age), "%" PRIu32 " s", row->age_s);
		fprintf(out, "%-24s %-16s %-8s %10s %s\n", service, file,
			file_status_name(row->status), row->age_known ? age : "-", row->path);
	}
	report_connections(out, s);
	fprintf(out, "cycle: %" PRIu32 " ms wall, %" PRIu32 " us cpu; /proc pass: %" PRIu32
		" us wall, %" PRIu32 " us cpu, %" PRIu32 " processes\n", s->last_cycle_ms,
		s->last_cycle_cpu_us, s->proc_pass_us, s->proc_pass_cpu_us, s->processes_scanned);
}

/* TEXT as a JSON string; a byte that is not part of well-formed UTF-8 becomes U+FFFD, so
 * the document stays valid whatever reached TEXT. */
static void json_string(FILE *out, const char *text)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t len = strlen(text);

	fputc('"', out);
	for (size_t i = 0; i < len;) {
		size_t n = utf8_char_len(p + i, len - i);

		if (n == 0)
			fputs("\\ufffd", out);
		else if (p[i] == '"' || p[i] == '\\')
			fprintf(out, "\\%c", p[i]);
		else if (p[i] < 0x20 || p[i] == 0x7f)
			fprintf(out, "\\u%04x", p[i]);
		else
			fwrite(p + i, 1, n, out);
		i += n ? n : 1;
	}
	fputc('"', out);
}

/* ,"connections":N,"stalled_connections":N,"stall_after_ms":N,"stalled_peers":[...] of
 * ROW, when its connections are known. */
static void json_connections(FILE *out, const struct snapshot *s, const struct service_row *row)
{
	bool first = true;

	if (!row->connections_known)
		return;
	fprintf(out, ",\"connections\":%" PRIu32 ",\"stalled_connections\":%" PRIu32
		",\"stall_after_ms\":%" PRIu32 ",\"stalled_peers\":[", row->connections,
		row->stalled_connections, row->stall_after_ms);
	for (size_t j = 0; j < s->nstalled_peers; j++) {
		const struct stalled_peer_row *peer = &s->stalled_peers[j];

		if (!peer_of(peer, row))
			continue;
		fprintf(out, "%s{\"rank\":%" PRIu32 ",\"remote_address\":", first ? "" : ",",
			peer->rank);
		json_string(out, peer->remote_address);
		fprintf(out, ",\"remote_port\":%" PRIu32 ",\"local_port\":%" PRIu32
			",\"direction\":\"%s\",\"unacked_bytes\":%" PRIu32 ",\"retransmits\":%" PRIu32
			",\"silent_ms\":%" PRIu32 ",\"state\":\"%s\",\"pid\":%" PRIu32 "}",
			peer->remote_port, peer->local_port, peer_direction_name(peer->direction),
			peer->unacked_bytes, peer->retransmits, peer->silent_ms,
			peer_state_name(peer->state), peer->pid);
		first = false;
	}
	fputc(']', out);
}

void report_json(FILE *out, const struct snapshot *s)
{
	fprintf(out, "{\"cycle_ms\":%" PRIu32 ",\"cycle_cpu_us\":%" PRIu32
		",\"proc_pass_us\":%" PRIu32 ",\"proc_pass_cpu_us\":%" PRIu32
		",\"processes_scanned\":%" PRIu32 ",\"host_fd_allocated\":%" PRId64
		",\"host_fd_max\":%" PRId64 ",\"host_listen_overflows\":%" PRId64
		",\"worst_health\":\"%s\",\"services\":[",
		s->last_cycle_ms, s->last_cycle_cpu_us, s->proc_pass_us, s->proc_pass_cpu_us,
		s->processes_scanned, s->host_fd_allocated, s->host_fd_max,
		s->host_listen_overflows, health_name(snapshot_worst_health(s)));
	for (size_t i = 0; i < s->nservices; i++) {
		const struct service_row *row = &s->services[i];
		char open[16], soft[16], hard[16], usage[16], uid[16];

		fprintf(out, "%s{\"name\":", i ? "," : "");
		json_string(out, row->name);
		fprintf(out, ",\"status\":\"%s\",\"pid\":%d,\"owner_uid\":%s,\"start_time_ms\":%" PRId64
			",\"zombies\":%" PRIu32 ",\"fd_open\":%s,\"fd_soft_limit\":%s"
			",\"fd_hard_limit\":%s,\"fd_usage_pct\":%s,\"health\":\"%s\",\"health_text\":",
			service_status_name(row->status), (int)row->pid,
			known_or(row->owner_known, row->owner_uid, "null", uid, sizeof(uid)),
			row->start_time_ms,
			row->zombies,
			known_or(row->fd_known, row->fd_open, "null", open, sizeof(open)),
			known_or(row->fd_known, row->fd_soft_limit, "null", soft, sizeof(soft)),
			known_or(row->fd_known, row->fd_hard_limit, "null", hard, sizeof(hard)),
			known_or(row->fd_known, row->fd_usage_pct, "null", usage, sizeof(usage)),
			health_name(row->health));
		json_string(out, row->health_text);
		json_connections(out, s, row);
		fputc('}', out);
	}
	fprintf(out, "],\"probes\":[");
	for (size_t i = 0; i < s->nprobes; i++) {
		const struct probe_row *row = &s->probes[i];
		char service[OH_SERVICE_NAME_MAX + 1], probe[OH_PROBE_NAME_MAX + 1], owner[16];
		char when[32];

		index_names(&row->index, service, probe);
		fprintf(out, "%s{\"service\":", i ? "," : "");
		json_string(out, service);
		fprintf(out, ",\"name\":");
		json_string(out, probe);
		fprintf(out, ",\"status\":\"%s\",\"latency_us\":%" PRIu32 ",\"accept_queue\":%"
			PRIu32 ",\"accept_backlog\":%" PRIu32 ",\"listener_pid\":%s"
			",\"connections\":%" PRIu32 ",\"stalled_connections\":%" PRIu32
			",\"failure_phase\":\"%s\",\"accept_stalled_s\":%" PRIu32 ",\"error\":",
			probe_status_name(row->status), row->latency_us, row->accept_queue,
			row->accept_backlog,
			known_or(row->owner_known, row->listener_pid, "null", owner, sizeof(owner)),
			row->connections, row->stalled_connections,
			probe_phase_name(row->failure_phase), row->accept_stalled_s);
		json_string(out, row->status == PROBE_OK ? "" : row->last_error);
		if (row->cert_known)
			fprintf(out, ",\"cert_not_after\":\"%s\",\"cert_days_left\":%" PRId32,
				iso_date(row->cert_not_after_ms, when, sizeof(when)), row->cert_days_left);
		fputc('}', out);
	}
	fprintf(out, "],\"files\":[");
	for (size_t i = 0; i < s->nfiles; i++) {
		const struct file_row *row = &s->files[i];
		char service[OH_SERVICE_NAME_MAX + 1], file[OH_FILE_NAME_MAX + 1], age[16];

		index_names(&row->index, service, file);
		fprintf(out, "%s{\"service\":", i ? "," : "");
		json_string(out, service);
		fprintf(out, ",\"name\":");
		json_string(out, file);
		fprintf(out, ",\"path\":");
		json_string(out, row->path);
		fprintf(out, ",\"status\":\"%s\",\"age_s\":%s}", file_status_name(row->status),
			known_or(row->age_known, row->age_s, "null", age, sizeof(age)));
	}
	fprintf(out, "]}\n");
}
