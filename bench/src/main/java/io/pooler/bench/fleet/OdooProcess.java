package io.pooler.bench.fleet;

import io.netty.channel.EventLoop;
import io.pooler.bench.fleet.OdooTraffic.Step;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One simulated Odoo process: a prefork HTTP worker, a cron worker or the gevent process of one host.
 *
 * <p>It keeps its own pool of connections to its host's database, opened at the start and kept open
 * as psycopg2 keeps them; a cursor borrows the first free one (Odoo's {@code ConnectionPool.borrow})
 * and, when that connection served before, resets it with DISCARD ALL. A prefork or cron worker runs
 * one request at a time: a request due while another runs waits, and its latency counts from when it
 * was due. The gevent process runs a bus read for each notification for its database, several at once.
 *
 * <p>Threads: everything runs on {@link #loop}, which owns every connection of the process.
 */
final class OdooProcess {
    enum Kind { HTTP, CRON, GEVENT }

    /** Requests a worker may have waiting before it sheds them (and counts an error): bounds memory if a target stalls. */
    private static final int MAX_QUEUED = 1000;
    private static final int LOGIN_ATTEMPTS = 3;
    private static final long RETRY_LOGIN_MILLIS = 1000;

    private final Fleet fleet;
    private final Kind kind;
    private final String database;
    private final int cronId;
    private final EventLoop loop;
    /**
     * When requests arrive, and apart what each does (which write, how long it thinks), so that the
     * arrivals do not depend on how requests and arrivals interleave, which a pooler's speed changes.
     * Both go over to streams of their own when measuring starts (see {@link Arrivals}).
     */
    private final Arrivals arrivals;
    private SplittableRandom random;
    private final SplittableRandom measuredRandom;
    /** The next arrival's timer, to be replaced when measuring starts. */
    private ScheduledFuture<?> arrival;
    private final int poolSize;
    private final List<SqlConnection> pool = new ArrayList<>();
    private boolean[] busy;
    private boolean[] used;
    private SqlConnection listener;

    private final ArrayDeque<Long> due = new ArrayDeque<>();
    private boolean inRequest;
    private int busReadsInFlight;
    private long lastBusId;
    /** nanoTime the current request was due, 0 when idle; read by {@link Fleet#stalled}. */
    private volatile long busySince;

    OdooProcess(Fleet fleet, Kind kind, String database, int cronId, EventLoop loop, SplittableRandom random, int poolSize) {
        this.fleet = fleet;
        this.kind = kind;
        this.database = database;
        this.cronId = cronId;
        this.loop = loop;
        this.arrivals = new Arrivals(random.split(), kind == Kind.CRON ? fleet.shape().cronIntervalSeconds()
                : 1 / fleet.shape().requestsPerWorkerPerSecond());
        this.random = random.split();
        this.measuredRandom = random.split();
        this.poolSize = poolSize;
    }

    long busySince() {
        return busySince;
    }

    // ---- opening the pool ----

    /** Opens the pool's connections one after the other, then the LISTEN connection; completes when all are open. */
    CompletableFuture<Void> open() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        loop.execute(() -> openNext(done, 1));
        return done;
    }

    private void openNext(CompletableFuture<Void> done, int attempt) {
        if (!fleet.rampingOrRunning()) {
            done.complete(null);
            return;
        }
        boolean poolFull = pool.size() == poolSize;
        if (poolFull && (kind == Kind.HTTP || listener != null)) {
            busy = new boolean[poolSize];
            used = new boolean[poolSize];
            done.complete(null);
            return;
        }
        String db = poolFull ? "postgres" : database;
        fleet.openConnection(loop, db).whenComplete((c, failure) -> {
            if (failure != null) {
                fleet.error("login to " + db + ": " + rootMessage(failure));
                if (attempt < LOGIN_ATTEMPTS) {
                    loop.schedule(() -> openNext(done, attempt + 1), RETRY_LOGIN_MILLIS, TimeUnit.MILLISECONDS);
                } else {
                    done.completeExceptionally(failure);
                }
                return;
            }
            if (!poolFull) {
                pool.add(c);
                openNext(done, 1);
                return;
            }
            listen(c, done);
        });
    }

    /** Odoo's LISTENers: each cron worker on cron_trigger, the gevent process's bus thread on imbus. */
    private void listen(SqlConnection c, CompletableFuture<Void> done) {
        String channel = kind == Kind.CRON ? "cron_trigger" : "imbus";
        if (kind == Kind.GEVENT) {
            c.onNotification((ch, payload) -> notified(payload));
        }
        c.query("LISTEN " + channel).whenComplete((r, failure) -> {
            if (failure != null || r.failed()) {
                fleet.error("LISTEN " + channel + ": " + (failure != null ? rootMessage(failure) : r.errorMessage()));
                done.completeExceptionally(new IllegalStateException("LISTEN failed"));
                return;
            }
            listener = c;
            busy = new boolean[poolSize];
            used = new boolean[poolSize];
            done.complete(null);
        });
    }

    // ---- traffic ----

    /** Starts the process's requests: Poisson arrivals for workers and crons; the gevent process waits for notifications. */
    void startTraffic() {
        if (kind == Kind.GEVENT) {
            return;
        }
        loop.execute(() -> {
            arrivals.start(System.nanoTime());
            scheduleArrival();
        });
    }

    /**
     * From now on the process draws from its measured stream, and its next arrival is drawn from it
     * anew: the arrivals of the measured interval are the same for every target. Requests already due
     * stay due.
     */
    void startMeasuredDraws() {
        loop.execute(() -> {
            random = measuredRandom;
            if (kind == Kind.GEVENT || !fleet.running()) {
                return;
            }
            if (arrival != null) {
                arrival.cancel(false);
            }
            arrivals.startMeasured(System.nanoTime());
            scheduleArrival();
        });
    }

    private void scheduleArrival() {
        if (!fleet.running()) {
            return;
        }
        long at = arrivals.take();
        arrival = loop.schedule(() -> arrive(at), Math.max(0, at - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    private void arrive(long at) {
        if (!fleet.running()) {
            return;
        }
        if (due.size() >= MAX_QUEUED) {
            fleet.error("a worker had " + MAX_QUEUED + " requests waiting: shed");
        } else {
            due.add(at);
        }
        scheduleArrival();
        if (!inRequest) {
            nextRequest();
        }
    }

    private void nextRequest() {
        Long at = due.poll();
        if (at == null || !fleet.running()) {
            inRequest = false;
            busySince = 0;
            return;
        }
        inRequest = true;
        busySince = at;
        if (kind == Kind.CRON) {
            cursor(1, at, (slot, reused) -> OdooTraffic.cronJob(reused, cronId), () -> {
                fleet.cronJobDone();
                nextRequest();
            });
            return;
        }
        boolean write = random.nextDouble() < fleet.shape().writeShare();
        long partner = random.nextLong(1, OdooTraffic.PARTNERS + 1);
        cursor(1, at, (slot, reused) -> OdooTraffic.httpRequest(random, database, partner, reused, write,
                fleet.shape().thinkMillis()), () -> {
                    if (write) {
                        notifyBus(at, partner);
                    } else {
                        fleet.requestDone(System.nanoTime() - at);
                        nextRequest();
                    }
                });
    }

    /** Odoo's post-commit notify: a fresh login to postgres, one pg_notify, and the connection closed. */
    private void notifyBus(long at, long partner) {
        long dialed = System.nanoTime();
        fleet.openConnection(loop, "postgres").thenCompose(c -> {
                    long loggedIn = System.nanoTime();
                    fleet.statementDone(StatementRoundTrips.NOTIFY_LOGIN, loggedIn - dialed);
                    return c.query(OdooTraffic.notify(database, partner)).whenComplete((r, failure) -> {
                        if (failure == null && !r.failed()) {
                            fleet.statementDone(StatementRoundTrips.NOTIFY_QUERY, System.nanoTime() - loggedIn);
                        }
                        c.close();
                    });
                })
                .whenComplete((r, failure) -> {
                    if (failure != null || r.failed()) {
                        fleet.error("notify: " + (failure != null ? rootMessage(failure) : r.errorMessage()));
                    } else {
                        fleet.notifySent();
                        fleet.requestDone(System.nanoTime() - at);
                    }
                    nextRequest();
                });
    }

    private void notified(String payload) {
        fleet.notificationReceived();
        if (!OdooTraffic.isFor(payload, database) || !fleet.running() || busReadsInFlight >= poolSize) {
            return;
        }
        busReadsInFlight++;
        cursor(1, System.nanoTime(), (slot, reused) -> OdooTraffic.busRead(reused, lastBusId), () -> {
            busReadsInFlight--;
            fleet.busReadDone();
        });
    }

    // ---- one cursor ----

    interface Script {
        List<Step> steps(int slot, boolean reused);
    }

    /**
     * Borrows a connection, runs the script's transaction on it and gives it back; Odoo's retry on a
     * concurrency failure (serialization, deadlock, NOWAIT) runs it again, up to {@link OdooTraffic#MAX_TRIES}
     * times. {@code then} runs after success; after a failure, counted as an error, the worker goes on
     * with its next request.
     */
    private void cursor(int attempt, long at, Script script, Runnable then) {
        int slot = borrow();
        if (slot < 0) {
            fleet.error("no open connection left in the process's pool");
            finishFailed();
            return;
        }
        boolean reused = used[slot];
        used[slot] = true;
        SqlConnection c = pool.get(slot);
        CompletableFuture<QueryResult> done = new CompletableFuture<>();
        run(c, script.steps(slot, reused), 0, null, done);
        done.whenComplete((r, failure) -> {
            if (failure != null) {
                busy[slot] = false;
                fleet.error(kind.name().toLowerCase() + ": " + rootMessage(failure));
                reopen(slot);
                finishFailed();
                return;
            }
            if (r.failed()) {
                rollback(c, slot, r, attempt, at, script, then);
                return;
            }
            if (kind == Kind.GEVENT) {
                for (List<String> row : r.rows()) {
                    lastBusId = Math.max(lastBusId, Long.parseLong(row.get(0)));
                }
            }
            busy[slot] = false;
            then.run();
        });
    }

    private void rollback(SqlConnection c, int slot, QueryResult failed, int attempt, long at, Script script, Runnable then) {
        CompletableFuture<QueryResult> rolledBack = failed.inTransaction() ? c.query("ROLLBACK")
                : CompletableFuture.completedFuture(failed);
        rolledBack.whenComplete((r, failure) -> {
            busy[slot] = false;
            if (failure != null) {
                fleet.error(kind.name().toLowerCase() + ": " + rootMessage(failure));
                reopen(slot);
                finishFailed();
            } else if (OdooTraffic.RETRIED.contains(failed.sqlState()) && attempt < OdooTraffic.MAX_TRIES) {
                fleet.retried();
                cursor(attempt + 1, at, script, then);
            } else {
                fleet.error(kind.name().toLowerCase() + ": " + failed.sqlState() + " " + failed.errorMessage());
                finishFailed();
            }
        });
    }

    private void finishFailed() {
        if (kind == Kind.GEVENT) {
            busReadsInFlight--;
        } else {
            nextRequest();
        }
    }

    private void run(SqlConnection c, List<Step> steps, int i, QueryResult last, CompletableFuture<QueryResult> done) {
        if (i == steps.size()) {
            done.complete(last);
            return;
        }
        Step step = steps.get(i);
        if (step.sql() == null) {
            loop.schedule(() -> run(c, steps, i + 1, last, done), step.pauseNanos(), TimeUnit.NANOSECONDS);
            return;
        }
        long sent = System.nanoTime();
        c.query(step.sql()).whenComplete((r, failure) -> {
            if (failure != null) {
                done.completeExceptionally(failure);
            } else if (r.failed()) {
                done.complete(r);
            } else {
                long roundTrip = System.nanoTime() - sent;
                if (step.timed()) {
                    fleet.serverWait(roundTrip);
                }
                fleet.statementDone(StatementRoundTrips.kindOf(step.sql()), roundTrip);
                run(c, steps, i + 1, r, done);
            }
        });
    }

    /** The first connection of the pool that is open and not lent out, as Odoo's borrow scans its list. */
    private int borrow() {
        for (int i = 0; i < pool.size(); i++) {
            if (!busy[i] && pool.get(i).isOpen()) {
                busy[i] = true;
                return i;
            }
        }
        return -1;
    }

    /** A connection lost: psycopg2 would open a new one at the next borrow; here at once, in the background. */
    private void reopen(int slot) {
        if (!fleet.running()) {
            return;
        }
        busy[slot] = true;
        fleet.openConnection(loop, database).whenComplete((c, failure) -> {
            if (failure != null) {
                fleet.error("login to " + database + ": " + rootMessage(failure));
                return; // the slot stays out of use
            }
            pool.set(slot, c);
            used[slot] = false;
            busy[slot] = false;
        });
    }

    /** Closes every connection, at the end. */
    void close() {
        loop.execute(() -> {
            pool.forEach(SqlConnection::close);
            if (listener != null) {
                listener.close();
            }
        });
    }

    static String rootMessage(Throwable t) {
        while (t.getCause() != null && (t instanceof java.util.concurrent.CompletionException
                || t instanceof java.util.concurrent.ExecutionException)) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + ": " + t.getMessage();
    }
}
