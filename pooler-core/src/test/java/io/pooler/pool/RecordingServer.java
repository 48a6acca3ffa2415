package io.pooler.pool;

import io.netty.channel.EventLoop;

/**
 * A server connection for pool tests: it connects, runs its check and closes only in the record it
 * keeps. Fields are volatile: tests read them from their own thread.
 */
final class RecordingServer extends PooledServer {
    private volatile EventLoop loop;
    private final String name;
    private final boolean movable;
    volatile boolean connected;
    volatile int checkQueries;
    volatile String closedBecause;
    /**
     * Its connection ends on the way to another loop, and the close is reported there before the move's
     * end is (as the daemon's server once did: see {@link #moveTo}).
     */
    volatile boolean closesOnTheWay;
    /** Runs inside {@link #close}, before the pool hears of it: another loop acting at that very instant. */
    volatile Runnable whileClosing = () -> { };

    RecordingServer(Pool pool, EventLoop loop, String name) {
        this(pool, loop, name, false);
    }

    RecordingServer(Pool pool, EventLoop loop, String name, boolean movable) {
        super(pool);
        this.loop = loop;
        this.name = name;
        this.movable = movable;
    }

    @Override
    public EventLoop eventLoop() {
        return loop;
    }

    @Override
    protected void connect() {
        if (!loop.inEventLoop()) {
            throw new AssertionError(name + " connected off its event loop");
        }
        connected = true;
    }

    @Override
    protected boolean canMove() {
        return movable;
    }

    /**
     * As the real one: from then on the server belongs to {@code target}, where {@code arrived} runs. With
     * {@link #closesOnTheWay}, the close is reported on {@code target} first and {@code arrived} still
     * runs after it, as the daemon's server did when its channel's close came before the registration's
     * listener on the new loop: the pool must not take a closed server for an arrived one.
     */
    @Override
    protected void moveTo(EventLoop target, Runnable arrived) {
        loop = target;
        if (closesOnTheWay) {
            closedBecause = "closed on the way";
            target.execute(() -> pool().serverClosed(this));
        }
        target.execute(arrived);
    }

    @Override
    protected void runCheckQuery() {
        checkQueries++;
    }

    /** As the real one: the pool hears of the close later, on the server's loop, once. */
    @Override
    public void close(String reason) {
        if (closedBecause == null) {
            closedBecause = reason;
            whileClosing.run();
            loop.execute(() -> pool().serverClosed(this));
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
