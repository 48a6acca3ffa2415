package io.pooler.testing;

import static io.pooler.testing.PostgresExtensionTest.queryRow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The local-binaries backend on its own, as the bench's throwaway servers use it. */
class LocalPostgresTest {

    @Test
    void startsOnTheRequestedPortAndStopsAndStartsAgain() throws Exception {
        int port = freePort();
        LocalPostgres postgres = LocalPostgres.start(port);
        try {
            assertEquals(port, postgres.port());
            assertEquals(List.of("1"), queryRow(postgres, "SELECT 1"));

            postgres.stop();
            postgres.start();

            assertEquals(List.of(String.valueOf(port)), queryRow(postgres, "SELECT inet_server_port()::text"));
        } finally {
            postgres.stop();
        }
    }

    @Test
    void failedStartNamesTheServerLogAndQuotesIt() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            IOException failure = assertThrows(IOException.class, () -> LocalPostgres.start(taken.getLocalPort()));

            assertTrue(failure.getMessage().matches("(?s).*server log: /\\S+/server\\.log.*"), failure.getMessage());
            assertTrue(failure.getMessage().contains("Address already in use"), failure.getMessage());
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        }
    }
}
