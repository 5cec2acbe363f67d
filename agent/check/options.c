/* check_oobhealth's command line: check_snmp's options for what the two share, the service
 * to check, and the threshold ranges that may tighten oobhealthd's verdict. */
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

/* check_snmp's letters and long names wherever the two plugins mean the same thing. */
static const struct option long_options[] = {
	{ "hostname", required_argument, NULL, 'H' },
	{ "port", required_argument, NULL, 'p' },
	{ "protocol", required_argument, NULL, 'P' },
	{ "community", required_argument, NULL, 'C' },
	{ "seclevel", required_argument, NULL, 'L' },
	{ "secname", required_argument, NULL, 'U' },
	{ "authproto", required_argument, NULL, 'a' },
	{ "authpasswd", required_argument, NULL, 'A' },
	{ "privproto", required_argument, NULL, 'x' },
	{ "privpasswd", required_argument, NULL, 'X' },
	{ "timeout", required_argument, NULL, 't' },
	{ "retries", required_argument, NULL, 'e' },
	{ "warning", required_argument, NULL, 'w' },
	{ "critical", required_argument, NULL, 'c' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "version", no_argument, NULL, 'V' },
	{ "help", no_argument, NULL, 'h' },
	{ "service", required_argument, NULL, 's' },
	{ "all", no_argument, NULL, OPT_ALL },
	{ "stale", required_argument, NULL, OPT_STALE },
	{ NULL, 0, NULL, 0 },
};

/* "+": stop at the first operand, so options keep their places (--extra-opts' come first
 * and the command line's can be told apart); ":": a missing value is reported as such. */
static const char short_options[] = "+:H:p:P:C:L:U:a:A:x:X:t:e:w:c:vVhs:";

static void version(void)
{
	printf("check_oobhealth v%s (oobhealth %s)\n", OOBHEALTH_VERSION, OOBHEALTH_VERSION);
}

static void usage(void)
{
	version();
	printf("\n"
	       "Checks the services oobhealthd watches, through OOBHEALTH-MIB on the host's snmpd.\n"
	       "\n"
	       "Usage:\n"
	       "check_oobhealth -H <host> (-s <service> | --all) [-p <port>] [-P 1|2c|3]\n"
	       "  [-C <community>] [-L <seclevel>] [-U <secname>] [-a <authproto>]\n"
	       "  [-A <authpasswd>] [-x <privproto>] [-X <privpasswd>] [-w <fd>[,<latency>]]\n"
	       "  [-c <fd>[,<latency>]] [-t <timeout>] [-e <retries>] [--stale=<intervals>]\n"
	       "  [-v]... [--extra-opts=[section][@file]]\n"
	       "\n"
	       "Options:\n"
	       " -h, --help\n"
	       "    Print this help (exit status 3, as the Monitoring Plugins do)\n"
	       " -V, --version\n"
	       "    Print the version (exit status 3)\n"
	       " --extra-opts=[section][@file]\n"
	       "    Read options from an ini file before the command line's own; section\n"
	       "    default check_oobhealth, file default as the Monitoring Plugins search it\n"
	       "    ($MP_CONFIG_FILE, $NAGIOS_CONFIG_PATH, /etc/monitoring-plugins/...)\n"
	       " -H, --hostname=ADDRESS\n"
	       "    The snmpd oobhealthd is attached to (name, IPv4 or IPv6 address)\n"
	       " -p, --port=INTEGER\n"
	       "    Its SNMP port (default: 161)\n"
	       " -P, --protocol=[1|2c|3]\n"
	       "    SNMP protocol version (default: 2c)\n"
	       " -C, --community=STRING\n"
	       "    Community for SNMP v1 and v2c (default: public)\n"
	       " -L, --seclevel=[noAuthNoPriv|authNoPriv|authPriv]\n"
	       "    SNMPv3 security level (default: noAuthNoPriv)\n"
	       " -U, --secname=USERNAME\n"
	       "    SNMPv3 user name\n"
	       " -a, --authproto=[MD5|SHA|SHA-224|SHA-256|SHA-384|SHA-512]\n"
	       "    SNMPv3 authentication protocol (default: net-snmp's defAuthType)\n"
	       " -A, --authpasswd=PASSWORD\n"
	       "    SNMPv3 authentication passphrase (8 characters or more)\n"
	       " -x, --privproto=[DES|AES|AES-192|AES-256]\n"
	       "    SNMPv3 privacy protocol (default: net-snmp's defPrivType)\n"
	       " -X, --privpasswd=PASSWORD\n"
	       "    SNMPv3 privacy passphrase (8 characters or more)\n"
	       " -s, --service=NAME\n"
	       "    Check one service\n"
	       " --all\n"
	       "    Check every service; the worst decides\n"
	       " -w, --warning=FD[,LATENCY]\n"
	       "    Warning ranges: FD on fd use in percent of the soft limit (a trailing %%\n"
	       "    allowed), LATENCY on the seconds an answered probe took; either part may\n"
	       "    be empty (-w ,0.5)\n"
	       " -c, --critical=FD[,LATENCY]\n"
	       "    Critical ranges, as -w\n"
	       " -t, --timeout=SECONDS\n"
	       "    For the whole check (default: 10); no answer in time is CRITICAL\n"
	       " -e, --retries=INTEGER\n"
	       "    Retries of each request within the timeout, 0 to 10 (default: 1)\n"
	       " --stale=INTERVALS\n"
	       "    UNKNOWN when oobhealthd's last probe cycle ended more than this many\n"
	       "    intervals (plus that cycle's duration) ago (default: 3)\n"
	       " -v, --verbose\n"
	       "    More detail, up to three times: -v on the status line, -vv the settings\n"
	       "    and oobhealthd's cycle, -vvv every SNMP exchange and the values read\n"
	       "\n"
	       "Ranges, as in https://www.monitoring-plugins.org/doc/guidelines.html#THRESHOLDFORMAT:\n"
	       " 10      alert outside 0..10        10:     alert below 10\n"
	       " ~:10    alert above 10             10:20   alert outside 10..20\n"
	       " @10:20  alert inside 10..20\n"
	       "\n"
	       "oobhealthd's own verdict (ohServiceHealth) always counts: -w and -c can only\n"
	       "make a service's state worse. Exit status: 0 OK, 1 WARNING, 2 CRITICAL,\n"
	       "3 UNKNOWN. See check_oobhealth(1).\n");
}

static int number(const char *text, double *out)
{
	char *end;

	*out = strtod(text, &end);
	return end != text && *end == '\0' && *out >= 0;
}

/* One part of -w/-c: empty leaves it unset; UNIT, if the part ends with it, is dropped. */
static int parse_part(const char *text, size_t len, char unit, struct range *range,
		      const char *what, char *why, size_t why_len)
{
	char part[sizeof(range->text) + 1], reason[160];

	memset(range, 0, sizeof(*range));
	if (len > 0 && text[len - 1] == unit)
		len--;
	if (len == 0)
		return 0;
	if (len >= sizeof(part)) {
		snprintf(why, why_len, "%s: too long a range", what);
		return -1;
	}
	memcpy(part, text, len);
	part[len] = '\0';
	if (range_parse(part, range, reason, sizeof(reason)) < 0) {
		snprintf(why, why_len, "%s: %s", what, reason);
		return -1;
	}
	return 0;
}

/* -w/-c FD[,LATENCY]: a range on fd use in percent of the soft limit (a trailing "%"
 * allowed) and one on answered probes' latency in seconds (a trailing "s" allowed). */
static int parse_thresholds(int letter, const char *text, struct range *fd,
			    struct range *latency, char *why, size_t why_len)
{
	const char *comma = strchr(text, ',');
	size_t fd_len = comma != NULL ? (size_t)(comma - text) : strlen(text);
	char what[64];

	if (comma != NULL && strchr(comma + 1, ',') != NULL) {
		snprintf(why, why_len, "-%c \"%.60s\": give FD[,LATENCY], two ranges at most", letter,
			 text);
		return -1;
	}
	snprintf(what, sizeof(what), "-%c fd part", letter);
	if (parse_part(text, fd_len, '%', fd, what, why, why_len) < 0)
		return -1;
	snprintf(what, sizeof(what), "-%c latency part", letter);
	if (comma != NULL &&
	    parse_part(comma + 1, strlen(comma + 1), 's', latency, what, why, why_len) < 0)
		return -1;
	if (!fd->set && !latency->set) {
		snprintf(why, why_len, "-%c \"%.60s\": give FD[,LATENCY], e.g. 80 or 80,0.5 or ,0.5",
			 letter, text);
		return -1;
	}
	return 0;
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
	if (o->secname == NULL) {
		snprintf(why, why_len, "SNMPv3 needs a user: give -U SECNAME");
		return -1;
	}
	if (o->seclevel != SNMP_SEC_LEVEL_NOAUTH && o->auth_passphrase == NULL) {
		snprintf(why, why_len, "security level %s needs -A AUTHPASSWD",
			 o->seclevel == SNMP_SEC_LEVEL_AUTHPRIV ? "authPriv" : "authNoPriv");
		return -1;
	}
	if (o->seclevel == SNMP_SEC_LEVEL_AUTHPRIV && o->priv_passphrase == NULL) {
		snprintf(why, why_len, "security level authPriv needs -X PRIVPASSWD");
		return -1;
	}
	return 0;
}

/* Where an option came from: an --extra-opts file or the command line itself. */
enum source {
	FROM_NOWHERE,
	FROM_FILE,
	FROM_COMMAND_LINE,
};

static int parse_option(int opt, struct check_options *o, bool *all, char *why,
			size_t why_len)
{
	double value;

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
	case 'P':
		o->version = snmp_version(optarg);
		if (o->version < 0) {
			snprintf(why, why_len, "-P \"%s\": the SNMP protocol version is 1, 2c or 3",
				 optarg);
			return -1;
		}
		break;
	case 'C':
		o->community = optarg;
		break;
	case 'L':
		o->seclevel = security_level(optarg);
		if (o->seclevel < 0) {
			snprintf(why, why_len, "-L \"%s\": noAuthNoPriv, authNoPriv or authPriv",
				 optarg);
			return -1;
		}
		break;
	case 'U':
		o->secname = optarg;
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
		if (!number(optarg, &o->timeout_s) || o->timeout_s <= 0 || o->timeout_s > 3600) {
			snprintf(why, why_len, "-t \"%s\": a timeout is a number of seconds above 0 "
				 "and at most 3600", optarg);
			return -1;
		}
		break;
	case 'e':
		if (!number(optarg, &value) || value > 10 || value != (int)value) {
			snprintf(why, why_len, "-e \"%s\": retries are 0 to 10", optarg);
			return -1;
		}
		o->retries = (int)value;
		break;
	case 'w':
		return parse_thresholds('w', optarg, &o->fd_warn, &o->latency_warn, why, why_len);
	case 'c':
		return parse_thresholds('c', optarg, &o->fd_crit, &o->latency_crit, why, why_len);
	case 'v':
		if (o->verbosity < VERBOSE_MAX)
			o->verbosity++;
		break;
	case 's':
		o->service = optarg;
		break;
	case OPT_ALL:
		*all = true;
		break;
	case OPT_STALE:
		if (!number(optarg, &o->stale_intervals) || o->stale_intervals < 1) {
			snprintf(why, why_len, "--stale \"%s\": a number of intervals, 1 or more",
				 optarg);
			return -1;
		}
		break;
	}
	return 0;
}

int check_options_parse(int argc, char **argv, struct check_options *o, char *why,
			size_t why_len)
{
	enum source service_from = FROM_NOWHERE, all_from = FROM_NOWHERE;
	bool all = false;
	int from_file, opt;

	*o = (struct check_options){ .port = 161, .version = SNMP_VERSION_2c,
				     .community = "public", .seclevel = SNMP_SEC_LEVEL_NOAUTH,
				     .timeout_s = 10, .retries = 1, .stale_intervals = 3 };
	from_file = extra_opts_expand(&argc, &argv, "check_oobhealth", long_options,
				      short_options + 2, why, why_len);
	if (from_file < 0)
		return -1;
	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, short_options, long_options, NULL)) != -1) {
		/* The last argument the option used: its value, or the option itself. */
		enum source from = optind - 1 <= from_file ? FROM_FILE : FROM_COMMAND_LINE;

		switch (opt) {
		case 'h':
			usage();
			return 1;
		case 'V':
			version();
			return 1;
		case ':':
			snprintf(why, why_len, "%s needs a value", argv[optind - 1]);
			return -1;
		case '?':
			if (optopt == 0)
				snprintf(why, why_len, "unknown or ambiguous option %s", argv[optind - 1]);
			else if (optopt < 256 && strchr(short_options + 2, optopt) == NULL)
				snprintf(why, why_len, "unknown option -%c", optopt);
			else
				snprintf(why, why_len, "%s takes no value", argv[optind - 1]);
			return -1;
		}
		if (parse_option(opt, o, &all, why, why_len) < 0)
			return -1;
		/* -s and --all exclude each other; the command line overrides a file's choice. */
		if (opt == 's') {
			if (from == FROM_COMMAND_LINE && all_from == FROM_FILE) {
				all = false;
				all_from = FROM_NOWHERE;
			}
			service_from = from;
		} else if (opt == OPT_ALL) {
			if (from == FROM_COMMAND_LINE && service_from == FROM_FILE) {
				o->service = NULL;
				service_from = FROM_NOWHERE;
			}
			all_from = from;
		}
	}
	if (optind < argc) {
		snprintf(why, why_len, "unexpected argument \"%s\"", argv[optind]);
		return -1;
	}
	return check_combination(o, all, why, why_len);
}
