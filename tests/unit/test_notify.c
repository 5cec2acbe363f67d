/* Unit tests for which notifications are sent and when: the hold of one interval, the
 * budget and its summary, the start, re-announcement after the master comes back, probes
 * below fail_after and restarts already in the history. What would be sent is recorded
 * here instead of reaching a master. */
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>
#include <net-snmp/agent/agent_callbacks.h>

#include "notify.h"
#include "notify_send.h"
#include "unit.h"

#include <stdlib.h>
#include <time.h>

#define SENT_MAX 512

static struct {
	enum notification which;
	char name[32];                     /* the service of the row, when there is one */
	int value;                         /* status, probe status, or how many held back */
	char text[256];
} sent[SENT_MAX];
static size_t nsent;

static void record(enum notification which, const struct row_index *index, int value,
		   const char *text)
{
	if (nsent == SENT_MAX)
		return;
	sent[nsent].which = which;
	sent[nsent].name[0] = '\0';
	if (index != NULL) {
		size_t len = index->bytes[0];

		memcpy(sent[nsent].name, index->bytes + 1, len);
		sent[nsent].name[len] = '\0';
	}
	sent[nsent].value = value;
	snprintf(sent[nsent].text, sizeof(sent[nsent].text), "%s", text != NULL ? text : "");
	nsent++;
}

int notify_send_service(enum notification which, const struct service_row *row)
{
	record(which, &row->index, (int)row->status, row->health_text);
	return 0;
}

int notify_send_restart(const struct restart_row *restart, const struct service_row *service)
{
	record(OH_SERVICE_RESTART, &service->index, (int)restart->new_pid, NULL);
	return 0;
}

int notify_send_probe(const struct probe_row *row)
{
	record(OH_PROBE_STATUS_CHANGE, &row->index, row->status, row->last_error);
	return 0;
}

int notify_send_started(uint32_t services)
{
	record(OH_AGENT_STARTED, NULL, (int)services, NULL);
	return 0;
}

int notify_send_reload_failed(uint32_t failures, const char *text)
{
	record(OH_CONFIG_RELOAD_FAILED, NULL, (int)failures, text);
	return 0;
}

int notify_send_held_back(uint32_t held, uint32_t held_total, const char *text)
{
	(void)held_total;
	record(OH_NOTIFICATIONS_HELD_BACK, NULL, (int)held, text);
	return 0;
}

static size_t count_of(enum notification which)
{
	size_t n = 0;

	for (size_t i = 0; i < nsent; i++)
		n += sent[i].which == which;
	return n;
}

static void sleep_ms(long ms)
{
	struct timespec t = { .tv_sec = ms / 1000, .tv_nsec = ms % 1000 * 1000000L };

	nanosleep(&t, NULL);
}

/* Lets the alarms due after MS run, as the agent loop would. */
static void after_ms(long ms)
{
	sleep_ms(ms);
	run_alarms();
}

static void session(bool open)
{
	snmp_call_callbacks(SNMP_CALLBACK_APPLICATION,
			    open ? SNMPD_CALLBACK_INDEX_START : SNMPD_CALLBACK_INDEX_STOP, NULL);
}

/* Snapshots built by the tests: services named s0.., each with one probe when asked. */
struct built {
	struct snapshot snapshot;
	struct service_row services[400];
	struct probe_row probes[4];
	struct restart_row restarts[4];
};

static struct built *snapshots[64];
static size_t nsnapshots;

static struct built *build(size_t nservices, uint32_t interval_ms)
{
	struct built *b = calloc(1, sizeof(*b));

	snapshots[nsnapshots++] = b;
	b->snapshot.services = b->services;
	b->snapshot.nservices = nservices;
	b->snapshot.probes = b->probes;
	b->snapshot.restarts = b->restarts;
	b->snapshot.interval_ms = interval_ms;
	b->snapshot.notify_hold_ms = interval_ms;
	b->snapshot.notify_budget = 20;
	b->snapshot.notify_per_ms = 20;
	b->snapshot.config_error = "";
	for (size_t i = 0; i < nservices; i++) {
		char name[32];

		snprintf(name, sizeof(name), "s%03zu", i);
		row_index_add_string(&b->services[i].index, name);
		b->services[i].status = SERVICE_UP;
		b->services[i].health = HEALTH_OK;
		b->services[i].health_text = "ok";
	}
	return b;
}

static void set_critical(struct built *b, size_t i)
{
	b->services[i].status = SERVICE_ABSENT;
	b->services[i].health = HEALTH_CRITICAL;
	b->services[i].health_text = "absent: pidfile is missing";
}

/* A fresh notifier, connected, its start announced and forgotten, in a period of its
 * own that has ended. */
static void start_with_budget(unsigned budget, uint64_t per_ms)
{
	struct config config = { .nservices = 0 };

	notify_release();
	for (size_t i = 0; i < nsnapshots; i++)
		free(snapshots[i]);
	nsnapshots = 0;
	config.agent.notify_budget = budget;
	config.agent.notify_per_ms = per_ms;
	notify_init(&config);
	session(true);
	after_ms(5);
	after_ms((long)per_ms + 10);
	nsent = 0;
}

static void start(void)
{
	start_with_budget(20, 20);
}

static void change_is_sent_once_it_has_lasted_one_interval(void)
{
	struct built *ok, *broken;

	start();
	ok = build(2, 50);
	notify_take(&ok->snapshot);
	CHECK(nsent == 0);
	broken = build(2, 50);
	set_critical(broken, 1);
	notify_take(&broken->snapshot);
	CHECK(nsent == 0);
	after_ms(80);
	CHECK(nsent == 1);
	CHECK(sent[0].which == OH_SERVICE_STATUS_CHANGE);
	CHECK_STR(sent[0].name, "s001");
	CHECK(sent[0].value == SERVICE_ABSENT);
	/* The recovery is a change too. */
	notify_take(&build(2, 50)->snapshot);
	after_ms(80);
	CHECK(nsent == 2);
	CHECK(sent[1].value == SERVICE_UP);
	notify_take(&build(2, 50)->snapshot);
	after_ms(80);
	CHECK(nsent == 2);
}

static void change_that_reverts_within_the_interval_is_not_sent(void)
{
	struct built *broken;

	start();
	notify_take(&build(1, 1000)->snapshot);
	broken = build(1, 1000);
	set_critical(broken, 0);
	notify_take(&broken->snapshot);
	notify_take(&build(1, 1000)->snapshot);
	after_ms(1100);
	CHECK(nsent == 0);
}

static void budget_holds_back_and_one_summary_counts_them(void)
{
	struct built *broken;

	start_with_budget(10, 1000);
	notify_take(&build(300, 0)->snapshot);
	broken = build(300, 0);
	broken->snapshot.notify_budget = 10;
	broken->snapshot.notify_per_ms = 1000;
	for (size_t i = 0; i < 300; i++)
		set_critical(broken, i);
	notify_take(&broken->snapshot);
	CHECK(count_of(OH_SERVICE_STATUS_CHANGE) == 10);
	CHECK(count_of(OH_NOTIFICATIONS_HELD_BACK) == 0);
	after_ms(1100);
	CHECK(count_of(OH_NOTIFICATIONS_HELD_BACK) == 1);
	CHECK(nsent == 11 && sent[10].value == 290);
	CHECK(strstr(sent[10].text, "290 notifications held back") != NULL);
	CHECK(strstr(sent[10].text, "walk OOBHEALTH-MIB") != NULL);
	after_ms(1100);
	CHECK(nsent == 11);
}

static void budget_zero_sends_nothing(void)
{
	struct built *broken;

	start();
	notify_take(&build(3, 0)->snapshot);
	broken = build(3, 0);
	broken->snapshot.notify_budget = 0;
	set_critical(broken, 0);
	notify_take(&broken->snapshot);
	after_ms(20);
	CHECK(nsent == 0);
}

static void master_back_hears_again_of_what_is_not_ok(void)
{
	struct built *two;

	start();
	notify_take(&build(3, 0)->snapshot);
	two = build(3, 0);
	set_critical(two, 0);
	set_critical(two, 2);
	notify_take(&two->snapshot);
	CHECK(nsent == 2);
	session(false);
	session(true);
	after_ms(5);
	CHECK(nsent == 4);
	CHECK_STR(sent[2].name, "s000");
	CHECK_STR(sent[3].name, "s002");
	CHECK(count_of(OH_AGENT_STARTED) == 0);
}

static void recovery_while_master_away_is_sent_when_it_is_back(void)
{
	struct built *broken;

	start();
	notify_take(&build(2, 0)->snapshot);
	broken = build(2, 0);
	set_critical(broken, 1);
	notify_take(&broken->snapshot);
	CHECK(nsent == 1);
	session(false);
	notify_take(&build(2, 0)->snapshot);
	CHECK(nsent == 1);
	session(true);
	after_ms(5);
	CHECK(nsent == 2);
	CHECK(sent[1].value == SERVICE_UP);
}

static void broken_at_start_is_announced_once_judged(void)
{
	struct built *first, *judged;

	start();
	first = build(1, 0);
	first->services[0].provisional = true;
	first->services[0].status = SERVICE_UNKNOWN;
	first->services[0].health = HEALTH_UNKNOWN;
	notify_take(&first->snapshot);
	CHECK(nsent == 0);
	judged = build(1, 0);
	set_critical(judged, 0);
	notify_take(&judged->snapshot);
	CHECK(nsent == 1);
}

static void probe_failing_below_fail_after_is_not_announced(void)
{
	struct built *b;

	start();
	for (int cycle = 0; cycle < 8; cycle++) {
		b = build(1, 0);
		b->snapshot.nprobes = 1;
		row_index_add_string(&b->probes[0].index, "s000");
		row_index_add_string(&b->probes[0].index, "http");
		b->probes[0].status = cycle % 2 ? PROBE_TIMEOUT : PROBE_OK;
		b->probes[0].consec_failures = cycle % 2;
		b->probes[0].failing = false;
		b->probes[0].last_error = "";
		notify_take(&b->snapshot);
	}
	CHECK(nsent == 0);
	b = build(1, 0);
	b->snapshot.nprobes = 1;
	row_index_add_string(&b->probes[0].index, "s000");
	row_index_add_string(&b->probes[0].index, "http");
	b->probes[0].status = PROBE_TIMEOUT;
	b->probes[0].failing = true;
	b->probes[0].last_error = "timed out after 1000 ms";
	notify_take(&b->snapshot);
	CHECK(nsent == 1 && sent[0].which == OH_PROBE_STATUS_CHANGE);
	CHECK(sent[0].value == PROBE_TIMEOUT);
}

static void restarts_in_the_history_are_not_announced_again(void)
{
	struct built *b;

	start();
	b = build(1, 0);
	b->snapshot.nrestarts = 1;
	row_index_add_string(&b->restarts[0].index, "s000");
	row_index_add_number(&b->restarts[0].index, 7);
	b->restarts[0].restart_index = 7;
	notify_take(&b->snapshot);
	CHECK(nsent == 0);
	b = build(1, 0);
	b->snapshot.nrestarts = 2;
	row_index_add_string(&b->restarts[0].index, "s000");
	row_index_add_number(&b->restarts[0].index, 7);
	b->restarts[0].restart_index = 7;
	row_index_add_string(&b->restarts[1].index, "s000");
	row_index_add_number(&b->restarts[1].index, 8);
	b->restarts[1].restart_index = 8;
	b->restarts[1].new_pid = 4242;
	notify_take(&b->snapshot);
	CHECK(nsent == 1 && sent[0].which == OH_SERVICE_RESTART && sent[0].value == 4242);
	notify_take(&b->snapshot);
	CHECK(nsent == 1);
}

static void rejected_reload_is_announced_with_its_error(void)
{
	struct built *b;

	start();
	notify_take(&build(1, 0)->snapshot);
	b = build(1, 0);
	b->snapshot.config_failures = 1;
	b->snapshot.config_error = "/etc/oobhealth/oobhealth.yaml:3:5: unknown key \"tiemout\"";
	notify_take(&b->snapshot);
	CHECK(nsent == 1 && sent[0].which == OH_CONFIG_RELOAD_FAILED);
	CHECK_STR(sent[0].text, "/etc/oobhealth/oobhealth.yaml:3:5: unknown key \"tiemout\"");
}

/* Each state a service's health sums up has its own notifications, both ways. */
static void fd_and_flapping_states_are_announced_both_ways(void)
{
	struct built *high, *normal;

	start();
	normal = build(1, 0);
	normal->services[0].fd_known = true;
	normal->services[0].fd_level = HEALTH_OK;
	notify_take(&normal->snapshot);
	high = build(1, 0);
	high->services[0].fd_known = true;
	high->services[0].fd_level = HEALTH_WARNING;
	high->services[0].fd_limit_regressed = true;
	high->services[0].flapping = true;
	notify_take(&high->snapshot);
	CHECK(count_of(OH_FD_USAGE_HIGH) == 1);
	CHECK(count_of(OH_FD_LIMIT_REGRESSION) == 1);
	CHECK(count_of(OH_SERVICE_FLAPPING) == 1);
	/* No process: the fd states are not known, which is not a change. */
	notify_take(&build(1, 0)->snapshot);
	CHECK(count_of(OH_FD_USAGE_NORMAL) == 0);
	CHECK(count_of(OH_FD_LIMIT_RESTORED) == 0);
	CHECK(count_of(OH_SERVICE_FLAPPING_ENDED) == 1);
	normal = build(1, 0);
	normal->services[0].fd_known = true;
	normal->services[0].fd_level = HEALTH_OK;
	notify_take(&normal->snapshot);
	CHECK(count_of(OH_FD_USAGE_NORMAL) == 1);
	CHECK(count_of(OH_FD_LIMIT_RESTORED) == 1);
	CHECK(nsent == 6);
}

static void start_is_announced_once(void)
{
	struct config config = { .nservices = 3 };

	notify_release();
	config.agent.notify_budget = 20;
	config.agent.notify_per_ms = 60000;
	nsent = 0;
	notify_init(&config);
	session(true);
	after_ms(5);
	session(false);
	session(true);
	after_ms(5);
	CHECK(count_of(OH_AGENT_STARTED) == 1);
}

int main(void)
{
	setenv("MIBS", "", 1);
	TEST(start_is_announced_once);
	TEST(change_is_sent_once_it_has_lasted_one_interval);
	TEST(change_that_reverts_within_the_interval_is_not_sent);
	TEST(budget_holds_back_and_one_summary_counts_them);
	TEST(budget_zero_sends_nothing);
	TEST(master_back_hears_again_of_what_is_not_ok);
	TEST(recovery_while_master_away_is_sent_when_it_is_back);
	TEST(broken_at_start_is_announced_once_judged);
	TEST(probe_failing_below_fail_after_is_not_announced);
	TEST(restarts_in_the_history_are_not_announced_again);
	TEST(rejected_reload_is_announced_with_its_error);
	TEST(fd_and_flapping_states_are_announced_both_ways);
	notify_release();
	for (size_t i = 0; i < nsnapshots; i++)
		free(snapshots[i]);
	UNIT_EXIT();
}
