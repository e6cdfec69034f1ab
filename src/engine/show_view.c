/* The SHOW statements' view of the catalog: databases with their
 * measurement names, and per measurement (loaded only when a statement needs
 * them) tag keys, fields and series. Everything is copied into the
 * statement's scratch arena, so the catalog lock is held only while copying.
 *
 * Series keys are kept in their canonical escaped form (what SHOW SERIES
 * prints) and parsed into unescaped tags only when a condition looks at
 * them. Parsing follows InfluxDB's scanner: a backslash protects the next
 * byte from being a separator; "\," "\ " (and "\=" in tags) unescape. */
#include "engine/show_internal.h"

#include <stdlib.h>
#include <string.h>

#include "base/hashmap.h"

int sh_db_get(sh_ctx *x, const char *name, sh_db **out)
{
    for (size_t i = 0; i < x->ndbs; i++)
        if (strcmp(x->dbs[i]->name, name) == 0) {
            *out = x->dbs[i];
            return HB_OK;
        }
    char **names = NULL;
    size_t n = 0;
    int rc = hb_catalog_list_measurements(x->cat, name, &names, &n, x->err);
    if (rc)
        return rc;
    sh_db *d = hb_arena_calloc(&x->a, sizeof *d);
    if (!d || !(d->name = sh_strdup(x, name, strlen(name))) ||
        !(d->meas = hb_arena_calloc(&x->a, (n ? n : 1) * sizeof *d->meas)))
        goto nomem;
    for (size_t i = 0; i < n; i++) {
        sh_meas *m = &d->meas[i];
        m->nlen = strlen(names[i]);
        if (!(m->name = sh_strdup(x, names[i], m->nlen)))
            goto nomem;
        m->db = d;
    }
    d->nmeas = n;
    if (x->ndbs == x->capdbs) {
        size_t ncap = x->capdbs ? x->capdbs * 2 : 4;
        sh_db **nd = hb_arena_alloc(&x->a, ncap * sizeof *nd);
        if (!nd)
            goto nomem;
        if (x->ndbs)
            memcpy(nd, x->dbs, x->ndbs * sizeof *nd);
        x->dbs = nd;
        x->capdbs = ncap;
    }
    x->dbs[x->ndbs++] = d;
    hb_strv_free(names, n);
    *out = d;
    return HB_OK;
nomem:
    hb_strv_free(names, n);
    return sh_nomem(x);
}

typedef struct load_ctx {
    sh_ctx *x;
    sh_meas *m;
    size_t cap;
    int oom;
} load_ctx;

static int load_one(void *ctx, const char *meas, size_t meas_len, const char *key, size_t key_len, uint64_t id)
{
    load_ctx *l = ctx;
    if (l->m->nseries == l->cap || key_len > UINT32_MAX)
        return 0;  /* registered after we counted: not part of this answer */
    char *k = hb_arena_alloc(&l->x->a, key_len + 1);
    if (!k) {
        l->oom = 1;
        return 1;
    }
    memcpy(k, key, key_len);
    k[key_len] = '\0';
    sh_series *s = &l->m->series[l->m->nseries++];
    s->key = k;
    s->klen = (uint32_t)key_len;
    s->plain = memchr(k, '\\', key_len) == NULL;
    s->ntags = -1;
    s->tags = NULL;
    return 0;
}

int sh_meas_load_series(sh_ctx *x, sh_meas *m)
{
    if (m->series_loaded)
        return HB_OK;
    uint64_t n = 0;
    int rc = hb_catalog_count_series(x->cat, m->db->name, m->name, &n, x->err);
    if (rc)
        return rc;
    if (n > SIZE_MAX / sizeof(sh_series) - 1 || !(m->series = hb_arena_alloc(&x->a, (size_t)(n + 1) * sizeof *m->series)))
        return sh_nomem(x);
    load_ctx l = { x, m, (size_t)n, 0 };
    m->nseries = 0;
    rc = hb_catalog_foreach_rp_series(x->cat, m->db->name, m->db->series_in_rp ? (m->db->rp ? m->db->rp : "") : NULL,
                                      m->name, load_one, &l, x->err);
    if (l.oom)
        return sh_nomem(x);
    if (rc)
        return rc;
    m->series_loaded = 1;
    return HB_OK;
}

int sh_meas_load_keys(sh_ctx *x, sh_meas *m)
{
    if (m->keys_loaded)
        return HB_OK;
    char **keys = NULL;
    size_t n = 0;
    int rc = hb_catalog_list_tag_keys(x->cat, m->db->name, m->name, &keys, &n, x->err);
    if (rc)
        return rc;
    m->keys = hb_arena_alloc(&x->a, (n ? n : 1) * sizeof *m->keys);
    for (size_t i = 0; m->keys && i < n; i++)
        if (!(m->keys[i] = sh_strdup(x, keys[i], strlen(keys[i]))))
            m->keys = NULL;
    hb_strv_free(keys, n);
    if (!m->keys)
        return sh_nomem(x);
    m->nkeys = n;
    m->keys_loaded = 1;
    return HB_OK;
}

int sh_meas_load_fields(sh_ctx *x, sh_meas *m)
{
    if (m->fields_loaded)
        return HB_OK;
    hb_field_info *f = NULL;
    size_t n = 0;
    int rc = hb_catalog_list_rp_fields(x->cat, m->db->name, m->db->rp, m->name, &f, &n, x->err);
    if (rc)
        return rc;
    m->fields = hb_arena_alloc(&x->a, (n ? n : 1) * sizeof *m->fields);
    for (size_t i = 0; m->fields && i < n; i++) {
        m->fields[i].type = f[i].type;
        if (!(m->fields[i].name = sh_strdup(x, f[i].name, strlen(f[i].name))))
            m->fields = NULL;
    }
    hb_field_info_free(f, n);
    if (!m->fields)
        return sh_nomem(x);
    m->nfields = n;
    m->fields_loaded = 1;
    return HB_OK;
}

int sh_meas_has_field(sh_ctx *x, sh_meas *m, const char *name, size_t n)
{
    int rc = sh_meas_load_fields(x, m);
    if (rc)
        return rc;
    size_t lo = 0, hi = m->nfields;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const char *f = m->fields[mid].name;
        size_t fl = strlen(f);
        int c = memcmp(f, name, fl < n ? fl : n);
        if (!c)
            c = (fl > n) - (fl < n);
        if (!c)
            return 1;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

long sh_meas_key_index(const sh_meas *m, const char *key, size_t n)
{
    size_t lo = 0, hi = m->nkeys;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const char *k = m->keys[mid];
        size_t kl = strlen(k);
        int c = memcmp(k, key, kl < n ? kl : n);
        if (!c)
            c = (kl > n) - (kl < n);
        if (!c)
            return (long)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* ---- series keys ------------------------------------------------------- */

enum { C_NAME, C_KEY, C_VALUE };

/* End of the component starting at p (an unescaped separator or end). */
static const char *comp_end(const char *p, const char *end, int comp)
{
    while (p < end) {
        if (*p == '\\' && p + 1 < end) {
            p += 2;
            continue;
        }
        if ((comp == C_KEY && *p == '=') || (comp != C_KEY && *p == ','))
            return p;
        p++;
    }
    return end;
}

static int is_escaped(char c, int comp) { return c == ',' || c == ' ' || (comp != C_NAME && c == '='); }

/* The unescaped text of [p, e): a slice into the key when nothing is
 * escaped, else a copy in the arena. */
static int unescape(sh_ctx *x, const char *p, const char *e, int comp, hb_slice *out)
{
    const char *bs = memchr(p, '\\', (size_t)(e - p));
    if (!bs) {
        *out = (hb_slice){ p, (size_t)(e - p) };
        return HB_OK;
    }
    char *d = hb_arena_alloc(&x->a, (size_t)(e - p) + 1);
    if (!d)
        return sh_nomem(x);
    size_t n = 0;
    while (p < e) {
        if (*p == '\\' && p + 1 < e && is_escaped(p[1], comp)) {
            d[n++] = p[1];
            p += 2;
        } else if (*p == '\\' && p + 1 < e) {
            d[n++] = p[0];
            d[n++] = p[1];
            p += 2;
        } else {
            d[n++] = *p++;
        }
    }
    *out = (hb_slice){ d, n };
    return HB_OK;
}

/* Parses a key with escapes into s->tags (once). */
static int series_parse(sh_ctx *x, sh_series *s)
{
    if (s->ntags >= 0)
        return HB_OK;
    const char *p = s->key, *end = s->key + s->klen;
    p = comp_end(p, end, C_NAME);
    uint32_t n = 0;
    for (const char *q = p; q < end; n++) {
        q = comp_end(q + 1, end, C_KEY);
        q = q < end ? comp_end(q + 1, end, C_VALUE) : end;
    }
    hb_tag *tags = hb_arena_alloc(&x->a, (n ? n : 1) * sizeof *tags);
    if (!tags)
        return sh_nomem(x);
    uint32_t k = 0;
    while (p < end && k < n) {
        const char *ks = p + 1, *ke = comp_end(ks, end, C_KEY);
        const char *vs = ke < end ? ke + 1 : end, *ve = ke < end ? comp_end(vs, end, C_VALUE) : end;
        if (unescape(x, ks, ke, C_KEY, &tags[k].key) || unescape(x, vs, ve, C_VALUE, &tags[k].val))
            return HB_ENOMEM;
        k++;
        p = ve;
    }
    s->tags = tags;
    s->ntags = (int32_t)k;
    return HB_OK;
}

int sh_tags_begin(sh_ctx *x, sh_series *s, sh_tagit *it)
{
    it->s = s;
    it->i = 0;
    if (s->plain) {
        /* no escapes: the name ends at the first ',', tags are k=v */
        it->p = memchr(s->key, ',', s->klen);
        if (!it->p)
            it->p = s->key + s->klen;
        return HB_OK;
    }
    it->p = NULL;
    return series_parse(x, s);
}

int sh_tags_next(sh_tagit *it, hb_slice *key, hb_slice *val)
{
    const sh_series *s = it->s;
    if (!s->plain) {
        if (it->i >= s->ntags)
            return 0;
        *key = s->tags[it->i].key;
        *val = s->tags[it->i].val;
        it->i++;
        return 1;
    }
    const char *end = s->key + s->klen;
    if (it->p >= end)
        return 0;
    const char *k = it->p + 1;
    const char *eq = memchr(k, '=', (size_t)(end - k));
    const char *v = eq ? eq + 1 : end;
    const char *ve = memchr(v, ',', (size_t)(end - v));
    if (!ve)
        ve = end;
    *key = (hb_slice){ k, (size_t)((eq ? eq : end) - k) };
    *val = (hb_slice){ v, (size_t)(ve - v) };
    it->p = ve;
    return 1;
}

static int slice_cmp(hb_slice a, const char *b, size_t n)
{
    int c = memcmp(a.p, b, a.n < n ? a.n : n);
    return c ? c : (a.n > n) - (a.n < n);
}

int sh_series_tag(sh_ctx *x, sh_series *s, const char *key, size_t n, hb_slice *val)
{
    sh_tagit it;
    hb_slice k, v;
    int rc = sh_tags_begin(x, s, &it);
    if (rc)
        return rc;
    if (!s->plain) {
        size_t lo = 0, hi = (size_t)s->ntags;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            int c = slice_cmp(s->tags[mid].key, key, n);
            if (!c) {
                *val = s->tags[mid].val;
                return 1;
            }
            if (c < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        return 0;
    }
    while (sh_tags_next(&it, &k, &v)) {
        int c = slice_cmp(k, key, n);
        if (!c) {
            *val = v;
            return 1;
        }
        if (c > 0)
            break;  /* tags are sorted by key */
    }
    return 0;
}

/* A cursor over a canonical key yielding unescaped bytes (0..255), K_SEP at
 * the end of a component and K_END at the end of the key. K_END < K_SEP <
 * any byte gives CompareSeriesKeys' order: shorter component first, fewer
 * tags first. */
enum { K_END = -2, K_SEP = -1 };

typedef struct kcur {
    const char *p, *end;
    int comp;
    int protect;  /* the byte after a literal backslash is never a separator */
} kcur;

static int knext(kcur *c)
{
    if (c->p >= c->end)
        return K_END;
    unsigned char ch = (unsigned char)*c->p;
    if (ch == '\\' && !c->protect && c->p + 1 < c->end) {
        if (is_escaped(c->p[1], c->comp)) {
            c->p += 2;
            return (unsigned char)c->p[-1];
        }
        c->p++;
        c->protect = 1;
        return '\\';
    }
    if (!c->protect) {
        if (c->comp != C_KEY && ch == ',') {
            c->p++;
            c->comp = C_KEY;
            return K_SEP;
        }
        if (c->comp == C_KEY && ch == '=') {
            c->p++;
            c->comp = C_VALUE;
            return K_SEP;
        }
    }
    c->protect = 0;
    c->p++;
    return ch;
}

static int key_cmp_slow(const char *a, size_t an, const char *b, size_t bn)
{
    kcur x = { a, a + an, C_NAME, 0 }, y = { b, b + bn, C_NAME, 0 };
    for (;;) {
        int u = knext(&x), v = knext(&y);
        if (u != v)
            return u < v ? -1 : 1;
        if (u == K_END)
            return 0;
    }
}

/* Length of the common prefix of a and b (n = the shorter length). */
static size_t common_prefix(const char *a, const char *b, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x, y;
        memcpy(&x, a + i, 8);
        memcpy(&y, b + i, 8);
        if (x != y) {
            for (; a[i] == b[i]; i++) {
            }
            return i;
        }
    }
    while (i < n && a[i] == b[i])
        i++;
    return i;
}

/* Unit at a[i] of a plain key whose first i bytes are shared: K_END, K_SEP
 * or the byte. comp is the component position i is in. */
static int plain_unit(const char *a, size_t an, size_t i, int comp)
{
    if (i >= an)
        return K_END;
    char c = a[i];
    if ((comp != C_KEY && c == ',') || (comp == C_KEY && c == '='))
        return K_SEP;
    return (unsigned char)c;
}

int sh_series_key_cmp(const char *a, size_t an, int aplain, const char *b, size_t bn, int bplain)
{
    if (!aplain || !bplain)
        return key_cmp_slow(a, an, b, bn);
    size_t i = common_prefix(a, b, an < bn ? an : bn);
    if (i == an && i == bn)
        return 0;
    /* which component the shared prefix ends in: the name until the first
     * ',', then a key until '=', a value until ',' */
    int comp = C_NAME;
    const char *lc = i ? memrchr(a, ',', i) : NULL;
    if (lc)
        comp = memchr(lc, '=', (size_t)(a + i - lc)) ? C_VALUE : C_KEY;
    int u = plain_unit(a, an, i, comp), v = plain_unit(b, bn, i, comp);
    return u < v ? -1 : u > v;
}

int sh_meas_cmp_name(const void *a, const void *b)
{
    const sh_meas *x = *(sh_meas *const *)a, *y = *(sh_meas *const *)b;
    int c = memcmp(x->name, y->name, x->nlen < y->nlen ? x->nlen : y->nlen);
    return c ? c : (x->nlen > y->nlen) - (x->nlen < y->nlen);
}

static int cmp_cstrp(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

int sh_union_keys(sh_ctx *x, sh_meas *const *ms, size_t n, const char ***out, size_t *nout)
{
    hb_strmap seen;
    hb_strmap_init(&seen);
    size_t total = 0, k = 0;
    int rc = HB_OK;
    for (size_t i = 0; i < n; i++) {
        if ((rc = sh_meas_load_keys(x, ms[i])))
            goto out;
        total += ms[i]->nkeys;
    }
    const char **v = hb_arena_alloc(&x->a, (total ? total : 1) * sizeof *v);
    if (!v)
        goto nomem;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < ms[i]->nkeys; j++) {
            const char *key = ms[i]->keys[j];
            size_t kl = strlen(key);
            if (hb_strmap_get(&seen, key, kl))
                continue;
            if (hb_strmap_put(&seen, key, kl, (void *)1))
                goto nomem;
            v[k++] = key;
        }
    qsort(v, k, sizeof *v, cmp_cstrp);
    *out = v;
    *nout = k;
    goto out;
nomem:
    rc = sh_nomem(x);
out:
    hb_strmap_free(&seen);
    return rc;
}
