package io.pooler.server.it;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP relay in front of PostgreSQL that passes every connection through untouched, except that a
 * CancelRequest's connection, once PostgreSQL has closed its side (it has signalled the backend), is
 * held open towards the pooler for {@code holdMillis} more: the pooler then sees a cancel still in
 * flight for that long, the window in which a cancel could still reach the backend. Notes when it let
 * each cancel connection close.
 */
final class SlowCancelRelay extends LoopbackRelay {
    private static final int CANCEL_REQUEST_CODE = 80877102;
    private static final int SSL_REQUEST_CODE = 80877103;
    private static final int GSSENC_REQUEST_CODE = 80877104;

    private final int targetPort;
    private final long holdMillis;
    private final List<Long> cancelClosedNanos = new CopyOnWriteArrayList<>();

    SlowCancelRelay(int targetPort, long holdMillis) throws IOException {
        super(loopbackListener());
        this.targetPort = targetPort;
        this.holdMillis = holdMillis;
        start("slow-cancel-relay");
    }

    /** System.nanoTime() of each cancel connection's close towards the pooler, in order. */
    List<Long> cancelClosedNanos() {
        return List.copyOf(cancelClosedNanos);
    }

    @Override
    void relay(Socket client) throws IOException {
        Socket server = connect(InetAddress.getLoopbackAddress(), targetPort);
        int code = codeOf(forwardFirstBytes(client, server));
        while (isEncryptionRequest(code)) {
            // server_tls_sslmode prefer (the default): PostgreSQL's one-byte answer, here 'N', then
            // the connection's real first message
            client.getOutputStream().write(server.getInputStream().read());
            code = codeOf(forwardFirstBytes(client, server));
        }
        if (code == CANCEL_REQUEST_CODE) {
            holdCancel(client, server);
        } else {
            pumpBothWays(client, server);
        }
    }

    private static boolean isEncryptionRequest(int code) {
        return code == SSL_REQUEST_CODE || code == GSSENC_REQUEST_CODE;
    }

    /** The rest of the CancelRequest goes on; the pooler's side closes holdMillis after PostgreSQL's did. */
    private void holdCancel(Socket client, Socket server) {
        Thread t = new Thread(() -> {
            try (client; server) {
                server.getOutputStream().write(client.getInputStream().readNBytes(8)); // the backend's key
                server.getInputStream().transferTo(OutputStream.nullOutputStream()); // until PostgreSQL closes
                Thread.sleep(holdMillis);
                cancelClosedNanos.add(System.nanoTime());
            } catch (IOException | InterruptedException ignored) {
                // the test is over
            }
        }, "slow-cancel-relay-cancel");
        t.setDaemon(true);
        t.start();
    }
}
