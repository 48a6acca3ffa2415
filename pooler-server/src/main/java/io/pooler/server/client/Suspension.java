package io.pooler.server.client;

/**
 * SUSPEND as a client connection sees it (implemented by the admin state, which SUSPEND and RESUME
 * change): whether what clients send is held now, and which {@link SuspendGate}s RESUME must release.
 *
 * <p>Threads: any.
 */
public interface Suspension {
    boolean isSuspended();

    /** {@code gate} holds messages now; RESUME releases it. */
    void holding(SuspendGate gate);

    /** {@code gate} was released or discarded. */
    void released(SuspendGate gate);
}
