/* check_oobhealth, the Nagios/Icinga plugin: its options, what it reads from OOBHEALTH-MIB
 * and the verdict it prints by the Monitoring Plugins guidelines. */
#ifndef OH_CHECK_H
#define OH_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oobhealth.h"

/* Plugin states; each is also the exit code. */
enum check_state {
	CHECK_OK = 0,
	CHECK_WARNING = 1,
	CHECK_CRITICAL = 2,
	CHECK_UNKNOWN = 3,
};

struct threshold {
	bool set;
	double value;
};

struct check_options {
	const char *host;
	unsigned port;
	long version;                   /* SNMP_VERSION_1, SNMP_VERSION_2c or SNMP_VERSION_3 */
	const char *community;
	const char *user;
	int security_level;             /* SNMP_SEC_LEVEL_* */
	const char *auth_protocol;      /* NULL: net-snmp's default */
	const char *auth_passphrase;
	const char *priv_protocol;
	const char *priv_passphrase;
	double timeout_s;               /* the whole run */
	int retries;
	const char *service;            /* NULL with --all */
	struct threshold fd_warn;       /* percent of the soft limit */
	struct threshold fd_crit;
	struct threshold latency_warn;  /* seconds */
	struct threshold latency_crit;
	double stale_intervals;
};

/* Fills OPTIONS from the command line. Returns 0 to go on, 1 when help or the version was
 * printed, -1 with WHY filled when the command line is wrong. */
int check_options_parse(int argc, char **argv, struct check_options *options, char *why,
			size_t why_len);

struct agent_reading {
	size_t answered;                /* how many of the scalars asked for exist */
	uint32_t services;
	uint32_t snapshot_age_ms;
	uint32_t interval_ms;
	uint32_t last_cycle_ms;
};

struct probe_reading {
	char name[OH_PROBE_NAME_MAX + 1];
	size_t service;                 /* position in reading.services */
	enum probe_status status;
	uint32_t latency_us;
	uint32_t accept_queue;
	uint32_t accept_backlog;
	uint32_t timeout_ms;
};

struct service_reading {
	char name[OH_SERVICE_NAME_MAX + 1];
	enum service_status status;
	uint32_t pid;
	uint32_t restarts;
	uint32_t zombies;
	uint32_t fd_open;
	uint32_t fd_soft_limit;
	uint32_t fd_warn_pct;
	uint32_t fd_crit_pct;
	enum health health;
	char health_text[256];
};

struct reading {
	struct agent_reading agent;
	struct service_reading *services;
	size_t nservices;
	struct probe_reading *probes;
	size_t nprobes;
};

/* How a conversation with the master agent ended. */
enum link_result {
	LINK_OK = 0,
	LINK_TIMEOUT,                   /* no answer within the deadline */
	LINK_NOT_SERVED,                /* the master answered noSuchObject: nobody serves it */
	LINK_ERROR,                     /* anything else; the text says what */
};

struct snmp_link;

/* Reads the ohAgent scalars the verdict needs. */
enum link_result read_agent(struct snmp_link *link, struct agent_reading *agent, char *why,
			    size_t why_len);

/* Reads the service and probe rows of SERVICE, or of every service when SERVICE is NULL. */
enum link_result read_services(struct snmp_link *link, const char *service,
			       struct reading *reading, char *why, size_t why_len);
void reading_clear(struct reading *reading);

/* The verdict on one service: its state and one line saying why. */
struct service_verdict {
	enum check_state state;
	char text[512];
};

void judge_service(const struct check_options *options, const struct reading *reading,
		   size_t service, struct service_verdict *verdict);

/* Nonzero when A is worse than B (critical > unknown > warning > ok). */
int check_state_worse(enum check_state a, enum check_state b);
const char *check_state_name(enum check_state state);

/* Appends SERVICE's performance data, each label prefixed with PREFIX, to OUT. */
void format_perfdata(const struct check_options *options, const struct reading *reading,
		     size_t service, const char *prefix, char *out, size_t out_len);

#endif
