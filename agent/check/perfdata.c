/* check_oobhealth's performance data, as the Monitoring Plugins guidelines spell it:
 * 'label'=value[UOM];[warn];[crit];[min];[max]. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "check.h"

/* A plain decimal: the guidelines allow only [-0-9.], so never an exponent. */
static const char *decimal(double value, char *buf, size_t len)
{
	char *end;

	snprintf(buf, len, "%.6f", value);
	end = buf + strlen(buf) - 1;
	while (end > buf && *end == '0')
		*end-- = '\0';
	if (*end == '.')
		*end = '\0';
	return buf;
}

static void append(char *out, size_t out_len, const char *format, ...)
	__attribute__((format(printf, 3, 4)));

/* Adds one item, whole or not at all: a cut item would break the grammar. */
static void append(char *out, size_t out_len, const char *format, ...)
{
	size_t used = strlen(out);
	char item[300];
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

/* The largest open count still below PCT percent of SOFT: oobhealthd warns from
 * open * 100 >= pct * soft, and a plugin threshold N alerts above N. */
static long fd_threshold(double pct, uint32_t soft)
{
	double first_alerting = ceil(pct * soft / 100.0);

	return first_alerting >= 1 ? (long)first_alerting - 1 : 0;
}

static void fd_perfdata(const struct check_options *options, const struct service_reading *s,
			const char *prefix, char *out, size_t out_len)
{
	double warn = options->fd_warn.set ? options->fd_warn.value : s->fd_warn_pct;
	double crit = options->fd_crit.set ? options->fd_crit.value : s->fd_crit_pct;
	char w[32] = "", c[32] = "";

	if (s->fd_soft_limit == 0)
		return;
	if (warn > 0)
		snprintf(w, sizeof(w), "%ld", fd_threshold(warn, s->fd_soft_limit));
	if (crit > 0)
		snprintf(c, sizeof(c), "%ld", fd_threshold(crit, s->fd_soft_limit));
	append(out, out_len, "%sfd_used=%u;%s;%s;0;%u", prefix, s->fd_open, w, c,
	       s->fd_soft_limit);
}

static void probe_perfdata(const struct check_options *options, const struct probe_reading *p,
			   const char *prefix, char *out, size_t out_len)
{
	char value[32], w[32] = "", c[32] = "", max[32];

	if (p->status == PROBE_NOT_RUN)
		return;
	if (options->latency_warn.set)
		decimal(options->latency_warn.value, w, sizeof(w));
	if (options->latency_crit.set)
		decimal(options->latency_crit.value, c, sizeof(c));
	append(out, out_len, "%s%s_latency=%ss;%s;%s;0;%s", prefix, p->name,
	       decimal(p->latency_us / 1e6, value, sizeof(value)), w, c,
	       decimal(p->timeout_ms / 1e3, max, sizeof(max)));
	/* A backlog of 0 means sock_diag found no listener: there is no queue to show. */
	if (p->accept_backlog > 0)
		append(out, out_len, "%s%s_accept_queue=%u;;;0;%u", prefix, p->name,
		       p->accept_queue, p->accept_backlog);
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
	}
	for (size_t i = 0; i < reading->nprobes; i++)
		if (reading->probes[i].service == service)
			probe_perfdata(options, &reading->probes[i], prefix, out, out_len);
}
