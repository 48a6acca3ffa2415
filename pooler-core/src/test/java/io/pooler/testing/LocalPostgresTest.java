package io.pooler.testing;

import static io.pooler.testing.PostgresExtensionTest.queryRow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
    void startNoticesAServerThatWentAwayBehindItsBack() throws Exception {
        LocalPostgres postgres = LocalPostgres.start(0);
        try {
            String dataDirectory = queryRow(postgres, "SELECT current_setting('data_directory')").get(0);
            long postmasterPid = Long.parseLong(Files.readAllLines(Path.of(dataDirectory, "postmaster.pid")).get(0));
            ProcessHandle postmaster = ProcessHandle.of(postmasterPid).orElseThrow();
            postmaster.destroy(); // SIGTERM: smart shutdown, as an operator or a failure test would do
            postmaster.onExit().get(30, TimeUnit.SECONDS);

            postgres.start();

            assertEquals(List.of("1"), queryRow(postgres, "SELECT 1"));
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
