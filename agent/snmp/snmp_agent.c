/* The SNMP thread: AgentX subagent set-up, the agent loop, signals and shutdown, with the
 * daemon's manners around them: one instance per state file and pidfile, log files let go
 * on SIGHUP. */
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>

#include "snmp_agent.h"
#include "log.h"

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "agentx_master.h"
#include "daemon_pidfile.h"
#include "handoff.h"
#include "lock_file.h"
#include "mib.h"
#include "notify.h"
#include "prober.h"
#include "state_file.h"

#define APP_NAME "oobhealthd"
#define PROBER_STOP_WAIT_MS 2000

static volatile int running = 1;
static int exit_code;

/* Who this process runs as, for the hints in its log lines. */
static char own_user[64], own_group[64];

static void emit_log(int priority, const char *line)
{
	snmp_log(priority, "%s\n", line);
}

/* Why start-up ends: logged, and printed too when the log is not stderr, so whoever ran
 * the command sees it where they typed it. */
static void startup_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void startup_error(const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	snmp_log(LOG_ERR, "%s\n", line);
	if (!snmp_stderrlog_status())
		fprintf(stderr, "%s: %s\n", APP_NAME, line);
}

static void note_own_names(void)
{
	struct passwd *pw = getpwuid(geteuid());
	struct group *gr = getgrgid(getegid());

	if (pw != NULL)
		snprintf(own_user, sizeof(own_user), "%s", pw->pw_name);
	else
		snprintf(own_user, sizeof(own_user), "%u", (unsigned)geteuid());
	if (gr != NULL)
		snprintf(own_group, sizeof(own_group), "%s", gr->gr_name);
	else
		snprintf(own_group, sizeof(own_group), "%u", (unsigned)getegid());
}

/* The prober published a snapshot or queued log lines. */
static void on_wake(int fd, void *unused)
{
	struct snapshot *snapshot = handoff_take();

	(void)fd;
	(void)unused;
	if (snapshot != NULL) {
		mib_serve(snapshot);
		notify_take(snapshot);
	}
	log_drain(emit_log);
}

/* ---- signals ---- */

/* Closes and reopens every -Lf file, so a rotated log is let go. netsnmp_logging_restart()
 * does this too, but skips the files registered before a syslog handler (-Lf FILE -Ls d). */
static void reopen_log_files(void)
{
	snmp_disable_filelog();
	snmp_enable_filelog(NULL, 1);
}

static void on_signal(int fd, void *unused)
{
	struct signalfd_siginfo info;

	(void)unused;
	while (read(fd, &info, sizeof(info)) == (ssize_t)sizeof(info)) {
		if (info.ssi_signo == SIGHUP) {
			reopen_log_files();
			snmp_log(LOG_INFO, "SIGHUP: log files reopened, reloading the configuration\n");
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

/* ---- one instance per state file and per pidfile ---- */

/* The running instance as a refused one names it: the pid found in the file it locked. */
static const char *name_holder(pid_t holder, char *who, size_t who_len)
{
	if (holder > 0)
		snprintf(who, who_len, "pid %d", (int)holder);
	else
		snprintf(who, who_len, "its pid not yet recorded");
	return who;
}

/* Creates the state directory when missing and takes the lock beside the state file.
 * Returns 0 to go on (with *LOCK_FD -1 when there is no lock to hold) or -1 when another
 * instance holds the lock. */
static int claim_state_file(const char *state_file, int *lock_fd)
{
	char dir[PATH_MAX] = "", lock_path[PATH_MAX], error[PATH_MAX + 128];
	int made = state_dir_prepare(state_file, dir, sizeof(dir), error, sizeof(error));
	pid_t holder;

	*lock_fd = -1;
	if (made < 0) {
		snmp_log(LOG_ERR, "%s; the restart history will not be kept, and a second oobhealthd "
			 "is not kept off it: create the directory for user %s (install -d -m 0750 "
			 "-o %s -g %s %s; systemd's StateDirectory=oobhealth does this) or set "
			 "agent.state_file to a file in a directory %s can write\n", error, own_user,
			 own_user, own_group, dir, own_user);
		return 0;
	}
	if (made > 0)
		snmp_log(LOG_NOTICE, "created the state directory %s\n", dir);
	*lock_fd = state_lock_take(state_file, lock_path, sizeof(lock_path), &holder, error,
				   sizeof(error));
	if (*lock_fd == -2) {
		char who[32];

		startup_error("another oobhealthd (%s) is running with the state file %s: it holds "
			      "the lock %s. Stop that one first, or give this one its own "
			      "agent.state_file; exiting", name_holder(holder, who, sizeof(who)),
			      state_file, lock_path);
		*lock_fd = -1;
		return -1;
	}
	/* The prober tries again before each write: the history is kept once this is fixed. */
	if (*lock_fd < 0 && (errno == EACCES || errno == EPERM || errno == EROFS))
		snmp_log(LOG_ERR, "%s; %s is not written until the lock can be taken: make %s "
			 "writable for user %s\n", error, state_file, dir, own_user);
	else if (*lock_fd < 0)
		snmp_log(LOG_ERR, "%s; %s is not written until the lock can be taken: remove what "
			 "is at that name (oobhealthd creates its lock file itself)\n", error,
			 state_file);
	return 0;
}

/* ---- the agent ---- */

static void configure_subagent(const struct config *config)
{
	netsnmp_ds_set_boolean(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_ROLE, 1);
	netsnmp_ds_set_string(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_X_SOCKET,
			      config->agent.agentx_socket);
	/* agentx_master.c says why a connection fails; the library's own line gives no
	 * reason and repeats at every attempt. */
	netsnmp_ds_set_boolean(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_NO_CONNECTION_WARNINGS, 1);
	/* A subagent keeps no net-snmp state on disk and reads no net-snmp config files:
	 * oobhealth.yaml is its only configuration. */
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_READ_CONFIGS, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_SAVE, 1);
}

/* Locks the -p pidfile, if any. Returns 0 to go on, or the exit code: another instance
 * holds it, or it cannot be used. */
static int claim_pidfile(struct daemon_pidfile *pidfile)
{
	char error[PATH_MAX + 128];
	pid_t holder;
	int taken;

	if (pidfile->path == NULL)
		return 0;
	taken = daemon_pidfile_claim(pidfile, &holder, error, sizeof(error));
	if (taken == -2) {
		char who[32];

		startup_error("another oobhealthd (%s) is running with the pidfile %s. Stop that "
			      "one first, or give this one its own -p PIDFILE; exiting",
			      name_holder(holder, who, sizeof(who)), pidfile->path);
		return AGENT_EX_ANOTHER_INSTANCE;
	}
	if (taken < 0) {
		startup_error("%s; exiting", error);
		return 1;
	}
	return 0;
}

static void serve(struct config *config, int signal_fd, int wake_fd, int lock_fd)
{
	register_readfd(signal_fd, on_signal, NULL);
	register_readfd(wake_fd, on_wake, NULL);
	if (prober_start(config, lock_fd) < 0) {
		snmp_log(LOG_ERR, "cannot start the prober thread\n");
		exit_code = 1;
		return;
	}
	while (running && !agentx_master_refused())
		agent_check_and_process(1);
	if (agentx_master_refused())
		exit_code = AGENT_EX_ANOTHER_INSTANCE;
	if (prober_stop(PROBER_STOP_WAIT_MS) < 0)
		snmp_log(LOG_WARNING, "prober still busy after %d ms; exiting without it\n",
			 PROBER_STOP_WAIT_MS);
}

int snmp_agent_run(struct config *config, const struct agent_options *options)
{
	struct daemon_pidfile pidfile = { .path = options->pidfile, .fd = -1 };
	char error[PATH_MAX + 64];
	int signal_fd, wake_fd, lock_fd, refused;

	if (!options->log_chosen) {
		if (options->foreground)
			snmp_enable_stderrlog();
		else
			snmp_enable_syslog_ident(APP_NAME, LOG_DAEMON);
	}
	note_own_names();
	/* Before the fork into the background and before anything is written: a refused
	 * second instance fails in the shell that started it, and never reaches snmpd. */
	if (claim_state_file(config->agent.state_file, &lock_fd) < 0)
		refused = AGENT_EX_ANOTHER_INSTANCE;
	else
		refused = claim_pidfile(&pidfile);
	if (refused != 0) {
		if (lock_fd >= 0)
			close(lock_fd);
		config_free(config);
		return refused;
	}
	if (!options->foreground && netsnmp_daemonize(1, options->log_chosen ? 0 : 1) != 0) {
		snmp_log(LOG_ERR, "cannot run in the background\n");
		return 1;
	}
	if (lock_fd >= 0 && lock_file_note_pid(lock_fd, getpid()) < 0)
		snmp_log(LOG_WARNING, "cannot write the pid into the lock beside %s: %s\n",
			 config->agent.state_file, strerror(errno));
	if (pidfile.path != NULL && daemon_pidfile_write(&pidfile, error, sizeof(error)) < 0) {
		startup_error("%s", error);
		daemon_pidfile_release(&pidfile);
		return 1;
	}
	signal_fd = block_signals();
	wake_fd = handoff_init();
	if (signal_fd < 0 || wake_fd < 0) {
		snmp_log(LOG_ERR, "cannot set up signal or wake-up descriptors: %s\n", strerror(errno));
		daemon_pidfile_release(&pidfile);
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
	agentx_master_watch(config, own_user, own_group);
	notify_init(config);
	/* The first connection and registrations happen in here. A signal meanwhile waits in
	 * the signalfd for the agent loop. */
	init_snmp(APP_NAME);
	agentx_master_explain();
	serve(config, signal_fd, wake_fd, lock_fd);
	log_drain(emit_log);
	snmp_shutdown(APP_NAME);
	notify_release();
	mib_release();
	daemon_pidfile_release(&pidfile);
	return exit_code;
}
