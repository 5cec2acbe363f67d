/* check_oobhealth's verdict on one service: oobhealthd's own health, made worse (never
 * better) by the thresholds given on the command line. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "check.h"

/* How bad each state is: critical > unknown > warning > ok, as oobhealthd ranks health. */
static int rank(enum check_state state)
{
	switch (state) {
	case CHECK_OK:
		return 0;
	case CHECK_WARNING:
		return 1;
	case CHECK_UNKNOWN:
		return 2;
	default:
		return 3;
	}
}

int check_state_worse(enum check_state a, enum check_state b)
{
	return rank(a) > rank(b);
}

const char *check_state_name(enum check_state state)
{
	switch (state) {
	case CHECK_OK:
		return "OK";
	case CHECK_WARNING:
		return "WARNING";
	case CHECK_CRITICAL:
		return "CRITICAL";
	default:
		return "UNKNOWN";
	}
}

static enum check_state state_of(enum health health)
{
	switch (health) {
	case HEALTH_OK:
		return CHECK_OK;
	case HEALTH_WARNING:
		return CHECK_WARNING;
	case HEALTH_CRITICAL:
		return CHECK_CRITICAL;
	default:
		return CHECK_UNKNOWN;
	}
}

static void add_reason(struct service_verdict *verdict, enum check_state state,
		       const char *format, ...)
{
	size_t used = strlen(verdict->text);
	va_list args;

	if (check_state_worse(state, verdict->state))
		verdict->state = state;
	if (used > 0 && used < sizeof(verdict->text) - 2) {
		memcpy(verdict->text + used, "; ", 3);
		used += 2;
	}
	va_start(args, format);
	vsnprintf(verdict->text + used, sizeof(verdict->text) - used, format, args);
	va_end(args);
}

/* A -w/-c fd range is on percent of the soft limit; it is judged on the descriptor count
 * it stands for, as the performance data prints it. */
static bool fd_alerts(const struct range *range, const struct service_reading *service)
{
	struct range counts = range_scaled(range, service->fd_soft_limit / 100.0);

	return range->set && range_alerts(&counts, service->fd_open);
}

static void judge_fd(const struct check_options *options, const struct service_reading *service,
		     struct service_verdict *verdict)
{
	const struct range *hit = NULL;
	enum check_state state = CHECK_OK;

	if (!service_fd_known(service))
		return;
	if (fd_alerts(&options->fd_crit, service)) {
		hit = &options->fd_crit;
		state = CHECK_CRITICAL;
	} else if (fd_alerts(&options->fd_warn, service)) {
		hit = &options->fd_warn;
		state = CHECK_WARNING;
	}
	if (hit != NULL)
		add_reason(verdict, state, "fd use %.0f%% %s -%c %s%%",
			   100.0 * service->fd_open / service->fd_soft_limit,
			   hit->inside ? "inside" : "outside", state == CHECK_CRITICAL ? 'c' : 'w',
			   hit->text);
}

/* Only answered probes are timed here; a failed one is already in oobhealthd's health. */
static void judge_latency(const struct check_options *options, const struct probe_reading *probe,
			  struct service_verdict *verdict)
{
	double seconds = probe->latency_us / 1e6;
	const struct range *hit = NULL;
	enum check_state state = CHECK_OK;

	if (probe->status != PROBE_OK)
		return;
	if (options->latency_crit.set && range_alerts(&options->latency_crit, seconds)) {
		hit = &options->latency_crit;
		state = CHECK_CRITICAL;
	} else if (options->latency_warn.set && range_alerts(&options->latency_warn, seconds)) {
		hit = &options->latency_warn;
		state = CHECK_WARNING;
	}
	if (hit != NULL)
		add_reason(verdict, state, "probe %s took %.1f ms (%s -%c %s s)", probe->name,
			   probe->latency_us / 1e3, hit->inside ? "inside" : "outside",
			   state == CHECK_CRITICAL ? 'c' : 'w', hit->text);
}

/* What a healthy service's line says: that it runs, its fd use and its probes; with -v,
 * its TCP connections, each probe, its latency and a TLS probe's certificate days left. */
static void describe_ok(const struct check_options *options, const struct reading *reading,
			size_t service, struct service_verdict *verdict)
{
	const struct service_reading *s = &reading->services[service];
	size_t probes = 0, len = sizeof(verdict->text);
	int used;

	if (s->status == SERVICE_UNKNOWN)
		used = snprintf(verdict->text, len, "no process match");
	else
		used = snprintf(verdict->text, len, "%s, pid %u", service_status_name(s->status),
				s->pid);
	if (service_fd_known(s))
		used += snprintf(verdict->text + used, len - (size_t)used, ", fd %u/%u (%.0f%%)",
				 s->fd_open, s->fd_soft_limit, 100.0 * s->fd_open / s->fd_soft_limit);
	if (options->verbosity >= 1 && s->connections_read)
		used += snprintf(verdict->text + used, len - (size_t)used, ", %u TCP connection%s",
				 s->connections, s->connections == 1 ? "" : "s");
	for (size_t i = 0; i < reading->nprobes; i++)
		probes += reading->probes[i].service == service;
	if (probes == 0)
		return;
	used += snprintf(verdict->text + used, len - (size_t)used, ", %zu probe%s ok", probes,
			 probes == 1 ? "" : "s");
	if (options->verbosity < 1)
		return;
	for (size_t i = 0, n = 0; i < reading->nprobes && (size_t)used < len; i++) {
		const struct probe_reading *p = &reading->probes[i];

		if (p->service != service)
			continue;
		used += snprintf(verdict->text + used, len - (size_t)used, "%s%s %.1f ms",
				 n++ ? ", " : " (", p->name, p->latency_us / 1e3);
		if (p->cert_known && (size_t)used < len)
			used += snprintf(verdict->text + used, len - (size_t)used,
					 " certificate %d day%s left", (int)p->cert_days_left,
					 p->cert_days_left == 1 ? "" : "s");
	}
	if ((size_t)used < len)
		snprintf(verdict->text + used, len - (size_t)used, ")");
}

void judge_service(const struct check_options *options, const struct reading *reading,
		   size_t service, struct service_verdict *verdict)
{
	const struct service_reading *s = &reading->services[service];

	verdict->state = state_of(s->health);
	verdict->text[0] = '\0';
	if (s->health != HEALTH_OK)
		snprintf(verdict->text, sizeof(verdict->text), "%s", s->health_text);
	judge_fd(options, s, verdict);
	for (size_t i = 0; i < reading->nprobes; i++)
		if (reading->probes[i].service == service)
			judge_latency(options, &reading->probes[i], verdict);
	if (verdict->state == CHECK_OK)
		describe_ok(options, reading, service, verdict);
	/* A "|" would start the performance data. */
	for (char *c = verdict->text; *c != '\0'; c++)
		if (*c == '|' || *c == '\n')
			*c = '/';
}
