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

/* A Monitoring Plugins threshold range: alert when the value is outside START..END, or
 * inside it with "@". "~" before the colon leaves the start open, nothing after it the end. */
struct range {
	bool set;
	bool inside;                    /* "@": alert inside START..END */
	bool open_start;                /* "~:N" */
	bool open_end;                  /* "N:" */
	double start;
	double end;
	char text[40];                  /* as given (less a trailing unit), for messages */
};

/* Parses TEXT ("10", "10:", "~:10", "10:20", "@10:20"); fills WHY when it is no range. */
int range_parse(const char *text, struct range *range, char *why, size_t why_len);
bool range_alerts(const struct range *range, double value);
/* RANGE with both ends multiplied by FACTOR: a percent range in the unit it is a percent of. */
struct range range_scaled(const struct range *range, double factor);
/* The range as performance data writes it: "10", "10:", "~:10", "10:20", "@10:20". */
const char *range_format(const struct range *range, char *out, size_t out_len);
/* A number as the guidelines allow it in performance data: [-0-9.] only, no exponent. */
const char *plain_decimal(double value, char *out, size_t out_len);

/* Most -v levels the Monitoring Plugins guidelines define. */
#define VERBOSE_MAX 3

struct check_options {
	const char *host;
	unsigned port;
	long version;                   /* SNMP_VERSION_1, SNMP_VERSION_2c or SNMP_VERSION_3 */
	const char *community;
	const char *secname;
	int seclevel;                   /* SNMP_SEC_LEVEL_* */
	const char *auth_protocol;      /* NULL: net-snmp's default */
	const char *auth_passphrase;
	const char *priv_protocol;
	const char *priv_passphrase;
	double timeout_s;               /* the whole run */
	int retries;
	const char *service;            /* NULL with --all */
	struct range fd_warn;           /* percent of the soft limit */
	struct range fd_crit;
	struct range latency_warn;      /* seconds */
	struct range latency_crit;
	double stale_intervals;
	int verbosity;                  /* 0 to VERBOSE_MAX */
};

/* Fills OPTIONS from the command line, --extra-opts expanded first. Returns 0 to go on,
 * 1 when help or the version was printed, -1 with WHY filled when the options are wrong. */
int check_options_parse(int argc, char **argv, struct check_options *options, char *why,
			size_t why_len);

struct option;

/* Replaces every --extra-opts[=[SECTION][@FILE]] in ARGC and ARGV with the options of that
 * ini section (SECTION defaults to PLUGIN), all placed before the command line's own so
 * that those win, as the Monitoring Plugins do. Each key must be one of LONG_OPTIONS or
 * SHORT_OPTIONS. Returns how many arguments now at the front came from files, or -1 with
 * WHY filled. */
int extra_opts_expand(int *argc, char ***argv, const char *plugin,
		      const struct option *long_options, const char *short_options, char *why,
		      size_t why_len);

/* The long text -v adds after the status line. Lines are kept until the verbosity is
 * known, then only those at or below it. */
void verbose_set(int verbosity);
bool verbose_wants(int level);
void verbose(int level, const char *format, ...) __attribute__((format(printf, 2, 3)));
/* Prints the kept lines, each on its own line and with no "|", which would start
 * performance data. */
void verbose_print(void);

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
	/* TLS probes only: whole days until the server certificate's notAfter, negative once
	 * past. Other probes have no ohProbeCertDaysLeft instance. */
	bool cert_known;
	int32_t cert_days_left;
	enum probe_phase failure_phase;   /* where the last failure stopped; none while ok */
	uint32_t accept_stalled_s;        /* ohProbeAcceptStalledFor: 0 unless stalled */
};

struct service_reading {
	char name[OH_SERVICE_NAME_MAX + 1];
	enum service_status status;
	uint32_t pid;
	uint32_t restarts;
	uint32_t zombies;
	/* An fd cell oobhealthd could not read has no instance: never taken for 0. */
	bool fd_open_read;
	bool fd_soft_limit_read;
	uint32_t fd_open;
	uint32_t fd_soft_limit;
	uint32_t fd_warn_pct;
	uint32_t fd_crit_pct;
	enum health health;
	char health_text[256];
	/* TCP connections of its process tree and the stalled ones; no instance (not read)
	 * when oobhealthd could not tell, or the service has no process match. */
	bool connections_read;
	uint32_t connections;
	uint32_t stalled_connections;
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

/* Whether SERVICE's fd use is known: both fd cells answered, with a limit to compare to. */
bool service_fd_known(const struct service_reading *service);

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
