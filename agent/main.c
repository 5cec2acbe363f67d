/* oobhealthd's command line: check the config, run one cycle, or run the subagent. */
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>

#include <getopt.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "cycle.h"
#include "probe_pool.h"
#include "oobhealth.h"
#include "report.h"
#include "snmp_agent.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: oobhealthd [-f] [-c FILE] [-x AGENTX_SOCKET] [-L LOGOPTS] [-p PIDFILE]\n"
		"       oobhealthd --check-config [-c FILE]\n"
		"       oobhealthd --once [--json] [-c FILE]\n"
		"\n"
		"  -c FILE        configuration (default %s)\n"
		"  -x SOCKET      AgentX master socket, overrides agent.agentx_socket\n"
		"                 (/path, unix:/path or tcp:host:port)\n"
		"  -f             stay in the foreground\n"
		"  -L LOGOPTS     logging as net-snmp's -L: -Le stderr, -Lf FILE, -Ls daemon, ...\n"
		"  -p PIDFILE     write the daemon's pid to PIDFILE\n"
		"  --check-config parse and validate, print OK or every error; exit 0 or %d\n"
		"  --once         run one probe cycle, print it, exit 0/1/2 by worst health\n"
		"  --json         with --once: print JSON\n"
		"  -V, --version  print the version\n",
		OH_DEFAULT_CONFIG, OH_EX_CONFIG);
}

/* The daemon works from / once in the background, so a path given relative to where it
 * was started is made absolute first. Returns a malloc'd copy, NULL when out of memory. */
static char *absolute(const char *path)
{
	char cwd[4096], *joined;

	if (path[0] == '/' || getcwd(cwd, sizeof(cwd)) == NULL)
		return strdup(path);
	if (asprintf(&joined, "%s/%s", cwd, path) < 0)
		return NULL;
	return joined;
}

/* A -Lf file is opened again by name on SIGHUP, from / once in the background. The -L
 * forms (-Lf F, -LfF, -Lf=F, -LF PRI F, ...) are net-snmp's to parse, so the name it keeps
 * for each log file is made absolute once parsed: the file it opened is the same one.
 * Returns -1 when out of memory. */
static int absolute_log_files(void)
{
	for (netsnmp_log_handler *logh = get_logh_head(); logh != NULL; logh = logh->next) {
		char *path;

		if (logh->type != NETSNMP_LOGHANDLER_FILE || logh->token == NULL ||
		    logh->token[0] == '/')
			continue;
		path = absolute(logh->token);
		if (path == NULL)
			return -1;
		free((char *)logh->token);
		logh->token = path;
	}
	return 0;
}

static struct config *load_or_report(const char *path)
{
	struct config_errors errors = { 0 };
	struct config *config = config_load(path, &errors);

	for (size_t i = 0; i < errors.count; i++)
		fprintf(stderr, "%s\n", errors.lines[i]);
	config_errors_clear(&errors);
	return config;
}

static int check_config(const char *path)
{
	struct config_errors errors = { 0 };
	struct config *config = config_load(path, &errors);

	if (config == NULL) {
		for (size_t i = 0; i < errors.count; i++)
			printf("%s\n", errors.lines[i]);
		config_errors_clear(&errors);
		return OH_EX_CONFIG;
	}
	printf("OK\n");
	config_free(config);
	return 0;
}

static int run_once(const char *path, bool json)
{
	struct prober_state state;
	struct config *config = load_or_report(path);
	struct snapshot *snapshot;
	char why[256];
	int code;

	if (config == NULL)
		return OH_EX_CONFIG;
	/* One cycle reads /proc once: nothing to follow events for. */
	prober_state_init(&state, true, why, sizeof(why));
	/* One cycle on its own: the state file belongs to the daemon and is left alone. */
	snapshot = cycle_run(config, &state);
	probe_pool_stop();
	prober_state_free(&state);
	config_free(config);
	if (snapshot == NULL) {
		fprintf(stderr, "out of memory\n");
		return 2;
	}
	if (json)
		report_json(stdout, snapshot);
	else
		report_table(stdout, snapshot);
	code = health_exit_code(snapshot_worst_health(snapshot));
	snapshot_free(snapshot);
	return code;
}

int main(int argc, char **argv)
{
	enum { OPT_CHECK = 256, OPT_ONCE, OPT_JSON };
	static const struct option long_options[] = {
		{ "check-config", no_argument, NULL, OPT_CHECK },
		{ "once", no_argument, NULL, OPT_ONCE },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config_path = OH_DEFAULT_CONFIG, *agentx_socket = NULL;
	struct agent_options options = { 0 };
	bool check = false, once = false, json = false, out_of_memory;
	char *daemon_config_path, *pidfile = NULL;
	struct config *config;
	int opt, code;

	/* The subagent resolves no MIB names: loading MIB files only costs time and noise. */
	/* Probe threads allocate little; an arena each would keep megabytes resident. */
	mallopt(M_ARENA_MAX, 2);
	setenv("MIBS", "", 1);
	/* Before -L is parsed: a syslog handler takes its ident from here ("net-snmp" else). */
	snmp_log_syslogname("oobhealthd");
	while ((opt = getopt_long(argc, argv, "fc:x:L:p:hV", long_options, NULL)) != -1) {
		switch (opt) {
		case 'f':
			options.foreground = true;
			break;
		case 'c':
			config_path = optarg;
			break;
		case 'x':
			agentx_socket = optarg;
			break;
		case 'L':
			if (snmp_log_options(optarg, argc, argv) < 0) {
				fprintf(stderr, "oobhealthd: bad -L option \"%s\"\n", optarg);
				return 64;
			}
			options.log_chosen = true;
			break;
		case 'p':
			options.pidfile = optarg;
			break;
		case OPT_CHECK:
			check = true;
			break;
		case OPT_ONCE:
			once = true;
			break;
		case OPT_JSON:
			json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("oobhealthd %s\n", OOBHEALTH_VERSION);
			return 0;
		default:
			usage(stderr);
			return 64;
		}
	}
	if (optind < argc || (check && once) || (json && !once)) {
		usage(stderr);
		return 64;
	}
	if (check)
		return check_config(config_path);
	if (once)
		return run_once(config_path, json);
	config_path = daemon_config_path = absolute(config_path);
	out_of_memory = config_path == NULL;
	if (options.pidfile != NULL) {
		options.pidfile = pidfile = absolute(options.pidfile);
		out_of_memory = out_of_memory || pidfile == NULL;
	}
	if (out_of_memory || absolute_log_files() < 0) {
		fprintf(stderr, "oobhealthd: out of memory\n");
		return 1;
	}
	config = load_or_report(config_path);
	if (config == NULL)
		return OH_EX_CONFIG;
	if (agentx_socket != NULL) {
		free(config->agent.agentx_socket);
		config->agent.agentx_socket = strdup(agentx_socket);
	}
	code = snmp_agent_run(config, &options);
	free(pidfile);
	free(daemon_config_path);
	return code;
}
