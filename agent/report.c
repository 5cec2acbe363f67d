/* Prints a snapshot for --once: a table for people, JSON for programs. */
#include "report.h"

#include <inttypes.h>

void report_table(FILE *out, const struct snapshot *s)
{
	fprintf(out, "%-24s %-8s %-8s %-9s %s\n", "SERVICE", "STATUS", "PID", "HEALTH", "REASON");
	for (size_t i = 0; i < s->nservices; i++) {
		const struct service_row *row = &s->services[i];

		fprintf(out, "%-24s %-8s %-8d %-9s %s\n", row->name, service_status_name(row->status),
			(int)row->pid, health_name(row->health), row->health_text);
	}
	fprintf(out, "cycle: %" PRIu32 " ms wall, %" PRIu32 " us cpu; /proc pass: %" PRIu32
		" us wall, %" PRIu32 " us cpu, %" PRIu32 " processes\n", s->last_cycle_ms,
		s->last_cycle_cpu_us, s->proc_pass_us, s->proc_pass_cpu_us, s->processes_scanned);
}

static void json_string(FILE *out, const char *text)
{
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(out, "\\u%04x", *p);
		else
			fputc(*p, out);
	}
	fputc('"', out);
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

		fprintf(out, "%s{\"name\":", i ? "," : "");
		json_string(out, row->name);
		fprintf(out, ",\"status\":\"%s\",\"pid\":%d,\"start_time_ms\":%" PRId64
			",\"zombies\":%" PRIu32 ",\"fd_open\":%" PRIu32 ",\"fd_soft_limit\":%" PRIu32
			",\"fd_hard_limit\":%" PRIu32 ",\"fd_usage_pct\":%" PRIu32
			",\"health\":\"%s\",\"health_text\":",
			service_status_name(row->status), (int)row->pid, row->start_time_ms,
			row->zombies, row->fd_open, row->fd_soft_limit, row->fd_hard_limit,
			row->fd_usage_pct, health_name(row->health));
		json_string(out, row->health_text);
		fputc('}', out);
	}
	fprintf(out, "]}\n");
}
