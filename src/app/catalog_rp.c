#include "app/catalog_rp.h"

#include <stdlib.h>
#include <string.h>

#include "base/err.h"

hb_fset *hb_fsets_find(const hb_fsets *s, const char *rp)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->v[i]->rp, rp) == 0)
            return s->v[i];
    return NULL;
}

static void fset_free(hb_fset *f)
{
    if (!f)
        return;
    hb_strmap_free(&f->fields);
    free(f->rp);
    free(f);
}

hb_fset *hb_fsets_add(hb_fsets *s, const char *rp)
{
    if (s->n == s->cap) {
        size_t ncap = s->cap ? s->cap * 2 : 2;
        hb_fset **nv = realloc(s->v, ncap * sizeof *nv);
        if (!nv)
            return NULL;
        s->v = nv;
        s->cap = ncap;
    }
    hb_fset *f = calloc(1, sizeof *f);
    if (!f || !(f->rp = strdup(rp))) {
        free(f);
        return NULL;
    }
    hb_strmap_init(&f->fields);
    s->v[s->n++] = f;
    return f;
}

void hb_fsets_remove(hb_fsets *s, const char *rp)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->v[i]->rp, rp) == 0) {
            fset_free(s->v[i]);
            memmove(&s->v[i], &s->v[i + 1], (s->n - i - 1) * sizeof *s->v);
            s->n--;
            return;
        }
}

void hb_fsets_free(hb_fsets *s)
{
    for (size_t i = 0; i < s->n; i++)
        fset_free(s->v[i]);
    free(s->v);
    memset(s, 0, sizeof *s);
}

int hb_rpslots_find(const hb_rpslots *s, const char *rp)
{
    for (int i = 0; i < HB_RPSLOTS; i++)
        if (s->name[i] && strcmp(s->name[i], rp) == 0)
            return i;
    return -1;
}

int hb_rpslots_get(hb_rpslots *s, const char *rp)
{
    int i = hb_rpslots_find(s, rp);
    if (i >= 0)
        return i;
    for (i = 0; i < HB_RPSLOTS; i++)
        if (!s->name[i]) {
            if (!(s->name[i] = strdup(rp)))
                return -2;
            return i;
        }
    return -1;
}

int hb_rpslots_release(hb_rpslots *s, const char *rp)
{
    int i = hb_rpslots_find(s, rp);
    if (i >= 0) {
        free(s->name[i]);
        s->name[i] = NULL;
    }
    return i;
}

void hb_rpslots_free(hb_rpslots *s)
{
    for (int i = 0; i < HB_RPSLOTS; i++) {
        free(s->name[i]);
        s->name[i] = NULL;
    }
}

static int all_taken(const hb_rpslots *s)
{
    for (int i = 0; i < HB_RPSLOTS; i++)
        if (!s->name[i])
            return 0;
    return 1;
}

int hb_rpslots_member(const hb_rpslots *s, const char *rp, uint64_t mask)
{
    int i = hb_rpslots_find(s, rp);
    if (i >= 0)
        return (mask >> i) & 1;
    return all_taken(s);
}
