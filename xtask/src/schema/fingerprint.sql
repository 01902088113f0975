-- The fingerprint of the `public` schema: one row per (object, property, value), for every
-- object and property `pg_dump --schema-only` would print, in the server's normalized text.
-- Skipped: sqlx's bookkeeping table, objects owned by an extension, the position of a table's
-- columns (PostgreSQL cannot reorder them) and the name of an identity column's sequence.
-- A NULL or empty value means the property is absent (the default).
-- Each object's properties are paired by `unnest(names, values)`, each value marked with its
-- name: a `VALUES` row per property costs the server a quarter more on a wide schema.
WITH rel AS (
    SELECT c.oid, c.relname::text AS name, c.relkind
    FROM pg_class c
    WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f', 'c')
      AND c.relname <> '_sqlx_migrations'
      AND NOT EXISTS (SELECT FROM pg_depend x WHERE x.classid = 'pg_class'::regclass AND x.objid = c.oid AND x.deptype = 'e')
      -- An identity column's sequence is a property of its column.
      AND NOT EXISTS (SELECT FROM pg_depend x WHERE x.classid = 'pg_class'::regclass AND x.objid = c.oid
                      AND x.deptype = 'i' AND x.refobjsubid > 0)
), routine AS (
    SELECT p.oid, p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' AS name
    FROM pg_proc p
    WHERE p.pronamespace = 'public'::regnamespace
      -- A range type's constructors (an internal dependency, `i`) come and go with it.
      AND NOT EXISTS (SELECT FROM pg_depend x WHERE x.classid = 'pg_proc'::regclass AND x.objid = p.oid
                      AND x.deptype IN ('e', 'i'))
), typ AS (
    SELECT t.oid, t.typname::text AS name
    FROM pg_type t
    WHERE t.typnamespace = 'public'::regnamespace AND t.typtype IN ('b', 'd', 'e', 'r')
      AND t.typcategory <> 'A'
      AND NOT EXISTS (SELECT FROM pg_depend x WHERE x.classid = 'pg_type'::regclass AND x.objid = t.oid AND x.deptype = 'e')
)
SELECT object, property, value FROM (
    SELECT 'relation ' || r.name, p.property, p.value
    FROM rel r JOIN pg_class c ON c.oid = r.oid
    LEFT JOIN pg_class toast ON toast.oid = c.reltoastrelid
    LEFT JOIN pg_sequence s ON s.seqrelid = c.oid
    LEFT JOIN pg_description dc ON dc.objoid = c.oid AND dc.classoid = 'pg_class'::regclass AND dc.objsubid = 0
    CROSS JOIN LATERAL unnest(
        ARRAY['kind', 'persistence', 'storage parameters', 'toast storage parameters', 'access method',
              'tablespace', 'row level security', 'forced row level security', 'replica identity',
              'partition key', 'partition of', 'inherits', 'definition', 'populated', 'sequence', 'owned by',
              'foreign table', 'owner', 'privileges', 'comment']::text[],
        ARRAY[
            /* kind */ CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'partitioned table' WHEN 'v' THEN 'view'
                         WHEN 'm' THEN 'materialized view' WHEN 'S' THEN 'sequence' WHEN 'f' THEN 'foreign table'
                         ELSE 'composite type' END,
            /* persistence */ CASE c.relpersistence WHEN 'u' THEN 'unlogged' WHEN 't' THEN 'temporary' END,
            /* storage parameters */ CASE WHEN c.reloptions IS NOT NULL THEN
                                       array_to_string(ARRAY(SELECT unnest(c.reloptions) ORDER BY 1), ', ') END,
            /* toast storage parameters */ CASE WHEN toast.reloptions IS NOT NULL THEN
                                             array_to_string(ARRAY(SELECT unnest(toast.reloptions) ORDER BY 1), ', ') END,
            /* access method */ (SELECT amname::text FROM pg_am WHERE oid = c.relam AND c.relkind <> 'S'),
            /* tablespace */ CASE WHEN c.reltablespace <> 0 THEN
                               (SELECT spcname::text FROM pg_tablespace WHERE oid = c.reltablespace) END,
            /* row level security */ CASE WHEN c.relrowsecurity THEN 'enabled' END,
            /* forced row level security */ CASE WHEN c.relforcerowsecurity THEN 'forced' END,
            /* replica identity */ CASE WHEN c.relkind IN ('r', 'p', 'm') THEN
                                     CASE c.relreplident WHEN 'n' THEN 'nothing' WHEN 'f' THEN 'full' WHEN 'i' THEN 'index' END END,
            /* partition key */ CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END,
            /* partition of */ (SELECT h.inhparent::regclass::text || ' ' || pg_get_expr(c.relpartbound, c.oid)
                                 FROM pg_inherits h WHERE h.inhrelid = c.oid AND c.relispartition),
            /* inherits */ (SELECT string_agg(h.inhparent::regclass::text, ', ' ORDER BY h.inhseqno)
                             FROM pg_inherits h WHERE h.inhrelid = c.oid AND NOT c.relispartition AND c.relkind = 'r'),
            /* definition */ CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid, true) END,
            /* populated */ CASE WHEN c.relkind = 'm' THEN c.relispopulated::text END,
            /* sequence */ CASE WHEN s.seqrelid IS NOT NULL THEN format('%s start %s increment %s min %s max %s cache %s%s', format_type(s.seqtypid, NULL),
                                  s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache,
                                  CASE WHEN s.seqcycle THEN ' cycle' END) END,
            /* owned by */ (SELECT o.relname || '.' || a.attname FROM pg_depend d
                             JOIN pg_class o ON o.oid = d.refobjid
                             JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                             WHERE c.relkind = 'S' AND d.classid = 'pg_class'::regclass AND d.objid = c.oid
                              AND d.refclassid = 'pg_class'::regclass AND d.deptype = 'a'),
            /* foreign table */ CASE WHEN c.relkind = 'f' THEN (SELECT v.srvname || ' ' || coalesce(array_to_string(f.ftoptions, ', '), '')
                                  FROM pg_foreign_table f JOIN pg_foreign_server v ON v.oid = f.ftserver
                                  WHERE f.ftrelid = c.oid) END,
            /* owner */ pg_get_userbyid(c.relowner)::text,
            /* privileges */ c.relacl::text,
            /* comment */ dc.description
        ]::text[]) AS p(property, value)
  UNION ALL
    SELECT 'column ' || r.name || '.' || a.attname, p.property, p.value
    FROM rel r JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped AND r.relkind <> 'S'
    JOIN pg_type t ON t.oid = a.atttypid
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    LEFT JOIN pg_depend i ON a.attidentity <> '' AND i.refclassid = 'pg_class'::regclass AND i.refobjid = a.attrelid
         AND i.refobjsubid = a.attnum AND i.classid = 'pg_class'::regclass AND i.deptype = 'i'
    LEFT JOIN pg_sequence s ON s.seqrelid = i.objid
    LEFT JOIN pg_description dc ON dc.objoid = a.attrelid AND dc.classoid = 'pg_class'::regclass
         AND dc.objsubid = a.attnum
    CROSS JOIN LATERAL unnest(
        ARRAY['type', 'position', 'collation', 'not null', 'default', 'generated', 'identity', 'storage',
              'compression', 'statistics', 'options', 'foreign options', 'privileges', 'comment']::text[],
        ARRAY[
            /* type */ format_type(a.atttypid, a.atttypmod),
            -- Table columns are compared in any order (PostgreSQL cannot reorder them); a
            -- composite type's attributes are not.
            /* position */ CASE WHEN r.relkind = 'c' THEN (SELECT count(*) FROM pg_attribute b WHERE b.attrelid = a.attrelid
                             AND b.attnum > 0 AND NOT b.attisdropped AND b.attnum <= a.attnum)::text END,
            /* collation */ CASE WHEN a.attcollation <> t.typcollation THEN a.attcollation::regcollation::text END,
            /* not null */ CASE WHEN a.attnotnull THEN 'not null' END,
            /* default */ CASE WHEN a.attgenerated = '' THEN pg_get_expr(d.adbin, d.adrelid) END,
            /* generated */ CASE WHEN a.attgenerated <> '' THEN pg_get_expr(d.adbin, d.adrelid) END,
            /* identity */ CASE WHEN a.attidentity <> '' THEN
                             CASE a.attidentity WHEN 'a' THEN 'always' WHEN 'd' THEN 'by default' END
                             || format(' %s start %s increment %s min %s max %s cache %s%s', format_type(s.seqtypid, NULL),
                                     s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache,
                                     CASE WHEN s.seqcycle THEN ' cycle' END) END,
            /* storage */ CASE WHEN a.attstorage <> t.typstorage THEN a.attstorage::text END,
            /* compression */ nullif(a.attcompression::text, ''),
            /* statistics */ CASE WHEN a.attstattarget >= 0 THEN a.attstattarget::text END,
            -- `pg_attver` is not an option anyone sets: some server builds stamp it on every column
            -- (alone, it is not worth sorting).
            /* options */ CASE WHEN a.attoptions IS NOT NULL
                                AND NOT (cardinality(a.attoptions) = 1 AND a.attoptions[1] LIKE 'pg\_attver=%') THEN
                            array_to_string(ARRAY(SELECT o FROM unnest(a.attoptions) AS o
                                                WHERE o NOT LIKE 'pg\_attver=%' ORDER BY 1), ', ') END,
            /* foreign options */ array_to_string(a.attfdwoptions, ', '),
            /* privileges */ a.attacl::text,
            /* comment */ dc.description
        ]::text[]) AS p(property, value)
  UNION ALL
    SELECT 'constraint ' || k.conname || ' on ' || coalesce(r.name, 'type ' || t.name), p.property, p.value
    FROM pg_constraint k
    LEFT JOIN rel r ON r.oid = k.conrelid
    LEFT JOIN typ t ON t.oid = k.contypid
    LEFT JOIN pg_description dc ON dc.objoid = k.oid AND dc.classoid = 'pg_constraint'::regclass AND dc.objsubid = 0
    CROSS JOIN LATERAL unnest(
        ARRAY['definition', 'inherited', 'comment']::text[],
        ARRAY[
            /* definition */ pg_get_constraintdef(k.oid),
            /* inherited */ CASE WHEN NOT k.conislocal THEN 'inherited' END,
            /* comment */ dc.description
        ]::text[]) AS p(property, value)
    WHERE r.oid IS NOT NULL OR t.oid IS NOT NULL
  UNION ALL
    SELECT 'index ' || i.relname, p.property, p.value
    FROM rel r JOIN pg_index x ON x.indrelid = r.oid JOIN pg_class i ON i.oid = x.indexrelid
    LEFT JOIN pg_description dc ON dc.objoid = i.oid AND dc.classoid = 'pg_class'::regclass AND dc.objsubid = 0
    CROSS JOIN LATERAL unnest(
        ARRAY['kind', 'definition', 'attached to', 'storage parameters', 'tablespace', 'clustered',
              'replica identity', 'valid', 'statistics', 'comment']::text[],
        ARRAY[
            -- A partitioned table's own index cascades to its partitions; a local one does not.
            /* kind */ CASE i.relkind WHEN 'I' THEN 'partitioned' ELSE 'local' END,
            /* definition */ pg_get_indexdef(i.oid),
            /* attached to */ CASE WHEN i.relispartition THEN
                                (SELECT h.inhparent::regclass::text FROM pg_inherits h WHERE h.inhrelid = i.oid) END,
            /* storage parameters */ CASE WHEN i.reloptions IS NOT NULL THEN
                                       array_to_string(ARRAY(SELECT unnest(i.reloptions) ORDER BY 1), ', ') END,
            /* tablespace */ CASE WHEN i.reltablespace <> 0 THEN
                               (SELECT spcname::text FROM pg_tablespace WHERE oid = i.reltablespace) END,
            /* clustered */ CASE WHEN x.indisclustered THEN 'clustered' END,
            /* replica identity */ CASE WHEN x.indisreplident THEN 'replica identity' END,
            /* valid */ CASE WHEN NOT x.indisvalid THEN 'invalid' END,
            /* statistics */ CASE WHEN x.indexprs IS NOT NULL THEN
                               (SELECT string_agg(a.attnum || '=' || a.attstattarget, ', ' ORDER BY a.attnum)
                               FROM pg_attribute a WHERE a.attrelid = i.oid AND a.attstattarget >= 0) END,
            /* comment */ dc.description
        ]::text[]) AS p(property, value)
  UNION ALL
    SELECT 'trigger ' || g.tgname || ' on ' || r.name, p.property, p.value
    FROM rel r JOIN pg_trigger g ON g.tgrelid = r.oid AND NOT g.tgisinternal
    CROSS JOIN LATERAL unnest(
        ARRAY['definition', 'enabled', 'comment']::text[],
        ARRAY[
            /* definition */ pg_get_triggerdef(g.oid),
            /* enabled */ CASE g.tgenabled WHEN 'D' THEN 'disabled' WHEN 'R' THEN 'replica' WHEN 'A' THEN 'always' END,
            /* comment */ obj_description(g.oid, 'pg_trigger')
        ]::text[]) AS p(property, value)
  UNION ALL
    SELECT 'rule ' || w.rulename || ' on ' || r.name, p.property, p.value
    FROM rel r JOIN pg_rewrite w ON w.ev_class = r.oid AND w.rulename <> '_RETURN'
    CROSS JOIN LATERAL unnest(
        ARRAY['definition', 'enabled', 'comment']::text[],
        ARRAY[
            /* definition */ pg_get_ruledef(w.oid),
            /* enabled */ CASE w.ev_enabled WHEN 'D' THEN 'disabled' WHEN 'R' THEN 'replica' WHEN 'A' THEN 'always' END,
            /* comment */ obj_description(w.oid, 'pg_rewrite')
        ]::text[]) AS p(property, value)
  UNION ALL
    SELECT 'policy ' || y.polname || ' on ' || r.name, p.property, p.value
    FROM rel r JOIN pg_policy y ON y.polrelid = r.oid
    CROSS JOIN LATERAL unnest(
        ARRAY['command', 'permissive', 'roles', 'using', 'with check', 'comment']::text[],
        ARRAY[
            /* command */ y.polcmd::text,
            /* permissive */ CASE WHEN NOT y.polpermissive THEN 'restrictive' END,
            /* roles */ (SELECT string_agg(CASE WHEN o = 0 THEN 'public' ELSE pg_get_userbyid(o)::text END, ', ' ORDER BY 1)
                          FROM unnest(y.polroles) AS o),
            /* using */ pg_get_expr(y.polqual, y.polrelid),
            /* with check */ pg_get_expr(y.polwithcheck, y.polrelid),
            /* comment */ obj_description(y.oid, 'pg_policy')
        ]::text[]) AS p(property, value)
  UNION ALL
    SELECT 'type ' || ty.name, p.property, p.value
    FROM typ ty JOIN pg_type t ON t.oid = ty.oid
    LEFT JOIN pg_range g ON g.rngtypid = t.oid
    CROSS JOIN LATERAL unnest(
        ARRAY['kind', 'labels', 'base type', 'default', 'not null', 'collation', 'range', 'functions', 'owner',
              'privileges', 'comment']::text[],
        ARRAY[
            /* kind */ CASE t.typtype WHEN 'e' THEN 'enum' WHEN 'd' THEN 'domain' WHEN 'r' THEN 'range' ELSE 'base' END,
            /* labels */ (SELECT string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder)
                           FROM pg_enum e WHERE e.enumtypid = t.oid),
            /* base type */ CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) END,
            /* default */ t.typdefault,
            /* not null */ CASE WHEN t.typnotnull THEN 'not null' END,
            /* collation */ CASE WHEN t.typtype = 'd' AND t.typcollation
                                 <> (SELECT b.typcollation FROM pg_type b WHERE b.oid = t.typbasetype)
                              THEN t.typcollation::regcollation::text END,
            /* range */ CASE WHEN g.rngtypid IS NOT NULL THEN format('subtype %s opclass %s collation %s canonical %s subdiff %s multirange %s',
                               format_type(g.rngsubtype, NULL), g.rngsubopc::regclass, g.rngcollation,
                               g.rngcanonical, g.rngsubdiff, format_type(g.rngmultitypid, NULL)) END,
            /* functions */ CASE WHEN t.typtype = 'b' THEN concat_ws(' ', t.typinput, t.typoutput, t.typreceive, t.typsend,
                              t.typmodin, t.typmodout, t.typanalyze, t.typsubscript, t.typlen, t.typbyval, t.typalign,
                              t.typstorage, t.typcategory, t.typispreferred, t.typdelim) END,
            /* owner */ pg_get_userbyid(t.typowner)::text,
            /* privileges */ t.typacl::text,
            /* comment */ obj_description(t.oid, 'pg_type')
        ]::text[]) AS p(property, value)
  UNION ALL
    SELECT 'function ' || ro.name, p.property, p.value
    FROM routine ro JOIN pg_proc f ON f.oid = ro.oid
    LEFT JOIN pg_aggregate g ON g.aggfnoid = f.oid
    CROSS JOIN LATERAL unnest(
        ARRAY['kind', 'definition', 'aggregate', 'owner', 'privileges', 'comment']::text[],
        ARRAY[
            /* kind */ CASE f.prokind WHEN 'f' THEN 'function' WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate'
                         ELSE 'window function' END,
            /* definition */ CASE WHEN f.prokind <> 'a' THEN pg_get_functiondef(f.oid) END,
            /* aggregate */ CASE WHEN f.prokind = 'a' THEN concat_ws(' ', pg_get_function_result(f.oid), g.aggkind,
                              g.aggtransfn, g.aggfinalfn, g.aggcombinefn, g.aggserialfn, g.aggdeserialfn, g.aggmtransfn,
                              g.aggminvtransfn, g.aggmfinalfn, g.aggfinalextra, g.aggmfinalextra, g.aggfinalmodify,
                              g.aggmfinalmodify, g.aggsortop::regoperator, format_type(g.aggtranstype, NULL), g.aggtransspace,
                              format_type(g.aggmtranstype, NULL), g.aggmtransspace, quote_nullable(g.agginitval),
                              quote_nullable(g.aggminitval), f.proparallel) END,
            /* owner */ pg_get_userbyid(f.proowner)::text,
            /* privileges */ f.proacl::text,
            /* comment */ obj_description(f.oid, 'pg_proc')
        ]::text[]) AS p(property, value)
  UNION ALL
    SELECT 'statistics ' || s.stxname, p.property, p.value
    FROM pg_statistic_ext s
    CROSS JOIN LATERAL unnest(
        ARRAY['definition', 'target', 'comment']::text[],
        ARRAY[
            /* definition */ pg_get_statisticsobjdef(s.oid),
            /* target */ CASE WHEN s.stxstattarget >= 0 THEN s.stxstattarget::text END,
            /* comment */ obj_description(s.oid, 'pg_statistic_ext')
        ]::text[]) AS p(property, value)
    WHERE s.stxnamespace = 'public'::regnamespace
  UNION ALL
    SELECT 'extension ' || e.extname, p.property, p.value
    FROM pg_extension e
    CROSS JOIN LATERAL unnest(
        ARRAY['version', 'schema', 'comment']::text[],
        ARRAY[
            /* version */ e.extversion,
            /* schema */ e.extnamespace::regnamespace::text,
            /* comment */ obj_description(e.oid, 'pg_extension')
        ]::text[]) AS p(property, value)
  UNION ALL
    SELECT 'schema ' || n.nspname, p.property, p.value
    FROM pg_namespace n
    CROSS JOIN LATERAL unnest(
        ARRAY['owner', 'privileges', 'comment']::text[],
        ARRAY[
            /* owner */ pg_get_userbyid(n.nspowner)::text,
            /* privileges */ n.nspacl::text,
            /* comment */ obj_description(n.oid, 'pg_namespace')
        ]::text[]) AS p(property, value)
    WHERE n.nspname NOT IN ('information_schema', 'pg_catalog', 'pg_toast') AND n.nspname NOT LIKE 'pg\_temp\_%'
      AND n.nspname NOT LIKE 'pg\_toast\_temp\_%'
  UNION ALL
    SELECT 'event trigger ' || v.evtname, p.property, p.value
    FROM pg_event_trigger v
    CROSS JOIN LATERAL unnest(
        ARRAY['definition', 'enabled', 'comment']::text[],
        ARRAY[
            /* definition */ concat_ws(' ', v.evtevent, v.evtfoid::regproc, v.evttags::text),
            /* enabled */ CASE v.evtenabled WHEN 'D' THEN 'disabled' WHEN 'R' THEN 'replica' WHEN 'A' THEN 'always' END,
            /* comment */ obj_description(v.oid, 'pg_event_trigger')
        ]::text[]) AS p(property, value)
  UNION ALL
    SELECT 'default privileges for ' || pg_get_userbyid(a.defaclrole) || ' on ' || a.defaclobjtype::text
           || coalesce(' in ' || a.defaclnamespace::regnamespace::text, ''), 'privileges', a.defaclacl::text
    FROM pg_default_acl a
  UNION ALL
    -- Everything else a schema could hold (operators, collations, text search, casts, foreign
    -- data), by identity: made by the user (OIDs from 16384), neither by an extension nor along
    -- with another object (a range type's cast to its multirange).
    SELECT o.type || ' ' || o.identity, 'exists', 'yes'
    FROM (SELECT 'pg_operator'::regclass, oid FROM pg_operator WHERE oprnamespace = 'public'::regnamespace
          UNION ALL SELECT 'pg_opclass'::regclass, oid FROM pg_opclass WHERE opcnamespace = 'public'::regnamespace
          UNION ALL SELECT 'pg_opfamily'::regclass, oid FROM pg_opfamily WHERE opfnamespace = 'public'::regnamespace
          UNION ALL SELECT 'pg_collation'::regclass, oid FROM pg_collation WHERE collnamespace = 'public'::regnamespace
          UNION ALL SELECT 'pg_conversion'::regclass, oid FROM pg_conversion WHERE connamespace = 'public'::regnamespace
          UNION ALL SELECT 'pg_ts_config'::regclass, oid FROM pg_ts_config WHERE cfgnamespace = 'public'::regnamespace
          UNION ALL SELECT 'pg_ts_dict'::regclass, oid FROM pg_ts_dict WHERE dictnamespace = 'public'::regnamespace
          UNION ALL SELECT 'pg_ts_parser'::regclass, oid FROM pg_ts_parser WHERE prsnamespace = 'public'::regnamespace
          UNION ALL SELECT 'pg_ts_template'::regclass, oid FROM pg_ts_template WHERE tmplnamespace = 'public'::regnamespace
          UNION ALL SELECT 'pg_cast'::regclass, oid FROM pg_cast WHERE oid >= 16384
          UNION ALL SELECT 'pg_foreign_data_wrapper'::regclass, oid FROM pg_foreign_data_wrapper WHERE oid >= 16384
          UNION ALL SELECT 'pg_foreign_server'::regclass, oid FROM pg_foreign_server WHERE oid >= 16384
          UNION ALL SELECT 'pg_publication'::regclass, oid FROM pg_publication
         ) AS u(classid, objid)
    CROSS JOIN LATERAL pg_identify_object(u.classid, u.objid, 0) AS o
    WHERE NOT EXISTS (SELECT FROM pg_depend x WHERE x.classid = u.classid AND x.objid = u.objid AND x.deptype IN ('e', 'i'))
) AS f(object, property, value)
WHERE value IS NOT NULL AND value <> ''
