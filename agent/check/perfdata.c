/* check_oobhealth's performance data, as the Monitoring Plugins guidelines spell it:
 * 'label'=value[UOM];[warn];[crit];[min];[max]. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "check.h"

static void append(char *out, size_t out_len, const char *format, ...)
	__attribute__((format(printf, 3, 4)));

/* Adds one item, whole or not at all: a cut item would break the grammar. */
static void append(char *out, size_t out_len, const char *format, ...)
{
	size_t used = strlen(out);
	char item[512];
	va_list args;
	int len;

	va_start(args, format);
	len = vsnprintf(item, sizeof(item), format, args);
	va_end(args);
	if (len < 0 || (size_t)len >= sizeof(item) || used + 1 + (size_t)len >= out_len)
		return;
	if (used > 0)
		out[used++] = ' ';
	memcpy(out + used, item, (size_t)len + 1);
}

/* oobhealthd's own fd_warn/fd_crit PCT as a range on the count: it alerts from
 * open * 100 >= pct * soft, and a range "N" alerts above N, so N is the largest count
 * still below. */
static void own_fd_range(uint32_t pct, uint32_t soft, char *out, size_t out_len)
{
	double first_alerting = ceil((double)pct * soft / 100.0);

	if (pct > 0)
		snprintf(out, out_len, "%ld", first_alerting >= 1 ? (long)first_alerting - 1 : 0L);
}

/* A -w/-c fd range is on percent of the soft limit: printed in descriptors, as fd_used is. */
static void fd_range(const struct range *given, uint32_t own_pct, uint32_t soft, char *out,
		     size_t out_len)
{
	struct range counts;

	if (!given->set) {
		own_fd_range(own_pct, soft, out, out_len);
		return;
	}
	counts = range_scaled(given, soft / 100.0);
	range_format(&counts, out, out_len);
}

static void fd_perfdata(const struct check_options *options, const struct service_reading *s,
			const char *prefix, char *out, size_t out_len)
{
	char w[140] = "", c[140] = "";

	/* Unread fds get no item: a 0 would be graphed as an idle service. */
	if (!service_fd_known(s))
		return;
	fd_range(&options->fd_warn, s->fd_warn_pct, s->fd_soft_limit, w, sizeof(w));
	fd_range(&options->fd_crit, s->fd_crit_pct, s->fd_soft_limit, c, sizeof(c));
	append(out, out_len, "%sfd_used=%u;%s;%s;0;%u", prefix, s->fd_open, w, c,
	       s->fd_soft_limit);
}

static void probe_perfdata(const struct check_options *options, const struct probe_reading *p,
			   const char *prefix, char *out, size_t out_len)
{
	char value[64], w[140] = "", c[140] = "", max[64];

	if (p->status == PROBE_NOT_RUN)
		return;
	if (options->latency_warn.set)
		range_format(&options->latency_warn, w, sizeof(w));
	if (options->latency_crit.set)
		range_format(&options->latency_crit, c, sizeof(c));
	append(out, out_len, "%s%s_latency=%ss;%s;%s;0;%s", prefix, p->name,
	       plain_decimal(p->latency_us / 1e6, value, sizeof(value)), w, c,
	       plain_decimal(p->timeout_ms / 1e3, max, sizeof(max)));
	/* A backlog of 0 means sock_diag found no listener: there is no queue to show. */
	if (p->accept_backlog > 0)
		append(out, out_len, "%s%s_accept_queue=%u;;;0;%u", prefix, p->name,
		       p->accept_queue, p->accept_backlog);
	/* Days, which have no unit of measurement in the guidelines; negative once expired.
	 * cert_warn and cert_crit stay in oobhealthd, whose health already applies them. */
	if (p->cert_known)
		append(out, out_len, "%s%s_cert_days=%d", prefix, p->name, (int)p->cert_days_left);
}

void format_perfdata(const struct check_options *options, const struct reading *reading,
		     size_t service, const char *prefix, char *out, size_t out_len)
{
	const struct service_reading *s = &reading->services[service];

	/* A service without a process match has probes and files only. */
	if (s->status != SERVICE_UNKNOWN) {
		fd_perfdata(options, s, prefix, out, out_len);
		append(out, out_len, "%srestarts=%uc", prefix, s->restarts);
		append(out, out_len, "%szombies=%u;;;0", prefix, s->zombies);
		/* Not read: no item, as for the fds. */
		if (s->connections_read) {
			append(out, out_len, "%sconnections=%u;;;0", prefix, s->connections);
			append(out, out_len, "%sstalled_connections=%u;;;0", prefix,
			       s->stalled_connections);
		}
	}
	for (size_t i = 0; i < reading->nprobes; i++)
		if (reading->probes[i].service == service)
			probe_perfdata(options, &reading->probes[i], prefix, out, out_len);
}
