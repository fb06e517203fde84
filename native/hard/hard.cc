// hard.cc - the hard-tasklet module (NODE.md 2, issue 4): plain JS functions as tasklets that
// can block anywhere in their call stack, and true preemption of CPU-bound JS.
//
// Each hard tasklet runs on an OS thread of its own (pooled) that shares the one V8 isolate.
// Exactly one thread runs JS at a time: the scheduler's thread (the "host", Node's thread)
// steps a hard tasklet by handing the isolate over with v8::Unlocker / v8::Locker and a futex
// baton, and waits until the tasklet hands it back (it blocked, was preempted, or ended).
// architecture-findings.md sections 4, 6 and 7 measured this; its rules are kept here:
//  - JS runs only on real thread stacks (the host's, or a hard thread's own pthread stack);
//  - isolate->Exit() / Enter() around every Unlocker (hand_over, op_park);
//  - SetStackLimit once per hard thread (worker_main), so deep recursion is a RangeError;
//  - DiscardThreadSpecificMetadata when a hard thread exits (worker_main);
//  - no static v8::Global: the persistent handles live in the heap-allocated Host and are
//    reset by the environment cleanup hook;
//  - scopes that span a switch are v8::HandleScope (run_task), never N-API handle scopes;
//  - no swapcontext, no fiber stacks for JS;
//  - async context (AsyncLocalStorage) is swapped per tasklet by lib/hard.ts around each step,
//    with swapContext() below for Node's AsyncContextFrame.
// Registered with NODE_MODULE_INIT, so Node refuses a build for another ABI.
#include <node.h>
#include <v8.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#if defined(__linux__)
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include "../binding/hard_iface.h"

namespace {

// ---- baton: "your turn" for one thread ------------------------------------------------------------
// 0 = not yet, 1 = go, 2 = the owner sleeps (futex). Linux: a futex word (the cheapest hand-off
// measured); elsewhere a mutex and a condition variable.
struct Baton {
#if defined(__linux__)
    std::atomic<int> w{0};
    void wait()
    {
        for (;;) {
            int v = 1;
            if (w.compare_exchange_strong(v, 0, std::memory_order_acq_rel)) return;
            if (v == 0 && !w.compare_exchange_strong(v, 2, std::memory_order_acq_rel)) continue;
            syscall(SYS_futex, (int *)&w, FUTEX_WAIT_PRIVATE, 2, nullptr, nullptr, 0);
        }
    }
    void give()
    {
        if (w.exchange(1, std::memory_order_acq_rel) == 2)
            syscall(SYS_futex, (int *)&w, FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
    }
#else
    std::mutex m;
    std::condition_variable cv;
    bool go = false;
    void wait()
    {
        std::unique_lock<std::mutex> l(m);
        cv.wait(l, [this] { return go; });
        go = false;
    }
    void give()
    {
        { std::lock_guard<std::mutex> l(m); go = true; }
        cv.notify_one();
    }
#endif
};

struct Host;

// One pooled OS thread. While it runs a tasklet, `task` is that tasklet (opaque).
struct Worker {
    Host *h;
    pthread_t th;
    Baton baton;
    void *task = nullptr;
    bool quit = false;
    bool finished = false;      // its tasklet ended (set on the worker, read by the host after the baton)
    bool terminating = false;   // TerminateExecution was requested to unwind its tasklet
    bool ending = false;        // its tasklet's function is over: lib/index.ts is ending it
    bool limit_set = false;
    bool in_interrupt = false;  // inside on_interrupt: a park now is a preemption
};

// Per Node thread (isolate) that loaded the module.
struct Host {
    v8::Isolate *iso = nullptr;
    v8::Global<v8::Context> ctx;
    v8::Global<v8::Function> run_fn, abort_fn;   // lib/hard.ts: runs / ends the current tasklet
    const slp_hard_iface *api = nullptr;
    void *sctx = nullptr;                         // the scheduler context of this thread
    slp_hard_ops ops{};
    Baton baton;                                  // the host thread's turn
    Worker *running = nullptr;                    // the worker being stepped
    bool dead = false;

    std::mutex pool_mu;
    std::vector<Worker *> idle;
    size_t stack_size = 256 * 1024;
    size_t max_idle = 64;

    // statistics (host thread only, except preemptions)
    double threads_created = 0, threads_exited = 0, steps = 0;
    std::atomic<long> preemptions{0}, interrupts{0}, stale_interrupts{0};

    // watchdog timer: asks for an interrupt when the running hard tasklet's time is up
    std::mutex wd_mu;
    std::condition_variable wd_cv;
    std::thread wd_thread;
    bool wd_started = false, wd_quit = false, wd_armed = false;
    uint64_t wd_seq = 0;
    int64_t wd_due = 0;
};

thread_local Host *tl_host = nullptr;       // on the host thread
thread_local Worker *tl_worker = nullptr;   // on a hard thread, while it runs a tasklet

constexpr size_t kMinStack = 128 * 1024;

int64_t now_us()
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

void fatal(const char *what)
{
    fprintf(stderr, "stackless: fatal (hard tasklets): %s\n", what);
    abort();
}

// V8 reserves stack below the JS limit for its own work: a quarter of the stack, 32..64 KiB
// (architecture-findings.md 4: 256 KiB with a 48 KiB margin gave a clean RangeError).
size_t stack_margin(size_t size)
{
    size_t m = size / 4;
    return m < 32 * 1024 ? 32 * 1024 : m > 64 * 1024 ? 64 * 1024 : m;
}

// ---- the hand-over ---------------------------------------------------------------------------------

// Give the isolate to `to` and wait until it is our turn again (either side).
void hand_over(v8::Isolate *iso, Baton &to, Baton &mine)
{
    iso->Exit();
    {
        v8::Unlocker unlocker(iso);
        to.give();
        mine.wait();
    }
    iso->Enter();
}

// ---- the watchdog timer ----------------------------------------------------------------------------

void on_interrupt(v8::Isolate *iso, void *data);

void wd_loop(Host *h)
{
    std::unique_lock<std::mutex> l(h->wd_mu);
    while (!h->wd_quit) {
        if (!h->wd_armed) {
            h->wd_cv.wait(l);
            continue;
        }
        uint64_t seq = h->wd_seq;
        int64_t wait = h->wd_due - now_us();
        if (wait > 0) {
            h->wd_cv.wait_for(l, std::chrono::microseconds(wait));
            continue;   // re-check: disarmed, re-armed or due
        }
        if (seq != h->wd_seq || !h->wd_armed) continue;
        // Due: ask the thread that holds the isolate to look. A request can land on another
        // thread (interrupt flags are per thread): repeat every millisecond while this step lasts.
        h->interrupts++;
        h->iso->RequestInterrupt(on_interrupt, h);
        h->wd_due = now_us() + 1000;
    }
}

void wd_arm(Host *h, int64_t due)
{
    std::lock_guard<std::mutex> l(h->wd_mu);
    if (!h->wd_started) {
        h->wd_started = true;
        h->wd_thread = std::thread(wd_loop, h);
    }
    h->wd_seq++;
    h->wd_due = due;
    h->wd_armed = true;
    h->wd_cv.notify_one();
}

void wd_disarm(Host *h)
{
    std::lock_guard<std::mutex> l(h->wd_mu);
    h->wd_seq++;
    h->wd_armed = false;
}

// Runs on whichever thread holds the isolate at its next stack check. Only the hard thread that
// is being stepped may act on it; anything else is a stale or misrouted request.
void on_interrupt(v8::Isolate *iso, void *data)
{
    Host *h = (Host *)data;
    Worker *w = tl_worker;
    if (!w || w->h != h || h->running != w || w->terminating || w->ending) {
        h->stale_interrupts++;   // (ending: a pause now would find the tasklet half taken apart)
        return;
    }
    // The core checks the time itself, and pauses the tasklet (parking this thread) if due.
    w->in_interrupt = true;
    int r = h->api->poll(h->sctx);
    w->in_interrupt = false;
    if (r < 0) {
        // Resumed with an exception (kill or throw while preempted): JS cannot be made to throw
        // at an interrupt, so unwind all of the tasklet's JS; lib/hard.ts ends it with that
        // exception (catch and finally blocks of the tasklet do not run: docs).
        w->terminating = true;
        iso->TerminateExecution();
    }
}

// ---- hard threads ----------------------------------------------------------------------------------

// The tasklet assigned to w runs, from its first line to its end, inside one Locker.
void run_task(Worker *w)
{
    Host *h = w->h;
    v8::Isolate *iso = h->iso;
    v8::Locker locker(iso);
    v8::Isolate::Scope iscope(iso);
    if (!w->limit_set) {
        pthread_attr_t a;
        void *lo;
        size_t size;
        pthread_getattr_np(pthread_self(), &a);
        pthread_attr_getstack(&a, &lo, &size);
        pthread_attr_destroy(&a);
        iso->SetStackLimit((uintptr_t)lo + stack_margin(size));
        w->limit_set = true;
    }
    v8::HandleScope hs(iso);
    v8::Local<v8::Context> ctx = h->ctx.Get(iso);
    v8::Context::Scope cscope(ctx);
    h->api->enter(h->sctx);
    tl_worker = w;
    {
        v8::TryCatch tc(iso);
        v8::MaybeLocal<v8::Value> r = h->run_fn.Get(iso)->Call(ctx, v8::Undefined(iso), 0, nullptr);
        if (r.IsEmpty() && (tc.HasTerminated() || iso->IsExecutionTerminating())) {
            iso->CancelTerminateExecution();
            w->terminating = false;
            w->ending = true;
            v8::TryCatch tc2(iso);
            if (h->abort_fn.Get(iso)->Call(ctx, v8::Undefined(iso), 0, nullptr).IsEmpty())
                fatal("a terminated hard tasklet could not be ended");
        } else if (r.IsEmpty()) {
            fatal("lib/hard.ts runTasklet() threw");   // it catches everything the tasklet throws
        }
    }
    tl_worker = nullptr;
    w->ending = false;
    h->api->enter(nullptr);
}

void *worker_main(void *arg)
{
    Worker *w = (Worker *)arg;
    Host *h = w->h;
    for (;;) {
        w->baton.wait();
        if (w->quit) break;
        run_task(w);
        w->finished = true;
        h->baton.give();   // the Locker is released: the host relocks
    }
    if (w->limit_set && !h->dead) h->iso->DiscardThreadSpecificMetadata();
    delete w;
    return nullptr;
}

Worker *acquire_worker(Host *h)
{
    {
        std::lock_guard<std::mutex> l(h->pool_mu);
        if (!h->idle.empty()) {
            Worker *w = h->idle.back();
            h->idle.pop_back();
            return w;
        }
    }
    Worker *w = new Worker();
    w->h = h;
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setstacksize(&a, h->stack_size);
    int rc = pthread_create(&w->th, &a, worker_main, w);
    pthread_attr_destroy(&a);
    if (rc != 0) {
        delete w;
        return nullptr;
    }
    pthread_detach(w->th);
    h->threads_created++;
    return w;
}

void release_worker(Host *h, Worker *w)
{
    w->task = nullptr;
    w->finished = false;
    {
        std::lock_guard<std::mutex> l(h->pool_mu);
        if (h->idle.size() < h->max_idle && !h->dead) {
            h->idle.push_back(w);
            return;
        }
    }
    h->threads_exited++;
    w->quit = true;
    w->baton.give();
}

// ---- the operations the scheduler calls (slp_hard_ops) ---------------------------------------------

void op_step(void *t)
{
    Host *h = tl_host;
    if (!h) fatal("a hard tasklet was stepped on a thread without the hard module");
    void **slot = h->api->host_data(t);
    Worker *w = (Worker *)*slot;
    v8::Isolate *iso = h->iso;
    if (!w) {
        w = acquire_worker(h);
        if (!w) {
            // No OS thread: the tasklet ends with a RuntimeError, here on the host.
            char msg[160];
            snprintf(msg, sizeof msg, "cannot start a hard tasklet: no OS thread could be created "
                                      "(%d threads in use)", (int)(h->threads_created - h->threads_exited));
            v8::HandleScope hs(iso);
            v8::Local<v8::Context> ctx = h->ctx.Get(iso);
            v8::Local<v8::Value> arg = v8::String::NewFromUtf8(iso, msg).ToLocalChecked();
            v8::TryCatch tc(iso);
            if (h->abort_fn.Get(iso)->Call(ctx, v8::Undefined(iso), 1, &arg).IsEmpty())
                fatal("a hard tasklet without a thread could not be ended");
            return;
        }
        w->task = t;
        *slot = w;
    }
    h->steps++;
    h->running = w;
    int64_t due = h->api->deadline(h->sctx);
    if (due >= 0) wd_arm(h, due);
    hand_over(iso, w->baton, h->baton);
    if (due >= 0) wd_disarm(h);
    h->running = nullptr;
    if (w->finished) release_worker(h, w);   // (t may be gone: the binding cleared its word)
}

void op_park(void *t)
{
    Worker *w = tl_worker;
    if (!w || w->task != t) fatal("a hard tasklet parked on a thread that does not run it");
    Host *h = w->h;
    if (w->in_interrupt) h->preemptions++;
    hand_over(h->iso, h->baton, w->baton);
}

void op_release(void *t)
{
    (void)t;   // a tasklet gets its thread at its first step and gives it back when it ends
}

// ---- module functions ------------------------------------------------------------------------------

void throw_error(v8::Isolate *iso, const char *msg)
{
    iso->ThrowException(v8::Exception::Error(v8::String::NewFromUtf8(iso, msg).ToLocalChecked()));
}

// init(ifaceAddress: bigint, runTasklet: () => void, abortTasklet: (msg?) => void)
void Init(const v8::FunctionCallbackInfo<v8::Value> &info)
{
    v8::Isolate *iso = info.GetIsolate();
    Host *h = (Host *)info.Data().As<v8::External>()->Value();
    if (info.Length() < 3 || !info[0]->IsBigInt() || !info[1]->IsFunction() || !info[2]->IsFunction())
        return throw_error(iso, "stackless hard module: init(iface, run, abort) expected");
    if (h->api) return;   // already initialised for this thread
    bool lossless = true;
    const slp_hard_iface *api =
        (const slp_hard_iface *)(uintptr_t)info[0].As<v8::BigInt>()->Uint64Value(&lossless);
    if (!api || api->magic != SLP_HARD_IFACE_MAGIC || api->version != SLP_HARD_IFACE_VERSION ||
        api->size < sizeof(slp_hard_iface))
        return throw_error(iso, "stackless hard module: it does not match the stackless addon "
                                "(rebuild both: npm run build:addon && npm run build:hard)");
    void *sctx = api->context();
    if (!sctx) return throw_error(iso, "stackless hard module: the scheduler is not initialised");
    h->api = api;
    h->sctx = sctx;
    h->ctx.Reset(iso, iso->GetCurrentContext());
    h->run_fn.Reset(iso, info[1].As<v8::Function>());
    h->abort_fn.Reset(iso, info[2].As<v8::Function>());
    h->ops.step = op_step;
    h->ops.park = op_park;
    h->ops.release = op_release;
    if (api->install(sctx, &h->ops) != 0) return throw_error(iso, "stackless hard module: installed twice");
    tl_host = h;
}

// configure({ stackSize?, maxIdle? }) -> the settings in force
void Configure(const v8::FunctionCallbackInfo<v8::Value> &info)
{
    v8::Isolate *iso = info.GetIsolate();
    v8::Local<v8::Context> ctx = iso->GetCurrentContext();
    Host *h = (Host *)info.Data().As<v8::External>()->Value();
    if (info.Length() > 0 && info[0]->IsObject()) {
        v8::Local<v8::Object> o = info[0].As<v8::Object>();
        v8::Local<v8::Value> v;
        if (o->Get(ctx, v8::String::NewFromUtf8Literal(iso, "stackSize")).ToLocal(&v) && v->IsNumber()) {
            double s = v.As<v8::Number>()->Value();
            if (!(s >= (double)kMinStack) || s > 1024.0 * 1024 * 1024) {
                iso->ThrowException(v8::Exception::RangeError(v8::String::NewFromUtf8Literal(
                    iso, "hard tasklet stack size must be between 131072 (128 KiB) and 1 GiB")));
                return;
            }
            h->stack_size = ((size_t)s + 4095) & ~(size_t)4095;
            // threads made with the old size are not reused
            std::lock_guard<std::mutex> l(h->pool_mu);
            for (Worker *w : h->idle) {
                w->quit = true;
                w->baton.give();
                h->threads_exited++;
            }
            h->idle.clear();
        }
        if (o->Get(ctx, v8::String::NewFromUtf8Literal(iso, "maxIdle")).ToLocal(&v) && v->IsNumber()) {
            double m = v.As<v8::Number>()->Value();
            if (!(m >= 0) || m > 1e6) {
                iso->ThrowException(v8::Exception::RangeError(
                    v8::String::NewFromUtf8Literal(iso, "maxIdle must be between 0 and 1000000")));
                return;
            }
            h->max_idle = (size_t)m;
        }
    }
    v8::Local<v8::Object> r = v8::Object::New(iso);
    r->Set(ctx, v8::String::NewFromUtf8Literal(iso, "stackSize"), v8::Number::New(iso, (double)h->stack_size)).Check();
    r->Set(ctx, v8::String::NewFromUtf8Literal(iso, "maxIdle"), v8::Number::New(iso, (double)h->max_idle)).Check();
    info.GetReturnValue().Set(r);
}

// stats() -> { threads, idle, created, steps, preemptions, interrupts, staleInterrupts }
void Stats(const v8::FunctionCallbackInfo<v8::Value> &info)
{
    v8::Isolate *iso = info.GetIsolate();
    v8::Local<v8::Context> ctx = iso->GetCurrentContext();
    Host *h = (Host *)info.Data().As<v8::External>()->Value();
    size_t idle;
    {
        std::lock_guard<std::mutex> l(h->pool_mu);
        idle = h->idle.size();
    }
    v8::Local<v8::Object> r = v8::Object::New(iso);
    auto set = [&](const char *k, double v) {
        r->Set(ctx, v8::String::NewFromUtf8(iso, k).ToLocalChecked(), v8::Number::New(iso, v)).Check();
    };
    set("threads", h->threads_created - h->threads_exited);
    set("idle", (double)idle);
    set("created", h->threads_created);
    set("steps", h->steps);
    set("preemptions", (double)h->preemptions.load());
    set("interrupts", (double)h->interrupts.load());
    set("staleInterrupts", (double)h->stale_interrupts.load());
    info.GetReturnValue().Set(r);
}

// ending(): called by the current hard tasklet once its function is over (returned, threw, or
// never started). Interrupts are ignored from then on: the code that ends the tasklet takes its
// JS state apart before telling the core, and a preemption in between would pause a tasklet that
// can neither run on nor be ended.
void Ending(const v8::FunctionCallbackInfo<v8::Value> &info)
{
    (void)info;
    if (tl_worker) tl_worker->ending = true;
}

// swapContext(v?) -> the isolate's async context frame (Node's AsyncContextFrame, where
// AsyncLocalStorage keeps its stores on Node 24), replaced by v if given. Without that V8 API:
// undefined.
void SwapContext(const v8::FunctionCallbackInfo<v8::Value> &info)
{
#if V8_MAJOR_VERSION >= 12
    v8::Isolate *iso = info.GetIsolate();
    info.GetReturnValue().Set(iso->GetContinuationPreservedEmbedderData());
    if (info.Length() > 0) iso->SetContinuationPreservedEmbedderData(info[0]);
#else
    (void)info;
#endif
}

void cleanup(void *arg)
{
    Host *h = (Host *)arg;
    h->dead = true;
    {
        std::lock_guard<std::mutex> l(h->wd_mu);
        h->wd_quit = true;
        h->wd_cv.notify_one();
    }
    if (h->wd_thread.joinable()) h->wd_thread.join();
    {
        std::lock_guard<std::mutex> l(h->pool_mu);
        for (Worker *w : h->idle) {
            w->quit = true;
            w->baton.give();
        }
        h->idle.clear();
    }
    h->ctx.Reset();
    h->run_fn.Reset();
    h->abort_fn.Reset();
    if (tl_host == h) tl_host = nullptr;
    // Threads of tasklets still blocked stay parked for good: the Host stays allocated for them.
}

}  // namespace

NODE_MODULE_INIT(/* exports, module, context */)
{
    v8::Isolate *iso = context->GetIsolate();
    Host *h = new Host();
    h->iso = iso;
    node::AddEnvironmentCleanupHook(iso, cleanup, h);
    v8::Local<v8::External> data = v8::External::New(iso, h);
    struct { const char *name; v8::FunctionCallback cb; } fns[] = {
        {"init", Init}, {"configure", Configure}, {"stats", Stats}, {"swapContext", SwapContext},
        {"ending", Ending},
    };
    for (auto &f : fns) {
        v8::Local<v8::Function> fn = v8::Function::New(context, f.cb, data).ToLocalChecked();
        exports->Set(context, v8::String::NewFromUtf8(iso, f.name).ToLocalChecked(), fn).Check();
    }
    exports->Set(context, v8::String::NewFromUtf8Literal(iso, "abi"),
                 v8::Number::New(iso, NODE_MODULE_VERSION)).Check();
}
