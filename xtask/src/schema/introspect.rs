//! Reads a database's `public` schema from the system catalogs: one query per kind of object,
//! whatever the number of tables, each definition in the server's normalized text.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Context, Result, anyhow};
use sqlx::postgres::PgRow;
use sqlx::{Connection, Executor, PgConnection, Row};

use super::sql::ident;
use super::{
    Column, ColumnSettings, Comment, Constraint, ConstraintKind, Domain, Function, Identity, Index, Object,
    Position, Schema, Sequence, SequenceOptions, Table, View,
};

// Every query keeps to `public`, skips sqlx's bookkeeping table, and skips objects that belong
// to an extension (`pg_depend.deptype = 'e'`): `CREATE EXTENSION` owns those, not the schema.

const ENUMS: &str = "
SELECT t.typname::text AS name, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS labels
FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid
WHERE t.typnamespace = 'public'::regnamespace
  AND NOT EXISTS (SELECT FROM pg_depend x WHERE x.classid = 'pg_type'::regclass AND x.objid = t.oid AND x.deptype = 'e')
GROUP BY t.typname";

// Identity columns' sequences (an internal dependency, `i`) are reported with their column.
const SEQUENCES: &str = "
SELECT c.relname::text AS name, format_type(s.seqtypid, NULL) AS data_type, s.seqstart, s.seqincrement,
       s.seqmin, s.seqmax, s.seqcache, s.seqcycle, o.relname::text AS owner_table, a.attname::text AS owner_column
FROM pg_sequence s
JOIN pg_class c ON c.oid = s.seqrelid
LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid
     AND d.refclassid = 'pg_class'::regclass AND d.refobjsubid > 0 AND d.deptype IN ('a', 'i')
LEFT JOIN pg_class o ON o.oid = d.refobjid
LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
WHERE c.relnamespace = 'public'::regnamespace AND d.deptype IS DISTINCT FROM 'i'
  AND NOT EXISTS (SELECT FROM pg_depend x WHERE x.classid = 'pg_class'::regclass AND x.objid = c.oid AND x.deptype = 'e')";

const TABLES: &str = "
SELECT c.relname::text AS name, dc.description AS comment,
       CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partition_by,
       (SELECT p.relname::text FROM pg_inherits h JOIN pg_class p ON p.oid = h.inhparent
        WHERE h.inhrelid = c.oid AND c.relispartition) AS parent,
       CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END AS bound,
       -- `toast.` options live on the TOAST table; `ALTER TABLE` sets them with that prefix.
       ARRAY(SELECT o FROM unnest(c.reloptions) o
             UNION ALL SELECT 'toast.' || o FROM pg_class t, unnest(t.reloptions) o WHERE t.oid = c.reltoastrelid
             ORDER BY 1) AS storage,
       c.relpersistence = 'u' AS unlogged,
       CASE c.relreplident WHEN 'f' THEN 'FULL' WHEN 'n' THEN 'NOTHING'
            WHEN 'i' THEN 'USING INDEX ' || quote_ident(ri.relname) END AS replica_identity,
       ci.relname::text AS clustered_on
FROM pg_class c
LEFT JOIN (pg_index rx JOIN pg_class ri ON ri.oid = rx.indexrelid) ON rx.indrelid = c.oid AND rx.indisreplident
LEFT JOIN (pg_index cx JOIN pg_class ci ON ci.oid = cx.indexrelid) ON cx.indrelid = c.oid AND cx.indisclustered
LEFT JOIN pg_description dc ON dc.objoid = c.oid AND dc.classoid = 'pg_class'::regclass AND dc.objsubid = 0
WHERE c.relkind IN ('r', 'p') AND c.relnamespace = 'public'::regnamespace AND c.relname <> '_sqlx_migrations'
  AND NOT EXISTS (SELECT FROM pg_depend x WHERE x.classid = 'pg_class'::regclass AND x.objid = c.oid AND x.deptype = 'e')";

/// The filter every per-table query shares, on `c`, the table.
macro_rules! of_tables {
    () => {
        "c.relkind IN ('r', 'p') AND c.relnamespace = 'public'::regnamespace AND c.relname <> '_sqlx_migrations'
  AND NOT EXISTS (SELECT FROM pg_depend x WHERE x.classid = 'pg_class'::regclass AND x.objid = c.oid AND x.deptype = 'e')"
    };
}

const COLUMNS: &str = concat!(
    "
SELECT c.relname::text AS table_name, a.attname::text AS name, a.attnum AS position,
       format_type(a.atttypid, a.atttypmod) AS data_type,
       CASE WHEN a.attcollation <> t.typcollation THEN quote_ident(co.collname) END AS collation,
       a.attnotnull AS not_null,
       CASE WHEN a.attgenerated = '' THEN pg_get_expr(d.adbin, d.adrelid) END AS default_value,
       CASE WHEN a.attgenerated <> '' THEN pg_get_expr(d.adbin, d.adrelid) END AS generated,
       a.attidentity::text AS identity,
       format_type(s.seqtypid, NULL) AS seq_type, s.seqstart, s.seqincrement, s.seqmin, s.seqmax,
       s.seqcache, s.seqcycle,
       dc.description AS comment,
       -- Storage, compression and statistics in one column, NULL when all are at their defaults
       -- (nearly always): one read per row instead of four.
       CASE WHEN a.attstorage <> t.typstorage OR a.attcompression <> '' OR a.attstattarget >= 0 THEN
            concat_ws('|', CASE WHEN a.attstorage <> t.typstorage THEN CASE a.attstorage WHEN 'p' THEN 'PLAIN' WHEN 'e' THEN 'EXTERNAL' WHEN 'm' THEN 'MAIN' ELSE 'EXTENDED' END ELSE '' END,
                      CASE t.typstorage WHEN 'p' THEN 'PLAIN' WHEN 'e' THEN 'EXTERNAL' WHEN 'm' THEN 'MAIN' ELSE 'EXTENDED' END,
                      CASE a.attcompression WHEN 'p' THEN 'pglz' WHEN 'l' THEN 'lz4' ELSE '' END,
                      CASE WHEN a.attstattarget >= 0 THEN a.attstattarget::text ELSE '' END) END AS settings
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_collation co ON co.oid = a.attcollation
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
LEFT JOIN pg_description dc ON dc.objoid = c.oid AND dc.classoid = 'pg_class'::regclass AND dc.objsubid = a.attnum
LEFT JOIN pg_depend i ON a.attidentity <> '' AND i.refclassid = 'pg_class'::regclass AND i.refobjid = c.oid
     AND i.refobjsubid = a.attnum AND i.classid = 'pg_class'::regclass AND i.deptype = 'i'
LEFT JOIN pg_sequence s ON s.seqrelid = i.objid
WHERE a.attnum > 0 AND NOT a.attisdropped AND NOT c.relispartition AND ",
    of_tables!()
);

// `p`, `u`, `f`, `c`, `x`: NOT NULL is a column property here, and constraint triggers are
// reported as triggers.
const CONSTRAINTS: &str = concat!(
    "
SELECT c.relname::text AS table_name, k.conname::text AS name, k.contype::text AS kind,
       pg_get_constraintdef(k.oid) AS definition, r.relname::text AS references
FROM pg_constraint k
JOIN pg_class c ON c.oid = k.conrelid
LEFT JOIN pg_class r ON r.oid = k.confrelid
WHERE k.contype IN ('p', 'u', 'f', 'c', 'x') AND k.conislocal AND k.conparentid = 0 AND ",
    of_tables!()
);

// The name is cut out of the definition (`shape`) so that a renamed index can be recognised.
const INDEXES: &str = concat!(
    "
SELECT c.relname::text AS table_name, i.relname::text AS name, pg_get_indexdef(i.oid) AS definition,
       quote_ident(i.relname) AS quoted_name
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_class c ON c.oid = x.indrelid
WHERE NOT EXISTS (SELECT FROM pg_constraint k WHERE k.conrelid = x.indrelid AND k.conindid = x.indexrelid
                  AND k.contype IN ('p', 'u', 'x'))
  AND NOT EXISTS (SELECT FROM pg_inherits h WHERE h.inhrelid = x.indexrelid)
  AND ",
    of_tables!()
);

const MATERIALIZED_INDEXES: &str = "
SELECT c.relname::text AS table_name, i.relname::text AS name, pg_get_indexdef(i.oid) AS definition,
       quote_ident(i.relname) AS quoted_name
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_class c ON c.oid = x.indrelid
WHERE c.relkind = 'm' AND c.relnamespace = 'public'::regnamespace";

const DOMAINS: &str = "
SELECT t.typname::text AS name, format_type(t.typbasetype, t.typtypmod) AS base,
       pg_get_expr(t.typdefaultbin, 0) AS default_value, t.typnotnull AS not_null,
       coalesce((SELECT array_agg(k.conname::text ORDER BY k.conname) FROM pg_constraint k WHERE k.contypid = t.oid), '{}') AS names,
       coalesce((SELECT array_agg(pg_get_constraintdef(k.oid) ORDER BY k.conname) FROM pg_constraint k WHERE k.contypid = t.oid), '{}') AS definitions
FROM pg_type t
WHERE t.typtype = 'd' AND t.typnamespace = 'public'::regnamespace
  AND NOT EXISTS (SELECT FROM pg_depend x WHERE x.classid = 'pg_type'::regclass AND x.objid = t.oid AND x.deptype = 'e')";

const COMPOSITES: &str = "
SELECT c.relname::text AS name,
       array_agg(a.attname::text ORDER BY a.attnum) AS names,
       array_agg(format_type(a.atttypid, a.atttypmod) ORDER BY a.attnum) AS types
FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE c.relkind = 'c' AND c.relnamespace = 'public'::regnamespace
  AND NOT EXISTS (SELECT FROM pg_depend x WHERE x.classid = 'pg_class'::regclass AND x.objid = c.oid AND x.deptype = 'e')
GROUP BY c.relname";

const TRIGGERS: &str = concat!(
    "
SELECT c.relname::text AS table_name, g.tgname::text AS name, pg_get_triggerdef(g.oid) AS definition
FROM pg_trigger g
JOIN pg_class c ON c.oid = g.tgrelid
WHERE NOT g.tgisinternal AND g.tgparentid = 0 AND ",
    of_tables!()
);

const VIEWS: &str = "
SELECT c.relname::text AS name, pg_get_viewdef(c.oid, true) AS definition,
       CASE WHEN c.relkind = 'm' THEN c.relispopulated END AS materialized,
       array_to_string(c.reloptions, ', ') AS options,
       ARRAY(SELECT DISTINCT r.relname::text
             FROM pg_rewrite w
             JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = w.oid
                  AND d.refclassid = 'pg_class'::regclass
             JOIN pg_class r ON r.oid = d.refobjid
             WHERE w.ev_class = c.oid AND r.oid <> c.oid AND r.relnamespace = c.relnamespace) AS depends_on,
       ARRAY(SELECT concat_ws(' COLLATE ', quote_ident(a.attname) || ' ' || format_type(a.atttypid, a.atttypmod),
                              CASE WHEN a.attcollation <> t.typcollation THEN quote_ident(co.collname) END)
             FROM pg_attribute a
             JOIN pg_type t ON t.oid = a.atttypid
             LEFT JOIN pg_collation co ON co.oid = a.attcollation
             WHERE a.attrelid = c.oid AND a.attnum > 0 ORDER BY a.attnum) AS columns
FROM pg_class c
WHERE c.relkind IN ('v', 'm') AND c.relnamespace = 'public'::regnamespace
  AND NOT EXISTS (SELECT FROM pg_depend x WHERE x.classid = 'pg_class'::regclass AND x.objid = c.oid AND x.deptype = 'e')";

const FUNCTIONS: &str = "
SELECT p.proname::text AS name, pg_get_function_identity_arguments(p.oid) AS arguments,
       p.prokind = 'p' AS procedure, pg_get_functiondef(p.oid) AS definition
FROM pg_proc p
WHERE p.pronamespace = 'public'::regnamespace AND p.prokind IN ('f', 'p')
  AND NOT EXISTS (SELECT FROM pg_depend x WHERE x.classid = 'pg_proc'::regclass AND x.objid = p.oid AND x.deptype = 'e')";

// Comments on the objects the differ knows, other than tables and their columns (read with
// those), each with the `COMMENT ON` target it needs: `kind`, `name`, and `parent` (the table of
// a constraint or trigger, the view of a column, a function's arguments).
const COMMENTS: &str = "
SELECT CASE WHEN d.objsubid > 0 THEN 'view column' WHEN c.relkind = 'i' THEN 'index'
            WHEN c.relkind = 'S' THEN 'sequence' WHEN c.relkind = 'm' THEN 'materialized view' ELSE 'view' END AS kind,
       CASE WHEN d.objsubid > 0 THEN a.attname::text ELSE c.relname::text END AS name,
       CASE WHEN d.objsubid > 0 THEN c.relname::text END AS parent, d.description AS text
FROM pg_description d
JOIN pg_class c ON d.classoid = 'pg_class'::regclass AND c.oid = d.objoid
LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid
WHERE c.relnamespace = 'public'::regnamespace AND (c.relkind IN ('i', 'S', 'v', 'm') AND d.objsubid = 0 OR c.relkind IN ('v', 'm'))
  AND NOT EXISTS (SELECT FROM pg_depend x WHERE x.classid = 'pg_class'::regclass AND x.objid = c.oid AND x.deptype = 'e')
  AND NOT EXISTS (SELECT FROM pg_index i JOIN pg_class r ON r.oid = i.indrelid WHERE i.indexrelid = c.oid AND r.relkind NOT IN ('r', 'p', 'm'))
UNION ALL
SELECT 'constraint', k.conname::text, c.relname::text, d.description
FROM pg_description d
JOIN pg_constraint k ON d.classoid = 'pg_constraint'::regclass AND k.oid = d.objoid
JOIN pg_class c ON c.oid = k.conrelid
WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
UNION ALL
SELECT 'trigger', g.tgname::text, c.relname::text, d.description
FROM pg_description d
JOIN pg_trigger g ON d.classoid = 'pg_trigger'::regclass AND g.oid = d.objoid
JOIN pg_class c ON c.oid = g.tgrelid
WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
UNION ALL
SELECT 'function', p.proname::text, pg_get_function_identity_arguments(p.oid), d.description
FROM pg_description d
JOIN pg_proc p ON d.classoid = 'pg_proc'::regclass AND p.oid = d.objoid
WHERE p.pronamespace = 'public'::regnamespace AND p.prokind IN ('f', 'p')
  AND NOT EXISTS (SELECT FROM pg_depend x WHERE x.classid = 'pg_proc'::regclass AND x.objid = p.oid AND x.deptype = 'e')
UNION ALL
SELECT 'type', t.typname::text, NULL, d.description
FROM pg_description d
JOIN pg_type t ON d.classoid = 'pg_type'::regclass AND t.oid = d.objoid
WHERE t.typnamespace = 'public'::regnamespace
  AND (t.typtype IN ('e', 'd') OR EXISTS (SELECT FROM pg_class r WHERE r.oid = t.typrelid AND r.relkind = 'c'))
  AND NOT EXISTS (SELECT FROM pg_depend x WHERE x.classid = 'pg_type'::regclass AND x.objid = t.oid AND x.deptype = 'e')";

// Everything else a schema file could create, so that a difference autogenerate cannot express
// stops it instead of passing unseen. Comments on tables and columns are read with those.
const UNSUPPORTED: &str = "
SELECT kind || ' ' || name AS key, coalesce(detail, '') AS detail FROM (
    SELECT 'foreign table', c.relname::text, NULL
    FROM pg_class c
    WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'f'
      AND NOT EXISTS (SELECT FROM pg_depend x WHERE x.classid = 'pg_class'::regclass AND x.objid = c.oid AND x.deptype = 'e')
  UNION ALL
    SELECT 'table', name, options FROM (
        SELECT c.relname::text AS name, concat_ws(', ',
            CASE WHEN c.relrowsecurity THEN 'row level security' END,
            CASE WHEN c.relforcerowsecurity THEN 'forced row level security' END,
            (SELECT 'inherits ' || string_agg(h.inhparent::regclass::text, ', ' ORDER BY h.inhseqno)
             FROM pg_inherits h WHERE h.inhrelid = c.oid AND NOT c.relispartition)) AS options
        FROM pg_class c
        WHERE c.relkind IN ('r', 'p') AND c.relnamespace = 'public'::regnamespace) AS t
    WHERE options <> ''
  UNION ALL
    SELECT CASE t.typtype WHEN 'r' THEN 'range type' ELSE 'base type' END,
           t.typname::text,
           concat_ws(' ', format_type(t.typbasetype, t.typtypmod), 'default ' || t.typdefault,
                     CASE WHEN t.typnotnull THEN 'not null' END,
                     (SELECT string_agg(pg_get_constraintdef(k.oid), ' ' ORDER BY k.conname)
                      FROM pg_constraint k WHERE k.contypid = t.oid))
    FROM pg_type t
    WHERE t.typnamespace = 'public'::regnamespace AND t.typtype IN ('b', 'r') AND t.typcategory <> 'A'
      AND NOT EXISTS (SELECT FROM pg_depend x WHERE x.classid = 'pg_type'::regclass AND x.objid = t.oid AND x.deptype = 'e')
  UNION ALL
    SELECT CASE p.prokind WHEN 'a' THEN 'aggregate' ELSE 'window function' END, p.oid::regprocedure::text, NULL
    FROM pg_proc p
    WHERE p.pronamespace = 'public'::regnamespace AND p.prokind IN ('a', 'w')
      AND NOT EXISTS (SELECT FROM pg_depend x WHERE x.classid = 'pg_proc'::regclass AND x.objid = p.oid AND x.deptype = 'e')
  UNION ALL
    SELECT 'policy', p.polname || ' on ' || c.relname,
           concat_ws(' ', p.polcmd, pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid))
    FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
    WHERE c.relnamespace = 'public'::regnamespace
  UNION ALL
    SELECT 'rule', r.rulename || ' on ' || c.relname, pg_get_ruledef(r.oid)
    FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class
    WHERE c.relnamespace = 'public'::regnamespace AND r.rulename <> '_RETURN'
  UNION ALL
    SELECT 'trigger', g.tgname || ' on ' || c.relname, pg_get_triggerdef(g.oid)
    FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid
    WHERE NOT g.tgisinternal AND c.relnamespace = 'public'::regnamespace AND c.relkind NOT IN ('r', 'p')
  UNION ALL
    SELECT 'statistics object', s.stxname::text, pg_get_statisticsobjdef(s.oid)
    FROM pg_statistic_ext s WHERE s.stxnamespace = 'public'::regnamespace
  UNION ALL
    SELECT 'schema', n.nspname::text, NULL
    FROM pg_namespace n
    WHERE n.nspname NOT IN ('public', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
  UNION ALL
    SELECT 'extension', e.extname::text, e.extversion FROM pg_extension e
  UNION ALL
    -- Objects created by the user have OIDs from 16384 up; the rest are the server's own.
    SELECT 'comment on', o.type || ' ' || o.identity, d.description
    FROM pg_description d, pg_identify_object(d.classoid, d.objoid, d.objsubid) o
    WHERE d.objoid >= 16384 AND o.schema = 'public'
      AND o.type NOT IN ('table', 'table column', 'index', 'sequence', 'view', 'view column',
                         'materialized view', 'materialized view column', 'table constraint', 'trigger',
                         'function', 'procedure', 'domain', 'composite type')
      AND NOT (d.classoid = 'pg_type'::regclass
               AND EXISTS (SELECT FROM pg_type t WHERE t.oid = d.objoid AND t.typtype IN ('e', 'c', 'd')))
) AS u(kind, name, detail)";

// The columns each CHECK reads (`name type [COLLATE c]`, comma-separated), for a scratch table
// to render it on; NULL when it reads the whole row (attribute number 0).
const CHECK_COLUMNS: &str = "
SELECT c.relname::text AS table_name, k.conname::text AS name,
       CASE WHEN NOT 0 = ANY (coalesce(k.conkey, '{}')) THEN coalesce(
           (SELECT string_agg(quote_ident(a.attname) || ' ' || format_type(a.atttypid, a.atttypmod)
                              || CASE WHEN a.attcollation <> t.typcollation
                                      THEN ' COLLATE ' || a.attcollation::regcollation::text ELSE '' END,
                              ', ' ORDER BY a.attnum)
            FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
            WHERE a.attrelid = k.conrelid AND a.attnum = ANY (k.conkey)), '') END AS columns
FROM unnest($1::text[], $2::text[]) AS w(table_name, name)
JOIN pg_class c ON c.relname = w.table_name AND c.relnamespace = 'public'::regnamespace
JOIN pg_constraint k ON k.conrelid = c.oid AND k.conname = w.name AND k.contype = 'c'";

/// Reads the `public` schema the connection's database has now (inside a transaction, if one
/// is open on it).
pub async fn introspect(conn: &mut PgConnection) -> Result<Schema> {
    let mut schema = Schema::default();
    for row in fetch(conn, "enum types", ENUMS).await? {
        schema.enums.insert(row.try_get("name")?, row.try_get("labels")?);
    }
    for row in fetch(conn, "sequences", SEQUENCES).await? {
        let owner_table: Option<String> = row.try_get("owner_table")?;
        let owner_column: Option<String> = row.try_get("owner_column")?;
        let sequence = Sequence {
            options: sequence_options(&row, "data_type")?.context("a sequence without parameters")?,
            owned_by: owner_table.zip(owner_column),
        };
        schema.sequences.insert(row.try_get("name")?, sequence);
    }
    for row in fetch(conn, "tables", TABLES).await? {
        let parent: Option<String> = row.try_get("parent")?;
        let bound: Option<String> = row.try_get("bound")?;
        let table = Table {
            comment: row.try_get("comment")?,
            partition_by: row.try_get("partition_by")?,
            partition_of: parent.zip(bound),
            storage: row.try_get("storage")?,
            unlogged: row.try_get("unlogged")?,
            replica_identity: row.try_get("replica_identity")?,
            clustered_on: row.try_get("clustered_on")?,
            ..Table::default()
        };
        schema.tables.insert(row.try_get("name")?, table);
    }
    for row in fetch(conn, "columns", COLUMNS).await? {
        let identity: String = row.try_get("identity")?;
        let identity = match identity.as_str() {
            "" => None,
            kind => Some(Identity {
                always: kind == "a",
                options: sequence_options(&row, "seq_type")?
                    .context("an identity column without a sequence")?,
            }),
        };
        let column = Column {
            position: Position(row.try_get("position")?),
            data_type: row.try_get("data_type")?,
            collation: row.try_get("collation")?,
            not_null: row.try_get("not_null")?,
            default: row.try_get("default_value")?,
            identity,
            generated: row.try_get("generated")?,
            comment: row.try_get("comment")?,
            settings: column_settings(row.try_get("settings")?),
        };
        table(&mut schema, &row)?.columns.insert(row.try_get("name")?, column);
    }
    for row in fetch(conn, "constraints", CONSTRAINTS).await? {
        let kind: String = row.try_get("kind")?;
        let kind = match kind.as_str() {
            "p" => ConstraintKind::PrimaryKey,
            "u" => ConstraintKind::Unique,
            "f" => ConstraintKind::ForeignKey,
            "c" => ConstraintKind::Check,
            _ => ConstraintKind::Exclusion,
        };
        let constraint = Constraint {
            kind,
            definition: row.try_get("definition")?,
            references: row.try_get("references")?,
        };
        table(&mut schema, &row)?.constraints.insert(row.try_get("name")?, constraint);
    }
    for row in fetch(conn, "indexes", INDEXES).await? {
        let index = index(&row)?;
        table(&mut schema, &row)?.indexes.insert(row.try_get("name")?, index);
    }
    for row in fetch(conn, "triggers", TRIGGERS).await? {
        let definition = row.try_get("definition")?;
        table(&mut schema, &row)?.triggers.insert(row.try_get("name")?, definition);
    }
    for row in fetch(conn, "views", VIEWS).await? {
        let definition: String = row.try_get("definition")?;
        let options: Option<String> = row.try_get("options")?;
        let depends_on: Vec<String> = row.try_get("depends_on")?;
        let view = View {
            materialized: row.try_get("materialized")?,
            indexes: BTreeMap::new(),
            definition: definition.trim_end().trim_end_matches(';').to_owned(),
            options: options.filter(|o| !o.is_empty()),
            depends_on: depends_on.into_iter().collect::<BTreeSet<_>>(),
            columns: row.try_get("columns")?,
        };
        schema.views.insert(row.try_get("name")?, view);
    }
    for row in fetch(conn, "materialized views' indexes", MATERIALIZED_INDEXES).await? {
        let name: String = row.try_get("table_name")?;
        let index = index(&row)?;
        if let Some(view) = schema.views.get_mut(&name) {
            view.indexes.insert(row.try_get("name")?, index);
        }
    }
    for row in fetch(conn, "domains", DOMAINS).await? {
        let names: Vec<String> = row.try_get("names")?;
        let definitions: Vec<String> = row.try_get("definitions")?;
        let domain = Domain {
            base: row.try_get("base")?,
            default: row.try_get("default_value")?,
            not_null: row.try_get("not_null")?,
            constraints: names.into_iter().zip(definitions).collect(),
        };
        schema.domains.insert(row.try_get("name")?, domain);
    }
    for row in fetch(conn, "composite types", COMPOSITES).await? {
        let names: Vec<String> = row.try_get("names")?;
        let types: Vec<String> = row.try_get("types")?;
        schema.composites.insert(row.try_get("name")?, names.into_iter().zip(types).collect());
    }
    for row in fetch(conn, "functions", FUNCTIONS).await? {
        let function = Function {
            name: row.try_get("name")?,
            arguments: row.try_get("arguments")?,
            procedure: row.try_get("procedure")?,
            definition: row.try_get::<String, _>("definition")?.trim_end().to_owned(),
        };
        schema.functions.insert(format!("{}({})", function.name, function.arguments), function);
    }
    for row in fetch(conn, "comments", COMMENTS).await? {
        let kind: String = row.try_get("kind")?;
        let name: String = row.try_get("name")?;
        let parent: Option<String> = row.try_get("parent")?;
        let parent = parent.unwrap_or_default();
        let (object, target) = match kind.as_str() {
            "index" => (Object::Index(name.clone()), format!("INDEX {}", ident(&name))),
            "sequence" => (Object::Sequence(name.clone()), format!("SEQUENCE {}", ident(&name))),
            "view" => (Object::View(name.clone()), format!("VIEW {}", ident(&name))),
            "materialized view" => {
                (Object::Materialized(name.clone()), format!("MATERIALIZED VIEW {}", ident(&name)))
            }
            "view column" => (
                Object::ViewColumn(parent.clone(), name.clone()),
                format!("COLUMN {}.{}", ident(&parent), ident(&name)),
            ),
            "constraint" => (
                Object::Constraint(parent.clone(), name.clone()),
                format!("CONSTRAINT {} ON {}", ident(&name), ident(&parent)),
            ),
            "trigger" => (
                Object::Trigger(parent.clone(), name.clone()),
                format!("TRIGGER {} ON {}", ident(&name), ident(&parent)),
            ),
            "function" => {
                (Object::Function(format!("{name}({parent})")), format!("ROUTINE {}({parent})", ident(&name)))
            }
            _ => (Object::Type(name.clone()), format!("TYPE {}", ident(&name))),
        };
        schema.comments.insert(target, Comment { object, text: row.try_get("text")? });
    }
    canonical_checks(conn, &mut schema).await?;
    for row in fetch(conn, "other objects", UNSUPPORTED).await? {
        schema.unsupported.insert(row.try_get("key")?, row.try_get("detail")?);
    }
    Ok(schema)
}

/// A column's settings from the COLUMNS query's `storage|type storage|compression|statistics`
/// (each part empty at its default), or the defaults when it is NULL.
fn column_settings(encoded: Option<String>) -> ColumnSettings {
    let Some(encoded) = encoded else { return ColumnSettings::default() };
    let mut parts = encoded.split('|').map(|part| (!part.is_empty()).then(|| part.to_owned()));
    let mut next = || parts.next().flatten();
    ColumnSettings {
        storage: next(),
        type_storage: next().unwrap_or_default(),
        compression: next(),
        statistics: next().and_then(|n| n.parse().ok()),
    }
}

async fn fetch(conn: &mut PgConnection, what: &str, query: &'static str) -> Result<Vec<PgRow>> {
    sqlx::query(query)
        .fetch_all(&mut *conn)
        .await
        .map_err(|err| anyhow!("cannot read the {what} of the schema from the system catalogs: {err}"))
}

/// Replaces each CHECK's definition by the server's rendering of its own rendering, made on a
/// scratch table in a transaction that is rolled back. PostgreSQL's first rendering does not
/// always reproduce itself (`varchar_col IN ('a', 'b')` comes back with its casts moved), so a
/// constraint created from the migrations' text and one created from the declared text would
/// differ in text while meaning the same; rendered twice, both agree. The rendering depends only
/// on the definition and the name, type and collation of the columns it reads, so each distinct
/// pair is rendered once, on a scratch table of just those columns (a whole-row reference copies
/// the whole table): a wide schema repeats the same CHECK on many tables.
async fn canonical_checks(conn: &mut PgConnection, schema: &mut Schema) -> Result<()> {
    // Only an `ARRAY[...]` (what `IN (...)` becomes) is known to render differently the second
    // time; the others keep their text, which saves a scratch table each.
    let wanted: Vec<(&String, &String)> = schema
        .tables
        .iter()
        .flat_map(|(table_name, table)| {
            table
                .constraints
                .iter()
                .filter(|(_, c)| c.kind == ConstraintKind::Check && c.definition.contains("ARRAY["))
                .map(move |(name, _)| (table_name, name))
        })
        .collect();
    let mut sql = String::new();
    // (table, constraint) -> the number of the rendering it takes.
    let mut checks: Vec<((String, String), usize)> = Vec::new();
    if !wanted.is_empty() {
        let (tables, names): (Vec<&String>, Vec<&String>) = wanted.iter().copied().unzip();
        let rows = sqlx::query(CHECK_COLUMNS).bind(&tables).bind(&names).fetch_all(&mut *conn).await?;
        // Scratch tables by their columns, and renderings by (scratch table, definition).
        let mut scratches: BTreeMap<String, usize> = BTreeMap::new();
        let mut renderings: BTreeMap<(usize, String), usize> = BTreeMap::new();
        for row in rows {
            let (table_name, name): (String, String) = (row.try_get("table_name")?, row.try_get("name")?);
            let columns: Option<String> = row.try_get("columns")?;
            let Some(check) = schema.tables.get(&table_name).and_then(|t| t.constraints.get(&name)) else {
                continue;
            };
            let columns = columns.unwrap_or_else(|| format!("LIKE public.{}", ident(&table_name)));
            let number = scratches.len();
            let scratch = *scratches.entry(columns.clone()).or_insert_with(|| {
                sql.push_str(&format!("CREATE TEMP TABLE xtask_check_{number} ({columns});\n"));
                number
            });
            let definition = check.definition.strip_suffix(" NOT VALID").unwrap_or(&check.definition);
            let number = renderings.len();
            let rendering = *renderings.entry((scratch, definition.to_owned())).or_insert_with(|| {
                sql.push_str(&format!(
                    "ALTER TABLE xtask_check_{scratch} ADD CONSTRAINT k{number} {definition};\n"
                ));
                number
            });
            checks.push(((table_name, name), rendering));
        }
    }
    // A domain's are copied onto a domain of the same base type, created in the same transaction.
    let mut domain_checks: Vec<(String, String)> = Vec::new();
    for (number, (domain_name, domain)) in schema.domains.iter().enumerate() {
        if !domain.constraints.values().any(|c| c.contains("ARRAY[")) {
            continue;
        }
        let scratch = format!("public.xtask_check_d{number}");
        sql.push_str(&format!("CREATE DOMAIN {scratch} AS {};\n", domain.base));
        for (name, definition) in &domain.constraints {
            let definition = definition.strip_suffix(" NOT VALID").unwrap_or(definition);
            sql.push_str(&format!(
                "ALTER DOMAIN {scratch} ADD CONSTRAINT k{} {definition};\n",
                domain_checks.len()
            ));
            domain_checks.push((domain_name.clone(), name.clone()));
        }
    }
    if checks.is_empty() && domain_checks.is_empty() {
        return Ok(());
    }
    let mut tx = conn.begin().await?;
    // A definition that cannot be copied (one calling a function of the table's row type, say)
    // keeps its first rendering.
    if tx.execute(sqlx::raw_sql(sqlx::AssertSqlSafe(sql))).await.is_err() {
        tx.rollback().await?;
        return Ok(());
    }
    let rows = sqlx::query(
        "SELECT substr(k.conname, 2)::int AS i, pg_get_constraintdef(k.oid) AS definition
         FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
         WHERE c.relnamespace = pg_my_temp_schema() AND k.contype = 'c' AND c.relname LIKE 'xtask\\_check\\_%'",
    )
    .fetch_all(&mut *tx)
    .await?;
    let domain_rows = sqlx::query(
        "SELECT substr(k.conname, 2)::int AS i, pg_get_constraintdef(k.oid) AS definition
         FROM pg_constraint k JOIN pg_type t ON t.oid = k.contypid
         WHERE t.typnamespace = 'public'::regnamespace AND t.typname LIKE 'xtask\\_check\\_d%'",
    )
    .fetch_all(&mut *tx)
    .await?;
    tx.rollback().await?;
    for row in domain_rows {
        let i: i32 = row.try_get("i")?;
        let definition: String = row.try_get("definition")?;
        let (domain, name) = &domain_checks[usize::try_from(i)?];
        if let Some(check) = schema.domains.get_mut(domain).and_then(|d| d.constraints.get_mut(name)) {
            let not_valid = if check.ends_with(" NOT VALID") { " NOT VALID" } else { "" };
            *check = format!("{definition}{not_valid}");
        }
    }
    let mut rendered: BTreeMap<usize, String> = BTreeMap::new();
    for row in rows {
        let i: i32 = row.try_get("i")?;
        rendered.insert(usize::try_from(i)?, row.try_get("definition")?);
    }
    for ((table, name), rendering) in checks {
        let Some(definition) = rendered.get(&rendering) else { continue };
        if let Some(check) = schema.tables.get_mut(&table).and_then(|t| t.constraints.get_mut(&name)) {
            let not_valid = if check.definition.ends_with(" NOT VALID") { " NOT VALID" } else { "" };
            check.definition = format!("{definition}{not_valid}");
        }
    }
    Ok(())
}

/// An index row; the name is cut out of the definition (`shape`) to recognise a renamed index.
fn index(row: &PgRow) -> Result<Index> {
    let definition: String = row.try_get("definition")?;
    let quoted_name: String = row.try_get("quoted_name")?;
    // A partitioned table's index reads `ON ONLY`, which would leave its partitions unindexed.
    let definition = definition.replacen(
        &format!(" INDEX {quoted_name} ON ONLY "),
        &format!(" INDEX {quoted_name} ON "),
        1,
    );
    let shape = definition.replacen(&format!(" INDEX {quoted_name} ON "), " INDEX ON ", 1);
    Ok(Index { definition, shape })
}

/// The table a per-table row belongs to; the tables query has already listed it.
fn table<'a>(schema: &'a mut Schema, row: &PgRow) -> Result<&'a mut Table> {
    let name: String = row.try_get("table_name")?;
    // Only a table created between two of our queries could be missing; say so rather than panic.
    schema
        .tables
        .get_mut(&name)
        .ok_or_else(|| anyhow!("table `{name}` appeared while the schema was being read; run again"))
}

/// The `seq*` columns of a row as sequence parameters; `None` when the row has no sequence.
fn sequence_options(row: &PgRow, type_column: &str) -> Result<Option<SequenceOptions>> {
    let Some(data_type) = row.try_get::<Option<String>, _>(type_column)? else { return Ok(None) };
    Ok(Some(SequenceOptions {
        data_type,
        start: row.try_get("seqstart")?,
        increment: row.try_get("seqincrement")?,
        min: row.try_get("seqmin")?,
        max: row.try_get("seqmax")?,
        cache: row.try_get("seqcache")?,
        cycle: row.try_get("seqcycle")?,
    }))
}
