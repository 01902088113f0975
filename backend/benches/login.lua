-- wrk script: POST /auth/login as the seeded admin (data/fixtures.toml). wrk prints
-- "Non-2xx or 3xx responses" if any login failed: a run with that line measured errors.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"email":"admin@admin.com","password":"admin@admin.com"}'
