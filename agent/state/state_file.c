/* The state file: restart history and the last-seen main processes, kept across restarts
 * of oobhealthd.
 *
 *   oobhealth-state 1
 *   boot <boot_id>
 *   service <name> <pid> <start_ticks> <fd_soft> <last_seen_ms> <restarts> <last_index> <events>
 *   restart <index> <time_ms> <old_pid> <new_pid> <downtime_ms> <old_fd_soft> <new_fd_soft> <old_exit>
 *   end <FNV-1a 64 of every byte before this line, in hex>
 *
 * Each service line is followed by its restart lines, oldest first. old_exit (a wait
 * status, -1 when not known) came later: a restart line without it is read as -1. The end line proves
 * the file is whole: a truncated or edited file is refused rather than half-believed.
 * Beside it, STATE.lock is held by the running oobhealthd, so that two never share it: the
 * file (and its temporary file) is written only while that lock is held. */
#include "state_file.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_values.h"
#include "lock_file.h"

#define STATE_FILE_MAX (64u << 20) /* far above any history agent.history allows */

static uint64_t fnv1a(const char *data, size_t len)
{
	uint64_t hash = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < len; i++) {
		hash ^= (unsigned char)data[i];
		hash *= 0x100000001b3ULL;
	}
	return hash;
}

void state_boot_id(char out[BOOT_ID_MAX])
{
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");

	out[0] = '\0';
	if (f == NULL)
		return;
	if (fgets(out, BOOT_ID_MAX, f) == NULL)
		out[0] = '\0';
	out[strcspn(out, "\n")] = '\0';
	fclose(f);
}

/* ---- reading ---- */

struct reader {
	const char *path;
	char *text;           /* the whole file, NUL-terminated; lines are split in place */
	char *at;             /* start of the next line */
	char *last_line;      /* where the last line starts */
	uint64_t checksum;    /* of every byte before it, taken before the split */
	size_t line;
	char *error;
	size_t error_len;
};

static int refuse(struct reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int refuse(struct reader *r, const char *fmt, ...)
{
	va_list ap;
	int used = snprintf(r->error, r->error_len, "%s:%zu: ", r->path, r->line);

	va_start(ap, fmt);
	if (used >= 0 && (size_t)used < r->error_len)
		vsnprintf(r->error + used, r->error_len - (size_t)used, fmt, ap);
	va_end(ap);
	return -1;
}

/* The next line without its newline, or NULL at the end of the text. */
static char *next_line(struct reader *r)
{
	char *line = r->at, *newline;

	if (*line == '\0')
		return NULL;
	newline = strchr(line, '\n');
	if (newline == NULL) {
		r->at = line + strlen(line);
	} else {
		*newline = '\0';
		r->at = newline + 1;
	}
	r->line++;
	return line;
}

static int parse_restart(struct reader *r, const char *line, struct restart_event *event)
{
	int consumed = -1, exit_consumed = -1;

	if (sscanf(line, "restart %" SCNu32 " %" SCNd64 " %" SCNd32 " %" SCNd32 " %" SCNu32
		   " %" SCNu32 " %" SCNu32 "%n", &event->index, &event->time_ms, &event->old_pid,
		   &event->new_pid, &event->downtime_ms, &event->old_fd_soft, &event->new_fd_soft,
		   &consumed) != 7 || consumed < 0)
		return refuse(r, "expected a restart line, found \"%.40s\"", line);
	event->old_exit = -1;
	if (line[consumed] == '\0')
		return 0;
	if (sscanf(line + consumed, " %" SCNd32 "%n", &event->old_exit, &exit_consumed) != 1 ||
	    exit_consumed < 0 || line[consumed + exit_consumed] != '\0' || event->old_exit < -1 ||
	    event->old_exit > 0xffff)
		return refuse(r, "expected a restart line, found \"%.40s\"", line);
	return 0;
}

static int parse_service(struct reader *r, const char *line, struct service_state *state,
			 size_t *nevents)
{
	char name[OH_SERVICE_NAME_MAX + 2];
	int pid, consumed = -1;

	if (sscanf(line, "service %65s %d %llu %" SCNu32 " %" SCNd64 " %" SCNu32 " %" SCNu32 " %zu%n",
		   name, &pid, &state->start_ticks, &state->fd_soft, &state->last_seen_ms,
		   &state->restarts, &state->last_index, nevents, &consumed) != 8 ||
	    consumed < 0 || line[consumed] != '\0')
		return refuse(r, "expected a service line, found \"%.40s\"", line);
	if (name[0] == '\0' || strlen(name) > OH_SERVICE_NAME_MAX || !name_chars_valid(name))
		return refuse(r, "\"%.40s\" is not a service name", name);
	if (pid < 0)
		return refuse(r, "service %s: pid %d", name, pid);
	if (*nevents > 100000)
		return refuse(r, "service %s: %zu restart lines announced", name, *nevents);
	strcpy(state->name, name);
	state->pid = pid;
	return 0;
}

/* Reads service and restart lines up to the end line, which it returns in END_LINE. */
static int read_services(struct reader *r, struct state_store *store, bool same_boot,
			 char **end_line)
{
	char *line;

	while ((line = next_line(r)) != NULL && strncmp(line, "end ", 4) != 0) {
		struct service_state state = { 0 };
		size_t nevents;
		struct service_state *grown;

		if (parse_service(r, line, &state, &nevents) < 0)
			return -1;
		for (size_t i = 0; i < store->nservices; i++) {
			if (strcmp(store->services[i].name, state.name) == 0)
				return refuse(r, "service %s appears twice", state.name);
		}
		state.seen_this_boot = same_boot;
		state.events = calloc(nevents ? nevents : 1, sizeof(*state.events));
		grown = realloc(store->services, (store->nservices + 1) * sizeof(*grown));
		if (state.events == NULL || grown == NULL) {
			free(state.events);
			return refuse(r, "out of memory");
		}
		store->services = grown;
		store->services[store->nservices++] = state;
		for (size_t i = 0; i < nevents; i++) {
			struct service_state *s = &store->services[store->nservices - 1];
			struct restart_event *event = &s->events[i];

			line = next_line(r);
			if (line == NULL)
				return refuse(r, "service %s: restart %zu of %zu is missing", s->name,
					      i + 1, nevents);
			if (parse_restart(r, line, event) < 0)
				return -1;
			if (event->index > s->last_index || (i > 0 && event->index <= event[-1].index))
				return refuse(r, "service %s: restart index %" PRIu32 " out of order",
					      s->name, event->index);
			s->nevents++;
		}
	}
	if (line == NULL)
		return refuse(r, "the file ends without its \"end\" line (truncated?)");
	*end_line = line;
	return 0;
}

static int read_end(struct reader *r, char *end_line)
{
	uint64_t want;
	int consumed = -1;

	if (sscanf(end_line, "end %" SCNx64 "%n", &want, &consumed) != 1 || consumed < 0 ||
	    end_line[consumed] != '\0')
		return refuse(r, "malformed end line");
	if (end_line != r->last_line)
		return refuse(r, "text after the end line");
	if (want != r->checksum)
		return refuse(r, "checksum mismatch (the file was changed or damaged)");
	return 0;
}

static void take_checksum(struct reader *r)
{
	size_t len = strlen(r->text);

	if (len > 0 && r->text[len - 1] == '\n')
		len--;
	r->last_line = r->text + len;
	while (r->last_line > r->text && r->last_line[-1] != '\n')
		r->last_line--;
	r->checksum = fnv1a(r->text, (size_t)(r->last_line - r->text));
}

/* An unreadable boot id is written as "-", and two of those count as the same boot: a
 * restart of oobhealthd is far more likely than an unnoticed reboot. */
static const char *boot_token(const struct state_store *store)
{
	return store->boot_id[0] != '\0' ? store->boot_id : "-";
}

static int parse_text(struct reader *r, struct state_store *store)
{
	char *line = next_line(r), boot[BOOT_ID_MAX + 1];
	unsigned version;
	int consumed = -1;

	if (line == NULL)
		return refuse(r, "the file is empty (truncated?)");
	if (sscanf(line, "oobhealth-state %u%n", &version, &consumed) != 1 || consumed < 0 ||
	    line[consumed] != '\0')
		return refuse(r, "not an oobhealth state file");
	if (version != STATE_FILE_VERSION)
		return refuse(r, "format version %u; this oobhealthd reads version %d", version,
			      STATE_FILE_VERSION);
	line = next_line(r);
	if (line == NULL || sscanf(line, "boot %40s", boot) != 1)
		return refuse(r, "expected the boot line");
	if (read_services(r, store, strcmp(boot, boot_token(store)) == 0, &line) < 0)
		return -1;
	return read_end(r, line);
}

static char *read_whole(const char *path, size_t *len, int *missing, char *error,
			size_t error_len)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	char *text = NULL;
	size_t have = 0;

	*missing = 0;
	if (fd < 0) {
		int saved = errno;

		*missing = saved == ENOENT;
		/* O_NOFOLLOW's ELOOP, said plainly. */
		if (saved == ELOOP && lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
			snprintf(error, error_len, "%s: is a symbolic link, which oobhealthd does not "
				 "follow", path);
		else
			snprintf(error, error_len, "%s: cannot open: %s", path, strerror(saved));
		return NULL;
	}
	if (fstat(fd, &st) < 0) {
		snprintf(error, error_len, "%s: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > STATE_FILE_MAX) {
		if (S_ISREG(st.st_mode))
			snprintf(error, error_len, "%s: larger than %u bytes", path, STATE_FILE_MAX);
		else
			snprintf(error, error_len, "%s: is a %s, not a regular file", path,
				 S_ISDIR(st.st_mode) ? "directory" : S_ISFIFO(st.st_mode) ? "FIFO" :
				 S_ISSOCK(st.st_mode) ? "socket" : "device");
		close(fd);
		return NULL;
	}
	text = malloc((size_t)st.st_size + 1);
	while (text != NULL && have < (size_t)st.st_size) {
		ssize_t n = read(fd, text + have, (size_t)st.st_size - have);

		if (n < 0) {
			snprintf(error, error_len, "%s: cannot read: %s", path, strerror(errno));
			free(text);
			text = NULL;
		} else if (n == 0) {
			break;
		} else {
			have += (size_t)n;
		}
	}
	close(fd);
	if (text == NULL) {
		if (error[0] == '\0')
			snprintf(error, error_len, "%s: out of memory", path);
		return NULL;
	}
	*len = have;
	return text;
}

int state_file_parse(const char *path, const char *text, size_t len, struct state_store *store,
		     char *error, size_t error_len)
{
	struct reader r = { .path = path, .error = error, .error_len = error_len };

	error[0] = '\0';
	if (memchr(text, '\0', len) != NULL) {
		snprintf(error, error_len, "%s: holds NUL bytes (damaged)", path);
		return -1;
	}
	r.text = malloc(len + 1);
	if (r.text == NULL) {
		snprintf(error, error_len, "%s: out of memory", path);
		return -1;
	}
	memcpy(r.text, text, len);
	r.text[len] = '\0';
	r.at = r.text;
	take_checksum(&r);
	if (parse_text(&r, store) < 0) {
		free(r.text);
		state_store_free(store);
		return -1;
	}
	free(r.text);
	return 0;
}

int state_file_load(const char *path, struct state_store *store, char *error, size_t error_len)
{
	int missing, rc;
	size_t len;
	char *text;

	error[0] = '\0';
	text = read_whole(path, &len, &missing, error, error_len);
	if (text == NULL)
		return missing ? 0 : -1;
	rc = state_file_parse(path, text, len, store, error, error_len);
	free(text);
	return rc < 0 ? -1 : 1;
}

/* ---- writing ---- */

struct buffer {
	char *text;
	size_t len, cap;
	int failed;
};

static void put(struct buffer *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct buffer *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = b->failed ? -1 : vsnprintf(b->text + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->failed = 1;
			return;
		}
		if ((size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		b->cap = b->cap * 2 + (size_t)n + 1;
		char *grown = realloc(b->text, b->cap);

		if (grown == NULL) {
			b->failed = 1;
			return;
		}
		b->text = grown;
	}
}

static void format_store(struct buffer *b, const struct state_store *store)
{
	put(b, "oobhealth-state %d\nboot %s\n", STATE_FILE_VERSION, boot_token(store));
	for (size_t i = 0; i < store->nservices; i++) {
		const struct service_state *s = &store->services[i];

		put(b, "service %s %d %llu %" PRIu32 " %" PRId64 " %" PRIu32 " %" PRIu32 " %zu\n",
		    s->name, (int)s->pid, s->start_ticks, s->fd_soft, s->last_seen_ms, s->restarts,
		    s->last_index, s->nevents);
		for (size_t j = 0; j < s->nevents; j++) {
			const struct restart_event *e = &s->events[j];

			put(b, "restart %" PRIu32 " %" PRId64 " %" PRId32 " %" PRId32 " %" PRIu32
			    " %" PRIu32 " %" PRIu32 " %" PRId32 "\n", e->index, e->time_ms, e->old_pid,
			    e->new_pid, e->downtime_ms, e->old_fd_soft, e->new_fd_soft, e->old_exit);
		}
	}
	if (!b->failed)
		put(b, "end %016" PRIx64 "\n", fnv1a(b->text, b->len));
}

static int write_all(int fd, const char *text, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, text, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		text += n;
		len -= (size_t)n;
	}
	return 0;
}

static int sync_directory(const char *path)
{
	char *copy = strdup(path);
	int fd, rc = -1;

	if (copy == NULL)
		return -1;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(copy);
	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

int state_file_save(const char *path, const struct state_store *store, char *error,
		    size_t error_len)
{
	struct buffer b = { .cap = 4096 };
	char temp[4096];
	const char *step;
	int fd = -1;

	b.text = malloc(b.cap);
	b.failed = b.text == NULL;
	if (!b.failed)
		format_store(&b, store);
	if (b.failed) {
		free(b.text);
		snprintf(error, error_len, "%s: out of memory", path);
		return -1;
	}
	snprintf(temp, sizeof(temp), "%s.tmp", path);
	/* A new file every time, never opened through a symlink someone left at its name;
	 * the lock keeps other instances from writing the same temporary file meanwhile. */
	step = "create";
	if (unlink(temp) < 0 && errno != ENOENT)
		goto fail;
	fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640);
	if (fd < 0)
		goto fail;
	step = "write";
	if (write_all(fd, b.text, b.len) < 0)
		goto fail;
	step = "fsync";
	if (fsync(fd) < 0)
		goto fail;
	step = "close";
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	step = "rename";
	if (rename(temp, path) < 0)
		goto fail;
	free(b.text);
	/* The rename is durable only once the directory is synced; the file itself is
	 * whole either way, so a failure here is reported but the write stands. */
	if (sync_directory(path) < 0) {
		snprintf(error, error_len, "%s: fsync of its directory: %s", path, strerror(errno));
		return -1;
	}
	return 0;
fail:
	snprintf(error, error_len, "%s: %s %s: %s", path, step, temp, strerror(errno));
	if (fd >= 0)
		close(fd);
	if (strcmp(step, "create") != 0)
		unlink(temp);
	free(b.text);
	return -1;
}

int state_file_set_aside(const char *path, char *aside, size_t aside_len)
{
	snprintf(aside, aside_len, "%s.corrupt", path);
	return rename(path, aside);
}

/* ---- the directory and the lock ---- */

int state_dir_prepare(const char *path, char *dir, size_t dir_len, char *error, size_t error_len)
{
	char *copy = strdup(path);
	struct stat st;

	error[0] = '\0';
	dir[0] = '\0';
	if (copy == NULL) {
		snprintf(error, error_len, "%s: out of memory", path);
		return -1;
	}
	snprintf(dir, dir_len, "%s", dirname(copy));
	free(copy);
	if (stat(dir, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return 0;
		snprintf(error, error_len, "state directory %s is not a directory", dir);
		return -1;
	}
	if (errno != ENOENT) {
		snprintf(error, error_len, "state directory %s: %s", dir, strerror(errno));
		return -1;
	}
	/* One level only: a missing parent is a misconfiguration to report, not to paper
	 * over. mkdir never follows a symlink in its last component. */
	if (mkdir(dir, 0750) < 0) {
		snprintf(error, error_len, "state directory %s: cannot create it: %s", dir,
			 strerror(errno));
		return -1;
	}
	return 1;
}

int state_lock_take(const char *path, char *lock_path, size_t lock_path_len, pid_t *holder,
		    char *error, size_t error_len)
{
	snprintf(lock_path, lock_path_len, "%s.lock", path);
	return lock_file_take(lock_path, "lock file", 0640, holder, error, error_len);
}

int state_lock_check(int *fd, const char *path, char *error, size_t error_len)
{
	char lock_path[4096], why[4200];
	pid_t holder;

	if (*fd >= 0) {
		snprintf(lock_path, sizeof(lock_path), "%s.lock", path);
		if (lock_file_is_at(*fd, lock_path))
			return 0;
		/* Taking a lock at the new place would follow wherever the directory now
		 * leads: the file is written only beside the lock held since the start. */
		snprintf(error, error_len, "%s: not written: %s is no longer the lock this "
			 "oobhealthd holds (was the state directory moved, removed or replaced?); "
			 "writing resumes once that name leads to it again, or restart oobhealthd",
			 path, lock_path);
		return -1;
	}
	*fd = state_lock_take(path, lock_path, sizeof(lock_path), &holder, why, sizeof(why));
	if (*fd >= 0) {
		/* Only a refused second instance reads it, to name us. */
		(void)lock_file_note_pid(*fd, getpid());
		return 0;
	}
	if (*fd == -2 && holder > 0)
		snprintf(error, error_len, "%s: not written: another oobhealthd (pid %d) holds its "
			 "lock %s", path, (int)holder, lock_path);
	else if (*fd == -2)
		snprintf(error, error_len, "%s: not written: another oobhealthd holds its lock %s",
			 path, lock_path);
	else
		snprintf(error, error_len, "%s: not written without its lock: %s", path, why);
	*fd = -1;
	return -1;
}
