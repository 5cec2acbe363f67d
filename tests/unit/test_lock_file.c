/* Unit tests for the files oobhealthd locks (the state lock, the pidfile): one holder at a
 * time, named to the next; a fixed mode; never a symlink, FIFO or hard link; the state file
 * written only while its lock is where it was taken. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lock_file.h"
#include "state_file.h"
#include "unit.h"

static char dir[] = "/tmp/oh-unit-lock.XXXXXX";

static void in_dir(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s", dir, name);
}

static void second_taker_is_refused_and_told_the_holder(void)
{
	char path[300], error[600];
	pid_t holder = -1;
	int fd, again;

	in_dir(path, sizeof(path), "held");
	fd = lock_file_take(path, "pidfile", 0644, &holder, error, sizeof(error));
	CHECK(fd >= 0 && holder == 0);
	CHECK(lock_file_note_pid(fd, 4242) == 0);
	/* flock is per open file: a second open in this process is a second taker. */
	again = lock_file_take(path, "pidfile", 0644, &holder, error, sizeof(error));
	CHECK(again == -2 && holder == 4242);
	CHECK(strstr(error, path) != NULL);
	close(fd);
	again = lock_file_take(path, "pidfile", 0644, &holder, error, sizeof(error));
	CHECK(again >= 0);
	close(again);
	unlink(path);
}

static void mode_is_fixed_whatever_the_umask(void)
{
	char path[300], error[600];
	mode_t old = umask(0077);
	struct stat st;
	pid_t holder;
	int fd;

	in_dir(path, sizeof(path), "moded");
	fd = lock_file_take(path, "pidfile", 0644, &holder, error, sizeof(error));
	CHECK(fd >= 0 && stat(path, &st) == 0 && (st.st_mode & 07777) == 0644);
	close(fd);
	chmod(path, 0666);
	fd = lock_file_take(path, "lock file", 0640, &holder, error, sizeof(error));
	CHECK(fd >= 0 && stat(path, &st) == 0 && (st.st_mode & 07777) == 0640);
	close(fd);
	umask(old);
	unlink(path);
}

/* Written whole: a longer stale content leaves nothing behind the pid. */
static void pid_replaces_the_whole_content(void)
{
	char path[300], error[600], text[64] = "";
	pid_t holder;
	int fd, reader;
	ssize_t n;

	in_dir(path, sizeof(path), "stale");
	fd = open(path, O_WRONLY | O_CREAT, 0644);
	CHECK(fd >= 0 && write(fd, "123456789012345\n", 16) == 16);
	close(fd);
	fd = lock_file_take(path, "pidfile", 0644, &holder, error, sizeof(error));
	CHECK(fd >= 0 && holder == 0);
	CHECK(lock_file_note_pid(fd, 77) == 0);
	reader = open(path, O_RDONLY);
	n = read(reader, text, sizeof(text) - 1);
	CHECK(n == 3);
	text[n > 0 ? n : 0] = '\0';
	CHECK_STR(text, "77\n");
	close(reader);
	close(fd);
	unlink(path);
}

static void symlink_fifo_and_hard_link_are_refused(void)
{
	char path[300], target[300], error[600];
	pid_t holder;
	struct stat st;

	in_dir(path, sizeof(path), "planted");
	in_dir(target, sizeof(target), "victim");
	close(open(target, O_WRONLY | O_CREAT, 0600));
	CHECK(symlink(target, path) == 0);
	CHECK(lock_file_take(path, "pidfile", 0644, &holder, error, sizeof(error)) == -1);
	CHECK(strstr(error, "is a symbolic link, which oobhealthd does not follow") != NULL);
	unlink(path);
	CHECK(mkfifo(path, 0600) == 0);
	CHECK(lock_file_take(path, "pidfile", 0644, &holder, error, sizeof(error)) == -1);
	CHECK(strstr(error, "is not a regular file") != NULL);
	unlink(path);
	CHECK(link(target, path) == 0);
	CHECK(lock_file_take(path, "pidfile", 0644, &holder, error, sizeof(error)) == -1);
	CHECK(strstr(error, "has 2 names (hard links)") != NULL);
	CHECK(stat(target, &st) == 0 && st.st_size == 0 && (st.st_mode & 07777) == 0600);
	unlink(path);
	unlink(target);
}

/* The state directory moved away (a symlink or another directory in its place): nothing
 * is written until the name leads to the lock taken at the start again. */
static void state_lock_must_stay_where_it_was_taken(void)
{
	char sub[300], moved[300], state[320], lock_path[340], error[5000];
	pid_t holder;
	int fd, none = -1;

	in_dir(sub, sizeof(sub), "sd");
	in_dir(moved, sizeof(moved), "sd.moved");
	snprintf(state, sizeof(state), "%s/state", sub);
	CHECK(mkdir(sub, 0750) == 0);
	fd = state_lock_take(state, lock_path, sizeof(lock_path), &holder, error, sizeof(error));
	CHECK(fd >= 0);
	CHECK(state_lock_check(&fd, state, error, sizeof(error)) == 0);
	CHECK(rename(sub, moved) == 0 && mkdir(sub, 0750) == 0);
	CHECK(state_lock_check(&fd, state, error, sizeof(error)) == -1);
	CHECK(strstr(error, "is no longer the lock this oobhealthd holds") != NULL);
	CHECK(access(lock_path, F_OK) != 0);
	CHECK(rmdir(sub) == 0 && rename(moved, sub) == 0);
	CHECK(state_lock_check(&fd, state, error, sizeof(error)) == 0);
	/* Not taken at the start: taken at the first write, unless someone else holds it. */
	CHECK(state_lock_check(&none, state, error, sizeof(error)) == -1 && none == -1);
	CHECK(strstr(error, "not written: another oobhealthd") != NULL);
	close(fd);
	CHECK(state_lock_check(&none, state, error, sizeof(error)) == 0 && none >= 0);
	close(none);
	unlink(lock_path);
	rmdir(sub);
}

int main(void)
{
	if (mkdtemp(dir) == NULL)
		return 1;
	TEST(second_taker_is_refused_and_told_the_holder);
	TEST(mode_is_fixed_whatever_the_umask);
	TEST(pid_replaces_the_whole_content);
	TEST(symlink_fifo_and_hard_link_are_refused);
	TEST(state_lock_must_stay_where_it_was_taken);
	rmdir(dir);
	UNIT_EXIT();
}
