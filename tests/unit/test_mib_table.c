/* Unit tests for the sorted-row GET/GETNEXT lookup every table uses. */
#include "mib.h"
#include "mib_table.h"
#include "unit.h"

static const oid entry[] = { 1, 3, 6, 1, 4, 1, 8072, 9999, 9999, 4242, 1, 3, 1 };
#define ENTRY_LEN (sizeof(entry) / sizeof(entry[0]))

/* The handler's snapshot source; the lookup under test is given its rows directly. */
const struct snapshot *mib_snapshot(void)
{
	return NULL;
}

static struct service_row rows[3];
static struct mib_table table = {
	.name = "test",
	.served_columns = 1u << 2 | 1u << 3 | 1u << 13,
};

/* The cells a test leaves without a value: absent[row][column]. */
static bool absent[3][32];

static bool row_has(const void *row, unsigned column)
{
	return !absent[(const struct service_row *)row - rows][column];
}

/* Rows "db", "web", "cache" sorted as SNMP orders them: by length, then bytes. */
static struct mib_rows make_rows(void)
{
	static const char *const names[] = { "db", "web", "cache" };

	memset(rows, 0, sizeof(rows));
	memset(absent, 0, sizeof(absent));
	table.has = NULL;
	for (int i = 0; i < 3; i++)
		row_index_add_string(&rows[i].index, names[i]);
	memcpy(table.entry, entry, sizeof(entry));
	table.entry_len = ENTRY_LEN;
	return (struct mib_rows){ .base = rows, .count = 3, .stride = sizeof(rows[0]) };
}

/* NAME = entry . column . INDEX (or a bare prefix when column is 0). */
static size_t instance_of(oid *name, unsigned column, const struct row_index *index)
{
	size_t len = ENTRY_LEN;

	memcpy(name, entry, sizeof(entry));
	if (column == 0)
		return len;
	name[len++] = column;
	for (uint32_t i = 0; index && i < row_index_len(index); i++)
		name[len++] = row_index_sub(index, i);
	return len;
}

static size_t instance(oid *name, unsigned column, const struct service_row *row)
{
	return instance_of(name, column, row ? &row->index : NULL);
}

static void get_finds_the_exact_row(void)
{
	struct mib_rows r = make_rows();
	oid name[MAX_OID_LEN];
	unsigned column = 0;
	size_t len = instance(name, 3, &rows[1]);

	CHECK(mib_table_find(&table, r, name, len, 1, &column) == &rows[1] && column == 3);
	len = instance(name, 4, &rows[1]); /* column not served */
	CHECK(mib_table_find(&table, r, name, len, 1, &column) == NULL);
	len = instance(name, 3, &rows[1]);
	name[len - 1]++; /* "wec": no such row */
	CHECK(mib_table_find(&table, r, name, len, 1, &column) == NULL);
	CHECK(mib_table_find(&table, r, name, ENTRY_LEN + 1, 1, &column) == NULL);
}

static void getnext_walks_columns_then_rows(void)
{
	struct mib_rows r = make_rows();
	oid name[MAX_OID_LEN];
	unsigned column = 0;
	size_t len;

	/* From the entry itself: first served column, first row. */
	len = instance(name, 0, NULL);
	CHECK(mib_table_find(&table, r, name, len, 0, &column) == &rows[0] && column == 2);
	/* From before the table. */
	CHECK(mib_table_find(&table, r, entry, 7, 0, &column) == &rows[0] && column == 2);
	/* Within a column: the next row. */
	len = instance(name, 2, &rows[0]);
	CHECK(mib_table_find(&table, r, name, len, 0, &column) == &rows[1] && column == 2);
	/* Last row of a column: first row of the next served column (skipping unserved). */
	len = instance(name, 3, &rows[2]);
	CHECK(mib_table_find(&table, r, name, len, 0, &column) == &rows[0] && column == 13);
	/* An index between rows ("dz" sorts after "db"). */
	len = instance(name, 2, &rows[0]);
	name[len - 1] = 'z';
	CHECK(mib_table_find(&table, r, name, len, 0, &column) == &rows[1] && column == 2);
	/* A bare column OID: its first row. */
	len = instance(name, 13, NULL);
	CHECK(mib_table_find(&table, r, name, len, 0, &column) == &rows[0] && column == 13);
	/* Past the last served column, and past the table. */
	len = instance(name, 13, &rows[2]);
	CHECK(mib_table_find(&table, r, name, len, 0, &column) == NULL);
	len = instance(name, 20, NULL);
	CHECK(mib_table_find(&table, r, name, len, 0, &column) == NULL);
	name[ENTRY_LEN - 2] = 4; /* the next table */
	CHECK(mib_table_find(&table, r, name, ENTRY_LEN, 0, &column) == NULL);
}

static void get_of_an_absent_cell_is_no_instance(void)
{
	struct mib_rows r = make_rows();
	oid name[MAX_OID_LEN];
	unsigned column = 0;
	size_t len;

	table.has = row_has;
	absent[1][3] = true;
	len = instance(name, 3, &rows[1]);
	CHECK(mib_table_find(&table, r, name, len, 1, &column) == NULL);
	/* The same row in another column, and the same column in another row, are there. */
	len = instance(name, 2, &rows[1]);
	CHECK(mib_table_find(&table, r, name, len, 1, &column) == &rows[1] && column == 2);
	len = instance(name, 3, &rows[2]);
	CHECK(mib_table_find(&table, r, name, len, 1, &column) == &rows[2] && column == 3);
}

static void getnext_skips_absent_cells(void)
{
	struct mib_rows r = make_rows();
	oid name[MAX_OID_LEN];
	unsigned column = 0;
	size_t len;

	table.has = row_has;
	/* In the middle of a column: the row after it. */
	absent[1][2] = true;
	len = instance(name, 2, &rows[0]);
	CHECK(mib_table_find(&table, r, name, len, 0, &column) == &rows[2] && column == 2);
	/* The first cell of the table is absent: the next row of the first column. */
	absent[0][2] = true;
	len = instance(name, 0, NULL);
	CHECK(mib_table_find(&table, r, name, len, 0, &column) == &rows[2] && column == 2);
	/* At the end of a column: the next column's first row that has the cell. */
	absent[2][3] = true;
	absent[0][3] = true;
	len = instance(name, 2, &rows[2]);
	CHECK(mib_table_find(&table, r, name, len, 0, &column) == &rows[1] && column == 3);
	len = instance(name, 3, &rows[1]);
	CHECK(mib_table_find(&table, r, name, len, 0, &column) == &rows[0] && column == 13);
}

static void column_absent_in_every_row_is_skipped(void)
{
	struct mib_rows r = make_rows();
	oid name[MAX_OID_LEN];
	unsigned column = 0;
	size_t len;

	table.has = row_has;
	for (int i = 0; i < 3; i++)
		absent[i][3] = true;
	/* From the last cell of the column before it, and from its bare column OID. */
	len = instance(name, 2, &rows[2]);
	CHECK(mib_table_find(&table, r, name, len, 0, &column) == &rows[0] && column == 13);
	len = instance(name, 3, NULL);
	CHECK(mib_table_find(&table, r, name, len, 0, &column) == &rows[0] && column == 13);
	len = instance(name, 3, &rows[0]);
	CHECK(mib_table_find(&table, r, name, len, 1, &column) == NULL);
	/* The last column absent too: the walk leaves the table. */
	for (int i = 0; i < 3; i++)
		absent[i][13] = true;
	len = instance(name, 2, &rows[2]);
	CHECK(mib_table_find(&table, r, name, len, 0, &column) == NULL);
	/* Every cell absent: nothing at all. */
	for (int i = 0; i < 3; i++)
		absent[i][2] = true;
	len = instance(name, 0, NULL);
	CHECK(mib_table_find(&table, r, name, len, 0, &column) == NULL);
}

static void empty_table_has_no_instances(void)
{
	struct mib_rows r = make_rows();
	oid name[MAX_OID_LEN];
	unsigned column;

	r.count = 0;
	CHECK(mib_table_find(&table, r, name, instance(name, 0, NULL), 0, &column) == NULL);
}

static void rows_sort_by_length_then_bytes(void)
{
	struct row_index a = { 0 }, b = { 0 }, c = { 0 };

	row_index_add_string(&a, "zz");
	row_index_add_string(&b, "aaa");
	row_index_add_string(&c, "zz");
	CHECK(row_index_compare(&a, &b) < 0);
	CHECK(row_index_compare(&b, &a) > 0);
	CHECK(row_index_compare(&a, &c) == 0);
	CHECK(row_index_len(&a) == 3 && row_index_sub(&a, 0) == 2 && row_index_sub(&a, 1) == 'z');
}

static void getnext_from_odd_indexes(void)
{
	struct mib_rows r = make_rows();
	oid name[MAX_OID_LEN];
	unsigned column = 0;
	size_t len = instance(name, 2, NULL);

	/* A zero length sorts before every name. */
	name[len] = 0;
	CHECK(mib_table_find(&table, r, name, len + 1, 0, &column) == &rows[0] && column == 2);
	/* "d" then a sub-id no byte reaches: after "db", before "web". */
	name[len] = 2;
	name[len + 1] = 'd';
	name[len + 2] = 300;
	CHECK(mib_table_find(&table, r, name, len + 3, 0, &column) == &rows[1] && column == 2);
	CHECK(mib_table_find(&table, r, name, len + 3, 1, &column) == NULL);
	/* Only the length of "web": the row itself is next. */
	name[len] = 3;
	CHECK(mib_table_find(&table, r, name, len + 1, 0, &column) == &rows[1] && column == 2);
	/* Longer than every name: the next column. */
	name[len] = 1000;
	CHECK(mib_table_find(&table, r, name, len + 1, 0, &column) == &rows[0] && column == 3);
	/* One sub-id past the index of "cache": the next column. */
	len = instance(name, 2, &rows[2]);
	name[len] = 0;
	CHECK(mib_table_find(&table, r, name, len + 1, 0, &column) == &rows[0] && column == 3);
}

/* A table serving columns 2 and 3, every cell of them. */
static struct mib_table two_columns(void)
{
	struct mib_table two = { .name = "two columns", .served_columns = 1u << 2 | 1u << 3 };

	memcpy(two.entry, entry, sizeof(entry));
	two.entry_len = ENTRY_LEN;
	return two;
}

static void add_restart(struct restart_row *row, const char *service, uint32_t number)
{
	memset(row, 0, sizeof(*row));
	row_index_add_string(&row->index, service);
	row_index_add_number(&row->index, number);
	row->restart_index = number;
}

/* ohRestartIndex is one sub-id of any uint32 value, after the service name. */
static void restart_indexes_of_any_size_order_as_oids(void)
{
	static const uint32_t numbers[] = { 65536, 1, 256, UINT32_MAX, 255, 65535 };
	static const uint32_t sorted[] = { 1, 255, 256, 65535, 65536, UINT32_MAX };
	struct restart_row restarts[7];
	struct snapshot s = { .restarts = restarts, .nrestarts = 7 };
	struct mib_rows r = { .base = restarts, .count = 7, .stride = sizeof(restarts[0]) };
	struct mib_table columns = two_columns();
	oid name[MAX_OID_LEN];
	unsigned column = 0;
	size_t len;

	for (int i = 0; i < 6; i++)
		add_restart(&restarts[i], "svc", numbers[i]);
	add_restart(&restarts[6], "zz", 70000); /* a shorter name sorts first */
	snapshot_sort(&s);
	CHECK(restarts[0].restart_index == 70000);
	for (int i = 0; i < 6; i++) {
		CHECK(restarts[i + 1].restart_index == sorted[i]);
		CHECK(row_index_len(&restarts[i + 1].index) == 5 &&
		      row_index_sub(&restarts[i + 1].index, 4) == sorted[i]);
	}
	/* Each row by GET; GETNEXT from each the one after it, then the next column. */
	for (int i = 0; i < 7; i++) {
		len = instance_of(name, 2, &restarts[i].index);
		CHECK(name[len - 1] == restarts[i].restart_index);
		CHECK(mib_table_find(&columns, r, name, len, 1, &column) == &restarts[i]);
		CHECK(mib_table_find(&columns, r, name, len, 0, &column) ==
		      (i < 6 ? &restarts[i + 1] : &restarts[0]));
		CHECK(column == (i < 6 ? 2u : 3u));
	}
	/* Between rows, before the first, and past a full index. */
	len = instance_of(name, 2, &restarts[1].index);
	name[len - 1] = 300;
	CHECK(mib_table_find(&columns, r, name, len, 0, &column) == &restarts[4]);
	CHECK(mib_table_find(&columns, r, name, len, 1, &column) == NULL);
	CHECK(mib_table_find(&columns, r, name, len - 1, 0, &column) == &restarts[1]);
	name[len - 1] = 255;
	name[len] = 7;
	CHECK(mib_table_find(&columns, r, name, len + 1, 0, &column) == &restarts[3]);
}

/* Service rows NAMES in the order SNMP gives them, as a table. */
static struct mib_rows service_rows(struct service_row *services, const char *const *names,
				    size_t count)
{
	struct snapshot s = { .services = services, .nservices = count };

	memset(services, 0, count * sizeof(*services));
	for (size_t i = 0; i < count; i++) {
		services[i].name = names[i];
		row_index_add_string(&services[i].index, names[i]);
	}
	snapshot_sort(&s);
	return (struct mib_rows){ .base = services, .count = count, .stride = sizeof(*services) };
}

static void names_with_high_bytes_order_as_unsigned(void)
{
	static const char *const names[] = { "yy", "x\xff", "x\x80", "x\x7f", "caf\xc3\xa9" };
	struct service_row services[5];
	struct mib_rows r = service_rows(services, names, 5);
	struct mib_table columns = two_columns();
	oid name[MAX_OID_LEN];
	unsigned column = 0;
	size_t len;

	CHECK(strcmp(services[0].name, "x\x7f") == 0 && strcmp(services[1].name, "x\x80") == 0 &&
	      strcmp(services[2].name, "x\xff") == 0 && strcmp(services[3].name, "yy") == 0 &&
	      strcmp(services[4].name, "caf\xc3\xa9") == 0);
	len = instance(name, 2, &services[2]);
	CHECK(len == ENTRY_LEN + 4 && name[len - 2] == 'x' && name[len - 1] == 255);
	CHECK(mib_table_find(&columns, r, name, len, 1, &column) == &services[2]);
	CHECK(mib_table_find(&columns, r, name, len, 0, &column) == &services[3]);
	len = instance(name, 2, &services[4]);
	CHECK(name[len - 2] == 0xc3 && name[len - 1] == 0xa9);
	CHECK(mib_table_find(&columns, r, name, len, 1, &column) == &services[4]);
	/* "x" then a sub-id no byte reaches: after every "x" name. */
	len = instance(name, 2, NULL);
	name[len++] = 2;
	name[len++] = 'x';
	name[len++] = 256;
	CHECK(mib_table_find(&columns, r, name, len, 0, &column) == &services[3]);
}

static void longest_names_fill_the_index(void)
{
	char service[OH_SERVICE_NAME_MAX + 1], probe[OH_PROBE_NAME_MAX + 1], longer[80];
	struct probe_row probes[2] = { 0 };
	struct mib_rows r = { .base = probes, .count = 2, .stride = sizeof(probes[0]) };
	struct mib_table columns = two_columns();
	struct row_index cut = { 0 };
	struct restart_row restart;
	oid name[MAX_OID_LEN];
	unsigned column = 0;
	size_t len;

	memset(service, 0xff, OH_SERVICE_NAME_MAX);
	service[OH_SERVICE_NAME_MAX] = '\0';
	memset(probe, 'p', OH_PROBE_NAME_MAX);
	probe[OH_PROBE_NAME_MAX] = '\0';
	row_index_add_string(&probes[1].index, service);
	row_index_add_string(&probes[1].index, probe);
	probe[OH_PROBE_NAME_MAX - 1] = '\0';
	row_index_add_string(&probes[0].index, service);
	row_index_add_string(&probes[0].index, probe);
	CHECK(row_index_len(&probes[1].index) == ROW_INDEX_BYTES);
	CHECK(row_index_compare(&probes[0].index, &probes[1].index) < 0);
	len = instance_of(name, 2, &probes[1].index);
	CHECK(len == ENTRY_LEN + 1 + ROW_INDEX_BYTES && len <= MAX_OID_LEN);
	CHECK(name[ENTRY_LEN + 1] == OH_SERVICE_NAME_MAX && name[ENTRY_LEN + 2] == 255);
	CHECK(name[ENTRY_LEN + 2 + OH_SERVICE_NAME_MAX] == OH_PROBE_NAME_MAX);
	CHECK(mib_table_find(&columns, r, name, len, 1, &column) == &probes[1]);
	/* The service part alone: its first probe. */
	CHECK(mib_table_find(&columns, r, name, ENTRY_LEN + 2 + OH_SERVICE_NAME_MAX, 0, &column) ==
	      &probes[0]);
	/* A name longer than the room left is cut to it. */
	memset(longer, 'l', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	row_index_add_string(&cut, service);
	row_index_add_string(&cut, longer);
	CHECK(row_index_len(&cut) == ROW_INDEX_BYTES &&
	      row_index_sub(&cut, OH_SERVICE_NAME_MAX + 1) == OH_PROBE_NAME_MAX);
	/* The restart index after the longest service name. */
	add_restart(&restart, service, UINT32_MAX);
	CHECK(row_index_len(&restart.index) == OH_SERVICE_NAME_MAX + 2 &&
	      row_index_sub(&restart.index, OH_SERVICE_NAME_MAX + 1) == UINT32_MAX);
}

static void a_number_ends_the_index(void)
{
	struct row_index index = { 0 };

	row_index_add_string(&index, "svc");
	row_index_add_number(&index, 7);
	row_index_add_number(&index, 8);
	row_index_add_string(&index, "more");
	CHECK(row_index_len(&index) == 5 && row_index_sub(&index, 4) == 7);
}

int main(void)
{
	TEST(get_finds_the_exact_row);
	TEST(getnext_walks_columns_then_rows);
	TEST(get_of_an_absent_cell_is_no_instance);
	TEST(getnext_skips_absent_cells);
	TEST(column_absent_in_every_row_is_skipped);
	TEST(empty_table_has_no_instances);
	TEST(rows_sort_by_length_then_bytes);
	TEST(getnext_from_odd_indexes);
	TEST(restart_indexes_of_any_size_order_as_oids);
	TEST(names_with_high_bytes_order_as_unsigned);
	TEST(longest_names_fill_the_index);
	TEST(a_number_ends_the_index);
	UNIT_EXIT();
}
