/* check_oobhealth: a Nagios/Icinga plugin that reads OOBHEALTH-MIB through snmpd and prints
 * one status line, the per-service detail and performance data. */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_link.h"
#include "mib_oids.h"

#define SUMMARY_MAX 1024

/* The default -t, for the options themselves: an --extra-opts file on standard input
 * may never end. */
#define OPTIONS_TIMEOUT_S 10

static char alarm_message[256] =
	"OOBHEALTH UNKNOWN - the options were not read within 10 s (--extra-opts=@- waiting "
	"on standard input?)\n";
static volatile sig_atomic_t alarm_state = CHECK_UNKNOWN;

/* The last resort when reading options, a name lookup or the library stalls beyond
 * every request timeout. */
static void on_alarm(int signo)
{
	(void)signo;
	if (write(STDOUT_FILENO, alarm_message, strlen(alarm_message)) < 0)
		_exit(alarm_state);
	_exit(alarm_state);
}

/* The status line is one line, and a "|" in it would start performance data; a reason
 * may quote what an operator typed or a file held. */
static void print_status(enum check_state state, const char *text)
{
	printf("OOBHEALTH %s - ", check_state_name(state));
	for (const char *c = text; *c != '\0'; c++)
		putchar(*c == '|' || (unsigned char)*c < 0x20 ? '/' : *c);
	putchar('\n');
}

static int finish(enum check_state state, const char *text)
{
	print_status(state, text);
	verbose_print();
	return state;
}

/* An SNMP timeout means the master itself did not answer: CRITICAL. Anything else that
 * kept the data from us is UNKNOWN: nobody can tell whether the services are fine. */
static enum check_state state_for(enum link_result result)
{
	return result == LINK_TIMEOUT ? CHECK_CRITICAL : CHECK_UNKNOWN;
}

static int is_stale(const struct check_options *options, const struct agent_reading *agent,
		    char *why, size_t why_len)
{
	double limit_ms = options->stale_intervals * agent->interval_ms + agent->last_cycle_ms;

	if (agent->snapshot_age_ms <= limit_ms)
		return 0;
	snprintf(why, why_len, "oobhealthd's data is stale: its last probe cycle ended %.1f s ago "
		 "(interval %.1f s, stale after %.1f s); its prober is stuck",
		 agent->snapshot_age_ms / 1e3, agent->interval_ms / 1e3, limit_ms / 1e3);
	return 1;
}

/* Names the configured services, so a typo in -s is easy to see. */
static int no_such_service(struct snmp_link *link, const char *service)
{
	struct reading all = { 0 };
	char text[SUMMARY_MAX], why[256];
	size_t used;

	used = (size_t)snprintf(text, sizeof(text), "oobhealthd has no service \"%s\"", service);
	if (read_services(link, NULL, &all, why, sizeof(why)) == LINK_OK && all.nservices > 0) {
		used += (size_t)snprintf(text + used, sizeof(text) - used, "; it watches");
		for (size_t i = 0; i < all.nservices && used < sizeof(text); i++)
			used += (size_t)snprintf(text + used, sizeof(text) - used, "%s %s",
						 i ? "," : "", all.services[i].name);
	}
	reading_clear(&all);
	return finish(CHECK_UNKNOWN, text);
}

/* Prints SEPARATOR and SERVICE's performance data, if it has any (labels prefixed with
 * the service's name when there are several); returns whether it printed. */
static int print_perfdata(const struct check_options *options, const struct reading *reading,
			  size_t service, const char *separator)
{
	char perfdata[4096] = "", prefix[OH_SERVICE_NAME_MAX + 2] = "";

	if (options->service == NULL)
		snprintf(prefix, sizeof(prefix), "%s/", reading->services[service].name);
	format_perfdata(options, reading, service, prefix, perfdata, sizeof(perfdata));
	if (perfdata[0] == '\0')
		return 0;
	printf("%s%s", separator, perfdata);
	return 1;
}

static int report_one(const struct check_options *options, const struct reading *reading)
{
	struct service_verdict verdict;

	judge_service(options, reading, 0, &verdict);
	printf("OOBHEALTH %s - %s: %s", check_state_name(verdict.state), reading->services[0].name,
	       verdict.text);
	print_perfdata(options, reading, 0, " | ");
	printf("\n");
	verbose_print();
	return verdict.state;
}

struct judged {
	size_t service;
	struct service_verdict verdict;
};

static int worst_first(const void *a, const void *b)
{
	const struct judged *x = a, *y = b;

	if (check_state_worse(x->verdict.state, y->verdict.state))
		return -1;
	if (check_state_worse(y->verdict.state, x->verdict.state))
		return 1;
	return x->service < y->service ? -1 : x->service > y->service;
}

/* The first line names every service that is not OK; one line per service follows, and
 * the performance data of all after the last of them, as the guidelines lay it out. */
static int report_all(const struct check_options *options, const struct reading *reading)
{
	struct judged *judged = calloc(reading->nservices, sizeof(*judged));
	char summary[SUMMARY_MAX] = "";
	size_t used = 0, healthy = 0, more = 0;
	enum check_state worst;

	if (judged == NULL)
		return finish(CHECK_UNKNOWN, "out of memory");
	for (size_t i = 0; i < reading->nservices; i++) {
		judged[i].service = i;
		judge_service(options, reading, i, &judged[i].verdict);
	}
	qsort(judged, reading->nservices, sizeof(*judged), worst_first);
	for (size_t i = 0; i < reading->nservices; i++) {
		if (judged[i].verdict.state == CHECK_OK) {
			healthy++;
			continue;
		}
		if (used < sizeof(summary))
			used += (size_t)snprintf(summary + used, sizeof(summary) - used, "%s%s: %s",
						 used ? " / " : "",
						 reading->services[judged[i].service].name,
						 judged[i].verdict.text);
	}
	if (used >= sizeof(summary))
		strcpy(summary + sizeof(summary) - 5, " ...");
	worst = judged[0].verdict.state;
	printf("OOBHEALTH %s - ", check_state_name(worst));
	if (healthy == reading->nservices)
		printf("all %zu services ok", reading->nservices);
	else
		printf("%s (%zu of %zu services ok)", summary, healthy, reading->nservices);
	/* -v: which ones, in the order oobhealthd serves them. */
	for (size_t i = 0, n = 0; options->verbosity >= 1 && healthy > 0 && i < reading->nservices;
	     i++)
		if (judged[i].verdict.state == CHECK_OK)
			printf("%s%s", n++ ? ", " : ": ", reading->services[judged[i].service].name);
	print_perfdata(options, reading, judged[0].service, " | ");
	printf("\n");
	verbose_print();
	for (size_t k = 0; k < reading->nservices; k++)
		printf("%s: %s - %s%s", reading->services[judged[k].service].name,
		       check_state_name(judged[k].verdict.state), judged[k].verdict.text,
		       k + 1 < reading->nservices ? "\n" : "");
	/* The rest: after a "|" on the last long line, then one line per service. */
	for (size_t i = 1; i < reading->nservices; i++)
		more += print_perfdata(options, reading, judged[i].service, more ? "\n" : " | ");
	printf("\n");
	free(judged);
	return worst;
}

/* -vvv: the values read, as oobhealthd serves them. */
static void trace_reading(const struct reading *reading)
{
	for (size_t i = 0; i < reading->nservices; i++) {
		const struct service_reading *s = &reading->services[i];
		char fd[40] = "not served", connections[64] = "not served";

		if (service_fd_known(s))
			snprintf(fd, sizeof(fd), "%u/%u", s->fd_open, s->fd_soft_limit);
		if (s->connections_read)
			snprintf(connections, sizeof(connections), "%u (%u stalled)", s->connections,
				 s->stalled_connections);
		verbose(3, "service %s: status %s, pid %u, restarts %u, zombies %u, fd %s "
			"(fd_warn %u%%, fd_crit %u%%), TCP connections %s, health %s: %s", s->name,
			service_status_name(s->status), s->pid, s->restarts, s->zombies, fd,
			s->fd_warn_pct, s->fd_crit_pct, connections, health_name(s->health),
			s->health_text);
	}
	for (size_t i = 0; i < reading->nprobes; i++) {
		const struct probe_reading *p = &reading->probes[i];
		char cert[48] = "", phase[48] = "", stalled[48] = "";

		if (p->cert_known)
			snprintf(cert, sizeof(cert), ", certificate %d days left", (int)p->cert_days_left);
		if (p->failure_phase > PHASE_NONE)
			snprintf(phase, sizeof(phase), ", failed at %s",
				 probe_phase_name(p->failure_phase));
		if (p->accept_stalled_s > 0)
			snprintf(stalled, sizeof(stalled), ", acceptor stalled for %u s",
				 p->accept_stalled_s);
		verbose(3, "probe %s/%s: status %s%s, latency %u us (timeout %u ms), accept queue "
			"%u of %u%s%s", reading->services[p->service].name, p->name,
			probe_status_name(p->status), phase, p->latency_us, p->timeout_ms,
			p->accept_queue, p->accept_backlog, stalled, cert);
	}
}

static int check_services(const struct check_options *options, struct snmp_link *link,
			  struct reading *reading)
{
	char why[512];
	enum link_result result = read_services(link, options->service, reading, why,
						sizeof(why));

	if (result != LINK_OK)
		return finish(state_for(result), why);
	trace_reading(reading);
	if (options->service != NULL && reading->nservices == 0)
		return no_such_service(link, options->service);
	if (reading->nservices == 0)
		return finish(CHECK_UNKNOWN, "oobhealthd watches no services");
	if (options->service != NULL)
		return report_one(options, reading);
	return report_all(options, reading);
}

static void describe_range(char *out, size_t out_len, const char *letter,
			   const struct range *range, const char *unit)
{
	char text[140];

	if (range->set)
		snprintf(out, out_len, "-%s %s%s", letter, range_format(range, text, sizeof(text)),
			 unit);
	else
		snprintf(out, out_len, "no -%s", letter);
}

/* -vv: what this run asks and judges by. Secrets stay out: this output lands in the
 * monitoring system's database. */
static void describe_settings(const struct check_options *o, const struct snmp_link *link)
{
	char fd_w[160], fd_c[160], lat_w[160], lat_c[160];

	if (o->version == SNMP_VERSION_3)
		verbose(2, "snmp: %s, SNMPv3 user %s, %s, auth %s, priv %s, timeout %g s, "
			"%d retr%s", snmp_link_peer(link), o->secname,
			o->seclevel == SNMP_SEC_LEVEL_AUTHPRIV ? "authPriv"
			: o->seclevel == SNMP_SEC_LEVEL_AUTHNOPRIV ? "authNoPriv" : "noAuthNoPriv",
			o->auth_protocol ? o->auth_protocol : "default",
			o->priv_protocol ? o->priv_protocol : "default", o->timeout_s, o->retries,
			o->retries == 1 ? "y" : "ies");
	else
		verbose(2, "snmp: %s, SNMP%s with a community, timeout %g s, %d retr%s",
			snmp_link_peer(link), o->version == SNMP_VERSION_1 ? "v1" : "v2c", o->timeout_s,
			o->retries, o->retries == 1 ? "y" : "ies");
	describe_range(fd_w, sizeof(fd_w), "w", &o->fd_warn, "%");
	describe_range(fd_c, sizeof(fd_c), "c", &o->fd_crit, "%");
	describe_range(lat_w, sizeof(lat_w), "w", &o->latency_warn, " s");
	describe_range(lat_c, sizeof(lat_c), "c", &o->latency_crit, " s");
	verbose(2, "thresholds: fd use %s, %s (of the soft limit; otherwise the service's own "
		"fd_warn/fd_crit); probe latency %s, %s; stale after %g intervals", fd_w, fd_c,
		lat_w, lat_c, o->stale_intervals);
}

int main(int argc, char **argv)
{
	struct check_options options;
	struct reading reading = { 0 };
	struct snmp_link *link;
	enum link_result result;
	char why[1024];
	int parsed, state;

	signal(SIGALRM, on_alarm);
	alarm(OPTIONS_TIMEOUT_S + 1);
	parsed = check_options_parse(argc, argv, &options, why, sizeof(why));
	alarm(0);

	/* --help and --version exit UNKNOWN, as the Monitoring Plugins' own do: a command
	 * that only printed help must not look like a passing check. */
	if (parsed == 1)
		return CHECK_UNKNOWN;
	if (parsed < 0) {
		size_t used = strlen(why);

		snprintf(why + used, sizeof(why) - used, " (check_oobhealth --help lists the options)");
		print_status(CHECK_UNKNOWN, why);
		return CHECK_UNKNOWN;
	}
	verbose_set(options.verbosity);
	/* Numeric OIDs only: no MIB files to load, no state files to touch as the nagios user.
	 * Every problem is in the one status line; Icinga would show stderr as output too. */
	setenv("MIBS", "", 1);
	snmp_disable_log();
	netsnmp_register_loghandler(NETSNMP_LOGHANDLER_NONE, LOG_EMERG);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_PERSIST_STATE, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_SAVE, 1);
	init_snmp("check_oobhealth");
	netsnmp_ds_set_int(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_OID_OUTPUT_FORMAT,
			   NETSNMP_OID_OUTPUT_NUMERIC);
	snprintf(alarm_message, sizeof(alarm_message),
		 "OOBHEALTH CRITICAL - no complete SNMP answer from %s within %g s\n", options.host,
		 options.timeout_s);
	alarm_state = CHECK_CRITICAL;
	alarm((unsigned)ceil(options.timeout_s) + 1);

	link = snmp_link_open(&options, why, sizeof(why));
	if (link == NULL)
		return finish(CHECK_UNKNOWN, why);
	describe_settings(&options, link);
	result = read_agent(link, &reading.agent, why, sizeof(why));
	if (result == LINK_OK)
		verbose(2, "oobhealthd: %u services, probe interval %.1f s, last cycle took %u ms "
			"and ended %.1f s ago", reading.agent.services, reading.agent.interval_ms / 1e3,
			reading.agent.last_cycle_ms, reading.agent.snapshot_age_ms / 1e3);
	if (result != LINK_OK)
		state = finish(state_for(result), why);
	else if (is_stale(&options, &reading.agent, why, sizeof(why)))
		state = finish(CHECK_UNKNOWN, why);
	else
		state = check_services(&options, link, &reading);
	reading_clear(&reading);
	snmp_link_close(link);
	return state;
}
