/* The SNMP thread: AgentX subagent set-up, the agent loop, signals and shutdown. */
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>

#include "snmp_agent.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "handoff.h"
#include "mib.h"
#include "prober.h"

#define APP_NAME "oobhealthd"
#define PROBER_STOP_WAIT_MS 2000

static volatile int running = 1;

static void emit_log(int priority, const char *line)
{
	snmp_log(priority, "%s\n", line);
}

/* The prober published a snapshot or queued log lines. */
static void on_wake(int fd, void *unused)
{
	struct snapshot *snapshot = handoff_take();

	(void)fd;
	(void)unused;
	if (snapshot != NULL)
		mib_serve(snapshot);
	log_drain(emit_log);
}

static void on_signal(int fd, void *unused)
{
	struct signalfd_siginfo info;

	(void)unused;
	while (read(fd, &info, sizeof(info)) == (ssize_t)sizeof(info)) {
		if (info.ssi_signo == SIGHUP) {
			snmp_log(LOG_INFO, "SIGHUP: reloading the configuration\n");
			prober_request_reload();
		} else {
			snmp_log(LOG_INFO, "signal %u: shutting down\n", info.ssi_signo);
			running = 0;
		}
	}
}

/* Signals arrive through a signalfd in the agent loop; every thread keeps them blocked. */
static int block_signals(void)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

static int write_pidfile(const char *path)
{
	char text[32];
	int len = snprintf(text, sizeof(text), "%d\n", (int)getpid());
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0 || write(fd, text, (size_t)len) != len) {
		snmp_log(LOG_ERR, "pidfile %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static void configure_subagent(const struct config *config)
{
	netsnmp_ds_set_boolean(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_ROLE, 1);
	netsnmp_ds_set_string(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_X_SOCKET,
			      config->agent.agentx_socket);
	/* A subagent keeps no net-snmp state on disk and reads no net-snmp config files:
	 * oobhealth.yaml is its only configuration. */
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_READ_CONFIGS, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_SAVE, 1);
}

int snmp_agent_run(struct config *config, const struct agent_options *options)
{
	int signal_fd, wake_fd;

	if (!options->log_chosen) {
		if (options->foreground)
			snmp_enable_stderrlog();
		else
			snmp_enable_syslog_ident(APP_NAME, LOG_DAEMON);
	}
	if (!options->foreground && netsnmp_daemonize(1, options->log_chosen ? 0 : 1) != 0) {
		snmp_log(LOG_ERR, "cannot run in the background\n");
		return 1;
	}
	if (options->pidfile != NULL && write_pidfile(options->pidfile) < 0)
		return 1;
	signal_fd = block_signals();
	wake_fd = handoff_init();
	if (signal_fd < 0 || wake_fd < 0) {
		snmp_log(LOG_ERR, "cannot set up signal or wake-up descriptors: %s\n", strerror(errno));
		return 1;
	}
	configure_subagent(config);
	snmp_log(LOG_INFO, "%s %s: %zu services, AgentX master %s\n", APP_NAME, OOBHEALTH_VERSION,
		 config->nservices, config->agent.agentx_socket);
	init_agent(APP_NAME);
	/* init_agent installs the library's default (15 s); ours must come after it. */
	netsnmp_ds_set_int(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_AGENTX_PING_INTERVAL,
			   (int)config->agent.ping_interval_s);
	mib_register_all();
	init_snmp(APP_NAME);
	register_readfd(signal_fd, on_signal, NULL);
	register_readfd(wake_fd, on_wake, NULL);
	if (prober_start(config) < 0) {
		snmp_log(LOG_ERR, "cannot start the prober thread\n");
		return 1;
	}
	while (running)
		agent_check_and_process(1);
	if (prober_stop(PROBER_STOP_WAIT_MS) < 0)
		snmp_log(LOG_WARNING, "prober still busy after %d ms; exiting without it\n",
			 PROBER_STOP_WAIT_MS);
	log_drain(emit_log);
	snmp_shutdown(APP_NAME);
	mib_release();
	if (options->pidfile != NULL)
		unlink(options->pidfile);
	return 0;
}
