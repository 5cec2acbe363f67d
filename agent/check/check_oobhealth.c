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

static char alarm_message[256];

/* The last resort when a name lookup or the library stalls beyond every request timeout. */
static void on_alarm(int signo)
{
	(void)signo;
	if (write(STDOUT_FILENO, alarm_message, strlen(alarm_message)) < 0)
		_exit(CHECK_CRITICAL);
	_exit(CHECK_CRITICAL);
}

static int finish(enum check_state state, const char *text)
{
	printf("OOBHEALTH %s - %s\n", check_state_name(state), text);
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
	print_perfdata(options, reading, judged[0].service, " | ");
	printf("\n");
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

static int check_services(const struct check_options *options, struct snmp_link *link,
			  struct reading *reading)
{
	char why[512];
	enum link_result result = read_services(link, options->service, reading, why,
						sizeof(why));

	if (result != LINK_OK)
		return finish(state_for(result), why);
	if (options->service != NULL && reading->nservices == 0)
		return no_such_service(link, options->service);
	if (reading->nservices == 0)
		return finish(CHECK_UNKNOWN, "oobhealthd watches no services");
	if (options->service != NULL)
		return report_one(options, reading);
	return report_all(options, reading);
}

int main(int argc, char **argv)
{
	struct check_options options;
	struct reading reading = { 0 };
	struct snmp_link *link;
	enum link_result result;
	char why[512];
	int parsed = check_options_parse(argc, argv, &options, why, sizeof(why));
	int state;

	if (parsed == 1)
		return CHECK_OK;
	if (parsed < 0) {
		printf("OOBHEALTH UNKNOWN - %s (check_oobhealth --help lists the options)\n", why);
		return CHECK_UNKNOWN;
	}
	/* Numeric OIDs only: no MIB files to load, no state files to touch as the nagios user.
	 * Every problem is in the one status line; Icinga would show stderr as output too. */
	setenv("MIBS", "", 1);
	snmp_disable_log();
	netsnmp_register_loghandler(NETSNMP_LOGHANDLER_NONE, LOG_EMERG);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_PERSIST_STATE, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_SAVE, 1);
	init_snmp("check_oobhealth");
	snprintf(alarm_message, sizeof(alarm_message),
		 "OOBHEALTH CRITICAL - no complete SNMP answer from %s within %g s\n", options.host,
		 options.timeout_s);
	signal(SIGALRM, on_alarm);
	alarm((unsigned)ceil(options.timeout_s) + 1);

	link = snmp_link_open(&options, why, sizeof(why));
	if (link == NULL)
		return finish(CHECK_UNKNOWN, why);
	result = read_agent(link, &reading.agent, why, sizeof(why));
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
