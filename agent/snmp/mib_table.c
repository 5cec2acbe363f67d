/* One sorted-row GET/GETNEXT lookup that serves every table of the MIB. */
#include "mib_table.h"

#include "mib.h"

static const struct row_index *row_at(struct mib_rows rows, size_t i)
{
	return (const struct row_index *)((const char *)rows.base + i * rows.stride);
}

/* Compares an index given as OID sub-ids with a row's index, in OID order. */
static int index_compare(const oid *sub, size_t len, const struct row_index *index)
{
	uint32_t index_len = row_index_len(index);
	size_t n = len < index_len ? len : index_len;

	for (uint32_t i = 0; i < n; i++) {
		oid index_sub = row_index_sub(index, i);

		if (sub[i] != index_sub)
			return sub[i] < index_sub ? -1 : 1;
	}
	return (len > index_len) - (len < index_len);
}

/* First row whose index is greater than SUB (or equal to it, when INCLUSIVE). */
static size_t lower_row(struct mib_rows rows, const oid *sub, size_t len, int inclusive)
{
	size_t lo = 0, hi = rows.count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int cmp = index_compare(sub, len, row_at(rows, mid));

		if (cmp > 0 || (cmp == 0 && !inclusive))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int served(const struct mib_table *table, oid column)
{
	return column < 32 && (table->served_columns >> column) & 1;
}

static bool has_cell(const struct mib_table *table, struct mib_rows rows, size_t i, oid column)
{
	return table->has == NULL || table->has(row_at(rows, i), (unsigned)column);
}

/* The first row from I on that has a cell in COLUMN, or rows.count when none does. */
static size_t next_with_cell(const struct mib_table *table, struct mib_rows rows, size_t i,
			     oid column)
{
	while (i < rows.count && !has_cell(table, rows, i, column))
		i++;
	return i;
}

static const void *find_exact(const struct mib_table *table, struct mib_rows rows,
			      const oid *name, size_t name_len, unsigned *column)
{
	const oid *sub = name + table->entry_len + 1;
	size_t len = name_len - table->entry_len - 1;
	size_t i;

	if (name_len <= table->entry_len + 1 ||
	    netsnmp_oid_equals(name, table->entry_len, table->entry, table->entry_len) != 0 ||
	    !served(table, name[table->entry_len]))
		return NULL;
	i = lower_row(rows, sub, len, 1);
	if (i == rows.count || index_compare(sub, len, row_at(rows, i)) != 0 ||
	    !has_cell(table, rows, i, name[table->entry_len]))
		return NULL;
	*column = (unsigned)name[table->entry_len];
	return row_at(rows, i);
}

static const void *find_next(const struct mib_table *table, struct mib_rows rows,
			     const oid *name, size_t name_len, unsigned *column)
{
	size_t n = name_len < table->entry_len ? name_len : table->entry_len;
	int cmp = snmp_oid_compare(name, n, table->entry, n);
	oid col = 0;
	size_t first = 0;

	if (rows.count == 0 || cmp > 0)
		return NULL;
	if (cmp == 0 && name_len > table->entry_len) {
		col = name[table->entry_len];
		if (served(table, col)) {
			first = lower_row(rows, name + table->entry_len + 1,
					  name_len - table->entry_len - 1, 0);
			first = next_with_cell(table, rows, first, col);
			if (first < rows.count) {
				*column = (unsigned)col;
				return row_at(rows, first);
			}
		}
		col++;
	}
	/* Then the first cell of each later column: a column may have none. */
	for (; col < 32; col++) {
		if (served(table, col) && (first = next_with_cell(table, rows, 0, col)) < rows.count) {
			*column = (unsigned)col;
			return row_at(rows, first);
		}
	}
	return NULL;
}

const void *mib_table_find(const struct mib_table *table, struct mib_rows rows, const oid *name,
			   size_t name_len, int exact, unsigned *column)
{
	if (exact)
		return find_exact(table, rows, name, name_len, column);
	return find_next(table, rows, name, name_len, column);
}

static void set_instance_oid(const struct mib_table *table, const struct row_index *index,
			     unsigned column, netsnmp_variable_list *var)
{
	oid name[MAX_OID_LEN];
	size_t len = table->entry_len;

	memcpy(name, table->entry, table->entry_len * sizeof(oid));
	name[len++] = column;
	for (uint32_t i = 0; i < row_index_len(index) && len < MAX_OID_LEN; i++)
		name[len++] = row_index_sub(index, i);
	snmp_set_var_objid(var, name, len);
}

int mib_table_add_cell(const struct mib_table *table, const void *row, unsigned column,
		       netsnmp_variable_list **vars)
{
	netsnmp_variable_list *var = snmp_varlist_add_variable(vars, NULL, 0, ASN_NULL, NULL, 0);

	if (var == NULL)
		return -1;
	set_instance_oid(table, row, column, var);
	table->answer(row, column, var);
	return 0;
}

static int table_handler(netsnmp_mib_handler *handler, netsnmp_handler_registration *reginfo,
			 netsnmp_agent_request_info *reqinfo, netsnmp_request_info *requests)
{
	const struct mib_table *table = handler->myvoid;
	const struct snapshot *snapshot = mib_snapshot();
	struct mib_rows rows = { 0 };
	netsnmp_request_info *request;

	(void)reginfo;
	if (snapshot != NULL)
		rows = table->rows(snapshot);
	for (request = requests; request != NULL; request = request->next) {
		netsnmp_variable_list *var = request->requestvb;
		int exact = reqinfo->mode == MODE_GET;
		unsigned column;
		const void *row;

		if (request->processed || (reqinfo->mode != MODE_GET && reqinfo->mode != MODE_GETNEXT))
			continue;
		row = mib_table_find(table, rows, var->name, var->name_length, exact, &column);
		if (row == NULL) {
			/* GETNEXT: left unanswered, the agent moves on to the next subtree. */
			if (exact)
				netsnmp_set_request_error(reqinfo, request,
							  var->name_length > table->entry_len &&
							  served(table, var->name[table->entry_len])
							  ? SNMP_NOSUCHINSTANCE : SNMP_NOSUCHOBJECT);
			continue;
		}
		if (!exact)
			set_instance_oid(table, row, column, var);
		table->answer(row, column, var);
	}
	return SNMP_ERR_NOERROR;
}

void mib_table_register(struct mib_table *table, const oid *entry, size_t entry_len)
{
	netsnmp_mib_handler *handler = netsnmp_create_handler(table->name, table_handler);
	netsnmp_handler_registration *reg;

	memcpy(table->entry, entry, entry_len * sizeof(*entry));
	table->entry_len = entry_len;
	if (handler == NULL)
		goto fail;
	handler->myvoid = table;
	/* Registered at the table OID: the entry OID without its trailing ".1". */
	reg = netsnmp_handler_registration_create(table->name, handler, table->entry,
						  table->entry_len - 1, HANDLER_CAN_RONLY);
	if (reg == NULL || netsnmp_register_handler(reg) != MIB_REGISTERED_OK)
		goto fail;
	return;
fail:
	snmp_log(LOG_ERR, "%s: cannot register %s\n", __func__, table->name);
	exit(1);
}
