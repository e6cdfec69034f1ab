/* The user store over the memory metadata adapter: create/drop/password/
 * grant/revoke with influxd's texts, persistence across reopen, the
 * verification cache and its invalidation, privilege resolution, and the
 * per-statement authorization (app/authz.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "adapters/meta_memory.h"
#include "app/authz.h"
#include "app/users.h"
#include "base/arena.h"
#include "domain/influxql/parser.h"

static hb_meta_port meta;

static int setup(void **state)
{
    hb_err e;
    (void)state;
    return hb_meta_memory_open(&meta, &e);
}

static int teardown(void **state)
{
    (void)state;
    meta.close(meta.self);
    return 0;
}

static hb_users *open_users(void)
{
    hb_users *u;
    hb_err e;
    assert_int_equal(hb_users_open(&meta, 60, &u, &e), HB_OK);
    return u;
}

static void create_drop_texts(void **state)
{
    (void)state;
    hb_users *u = open_users();
    hb_err e;
    assert_int_equal(hb_users_count(u), 0);
    assert_int_equal(hb_users_create(u, "", "x", 0, &e), HB_EINVAL);
    assert_string_equal(e.msg, "username required");
    assert_int_equal(hb_users_create(u, "bob", "pw", 0, &e), HB_OK);
    assert_int_equal(hb_users_create(u, "bob", "pw", 0, &e), HB_OK);   /* same: no-op, as influxd */
    assert_int_equal(hb_users_create(u, "bob", "other", 0, &e), HB_EEXISTS);
    assert_string_equal(e.msg, "user already exists");
    assert_int_equal(hb_users_create(u, "bob", "pw", 1, &e), HB_EEXISTS);
    assert_int_equal(hb_users_admin_exists(u), 0);
    assert_int_equal(hb_users_create(u, "root", "r", 1, &e), HB_OK);
    assert_int_equal(hb_users_admin_exists(u), 1);
    assert_int_equal(hb_users_drop(u, "nobody", &e), HB_ENOTFOUND);
    assert_string_equal(e.msg, "user not found");
    assert_int_equal(hb_users_set_password(u, "nobody", "x", &e), HB_ENOTFOUND);
    assert_int_equal(hb_users_grant(u, "nobody", "db", HB_IQL_PRIV_READ, &e), HB_ENOTFOUND);
    assert_int_equal(hb_users_drop(u, "bob", &e), HB_OK);
    assert_int_equal(hb_users_drop(u, "root", &e), HB_OK);
    assert_int_equal(hb_users_count(u), 0);
    hb_users_free(u);
}

static void passwords_and_cache(void **state)
{
    (void)state;
    hb_users *u = open_users();
    hb_err e;
    hb_principal *p;
    assert_int_equal(hb_users_create(u, "bob", "pw", 0, &e), HB_OK);
    assert_int_equal(hb_users_authenticate(u, "bob", "bad", &p, &e), HB_EINVAL);
    assert_null(p);
    assert_int_equal(hb_users_authenticate(u, "nobody", "pw", &p, &e), HB_EINVAL);
    assert_int_equal(hb_users_authenticate(u, "bob", "pw", &p, &e), HB_OK);
    assert_string_equal(p->name, "bob");
    hb_principal_free(p);
    /* cached now; the cache must not let a wrong password or the old one in */
    assert_int_equal(hb_users_authenticate(u, "bob", "pw", &p, &e), HB_OK);
    hb_principal_free(p);
    assert_int_equal(hb_users_authenticate(u, "bob", "pw2", &p, &e), HB_EINVAL);
    assert_int_equal(hb_users_set_password(u, "bob", "pw2", &e), HB_OK);
    assert_int_equal(hb_users_authenticate(u, "bob", "pw", &p, &e), HB_EINVAL);
    assert_int_equal(hb_users_authenticate(u, "bob", "pw2", &p, &e), HB_OK);
    hb_principal_free(p);
    assert_int_equal(hb_users_drop(u, "bob", &e), HB_OK);
    assert_int_equal(hb_users_authenticate(u, "bob", "pw2", &p, &e), HB_EINVAL);
    hb_users_free(u);
}

/* what is stored: a PHC argon2id string, never the password */
static int find_plain(void *ctx, const char *key, size_t klen, const char *val, size_t vlen)
{
    (void)key;
    (void)klen;
    int *seen = ctx;
    if (memmem(val, vlen, "sekr1t", 6))
        seen[0] = 1;
    if (memmem(val, vlen, "\"hash\":\"$argon2id$v=19$m=8192,t=2,p=1$", 38))
        seen[1] = 1;
    return 0;
}

static void persisted_in_order(void **state)
{
    (void)state;
    hb_users *u = open_users();
    hb_err e;
    assert_int_equal(hb_users_create(u, "zed", "sekr1t", 1, &e), HB_OK);
    assert_int_equal(hb_users_create(u, "amy", "a", 0, &e), HB_OK);
    assert_int_equal(hb_users_grant(u, "amy", "db2", HB_IQL_PRIV_WRITE, &e), HB_OK);
    assert_int_equal(hb_users_grant(u, "amy", "db1", HB_IQL_PRIV_ALL, &e), HB_OK);
    assert_int_equal(hb_users_revoke(u, "amy", "db1", HB_IQL_PRIV_READ, &e), HB_OK);
    hb_users_free(u);

    int seen[2] = { 0, 0 };
    assert_int_equal(meta.scan(meta.self, "user:", 5, find_plain, seen, &e), HB_OK);
    assert_int_equal(seen[0], 0);
    assert_int_equal(seen[1], 1);

    u = open_users();
    hb_principal *v;
    size_t n;
    assert_int_equal(hb_users_list(u, &v, &n, &e), HB_OK);
    assert_int_equal(n, 2);
    assert_string_equal(v[0].name, "zed");   /* creation order */
    assert_true(v[0].admin);
    assert_string_equal(v[1].name, "amy");
    assert_int_equal(v[1].nprivs, 2);
    assert_string_equal(v[1].privs[0].db, "db1");   /* sorted */
    assert_int_equal(v[1].privs[0].priv, HB_IQL_PRIV_WRITE);   /* ALL minus READ */
    assert_int_equal(v[1].privs[1].priv, HB_IQL_PRIV_WRITE);
    hb_principals_free(v, n);
    /* a new user after reopen comes last */
    assert_int_equal(hb_users_create(u, "bea", "b", 0, &e), HB_OK);
    assert_int_equal(hb_users_list(u, &v, &n, &e), HB_OK);
    assert_string_equal(v[2].name, "bea");
    hb_principals_free(v, n);
    assert_int_equal(hb_users_forget_database(u, "db1", &e), HB_OK);
    hb_principal *p;
    assert_int_equal(hb_users_get(u, "amy", &p, &e), HB_OK);
    assert_int_equal(p->nprivs, 1);
    assert_string_equal(p->privs[0].db, "db2");
    hb_principal_free(p);
    hb_users_drop(u, "zed", &e);
    hb_users_drop(u, "amy", &e);
    hb_users_drop(u, "bea", &e);
    hb_users_free(u);
}

static void privilege_resolution(void **state)
{
    (void)state;
    hb_user_priv privs[] = { { "r", HB_IQL_PRIV_READ }, { "w", HB_IQL_PRIV_WRITE }, { "a", HB_IQL_PRIV_ALL },
                             { "n", HB_IQL_PRIV_NONE } };
    hb_principal p = { "bob", 0, privs, 4 };
    assert_true(hb_principal_can(&p, HB_IQL_PRIV_READ, "r"));
    assert_false(hb_principal_can(&p, HB_IQL_PRIV_WRITE, "r"));
    assert_true(hb_principal_can(&p, HB_IQL_PRIV_WRITE, "w"));
    assert_false(hb_principal_can(&p, HB_IQL_PRIV_READ, "w"));
    assert_true(hb_principal_can(&p, HB_IQL_PRIV_READ, "a"));
    assert_true(hb_principal_can(&p, HB_IQL_PRIV_WRITE, "a"));
    assert_false(hb_principal_can(&p, HB_IQL_PRIV_READ, "n"));
    assert_false(hb_principal_can(&p, HB_IQL_PRIV_READ, "other"));
    assert_false(hb_principal_can(&p, HB_IQL_PRIV_READ, ""));
    assert_true(hb_principal_can(&p, HB_IQL_PRIV_NONE, "other"));
    p.admin = 1;
    assert_true(hb_principal_can(&p, HB_IQL_PRIV_WRITE, "other"));
}

static int authz(hb_users *u, const hb_principal *p, const char *q, const char *db, hb_err *e)
{
    hb_arena a;
    hb_arena_init(&a, 4096, 0);
    hb_iql_query *query;
    hb_err pe;
    assert_int_equal(hb_influxql_parse(q, strlen(q), NULL, &a, &query, &pe), HB_OK);
    int rc = hb_authz_query(u, p, query, db, e);
    hb_arena_free(&a);
    return rc;
}

static void statements(void **state)
{
    (void)state;
    hb_users *u = open_users();
    hb_err e;
    /* no user yet: only a first CREATE USER ... WITH ALL PRIVILEGES */
    assert_int_equal(authz(u, NULL, "SHOW DATABASES", NULL, &e), HB_EINVAL);
    assert_string_equal(e.msg, "create admin user first or disable authentication");
    assert_int_equal(authz(u, NULL, "CREATE USER a WITH PASSWORD 'x'", NULL, &e), HB_EINVAL);
    assert_int_equal(authz(u, NULL, "CREATE USER a WITH PASSWORD 'x' WITH ALL PRIVILEGES; SHOW USERS", NULL, &e),
                     HB_OK);
    assert_int_equal(hb_users_create(u, "root", "r", 1, &e), HB_OK);
    assert_int_equal(authz(u, NULL, "SHOW DATABASES", NULL, &e), HB_EINVAL);
    assert_string_equal(e.msg, "no user provided");

    hb_user_priv privs[] = { { "db1", HB_IQL_PRIV_READ }, { "db2", HB_IQL_PRIV_WRITE } };
    hb_principal bob = { "bob", 0, privs, 2 };
    assert_int_equal(authz(u, &bob, "SELECT * FROM m; SHOW MEASUREMENTS; SHOW DATABASES", "db1", &e), HB_OK);
    assert_int_equal(authz(u, &bob, "SELECT * INTO db2..x FROM db1..m", NULL, &e), HB_OK);
    assert_int_equal(authz(u, &bob, "SELECT * FROM (SELECT * FROM (SELECT * FROM db2..m))", "db1", &e), HB_EINVAL);
    assert_string_equal(e.msg, "bob not authorized to execute statement "
                               "'SELECT * FROM (SELECT * FROM (SELECT * FROM db2..m))', requires READ on db2");
    assert_int_equal(authz(u, &bob, "SELECT * INTO x FROM m", "db1", &e), HB_EINVAL);
    assert_string_equal(e.msg, "bob not authorized to execute statement 'SELECT * INTO x FROM m', requires WRITE on db1");
    assert_int_equal(authz(u, &bob, "DELETE FROM m", "db2", &e), HB_OK);
    assert_int_equal(authz(u, &bob, "DROP MEASUREMENT m", "db2", &e), HB_EINVAL);
    assert_string_equal(e.msg, "bob not authorized to execute statement 'DROP MEASUREMENT m', requires admin privilege");
    assert_int_equal(authz(u, &bob, "SELECT * FROM m", NULL, &e), HB_EINVAL);
    assert_string_equal(e.msg, "bob not authorized to execute statement 'SELECT * FROM m', requires READ on ");

    hb_authz_need need[4];
    hb_arena a;
    hb_arena_init(&a, 4096, 0);
    hb_iql_query *q;
    const char *text = "SELECT * INTO d3..x FROM d1..m, (SELECT * FROM d2..m)";
    assert_int_equal(hb_influxql_parse(text, strlen(text), NULL, &a, &q, &e), HB_OK);
    assert_int_equal(hb_authz_required(q->stmts[0], need, 4), 3);
    assert_string_equal(need[0].db, "d1");
    assert_string_equal(need[1].db, "d2");
    assert_string_equal(need[2].db, "d3");
    assert_int_equal(need[2].priv, HB_IQL_PRIV_WRITE);
    hb_arena_free(&a);
    hb_users_drop(u, "root", &e);
    hb_users_free(u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(create_drop_texts),
        cmocka_unit_test(passwords_and_cache),
        cmocka_unit_test(persisted_in_order),
        cmocka_unit_test(privilege_resolution),
        cmocka_unit_test(statements),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
