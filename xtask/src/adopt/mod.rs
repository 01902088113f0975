//! Taking over a database another tool made (Alembic's `referaidb`): find the migration version
//! it already is, or bridge it to one, proven on a restored copy of its own backup; then record
//! sqlx's bookkeeping. `baseline` (Alembic's `stamp`) is the recording half alone.
//!
//! [`plan`] inspects, backs up and proves, changing nothing; [`apply`] carries a plan out in one
//! transaction; [`baseline`] records versions after checking the schema.

mod apply;
mod counts;
mod plan;
mod stamp;

pub use apply::{Applied, apply};
pub use counts::RowCount;
pub use plan::{Kind, Options, Plan, plan};
pub use stamp::baseline;

/// Makes every identity column and sequence owned by a column continue past the highest value
/// its column holds, so the next insert into every table works after a bridge turned `serial`
/// keys into identity columns (whose new sequences start at 1).
pub const CONTINUE_SEQUENCES: &str = "\
DO $$
DECLARE
    owned record;
    top bigint;
BEGIN
    FOR owned IN
        SELECT c.relname AS tab, a.attname AS col, s.oid::regclass AS seq
        FROM pg_depend d
        JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
        JOIN pg_class c ON c.oid = d.refobjid
        JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.refobjsubid
        WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
          AND d.deptype IN ('a', 'i')
    LOOP
        EXECUTE format('SELECT max(%I)::bigint FROM public.%I', owned.col, owned.tab) INTO top;
        IF top IS NOT NULL THEN
            PERFORM setval(owned.seq, top);
        END IF;
    END LOOP;
END
$$";
