/* Serves ohFileTable from the snapshot's file rows. */
#include "mib_table.h"

#include "mib.h"
#include "mib_value.h"

static struct mib_rows file_rows(const struct snapshot *s)
{
	return (struct mib_rows){ .base = s->files, .count = s->nfiles,
				  .stride = sizeof(struct file_row) };
}

/* A file that does not exist, or could not be examined, has no age: not a 0. */
static bool file_has(const void *r, unsigned column)
{
	const struct file_row *row = r;

	return column != OH_FILE_AGE || row->age_known;
}

static void file_answer(const void *r, unsigned column, netsnmp_variable_list *var)
{
	const struct file_row *row = r;

	switch (column) {
	case OH_FILE_PATH:
		mib_set_string(var, row->path);
		break;
	case OH_FILE_STATUS:
		mib_set_integer(var, row->status);
		break;
	case OH_FILE_AGE:
		mib_set_gauge(var, row->age_s);
		break;
	}
}

static struct mib_table file_table = {
	.name = "ohFileTable",
	.served_columns = MIB_COLUMNS(OH_FILE_PATH, OH_FILE_AGE),
	.rows = file_rows,
	.answer = file_answer,
	.has = file_has,
};

void mib_file_register(void)
{
	static const oid entry[] = { OH_FILE_ENTRY };

	mib_table_register(&file_table, entry, OID_LENGTH(entry));
}
