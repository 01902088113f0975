CREATE TABLE t (a int, b int);
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER t_touched BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION touch(); -- renamed from: touch_t
-- renamed from: check_t
CREATE TRIGGER t_checked
    BEFORE INSERT OR UPDATE ON t FOR EACH ROW EXECUTE FUNCTION touch();
COMMENT ON TRIGGER t_touched ON t IS 'kept';
