/* dict.c - insertion-ordered hash table (an index table over a compact entry array, like
 * CPython's), keys by value for str / int / float / tuple, by identity otherwise. */
#include "stackless/pycore.h"

typedef struct {
    Py_hash_t hash;
    PyObject *key;     /* NULL: deleted entry */
    PyObject *value;
} entry;

struct _slp_dictobject {
    PyObject_HEAD
    Py_ssize_t used;       /* live items */
    Py_ssize_t nentries;   /* entries in use, deleted ones included */
    Py_ssize_t entcap;     /* capacity of entries */
    Py_ssize_t tabsize;    /* index table size: 0 or a power of two */
    Py_ssize_t *table;     /* IX_EMPTY, IX_DUMMY or an entry index */
    entry *entries;
};

#define D(op) ((struct _slp_dictobject *)(op))
#define IX_EMPTY (-1)
#define IX_DUMMY (-2)
#define FOUND_ERROR (-2)

PyObject *PyDict_New(void) {
    struct _slp_dictobject *d = (struct _slp_dictobject *)PyObject_Calloc(1, sizeof *d);
    if (!d) return PyErr_NoMemory();
    PyObject_Init((PyObject *)d, &PyDict_Type);
    return (PyObject *)d;
}

/* hash that cannot fail for the common key types */
static Py_hash_t key_hash(PyObject *key) {
    if (PyUnicode_CheckExact(key)) return _PySlp_UnicodeHash(key);
    return PyObject_Hash(key);
}

static int keys_equal(PyObject *a, PyObject *b) {
    if (a == b) return 1;
    if (PyUnicode_CheckExact(a) && PyUnicode_CheckExact(b)) return _PySlp_UnicodeEqual(a, b);
    return PyObject_RichCompareBool(a, b, Py_EQ);
}

/* Index of the entry with `key`, -1 if missing (then *slot is the table slot to insert at),
 * FOUND_ERROR on a comparison error. */
static Py_ssize_t lookup(struct _slp_dictobject *d, PyObject *key, Py_hash_t hash, Py_ssize_t *slot) {
    if (d->tabsize == 0) {
        if (slot) *slot = -1;
        return -1;
    }
    size_t mask = (size_t)d->tabsize - 1, perturb = (size_t)hash, i = (size_t)hash & mask;
    Py_ssize_t freeslot = -1;
    for (;;) {
        Py_ssize_t ix = d->table[i];
        if (ix == IX_EMPTY) {
            if (slot) *slot = freeslot >= 0 ? freeslot : (Py_ssize_t)i;
            return -1;
        }
        if (ix == IX_DUMMY) {
            if (freeslot < 0) freeslot = (Py_ssize_t)i;
        } else {
            entry *e = &d->entries[ix];
            if (e->key == key) return ix;
            if (e->hash == hash) {
                int eq = keys_equal(e->key, key);
                if (eq < 0) return FOUND_ERROR;
                if (eq) return ix;
            }
        }
        perturb >>= 5;
        i = (i * 5 + perturb + 1) & mask;
    }
}

static Py_ssize_t lookup_cstr(struct _slp_dictobject *d, const char *key, size_t n, Py_hash_t hash) {
    if (d->tabsize == 0) return -1;
    size_t mask = (size_t)d->tabsize - 1, perturb = (size_t)hash, i = (size_t)hash & mask;
    for (;;) {
        Py_ssize_t ix = d->table[i];
        if (ix == IX_EMPTY) return -1;
        if (ix >= 0) {
            entry *e = &d->entries[ix];
            if (e->hash == hash && PyUnicode_Check(e->key)) {
                Py_ssize_t kn;
                const char *kd = _PySlp_UnicodeData(e->key, &kn);
                if ((size_t)kn == n && memcmp(kd, key, n) == 0) return ix;
            }
        }
        perturb >>= 5;
        i = (i * 5 + perturb + 1) & mask;
    }
}

static int resize(struct _slp_dictobject *d, Py_ssize_t minused) {
    Py_ssize_t tabsize = 8;
    while (tabsize * 2 / 3 < minused) {
        if (tabsize > PY_SSIZE_T_MAX / 4 / (Py_ssize_t)sizeof(entry)) {
            PyErr_NoMemory();
            return -1;
        }
        tabsize *= 2;
    }
    Py_ssize_t entcap = tabsize * 2 / 3;
    Py_ssize_t *table = (Py_ssize_t *)PyMem_Malloc((size_t)tabsize * sizeof(Py_ssize_t));
    entry *entries = (entry *)PyMem_Malloc((size_t)entcap * sizeof(entry));
    if (!table || !entries) {
        PyMem_Free(table);
        PyMem_Free(entries);
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < tabsize; i++) table[i] = IX_EMPTY;
    Py_ssize_t n = 0;
    size_t mask = (size_t)tabsize - 1;
    for (Py_ssize_t k = 0; k < d->nentries; k++) {
        entry *e = &d->entries[k];
        if (!e->key) continue;
        entries[n] = *e;
        size_t perturb = (size_t)e->hash, i = (size_t)e->hash & mask;
        while (table[i] != IX_EMPTY) {
            perturb >>= 5;
            i = (i * 5 + perturb + 1) & mask;
        }
        table[i] = n++;
    }
    PyMem_Free(d->table);
    PyMem_Free(d->entries);
    d->table = table;
    d->entries = entries;
    d->tabsize = tabsize;
    d->entcap = entcap;
    d->nentries = n;
    return 0;
}

static int insert(struct _slp_dictobject *d, PyObject *key, Py_hash_t hash, PyObject *value) {
    Py_ssize_t slot;
    Py_ssize_t ix = lookup(d, key, hash, &slot);
    if (ix == FOUND_ERROR) return -1;
    if (ix >= 0) {
        Py_INCREF(value);
        Py_SETREF(d->entries[ix].value, value);
        return 0;
    }
    if (d->nentries >= d->entcap) {
        if (resize(d, (d->used + 1) * 3 / 2 + 1) < 0) return -1;
        lookup(d, key, hash, &slot);   /* no error possible: the key is absent */
    }
    entry *e = &d->entries[d->nentries];
    e->hash = hash;
    e->key = Py_NewRef(key);
    e->value = Py_NewRef(value);
    d->table[slot] = d->nentries++;
    d->used++;
    return 0;
}

static void delete_at(struct _slp_dictobject *d, Py_ssize_t ix) {
    /* find the table slot pointing at ix */
    entry *e = &d->entries[ix];
    size_t mask = (size_t)d->tabsize - 1, perturb = (size_t)e->hash, i = (size_t)e->hash & mask;
    while (d->table[i] != ix) {
        perturb >>= 5;
        i = (i * 5 + perturb + 1) & mask;
    }
    d->table[i] = IX_DUMMY;
    PyObject *k = e->key, *v = e->value;
    e->key = e->value = NULL;
    d->used--;
    Py_DECREF(k);
    Py_DECREF(v);
}

/* ---- API ------------------------------------------------------------------------------------ */

PyObject *PyDict_GetItemWithError(PyObject *d, PyObject *key) {
    if (d == NULL || !PyDict_Check(d) || key == NULL) {
        PyErr_BadInternalCall();
        return NULL;
    }
    Py_hash_t h = key_hash(key);
    if (h == -1) return NULL;
    Py_ssize_t ix = lookup(D(d), key, h, NULL);
    return ix >= 0 ? D(d)->entries[ix].value : NULL;
}

PyObject *PyDict_GetItem(PyObject *d, PyObject *key) {
    if (d == NULL || !PyDict_Check(d) || key == NULL) return NULL;
    if (PyUnicode_CheckExact(key) || PyLong_CheckExact(key)) {
        Py_ssize_t ix = lookup(D(d), key, key_hash(key), NULL);
        return ix >= 0 ? D(d)->entries[ix].value : NULL;
    }
    /* errors are swallowed and an exception already set is preserved */
    PyObject *t, *v, *tb;
    PyErr_Fetch(&t, &v, &tb);
    PyObject *r = PyDict_GetItemWithError(d, key);
    PyErr_Clear();
    PyErr_Restore(t, v, tb);
    return r;
}

PyObject *_PySlp_DictGetCStr(PyObject *d, const char *key, size_t n) {
    Py_ssize_t ix = lookup_cstr(D(d), key, n, _PySlp_HashBytes(key, n));
    return ix >= 0 ? D(d)->entries[ix].value : NULL;
}

PyObject *PyDict_GetItemString(PyObject *d, const char *key) {
    if (d == NULL || !PyDict_Check(d) || key == NULL) return NULL;
    return _PySlp_DictGetCStr(d, key, strlen(key));
}

int PyDict_SetItem(PyObject *d, PyObject *key, PyObject *value) {
    if (d == NULL || !PyDict_Check(d) || key == NULL || value == NULL) {
        PyErr_BadInternalCall();
        return -1;
    }
    Py_hash_t h = key_hash(key);
    if (h == -1) return -1;
    return insert(D(d), key, h, value);
}

int PyDict_SetItemString(PyObject *d, const char *key, PyObject *value) {
    if (key == NULL) {
        PyErr_BadInternalCall();
        return -1;
    }
    PyObject *k = PyUnicode_FromString(key);
    if (!k) return -1;
    int r = PyDict_SetItem(d, k, value);
    Py_DECREF(k);
    return r;
}

static void key_error(PyObject *key) {
    PyObject *t = PyTuple_Pack(1, key);
    if (t) {
        PyErr_SetObject(PyExc_KeyError, t);
        Py_DECREF(t);
    }
}

int PyDict_DelItem(PyObject *d, PyObject *key) {
    if (d == NULL || !PyDict_Check(d) || key == NULL) {
        PyErr_BadInternalCall();
        return -1;
    }
    Py_hash_t h = key_hash(key);
    if (h == -1) return -1;
    Py_ssize_t ix = lookup(D(d), key, h, NULL);
    if (ix == FOUND_ERROR) return -1;
    if (ix < 0) {
        key_error(key);
        return -1;
    }
    delete_at(D(d), ix);
    return 0;
}

int PyDict_DelItemString(PyObject *d, const char *key) {
    if (d == NULL || !PyDict_Check(d) || key == NULL) {
        PyErr_BadInternalCall();
        return -1;
    }
    size_t n = strlen(key);
    Py_ssize_t ix = lookup_cstr(D(d), key, n, _PySlp_HashBytes(key, n));
    if (ix < 0) {
        PyObject *k = PyUnicode_FromString(key);
        if (k) {
            key_error(k);
            Py_DECREF(k);
        }
        return -1;
    }
    delete_at(D(d), ix);
    return 0;
}

int PyDict_Contains(PyObject *d, PyObject *key) {
    if (d == NULL || !PyDict_Check(d) || key == NULL) {
        PyErr_BadInternalCall();
        return -1;
    }
    Py_hash_t h = key_hash(key);
    if (h == -1) return -1;
    Py_ssize_t ix = lookup(D(d), key, h, NULL);
    return ix == FOUND_ERROR ? -1 : ix >= 0;
}

Py_ssize_t PyDict_Size(PyObject *d) {
    if (d == NULL || !PyDict_Check(d)) {
        PyErr_BadInternalCall();
        return -1;
    }
    return D(d)->used;
}

static void dict_clear_entries(struct _slp_dictobject *d) {
    entry *entries = d->entries;
    Py_ssize_t n = d->nentries;
    PyMem_Free(d->table);
    d->table = NULL;
    d->entries = NULL;
    d->used = d->nentries = d->entcap = d->tabsize = 0;
    /* DECREF after the dict is consistent: a destructor may look at the dict */
    for (Py_ssize_t i = 0; i < n; i++) {
        if (entries[i].key) {
            Py_DECREF(entries[i].key);
            Py_DECREF(entries[i].value);
        }
    }
    PyMem_Free(entries);
}

void PyDict_Clear(PyObject *d) {
    if (d == NULL || !PyDict_Check(d)) return;
    dict_clear_entries(D(d));
}

int PyDict_Next(PyObject *d, Py_ssize_t *ppos, PyObject **pkey, PyObject **pvalue) {
    if (d == NULL || !PyDict_Check(d)) return 0;
    Py_ssize_t i = *ppos;
    if (i < 0) return 0;
    while (i < D(d)->nentries && D(d)->entries[i].key == NULL) i++;
    if (i >= D(d)->nentries) {
        *ppos = i;
        return 0;
    }
    *ppos = i + 1;
    if (pkey) *pkey = D(d)->entries[i].key;
    if (pvalue) *pvalue = D(d)->entries[i].value;
    return 1;
}

int PyDict_Merge(PyObject *a, PyObject *b, int override) {
    if (a == NULL || !PyDict_Check(a) || b == NULL) {
        PyErr_BadInternalCall();
        return -1;
    }
    if (!PyDict_Check(b)) {
        PyErr_Format(PyExc_TypeError, "'%s' object is not a mapping", Py_TYPE(b)->tp_name);
        return -1;
    }
    if (a == b) return 0;
    for (Py_ssize_t i = 0; i < D(b)->nentries; i++) {
        entry *e = &D(b)->entries[i];
        if (!e->key) continue;
        if (!override && lookup(D(a), e->key, e->hash, NULL) >= 0) continue;
        PyObject *k = Py_NewRef(e->key), *v = Py_NewRef(e->value);
        int r = insert(D(a), k, e->hash, v);
        Py_DECREF(k);
        Py_DECREF(v);
        if (r < 0) return -1;
    }
    return 0;
}

int PyDict_Update(PyObject *a, PyObject *b) { return PyDict_Merge(a, b, 1); }

PyObject *PyDict_Copy(PyObject *d) {
    if (d == NULL || !PyDict_Check(d)) {
        PyErr_BadInternalCall();
        return NULL;
    }
    PyObject *r = PyDict_New();
    if (r && D(d)->used && (resize(D(r), D(d)->used) < 0 || PyDict_Merge(r, d, 1) < 0)) Py_CLEAR(r);
    return r;
}

static PyObject *dict_list(PyObject *d, int what) {
    if (d == NULL || !PyDict_Check(d)) {
        PyErr_BadInternalCall();
        return NULL;
    }
    PyObject *l = PyList_New(D(d)->used);
    if (!l) return NULL;
    Py_ssize_t k = 0;
    for (Py_ssize_t i = 0; i < D(d)->nentries; i++) {
        entry *e = &D(d)->entries[i];
        if (!e->key) continue;
        PyObject *item;
        if (what == 0) item = Py_NewRef(e->key);
        else if (what == 1) item = Py_NewRef(e->value);
        else if ((item = PyTuple_Pack(2, e->key, e->value)) == NULL) {
            Py_DECREF(l);
            return NULL;
        }
        PyList_SET_ITEM(l, k++, item);
    }
    return l;
}

PyObject *PyDict_Keys(PyObject *d) { return dict_list(d, 0); }
PyObject *PyDict_Values(PyObject *d) { return dict_list(d, 1); }
PyObject *PyDict_Items(PyObject *d) { return dict_list(d, 2); }

/* ---- the type ------------------------------------------------------------------------------- */

static void dict_dealloc(PyObject *op) {
    dict_clear_entries(D(op));
    freefunc f = Py_TYPE(op)->tp_free;
    (f ? f : PyObject_Free)(op);
}

static PyObject *dict_repr(PyObject *op) {
    if (D(op)->used == 0) return PyUnicode_FromString("{}");
    if (Py_ReprEnter(op)) return PyUnicode_FromString("{...}");
    _PySlp_Buf b = { 0 };
    _PySlp_BufAppend(&b, "{", 1);
    int first = 1;
    for (Py_ssize_t i = 0; i < D(op)->nentries; i++) {
        entry *e = &D(op)->entries[i];
        if (!e->key) continue;
        if (!first) _PySlp_BufAppend(&b, ", ", 2);
        first = 0;
        /* hold references: a repr may not mutate the dict here, but be safe */
        PyObject *k = Py_NewRef(e->key), *v = Py_NewRef(e->value);
        int r = _PySlp_BufAppendObj(&b, k, 1);
        if (r == 0) r = _PySlp_BufAppend(&b, ": ", 2);
        if (r == 0) r = _PySlp_BufAppendObj(&b, v, 1);
        Py_DECREF(k);
        Py_DECREF(v);
        if (r < 0) {
            Py_ReprLeave(op);
            _PySlp_BufFree(&b);
            return NULL;
        }
    }
    _PySlp_BufAppend(&b, "}", 1);
    Py_ReprLeave(op);
    return _PySlp_BufToUnicode(&b);
}

static PyObject *dict_new(PyTypeObject *type, PyObject *args, PyObject *kwds) {
    PyObject *x = NULL;
    if (type != &PyDict_Type) {
        PyErr_Format(PyExc_TypeError, "cannot create '%s' instances (dict subclasses are not supported)", type->tp_name);
        return NULL;
    }
    if (!PyArg_UnpackTuple(args, "dict", 0, 1, &x)) return NULL;
    PyObject *d = x ? PyDict_Copy(x) : PyDict_New();
    if (x && !d && PyErr_ExceptionMatches(PyExc_SystemError)) {
        PyErr_Clear();
        PyErr_Format(PyExc_TypeError, "'%s' object is not a mapping", Py_TYPE(x)->tp_name);
    }
    if (d && kwds && PyDict_Update(d, kwds) < 0) Py_CLEAR(d);
    return d;
}

PyTypeObject PyDict_Type = {
    SLP_STATIC_TYPE_HEAD,
    .tp_name = "dict",
    .tp_basicsize = sizeof(struct _slp_dictobject),
    .tp_dealloc = dict_dealloc,
    .tp_repr = dict_repr,
    .tp_str = dict_repr,
    .tp_getattro = PyObject_GenericGetAttr,
    .tp_flags = Py_TPFLAGS_READY | Py_TPFLAGS_DICT_SUBCLASS,
    .tp_doc = "dict() -> new empty dictionary",
    .tp_base = &PyBaseObject_Type,
    .tp_new = dict_new,
    .tp_free = PyObject_Free,
};
