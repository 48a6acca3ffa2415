package io.pooler.server.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A TCP relay in front of PostgreSQL that passes connections through until told to stall the new ones,
 * as a PostgreSQL that is down or cut off does to the connection a CancelRequest needs:
 * <ul>
 * <li>{@link #holdNewConnections}: a new connection is accepted and its SSLRequest refused with 'N', as
 *     PostgreSQL does, and then nothing: what comes is read, never acted on, never answered, until
 *     {@link #endHeld} closes it (PostgreSQL done with a cancel) or the pooler does.</li>
 * <li>{@link #stopAccepting}: nothing more is accepted and the listener's queue is filled, so a new
 *     connection's SYN is dropped and its connect hangs, as towards a host whose traffic is dropped.</li>
 * </ul>
 * The connections made before go on untouched.
 */
final class StallingRelay extends LoopbackRelay {
    private static final int SSL_REQUEST_CODE = 80877103;

    private enum Mode { PASS, HOLD, STALL }

    private final int targetPort;
    private final CountDownLatch closed = new CountDownLatch(1);
    private final CountDownLatch acceptorStopped = new CountDownLatch(1);
    private final List<Socket> held = new CopyOnWriteArrayList<>();
    private final List<Socket> fillers = new CopyOnWriteArrayList<>();
    private final List<Duration> heldUntilPoolerClosed = new CopyOnWriteArrayList<>();
    private final CountDownLatch poolerClosedOne = new CountDownLatch(1);
    private volatile Mode mode = Mode.PASS;

    StallingRelay(int targetPort) throws IOException {
        super(new ServerSocket(0, 1, InetAddress.getLoopbackAddress())); // a queue of 2, soon full
        this.targetPort = targetPort;
        start("stalling-relay");
    }

    void holdNewConnections() {
        mode = Mode.HOLD;
    }

    /**
     * Accepts nothing more and fills the listener's queue: one connection for the accepting thread, which
     * then stops, then more until a connect hangs. NOTE: filled only once the thread has stopped: one it
     * took from the queue later would make room for the connect the test means to hang.
     */
    void stopAccepting() throws IOException, InterruptedException {
        mode = Mode.STALL;
        fill(5000);
        if (!acceptorStopped.await(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the accepting thread did not stop");
        }
        for (int i = 0; i < 10; i++) {
            if (!fill(300)) {
                return;
            }
        }
        throw new IllegalStateException("the listener's queue never filled");
    }

    /** One more connection to the listener; false if it did not connect within {@code timeoutMillis}. */
    private boolean fill(int timeoutMillis) throws IOException {
        Socket filler = new Socket();
        fillers.add(filler);
        try {
            filler.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port()), timeoutMillis);
            return true;
        } catch (SocketTimeoutException full) {
            return false;
        }
    }

    /** The connections held so far. */
    int held() {
        return held.size();
    }

    /** For each held connection the pooler closed, how long it had been held. */
    List<Duration> heldUntilPoolerClosed() {
        return List.copyOf(heldUntilPoolerClosed);
    }

    /** Whether the pooler closed a held connection within {@code wait}. */
    boolean poolerClosedOneWithin(Duration wait) throws InterruptedException {
        return poolerClosedOne.await(wait.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Closes the held connections, as PostgreSQL closes a cancel's once it has signalled the backend. */
    void endHeld() throws IOException {
        for (Socket s : held) {
            s.close();
        }
    }

    @Override
    void relay(Socket client) throws IOException {
        switch (mode) {
            case PASS -> pumpBothWays(client, connect(InetAddress.getLoopbackAddress(), targetPort));
            case HOLD -> hold(client);
            case STALL -> {
                acceptorStopped.countDown();
                try {
                    closed.await(); // the accepting thread stops here, so the queue fills
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    private void hold(Socket client) {
        held.add(client);
        long accepted = System.nanoTime();
        Thread t = new Thread(() -> {
            try {
                InputStream in = client.getInputStream();
                byte[] first = in.readNBytes(8);
                if (codeOf(first) == SSL_REQUEST_CODE) {
                    client.getOutputStream().write('N');
                }
                in.transferTo(OutputStream.nullOutputStream()); // until the pooler closes it
                heldUntilPoolerClosed.add(Duration.ofNanos(System.nanoTime() - accepted));
                poolerClosedOne.countDown();
            } catch (IOException ignored) {
                // endHeld or close closed it on our side
            }
        }, "stalling-relay-hold");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() throws IOException {
        closed.countDown();
        for (Socket s : fillers) {
            s.close();
        }
        super.close();
    }
}
