package io.pooler.server.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A TCP relay in front of PostgreSQL that passes every connection through untouched, except that the
 * ReadyForQuery which ends a RESET's answer reaches the pooler {@code holdMillis} after the rest of that
 * answer (its CommandComplete and the ParameterStatus messages PostgreSQL sends with it). PostgreSQL
 * writes the two in one packet; held apart, they open the window in which a client's next message
 * arrives while its RESET is still outstanding.
 */
final class HeldReadyRelay extends LoopbackRelay {
    /** CommandComplete "RESET": type, length 10, the tag and its NUL. */
    private static final byte[] RESET_COMPLETE = ByteBuffer.allocate(11).put((byte) 'C').putInt(10)
            .put("RESET".getBytes(StandardCharsets.US_ASCII)).put((byte) 0).array();

    private final int targetPort;
    private final long holdMillis;

    HeldReadyRelay(int targetPort, long holdMillis) throws IOException {
        super(loopbackListener());
        this.targetPort = targetPort;
        this.holdMillis = holdMillis;
        start("held-ready-relay");
    }

    @Override
    void relay(Socket client) throws IOException {
        Socket server = connect(InetAddress.getLoopbackAddress(), targetPort);
        pump(client.getInputStream(), server.getOutputStream(), server);
        Thread toClient = new Thread(() -> holdReadyAfterReset(server, client), "held-ready-relay");
        toClient.setDaemon(true);
        toClient.start();
    }

    /** PostgreSQL's bytes to the pooler, with the ReadyForQuery after a RESET's CommandComplete held back. */
    private void holdReadyAfterReset(Socket server, Socket client) {
        byte[] buffer = new byte[64 * 1024];
        try (InputStream in = server.getInputStream()) {
            OutputStream out = client.getOutputStream();
            int n;
            while ((n = in.read(buffer)) > 0) {
                int ready = readyAfterReset(buffer, n);
                if (ready < 0) {
                    out.write(buffer, 0, n);
                    continue;
                }
                out.write(buffer, 0, ready);
                out.flush();
                Thread.sleep(holdMillis); // the test's window: the pooler has the answer but its ReadyForQuery
                out.write(buffer, ready, n - ready);
            }
        } catch (IOException | InterruptedException e) {
            // one side went away, or the relay was closed
        } finally {
            try {
                client.close();
            } catch (IOException ignored) {
                // already closed
            }
        }
    }

    /**
     * Where the ReadyForQuery after a RESET's CommandComplete starts in {@code buffer}'s first {@code n}
     * bytes, walking the messages from that CommandComplete on; -1 when there is none (whole in this read).
     */
    private static int readyAfterReset(byte[] buffer, int n) {
        for (int at = 0; at + RESET_COMPLETE.length <= n; at++) {
            if (Arrays.equals(buffer, at, at + RESET_COMPLETE.length, RESET_COMPLETE, 0, RESET_COMPLETE.length)) {
                int message = at;
                while (message + 5 <= n) {
                    if (buffer[message] == 'Z') {
                        return message;
                    }
                    message += 1 + ByteBuffer.wrap(buffer, message + 1, 4).getInt();
                }
                return -1;
            }
        }
        return -1;
    }
}
