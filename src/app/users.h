/* Users and privileges, as InfluxDB 1.x keeps them: a name, a password
 * hash, an admin flag and one privilege (none, READ, WRITE, ALL) per
 * database. Held in memory, persisted in the metadata store under
 * "user:{name}" (name escaped as app/meta_key.h does), one JSON value each:
 *
 *   {"name":"bob","hash":"$argon2id$v=19$m=8192,t=2,p=1$<salt>$<hash>",
 *    "admin":false,"seq":3,"privileges":{"db1":"read","db2":"all"}}
 *
 * hash: argon2id PHC string (16-byte salt from getrandom(), 32-byte hash,
 * t=2, m=8 MiB, p=1: a few ms per verification); seq: creation order
 * (SHOW USERS lists users in it, as influxd does); privileges: "none",
 * "read", "write" or "all" (a REVOKE can leave "none", shown as
 * NO PRIVILEGES like influxd). Every change is written with a synced
 * batch before it is visible.
 *
 * Successful verifications are cached for auth.cache_secs under a keyed
 * digest of name and password (a random key drawn at start-up; argon2id
 * with minimal cost used as the keyed hash), so clients sending
 * credentials on every request pay argon2 once per period. SET PASSWORD
 * and DROP USER drop the user's cache entries (the cache only vouches for
 * the password: rights are read from the store on every authentication).
 * Plaintext passwords are never stored or logged. Thread-safe. */
#ifndef HB_APP_USERS_H
#define HB_APP_USERS_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "domain/influxql/ast.h"
#include "ports/meta_port.h"

typedef struct hb_users hb_users;

/* A user's rights at one moment (copied at authentication: a request runs
 * with the rights it started with). */
typedef struct hb_user_priv {
    char *db;
    hb_iql_privilege priv;
} hb_user_priv;

typedef struct hb_principal {
    char *name;
    int admin;
    hb_user_priv *privs;   /* sorted by db */
    size_t nprivs;
} hb_principal;

/* Loads every "user:" key. The store is owned by the caller (hb_users_free);
 * meta must outlive it. cache_secs 0 disables the verification cache. */
int hb_users_open(hb_meta_port *meta, int cache_secs, hb_users **out, hb_err *err);
void hb_users_free(hb_users *u);

size_t hb_users_count(hb_users *u);
int hb_users_admin_exists(hb_users *u);

/* InfluxDB's texts: "username required", "user already exists" (creating an
 * existing user with the same password and admin flag succeeds),
 * "user not found". */
int hb_users_create(hb_users *u, const char *name, const char *password, int admin, hb_err *err);
int hb_users_drop(hb_users *u, const char *name, hb_err *err);
int hb_users_set_password(hb_users *u, const char *name, const char *password, hb_err *err);
int hb_users_set_admin(hb_users *u, const char *name, int admin, hb_err *err);
/* Sets (GRANT) or clears bits of (REVOKE) the privilege on db; the caller
 * has checked that db exists. */
int hb_users_grant(hb_users *u, const char *name, const char *db, hb_iql_privilege p, hb_err *err);
int hb_users_revoke(hb_users *u, const char *name, const char *db, hb_iql_privilege p, hb_err *err);
/* DROP DATABASE: every user loses its privilege on db. */
int hb_users_forget_database(hb_users *u, const char *db, hb_err *err);

/* A snapshot of one user (HB_ENOTFOUND "user not found"), or of every user
 * in creation order. Free with hb_principal_free / hb_principals_free. */
int hb_users_get(hb_users *u, const char *name, hb_principal **out, hb_err *err);
int hb_users_list(hb_users *u, hb_principal **out, size_t *n, hb_err *err);

/* Checks name/password; on success *out is the user's snapshot. A wrong
 * password or unknown user is HB_EINVAL (an unknown user costs a
 * verification too, so timing does not tell which). */
int hb_users_authenticate(hb_users *u, const char *name, const char *password, hb_principal **out, hb_err *err);

hb_principal *hb_principal_dup(const hb_principal *p);
void hb_principal_free(hb_principal *p);
void hb_principals_free(hb_principal *p, size_t n);
/* InfluxDB's AuthorizeDatabase: admin, or NONE asked, or the privilege on
 * db equal to the one asked or ALL. */
int hb_principal_can(const hb_principal *p, hb_iql_privilege want, const char *db);

#endif
