/* check_oobhealth's command line: SNMP options spelled as net-snmp's tools spell them, the
 * service to check, and the thresholds that may tighten oobhealthd's verdict. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>

#include "check.h"

enum long_only {
	OPT_ALL = 256,
	OPT_STALE,
};

static const struct option long_options[] = {
	{ "hostname", required_argument, NULL, 'H' },
	{ "port", required_argument, NULL, 'p' },
	{ "protocol", required_argument, NULL, 'v' },
	{ "community", required_argument, NULL, 'c' },
	{ "secname", required_argument, NULL, 'u' },
	{ "seclevel", required_argument, NULL, 'l' },
	{ "authproto", required_argument, NULL, 'a' },
	{ "authpasswd", required_argument, NULL, 'A' },
	{ "privproto", required_argument, NULL, 'x' },
	{ "privpasswd", required_argument, NULL, 'X' },
	{ "timeout", required_argument, NULL, 't' },
	{ "retries", required_argument, NULL, 'r' },
	{ "service", required_argument, NULL, 's' },
	{ "all", no_argument, NULL, OPT_ALL },
	{ "warning", required_argument, NULL, 'w' },
	{ "critical", required_argument, NULL, 'C' },
	{ "stale", required_argument, NULL, OPT_STALE },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void usage(void)
{
	printf("Usage: check_oobhealth -H HOST [-p PORT] [-v 1|2c|3] [-c COMMUNITY]\n"
	       "         [-u USER -l noAuthNoPriv|authNoPriv|authPriv -a PROTO -A PASS -x PROTO -X PASS]\n"
	       "         (-s SERVICE | --all) [-w FD%%[,LATENCY]] [-C FD%%[,LATENCY]]\n"
	       "         [-t SECONDS] [-r RETRIES] [--stale INTERVALS]\n"
	       "\n"
	       "Checks services watched by oobhealthd through OOBHEALTH-MIB.\n"
	       "\n"
	       " -H, --hostname HOST    the snmpd oobhealthd is attached to\n"
	       " -p, --port PORT        its SNMP port (default 161)\n"
	       " -v, --protocol 1|2c|3  SNMP version (default 2c)\n"
	       " -c, --community NAME   community for v1/v2c (default public)\n"
	       " -u, -l, -a, -A, -x, -X SNMPv3 user, security level, authentication protocol\n"
	       "                        (MD5, SHA, SHA-224, SHA-256, ...) and passphrase, privacy\n"
	       "                        protocol (DES, AES, ...) and passphrase, as snmpget spells them\n"
	       " -s, --service NAME     check one service\n"
	       "     --all              check every service; the worst decides\n"
	       " -w, --warning FD%%[,LATENCY]  warn when fd use reaches FD%% of the soft limit,\n"
	       "                        or a probe answers in LATENCY seconds or more\n"
	       " -C, --critical FD%%[,LATENCY] the same for critical (-c is the community,\n"
	       "                        as in snmpget). Either part may be empty: -w ,0.5\n"
	       " -t, --timeout SECONDS  for the whole check (default 10); no answer is CRITICAL\n"
	       " -r, --retries N        retries of each request within the timeout (default 1)\n"
	       "     --stale INTERVALS  UNKNOWN when oobhealthd's last cycle ended more than this\n"
	       "                        many probe intervals (plus that cycle's duration) ago (default 3)\n"
	       "\n"
	       "oobhealthd's own verdict (ohServiceHealth) always counts: -w and -C can only make\n"
	       "a service's state worse. Exit codes: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.\n");
}

static int number(const char *text, double *out)
{
	char *end;

	*out = strtod(text, &end);
	return end != text && *end == '\0' && *out >= 0;
}

/* "FD%,LATENCY": FD percent (the % optional), LATENCY seconds; either may be empty. */
static int parse_thresholds(const char *text, struct threshold *fd, struct threshold *latency)
{
	char fd_part[64], *latency_part;
	size_t len;

	if (strlen(text) >= sizeof(fd_part))
		return -1;
	strcpy(fd_part, text);
	latency_part = strchr(fd_part, ',');
	if (latency_part != NULL)
		*latency_part++ = '\0';
	len = strlen(fd_part);
	if (len > 0 && fd_part[len - 1] == '%')
		fd_part[len - 1] = '\0';
	if (fd_part[0] != '\0') {
		if (!number(fd_part, &fd->value) || fd->value > 100)
			return -1;
		fd->set = true;
	}
	if (latency_part != NULL && latency_part[0] != '\0') {
		len = strlen(latency_part);
		if (len > 0 && latency_part[len - 1] == 's')
			latency_part[len - 1] = '\0';
		if (!number(latency_part, &latency->value))
			return -1;
		latency->set = true;
	}
	return fd->set || latency->set ? 0 : -1;
}

static int security_level(const char *text)
{
	if (strcasecmp(text, "noAuthNoPriv") == 0 || strcmp(text, "1") == 0)
		return SNMP_SEC_LEVEL_NOAUTH;
	if (strcasecmp(text, "authNoPriv") == 0 || strcmp(text, "2") == 0)
		return SNMP_SEC_LEVEL_AUTHNOPRIV;
	if (strcasecmp(text, "authPriv") == 0 || strcmp(text, "3") == 0)
		return SNMP_SEC_LEVEL_AUTHPRIV;
	return -1;
}

static long snmp_version(const char *text)
{
	if (strcmp(text, "1") == 0)
		return SNMP_VERSION_1;
	if (strcmp(text, "2c") == 0 || strcmp(text, "2") == 0)
		return SNMP_VERSION_2c;
	if (strcmp(text, "3") == 0)
		return SNMP_VERSION_3;
	return -1;
}

static int valid_service_name(const char *name)
{
	size_t len = strlen(name);

	return len >= 1 && len <= OH_SERVICE_NAME_MAX &&
	       strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") ==
		       len;
}

/* What the options say together, once all are read. */
static int check_combination(struct check_options *o, bool all, char *why, size_t why_len)
{
	if (o->host == NULL) {
		snprintf(why, why_len, "no host: give -H HOST");
		return -1;
	}
	if ((o->service != NULL) == all) {
		snprintf(why, why_len, "give exactly one of -s SERVICE and --all");
		return -1;
	}
	if (o->service != NULL && !valid_service_name(o->service)) {
		snprintf(why, why_len, "-s \"%s\": a service name is 1 to %d characters of "
			 "A-Z a-z 0-9 . _ -", o->service, OH_SERVICE_NAME_MAX);
		return -1;
	}
	if (o->version != SNMP_VERSION_3)
		return 0;
	if (o->user == NULL) {
		snprintf(why, why_len, "SNMPv3 needs a user: give -u USER");
		return -1;
	}
	if (o->security_level != SNMP_SEC_LEVEL_NOAUTH && o->auth_passphrase == NULL) {
		snprintf(why, why_len, "security level %s needs -A PASSPHRASE",
			 o->security_level == SNMP_SEC_LEVEL_AUTHPRIV ? "authPriv" : "authNoPriv");
		return -1;
	}
	if (o->security_level == SNMP_SEC_LEVEL_AUTHPRIV && o->priv_passphrase == NULL) {
		snprintf(why, why_len, "security level authPriv needs -X PASSPHRASE");
		return -1;
	}
	return 0;
}

int check_options_parse(int argc, char **argv, struct check_options *o, char *why,
			size_t why_len)
{
	bool all = false;
	double value;
	int opt;

	*o = (struct check_options){ .port = 161, .version = SNMP_VERSION_2c,
				     .community = "public", .security_level = SNMP_SEC_LEVEL_NOAUTH,
				     .timeout_s = 10, .retries = 1, .stale_intervals = 3 };
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":H:p:v:c:u:l:a:A:x:X:t:r:s:w:C:hV", long_options,
				  NULL)) != -1) {
		switch (opt) {
		case 'H':
			o->host = optarg;
			break;
		case 'p':
			if (!number(optarg, &value) || value < 1 || value > 65535 ||
			    value != (unsigned)value) {
				snprintf(why, why_len, "-p \"%s\": a port is 1 to 65535", optarg);
				return -1;
			}
			o->port = (unsigned)value;
			break;
		case 'v':
			o->version = snmp_version(optarg);
			if (o->version < 0) {
				snprintf(why, why_len, "-v \"%s\": the SNMP version is 1, 2c or 3", optarg);
				return -1;
			}
			break;
		case 'c':
			o->community = optarg;
			break;
		case 'u':
			o->user = optarg;
			break;
		case 'l':
			o->security_level = security_level(optarg);
			if (o->security_level < 0) {
				snprintf(why, why_len, "-l \"%s\": noAuthNoPriv, authNoPriv or authPriv",
					 optarg);
				return -1;
			}
			break;
		case 'a':
			o->auth_protocol = optarg;
			break;
		case 'A':
			o->auth_passphrase = optarg;
			break;
		case 'x':
			o->priv_protocol = optarg;
			break;
		case 'X':
			o->priv_passphrase = optarg;
			break;
		case 't':
			if (!number(optarg, &o->timeout_s) || o->timeout_s <= 0) {
				snprintf(why, why_len, "-t \"%s\": a timeout is a positive number of "
					 "seconds", optarg);
				return -1;
			}
			break;
		case 'r':
			if (!number(optarg, &value) || value > 10 || value != (int)value) {
				snprintf(why, why_len, "-r \"%s\": retries are 0 to 10", optarg);
				return -1;
			}
			o->retries = (int)value;
			break;
		case 's':
			o->service = optarg;
			break;
		case OPT_ALL:
			all = true;
			break;
		case 'w':
		case 'C':
			if (parse_thresholds(optarg, opt == 'w' ? &o->fd_warn : &o->fd_crit,
					     opt == 'w' ? &o->latency_warn : &o->latency_crit) < 0) {
				snprintf(why, why_len, "-%c \"%s\": give FD%%[,LATENCY], e.g. 80%%,0.5 "
					 "(fd use in percent of the soft limit, 0 to 100; probe "
					 "latency in seconds)", opt, optarg);
				return -1;
			}
			break;
		case OPT_STALE:
			if (!number(optarg, &o->stale_intervals) || o->stale_intervals < 1) {
				snprintf(why, why_len, "--stale \"%s\": a number of intervals, 1 or more",
					 optarg);
				return -1;
			}
			break;
		case 'h':
			usage();
			return 1;
		case 'V':
			printf("check_oobhealth %s\n", OOBHEALTH_VERSION);
			return 1;
		case ':':
			snprintf(why, why_len, "%s needs a value", argv[optind - 1]);
			return -1;
		default:
			snprintf(why, why_len, "unknown option %s", argv[optind - 1]);
			return -1;
		}
	}
	if (optind < argc) {
		snprintf(why, why_len, "unexpected argument \"%s\"", argv[optind]);
		return -1;
	}
	return check_combination(o, all, why, why_len);
}
