/* channel.c - the channel type and the PyChannel_* functions (C-API.md 4, STATES.md 5). */
#include "slp_internal.h"

#define CHECK_CHANNEL(ch, rv) do { \
        if (!(ch) || !PyChannel_Check((PyObject *)(ch))) { \
            PyErr_SetString(PyExc_TypeError, (ch) ? "argument must be a channel" : \
                            "channel argument is NULL"); \
            return rv; } } while (0)

/* ---- wait queue -------------------------------------------------------------------------- */

/* Append t (whose reference the queue takes over) to the tail, waiting in direction dir. */
static void slp_channel_append(PyChannelObject *ch, PyTaskletObject *t, int dir)
{
    t->prev = ch->tail;
    t->next = NULL;
    if (ch->tail) ch->tail->next = t;
    else ch->head = t;
    ch->tail = t;
    t->blocked = (signed char)dir;
    t->chan = ch;
    ch->balance += dir;
}

/* Put t (whose reference the queue takes over) back at the head, waiting in direction dir. */
static void slp_channel_insert_head(PyChannelObject *ch, PyTaskletObject *t, int dir)
{
    t->prev = NULL;
    t->next = ch->head;
    if (ch->head) ch->head->prev = t;
    else ch->tail = t;
    ch->head = t;
    t->blocked = (signed char)dir;
    t->chan = ch;
    ch->balance += dir;
}

void slp_channel_remove(PyChannelObject *ch, PyTaskletObject *t)
{
    if (t->prev) t->prev->next = t->next;
    else ch->head = t->next;
    if (t->next) t->next->prev = t->prev;
    else ch->tail = t->prev;
    ch->balance -= t->blocked;
    t->next = t->prev = NULL;
    t->blocked = 0;
    t->chan = NULL;
}

void slp_channel_adopt(PyChannelObject *ch, PyTaskletObject *t, int dir)
{
    Py_INCREF(t);
    slp_channel_append(ch, t, dir);
}

/* ---- type ------------------------------------------------------------------------------- */

static void channel_dealloc(PyObject *o)
{
    PyChannelObject *ch = (PyChannelObject *)o;
    /* Waiters do not keep their channel alive; if it goes, they are left paused. */
    while (ch->head) {
        PyTaskletObject *t = ch->head;
        slp_channel_remove(ch, t);
        Py_DECREF(t);
    }
    if (Py_TYPE(o)->tp_free) Py_TYPE(o)->tp_free(o);
    else PyObject_Free(o);
}

PyTypeObject PyChannel_Type = {
    PyVarObject_HEAD_INIT(&PyType_Type, 0)
    .tp_name = "_stackless.channel",
    .tp_basicsize = sizeof(PyChannelObject),
    .tp_dealloc = channel_dealloc,
    .tp_flags = Py_TPFLAGS_BASETYPE,
    .tp_base = &PyBaseObject_Type,
};

PyChannelObject *PyChannel_New(PyTypeObject *type)
{
    PyChannelObject *ch;
    if (!type) type = &PyChannel_Type;
    if (!PyType_Check((PyObject *)type) || !PyType_IsSubtype(type, &PyChannel_Type)) {
        PyErr_SetString(PyExc_TypeError, "channel_new: type must be subtype of channel");
        return NULL;
    }
    ch = (PyChannelObject *)PyType_GenericAlloc(type, 0);
    if (!ch) return NULL;
    ch->preference = -1;
    return ch;
}

/* ---- send and receive -------------------------------------------------------------------- */

/* A transfer to the waiting partner at the head of the queue (STATES.md 5.4). */
static PyObject *slp_channel_transfer(slp_thread *ts, PyChannelObject *ch, int dir,
                                      PyObject *value, int may_unwind)
{
    PyTaskletObject *cur = ts->current, *partner = ch->head;
    int prefer_partner = !ch->schedule_all && ch->preference == -dir;
    int switching = ch->schedule_all || prefer_partner;
    PyObject *result;

    if (slp_owner(partner) != ts)
        SLP_RETURN_ERR(PyExc_RuntimeError,
                       "channel operations between threads are not supported yet", NULL);
    if (switching) {
        if (slp_check_can_switch(ts, may_unwind)) return NULL;
        if (ts->switch_trap) SLP_RETURN_ERR(PyExc_RuntimeError, "switch_trap", NULL);
    }
    slp_channel_remove(ch, partner);   /* its reference is ours now */
    ts->last_partner = partner;
    if (dir > 0) {
        PyObject *v = Py_NewRef(value);
        if (ts->hooks.materialize && slp_on_host(ts, cur) && !slp_on_host(ts, partner) &&
            !(v = ts->hooks.materialize(v, cur))) {
            slp_channel_insert_head(ch, partner, -dir);   /* undo: nothing happened */
            return NULL;
        }
        Py_SETREF(partner->tempval, v);
        result = Py_NewRef(Py_None);
        if (switching && cur->kind == SLP_KIND_HARD && ts->hooks.pass_value && slp_on_host(ts, partner))
            ts->hooks.pass_value(v, cur, partner);
    } else {
        result = Py_NewRef(partner->tempval);
        if (ts->hooks.materialize && slp_on_host(ts, partner) && !slp_on_host(ts, cur) &&
            !(result = ts->hooks.materialize(result, partner))) {
            slp_channel_insert_head(ch, partner, -dir);   /* undo: the sender still waits */
            return NULL;
        }
        Py_SETREF(partner->tempval, Py_NewRef(Py_None));
        if (switching && ts->hooks.pass_value && slp_on_host(ts, cur) && slp_on_host(ts, partner))
            ts->hooks.pass_value(result, partner, cur);
    }
    if (ch->schedule_all) {
        slp_runq_append(ts, partner);
        Py_DECREF(partner);
        Py_SETREF(cur->tempval, result);
        return slp_transfer(ts, cur, cur->next);
    }
    if (prefer_partner) {
        slp_runq_insert_after(ts, cur, partner);
        Py_DECREF(partner);
        Py_SETREF(cur->tempval, result);
        ts->handover = 1;
        return slp_transfer(ts, cur, partner);
    }
    slp_runq_append(ts, partner);
    Py_DECREF(partner);
    if (PyBomb_Check(result)) return slp_bomb_explode(result);
    return result;
}

static PyObject *slp_channel_block(slp_thread *ts, PyChannelObject *ch, int dir,
                                   PyObject *value, int may_unwind)
{
    PyTaskletObject *cur = ts->current, *next;
    if (cur->block_trap)
        SLP_RETURN_ERR(PyExc_RuntimeError, "this tasklet does not like to be blocked.", NULL);
    if (ch->closing)
        SLP_RETURN_ERR(PyExc_ValueError, "Send/receive operation on a closed channel", NULL);
    if (slp_check_can_switch(ts, may_unwind)) return NULL;
    if (ts->switch_trap) SLP_RETURN_ERR(PyExc_RuntimeError, "switch_trap", NULL);

    Py_SETREF(cur->tempval, Py_NewRef(dir > 0 ? value : Py_None));
    slp_runq_unlink(ts, cur);
    slp_channel_append(ch, cur, dir);   /* takes over the run queue's reference */
    next = slp_next_after_block(ts, cur);
    if (!next) {   /* deadlock: leave the channel as it was */
        slp_channel_remove(ch, cur);
        slp_runq_append(ts, cur);
        ts->current = cur;
        Py_DECREF(cur);
        Py_SETREF(cur->tempval, Py_NewRef(Py_None));
        return NULL;
    }
    return slp_transfer(ts, cur, next);
}

/* ---- fast path --------------------------------------------------------------------------- */

/* Leave the caller cur for next (already current). A native caller switches stacks and
 * returns its resume value once it runs again; a hosted caller (a JS generator tasklet in an
 * _nr call) unwinds to its host instead. */
static inline PyObject *slp_fast_leave(slp_thread *ts, PyTaskletObject *cur, PyTaskletObject *next,
                                       int hosted)
{
    if (hosted) {
        ts->may_unwind = 1;
        return (PyObject *)Py_UnwindToken;
    }
    slp_leave_native(ts, &cur->sp, next);
    slp_after_switch(ts);
    return slp_resume_value(cur);
}

/* The commonest channel operations of a native tasklet, or of a hosted one in an _nr call,
 * with exactly the general path's semantics for the cases they accept (never schedule_all):
 * a send to a waiting receiver with preference -1 (the receiver runs now), a receive from a
 * waiting sender with preference -1 or 0 (the receiver continues), and blocking while another
 * tasklet is runnable. Values need no conversion here (hooks.materialize): a native caller
 * deals only with native partners, a hosted caller sends only to partners on the host stack.
 * Returns NULL with *handled == 0 for every other case. */
static inline PyObject *slp_channel_fast(slp_thread *ts, PyChannelObject *ch, int dir,
                                         PyObject *value, int hosted, int *handled)
{
    PyTaskletObject *cur = ts->current, *partner = ch->head, *next;
    PyObject *r;
    if (partner && partner->blocked == -dir) {   /* a partner waits: transfer */
        if (partner->ts != ts) return NULL;
        if (dir > 0) {
            if (ch->preference != -1 ||
                (hosted ? !slp_on_host(ts, partner) : partner->kind != SLP_KIND_NATIVE))
                return NULL;
            *handled = 1;
            slp_channel_remove(ch, partner);
            ts->last_partner = partner;
            Py_SETREF(partner->tempval, Py_NewRef(value));
            slp_runq_insert_after(ts, cur, partner);
            Py_DECREF(partner);   /* the channel's reference; the run queue has its own */
            Py_SETREF(cur->tempval, Py_NewRef(Py_None));   /* the send's result */
            ts->current = partner;
            return slp_fast_leave(ts, cur, partner, hosted);
        }
        if (ch->preference == 1 || (!hosted && partner->kind != SLP_KIND_NATIVE)) return NULL;
        *handled = 1;
        slp_channel_remove(ch, partner);
        ts->last_partner = partner;
        r = partner->tempval;
        partner->tempval = Py_NewRef(Py_None);
        slp_runq_append(ts, partner);
        Py_DECREF(partner);
        if (PyBomb_Check(r)) return slp_bomb_explode(r);
        return r;
    }
    /* block, with a successor in the run queue */
    next = cur->next;
    if (next == cur || cur->block_trap || ch->closing) return NULL;
    *handled = 1;
    Py_SETREF(cur->tempval, Py_NewRef(dir > 0 ? value : Py_None));
    slp_runq_unlink(ts, cur);           /* ts->current becomes next */
    slp_channel_append(ch, cur, dir);   /* takes over the run queue's reference */
    return slp_fast_leave(ts, cur, next, hosted);
}

/* The general path of slp_channel_action. */
static SLP_NOINLINE PyObject *slp_channel_general(slp_thread *ts, PyChannelObject *ch, int dir,
                                                  PyObject *value, int may_unwind)
{
    PyObject *r;
    int willblock;
    if (ts->in_callback)
        SLP_RETURN_ERR(PyExc_RuntimeError, "Recursive channel call due to callbacks!", NULL);
    if (slp_watchdog_poll(ts)) return NULL;
    {
        SLP_ENTER(ts);
        PyTaskletObject *cur = ts->current;
        willblock = dir > 0 ? ch->balance >= 0 : ch->balance <= 0;
        if (ts->channel_cb) {
            PyObject *saved = cur->tempval;
            cur->tempval = Py_NewRef(dir > 0 ? value : Py_None);
            slp_call_channel_callback(ts, ch, cur, dir > 0, willblock);
            Py_SETREF(cur->tempval, saved);
            willblock = dir > 0 ? ch->balance >= 0 : ch->balance <= 0;
        }
        r = willblock ? slp_channel_block(ts, ch, dir, value, may_unwind)
                      : slp_channel_transfer(ts, ch, dir, value, may_unwind);
        SLP_LEAVE(ts);
    }
    return r;
}

/* send (dir +1, value borrowed) or receive (dir -1). Returns the new reference result (None
 * for a send), NULL with an exception, or Py_UnwindToken for a hosted caller. */
PyObject *slp_channel_op(slp_thread *ts, PyChannelObject *ch, int dir, PyObject *value, int may_unwind)
{
    if (ts->fast) {
        int handled = 0, kind = ts->current->kind;
        PyObject *r = NULL;
        if (!ch->schedule_all && (kind == SLP_KIND_NATIVE || (kind == SLP_KIND_HOSTED && may_unwind)))
            r = slp_channel_fast(ts, ch, dir, value, kind == SLP_KIND_HOSTED, &handled);
        if (handled) return r;
    }
    return slp_channel_general(ts, ch, dir, value, may_unwind);
}

static inline PyObject *slp_channel_action(PyChannelObject *ch, int dir, PyObject *value, int may_unwind)
{
    CHECK_CHANNEL(ch, NULL);
    return slp_channel_op(slp_thread_get(), ch, dir, value, may_unwind);
}

static int slp_send_result(PyObject *r)
{
    if (!r) return -1;
    if (STACKLESS_UNWINDING(r)) return 1;
    Py_DECREF(r);
    return 0;
}

/* The _nr variants may unwind: only a hosted caller ever does (C callers hard-switch). */
int PyChannel_Send(PyChannelObject *self, PyObject *arg)
{
    if (!arg) SLP_RETURN_ERR(PyExc_SystemError, "bad argument to internal function", -1);
    return slp_send_result(slp_channel_action(self, 1, arg, 0));
}

int PyChannel_Send_nr(PyChannelObject *self, PyObject *arg)
{
    if (!arg) SLP_RETURN_ERR(PyExc_SystemError, "bad argument to internal function", -1);
    return slp_send_result(slp_channel_action(self, 1, arg, 1));
}

PyObject *PyChannel_Receive(PyChannelObject *self) { return slp_channel_action(self, -1, NULL, 0); }
PyObject *PyChannel_Receive_nr(PyChannelObject *self) { return slp_channel_action(self, -1, NULL, 1); }

int PyChannel_SendException(PyChannelObject *self, PyObject *klass, PyObject *value)
{
    PyObject *bomb;
    int r;
    CHECK_CHANNEL(self, -1);
    bomb = slp_bomb_from_class_args(klass, value, "channel.send_exception");
    if (!bomb) return -1;
    r = slp_send_result(slp_channel_action(self, 1, bomb, 0));
    Py_DECREF(bomb);
    return r;
}

int PyChannel_SendThrow(PyChannelObject *self, PyObject *exc, PyObject *val, PyObject *tb)
{
    PyObject *bomb;
    int r;
    CHECK_CHANNEL(self, -1);
    bomb = slp_bomb_from_throw_args(exc, val, tb);
    if (!bomb) return -1;
    r = slp_send_result(slp_channel_action(self, 1, bomb, 0));
    Py_DECREF(bomb);
    return r;
}

/* ---- attributes -------------------------------------------------------------------------- */

PyObject *PyChannel_GetQueue(PyChannelObject *self)
{
    CHECK_CHANNEL(self, NULL);
    return Py_NewRef(self->head ? (PyObject *)self->head : Py_None);
}

void PyChannel_Close(PyChannelObject *self) { CHECK_CHANNEL(self, ); self->closing = 1; }
void PyChannel_Open(PyChannelObject *self) { CHECK_CHANNEL(self, ); self->closing = 0; }
int PyChannel_GetClosing(PyChannelObject *self) { CHECK_CHANNEL(self, -1); return self->closing; }
int PyChannel_GetClosed(PyChannelObject *self)
{
    CHECK_CHANNEL(self, -1);
    return self->closing && self->balance == 0;
}
int PyChannel_GetPreference(PyChannelObject *self) { CHECK_CHANNEL(self, -2); return self->preference; }
void PyChannel_SetPreference(PyChannelObject *self, int val)
{
    CHECK_CHANNEL(self, );
    self->preference = val > 0 ? 1 : val < 0 ? -1 : 0;
}
int PyChannel_GetScheduleAll(PyChannelObject *self) { CHECK_CHANNEL(self, -1); return self->schedule_all; }
void PyChannel_SetScheduleAll(PyChannelObject *self, int val) { CHECK_CHANNEL(self, ); self->schedule_all = val != 0; }
int PyChannel_GetBalance(PyChannelObject *self) { CHECK_CHANNEL(self, 0); return self->balance; }
