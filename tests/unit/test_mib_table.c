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

/* NAME = entry . column . index of ROW (or a bare prefix when column is 0). */
static size_t instance(oid *name, unsigned column, const struct service_row *row)
{
	size_t len = ENTRY_LEN;

	memcpy(name, entry, sizeof(entry));
	if (column == 0)
		return len;
	name[len++] = column;
	for (uint32_t i = 0; row && i < row->index.len; i++)
		name[len++] = row->index.sub[i];
	return len;
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
	CHECK(a.len == 3 && a.sub[0] == 2 && a.sub[1] == 'z');
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
	UNIT_EXIT();
}
