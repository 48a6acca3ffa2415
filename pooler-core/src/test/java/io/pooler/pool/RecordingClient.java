package io.pooler.pool;

import io.netty.channel.EventLoop;
import io.pooler.protocol.ErrorResponse;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A client for pool tests that records what the pool told it; readable from the test's thread. */
final class RecordingClient extends PooledClient {
    private final EventLoop loop;
    volatile int welcomed;
    final List<PooledServer> assigned = new CopyOnWriteArrayList<>();
    final List<ErrorResponse> failures = new CopyOnWriteArrayList<>();

    RecordingClient(EventLoop loop) {
        this.loop = loop;
    }

    @Override
    public EventLoop eventLoop() {
        return loop;
    }

    @Override
    protected void onWelcomeReady() {
        welcomed++;
    }

    @Override
    protected void onServerAssigned(PooledServer server) {
        if (server == null) {
            throw new AssertionError("assigned no server");
        }
        assigned.add(server);
    }

    @Override
    protected void onWaitFailed(ErrorResponse error) {
        failures.add(error);
    }
}
